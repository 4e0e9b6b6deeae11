//! Offers, their states, and the ranking of candidates and suggestions.

use huzhu::domain::Role;
use huzhu::domain::geo::{GeoPoint, haversine_m};
use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::{TestApp, problem, spawn_app};
use crate::needs::{cadre, household, need, volunteer};

async fn offer(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post_json("/api/v1/offers", &body, Some(token)).await;
    assert_eq!(response.status().as_u16(), 201, "{body}");
    response.json().await.expect("JSON")
}

fn base() -> Value {
    json!({"categories": ["care", "education"], "lat": 27.1, "lon": 110.55, "radius_km": 10, "remote": false, "capacity": 2})
}

#[tokio::test]
async fn offer_fields_are_each_validated() {
    let app = spawn_app().await;
    let token = volunteer(&app).await;
    let cases = [
        (json!({"categories": []}), "categories"),
        (json!({"categories": ["care", "nope"]}), "categories[1]"),
        (json!({"categories": ["care", "care"]}), "categories[1]"),
        (json!({"radius_km": 0}), "radius_km"),
        (json!({"radius_km": 200.5}), "radius_km"),
        (json!({"radius_km": "200.0000000000000001"}), "radius_km"),
        (json!({"radius_km": -3}), "radius_km"),
        (json!({"capacity": 0}), "capacity"),
        (json!({"capacity": 51}), "capacity"),
        (json!({"lat": 91}), "lat"),
        (
            json!({"available_until": "2001-01-01T00:00:00Z"}),
            "available_until",
        ),
        (json!({"available_until": "tomorrow"}), "available_until"),
    ];
    for (change, field) in cases {
        let mut body = base();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let answer = problem(
            app.post_json("/api/v1/offers", &body, Some(&token)).await,
            422,
        )
        .await;
        assert_eq!(answer["errors"][0]["field"], field, "{body}: {answer}");
    }
    let mut exact = base();
    exact["radius_km"] = json!(2.3);
    let created = offer(&app, &token, exact).await;
    assert_eq!(created["radius_km"], json!(2.3));
    assert_eq!(created["free_capacity"], 2);
}

#[tokio::test]
async fn radii_with_huge_exponents_or_many_digits_are_refused_at_once() {
    let app = spawn_app().await;
    let token = volunteer(&app).await;
    let radii = [
        json!("0e2147483647"),
        json!("1e-2147483648"),
        json!("0E999999999"),
        json!(format!("0.{}1e9", "0".repeat(100_000))),
    ];
    for radius in radii {
        let mut body = base();
        body["radius_km"] = radius.clone();
        // Well-formed radii answer in milliseconds; the old reader spent
        // seconds of one worker's CPU looping over such an exponent.
        let response = tokio::time::timeout(
            Duration::from_secs(2),
            app.post_json("/api/v1/offers", &body, Some(&token)),
        )
        .await
        .unwrap_or_else(|_| {
            let start: String = radius.to_string().chars().take(24).collect();
            panic!("{start} took over 2 s")
        });
        let answer = problem(response, 422).await;
        assert_eq!(answer["errors"][0]["field"], "radius_km", "{answer}");
    }
    // The same as a JSON number rather than a string.
    let raw = br#"{"categories":["care"],"lat":27.1,"lon":110.55,"radius_km":0e2147483647,"remote":false,"capacity":1}"#;
    let response = tokio::time::timeout(
        Duration::from_secs(2),
        app.client
            .post(app.url("/api/v1/offers"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(raw.to_vec())
            .send(),
    )
    .await
    .expect("answered within 2 s")
    .expect("sent");
    problem(response, 422).await;
    let mine: Value = app
        .get_with("/api/v1/offers", &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(mine["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn an_offers_radius_is_a_json_number_with_its_exact_decimal_value() {
    let app = spawn_app().await;
    let token = volunteer(&app).await;
    let cases = [
        (json!(2.3), "2.3"),
        (json!("8"), "8"),
        (json!("0.0015"), "0.0015"),
        (json!("1e2"), "100"),
        (json!("2.50"), "2.5"),
        (json!("123.456789012345678901"), "123.456789012345678901"),
    ];
    for (radius, number) in cases {
        let mut body = base();
        body["radius_km"] = radius.clone();
        let response = app.post_json("/api/v1/offers", &body, Some(&token)).await;
        assert_eq!(response.status().as_u16(), 201, "{radius}");
        let text = response.text().await.expect("body");
        let created: Value = serde_json::from_str(&text).expect("JSON");
        assert!(created["radius_km"].is_number(), "{radius}: {text}");
        // The digits themselves, not a float's nearest neighbour.
        assert!(
            text.contains(&format!("\"radius_km\":{number},")),
            "{radius}: {text}"
        );
        let path = format!("/api/v1/offers/{}", created["id"].as_str().expect("id"));
        let again = app
            .get_with(&path, &token)
            .await
            .text()
            .await
            .expect("body");
        assert!(
            again.contains(&format!("\"radius_km\":{number},")),
            "{again}"
        );
    }
}

#[tokio::test]
async fn an_offer_pauses_resumes_and_is_withdrawn_for_good_by_its_owner_only() {
    let app = spawn_app().await;
    let token = volunteer(&app).await;
    let created = offer(&app, &token, base()).await;
    let path = format!("/api/v1/offers/{}", created["id"].as_str().expect("id"));
    let step = |action: &'static str| {
        let path = path.clone();
        let app = &app;
        let token = token.clone();
        async move {
            app.post_json(&format!("{path}/{action}"), &json!({}), Some(&token))
                .await
        }
    };
    assert_eq!(step("pause").await.status().as_u16(), 200);
    problem(step("pause").await, 409).await;
    assert_eq!(step("resume").await.status().as_u16(), 200);
    let withdrawn: Value = step("withdraw").await.json().await.expect("JSON");
    assert_eq!(withdrawn["status"], "withdrawn");
    problem(step("resume").await, 409).await;

    let stranger = volunteer(&app).await;
    problem(app.get_with(&path, &stranger).await, 404).await;
    problem(
        app.post_json(&format!("{path}/pause"), &json!({}), Some(&stranger))
            .await,
        404,
    )
    .await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator_token = app.login(&coordinator).await;
    assert_eq!(
        app.get_with(&path, &coordinator_token)
            .await
            .status()
            .as_u16(),
        200
    );
}

/// docs/matching.md's cost, from the outside.
fn cost(distance_m: i64, urgency: i64, days: i64) -> i64 {
    distance_m - 1_000_000 * urgency - 1_000 * days
}

#[tokio::test]
async fn candidates_and_suggestions_come_in_matching_cost_order() {
    let app = spawn_app().await;
    let cadre_token = cadre(&app).await;
    let here = (27.10, 110.55);
    let h = household(&app, &cadre_token, Some(here)).await;
    let hid = h["id"].as_str().expect("id");
    let care = need(&app, &cadre_token, hid, "care", 2).await;
    let education = need(&app, &cadre_token, hid, "education", 3).await;
    let far = household(&app, &cadre_token, Some((27.16, 110.55))).await;
    let far_care = need(
        &app,
        &cadre_token,
        far["id"].as_str().expect("id"),
        "care",
        2,
    )
    .await;

    let v = volunteer(&app).await;
    let points = [
        (27.11, 110.55, "5"),
        (27.13, 110.56, "8"),
        (27.40, 110.55, "5"),
    ];
    let mut offers = Vec::new();
    for (lat, lon, radius) in points {
        let body = json!({"categories": ["care", "education"], "lat": lat, "lon": lon, "radius_km": radius, "remote": false, "capacity": 1});
        offers.push(offer(&app, &v, body).await);
    }
    let remote = offer(&app, &v, json!({"categories": ["education"], "lat": 31.2, "lon": 121.4, "radius_km": 1, "remote": true, "capacity": 3})).await;
    // Coordinators see the cost, on exact points.
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator).await;

    let page: Value = app
        .get_with(
            &format!(
                "/api/v1/needs/{}/candidates",
                care["id"].as_str().expect("id")
            ),
            &coordinator,
        )
        .await
        .json()
        .await
        .expect("JSON");
    let got: Vec<(String, i64)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["offer_id"].as_str().expect("id").to_owned(),
                c["cost"].as_i64().expect("cost"),
            )
        })
        .collect();
    let mut expected: Vec<(String, i64)> = offers
        .iter()
        .zip(points)
        .filter_map(|(o, (lat, lon, radius))| {
            let d = haversine_m(GeoPoint::new(here.0, here.1), GeoPoint::new(lat, lon));
            (d <= radius.parse::<i64>().expect("km") * 1000)
                .then(|| (o["id"].as_str().expect("id").to_owned(), cost(d, 2, 0)))
        })
        .collect();
    expected.sort_by_key(|(id, c)| (*c, id.clone()));
    assert_eq!(got, expected, "on-site candidates of a care need");

    let page: Value = app
        .get_with(
            &format!(
                "/api/v1/needs/{}/candidates",
                education["id"].as_str().expect("id")
            ),
            &coordinator,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        page["items"][0]["offer_id"], remote["id"],
        "a remote offer costs no distance"
    );
    assert_eq!(page["items"][0]["cost"], cost(0, 3, 0));

    let first = offers[0]["id"].as_str().expect("id");
    let page: Value = app
        .get_with(&format!("/api/v1/offers/{first}/suggestions"), &v)
        .await
        .json()
        .await
        .expect("JSON");
    let order: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["need"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        order,
        vec![
            education["id"].as_str().expect("id"),
            care["id"].as_str().expect("id")
        ]
    );
    assert!(
        !order.contains(&far_care["id"].as_str().expect("id")),
        "6.7 km is outside a 5 km radius"
    );
    assert!(page["items"][0]["need"].get("household_id").is_none());
}
