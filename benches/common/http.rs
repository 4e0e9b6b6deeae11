//! Talking to a benchmarked server as a person would: a staff account and
//! its bearer token, the requests the benchmarks set up with, and latency
//! figures of a series of requests.

use std::time::{Duration, Instant};

use huzhu::domain::new_account::{Assignment, NewAccount, Profile};
use huzhu::domain::{Password, Role};

const PASSWORD: &str = "一个足够长的基准测试密码";

/// Creates an account of `role` and logs it in; returns the bearer token.
pub async fn token(
    ctx: &huzhu::context::AppContext,
    client: &reqwest::Client,
    base: &str,
    role: Role,
    region: Option<&str>,
) -> String {
    let email = format!("bench-{}@example.org", role.as_str());
    let account = NewAccount {
        profile: Profile::parse(&email, "基准", None, None).expect("profile"),
        assignment: Assignment::parse(role, region).expect("region"),
    };
    let password = Password::parse(PASSWORD, &email, "基准").expect("password");
    huzhu::services::accounts::create_with_password(&ctx.db, account, password)
        .await
        .expect("user");
    let body = serde_json::json!({"email": email, "password": PASSWORD});
    let answer: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("JSON");
    answer["token"].as_str().expect("token").to_owned()
}

/// GETs `url` as `token`'s user.
pub async fn get(client: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// GETs `url` as `token`'s user and reads its JSON answer.
pub async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    get(client, url, token).await.json().await.expect("JSON")
}

/// The id of `token`'s user.
pub async fn user_id(client: &reqwest::Client, base: &str, token: &str) -> uuid::Uuid {
    let me = get_json(client, &format!("{base}/api/v1/me"), token).await;
    me["id"].as_str().expect("id").parse().expect("uuid")
}

/// Posts an offer as `token`'s volunteer; its id.
pub async fn post_offer(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: serde_json::Value,
) -> String {
    let answer: serde_json::Value = client
        .post(format!("{base}/api/v1/offers"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("offer")
        .json()
        .await
        .expect("JSON");
    answer["id"].as_str().expect("offer id").to_owned()
}

/// GETs each of `urls` once, one at a time, each answer a 200; the sorted
/// latencies and the mean size of the answers' bodies as they travelled.
pub async fn latencies(
    client: &reqwest::Client,
    token: &str,
    urls: &[String],
) -> (Vec<Duration>, usize) {
    let mut all = Vec::with_capacity(urls.len());
    let mut bytes = 0;
    for url in urls {
        let started = Instant::now();
        let response = get(client, url, token).await;
        assert_eq!(response.status().as_u16(), 200, "{url}");
        bytes += response.bytes().await.expect("body").len();
        all.push(started.elapsed());
    }
    all.sort();
    (all, bytes / urls.len().max(1))
}

/// A benchmarked huzhu serving on a free port, on a fresh database.
pub struct Served {
    pub ctx: actix_web::web::Data<huzhu::context::AppContext>,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    postgres: Option<(String, String)>,
    dir: tempfile::TempDir,
}

impl Served {
    /// Starts huzhu on SQLite, or on a new PostgreSQL database when
    /// `HUZHU_BENCH_DATABASE_URL` names a server.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (db_url, postgres) = super::county::database(dir.path()).await;
        let env = std::collections::HashMap::from([
            ("HUZHU_DATABASE_URL".to_owned(), db_url),
            ("HUZHU_BIND".to_owned(), "127.0.0.1:0".to_owned()),
            (
                "HUZHU_MAIL_DIR".to_owned(),
                dir.path().join("mail").display().to_string(),
            ),
        ]);
        let settings = huzhu::settings::Settings::from_sources(&env, None).expect("settings");
        let app = huzhu::startup::Application::build(settings)
            .await
            .expect("app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let ctx = app.context();
        tokio::spawn(app.run_until_stopped());
        Self {
            ctx,
            base,
            backend: if postgres.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
            postgres,
            dir,
        }
    }

    /// Drops the database (or keeps it: see `county::drop_database`).
    pub async fn finish(self) {
        super::county::drop_database(self.postgres, self.dir).await;
    }
}
