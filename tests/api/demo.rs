//! `huzhu demo`: a believable county in an empty database, whose history
//! keeps every rule of a need's and a match's life, and whose logins work.

mod invariants;
mod standing;

use std::process::Command;

use huzhu::services::demo::{self, DemoError, Options};
use serde_json::Value;

use crate::helpers::{TestApp, TestDb, TestUser, spawn_app, spawn_app_with};

/// Runs the demo through the library on the app's database.
pub async fn fill(app: &TestApp) -> demo::Summary {
    let ttl = app.context.settings.proposal_ttl.as_millis() as i64;
    demo::run(&app.context.db, &Options::new(8, ttl))
        .await
        .expect("the demo fills an empty database")
}

/// Login lines of the printed table: `role email password …`.
fn logins(stdout: &str) -> Vec<(String, TestUser)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let role = words.next()?;
            let email = words.next()?;
            let password = words.next()?;
            let is_login = ["admin", "coordinator", "cadre", "volunteer"].contains(&role)
                && email.ends_with("@demo.invalid");
            is_login.then(|| {
                let user = TestUser {
                    email: email.to_owned(),
                    password: password.to_owned(),
                };
                (role.to_owned(), user)
            })
        })
        .collect()
}

fn huzhu_demo(db: &TestDb, dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_huzhu"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HUZHU_DATABASE_URL", &db.url)
        .env("HUZHU_MAIL_DIR", dir.join("mail"))
        .arg("demo")
        .output()
        .expect("ran")
}

async fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let response = app.get_with(path, token).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let body: Value = response.json().await.expect("JSON");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn huzhu_demo_prints_logins_that_work_and_refuses_to_run_twice() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().expect("dir");
    let output = huzhu_demo(&db, dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("households 2000"), "{stdout}");
    assert!(stdout.contains("重点户 key households 50"), "{stdout}");
    let logins = logins(&stdout);
    let roles: Vec<&str> = logins.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles.iter().filter(|r| **r == "cadre").count(), 23);
    for role in ["admin", "coordinator", "volunteer"] {
        assert_eq!(roles.iter().filter(|r| **r == role).count(), 1, "{role}");
    }

    let app = spawn_app_with(|env| {
        env.insert("HUZHU_DATABASE_URL".to_owned(), db.url.clone());
    })
    .await;
    for (role, user) in logins
        .iter()
        .filter(|(r, _)| r != "cadre")
        .chain(logins.iter().filter(|(r, _)| r == "cadre").take(1))
    {
        let token = app.login(user).await;
        let me: Value = app
            .get_with("/api/v1/me", &token)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(me["role"], role.as_str());
        let shown = match role.as_str() {
            "volunteer" => items(&app, "/api/v1/offers", &token).await,
            "cadre" => items(&app, "/api/v1/needs", &token).await,
            "coordinator" => items(&app, "/api/v1/rounds", &token).await,
            _ => items(&app, "/api/v1/regions?parent=430525101", &token).await,
        };
        assert!(!shown.is_empty(), "{role} sees demo data");
    }

    let again = huzhu_demo(&db, dir.path());
    assert!(!again.status.success(), "a second run is refused");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert!(
        !stderr.contains("demo-"),
        "no password in an error: {stderr}"
    );
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_already_has_an_account_and_writes_nothing() {
    let app = spawn_app().await;
    app.create_user(huzhu::domain::Role::Admin, None).await;
    let ttl = app.context.settings.proposal_ttl.as_millis() as i64;
    let refused = demo::run(&app.context.db, &Options::new(8, ttl)).await;
    assert!(
        matches!(&refused, Err(DemoError::NotEmpty { en, .. }) if en == "1 accounts"),
        "{:?}",
        refused.err()
    );
    let villages = app
        .get("/api/v1/regions?parent=430525101")
        .await
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(villages["items"].as_array().map(Vec::len), Some(0));
}
