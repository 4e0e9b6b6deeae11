//! A coordinator's round from the pages, in a real browser: the empty
//! list, a township's preview (which writes nothing), the real run behind
//! its progress page, the result with its proposals; a volunteer accepts
//! one and the outcome counts move on reload. Refusals: a volunteer, a
//! busy region. Screenshots at 390 × 844 and 1280 × 900.

use huzhu::domain::{RegionPrefix, Role};
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, load_regions};
use crate::helpers::{TestApp, spawn_app};

const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n";

/// Needs of three urgencies in 演示江口一村, and a volunteer with two
/// free places nearby; the volunteer's token.
async fn township_with_needs(app: &TestApp) -> String {
    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let cadre = app.login(&cadre).await;
    for urgency in [3, 2, 1] {
        let h = json!({"region": "430525101201", "head_name": "王大山", "members": 2,
            "lat": 27.1, "lon": 110.55});
        let h: Value = app
            .post_json("/api/v1/households", &h, Some(&cadre))
            .await
            .json()
            .await
            .expect("JSON");
        let n = json!({"household_id": h["id"], "category": "care", "title": "陪老人聊天",
            "urgency": urgency});
        let posted = app.post_json("/api/v1/needs", &n, Some(&cadre)).await;
        assert_eq!(posted.status().as_u16(), 201);
    }
    let v = app
        .create_person(Role::Volunteer, None, "李志愿", "13800000001")
        .await;
    let token = app.login(&v).await;
    let offer = json!({"categories": ["care"], "lat": 27.1, "lon": 110.56, "radius_km": 10,
        "remote": false, "capacity": 2});
    let made = app.post_json("/api/v1/offers", &offer, Some(&token)).await;
    assert_eq!(made.status().as_u16(), 201);
    token
}

async fn matches_count(app: &TestApp, token: &str) -> usize {
    let list: Value = app.get_json("/api/v1/matches", token).await;
    list["items"].as_array().expect("items").len()
}

async fn fits_a_phone(browser: &Browser) {
    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(width.as_i64().expect("a width") <= 390, "{width} px wide");
}

#[tokio::test]
async fn a_coordinator_previews_runs_and_follows_a_township_round() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let volunteer = township_with_needs(&app).await;
    let coordinator = app
        .create_person(Role::Coordinator, Some("430525"), "周协调", "13800000002")
        .await;
    let coordinator = LoggedIn::new(&app, coordinator).await;
    let mut browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser
        .log_in(&coordinator.user.email, &coordinator.user.password)
        .await;
    browser.click("匹配轮次").await;
    browser.wait_for_text("还没有运行过匹配").await;
    fits_a_phone(&browser).await;
    browser.shots_at_both_sizes("rounds-empty").await;

    // The township's preview: three needs, two places, by urgency.
    browser
        .execute("document.getElementById('f-region').value = '430525101000'; return null")
        .await;
    browser.click("预览").await;
    browser.wait_for_text("预览没有改动任何数据").await;
    let shown = browser.text().await;
    for seen in [
        "3 个待匹配需求中的 2 个",
        "紧急",
        "1 个需求，可匹配 1 个",
        "空余名额",
    ] {
        assert!(shown.contains(seen), "{seen} in {shown}");
    }
    fits_a_phone(&browser).await;
    browser.shots_at_both_sizes("preview").await;
    assert_eq!(
        matches_count(&app, &coordinator.token).await,
        0,
        "the preview wrote nothing"
    );

    // For real: the progress page lands on the result.
    browser.click("正式运行").await;
    browser.wait_for_text("匹配结果").await;
    let result = browser.path().await;
    assert!(result.starts_with("/rounds/"), "{result}");
    let shown = browser.text().await;
    for seen in ["演示江口一村", "李志愿", "关爱陪伴", "待答复 2", "已接受 0"] {
        assert!(shown.contains(seen), "{seen} in {shown}");
    }
    fits_a_phone(&browser).await;
    browser.shots_at_both_sizes("result").await;

    // The volunteer accepts one; the counts move on reload.
    let proposed: Value = app
        .get_json("/api/v1/matches?status=proposed", &volunteer)
        .await;
    let first = proposed["items"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let accepted = app
        .post_json(
            &format!("/api/v1/matches/{first}/accept"),
            &json!({}),
            Some(&volunteer),
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    browser.goto(&result).await;
    browser.wait_for_text("已接受 1").await;
    assert!(browser.text().await.contains("待答复 1"));
    browser.click("匹配轮次").await;
    browser.wait_for_text("已接受 1").await;
    fits_a_phone(&browser).await;
    browser.shots_at_both_sizes("rounds-list").await;
    browser.close().await;

    let csv = coordinator.get(&app, "/rounds.csv").await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.html.lines().skip(1);
    let row = lines.next().expect("a round's row");
    assert!(
        row.contains(",430525101,") && row.contains(",2,1,1,0,"),
        "{row}"
    );
}

#[tokio::test]
async fn a_busy_region_and_a_volunteer_are_refused_with_a_page() {
    let app = spawn_app().await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = LoggedIn::new(&app, coordinator).await;
    let county = RegionPrefix::parse("430525").expect("prefix");
    let held =
        huzhu::services::round_lock::acquire(&app.context.db, &county, huzhu::store::now_ms())
            .await
            .expect("lock");
    let preview = coordinator
        .get(&app, "/rounds/preview?region=430525101")
        .await;
    assert_eq!(preview.status, 409);
    assert!(
        preview.html.contains("正在进行一轮匹配"),
        "{}",
        preview.html
    );
    let run = coordinator
        .post(&app, "/rounds", &[("region", "430525101")])
        .await;
    assert_eq!(run.status, 409);
    held.release(&app.context.db).await.expect("released");
    let outside = coordinator.get(&app, "/rounds/preview?region=430526").await;
    assert_eq!(outside.status, 422);
    assert!(outside.html.contains("不在您负责的范围内"));

    let volunteer = app.create_user(Role::Volunteer, None).await;
    let volunteer = LoggedIn::new(&app, volunteer).await;
    assert_eq!(volunteer.get(&app, "/rounds").await.status, 403);
    assert_eq!(volunteer.get(&app, "/rounds.csv").await.status, 403);
}
