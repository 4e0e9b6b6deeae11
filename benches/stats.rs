//! The coordinators' figures over a county-scale history: the county of
//! gen_instance.py (104,096 needs) with about 100,000 matches, then the
//! summary, each breakdown and an export over HTTP, one request at a time;
//! then the dashboard page (`/reports`) at county and township scale, as
//! the server renders it (its charts, tables and longest-waiting needs),
//! and the coordinators' other pages: the waiting needs, the map and its
//! data, the rounds and the follow-up lists.
//! Its paths are ones every version of the page answers, so the same file
//! run on an older commit gives the figures to compare.
//!
//! `cargo bench --bench stats` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::time::Instant;

use common::{county, history, http};
use huzhu::domain::Role;

const RUNS: usize = 30;

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
    let written = history::write(&ctx.db).await;
    county::settle(&ctx.db).await;
    let backend = served.backend;
    println!(
        "stats bench ({backend}): county and history loaded in {:.1} s ({} matches, {} needs fulfilled)",
        loading.elapsed().as_secs_f64(),
        written.matches,
        written.fulfilled
    );
    let summary = http::get_json(
        &client,
        &format!("{base}/api/v1/stats/summary"),
        &coordinator,
    )
    .await;
    println!("  county figures: {summary}");
    for path in [
        "summary",
        "summary?from=2020-01-01&to=2021-01-01",
        "summary?category=education",
        "breakdown?by=township",
        "breakdown?by=village",
        "breakdown?by=category",
        "breakdown?by=week",
        "export?format=xlsx&by=village",
    ] {
        let url = format!("{base}/api/v1/stats/{path}");
        let (lat, size) = http::latencies(&client, &coordinator, &vec![url; RUNS]).await;
        println!(
            "  {path}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {RUNS} requests ({size} bytes)",
            county::percentile(&lat, 0.5),
            county::percentile(&lat, 0.99),
            county::percentile(&lat, 1.0),
        );
    }
    let scope = huzhu::services::stats::Scope::default();
    let (lo, hi) = huzhu::store::stats::posted_span(&ctx.db, &scope)
        .await
        .expect("span")
        .expect("needs");
    let tz = ctx.settings.timezone;
    let (from, to) = (
        huzhu::domain::period::local_date(lo, tz),
        huzhu::domain::period::local_date(hi, tz) + chrono::Duration::days(1),
    );
    for path in [
        "/reports".to_owned(),
        format!("/reports?from={from}&to={to}"),
        format!("/reports?region=430525101&from={from}&to={to}"),
        // The coordinators' other pages over the same county.
        "/waiting".to_owned(),
        "/waiting?sort=urgency&place=430525101".to_owned(),
        "/map".to_owned(),
        "/map/data".to_owned(),
        "/map/data?place=430525101".to_owned(),
        "/rounds".to_owned(),
        "/followup".to_owned(),
    ] {
        let url = format!("{base}{path}");
        let (lat, size) = http::latencies(&client, &coordinator, &vec![url; RUNS]).await;
        println!(
            "  page {path}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {RUNS} requests ({:.0} KB)",
            county::percentile(&lat, 0.5),
            county::percentile(&lat, 0.95),
            county::percentile(&lat, 1.0),
            size as f64 / 1024.0,
        );
    }
    drop(ctx);
    served.finish().await;
}
