//! The coordinator's follow-up page (`/followup`): volunteers whose
//! proposals lapse, offers with room that never accept, cadres with stale
//! needs — counted against data made here, inside the coordinator's region
//! only — a nudge email sent once however often it is clicked in a day, and
//! an offer paused from the page that the next round leaves alone.

use std::time::Duration;

use huzhu::domain::Role;
use huzhu::store::entity::matches;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, id};
use crate::helpers::{SmtpSink, TestApp, spawn_app, spawn_app_mailing_to};

const VILLAGE: &str = "430525101000";

/// A cadre of township 101 who posts needs there.
async fn cadre(app: &TestApp) -> LoggedIn {
    let user = app
        .create_person(Role::Cadre, Some("430525101"), "李村官", "13911112222")
        .await;
    LoggedIn::new(app, user).await
}

async fn coordinator_of(app: &TestApp, region: &str, name: &str) -> LoggedIn {
    let user = app
        .create_person(Role::Coordinator, Some(region), name, "13800002222")
        .await;
    LoggedIn::new(app, user).await
}

/// A need of care in the village; its id.
async fn posted(app: &TestApp, cadre: &LoggedIn) -> String {
    let body = json!({"region": VILLAGE, "head_name": "王大山", "members": 2,
        "phone": "13907390001", "lat": 27.10, "lon": 110.55});
    let household = app
        .post_json("/api/v1/households", &body, Some(&cadre.token))
        .await;
    assert_eq!(household.status().as_u16(), 201);
    let household = id(&household.json().await.expect("JSON"));
    let body = json!({"household_id": household, "category": "care", "title": "陪老人说说话",
        "description": "每周一次", "urgency": 2});
    let need = app
        .post_json("/api/v1/needs", &body, Some(&cadre.token))
        .await;
    assert_eq!(need.status().as_u16(), 201);
    id(&need.json().await.expect("JSON"))
}

/// A volunteer named `name` with an offer of care nearby; the offer's id.
async fn volunteer(app: &TestApp, name: &str, capacity: i64) -> (LoggedIn, String) {
    let user = app
        .create_person(Role::Volunteer, None, name, "13600001111")
        .await;
    let v = LoggedIn::new(app, user).await;
    let body = json!({"categories": ["care"], "lat": 27.10, "lon": 110.55, "radius_km": 20,
        "remote": false, "capacity": capacity});
    let offer = app.post_json("/api/v1/offers", &body, Some(&v.token)).await;
    assert_eq!(offer.status().as_u16(), 201);
    (v, id(&offer.json().await.expect("JSON")))
}

/// The coordinator proposes `need` to `offer` by hand; the match's id.
async fn propose(app: &TestApp, coordinator: &LoggedIn, need: &str, offer: &str) -> String {
    let made = app
        .post_json(
            "/api/v1/matches",
            &json!({"need_id": need, "offer_id": offer}),
            Some(&coordinator.token),
        )
        .await;
    assert_eq!(made.status().as_u16(), 201);
    id(&made.json().await.expect("JSON"))
}

async fn answer(app: &TestApp, v: &LoggedIn, m: &str, action: &str) {
    let path = format!("/api/v1/matches/{m}/{action}");
    let answered = app.post_json(&path, &json!({}), Some(&v.token)).await;
    assert_eq!(answered.status().as_u16(), 200, "{action}");
}

/// The proposal's deadline passes, and the expiry job runs.
async fn expire(app: &TestApp, m: &str) {
    matches::Entity::update_many()
        .col_expr(
            matches::Column::ExpiresAt,
            Expr::value(huzhu::store::now_ms() - 1),
        )
        .filter(matches::Column::Id.eq(m.parse::<uuid::Uuid>().expect("id")))
        .exec(&app.context.db)
        .await
        .expect("deadline moved");
    huzhu::services::transitions::tick(&app.context)
        .await
        .expect("expiry ran");
    let status = matches::Entity::find_by_id(m.parse::<uuid::Uuid>().expect("id"))
        .one(&app.context.db)
        .await
        .expect("read")
        .expect("match")
        .status;
    assert_eq!(status.to_string(), "expired");
}

/// A list's CSV as rows of cells, the heading row dropped.
async fn rows(app: &TestApp, who: &LoggedIn, list: &str) -> Vec<Vec<String>> {
    let page = who.get(app, &format!("/followup.csv?list={list}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    page.html
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// What the lists are made of: volunteer 甲 declined one proposal, let one
/// expire and accepted one; volunteer 乙 declined their only one and has
/// room left; one need has waited 20 days.
struct World {
    coordinator: LoggedIn,
    cadre: LoggedIn,
    jia: LoggedIn,
    yi_offer: String,
}

async fn world(app: &TestApp) -> World {
    let cadre = cadre(app).await;
    let coordinator = coordinator_of(app, "430525101", "周协调").await;
    let (jia, jia_offer) = volunteer(app, "甲志愿", 5).await;
    let (yi, yi_offer) = volunteer(app, "乙志愿", 3).await;
    let declined = propose(app, &coordinator, &posted(app, &cadre).await, &jia_offer).await;
    answer(app, &jia, &declined, "decline").await;
    let lapsed = propose(app, &coordinator, &posted(app, &cadre).await, &jia_offer).await;
    expire(app, &lapsed).await;
    let accepted = propose(app, &coordinator, &posted(app, &cadre).await, &jia_offer).await;
    answer(app, &jia, &accepted, "accept").await;
    let refused = propose(app, &coordinator, &posted(app, &cadre).await, &yi_offer).await;
    answer(app, &yi, &refused, "decline").await;
    let old = posted(app, &cadre).await;
    app.backdate_need(&old, 20).await;
    World {
        coordinator,
        cadre,
        jia,
        yi_offer,
    }
}

#[tokio::test]
async fn the_lists_count_lapsed_proposals_idle_offers_and_stale_needs_in_the_region() {
    let app = spawn_app().await;
    let w = world(&app).await;

    let volunteers = rows(&app, &w.coordinator, "volunteers").await;
    assert_eq!(volunteers.len(), 2, "{volunteers:?}");
    // 甲: 3 proposals, 1 expired, 1 declined, missed 2/3 — the worst first.
    assert_eq!(volunteers[0][..4], ["甲志愿", "3", "1", "1"]);
    assert!(volunteers[0][4].starts_with("0.66"), "{volunteers:?}");
    assert!(!volunteers[0][5].is_empty(), "甲 answered: a last answer");
    assert_eq!(volunteers[1][..5], ["乙志愿", "1", "0", "1", "1"]);

    // 甲's offer accepted one: only 乙's stays, with its 3 free places.
    let offers = rows(&app, &w.coordinator, "offers").await;
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert_eq!(offers[0][..6], [&w.yi_offer, "乙志愿", "3", "1", "0", "1"]);

    let cadres = rows(&app, &w.coordinator, "cadres").await;
    assert_eq!(cadres.len(), 1, "{cadres:?}");
    assert_eq!(cadres[0][..3], ["李村官", "430525101", "1"]);

    let page = w.coordinator.get(&app, "/followup").await;
    assert_eq!(page.status, 200);
    for text in ["甲志愿", "67%", "乙志愿", "李村官", "最近 4 周"] {
        assert!(page.html.contains(text), "{text} on the page");
    }

    // A coordinator of another township sees none of it; a period before
    // the proposals counts none; the cadre and volunteers are refused.
    let elsewhere = coordinator_of(&app, "430525102", "吴协调").await;
    for list in ["volunteers", "offers", "cadres"] {
        assert!(rows(&app, &elsewhere, list).await.is_empty(), "{list}");
    }
    let before = w
        .coordinator
        .get(
            &app,
            "/followup.csv?list=volunteers&from=2026-01-01&to=2026-01-31",
        )
        .await;
    assert_eq!(
        before.html.trim_start_matches('\u{feff}').lines().count(),
        1
    );
    for who in [&w.cadre, &w.jia] {
        assert_eq!(who.get(&app, "/followup").await.status, 403);
    }
}

#[tokio::test]
async fn a_period_that_is_no_period_is_refused_beside_its_field() {
    let app = spawn_app().await;
    let c = coordinator_of(&app, "430525101", "周协调").await;
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("from=2026-12-05&to=2026-12-01", "to"),
        ("from=2024-01-01&to=2026-01-01", "to"),
    ] {
        let page = c.get(&app, &format!("/followup?{query}")).await;
        assert_eq!(page.status, 422, "{query}");
        assert!(
            crate::helpers::pages::error_beside(&page.html, field).is_some(),
            "{query}: {}",
            page.html
        );
    }
    let csv = c.get(&app, "/followup.csv?from=nonsense").await;
    assert_eq!(csv.status, 422);
}

#[tokio::test]
async fn a_nudge_clicked_twice_the_same_day_sends_one_email() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let person = w.jia.user.email.clone();
    let jia_id = app.get_json("/api/v1/me", &w.jia.token).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let fields = [
        ("person", jia_id.as_str()),
        ("about", "proposals"),
        ("back", "/followup"),
    ];

    let first = w.coordinator.post(&app, "/followup/nudge", &fields).await;
    let shown = w.coordinator.follow(&app, &first).await;
    assert!(shown.html.contains("提醒邮件已发出"), "{}", shown.html);
    let second = w.coordinator.post(&app, "/followup/nudge", &fields).await;
    let shown = w.coordinator.follow(&app, &second).await;
    assert!(shown.html.contains("今天已经给这个人发过提醒了"));

    let nudges = || {
        sink.received()
            .into_iter()
            .filter(|m| m.to.contains(&person) && body(m).contains("周协调"))
            .collect::<Vec<_>>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while nudges().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a second email, were one queued.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let nudges = nudges();
    assert_eq!(nudges.len(), 1, "one email");
    assert!(body(&nudges[0]).contains("/matches?tab=proposed"));

    // Someone outside the coordinator's lists cannot be emailed.
    let stranger = app.create_user(Role::Volunteer, None).await;
    let stranger = LoggedIn::new(&app, stranger).await;
    let stranger_id = app.get_json("/api/v1/me", &stranger.token).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refused = w
        .coordinator
        .post(
            &app,
            "/followup/nudge",
            &[("person", &stranger_id), ("about", "proposals")],
        )
        .await;
    assert_eq!(refused.status, 404);
}

/// An email's plain-text body, decoded.
fn body(mail: &crate::helpers::smtp::ReceivedMail) -> String {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default()
}

async fn round(app: &TestApp, coordinator: &LoggedIn) -> i64 {
    let run = app
        .post_json(
            "/api/v1/rounds",
            &json!({"region": "430525101"}),
            Some(&coordinator.token),
        )
        .await;
    assert!(run.status().is_success(), "{}", run.status());
    let run: Value = run.json().await.expect("JSON");
    run["matched"].as_i64().expect("matched")
}

#[tokio::test]
async fn a_paused_offer_is_not_matched_by_the_next_round() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let coordinator = coordinator_of(&app, "430525101", "周协调").await;
    let (yi, offer) = volunteer(&app, "乙志愿", 3).await;
    let refused = propose(&app, &coordinator, &posted(&app, &cadre).await, &offer).await;
    answer(&app, &yi, &refused, "decline").await;
    posted(&app, &cadre).await;

    // Another township's coordinator may not pause it.
    let elsewhere = coordinator_of(&app, "430525102", "吴协调").await;
    let path = format!("/followup/offers/{offer}/pause");
    assert_eq!(elsewhere.post(&app, &path, &[]).await.status, 404);

    let paused = coordinator
        .post(&app, &path, &[("back", "/followup")])
        .await;
    let shown = coordinator.follow(&app, &paused).await;
    assert!(shown.html.contains("已暂停这项服务"));
    let status = app
        .get_json(&format!("/api/v1/offers/{offer}"), &yi.token)
        .await;
    assert_eq!(status["status"], "paused");
    assert_eq!(
        round(&app, &coordinator).await,
        0,
        "the paused offer is skipped"
    );

    // Resumed by its volunteer, the same offer is matched again.
    let resumed = app
        .post_json(
            &format!("/api/v1/offers/{offer}/resume"),
            &json!({}),
            Some(&yi.token),
        )
        .await;
    assert_eq!(resumed.status().as_u16(), 200);
    assert_eq!(round(&app, &coordinator).await, 1);

    // The API's pause, the one the page uses: the coordinator of the
    // offer's region may, another township's may not, a cadre is refused.
    let api = format!("/api/v1/offers/{offer}/pause");
    let other = app
        .post_json(&api, &json!({}), Some(&elsewhere.token))
        .await;
    assert_eq!(other.status().as_u16(), 404);
    let by_cadre = app.post_json(&api, &json!({}), Some(&cadre.token)).await;
    assert_eq!(by_cadre.status().as_u16(), 403);
    let by_coordinator = app
        .post_json(&api, &json!({}), Some(&coordinator.token))
        .await;
    assert_eq!(by_coordinator.status().as_u16(), 200);
}

#[tokio::test]
async fn a_coordinator_follows_up_from_the_page_in_a_browser() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let mut browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser
        .log_in(&w.coordinator.user.email, &w.coordinator.user.password)
        .await;
    // The login's redirect lands first, so it can't overtake /followup.
    browser.wait_for_text("您好").await;
    browser.goto("/followup").await;
    browser
        .wait_for_text("推荐过期或被婉拒最多的爱心人士")
        .await;
    browser.shots_at_both_sizes("followup").await;
    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(width.as_i64().expect("a width") <= 390, "{width}");

    browser.click("发邮件提醒").await;
    browser.wait_for_text("提醒邮件已发出").await;
    browser.screenshot("nudged").await;
    browser.click("暂停这项服务").await;
    browser.wait_for_text("已暂停这项服务").await;
    browser.shots_at_both_sizes("paused").await;
    let text = browser.text().await;
    assert!(
        text.contains("没有这样的服务"),
        "the paused offer left the list"
    );
    browser.close().await;
}
