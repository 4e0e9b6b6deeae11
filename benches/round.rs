//! Loads the county (104,096 needs, 92,507 offers) and runs one matching
//! round end to end: read, solve, write proposals and digest emails.
//!
//! `cargo bench --bench round` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::collections::HashMap;
use std::time::Instant;

use common::county;
use huzhu::domain::RegionPrefix;
use huzhu::settings::Settings;
use huzhu::startup::Application;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    huzhu::telemetry::init(huzhu::settings::LogFormat::Pretty);
    let dir = tempfile::tempdir().expect("temporary folder");
    let (db_url, postgres) = county::database(dir.path()).await;
    let env = HashMap::from([
        ("HUZHU_DATABASE_URL".to_owned(), db_url),
        ("HUZHU_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "HUZHU_MAIL_DIR".to_owned(),
            dir.path().join("mail").display().to_string(),
        ),
    ]);
    let app = Application::build(Settings::from_sources(&env, None).expect("settings"))
        .await
        .expect("app");
    let ctx = app.context();
    let instance = county::instance(104_096, 92_507, 1);
    let loading = Instant::now();
    county::load(&ctx.db, &instance, uuid::Uuid::now_v7()).await;
    county::settle(&ctx.db).await;
    let load_secs = loading.elapsed().as_secs_f64();
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    println!("round bench ({backend}): county loaded in {load_secs:.1} s");
    let started = Instant::now();
    let round =
        huzhu::services::rounds::run(&ctx, &RegionPrefix::parse("430525").expect("county"), None)
            .await
            .expect("the round runs");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  one round: {secs:.2} s end to end (solve {} ms); {} needs, {} offers considered; {} proposals, total cost {}",
        round.solve_ms,
        round.needs_considered,
        round.offers_considered,
        round.matched,
        round.total_cost
    );
    drop(app);
    drop(ctx);
    county::drop_database(postgres, dir).await;
}
