//! 户帮户亲帮亲: key households and their standing pairings, pairing first,
//! visits and their reminders, courtyard meetings and their follow-up, and
//! what a helper may see.

use huzhu::domain::Role;
use huzhu::services::schedules::run_due;
use huzhu::store::entity::{outbox, pairing};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, problem, spawn_app, spawn_app_with};
use crate::needs::{cadre, household, need};

const DAY: i64 = 24 * 3_600_000;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// A volunteer who agreed to standing pairings: (account, token, id).
async fn helper(app: &TestApp, name: &str, phone: &str) -> (TestUser, String, String) {
    let user = app.create_person(Role::Volunteer, None, name, phone).await;
    let token = app.login(&user).await;
    let response = app
        .client
        .put(app.url("/api/v1/me/standing"))
        .bearer_auth(&token)
        .json(&json!({"standing": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let me = app.get_json("/api/v1/me", &token).await;
    let id = id(&me);
    (user, token, id)
}

/// A key household of the cadre's township.
async fn key_household(app: &TestApp, cadre: &str) -> String {
    let h = id(&household(app, cadre, Some((27.11, 110.55))).await);
    let response = app
        .post_json(
            &format!("/api/v1/households/{h}/key"),
            &json!({"reason": "elderly_alone"}),
            Some(cadre),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    h
}

async fn pair(app: &TestApp, cadre: &str, household: &str, helper: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/pairings",
        &json!({"household_id": household, "helper_id": helper}),
        Some(cadre),
    )
    .await
}

#[tokio::test]
async fn a_helper_has_at_most_the_limit_and_a_household_one_active_pairing() {
    let app = spawn_app_with(|env| {
        env.insert("HUZHU_PAIRING_LIMIT".to_owned(), "2".to_owned());
    })
    .await;
    let cadre = cadre(&app).await;
    let (_, _, helper_id) = helper(&app, "张志强", "13800000001").await;
    let (_, _, other_id) = helper(&app, "李秀英", "13800000002").await;
    let households = [
        key_household(&app, &cadre).await,
        key_household(&app, &cadre).await,
        key_household(&app, &cadre).await,
    ];
    // Two cadres' clicks at once on one household: one pairing.
    let (a, b) = tokio::join!(
        pair(&app, &cadre, &households[0], &helper_id),
        pair(&app, &cadre, &households[0], &other_id),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let first: Value = app
        .get_json(
            &format!("/api/v1/pairings?household={}", households[0]),
            &cadre,
        )
        .await;
    let first = first["items"][0].clone();
    assert_eq!(first["household_name"], "王大山");
    // The helper of the winner fills up to the limit.
    let winner = first["helper_id"].as_str().expect("helper").to_owned();
    assert_eq!(
        pair(&app, &cadre, &households[1], &winner)
            .await
            .status()
            .as_u16(),
        201
    );
    let full = pair(&app, &cadre, &households[2], &winner).await;
    let refused = problem(full, 409).await;
    assert!(
        refused["detail"].as_str().unwrap_or_default().contains('2'),
        "{refused}"
    );
    // Ending a pairing frees a place and lets the household be paired again.
    let ended = app
        .post_json(
            &format!("/api/v1/pairings/{}/end", id(&first)),
            &json!({"reason": "帮扶人外出务工"}),
            Some(&cadre),
        )
        .await;
    assert_eq!(ended.status().as_u16(), 200);
    let ended: Value = ended.json().await.expect("JSON");
    assert_eq!(ended["end_reason"], "帮扶人外出务工");
    assert!(ended["next_visit_due"].is_null());
    let again = app
        .post_json(
            &format!("/api/v1/pairings/{}/end", id(&first)),
            &json!({"reason": "再来一次"}),
            Some(&cadre),
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    assert_eq!(
        pair(&app, &cadre, &households[2], &winner)
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        pair(&app, &cadre, &households[0], &winner)
            .await
            .status()
            .as_u16(),
        409
    );
    // History: the household's ended pairing is still listed.
    let history = app
        .get_json(
            &format!("/api/v1/pairings?household={}", households[0]),
            &cadre,
        )
        .await;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(1));
    // A household that is not key, a volunteer who did not agree, and a
    // key household with a pairing cannot be unmarked.
    let plain = id(&household(&app, &cadre, None).await);
    let p = problem(pair(&app, &cadre, &plain, &other_id).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "household_id", "{p}");
    let unwilling = app.create_user(Role::Volunteer, None).await;
    let unwilling_token = app.login(&unwilling).await;
    let unwilling_id = id(&app.get_json("/api/v1/me", &unwilling_token).await);
    let p = problem(pair(&app, &cadre, &households[0], &unwilling_id).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "helper_id", "{p}");
    let unmark = app
        .client
        .delete(app.url(&format!("/api/v1/households/{}/key", households[1])))
        .bearer_auth(&cadre)
        .send()
        .await
        .expect("sent");
    assert_eq!(unmark.status().as_u16(), 409);
    // Bad bodies change nothing.
    let p = problem(
        app.post_json(
            "/api/v1/pairings",
            &json!({"household_id": households[0], "visit_every_days": 3}),
            Some(&cadre),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["helper_id", "visit_every_days"]);
    let bad_reason = app
        .post_json(
            &format!("/api/v1/households/{plain}/key"),
            &json!({"reason": "富裕"}),
            Some(&cadre),
        )
        .await;
    assert_eq!(bad_reason.status().as_u16(), 422);
    // Found by name or by phone, fewest pairings first.
    let found = app.get_json("/api/v1/helpers?q=13800000002", &cadre).await;
    assert_eq!(found["items"][0]["name"], "李秀英");
    assert!(
        app.get_json("/api/v1/helpers?q=王", &cadre).await["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

async fn coordinator(app: &TestApp) -> String {
    let c = app.create_user(Role::Coordinator, Some("430525")).await;
    app.login(&c).await
}

async fn offer(app: &TestApp, token: &str) {
    let body = json!({"categories": ["living"], "lat": 27.10, "lon": 110.55, "radius_km": 20, "remote": false, "capacity": 3});
    let response = app.post_json("/api/v1/offers", &body, Some(token)).await;
    assert_eq!(response.status().as_u16(), 201);
}

/// Runs a round over the coordinator's region: (needs considered, matched).
async fn round(app: &TestApp, coordinator: &str) -> (Option<i64>, Option<i64>) {
    let round: Value = app
        .post_json("/api/v1/rounds", &json!({}), Some(coordinator))
        .await
        .json()
        .await
        .expect("JSON");
    (
        round["needs_considered"].as_i64(),
        round["matched"].as_i64(),
    )
}

async fn outbox_of(app: &TestApp, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .all(&app.context.db)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn a_paired_households_need_goes_to_its_helper_first_and_to_rounds_after_a_decline() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let (_, helper_token, helper_id) = helper(&app, "张志强", "13800000001").await;
    let h = key_household(&app, &cadre).await;
    assert_eq!(
        pair(&app, &cadre, &h, &helper_id).await.status().as_u16(),
        201
    );
    // Another volunteer could take it, and would in a round.
    let other = app.create_user(Role::Volunteer, None).await;
    let other_token = app.login(&other).await;
    offer(&app, &other_token).await;

    let n = need(&app, &cadre, &h, "living", 2).await;
    assert_eq!(n["status"], "matched", "{n}");
    let mine = app.get_json("/api/v1/matches", &helper_token).await;
    let m = mine["items"][0].clone();
    assert_eq!(
        (m["origin"].as_str(), m["status"].as_str()),
        (Some("pairing"), Some("proposed"))
    );
    assert!(m["offer_id"].is_null());
    assert!(m["expires_at"].is_string());
    let emails = outbox_of(&app, "pairing_proposal").await;
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0].subject.contains("王大山"),
        "the helper knows whose need it is"
    );

    // During the helper's window a round leaves the need alone.
    let coordinator = coordinator(&app).await;
    assert_eq!(round(&app, &coordinator).await, (Some(0), Some(0)));
    // Nor can anyone claim it.
    assert_eq!(
        app.get_json(&format!("/api/v1/needs/{}", id(&n)), &cadre)
            .await["status"],
        "matched"
    );

    let declined = app
        .post_json(
            &format!("/api/v1/matches/{}/decline", id(&m)),
            &json!({"reason": "这周在外地"}),
            Some(&helper_token),
        )
        .await;
    assert_eq!(declined.status().as_u16(), 200);
    assert_eq!(
        app.get_json(&format!("/api/v1/needs/{}", id(&n)), &cadre)
            .await["status"],
        "open"
    );
    assert_eq!(round(&app, &coordinator).await, (Some(1), Some(1)));
    let theirs = app.get_json("/api/v1/matches", &other_token).await;
    assert_eq!(theirs["items"][0]["origin"], "round");
    assert_eq!(theirs["items"][0]["need_id"], n["id"]);

    // A need written without pairing first (as a spreadsheet import writes
    // them) is put to the helper on the service's next tick.
    let new = huzhu::domain::need::NewNeed::parse(
        Some(h.parse().expect("uuid")),
        huzhu::domain::need::NeedFields {
            category: Some("care"),
            title: Some("表格导入的需求"),
            description: Some(""),
            urgency: Some(1),
        },
    )
    .expect("need");
    let imported = huzhu::services::needs::open_row(
        &new,
        "430525101000",
        None,
        uuid::Uuid::now_v7(),
        huzhu::store::now_ms(),
    );
    let imported = sea_orm::ActiveModelTrait::insert(imported, &app.context.db)
        .await
        .expect("inserted");
    huzhu::services::transitions::tick(&app.context)
        .await
        .expect("tick");
    let proposals = app
        .get_json("/api/v1/matches?status=proposed", &helper_token)
        .await;
    assert_eq!(proposals["items"][0]["need_id"], imported.id.to_string());
    assert_eq!(proposals["items"][0]["origin"], "pairing");

    // A need of an unpaired household is not proposed to anyone.
    let plain = id(&household(&app, &cadre, None).await);
    assert_eq!(
        need(&app, &cadre, &plain, "living", 1).await["status"],
        "open"
    );
}

#[tokio::test]
async fn an_expired_pairing_proposal_opens_the_need_to_everyone() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let (_, helper_token, helper_id) = helper(&app, "张志强", "13800000001").await;
    let h = key_household(&app, &cadre).await;
    assert_eq!(
        pair(&app, &cadre, &h, &helper_id).await.status().as_u16(),
        201
    );
    let n = need(&app, &cadre, &h, "living", 2).await;
    let m = app.get_json("/api/v1/matches", &helper_token).await["items"][0].clone();
    huzhu::store::entity::matches::Entity::update_many()
        .col_expr(
            huzhu::store::entity::matches::Column::ExpiresAt,
            Expr::value(huzhu::store::now_ms() - 1000),
        )
        .exec(&app.context.db)
        .await
        .expect("expired");
    huzhu::services::transitions::tick(&app.context)
        .await
        .expect("tick");
    let after = app
        .get_json(&format!("/api/v1/matches/{}", id(&m)), &helper_token)
        .await;
    assert_eq!(after["status"], "expired");
    assert_eq!(
        app.get_json(&format!("/api/v1/needs/{}", id(&n)), &cadre)
            .await["status"],
        "open"
    );
}

#[tokio::test]
async fn a_due_visit_is_reminded_once_across_two_instances() {
    let first = spawn_app().await;
    let shared = first.context.settings.database_url.clone();
    let second = spawn_app_with(move |env| {
        env.insert("HUZHU_DATABASE_URL".to_owned(), shared);
    })
    .await;
    let cadre = cadre(&first).await;
    let (_, helper_token, helper_id) = helper(&first, "张志强", "13800000001").await;
    let h = key_household(&first, &cadre).await;
    let p: Value = pair(&first, &cadre, &h, &helper_id)
        .await
        .json()
        .await
        .expect("JSON");
    // Another day than today's, which the servers' own schedulers have run.
    let now = huzhu::store::now_ms() + 2 * DAY;
    let started = now - 31 * DAY;
    pairing::Entity::update_many()
        .col_expr(pairing::Column::StartedAt, Expr::value(started))
        .exec(&first.context.db)
        .await
        .expect("backdated");
    let (a, b) = tokio::join!(run_due(&first.context, now), run_due(&second.context, now));
    a.expect("first");
    b.expect("second");
    run_due(&second.context, now + 3_600_000)
        .await
        .expect("again");
    let reminders = outbox_of(&first, "visit_due").await;
    assert_eq!(reminders.len(), 1);
    assert!(
        reminders[0].subject.contains("王大山"),
        "{}",
        reminders[0].subject
    );

    // The helper visits; the next due date is a month after the visit, and
    // that one is reminded once more, the next day's run.
    let visited = first
        .post_json(
            "/api/v1/visits",
            &json!({"household_id": h, "at": chrono::DateTime::from_timestamp_millis(now - 3 * DAY).expect("t").to_rfc3339(),
                    "kind": "pairing", "notes": "身体还好，屋顶漏雨"}),
            Some(&helper_token),
        )
        .await;
    assert_eq!(visited.status().as_u16(), 201);
    let later = now + 29 * DAY;
    run_due(&first.context, later).await.expect("later");
    run_due(&second.context, later).await.expect("later");
    assert_eq!(outbox_of(&first, "visit_due").await.len(), 2);
    let pairing = first
        .get_json(&format!("/api/v1/pairings/{}", id(&p)), &helper_token)
        .await;
    assert!(pairing["last_visit_at"].is_string());
}

#[tokio::test]
async fn a_helper_sees_their_households_name_and_village_and_nothing_else() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let (_, helper_token, helper_id) = helper(&app, "张志强", "13800000001").await;
    let (_, stranger_token, _) = helper(&app, "李秀英", "13800000002").await;
    let h = key_household(&app, &cadre).await;
    let p: Value = pair(&app, &cadre, &h, &helper_id)
        .await
        .json()
        .await
        .expect("JSON");
    let seen = app
        .get_json(&format!("/api/v1/pairings/{}", id(&p)), &helper_token)
        .await;
    assert_eq!(seen["household_name"], "王大山");
    assert!(seen["village_name"].as_str().is_some_and(|v| !v.is_empty()));
    let text = seen.to_string();
    for private in [
        "13907390001",
        "elderly_alone",
        "27.11",
        "110.55",
        "id_number",
        "tags",
        "phone",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    assert_eq!(
        app.get_with(&format!("/api/v1/households/{h}"), &helper_token)
            .await
            .status()
            .as_u16(),
        403
    );
    // Another volunteer sees neither the pairing nor its visits.
    assert_eq!(
        app.get_with(&format!("/api/v1/pairings/{}", id(&p)), &stranger_token)
            .await
            .status()
            .as_u16(),
        404
    );
    assert!(
        app.get_json("/api/v1/pairings", &stranger_token).await["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    // A helper's raised need is a suggestion; the cadre confirms it, and
    // pairing first proposes it to the same helper.
    let visit = app
        .post_json(
            "/api/v1/visits",
            &json!({"household_id": h, "at": "2026-12-01", "kind": "pairing", "notes": "缺冬衣",
                    "raised": [{"category": "living", "title": "冬衣两套", "description": "老人怕冷", "urgency": 2}]}),
            Some(&helper_token),
        )
        .await;
    assert_eq!(visit.status().as_u16(), 201);
    let visit: Value = visit.json().await.expect("JSON");
    assert_eq!(visit["posted"].as_array().map(Vec::len), Some(0));
    let suggestion = visit["suggested"][0]
        .as_str()
        .expect("suggested")
        .to_owned();
    assert_eq!(outbox_of(&app, "need_suggested").await.len(), 1);
    let stranger_visit = app
        .post_json(
            "/api/v1/visits",
            &json!({"household_id": h, "at": "2026-12-01", "kind": "pairing", "notes": ""}),
            Some(&stranger_token),
        )
        .await;
    assert_eq!(stranger_visit.status().as_u16(), 422);
    assert!(
        app.get_json("/api/v1/visits", &stranger_token).await["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    assert_eq!(
        app.get_json("/api/v1/visits", &helper_token).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let pending = app.get_json("/api/v1/suggestions", &cadre).await;
    assert_eq!(pending["items"][0]["title"], "冬衣两套");
    let confirmed = app
        .post_json(
            &format!("/api/v1/suggestions/{suggestion}/confirm"),
            &json!({}),
            Some(&cadre),
        )
        .await;
    assert_eq!(confirmed.status().as_u16(), 200);
    let confirmed: Value = confirmed.json().await.expect("JSON");
    assert_eq!(confirmed["status"], "confirmed");
    let again = app
        .post_json(
            &format!("/api/v1/suggestions/{suggestion}/dismiss"),
            &json!({}),
            Some(&cadre),
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    let proposals = app.get_json("/api/v1/matches", &helper_token).await;
    assert_eq!(proposals["items"][0]["need_id"], confirmed["need_id"]);
    assert_eq!(proposals["items"][0]["origin"], "pairing");
}

#[tokio::test]
async fn a_meetings_follow_up_counts_its_needs_to_their_end() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let households: Vec<String> = [
        household(&app, &cadre, Some((27.11, 110.55))).await,
        household(&app, &cadre, Some((27.11, 110.56))).await,
        household(&app, &cadre, Some((27.12, 110.55))).await,
    ]
    .iter()
    .map(id)
    .collect();
    let raised = |h: &str, category: &str| json!({"household_id": h, "category": category, "title": "院落会上提出", "description": "", "urgency": 1});
    let body = json!({"region": "430525101000", "held_on": "2026-12-01", "attendance": 23, "notes": "第三村民小组",
        "needs": [raised(&households[0], "living"), raised(&households[1], "living"), raised(&households[2], "care"), raised(&households[0], "care")]});
    // One bad need refuses the whole meeting, naming the field.
    let mut bad = body.clone();
    bad["needs"][2]["category"] = json!("flying");
    let p = problem(
        app.post_json("/api/v1/meetings", &bad, Some(&cadre)).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "needs[2].category", "{p}");
    assert!(
        app.get_json("/api/v1/meetings", &cadre).await["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let meeting = app.post_json("/api/v1/meetings", &body, Some(&cadre)).await;
    assert_eq!(meeting.status().as_u16(), 201);
    let meeting: Value = meeting.json().await.expect("JSON");
    let needs: Vec<String> = meeting["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| n.as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        (meeting["posted"].as_u64(), meeting["open"].as_u64()),
        (Some(4), Some(4))
    );

    // One fulfilled, one accepted and still on its way, one cancelled, one open.
    let v = app.create_user(Role::Volunteer, None).await;
    let v_token = app.login(&v).await;
    let body = json!({"categories": ["living", "care"], "lat": 27.11, "lon": 110.55, "radius_km": 20, "remote": false, "capacity": 5});
    let offer: Value = app
        .post_json("/api/v1/offers", &body, Some(&v_token))
        .await
        .json()
        .await
        .expect("JSON");
    let claim = |n: String| {
        let app = &app;
        let v_token = &v_token;
        let offer = id(&offer);
        async move {
            let r = app
                .post_json(
                    &format!("/api/v1/needs/{n}/claim"),
                    &json!({"offer_id": offer}),
                    Some(v_token),
                )
                .await;
            assert_eq!(r.status().as_u16(), 201);
            id(&r.json::<Value>().await.expect("JSON"))
        }
    };
    let done = claim(needs[0].clone()).await;
    let complete = app
        .post_json(
            &format!("/api/v1/matches/{done}/complete"),
            &json!({}),
            Some(&cadre),
        )
        .await;
    assert_eq!(complete.status().as_u16(), 200);
    claim(needs[1].clone()).await;
    let cancel = app
        .post_json(
            &format!("/api/v1/needs/{}/cancel", needs[2]),
            &json!({"reason": "已由亲属解决"}),
            Some(&cadre),
        )
        .await;
    assert_eq!(
        cancel.status().as_u16(),
        200,
        "{}",
        cancel.text().await.unwrap_or_default()
    );

    let seen = app
        .get_json(&format!("/api/v1/meetings/{}", id(&meeting)), &cadre)
        .await;
    let figures: Vec<Option<u64>> = ["posted", "matched", "fulfilled", "open", "cancelled"]
        .iter()
        .map(|k| seen[k].as_u64())
        .collect();
    assert_eq!(figures, [Some(4), Some(2), Some(1), Some(2), Some(1)]);
    assert_eq!(seen["fulfilment_rate"].as_f64(), Some(0.25));
    let listed = app
        .get_json("/api/v1/meetings?region=430525101", &cadre)
        .await;
    assert_eq!(listed["items"][0]["matched"].as_u64(), Some(2));
    // Volunteers see no meetings.
    assert_eq!(
        app.get_with("/api/v1/meetings", &v_token)
            .await
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn the_standing_help_figures_match_what_was_done() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let (_, a_token, a_id) = helper(&app, "张志强", "13800000001").await;
    let (_, b_token, b_id) = helper(&app, "李秀英", "13800000002").await;
    let liaison = app.create_user(Role::Cadre, Some("430525101")).await;
    let liaison_token = app.login(&liaison).await;
    let liaison_id = id(&app.get_json("/api/v1/me", &liaison_token).await);
    let [h1, h2, h3] = [
        key_household(&app, &cadre).await,
        key_household(&app, &cadre).await,
        key_household(&app, &cadre).await,
    ];
    let p1: Value = pair(&app, &cadre, &h1, &a_id)
        .await
        .json()
        .await
        .expect("JSON");
    let p2 = app
        .post_json(
            "/api/v1/pairings",
            &json!({"household_id": h2, "helper_id": b_id, "liaison_id": liaison_id}),
            Some(&cadre),
        )
        .await;
    assert_eq!(p2.status().as_u16(), 201);
    let p2: Value = p2.json().await.expect("JSON");
    let now = huzhu::store::now_ms();
    for (p, days) in [(&p1, 65), (&p2, 40)] {
        pairing::Entity::update_many()
            .col_expr(pairing::Column::StartedAt, Expr::value(now - days * DAY))
            .filter(pairing::Column::Id.eq(id(p).parse::<uuid::Uuid>().expect("uuid")))
            .exec(&app.context.db)
            .await
            .expect("backdated");
    }
    // Pairing first: one accepted, one declined and then proposed by a round.
    need(&app, &cadre, &h1, "living", 1).await;
    need(&app, &cadre, &h2, "living", 1).await;
    let answer = |token: String, verb: &'static str| {
        let app = &app;
        async move {
            let m = app.get_json("/api/v1/matches", &token).await["items"][0].clone();
            let r = app
                .post_json(
                    &format!("/api/v1/matches/{}/{verb}", id(&m)),
                    &json!({}),
                    Some(&token),
                )
                .await;
            assert_eq!(r.status().as_u16(), 200);
        }
    };
    answer(a_token.clone(), "accept").await;
    answer(b_token.clone(), "decline").await;
    let other = app.create_user(Role::Volunteer, None).await;
    offer(&app, &app.login(&other).await).await;
    let round = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator(&app).await))
        .await;
    assert_eq!(round.status().as_u16(), 201);
    // Visits: the helper's, and a cadre's home visit raising a need.
    let visit = |token: &str, body: Value| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let r = app.post_json("/api/v1/visits", &body, Some(&token)).await;
            assert_eq!(
                r.status().as_u16(),
                201,
                "{}",
                r.text().await.unwrap_or_default()
            );
        }
    };
    let today = chrono::DateTime::from_timestamp_millis(now)
        .expect("now")
        .to_rfc3339();
    visit(
        &a_token,
        json!({"household_id": h1, "at": today, "kind": "pairing", "notes": "都好"}),
    )
    .await;
    visit(&cadre, json!({"household_id": h3, "at": today, "kind": "relatives", "relation": "表叔", "notes": "",
        "raised": [{"category": "care", "title": "陪同就医", "description": "每月一次", "urgency": 2}]})).await;
    // A relatives' visit says how they are related.
    let p = problem(
        app.post_json(
            "/api/v1/visits",
            &json!({"household_id": h3, "at": today, "kind": "relatives", "notes": ""}),
            Some(&cadre),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "relation");
    let plain = id(&household(&app, &cadre, None).await);
    let meeting = app
        .post_json(
            "/api/v1/meetings",
            &json!({"region": "430525101000", "held_on": chrono::DateTime::from_timestamp_millis(now).expect("now").format("%Y-%m-%d").to_string(),
                    "attendance": 15, "notes": "",
                    "needs": [{"household_id": plain, "category": "education", "title": "作业辅导", "description": "", "urgency": 1}]}),
            Some(&cadre),
        )
        .await;
    assert_eq!(meeting.status().as_u16(), 201);

    let figures = app.get_json("/api/v1/stats/pairings", &cadre).await;
    let expected = json!({
        "key_households": 3, "key_households_paired": 2, "helpers": 2, "liaisons": 1,
        "visits_due": 3, "visits_done": 1, "visits_overdue": 1, "cadre_visits": 0, "relatives_visits": 1,
        "raised_at_visits": 1, "raised_at_visits_fulfilled": 0,
        "meetings": 1, "meeting_attendance": 15, "raised_at_meetings": 1, "raised_at_meetings_matched": 0, "raised_at_meetings_fulfilled": 0,
        "pairing_proposals": 2, "pairing_accepted": 1, "pairing_match_rate": 0.5,
        "round_proposals": 1, "round_accepted": 0, "round_match_rate": 0.0,
        "raised_at_visits_fulfilment_rate": 0.0, "raised_at_meetings_fulfilment_rate": 0.0,
    });
    for (key, value) in expected.as_object().expect("object") {
        assert_eq!(&figures[key], value, "{key}: {figures}");
    }
    assert!((figures["paired_rate"].as_f64().expect("rate") - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(figures["rows"][0]["key"], "430525101");
    assert_eq!(figures["rows"][0]["key_households"], 3);
    let csv = app.get_with("/api/v1/stats/pairings/export", &cadre).await;
    assert_eq!(csv.status().as_u16(), 200);
    let csv = csv.text().await.expect("text");
    assert!(csv.contains("重点户") && csv.contains("合计"), "{csv}");
    // A period before any of it: nothing owed, nothing done, nothing raised.
    let before = app
        .get_json("/api/v1/stats/pairings?to=2020-01-01", &cadre)
        .await;
    assert_eq!(
        (
            before["visits_due"].as_u64(),
            before["visits_done"].as_u64(),
            before["meetings"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(
        before["key_households"], 3,
        "key households are counted as they are now"
    );
    // A volunteer sees no figures.
    assert_eq!(
        app.get_with("/api/v1/stats/pairings", &a_token)
            .await
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn marking_or_unmarking_a_household_that_is_not_there_is_not_found() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let nowhere = format!("/api/v1/households/{}/key", uuid::Uuid::now_v7());
    let mark = app
        .post_json(&nowhere, &json!({"reason": "elderly_alone"}), Some(&cadre))
        .await;
    problem(mark, 404).await;
    let unmark = app
        .client
        .delete(app.url(&nowhere))
        .bearer_auth(&cadre)
        .send()
        .await
        .expect("sent");
    problem(unmark, 404).await;
}
