//! The daily escalation (周调度) over a county: the county of gen_instance.py
//! (104,096 needs) with its history of about 100,000 matches, a coordinator
//! for the county and one for each township. It times the first day's run
//! (raising every open need past its age and queueing the digests), a
//! second day's (nothing new: the query that finds what is due), a week
//! later's (the re-alerts), and the waiting page filtered to the escalated.
//!
//! `cargo bench --bench escalation` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::time::Instant;

use common::{county, history, http};
use huzhu::domain::new_account::{Assignment, NewAccount, Profile};
use huzhu::domain::period::{local_date, local_midnight};
use huzhu::domain::{Password, Role};
use sea_orm::{ConnectionTrait, Statement};

const RUNS: usize = 30;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a number")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    huzhu::telemetry::init(huzhu::settings::LogFormat::Pretty);
    let served = http::Served::start().await;
    let (ctx, base) = (served.ctx.clone(), served.base.clone());
    let client = reqwest::Client::new();
    let coordinator = http::token(&ctx, &client, &base, Role::Coordinator, Some("430525")).await;
    let loading = Instant::now();
    county::load(
        &ctx.db,
        &county::instance(104_096, 92_507, 1),
        uuid::Uuid::now_v7(),
    )
    .await;
    history::write(&ctx.db).await;
    county::settle(&ctx.db).await;
    let townships: Vec<String> = ctx
        .db
        .query_all_raw(Statement::from_string(
            ctx.db.get_database_backend(),
            "SELECT code FROM regions WHERE level = 'township'",
        ))
        .await
        .expect("townships")
        .iter()
        .map(|r| r.try_get::<String>("", "code").expect("code"))
        .collect();
    for code in &townships {
        let email = format!("bench-{}@example.org", &code[..9]);
        let account = NewAccount {
            profile: Profile::parse(&email, "乡镇协调员", None, None).expect("profile"),
            assignment: Assignment::parse(Role::Coordinator, Some(&code[..9])).expect("region"),
        };
        let password =
            Password::parse("柑橘林里的小路很长很长", &email, "乡镇协调员").expect("password");
        huzhu::services::accounts::create_with_password(&ctx.db, account, password)
            .await
            .expect("coordinator");
    }
    let backend = served.backend;
    let open = count(&ctx.db, "SELECT COUNT(*) FROM needs WHERE status = 'open'").await;
    println!(
        "escalation bench ({backend}): county loaded in {:.1} s, {open} needs open, {} township coordinators",
        loading.elapsed().as_secs_f64(),
        townships.len(),
    );

    let tz = ctx.settings.timezone;
    let day = local_date(huzhu::store::now_ms(), tz) + chrono::Days::new(1);
    let t = local_midnight(day, tz) + 8 * HOUR + 60_000;
    for (label, at) in [
        ("first day (raises every open need past its age)", t),
        ("next day (nothing new)", t + DAY),
        ("a week on (re-alerts)", t + 8 * DAY),
    ] {
        let started = Instant::now();
        let date = local_date(at, tz).to_string();
        let queued = huzhu::services::escalations::daily(&ctx, &date, at)
            .await
            .expect("runs");
        println!(
            "  {label}: {:.0} ms, {queued} digests queued",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    let township = count(
        &ctx.db,
        "SELECT COUNT(*) FROM needs WHERE escalation = 'township'",
    )
    .await;
    let county_level = count(
        &ctx.db,
        "SELECT COUNT(*) FROM needs WHERE escalation = 'county'",
    )
    .await;
    println!("  escalated: {township} at the township, {county_level} at the county");
    for path in [
        "/waiting?escalation=any",
        "/waiting?escalation=county&sort=urgency",
    ] {
        let url = format!("{base}{path}");
        let (lat, size) = http::latencies(&client, &coordinator, &vec![url; RUNS]).await;
        println!(
            "  page {path}: p50 {:.1} ms, p95 {:.1} ms over {RUNS} requests ({:.0} KB)",
            county::percentile(&lat, 0.5),
            county::percentile(&lat, 0.95),
            size as f64 / 1024.0,
        );
    }
    let url = format!("{base}/api/v1/stats/summary");
    let (lat, _) = http::latencies(&client, &coordinator, &vec![url; RUNS]).await;
    println!(
        "  /api/v1/stats/summary with the escalation figures: p50 {:.1} ms",
        county::percentile(&lat, 0.5)
    );
    drop(ctx);
    served.finish().await;
}
