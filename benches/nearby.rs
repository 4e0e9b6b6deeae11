//! Loads the county (104,096 needs, 92,507 offers) and measures the queries
//! people wait on: a volunteer's "near me" listing (10 km, 50 items), the
//! suggestions of a volunteer's remote offer (every open need of four
//! categories, county-wide) and of an on-site one, and a need's candidates
//! as a coordinator and as a cadre sees them. Prints requests/s and p50/p99
//! latency.
//!
//! `cargo bench --bench nearby` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::time::Instant;

use common::{county, http};
use futures_util::StreamExt;
use huzhu::domain::Role;
use rand::{Rng, SeedableRng};

async fn measure(label: &str, client: &reqwest::Client, token: &str, paths: &[String]) {
    let mut latencies = Vec::with_capacity(paths.len());
    let mut items = 0usize;
    for path in paths {
        let started = Instant::now();
        let response = http::get(client, path, token).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let body: serde_json::Value = response.json().await.expect("JSON");
        latencies.push(started.elapsed());
        items += body["items"].as_array().map_or(0, Vec::len);
    }
    latencies.sort();
    let started = Instant::now();
    let concurrent = futures_util::stream::iter(paths.iter().cloned())
        .map(|path| {
            let client = client.clone();
            let token = token.to_owned();
            async move {
                http::get(&client, &path, &token)
                    .await
                    .bytes()
                    .await
                    .expect("body")
                    .len()
            }
        })
        .buffer_unordered(8)
        .count();
    let done = concurrent.await;
    let rate = done as f64 / started.elapsed().as_secs_f64();
    println!(
        "  {label}: p50 {:.2} ms, p99 {:.2} ms (one at a time); {rate:.0} requests/s (8 at a time); {:.1} items per answer",
        county::percentile(&latencies, 0.5),
        county::percentile(&latencies, 0.99),
        items as f64 / paths.len() as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    huzhu::telemetry::init(huzhu::settings::LogFormat::Pretty);
    let served = http::Served::start().await;
    let (ctx, base) = (served.ctx.clone(), served.base.clone());
    let client = reqwest::Client::new();
    let coordinator = http::token(&ctx, &client, &base, Role::Coordinator, Some("430525")).await;
    let cadre = http::token(&ctx, &client, &base, Role::Cadre, Some("430525")).await;
    let volunteer = http::token(&ctx, &client, &base, Role::Volunteer, None).await;
    let instance = county::instance(104_096, 92_507, 1);
    eprintln!("instance ready; loading the county…");
    let loading = Instant::now();
    let cadre_id = http::user_id(&client, &base, &coordinator).await;
    let county = county::load(&ctx.db, &instance, cadre_id).await;
    county::settle(&ctx.db).await;
    let load_secs = loading.elapsed().as_secs_f64();
    eprintln!("loaded in {load_secs:.1} s; measuring…");

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let near: Vec<String> = (0..400)
        .map(|_| {
            let (lat, lon) =
                county.village_points[rng.random_range(0..county.village_points.len())];
            format!("{base}/api/v1/needs?near={lat:.5},{lon:.5}&within_km=10&limit=50")
        })
        .collect();
    let candidates: Vec<String> = (0..400)
        .map(|_| {
            format!(
                "{base}/api/v1/needs/{}/candidates?limit=50",
                county.need_ids[rng.random_range(0..county.need_ids.len())]
            )
        })
        .collect();
    let (lat, lon) = county.village_points[0];
    let remote = http::post_offer(
        &client,
        &base,
        &volunteer,
        serde_json::json!({
        "categories": ["education", "living", "employment", "consumption"],
        "lat": lat, "lon": lon, "radius_km": 5, "remote": true, "capacity": 3}),
    )
    .await;
    let on_site = http::post_offer(
        &client,
        &base,
        &volunteer,
        serde_json::json!({
        "categories": ["care", "medical", "housing", "production"],
        "lat": lat, "lon": lon, "radius_km": 20, "remote": false, "capacity": 3}),
    )
    .await;
    let suggestions = |offer: &str| -> Vec<String> {
        (0..100)
            .map(|_| format!("{base}/api/v1/offers/{offer}/suggestions?limit=50"))
            .collect()
    };
    let backend = served.backend;
    println!(
        "nearby bench ({backend}): {} needs, 92507 offers loaded in {load_secs:.1} s",
        county.need_ids.len()
    );
    measure("near me, 10 km, 50 items", &client, &volunteer, &near).await;
    measure(
        "suggestions of a remote offer, 50 items",
        &client,
        &volunteer,
        &suggestions(&remote),
    )
    .await;
    measure(
        "suggestions of an on-site offer (20 km), 50 items",
        &client,
        &volunteer,
        &suggestions(&on_site),
    )
    .await;
    measure(
        "candidates of a need, 50 items, as a coordinator",
        &client,
        &coordinator,
        &candidates,
    )
    .await;
    measure(
        "candidates of a need, 50 items, as a cadre",
        &client,
        &cadre,
        &candidates,
    )
    .await;
    drop(ctx);
    served.finish().await;
}
