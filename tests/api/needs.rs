//! Households, needs and offers over HTTP.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};

const TOWNSHIP: &str = "430525101";
const VILLAGE_POINT: (f64, f64) = (27.10, 110.55);

/// A cadre of township 101 and their bearer token.
pub async fn cadre(app: &TestApp) -> String {
    let user = app.create_user(Role::Cadre, Some(TOWNSHIP)).await;
    app.login(&user).await
}

pub async fn volunteer(app: &TestApp) -> String {
    let user = app.create_user(Role::Volunteer, None).await;
    app.login(&user).await
}

pub async fn household(app: &TestApp, token: &str, point: Option<(f64, f64)>) -> Value {
    let mut body = json!({"region": "430525101000", "head_name": "王大山", "members": 4,
        "phone": "13907390001", "tags": ["elderly_alone", "慢性病"]});
    if let Some((lat, lon)) = point {
        body["lat"] = json!(lat);
        body["lon"] = json!(lon);
    }
    let response = app
        .post_json("/api/v1/households", &body, Some(token))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.expect("JSON")
}

pub async fn need(
    app: &TestApp,
    token: &str,
    household: &str,
    category: &str,
    urgency: i64,
) -> Value {
    let body = json!({"household_id": household, "category": category, "title": "需要帮助", "description": "说明", "urgency": urgency});
    let response = app.post_json("/api/v1/needs", &body, Some(token)).await;
    assert_eq!(response.status().as_u16(), 201, "{body}");
    response.json().await.expect("JSON")
}

async fn patch(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn household_fields_are_each_validated() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let base = json!({"region": "430525101000", "head_name": "王", "members": 3});
    let cases = [
        (json!({"region": "4305"}), "region"),
        (json!({"region": "430525102000"}), "region"),
        (json!({"head_name": ""}), "head_name"),
        (json!({"id_number": "430525199001011235"}), "id_number"),
        (json!({"phone": "010-1234"}), "phone"),
        (json!({"members": 0}), "members"),
        (json!({"members": 31}), "members"),
        (json!({"lat": 27.1}), "lon"),
        (json!({"lat": 95.0, "lon": 110.0}), "lat"),
        (json!({"tags": ["rich"]}), "tags"),
    ];
    for (change, field) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let answer = problem(
            app.post_json("/api/v1/households", &body, Some(&token))
                .await,
            422,
        )
        .await;
        assert_eq!(answer["errors"][0]["field"], field, "{body}: {answer}");
    }
}

#[tokio::test]
async fn a_household_is_read_only_in_reach_and_reads_by_coordinators_are_audited() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let created = household(&app, &token, Some(VILLAGE_POINT)).await;
    assert_eq!(created["tags"], json!(["elderly_alone", "chronic_illness"]));
    let id = created["id"].as_str().expect("id");

    let other = app.create_user(Role::Cadre, Some("430525102")).await;
    let other_token = app.login(&other).await;
    problem(
        app.get_with(&format!("/api/v1/households/{id}"), &other_token)
            .await,
        404,
    )
    .await;

    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator_token = app.login(&coordinator).await;
    assert_eq!(
        app.get_with(&format!("/api/v1/households/{id}"), &coordinator_token)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.get_with(&format!("/api/v1/households/{id}"), &token)
            .await
            .status()
            .as_u16(),
        200
    );
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audits = huzhu::store::entity::audit_log::Entity::find()
        .filter(huzhu::store::entity::audit_log::Column::SubjectId.eq(id))
        .all(&app.context.db)
        .await
        .expect("audit rows");
    assert_eq!(
        audits.len(),
        1,
        "the coordinator's read only, not the cadre's"
    );
    assert_eq!(
        audits[0].actor_id,
        coordinator_token_user(&app, &coordinator_token).await
    );
}

async fn coordinator_token_user(app: &TestApp, token: &str) -> uuid::Uuid {
    let me: Value = app
        .get_with("/api/v1/me", token)
        .await
        .json()
        .await
        .expect("JSON");
    me["id"].as_str().expect("id").parse().expect("uuid")
}

#[tokio::test]
async fn need_fields_are_validated_with_the_contract_limits() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let h = household(&app, &token, Some(VILLAGE_POINT)).await;
    let id = h["id"].as_str().expect("id");
    let cases = [
        (
            json!({"household_id": id, "category": "x", "title": "t", "description": "", "urgency": 1}),
            "category",
        ),
        (
            json!({"household_id": id, "category": "care", "title": "字".repeat(201), "description": "", "urgency": 1}),
            "title",
        ),
        (
            json!({"household_id": id, "category": "care", "title": "t", "description": "字".repeat(4001), "urgency": 1}),
            "description",
        ),
        (
            json!({"household_id": id, "category": "care", "title": "t", "description": "", "urgency": 4}),
            "urgency",
        ),
        (
            json!({"household_id": id, "category": "care", "title": "", "description": "", "urgency": 1}),
            "title",
        ),
    ];
    for (body, field) in cases {
        let answer = problem(
            app.post_json("/api/v1/needs", &body, Some(&token)).await,
            422,
        )
        .await;
        assert_eq!(answer["errors"][0]["field"], field, "{answer}");
    }
    let ok = json!({"household_id": id, "category": "关爱陪伴", "title": "字".repeat(200), "description": "字".repeat(4000), "urgency": 3});
    assert_eq!(
        app.post_json("/api/v1/needs", &ok, Some(&token))
            .await
            .status()
            .as_u16(),
        201
    );
}

#[tokio::test]
async fn descriptions_keep_tabs_and_line_breaks_and_one_line_texts_refuse_invisible_characters() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let h = household(&app, &token, Some(VILLAGE_POINT)).await;
    // Every browser sends a <textarea> with \r\n; a pasted table brings tabs.
    let body = json!({"household_id": h["id"], "category": "care", "title": "陪同就医",
        "description": "周二上午\r\n数量\t1 人\r到县医院", "urgency": 2});
    let response = app.post_json("/api/v1/needs", &body, Some(&token)).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("JSON");
    let path = format!("/api/v1/needs/{}", created["id"].as_str().expect("id"));
    let stored: Value = app
        .get_with(&path, &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(stored["description"], "周二上午\n数量\t1 人\n到县医院");

    // Direction overrides and isolates, zero-width characters and the BOM
    // could make a title or a name show as something else than it is.
    let sneaky = [
        "陪同\u{202e}医就",
        "陪同\u{2066}就医\u{2069}",
        "陪同\u{200b}就医",
        "\u{feff}陪同就医",
        "陪同\t就医",
    ];
    for title in sneaky {
        let answer = problem(
            patch(&app, &path, &json!({"title": title}), &token).await,
            422,
        )
        .await;
        assert_eq!(answer["errors"][0]["field"], "title", "{title:?}: {answer}");
        let mut body = body.clone();
        body["title"] = json!(title);
        let answer = problem(
            app.post_json("/api/v1/needs", &body, Some(&token)).await,
            422,
        )
        .await;
        assert_eq!(answer["errors"][0]["field"], "title", "{title:?}: {answer}");
    }
    let unchanged: Value = app
        .get_with(&path, &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(unchanged["title"], "陪同就医");

    let household = json!({"region": "430525101000", "head_name": "王\u{202e}山大", "members": 2});
    let answer = problem(
        app.post_json("/api/v1/households", &household, Some(&token))
            .await,
        422,
    )
    .await;
    assert_eq!(answer["errors"][0]["field"], "head_name", "{answer}");
    let account = json!({"email": "li.si@example.org", "password": "a long enough passphrase",
        "name": "李\u{200f}四"});
    let answer = problem(
        app.post_json("/api/v1/auth/register", &account, None).await,
        422,
    )
    .await;
    assert_eq!(answer["errors"][0]["field"], "name", "{answer}");
    // Notes are multi-line texts: other control characters stay out.
    let cancel = json!({"reason": "\u{1b}[31m搬走了"});
    let answer = problem(
        app.post_json(&format!("{path}/cancel"), &cancel, Some(&token))
            .await,
        422,
    )
    .await;
    assert_eq!(answer["errors"][0]["field"], "reason", "{answer}");
}

#[tokio::test]
async fn a_second_live_need_in_a_category_is_a_conflict_naming_the_first() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let h = household(&app, &token, Some(VILLAGE_POINT)).await;
    let id = h["id"].as_str().expect("id");
    let first = need(&app, &token, id, "medical", 2).await;
    let body = json!({"household_id": id, "category": "medical", "title": "again", "description": "", "urgency": 1});
    let answer = problem(
        app.post_json("/api/v1/needs", &body, Some(&token)).await,
        409,
    )
    .await;
    assert!(
        answer["detail"]
            .as_str()
            .expect("detail")
            .contains(first["id"].as_str().expect("id"))
    );
    need(&app, &token, id, "housing", 1).await;

    let cancel = app
        .post_json(
            &format!("/api/v1/needs/{}/cancel", first["id"].as_str().expect("id")),
            &json!({"reason": "已解决"}),
            Some(&token),
        )
        .await;
    assert_eq!(cancel.status().as_u16(), 200);
    need(&app, &token, id, "medical", 3).await;
}

#[tokio::test]
async fn volunteers_see_open_needs_without_household_data_and_with_coarse_points() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let h = household(&app, &token, Some((27.104567, 110.551234))).await;
    let n = need(&app, &token, h["id"].as_str().expect("id"), "education", 2).await;
    assert_eq!(n["lat"], 27.104567, "the cadre sees the exact point");
    let v = volunteer(&app).await;
    let page: Value = app
        .get_with("/api/v1/needs?near=27.10,110.55&within_km=5", &v)
        .await
        .json()
        .await
        .expect("JSON");
    let item = &page["items"][0];
    assert_eq!(item["id"], n["id"]);
    assert!(item.get("household_id").is_none());
    assert_eq!(item["lat"], 27.1);
    assert_eq!(item["lon"], 110.55);
    assert!(!item["region_name"].as_str().expect("name").is_empty());
    assert!(item["distance_km"].as_f64().expect("distance") < 0.1);
    let text = page.to_string();
    for private in ["王大山", "13907390001", "elderly_alone"] {
        assert!(!text.contains(private), "{private} leaked");
    }
    let single: Value = app
        .get_with(
            &format!("/api/v1/needs/{}", n["id"].as_str().expect("id")),
            &v,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert!(single.get("household_id").is_none());
    problem(
        app.get_with("/api/v1/needs?status=cancelled", &v).await,
        422,
    )
    .await;
}

#[tokio::test]
async fn an_open_need_can_change_and_a_cancelled_one_cannot() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let h = household(&app, &token, None).await;
    let n = need(&app, &token, h["id"].as_str().expect("id"), "living", 1).await;
    let path = format!("/api/v1/needs/{}", n["id"].as_str().expect("id"));
    let changed = patch(
        &app,
        &path,
        &json!({"title": "新标题", "urgency": 3}),
        &token,
    )
    .await;
    assert_eq!(changed.status().as_u16(), 200);
    let changed: Value = changed.json().await.expect("JSON");
    assert_eq!(
        (changed["title"].as_str(), changed["urgency"].as_i64()),
        (Some("新标题"), Some(3))
    );
    app.post_json(
        &format!("{path}/cancel"),
        &json!({"reason": "搬走了"}),
        Some(&token),
    )
    .await;
    problem(
        patch(&app, &path, &json!({"title": "x"}), &token).await,
        409,
    )
    .await;
    problem(
        app.post_json(
            &format!("{path}/cancel"),
            &json!({"reason": "again"}),
            Some(&token),
        )
        .await,
        409,
    )
    .await;
    problem(
        app.post_json(
            &format!("{path}/cancel"),
            &json!({"reason": ""}),
            Some(&token),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn paging_newest_first_returns_every_need_once_while_needs_are_added() {
    let app = spawn_app().await;
    let token = cadre(&app).await;
    let mut households = Vec::new();
    for _ in 0..4 {
        households.push(
            household(&app, &token, Some(VILLAGE_POINT)).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let categories = ["education", "medical", "housing", "living", "production"];
    let mut expected = Vec::new();
    for h in &households {
        for c in categories {
            expected.push(
                need(&app, &token, h, c, 1).await["id"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            );
        }
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/needs?limit=3".to_owned();
    let mut added = 0;
    loop {
        let page: Value = app
            .get_with(&path, &token)
            .await
            .json()
            .await
            .expect("JSON");
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|n| n["id"].as_str().expect("id").to_owned()),
        );
        if added < 3 {
            need(&app, &token, &households[added], "care", 2).await;
            added += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/needs?limit=3&cursor={c}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no need twice");
    for id in &expected {
        assert!(seen.contains(id), "{id} missing");
    }
}

#[tokio::test]
async fn a_whole_number_may_be_written_2_0_and_within_km_is_checked_even_without_near() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let h = household(&app, &cadre, Some(VILLAGE_POINT)).await;
    let body = json!({"household_id": h["id"], "category": "care", "title": "陪同就医",
        "description": "", "urgency": 2.0});
    let response = app.post_json("/api/v1/needs", &body, Some(&cadre)).await;
    assert_eq!(response.status().as_u16(), 201);
    let posted: Value = response.json().await.expect("JSON");
    assert_eq!(posted["urgency"], 2);

    let mut half = body.clone();
    half["urgency"] = json!(2.5);
    half["category"] = json!("living");
    let p = problem(
        app.post_json("/api/v1/needs", &half, Some(&cadre)).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "urgency", "{p}");

    for within in ["501", "0", "-3"] {
        let response = app
            .get_with(&format!("/api/v1/needs?within_km={within}"), &cadre)
            .await;
        let p = problem(response, 422).await;
        assert_eq!(p["errors"][0]["field"], "within_km", "{p}");
    }
}
