//! The harness: the real server on a random port, a fresh database per test,
//! a real SMTP server on loopback, and the captured logs.

pub mod db;
pub mod logs;
pub mod smtp;

use std::collections::HashMap;

use actix_web::web;
use huzhu::context::AppContext;
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
