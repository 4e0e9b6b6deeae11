//! A volunteer's whole journey in a real browser at a phone's size, as a
//! person goes through it: registering, the verification email, an offer
//! placed by picking a village, a cadre's need found in the list and on the
//! map, claimed, the cadre's phone, delivery reported; and proposals from a
//! round answered through the digest email's links and through the pages.
//! Screenshots of each step at 390 × 844 and 1280 × 900.

use huzhu::domain::Role;
use serde_json::json;

use crate::helpers::browser::Browser;
use crate::helpers::pages::{id, link_path, load_regions, mail_text};
use crate::helpers::{SmtpSink, TestApp, spawn_app_mailing_to};

/// Villages of two townships with their points.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n\
    430525102201,演示毓兰村,village,430525102000,27.02,110.5\n";

/// An app with the villages whose emails reach `sink` at once.
async fn app_mailing_to(sink: &SmtpSink) -> TestApp {
    let app = spawn_app_mailing_to(sink).await;
    load_regions(&app, VILLAGES).await;
    app
}

/// A cadre's household at `point` with one need; the need's id.
async fn posted_need(app: &TestApp, cadre: &str, point: (f64, f64), category: &str) -> String {
    let household = id(&crate::needs::household(app, cadre, Some(point)).await);
    id(&crate::needs::need(app, cadre, &household, category, 3).await)
}

#[tokio::test]
async fn a_volunteer_registers_verifies_offers_help_finds_a_need_claims_it_and_reports_delivery() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let cadre = crate::needs::cadre(&app).await;
    let need = posted_need(&app, &cadre, (27.1234, 110.5678), "care").await;
    let mut browser = Browser::open(&app).await;
    let (email, password) = ("li.ming@example.org", "柑橘林里的小路很长很长");

    // Register from the page.
    browser.goto("/").await;
    browser.click("我想帮忙：注册").await;
    browser.wait_for("input#f-password").await;
    browser.fill("姓名", "李明").await;
    browser.fill("邮箱", email).await;
    browser.fill("手机号（选填）", "13912345678").await;
    browser.fill("密码", "short").await;
    browser.click("注册").await;
    browser.wait_for("#e-password").await;
    browser.shots_at_both_sizes("register-refused").await;
    browser.fill("密码", password).await;
    browser.click("注册").await;
    browser.wait_for_text("注册成功").await;
    browser.shots_at_both_sizes("registered").await;

    // The verification email's link.
    let verify = link_path(&app, &mail_text(&sink, email, 1).await, "/verify?token=");
    browser.goto(&verify).await;
    browser.click("确认").await;
    browser.wait_for_text("邮箱已验证").await;
    browser.screenshot("verified").await;
    browser.click("去登录").await;
    browser.log_in(email, password).await;
    browser.wait_for_text("您好，李明").await;

    // An offer, placed by picking township then village.
    browser.click("我能提供").await;
    browser.click("提供帮助").await;
    browser.wait_for("select#f-village-township").await;
    browser.click("input[value='care']").await;
    browser.choose("乡镇", "江口镇").await;
    browser.choose("村", "演示江口二村").await;
    browser.fill("同时帮几户", "2").await;
    browser.fill("服务半径（公里）", "10").await;
    browser.shots_at_both_sizes("offer-form").await;
    browser.click("发布").await;
    browser.wait_for_text("已发布").await;
    assert!(browser.text().await.contains("演示江口二村"));
    browser.shots_at_both_sizes("offer-published").await;

    // The cadre's need, in the list and on the map.
    browser.click("附近需求").await;
    browser.wait_for_text("需要帮助").await;
    let list = browser.text().await;
    assert!(
        list.contains("紧急") && list.contains("江口镇"),
        "urgency in words and the place: {list}"
    );
    browser.shots_at_both_sizes("needs-near-me").await;
    browser.click("在地图上看").await;
    browser
        .wait_for(".leaflet-interactive, .marker-cluster")
        .await;
    browser.shots_at_both_sizes("needs-on-the-map").await;

    // Claimed: the match with the cadre's phone.
    browser.goto(&format!("/needs/{need}")).await;
    browser.wait_for_text("认领这个需求").await;
    let page = browser.text().await;
    assert!(
        !page.contains("王大山"),
        "no household name before acceptance"
    );
    browser.shots_at_both_sizes("need").await;
    browser.click("认领这个需求").await;
    // The need's page speaks of the cadre too: wait for the match's page,
    // which alone shows the cadre's phone.
    browser.wait_for_text("13800138000").await;
    browser.wait_for_text("联系村干部").await;
    let path = browser.path().await;
    assert!(
        path.starts_with("/matches/"),
        "{path}: {}",
        browser.text().await
    );
    assert!(
        browser.text().await.contains("13800138000"),
        "the cadre's phone"
    );
    browser.shots_at_both_sizes("claimed").await;

    // Delivery reported, with a note.
    browser.fill("说明（可不填）", "送去了一周的饭菜").await;
    browser.click("我已送达帮助").await;
    browser.wait_for_text("已告知村干部").await;
    assert!(browser.text().await.contains("送去了一周的饭菜"));
    browser.shots_at_both_sizes("delivered").await;
    browser.click("我的帮扶").await;
    browser.wait_for_text("需要帮助").await;
    browser.shots_at_both_sizes("my-matches").await;
    browser.close().await;
}

#[tokio::test]
async fn proposals_from_a_round_are_answered_from_the_digest_email_and_from_the_pages() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink).await;
    let cadre = crate::needs::cadre(&app).await;
    posted_need(&app, &cadre, (27.1234, 110.5678), "care").await;
    posted_need(&app, &cadre, (27.1301, 110.5702), "living").await;
    posted_need(&app, &cadre, (27.1188, 110.5611), "medical").await;
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let token = app.login(&volunteer).await;
    let offer = json!({"categories": ["care", "living", "medical"], "lat": 27.12, "lon": 110.57,
        "radius_km": 10, "remote": false, "capacity": 3});
    let made = app.post_json("/api/v1/offers", &offer, Some(&token)).await;
    assert_eq!(made.status().as_u16(), 201);
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator).await;
    let round = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await;
    assert_eq!(round.status().as_u16(), 201);
    let digest = mail_text(&sink, &volunteer.email, 1).await;
    let mut browser = Browser::open(&app).await;

    // The digest's signed accept link works without logging in.
    let accept = link_path(&app, &digest, "/accept");
    browser.goto(&accept).await;
    browser.shots_at_both_sizes("accept-link").await;
    browser.click("确认接受").await;
    browser.wait_for_text("感谢您的爱心").await;
    browser.screenshot("accepted-by-link").await;

    // The digest's link to the proposals asks for a login, then lands there.
    let proposals = link_path(&app, &digest, "/matches?tab=proposed");
    browser.goto(&proposals).await;
    browser.wait_for("input#password").await;
    browser.log_in(&volunteer.email, &volunteer.password).await;
    browser.wait_for_text("婉拒").await;
    assert!(browser.path().await.starts_with("/matches"));
    browser.shots_at_both_sizes("proposals").await;
    browser.click("婉拒").await;
    browser.wait_for_text("已婉拒").await;
    browser.screenshot("declined-from-the-list").await;
    browser.click("我的帮扶").await;
    browser.wait_for_text("婉拒").await;
    browser.click("接受").await;
    browser.wait_for_text("已接受").await;
    browser.shots_at_both_sizes("accepted-from-the-list").await;

    let matches = app.get_json("/api/v1/matches", &token).await;
    let mut statuses: Vec<&str> = matches["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["status"].as_str().expect("status"))
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["accepted", "accepted", "declined"]);
    browser.close().await;
}
