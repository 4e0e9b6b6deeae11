//! The coordinators' and admins' pages as one journey on the demo county,
//! in headless Chromium: a coordinator drills the dashboard from the county
//! to a village, goes down the map to a village's waiting needs, opens one
//! and proposes it by hand to its top candidate, previews and runs a round
//! for a township, and sees its proposals' outcomes move after volunteers
//! answer; then an admin invites a cadre, moves them, deactivates them, and
//! their login is refused. Screenshots at 390 × 844 and 1280 × 900.

use huzhu::domain::Role;
use huzhu::services::places;
use huzhu::store::entity::{matches, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::{SmtpSink, TestApp, TestUser, spawn_app_mailing_to};
use crate::staff_pages::fits_a_phone;

async fn count(browser: &Browser, selector: &str) -> u64 {
    let script = format!("return document.querySelectorAll(\"{selector}\").length");
    browser.execute(&script).await.as_u64().unwrap_or(0)
}

/// Waits until the first element `selector` finds has a size: a map
/// redraws its dots a moment after the window's size changes.
async fn drawn(browser: &Browser, selector: &str) {
    let script = format!(
        "const e = document.querySelector(\"{selector}\"); \
         return !!e && e.getBoundingClientRect().width > 0"
    );
    for _ in 0..50 {
        if browser.execute(&script).await == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{selector} never drawn");
}

/// Waits until the page's path starts with `prefix`.
async fn arrive(browser: &Browser, prefix: &str) -> String {
    for _ in 0..100 {
        let path = browser.path().await;
        if path.starts_with(prefix) {
            return path;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never reached {prefix}: at {}", browser.path().await);
}

/// From the map of the county down to a township's and, by a tap on its
/// largest dot, to that village's waiting needs.
async fn down_the_map(browser: &mut Browser) {
    browser.click("地图").await;
    browser
        .wait_for_text("个村有待匹配的需求，点圆点查看")
        .await;
    assert!(
        count(browser, "path.village-mark").await > 10,
        "the county's villages"
    );
    fits_a_phone(browser, "the county's map").await;
    browser.shots_at_both_sizes("map-county").await;
    browser.resize(PHONE).await;
    browser.click("table.map-places th a").await;
    browser.wait_for_text("各村").await;
    browser
        .wait_for_text("个村有待匹配的需求，点圆点查看")
        .await;
    fits_a_phone(browser, "a township's map").await;
    browser.shots_at_both_sizes("map-township").await;
    browser.resize(PHONE).await;
    drawn(browser, "path.village-mark").await;
    // The largest dot is drawn first, so smaller ones may lie over its
    // middle: raise it to the top, as a person would tap where it shows.
    browser
        .execute(
            "const dot = document.querySelector('path.village-mark'); \
             dot.classList.add('largest'); dot.parentNode.appendChild(dot); return true;",
        )
        .await;
    browser.click("path.village-mark.largest").await;
    browser.wait_for(".map-popup a.button").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    browser.screenshot("map-popup").await;
    browser.click("查看等待的需求").await;
    arrive(browser, "/waiting?place=").await;
    browser.wait_for(".waiting-list a.title").await;
}

/// Opens the first waiting need of the list with a candidate and proposes
/// it to the top one.
async fn propose_by_hand(app: &TestApp, browser: &mut Browser) {
    // The village's needs first, then the county's longest waiting.
    for list in ["", "/waiting"] {
        if !list.is_empty() {
            browser.goto(list).await;
            browser.wait_for(".waiting-list a.title").await;
        }
        let links = browser
            .execute(
                "return Array.from(document.querySelectorAll('.waiting-list a.title'))\
                 .map(a => a.getAttribute('href'))",
            )
            .await;
        for href in links
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            browser.goto(href).await;
            browser.wait_for_text("候选爱心人士").await;
            if count(browser, "form[action$='/propose'] button").await == 0 {
                continue;
            }
            fits_a_phone(browser, "a need's candidates").await;
            browser.shots_at_both_sizes("need-candidates").await;
            browser.resize(PHONE).await;
            browser.click("form[action$='/propose'] button").await;
            browser.wait_for_text("已把需求提议给这位爱心人士").await;
            let need: Uuid = href
                .trim_start_matches("/needs/")
                .parse()
                .expect("a need id");
            let proposed = matches::Entity::find()
                .filter(matches::Column::NeedId.eq(need))
                .one(&app.context.db)
                .await
                .expect("read");
            assert!(proposed.is_some(), "a match for {need}");
            return;
        }
    }
    panic!("no waiting need of the demo county has a candidate");
}

/// Logs a volunteer in through the API: their session token.
async fn volunteer_token(app: &TestApp, id: Uuid, password: &str) -> String {
    let v = user::Entity::find_by_id(id)
        .one(&app.context.db)
        .await
        .expect("read")
        .expect("the volunteer");
    app.login(&TestUser {
        email: v.email,
        password: password.to_owned(),
    })
    .await
}

/// Previews and runs a round for a township; two of its volunteers answer,
/// one accepting and one declining, and the round's outcomes move.
async fn run_a_round(app: &TestApp, browser: &mut Browser, township: &str, password: &str) {
    browser.click("匹配轮次").await;
    browser.wait_for_text("预览").await;
    browser.choose("地区", &format!("{township}（全镇）")).await;
    browser.click("预览").await;
    browser.wait_for_text("预览没有改动任何数据").await;
    fits_a_phone(browser, "a round's preview").await;
    browser.shots_at_both_sizes("round-preview").await;
    browser.resize(PHONE).await;
    browser.click("正式运行").await;
    browser.wait_for_text("匹配结果").await;
    let result = browser.path().await;
    let round: Uuid = result
        .trim_start_matches("/rounds/")
        .parse()
        .expect("a round id");
    fits_a_phone(browser, "a round's result").await;
    browser.shots_at_both_sizes("round-result").await;

    let proposals = matches::Entity::find()
        .filter(matches::Column::RoundId.eq(round))
        .order_by_asc(matches::Column::CreatedAt)
        .order_by_asc(matches::Column::Id)
        .all(&app.context.db)
        .await
        .expect("read");
    let waiting = proposals.len();
    assert!(waiting >= 2, "the round proposed {waiting}");
    let text = browser.text().await;
    assert!(text.contains(&format!("待答复 {waiting}")), "{text}");
    // Two proposals of different volunteers: one accepted, one declined.
    let first = &proposals[0];
    let second = proposals
        .iter()
        .find(|m| m.volunteer_id != first.volunteer_id)
        .expect("a second volunteer");
    for (m, answer) in [(first, "accept"), (second, "decline")] {
        let token = volunteer_token(app, m.volunteer_id, password).await;
        let done = app
            .post_json(
                &format!("/api/v1/matches/{}/{answer}", m.id),
                &json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(done.status().as_u16(), 200, "{answer}");
    }
    browser.goto(&result).await;
    browser.wait_for_text("已接受 1").await;
    let text = browser.text().await;
    assert!(text.contains("婉拒 1"), "{text}");
    assert!(text.contains(&format!("待答复 {}", waiting - 2)), "{text}");
    browser.shots_at_both_sizes("round-answered").await;
}

#[tokio::test]
async fn a_coordinator_steers_the_demo_county_and_an_admin_manages_a_cadre() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let demo = crate::demo::fill(&app).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let mut browser = Browser::open(&app).await;
    browser.resize(PHONE).await;
    browser.goto("/login").await;
    browser
        .log_in(&coordinator.email, &coordinator.password)
        .await;
    browser.wait_for_text("您好").await;

    crate::coordinator_dashboard::drill_from_the_county_to_a_village(&mut browser).await;
    browser.resize(PHONE).await;
    down_the_map(&mut browser).await;
    propose_by_hand(&app, &mut browser).await;

    // The township with the most villages, and two of them for the admin.
    let townships = places::townships(&app.context.db).await.expect("places");
    let township = townships
        .iter()
        .max_by_key(|t| t.villages.len())
        .expect("a township");
    let (_, _, password) = &demo.volunteer_logins;
    run_a_round(&app, &mut browser, &township.name, password).await;

    browser.click("退出").await;
    browser.wait_for_text("您已退出登录").await;
    let admin = app.create_user(Role::Admin, None).await;
    let villages: Vec<(&str, &str)> = township
        .villages
        .iter()
        .filter(|v| !v.township_point)
        .take(2)
        .map(|v| (v.name.as_str(), v.code.as_str()))
        .collect();
    crate::staff_pages::invite_move_and_deactivate_a_cadre(
        &app,
        &sink,
        &mut browser,
        &admin,
        [villages[0], villages[1]],
    )
    .await;
    browser.close().await;
}
