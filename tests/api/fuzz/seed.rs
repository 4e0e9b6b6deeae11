//! A small village's worth of data for the fuzz runs, and a session of
//! each role.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn created(response: reqwest::Response, what: &str) -> Value {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    assert!(status == 200 || status == 201, "{what}: {status} {body}");
    body
}

/// One account of each role, logged in twice: the run's token and a spare
/// that `POST /auth/logout` may end without ending the run's session.
pub struct Session {
    pub role: Role,
    pub token: String,
    pub spare: String,
}

/// A small village's worth of data, so that reads by id and actions find
/// something: households (one a key household with a pairing), needs, an
/// offer, a claimed and a proposed match, a round and a meeting.
pub async fn seed(app: &TestApp) -> Vec<Session> {
    let mut sessions = Vec::new();
    for (role, region) in [
        (Role::Volunteer, None),
        (Role::Cadre, Some("430525101")),
        (Role::Coordinator, Some("430525")),
        (Role::Admin, None),
    ] {
        let user = app.create_user(role, region).await;
        sessions.push(Session {
            role,
            token: app.login(&user).await,
            spare: app.login(&user).await,
        });
    }
    let [volunteer, cadre, coordinator, _] = sessions
        .iter()
        .map(|s| s.token.as_str())
        .collect::<Vec<_>>()[..]
    else {
        unreachable!("four roles")
    };
    let post = |path: &'static str, body: Value, token: &str| {
        let token = token.to_owned();
        async move { created(app.post_json(path, &body, Some(&token)).await, path).await }
    };
    let household = |lat: f64| {
        json!({"region": "430525101000", "head_name": "王大山", "members": 3, "lat": lat,
            "lon": 110.55, "phone": "13907390001", "tags": ["elderly_alone"]})
    };
    let first = id(&post("/api/v1/households", household(27.10), cadre).await);
    let second = id(&post("/api/v1/households", household(27.11), cadre).await);
    let need = |household: &str, category: &str| {
        json!({"household_id": household, "category": category, "title": "需要帮助",
            "description": "每周两次", "urgency": 2})
    };
    let claimed = id(&post("/api/v1/needs", need(&first, "care"), cadre).await);
    let proposed = id(&post("/api/v1/needs", need(&first, "education"), cadre).await);
    post("/api/v1/needs", need(&second, "living"), cadre).await;
    let offer = json!({"categories": ["care", "education", "living"], "lat": 27.10,
        "lon": 110.55, "radius_km": 20, "remote": false, "capacity": 3});
    let offer = id(&post("/api/v1/offers", offer, volunteer).await);
    let path = format!("/api/v1/needs/{claimed}/claim");
    created(
        app.post_json(&path, &json!({"offer_id": offer}), Some(volunteer))
            .await,
        "claim",
    )
    .await;
    post(
        "/api/v1/matches",
        json!({"need_id": proposed, "offer_id": offer}),
        coordinator,
    )
    .await;
    post("/api/v1/rounds", json!({}), coordinator).await;
    post(
        "/api/v1/meetings",
        json!({"region": "430525101000", "held_on": "2026-12-01", "attendance": 12,
            "notes": "院落会", "needs": []}),
        cadre,
    )
    .await;
    let standing = app
        .client
        .put(app.url("/api/v1/me/standing"))
        .bearer_auth(volunteer)
        .json(&json!({"standing": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(standing.status().as_u16(), 200);
    let helper = id(&app.get_json("/api/v1/me", volunteer).await);
    let path = format!("/api/v1/households/{second}/key");
    created(
        app.post_json(&path, &json!({"reason": "elderly_alone"}), Some(cadre))
            .await,
        "key",
    )
    .await;
    post(
        "/api/v1/pairings",
        json!({"household_id": second, "helper_id": helper}),
        cadre,
    )
    .await;
    sessions
}
