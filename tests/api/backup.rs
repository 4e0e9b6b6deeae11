//! Backups: `huzhu backup` copies the database while people keep writing,
//! and `huzhu restore` brings every write acknowledged before the backup
//! began into an empty database — and touches no other.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use huzhu::domain::Role;
use huzhu::store::entity::{household, need, offer};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestDb, spawn_app};

/// A write the API acknowledged (2xx), and when the answer arrived.
struct Ack {
    kind: &'static str,
    id: Uuid,
    at: Instant,
}

/// Runs the real `huzhu` against the database at `url`.
async fn huzhu(url: &str, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_huzhu"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .env("HUZHU_DATABASE_URL", url)
        .args(args)
        .output()
        .await
        .expect("huzhu ran")
}

fn said(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// PostgreSQL backups need the client tools: say so rather than skip.
fn require_pg_tools(url: &str) {
    if !url.starts_with("postgres") {
        return;
    }
    for tool in ["pg_dump", "pg_restore"] {
        let works = std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            works,
            "{tool} is needed to test backups on PostgreSQL: apt-get install postgresql-client"
        );
    }
}

async fn post(app: &TestApp, path: &str, body: &Value, token: &str) -> Option<Uuid> {
    let response = app.post_json(path, body, Some(token)).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body["id"].as_str().and_then(|id| id.parse().ok())
}

/// One writer: households, a need for each, and the volunteer's offers,
/// until `stop`; every acknowledged id with the instant of its answer.
async fn write_until(
    app: Arc<TestApp>,
    cadre: String,
    volunteer: String,
    stop: Arc<AtomicBool>,
) -> Vec<Ack> {
    let mut acks = Vec::new();
    let mut ack = |kind, id: Option<Uuid>| {
        let id = id.unwrap_or_else(|| panic!("the {kind} answer has an id"));
        acks.push(Ack {
            kind,
            id,
            at: Instant::now(),
        });
        id
    };
    while !stop.load(Ordering::Relaxed) {
        let body = json!({"region": "430525101000", "head_name": "周桂兰", "members": 2,
            "phone": "13907390011", "lat": 27.10437, "lon": 110.55291});
        let household = ack(
            "household",
            post(&app, "/api/v1/households", &body, &cadre).await,
        );
        let body = json!({"household_id": household, "category": "care", "title": "照看老人",
            "description": "白天需要有人照看", "urgency": 2});
        ack("need", post(&app, "/api/v1/needs", &body, &cadre).await);
        let body = json!({"categories": ["care"], "lat": 27.10, "lon": 110.55, "radius_km": 20,
            "remote": false, "capacity": 1});
        ack(
            "offer",
            post(&app, "/api/v1/offers", &body, &volunteer).await,
        );
    }
    acks
}

/// The ids of households, needs and offers in the database at `url`.
async fn stored_ids(url: &str) -> HashSet<Uuid> {
    let db = Database::connect(url).await.expect("connect");
    let mut ids: HashSet<Uuid> = household::Entity::find()
        .all(&db)
        .await
        .expect("households")
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.extend(
        need::Entity::find()
            .all(&db)
            .await
            .expect("needs")
            .into_iter()
            .map(|n| n.id),
    );
    ids.extend(
        offer::Entity::find()
            .all(&db)
            .await
            .expect("offers")
            .into_iter()
            .map(|o| o.id),
    );
    db.close().await.ok();
    ids
}

async fn counts(db: &DatabaseConnection) -> [u64; 3] {
    [
        household::Entity::find().count(db).await.expect("count"),
        need::Entity::find().count(db).await.expect("count"),
        offer::Entity::find().count(db).await.expect("count"),
    ]
}

#[tokio::test]
async fn a_backup_under_write_load_restores_every_write_acknowledged_before_it_began() {
    // Arrange: the service, and writers posting through the API.
    let app = Arc::new(spawn_app().await);
    let url = app.context.settings.database_url.clone();
    require_pg_tools(&url);
    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let cadre = app.login(&cadre).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let volunteer = app.create_user(Role::Volunteer, None).await;
        let volunteer = app.login(&volunteer).await;
        writers.push(tokio::spawn(write_until(
            app.clone(),
            cadre.clone(),
            volunteer,
            stop.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = tempfile::tempdir().expect("folder");
    let file = dir.path().join("huzhu.backup");
    let file_arg = file.to_str().expect("UTF-8 path");

    // Act: back up while they write, then stop them.
    let began = Instant::now();
    let backup = huzhu(&url, &["backup", file_arg]).await;
    let ended = Instant::now();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acks = Vec::new();
    for writer in writers {
        acks.extend(writer.await.expect("writer"));
    }
    assert!(backup.status.success(), "{}", said(&backup));
    assert!(
        said(&backup).contains("backup written to"),
        "{}",
        said(&backup)
    );
    let empty = TestDb::create().await;
    let restore = huzhu(&empty.url, &["restore", file_arg]).await;
    assert!(restore.status.success(), "{}", said(&restore));

    // Assert: every write acknowledged before the backup began is there.
    let before: Vec<&Ack> = acks.iter().filter(|a| a.at < began).collect();
    let during = acks.iter().filter(|a| a.at > began && a.at < ended).count();
    assert!(!before.is_empty(), "no write before the backup");
    assert!(during > 0, "no write was acknowledged while the backup ran");
    let restored = stored_ids(&empty.url).await;
    let missing: Vec<String> = before
        .iter()
        .filter(|a| !restored.contains(&a.id))
        .map(|a| format!("{} {}", a.kind, a.id))
        .collect();
    assert!(missing.is_empty(), "lost by the backup: {missing:?}");

    // A restore into the non-empty original is refused and changes nothing;
    // a second backup to the same file is refused and leaves it as it was.
    let original = counts(&app.context.db).await;
    let refused = huzhu(&url, &["restore", file_arg]).await;
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(said(&refused).contains("not empty"), "{}", said(&refused));
    assert_eq!(counts(&app.context.db).await, original);
    let kept = std::fs::read(&file).expect("backup");
    let again = huzhu(&url, &["backup", file_arg]).await;
    assert!(!again.status.success(), "{}", said(&again));
    assert!(said(&again).contains("already exists"), "{}", said(&again));
    assert_eq!(std::fs::read(&file).expect("backup"), kept);
}

/// Whether the database at `url` is still without tables (a SQLite file
/// that was never made counts as empty).
async fn has_no_tables(url: &str) -> bool {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        return !Path::new(path).exists();
    }
    let db = Database::connect(url).await.expect("connect");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await
        .expect("tables")
        .expect("a row");
    db.close().await.ok();
    row.try_get::<i64>("", "n").expect("n") == 0
}

#[tokio::test]
async fn a_file_that_is_no_backup_of_this_kind_of_database_is_refused() {
    let empty = TestDb::create().await;
    require_pg_tools(&empty.url);
    let other_kind: &[u8] = if empty.url.starts_with("postgres") {
        b"SQLite format 3\0and more"
    } else {
        b"PGDMP\x01\x0f\x00and more"
    };
    let dir = tempfile::tempdir().expect("folder");
    let cases: [(&[u8], &str); 3] = [
        (b"-- PostgreSQL database dump\n", "is not a huzhu backup"),
        (other_kind, "but HUZHU_DATABASE_URL names a"),
        (b"", "is not a huzhu backup"),
    ];
    for (i, (content, why)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("file-{i}"));
        std::fs::write(&file, content).expect("write");
        let refused = huzhu(&empty.url, &["restore", file.to_str().expect("UTF-8")]).await;
        assert!(!refused.status.success(), "{}", said(&refused));
        assert!(said(&refused).contains(why), "case {i}: {}", said(&refused));
        assert!(
            has_no_tables(&empty.url).await,
            "case {i} wrote to the database"
        );
    }
}

#[tokio::test]
async fn an_older_backup_is_restored_and_brought_up_to_the_current_schema() {
    use migration::{Migrator, MigratorTrait};
    // Arrange: a database that stopped at its fifth migration.
    let old = TestDb::create().await;
    require_pg_tools(&old.url);
    let db = Database::connect(&old.url).await.expect("connect");
    Migrator::up(&db, Some(5)).await.expect("five migrations");
    let newer = Migrator::get_pending_migrations(&db)
        .await
        .expect("pending")
        .len();
    db.close().await.ok();
    let dir = tempfile::tempdir().expect("folder");
    let file = dir.path().join("old.backup");
    let file = file.to_str().expect("UTF-8");
    let backup = huzhu(&old.url, &["backup", file]).await;
    assert!(backup.status.success(), "{}", said(&backup));

    // Act
    let empty = TestDb::create().await;
    let restore = huzhu(&empty.url, &["restore", file]).await;

    // Assert
    assert!(restore.status.success(), "{}", said(&restore));
    let applied = format!("applied {newer} newer migrations");
    assert!(said(&restore).contains(&applied), "{}", said(&restore));
    let db = Database::connect(&empty.url).await.expect("connect");
    let pending = Migrator::get_pending_migrations(&db)
        .await
        .expect("pending");
    assert!(pending.is_empty(), "{} migrations left", pending.len());
    db.close().await.ok();
}
