//! The harness: the real server on a random port, a fresh database per test,
//! a real SMTP server on loopback, and the captured logs.

pub mod browser;
pub mod db;
pub mod faults;
pub mod logs;
pub mod multipart;
pub mod pages;
pub mod smtp;

use std::collections::HashMap;

use actix_web::web;
use huzhu::context::AppContext;
use huzhu::domain::Password;
use huzhu::domain::new_account::{Assignment, NewAccount, Profile};
use huzhu::settings::Settings;
use huzhu::startup::Application;

pub use db::TestDb;
pub use smtp::SmtpSink;

/// A running huzhu and everything it owns.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub client: reqwest::Client,
    pub context: web::Data<AppContext>,
    /// Kept for its lifetime: dropping it drops a PostgreSQL test database.
    _db: TestDb,
    _mail_dir: tempfile::TempDir,
}

/// Environment a test's settings start from.
pub fn base_env(db: &TestDb, mail_dir: &std::path::Path) -> HashMap<String, String> {
    HashMap::from([
        ("HUZHU_DATABASE_URL".to_owned(), db.url.clone()),
        ("HUZHU_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("HUZHU_MAIL_DIR".to_owned(), mail_dir.display().to_string()),
    ])
}

/// Starts huzhu with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts huzhu sending its emails to `sink`, its mail worker polling every
/// 20 ms.
pub async fn spawn_app_mailing_to(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |env| {
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned());
    })
    .await
}

/// Rolls `db` back to just before the migration `name`, then applies every
/// migration again: the rows in hand go through each `down` and `up`.
///
/// On SQLite through a connection of its own: a schema change made on one
/// of the pool's connections leaves the others' cached schema stale until
/// their next transaction, and SQLite checks an `ALTER TABLE … ADD COLUMN`
/// against that cache — it would find the column a `down` just dropped.
pub async fn migrate_back_before_and_up(db: &sea_orm::DatabaseConnection, name: &str) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::sqlx::sqlite::SqlitePoolOptions;
    let single;
    let db = if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        let options = db.get_sqlite_connection_pool().connect_options();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with((*options).clone())
            .await
            .expect("a connection of its own");
        single = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        &single
    } else {
        db
    };
    let applied = Migrator::get_applied_migrations(db).await.expect("status");
    let at = applied
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("{name} is applied"));
    Migrator::down(db, Some((applied.len() - at) as u32))
        .await
        .expect("down");
    Migrator::up(db, None).await.expect("up again");
}

/// Starts huzhu after `customize` has adjusted its environment.
pub async fn spawn_app_with(customize: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    logs::init();
    let db = TestDb::create().await;
    let mail_dir = tempfile::tempdir().expect("mail directory");
    let mut env = base_env(&db, mail_dir.path());
    customize(&mut env);
    let settings = Settings::from_sources(&env, None).expect("test settings are valid");
    let app = Application::build(settings)
        .await
        .expect("application starts");
    let port = app.port();
    let context = app.context();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
        context,
        _db: db,
        _mail_dir: mail_dir,
    }
}

impl TestApp {
    /// Waits until the server's own scheduler has run today's daily jobs,
    /// when their hour has come: that run starts with the server, at the
    /// real time, and would otherwise raise or erase what a test posts or
    /// ages meanwhile. Retention is the last of them (`run_due`).
    pub async fn startup_jobs_done(&self) {
        use huzhu::domain::period::{local_date, local_midnight};
        use huzhu::services::schedules::SEND_HOUR;
        use huzhu::store::entity::job_run;
        use sea_orm::EntityTrait;
        let (now, tz) = (huzhu::store::now_ms(), self.context.settings.timezone);
        let today = local_date(now, tz);
        if now < local_midnight(today, tz) + SEND_HOUR * 3_600_000 {
            return;
        }
        let key = ("retention".to_owned(), today.to_string());
        for _ in 0..3_000 {
            let done = job_run::Entity::find_by_id(key.clone())
                .one(&self.context.db)
                .await
                .expect("job runs");
            if done.is_some() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the scheduler did not run today's daily jobs");
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi(&self) -> serde_json::Value {
        self.get("/api/v1/openapi.json")
            .await
            .json()
            .await
            .expect("JSON")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

/// Reads a problem+json answer, checking its shape.
pub async fn problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], status);
    assert!(
        body["type"].is_string() && body["title"].is_string(),
        "{body}"
    );
    body
}

/// A user created for a test, with the password it logs in with.
pub struct TestUser {
    pub email: String,
    pub password: String,
}

/// A password no policy refuses.
pub const GOOD_PASSWORD: &str = "柑橘林里的小路很长很长";

impl TestApp {
    /// Moves a need's posting `days` days (and a minute) into the past, as
    /// if it had waited that long.
    pub async fn backdate_need(&self, need_id: &str, days: i64) {
        use huzhu::store::entity::need;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        const DAY: i64 = 24 * 3_600_000;
        need::Entity::update_many()
            .col_expr(
                need::Column::PostedAt,
                Expr::value(huzhu::store::now_ms() - days * DAY - 60_000),
            )
            .filter(need::Column::Id.eq(need_id.parse::<uuid::Uuid>().expect("id")))
            .exec(&self.context.db)
            .await
            .expect("posted_at moved");
    }

    /// Creates a verified account directly (as `huzhu user create` does).
    pub async fn create_user(&self, role: huzhu::domain::Role, region: Option<&str>) -> TestUser {
        self.create_user_speaking(role, region, None).await
    }

    /// Creates a verified account that reads huzhu in `locale` (`en`,
    /// `zh-CN`; the default when none).
    pub async fn create_user_speaking(
        &self,
        role: huzhu::domain::Role,
        region: Option<&str>,
        locale: Option<&str>,
    ) -> TestUser {
        self.create_account(role, region, ("测试用户", "13800138000"), locale)
            .await
    }

    /// Creates a verified account with its own name and phone, so that a
    /// page showing it can be told from one showing someone else.
    pub async fn create_person(
        &self,
        role: huzhu::domain::Role,
        region: Option<&str>,
        name: &str,
        phone: &str,
    ) -> TestUser {
        self.create_account(role, region, (name, phone), None).await
    }

    async fn create_account(
        &self,
        role: huzhu::domain::Role,
        region: Option<&str>,
        (name, phone): (&str, &str),
        locale: Option<&str>,
    ) -> TestUser {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        let account = NewAccount {
            profile: Profile::parse(&email, name, Some(phone), locale).expect("profile"),
            assignment: Assignment::parse(role, region).expect("region"),
        };
        let password = Password::parse(GOOD_PASSWORD, &email, name).expect("password");
        huzhu::services::accounts::create_with_password(&self.context.db, account, password)
            .await
            .expect("user created");
        TestUser {
            email,
            password: GOOD_PASSWORD.to_owned(),
        }
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, user: &TestUser) -> String {
        let response = self
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"email": user.email, "password": user.password}),
                None,
            )
            .await;
        assert_eq!(response.status().as_u16(), 200, "login");
        let body: serde_json::Value = response.json().await.expect("JSON");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// GETs `path` with a bearer token and reads its JSON answer.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        self.get_with(path, token).await.json().await.expect("JSON")
    }
}

/// The `?token=` of the first link in an email's plain-text body.
pub fn link_token(mail: &smtp::ReceivedMail) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("MIME");
    let text = parsed.body_text(0).expect("text body").into_owned();
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}
