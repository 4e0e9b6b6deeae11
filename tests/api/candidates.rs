//! A need's candidates against a brute-force reference on random points,
//! after offers were paused, withdrawn and moved.

use huzhu::domain::geo::{GeoPoint, haversine_m};
use huzhu::matching::radius_m_from_decimal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::needs::{cadre, household, need, volunteer};

const CATEGORIES: [&str; 3] = ["care", "education", "medical"];
const RADII: [&str; 6] = ["0.5", "1", "2.5", "5", "8", "15"];

/// An offer as the test last set it.
struct Posted {
    id: String,
    body: Value,
    active: bool,
}

fn random_body(rng: &mut StdRng) -> Value {
    let mut categories: Vec<&str> = CATEGORIES
        .into_iter()
        .filter(|_| rng.random_bool(0.5))
        .collect();
    if categories.is_empty() {
        categories.push(CATEGORIES[rng.random_range(0..3)]);
    }
    json!({
        "categories": categories,
        "lat": 27.0 + rng.random::<f64>() * 0.2,
        "lon": 110.4 + rng.random::<f64>() * 0.2,
        "radius_km": RADII[rng.random_range(0..RADII.len())],
        "remote": rng.random_bool(0.3),
        "capacity": rng.random_range(1..4),
    })
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, body: &Value, token: &str) {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

/// docs/matching.md's (cost, offer id, distance) of every eligible active offer,
/// best first; with `rounded`, on the offers' points as a cadre sees them.
fn reference(
    offers: &[Posted],
    category: &str,
    point: (f64, f64),
    urgency: i64,
    rounded: bool,
) -> Vec<(i64, String, i64)> {
    let seen = |x: f64| {
        if rounded {
            (x * 100.0).round() / 100.0
        } else {
            x
        }
    };
    let remote_capable = category == "education";
    let mut expected: Vec<(i64, String, i64)> = offers
        .iter()
        .filter(|o| o.active)
        .filter(|o| {
            o.body["categories"]
                .as_array()
                .expect("list")
                .iter()
                .any(|c| c == category)
        })
        .filter_map(|o| {
            let d = if remote_capable && o.body["remote"] == true {
                0
            } else {
                let at =
                    GeoPoint::new(seen(o.body["lat"].as_f64()?), seen(o.body["lon"].as_f64()?));
                let h = haversine_m(GeoPoint::new(point.0, point.1), at);
                let radius = radius_m_from_decimal(o.body["radius_km"].as_str()?).ok()?;
                (h <= radius).then_some(h)?
            };
            Some((d - 1_000_000 * urgency, o.id.clone(), d))
        })
        .collect();
    expected.sort();
    expected
}

/// Every candidate of a need, page by page.
async fn all_candidates(app: &TestApp, token: &str, need_id: &str) -> Vec<Value> {
    let mut got = Vec::new();
    let mut path = format!("/api/v1/needs/{need_id}/candidates?limit=4");
    loop {
        let page: Value = app.get_with(&path, token).await.json().await.expect("JSON");
        got.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/needs/{need_id}/candidates?limit=4&cursor={c}"),
            None => return got,
        }
    }
}

/// The (cost, offer id) of candidates, as a coordinator sees them.
fn costs(items: &[Value]) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|c| {
            let id = c["offer_id"].as_str().expect("id").to_owned();
            (c["cost"].as_i64().expect("cost"), id)
        })
        .collect()
}

async fn coordinator(app: &TestApp) -> String {
    let c = app
        .create_user(huzhu::domain::Role::Coordinator, Some("430525"))
        .await;
    app.login(&c).await
}

#[tokio::test]
async fn candidates_match_a_brute_force_reference_after_offers_change() {
    let seed: u64 = rand::random();
    let mut rng = StdRng::seed_from_u64(seed);
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let mut needs = Vec::new();
    for _ in 0..5 {
        let point = (
            27.0 + rng.random::<f64>() * 0.2,
            110.4 + rng.random::<f64>() * 0.2,
        );
        let h = household(&app, &cadre_token, Some(point)).await;
        let hid = h["id"].as_str().expect("id");
        for category in ["care", "education"] {
            let urgency = rng.random_range(1..4);
            let n = need(&app, &cadre_token, hid, category, urgency).await;
            needs.push((
                n["id"].as_str().expect("id").to_owned(),
                category,
                point,
                urgency,
            ));
        }
    }
    let v = volunteer(&app).await;
    // An on-site offer on a need's very point ties with remote offers at
    // distance 0; posted first, it has the least id and so leads them.
    let (_, _, first_point, _) = needs[1];
    let mut bodies = vec![
        json!({"categories": ["education", "care"], "lat": first_point.0,
        "lon": first_point.1, "radius_km": "1", "remote": false, "capacity": 1}),
    ];
    bodies.extend((0..40).map(|_| random_body(&mut rng)));
    let mut offers = Vec::new();
    for body in bodies {
        let response = app.post_json("/api/v1/offers", &body, Some(&v)).await;
        assert_eq!(response.status().as_u16(), 201, "{body}");
        let created: Value = response.json().await.expect("JSON");
        let id = created["id"].as_str().expect("id").to_owned();
        offers.push(Posted {
            id,
            body,
            active: true,
        });
    }
    for i in 0..9 {
        let o = &mut offers[1 + i * 4];
        let path = format!("/api/v1/offers/{}", o.id);
        match i % 3 {
            0 => {
                send(
                    &app,
                    reqwest::Method::POST,
                    &format!("{path}/pause"),
                    &json!({}),
                    &v,
                )
                .await
            }
            1 => {
                send(
                    &app,
                    reqwest::Method::POST,
                    &format!("{path}/withdraw"),
                    &json!({}),
                    &v,
                )
                .await
            }
            _ => {
                // Moved onto a need, so that a stale cover would show.
                let (_, _, to, _) = needs[rng.random_range(0..needs.len())];
                o.body = random_body(&mut rng);
                o.body["lat"] = json!(to.0);
                o.body["lon"] = json!(to.1);
                o.body["categories"] = json!(CATEGORIES);
                send(&app, reqwest::Method::PATCH, &path, &o.body, &v).await;
            }
        }
        o.active = i % 3 == 2;
    }
    let coordinator = coordinator(&app).await;
    for (id, category, point, urgency) in &needs {
        let expected: Vec<(i64, String)> = reference(&offers, category, *point, *urgency, false)
            .into_iter()
            .map(|(cost, id, _)| (cost, id))
            .collect();
        let got = costs(&all_candidates(&app, &coordinator, id).await);
        assert_eq!(got, expected, "seed {seed}: {category} need at {point:?}");
        // A cadre's ranking is the same question asked of rounded points.
        let expected: Vec<(String, f64)> = reference(&offers, category, *point, *urgency, true)
            .into_iter()
            .map(|(_, id, d)| (id, (d as f64 / 100.0).round() / 10.0))
            .collect();
        let got: Vec<(String, f64)> = all_candidates(&app, &cadre_token, id)
            .await
            .iter()
            .map(|c| {
                assert!(c.get("cost").is_none(), "{c}");
                let id = c["offer_id"].as_str().expect("id").to_owned();
                (id, c["distance_km"].as_f64().expect("km"))
            })
            .collect();
        assert_eq!(
            got, expected,
            "seed {seed}: {category} need at {point:?}, as a cadre"
        );
    }
}

#[tokio::test]
async fn offers_posted_before_the_cover_migration_are_covered_by_it() {
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let point = (27.1, 110.5);
    let h = household(&app, &cadre_token, Some(point)).await;
    let n = need(&app, &cadre_token, h["id"].as_str().expect("id"), "care", 2).await;
    let v = volunteer(&app).await;
    let body = json!({"categories": ["care"], "lat": 27.12, "lon": 110.5, "radius_km": "5",
        "remote": false, "capacity": 1});
    let response = app.post_json("/api/v1/offers", &body, Some(&v)).await;
    let offer: Value = response.json().await.expect("JSON");
    // Up again, the cover migration backfills the offer's cells.
    crate::helpers::migrate_back_before_and_up(
        &app.context.db,
        "m20261202_000006_create_offer_cover",
    )
    .await;

    let coordinator = coordinator(&app).await;
    let got = costs(&all_candidates(&app, &coordinator, n["id"].as_str().expect("id")).await);
    let d = haversine_m(GeoPoint::new(point.0, point.1), GeoPoint::new(27.12, 110.5));
    let id = offer["id"].as_str().expect("id").to_owned();
    assert_eq!(got, vec![(d - 2_000_000, id)]);
}
