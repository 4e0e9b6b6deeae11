use crate::helpers::{logs, spawn_app};

#[tokio::test]
async fn healthz_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn readyz_is_ready_once_migrations_are_applied() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn every_answer_echoes_the_request_id_it_was_given_or_a_new_one() {
    let app = spawn_app().await;
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "test-id-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(given.headers()["x-request-id"], "test-id-42");

    let fresh = app.get("/api/v1/regions").await;
    let id = fresh.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
}

#[tokio::test]
async fn each_request_is_logged_with_route_status_latency_and_id() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/regions/430525203000"))
        .header("x-request-id", "span-check-7")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let line = logs::captured()
        .lines()
        .find(|l| l.contains("span-check-7") && l.contains("request finished"))
        .map(str::to_owned)
        .expect("a log line for the request");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    let span = &entry["span"];
    assert_eq!(span["route"], "/api/v1/regions/{code}");
    assert_eq!(span["status"], 200);
    assert_eq!(span["method"], "GET");
    assert!(span["latency_ms"].is_number(), "{line}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/api/v1/regions/430525000000").await;
    app.get("/api/v1/regions/430525999000").await;
    let text = app.get("/metrics").await.text().await.expect("text");
    assert!(
        text.contains(r#"huzhu_http_requests_total{method="GET",route="/api/v1/regions/{code}",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/regions/{code}",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("huzhu_http_request_duration_seconds_bucket"),
        "{text}"
    );
}

/// A file's permission bits, e.g. `0o600`.
#[cfg(unix)]
pub fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_and_its_wal_are_private_to_huzhus_user() {
    let root = tempfile::tempdir().expect("temporary directory");
    // In a folder that exists, and in one huzhu makes.
    let existing = root.path().to_owned();
    let made = root.path().join("state").join("huzhu");
    for folder in [&existing, &made] {
        let url = format!("sqlite://{}?mode=rwc", folder.join("huzhu.db").display());
        let app = crate::helpers::spawn_app_with(move |env| {
            env.insert("HUZHU_DATABASE_URL".to_owned(), url);
        })
        .await;
        // A write, so that the WAL and its index exist.
        app.create_user(huzhu::domain::Role::Volunteer, None).await;
        for suffix in ["", "-wal", "-shm"] {
            let path = folder.join(format!("huzhu.db{suffix}"));
            assert_eq!(mode_of(&path), 0o600, "{}", path.display());
        }
    }
    for dir in [&made, &root.path().join("state")] {
        assert_eq!(mode_of(dir), 0o700, "{}", dir.display());
    }
}

/// Holds the write lock of the sessions table (SQLite: the database's) in
/// a transaction of the test's own, so that a login waits on it.
async fn hold_sessions(db: &sea_orm::DatabaseConnection) -> sea_orm::DatabaseTransaction {
    use sea_orm::ConnectionTrait;
    let txn = huzhu::store::begin_write(db).await.expect("begin");
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE sessions IN EXCLUSIVE MODE")
            .await
            .expect("lock");
    }
    txn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_requests_than_places_get_503_with_retry_after_and_health_stays_fast() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("HUZHU_MAX_IN_FLIGHT".to_owned(), "1".to_owned());
        env.insert("HUZHU_QUEUE_WAIT_MS".to_owned(), "200".to_owned());
    })
    .await;
    let user = app.create_user(huzhu::domain::Role::Volunteer, None).await;
    let lock = hold_sessions(&app.context.db).await;
    // A login that waits on the lock, holding the one place.
    let login = {
        let (client, url) = (app.client.clone(), app.url("/api/v1/auth/login"));
        let body = serde_json::json!({"email": user.email, "password": user.password});
        tokio::spawn(async move { client.post(url).json(&body).send().await })
    };
    let mut shed = None;
    for _ in 0..100 {
        let started = std::time::Instant::now();
        let response = app.get("/api/v1/regions").await;
        if response.status().as_u16() == 503 {
            shed = Some((response, started.elapsed()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (response, waited) = shed.expect("a request beyond the one place is shed");
    assert_eq!(response.headers()["retry-after"], "1");
    let problem = crate::helpers::problem(response, 503).await;
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{problem}"
    );
    assert!(
        waited >= std::time::Duration::from_millis(200),
        "{waited:?}"
    );
    // Health skips the line: through it, it would have been shed too.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("huzhu_http_requests_shed_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );

    // The lock goes: the waiting login is served, and so is everyone after.
    lock.commit().await.expect("commit");
    let login = login.await.expect("task").expect("answered");
    assert_eq!(login.status().as_u16(), 200);
    assert_eq!(app.get("/api/v1/regions").await.status().as_u16(), 200);
}
