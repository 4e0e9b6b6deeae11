//! The coordinator's dashboard (`/reports`): its SVG charts, the period,
//! category and place filters with their messages beside the fields, the
//! drill-down links that keep the period, each role's scope, and a
//! coordinator drilling from the county to a village in Chromium on the
//! demo county, on a phone and on a desktop (a step of
//! `coordinator_journey`).

use huzhu::domain::Role;

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::pages::{LoggedIn, error_beside, load_regions, unescape};
use crate::helpers::{TestApp, spawn_app};

const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,江口一村,village,430525101000,27.1,110.55\n\
    430525101202,江口二村,village,430525101000,27.12,110.57\n\
    430525102201,毓兰村,village,430525102000,27.02,110.5\n";

/// Two needs in 江口一村 of 江口镇 (430525101), posted now by its cadre.
async fn two_needs(app: &TestApp) {
    load_regions(app, VILLAGES).await;
    let cadre = crate::needs::cadre(app).await;
    let body = serde_json::json!({"region": "430525101201", "head_name": "王大山", "members": 2,
        "phone": "13907390001", "tags": ["elderly_alone"]});
    let response = app
        .post_json("/api/v1/households", &body, Some(&cadre))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let household: serde_json::Value = response.json().await.expect("JSON");
    let household = household["id"].as_str().expect("id").to_owned();
    crate::needs::need(app, &cadre, &household, "care", 3).await;
    crate::needs::need(app, &cadre, &household, "medical", 1).await;
}

async fn coordinator(app: &TestApp) -> LoggedIn {
    let user = app.create_user(Role::Coordinator, Some("430525")).await;
    LoggedIn::new(app, user).await
}

#[tokio::test]
async fn the_dashboard_draws_four_charts_and_every_place_link_keeps_the_period_and_category() {
    let app = spawn_app().await;
    two_needs(&app).await;
    let c = coordinator(&app).await;

    let page = c.get(&app, "/reports?period=quarter&category=care").await;

    assert_eq!(page.status, 200);
    let html = unescape(&page.html);
    assert_eq!(html.matches("<svg class=\"chart").count(), 4, "four charts");
    for shown in [
        "调度看板：洞口县",
        // Axes: a unit and tick labels; the legend; a value printed.
        ">对接率 %</text>",
        ">100</text>",
        ">发布</text>",
        ">已对接</text>",
        ">0–3天</text>",
        "30天</text>",
        // The urgency as a word, the need's own page, and all of them.
        "紧急</span>",
        "href=\"/needs/",
        "href=\"/waiting?place=430525000000\"",
    ] {
        assert!(html.contains(shown), "{shown} missing");
    }
    // The township, in the chart and in the table, drills down keeping both.
    let drill = "href=\"/reports?period=quarter&category=care&region=430525101\"";
    assert!(
        html.matches(drill).count() >= 2,
        "chart and table link 江口镇"
    );

    let township = unescape(
        &c.get(
            &app,
            "/reports?period=quarter&category=care&region=430525101",
        )
        .await
        .html,
    );
    assert!(township.contains("调度看板：江口镇"));
    assert!(
        township
            .contains("<a href=\"/reports?period=quarter&category=care&region=430525\">洞口县</a>"),
        "the breadcrumb goes back up"
    );
    assert!(
        township.contains("region=430525101201\""),
        "villages drill further: {township}"
    );
    let village = unescape(
        &c.get(&app, "/reports?period=quarter&region=430525101201")
            .await
            .html,
    );
    assert!(village.contains("<a href=\"/reports?period=quarter&region=430525101\">江口镇</a>"));
    assert!(
        !village.contains("href=\"/reports?period=quarter&region=430525101201\""),
        "a village is the bottom: it links nowhere further"
    );
}

#[tokio::test]
async fn wrong_filters_are_refused_with_the_message_beside_their_field_and_no_figures() {
    let app = spawn_app().await;
    let c = coordinator(&app).await;
    let cases = [
        ("period=custom&from=2026-12-10&to=2026-12-01", "to"),
        ("period=custom&from=yesterday&to=2026-12-01", "from"),
        ("period=custom&to=2026-12-01", "from"),
        ("period=custom&from=1990-01-01&to=2026-12-01", "from"),
        ("period=decade", "period"),
        ("category=unicorns", "category"),
        ("region=12", "region"),
        ("region=431000", "region"),
        ("week=2026-W99", "week"),
    ];
    for (query, field) in cases {
        let page = c.get(&app, &format!("/reports?{query}")).await;
        assert_eq!(page.status, 422, "{query}");
        let beside = error_beside(&page.html, field);
        if field != "week" {
            assert!(beside.is_some(), "{query}: no message beside {field}");
        }
        assert!(
            !page.html.contains("class=\"cards\""),
            "{query}: no figures"
        );
    }
    let fine = c
        .get(&app, "/reports?period=custom&from=2026-11-02&to=2026-11-16")
        .await;
    assert_eq!(fine.status, 200);
    assert!(
        unescape(&fine.html).contains("value=\"2026-11-02\""),
        "the dates stay"
    );
    let digest = c.get(&app, "/reports?region=430525101&week=2026-W48").await;
    assert_eq!(digest.status, 200, "the weekly digest's link still works");
    assert!(unescape(&digest.html).contains("value=\"2026-11-23\""));
}

#[tokio::test]
async fn each_role_sees_only_its_own_region_and_volunteers_none() {
    let app = spawn_app().await;
    two_needs(&app).await;
    let cadre = app.create_user(Role::Cadre, Some("430525101201")).await;
    let cadre = LoggedIn::new(&app, cadre).await;

    // A place around the cadre's village is their village; one beside it is refused.
    let wider = unescape(&cadre.get(&app, "/reports?region=430525").await.html);
    assert!(
        wider.contains("统计报表："),
        "a cadre's page keeps its name"
    );
    assert!(
        !wider.contains(">洞口县</a>"),
        "no way up past their village"
    );
    assert_eq!(
        cadre.get(&app, "/reports?region=430525101202").await.status,
        422
    );

    let admin = LoggedIn::new(&app, app.create_user(Role::Admin, None).await).await;
    let everything = unescape(&admin.get(&app, "/reports").await.html);
    assert!(everything.contains("调度看板：全部地区"));
    assert!(
        everything.contains("region=430525101\""),
        "admins drill too"
    );

    let volunteer = LoggedIn::new(&app, app.create_user(Role::Volunteer, None).await).await;
    assert_eq!(volunteer.get(&app, "/reports").await.status, 403);
    let anonymous = app.get("/reports").await;
    assert_eq!(anonymous.status().as_u16(), 303);
}

async fn first_link(browser: &Browser, selector: &str) -> String {
    let script = format!("return document.querySelector('{selector}').textContent.trim()");
    let text = browser.execute(&script).await;
    text.as_str().expect("a link's text").to_owned()
}

async fn assert_fits_a_phone(browser: &Browser) {
    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await
        .as_u64()
        .expect("a width");
    assert!(
        width <= u64::from(PHONE.width),
        "the dashboard is {width}px wide on a {}px phone: see {}",
        PHONE.width,
        browser.screenshots().display()
    );
}

/// The coordinator's journey's first part (`coordinator_journey`), on the
/// demo county: the dashboard's four charts with their axes, on a phone,
/// then a click on a township and on one of its villages, keeping the
/// period, and the breadcrumb back to the county.
pub async fn drill_from_the_county_to_a_village(browser: &mut Browser) {
    browser.click("调度看板").await;
    browser.wait_for_text("等待最久的需求").await;
    browser.choose("时间段", "本季度").await;
    browser.click("查看").await;
    for _ in 0..100 {
        if browser.path().await.contains("period=quarter") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.wait_for_text("等待最久的需求").await;
    assert!(browser.path().await.contains("period=quarter"));
    let charts = browser
        .execute("return document.querySelectorAll('main svg.chart').length")
        .await;
    assert_eq!(charts.as_u64(), Some(4), "four charts");
    let ticks = browser
        .execute("return document.querySelectorAll('main svg.chart text.tick').length")
        .await;
    assert!(ticks.as_u64() > Some(10), "axes with tick labels");
    let text = browser.text().await;
    for shown in [
        "乡镇对接率（由低到高）",
        "类别构成",
        "已等待天数",
        "已对接",
        "件",
    ] {
        assert!(text.contains(shown), "{shown} missing");
    }
    assert_fits_a_phone(browser).await;
    browser.shots_at_both_sizes("dashboard-county").await;

    let township = first_link(browser, "table.bars th[scope=row] a").await;
    browser.click(&township).await;
    browser
        .wait_for_text(&format!("调度看板：{township}"))
        .await;
    let path = browser.path().await;
    assert!(
        path.contains("period=quarter") && path.contains("region="),
        "{path}"
    );
    assert_fits_a_phone(browser).await;
    browser.shots_at_both_sizes("dashboard-township").await;

    let village = first_link(browser, "table.bars th[scope=row] a").await;
    browser.click(&village).await;
    browser.wait_for_text(&format!("调度看板：{village}")).await;
    assert!(browser.path().await.contains("period=quarter"));
    assert!(
        browser.text().await.contains(&township),
        "the breadcrumb names the township"
    );
    assert_fits_a_phone(browser).await;
    browser.shots_at_both_sizes("dashboard-village").await;

    browser.click("洞口县").await;
    browser.wait_for_text("调度看板：洞口县").await;
    assert!(browser.path().await.contains("period=quarter"));
}
