//! `near`/`within_km` against a brute-force reference on random points.

use huzhu::domain::geo::{GeoPoint, haversine_m};
use rand::Rng;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::needs::cadre;

#[tokio::test]
async fn near_within_km_matches_a_brute_force_reference() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let mut rng = rand::rng();
    let mut points = Vec::new();
    for _ in 0..60 {
        let p = (
            27.0 + rng.random::<f64>() * 0.3,
            110.4 + rng.random::<f64>() * 0.3,
        );
        let body = json!({"region": "430525101000", "head_name": "户", "members": 2, "lat": p.0, "lon": p.1});
        let h: Value = app
            .post_json("/api/v1/households", &body, Some(&token))
            .await
            .json()
            .await
            .expect("JSON");
        let need = json!({"household_id": h["id"], "category": "care", "title": "t", "description": "", "urgency": 1});
        let n: Value = app
            .post_json("/api/v1/needs", &need, Some(&token))
            .await
            .json()
            .await
            .expect("JSON");
        points.push((n["id"].as_str().expect("id").to_owned(), p));
    }
    for _ in 0..8 {
        let origin = GeoPoint::new(
            27.0 + rng.random::<f64>() * 0.3,
            110.4 + rng.random::<f64>() * 0.3,
        );
        let within_km = 1.0 + rng.random::<f64>() * 15.0;
        let mut reference: Vec<(i64, String)> = points
            .iter()
            .map(|(id, p)| (haversine_m(origin, GeoPoint::new(p.0, p.1)), id.clone()))
            .filter(|(d, _)| (*d as f64) <= within_km * 1000.0)
            .collect();
        reference.sort();
        let mut got = Vec::new();
        let mut path = format!(
            "/api/v1/needs?near={},{}&within_km={within_km}&limit=7",
            origin.lat, origin.lon
        );
        loop {
            let page: Value = app
                .get_with(&path, &token)
                .await
                .json()
                .await
                .expect("JSON");
            for item in page["items"].as_array().expect("items") {
                got.push((
                    item["id"].as_str().expect("id").to_owned(),
                    item["distance_km"].as_f64().expect("km"),
                ));
            }
            match page["next_cursor"].as_str() {
                Some(c) => {
                    path = format!(
                        "/api/v1/needs?near={},{}&within_km={within_km}&limit=7&cursor={c}",
                        origin.lat, origin.lon
                    )
                }
                None => break,
            }
        }
        let ids: Vec<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
        let expected: Vec<&str> = reference.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(ids, expected, "origin {origin:?} within {within_km} km");
        for ((_, km), (d, _)) in got.iter().zip(&reference) {
            assert!(
                (km - (*d as f64 / 1000.0)).abs() <= 0.05 + 1e-9,
                "{km} vs {d} m"
            );
        }
    }
}
