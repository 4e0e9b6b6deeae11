//! Nothing a volunteer observes depends on a household's exact point beyond
//! its ~1 km rounded point, and nothing a cadre observes on a volunteer's
//! (PRODUCT.md, Privacy). Each test puts two points that round alike on
//! either side of a radius's edge, so that an answer computed on exact
//! points would tell them apart, and asks the same questions of both.

use std::time::Duration;

use huzhu::domain::Role;
use huzhu::domain::geo::{GeoPoint, haversine_m};
use serde_json::{Value, json};

use crate::helpers::{SmtpSink, TestApp, spawn_app, spawn_app_mailing_to};
use crate::needs::{cadre, household, need, volunteer};

/// The rounded point both sides share, and two exact points 0.004° to
/// either side of it on both axes (about 600 m apart each way).
const ROUNDED: (f64, f64) = (27.10, 110.55);
const NORTH_EAST: (f64, f64) = (27.104, 110.554);
const SOUTH_WEST: (f64, f64) = (27.096, 110.546);

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn metres(a: (f64, f64), b: (f64, f64)) -> i64 {
    haversine_m(GeoPoint::new(a.0, a.1), GeoPoint::new(b.0, b.1))
}

fn km(distance_m: i64) -> f64 {
    (distance_m as f64 / 100.0).round() / 10.0
}

/// Points east of the rounded point, 0.5 to 1.6 km away: some hold one of
/// the two exact points within 1 km and not the other.
fn probes() -> Vec<(f64, f64)> {
    (0..12)
        .map(|i| (ROUNDED.0, ROUNDED.1 + 0.005 + 0.001 * f64::from(i)))
        .collect()
}

/// Probes at which a 1 km radius around them tells the two exact points
/// apart: what an exact answer would leak.
fn telling(probes: &[(f64, f64)]) -> usize {
    probes
        .iter()
        .filter(|&&p| (metres(NORTH_EAST, p) <= 1_000) != (metres(SOUTH_WEST, p) <= 1_000))
        .count()
}

async fn coordinator(app: &TestApp) -> String {
    let c = app.create_user(Role::Coordinator, Some("430525")).await;
    app.login(&c).await
}

async fn patch(app: &TestApp, path: &str, body: &Value, token: &str) {
    let response = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200, "{path} {body}");
}

async fn page(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let response = app.get_with(path, token).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let body: Value = response.json().await.expect("JSON");
    body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn suggestions_and_claims_answer_alike_for_two_households_that_round_alike() {
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let mut needs = Vec::new();
    for point in [NORTH_EAST, SOUTH_WEST] {
        let h = household(&app, &cadre_token, Some(point)).await;
        needs.push(id(&need(&app, &cadre_token, &id(&h), "care", 2).await));
    }
    let v = volunteer(&app).await;
    let offer = app
        .post_json(
            "/api/v1/offers",
            &json!({"categories": ["care"], "lat": ROUNDED.0, "lon": ROUNDED.1,
                "radius_km": "1", "remote": false, "capacity": 1}),
            Some(&v),
        )
        .await;
    assert_eq!(offer.status().as_u16(), 201);
    let offer = id(&offer.json().await.expect("JSON"));
    let probes = probes();
    assert!(telling(&probes) >= 2, "the probes straddle the edge");

    for &at in &probes {
        let body = json!({"lat": at.0, "lon": at.1});
        patch(&app, &format!("/api/v1/offers/{offer}"), &body, &v).await;
        let items = page(&app, &format!("/api/v1/offers/{offer}/suggestions"), &v).await;
        let shown: Vec<(String, f64)> = items
            .iter()
            .map(|s| {
                assert!(s.get("cost").is_none(), "no cost for volunteers: {s}");
                let n = &s["need"];
                assert_eq!(
                    (n["lat"].as_f64(), n["lon"].as_f64()),
                    (Some(27.1), Some(110.55))
                );
                (id(n), s["distance_km"].as_f64().expect("km"))
            })
            .collect();
        let inside = metres(ROUNDED, at) <= 1_000;
        let expected: Vec<(String, f64)> = if inside {
            let mut both: Vec<(String, f64)> = needs
                .iter()
                .map(|n| (n.clone(), km(metres(ROUNDED, at))))
                .collect();
            both.sort_by(|a, b| a.0.cmp(&b.0));
            both
        } else {
            Vec::new()
        };
        assert_eq!(shown, expected, "offer at {at:?}");
    }

    // A claim is judged as the suggestions were: on the rounded point. The
    // north-east household is nearer the probes than its rounded point, the
    // south-west one farther.
    let (north_east, south_west) = (&needs[0], &needs[1]);
    let claim = |at: (f64, f64), need: &str| {
        let (app, v, offer) = (&app, &v, &offer);
        let path = format!("/api/v1/needs/{need}/claim");
        async move {
            let body = json!({"lat": at.0, "lon": at.1});
            patch(app, &format!("/api/v1/offers/{offer}"), &body, v).await;
            app.post_json(&path, &json!({"offer_id": offer}), Some(v))
                .await
                .status()
                .as_u16()
        }
    };
    let outside = *probes
        .iter()
        .find(|&&p| metres(ROUNDED, p) > 1_000 && metres(NORTH_EAST, p) <= 1_000)
        .expect("a probe exactly within reach, rounded not");
    assert_eq!(claim(outside, north_east).await, 409);
    let inside = *probes
        .iter()
        .find(|&&p| metres(ROUNDED, p) <= 1_000 && metres(SOUTH_WEST, p) > 1_000)
        .expect("a probe rounded within reach, exactly not");
    assert_eq!(claim(inside, south_west).await, 201);
}

#[tokio::test]
async fn a_cadre_sees_two_offers_that_round_alike_as_one_and_a_coordinator_sees_costs() {
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let coordinator = coordinator(&app).await;
    let v = volunteer(&app).await;
    let mut offers = Vec::new();
    for point in [NORTH_EAST, SOUTH_WEST] {
        let body = json!({"categories": ["care"], "lat": point.0, "lon": point.1,
            "radius_km": "1", "remote": false, "capacity": 1});
        let response = app.post_json("/api/v1/offers", &body, Some(&v)).await;
        assert_eq!(response.status().as_u16(), 201);
        offers.push(id(&response.json().await.expect("JSON")));
    }
    offers.sort();
    let probes = probes();
    assert!(telling(&probes) >= 2, "the probes straddle the edge");
    let first = probes[0];
    let h = household(&app, &cadre_token, Some(first)).await;
    let n = id(&need(&app, &cadre_token, &id(&h), "care", 2).await);
    let path = format!("/api/v1/needs/{n}/candidates");

    for &at in &probes {
        let body = json!({"lat": at.0, "lon": at.1});
        patch(
            &app,
            &format!("/api/v1/households/{}", id(&h)),
            &body,
            &cadre_token,
        )
        .await;
        let shown: Vec<(String, f64)> = page(&app, &path, &cadre_token)
            .await
            .iter()
            .map(|c| {
                assert!(c.get("cost").is_none(), "no cost for cadres: {c}");
                (
                    c["offer_id"].as_str().expect("id").to_owned(),
                    c["distance_km"].as_f64().expect("km"),
                )
            })
            .collect();
        let expected: Vec<(String, f64)> = if metres(ROUNDED, at) <= 1_000 {
            offers
                .iter()
                .map(|o| (o.clone(), km(metres(ROUNDED, at))))
                .collect()
        } else {
            Vec::new()
        };
        assert_eq!(shown, expected, "household at {at:?}");

        // A coordinator ranks on exact points, with the cost.
        let exact: Vec<i64> = page(&app, &path, &coordinator)
            .await
            .iter()
            .map(|c| c["cost"].as_i64().expect("cost"))
            .collect();
        let mut expected: Vec<i64> = [NORTH_EAST, SOUTH_WEST]
            .iter()
            .map(|&o| metres(o, at))
            .filter(|&d| d <= 1_000)
            .map(|d| d - 2_000_000)
            .collect();
        expected.sort();
        assert_eq!(exact, expected, "household at {at:?}");
    }
}

#[tokio::test]
async fn a_proposal_email_gives_the_distance_from_the_rounded_point() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let cadre_token = cadre(&app).await;
    let h = household(&app, &cadre_token, Some(NORTH_EAST)).await;
    need(&app, &cadre_token, &id(&h), "care", 2).await;
    let v = volunteer(&app).await;
    let at = (27.10, 110.575);
    let body = json!({"categories": ["care"], "lat": at.0, "lon": at.1,
        "radius_km": "5", "remote": false, "capacity": 1});
    assert_eq!(
        app.post_json("/api/v1/offers", &body, Some(&v))
            .await
            .status()
            .as_u16(),
        201
    );
    let coordinator = coordinator(&app).await;
    let round = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await;
    assert_eq!(round.status().as_u16(), 201);
    let (rounded, exact) = (km(metres(ROUNDED, at)), km(metres(NORTH_EAST, at)));
    assert_ne!(rounded, exact, "the two distances differ at 0.1 km");

    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&mails[0].data)
        .expect("MIME");
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(text.contains(&format!("距您约{rounded}公里")), "{text}");
    assert!(!text.contains(&format!("距您约{exact}公里")), "{text}");
}

#[tokio::test]
async fn suggestions_page_by_page_follow_the_rounded_cost_across_urgencies() {
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let offer_at = (27.10, 110.55);
    let mut expected: Vec<(i64, String, f64)> = Vec::new();
    for i in 0..12 {
        let point = (
            27.08 + 0.0037 * f64::from(i % 4),
            110.53 + 0.0071 * f64::from(i / 4),
        );
        let h = household(&app, &cadre_token, Some(point)).await;
        let urgency = i64::from(i % 3) + 1;
        // Education is remote-capable: distance 0 for a remote offer.
        for (category, remote) in [("care", false), ("education", true)] {
            let n = id(&need(&app, &cadre_token, &id(&h), category, urgency).await);
            let rounded = (
                (point.0 * 100.0).round() / 100.0,
                (point.1 * 100.0).round() / 100.0,
            );
            let d = if remote { 0 } else { metres(rounded, offer_at) };
            if d <= 3_000 {
                expected.push((d - 1_000_000 * urgency, n, km(d)));
            }
        }
    }
    expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let v = volunteer(&app).await;
    let body = json!({"categories": ["care", "education"], "lat": offer_at.0,
        "lon": offer_at.1, "radius_km": "3", "remote": true, "capacity": 1});
    let offer = app.post_json("/api/v1/offers", &body, Some(&v)).await;
    let offer = id(&offer.json().await.expect("JSON"));

    let mut got = Vec::new();
    let mut path = format!("/api/v1/offers/{offer}/suggestions?limit=3");
    loop {
        let response = app.get_with(&path, &v).await;
        let page: Value = response.json().await.expect("JSON");
        for s in page["items"].as_array().expect("items") {
            got.push((id(&s["need"]), s["distance_km"].as_f64().expect("km")));
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/offers/{offer}/suggestions?limit=3&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<(String, f64)> = expected.into_iter().map(|(_, n, d)| (n, d)).collect();
    assert!(
        expected.len() > 12,
        "both categories, some needs out of reach"
    );
    assert_eq!(got, expected);
}
