//! The volunteer's and the cadre's pages at county scale (104,096 needs,
//! 92,507 offers; the cadre reaches every household):
//! how long the server takes to answer each page, side by side with the
//! API's JSON of the same list (the page renders that list into HTML), and
//! how many bytes each page weighs on the wire. Prints p50/p99 latency over
//! loopback (client-measured: server time plus a loopback round trip) and
//! the transferred size, with and without gzip for the assets a first
//! visit loads.
//!
//! `cargo bench --bench pages` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::time::Instant;

use common::{county, http};
use huzhu::domain::Role;
use rand::{Rng, SeedableRng};

const TIMES: usize = 200;

fn line(label: &str, (latencies, bytes): &(Vec<std::time::Duration>, usize)) -> f64 {
    let p50 = county::percentile(latencies, 0.5);
    println!(
        "  {label}: p50 {p50:.2} ms, p99 {:.2} ms, {:.1} KB",
        county::percentile(latencies, 0.99),
        *bytes as f64 / 1024.0
    );
    p50
}

/// The size of an asset as sent plain and gzipped.
async fn asset_weight(client: &reqwest::Client, base: &str, path: &str) -> (usize, usize) {
    let sent = |encoding: &'static str| async move {
        client
            .get(format!("{base}{path}"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("asset")
            .bytes()
            .await
            .expect("body")
            .len()
    };
    (sent("identity").await, sent("gzip").await)
}

/// The asset paths a page links (`/assets/…`).
fn linked_assets(html: &str) -> Vec<String> {
    // minijinja writes '/' in attributes as `&#x2f;`; browsers read it back.
    let html = html.replace("&#x2f;", "/");
    html.match_indices("/assets/")
        .map(|(at, _)| {
            html[at..]
                .chars()
                .take_while(|c| *c != '"')
                .collect::<String>()
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    huzhu::telemetry::init(huzhu::settings::LogFormat::Pretty);
    let served = http::Served::start().await;
    let (ctx, base) = (served.ctx.clone(), served.base.clone());
    // No automatic decompression: sizes are what travels.
    let client = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let cadre = http::token(&ctx, &client, &base, Role::Cadre, Some("430525")).await;
    let volunteer = http::token(&ctx, &client, &base, Role::Volunteer, None).await;
    let instance = county::instance(104_096, 92_507, 1);
    eprintln!("instance ready; loading the county…");
    let cadre_id = http::user_id(&client, &base, &cadre).await;
    let loading = Instant::now();
    let county = county::load(&ctx.db, &instance, cadre_id).await;
    county::settle(&ctx.db).await;
    let load_secs = loading.elapsed().as_secs_f64();
    eprintln!("loaded in {load_secs:.1} s; measuring…");

    // One offer per village picked, as a volunteer living there would have.
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut offers = Vec::new();
    for _ in 0..20 {
        let (lat, lon) = county.village_points[rng.random_range(0..county.village_points.len())];
        let body = serde_json::json!({"categories": ["care", "medical", "living", "education"],
            "lat": lat, "lon": lon, "radius_km": 10, "remote": false, "capacity": 3});
        let id = http::post_offer(&client, &base, &volunteer, body).await;
        offers.push((id, lat, lon));
    }
    let urls = |f: &dyn Fn(&(String, f64, f64)) -> String| -> Vec<String> {
        (0..TIMES).map(|i| f(&offers[i % offers.len()])).collect()
    };
    let page = urls(&|(id, _, _)| format!("{base}/needs?offer={id}&km=10"));
    let api = urls(&|(_, lat, lon)| {
        format!("{base}/api/v1/needs?near={lat:.5},{lon:.5}&within_km=10&limit=20")
    });
    let map_data = urls(&|(id, _, _)| format!("{base}/needs/map/data?offer={id}&km=10"));
    let others: Vec<(&str, Vec<String>)> = vec![
        (
            "my offers page (20 offers)",
            urls(&|_| format!("{base}/offers")),
        ),
        ("my matches page", urls(&|_| format!("{base}/matches"))),
        (
            "a need's page with its claim form",
            (0..TIMES)
                .map(|i| {
                    format!(
                        "{base}/needs/{}",
                        county.need_ids[i * 97 % county.need_ids.len()]
                    )
                })
                .collect(),
        ),
    ];

    println!(
        "pages bench ({}): {} needs, 92507 offers loaded in {load_secs:.1} s; {TIMES} requests each",
        served.backend,
        county.need_ids.len()
    );
    let page_p50 = line(
        "needs near me, 10 km, the page",
        &http::latencies(&client, &volunteer, &page).await,
    );
    let api_p50 = line(
        "needs near me, 10 km, the API's JSON of the same 20",
        &http::latencies(&client, &volunteer, &api).await,
    );
    println!("  the page takes {:.2}× the API's time", page_p50 / api_p50);
    line(
        "the map's data, 10 km",
        &http::latencies(&client, &volunteer, &map_data).await,
    );
    for (label, urls) in &others {
        line(label, &http::latencies(&client, &volunteer, urls).await);
    }

    // The cadre's pages: the whole county is this cadre's reach, every
    // household theirs.
    let listed = http::get_json(
        &client,
        &format!("{base}/api/v1/households?limit=100"),
        &cadre,
    )
    .await;
    let household_ids: Vec<String> = listed["items"]
        .as_array()
        .expect("households")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect();
    let each = |f: &dyn Fn(usize) -> String| -> Vec<String> { (0..TIMES).map(f).collect() };
    let cadre_pages: Vec<(&str, Vec<String>)> = vec![
        (
            "the households list, first page (30)",
            each(&|_| format!("{base}/households")),
        ),
        (
            "the API's JSON of the same 30 households",
            each(&|_| format!("{base}/api/v1/households?limit=30")),
        ),
        (
            "the households list, searching a head's name",
            each(&|i| {
                format!(
                    "{base}/households?name=%E6%BC%94%E7%A4%BA%E6%88%B7{}",
                    i % 10
                )
            }),
        ),
        (
            "a household's page with its needs' stories",
            each(&|i| {
                format!(
                    "{base}/households/{}",
                    household_ids[i % household_ids.len()]
                )
            }),
        ),
        ("the work list", each(&|_| format!("{base}/work"))),
    ];
    // The county's instance gives each need a household of its own.
    println!(
        "  as a cadre of the whole county ({} households):",
        county.need_ids.len()
    );
    for (label, urls) in &cadre_pages {
        line(label, &http::latencies(&client, &cadre, urls).await);
    }

    let map = format!("{base}/needs/map?offer={}&km=10", offers[0].0);
    let html = http::get(&client, &page[0], &volunteer)
        .await
        .text()
        .await
        .expect("HTML");
    let map_html = http::get(&client, &map, &volunteer)
        .await
        .text()
        .await
        .expect("HTML");
    for (label, html) in [("the list page", &html), ("the map page", &map_html)] {
        let mut plain = html.len();
        let mut gzipped = html.len();
        for asset in linked_assets(html) {
            let (p, g) = asset_weight(&client, &base, &asset).await;
            plain += p;
            gzipped += g;
        }
        println!(
            "  first visit to {label}, with its assets: {:.1} KB plain, {:.1} KB with gzip (the HTML itself {:.1} KB, never compressed)",
            plain as f64 / 1024.0,
            gzipped as f64 / 1024.0,
            html.len() as f64 / 1024.0
        );
    }
    drop(ctx);
    served.finish().await;
}
