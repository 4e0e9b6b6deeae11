//! The standing help in pages: a cadre marks a key household and pairs it
//! with a helper found by phone; the helper, on a phone, sees the household
//! (name and village only) and logs a visit that raises a need; the cadre
//! confirms it, and pairing first proposes it to the helper. Also the
//! forms' errors beside their fields, and a courtyard meeting's page.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::pages::{LoggedIn, error_beside, load_regions};
use crate::helpers::{TestApp, TestUser, spawn_app};
use crate::staff_pages::fits_a_phone;

/// Two villages of 江口镇, the cadre's township.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n";

/// Logs in on the login page and waits to land behind it.
async fn log_in(browser: &Browser, user: &TestUser) {
    browser.goto("/login").await;
    browser.log_in(&user.email, &user.password).await;
    browser.wait_for_text("退出").await;
}

/// Logs out with the menu's button, as a person hands the phone on.
async fn log_out(browser: &Browser) {
    browser.click("退出").await;
    browser.wait_for_text("登录").await;
}

struct World {
    app: TestApp,
    cadre: TestUser,
    cadre_token: String,
    helper: TestUser,
    helper_token: String,
    household: String,
}

async fn household(app: &TestApp, token: &str, name: &str, village: &str) -> String {
    let mut body = json!({"region": village, "head_name": name, "members": 1, "phone": "13907390001",
                          "tags": ["elderly_alone"]});
    if name == "王秀英" {
        body["id_number"] = json!("11010519491231002X");
    }
    let response = app
        .post_json("/api/v1/households", &body, Some(token))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let h: Value = response.json().await.expect("JSON");
    h["id"].as_str().expect("id").to_owned()
}

async fn world() -> World {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = app
        .create_person(Role::Cadre, Some("430525101"), "刘干部", "13900000009")
        .await;
    let cadre_token = app.login(&cadre).await;
    let helper = app
        .create_person(Role::Volunteer, None, "张志强", "13800000001")
        .await;
    let helper_token = app.login(&helper).await;
    let household = household(&app, &cadre_token, "王秀英", "430525101201").await;
    World {
        app,
        cadre,
        cadre_token,
        helper,
        helper_token,
        household,
    }
}

#[tokio::test]
async fn a_cadre_pairs_a_household_and_its_helper_logs_a_visit_that_raises_a_need() {
    let w = world().await;
    let app = &w.app;

    // The helper agrees to standing pairings on their own page.
    let mut browser = Browser::open(app).await;
    browser.resize(PHONE).await;
    log_in(&browser, &w.helper).await;
    browser.click("结对帮扶").await;
    browser.wait_for_text("我结对帮扶的户").await;
    browser.shots_at_both_sizes("helper-before").await;
    browser.click("我愿意长期结对帮扶").await;
    browser.wait_for_text("村干部可以请您长期结对").await;
    log_out(&browser).await;

    // The cadre marks the household key, finds the helper by phone, pairs.
    log_in(&browser, &w.cadre).await;
    browser.goto(&format!("/households/{}", w.household)).await;
    browser.wait_for_text("结对帮扶").await;
    browser.click("标为重点户").await;
    browser.wait_for_text("请选择原因").await;
    assert_eq!(
        browser.path().await,
        format!("/households/{}/key", w.household)
    );
    browser.choose("重点户原因", "独居老人").await;
    browser.click("标为重点户").await;
    browser.wait_for_text("已标为重点户").await;
    browser
        .fill("找帮扶人（姓名或手机号）", "13800000001")
        .await;
    browser.click("查找").await;
    browser.wait_for_text("已结对 0/3 户").await;
    browser.choose("帮扶联络员（选填）", "刘干部").await;
    browser.shots_at_both_sizes("cadre-finds-helper").await;
    browser.click("结对").await;
    browser.wait_for_text("结对成功").await;
    let page = browser.text().await;
    assert!(
        page.contains("张志强") && page.contains("每 30 天一次") && page.contains("联络员 刘干部"),
        "{page}"
    );
    browser.shots_at_both_sizes("cadre-paired").await;
    fits_a_phone(&browser, "the household with its pairing").await;
    log_out(&browser).await;

    // The helper sees the household's name and village, and logs a visit.
    log_in(&browser, &w.helper).await;
    browser.click("结对帮扶").await;
    browser.wait_for_text("王秀英家").await;
    let page = browser.text().await;
    assert!(page.contains("演示江口一村"), "{page}");
    for private in ["13907390001", "11010519491231002X", "独居老人"] {
        assert!(!page.contains(private), "{private} shown to the helper");
    }
    browser.shots_at_both_sizes("helper-households").await;
    browser.click("记录走访").await;
    browser.wait_for_text("走访中发现的需求").await;
    browser.fill("看到的情况", "老人腿脚不便，屋里冷").await;
    browser.choose("类别", "生活物资").await;
    browser.fill("需要什么", "冬衣和棉被").await;
    browser.shots_at_both_sizes("helper-visit-form").await;
    fits_a_phone(&browser, "the visit form").await;
    browser.click("保存走访记录").await;
    browser.wait_for_text("您提出的需求已交给村干部确认").await;
    assert!(browser.text().await.contains("老人腿脚不便"));
    browser.shots_at_both_sizes("helper-visit-logged").await;
    log_out(&browser).await;

    // The cadre's work list points at the suggestion; posting it proposes
    // the need to the helper first.
    browser.resize(DESKTOP).await;
    log_in(&browser, &w.cadre).await;
    browser.goto("/work").await;
    browser.shots_at_both_sizes("cadre-work").await;
    browser.click("1 项帮扶人提出的需求待确认").await;
    browser.wait_for_text("冬衣和棉被").await;
    browser.shots_at_both_sizes("cadre-suggestions").await;
    browser.click("核实无误，发布").await;
    browser.wait_for_text("需求已发布").await;
    browser.close().await;
    let proposals = app
        .get_json("/api/v1/matches?status=proposed", &w.helper_token)
        .await;
    assert_eq!(proposals["items"][0]["origin"], "pairing");
    let need = app
        .get_json(
            &format!(
                "/api/v1/needs/{}",
                proposals["items"][0]["need_id"].as_str().expect("need")
            ),
            &w.cadre_token,
        )
        .await;
    assert_eq!(need["title"], "冬衣和棉被");
    // The helper answers it on their matches' pages like any proposal.
    let helper = LoggedIn::new(
        app,
        TestUser {
            email: w.helper.email.clone(),
            password: w.helper.password.clone(),
        },
    )
    .await;
    let list = helper.get(app, "/matches?tab=proposed").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("冬衣和棉被"), "{}", list.html);
    let id = proposals["items"][0]["id"].as_str().expect("id");
    let page = helper.get(app, &format!("/matches/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("冬衣和棉被"), "{}", page.html);
}

#[tokio::test]
async fn the_visit_and_meeting_forms_name_each_bad_field_and_change_nothing() {
    let w = world().await;
    let app = &w.app;
    let cadre = LoggedIn::new(
        app,
        TestUser {
            email: w.cadre.email.clone(),
            password: w.cadre.password.clone(),
        },
    )
    .await;
    let visit = format!("/visits/new?household={}", w.household);
    let form = cadre.get(app, &visit).await;
    assert_eq!(form.status, 200);
    let answer = cadre
        .post(
            app,
            "/visits/new",
            &[
                ("household", &w.household),
                ("at", "2099-01-01"),
                ("kind", "cadre"),
                ("notes", ""),
                ("raised_category", ""),
                ("raised_title", "没选类别的需求"),
                ("raised_description", ""),
                ("raised_urgency", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        error_beside(&answer.html, "at").is_some(),
        "{}",
        answer.html
    );
    assert!(
        answer.html.contains("请选择类别") || answer.html.contains("类别"),
        "{}",
        answer.html
    );
    assert!(
        answer.html.contains("没选类别的需求"),
        "what was typed stays"
    );
    let visits = app.get_json("/api/v1/visits", &w.cadre_token).await;
    assert!(visits["items"].as_array().is_some_and(Vec::is_empty));

    // A volunteer who is not the household's helper cannot even see the form.
    let stranger = LoggedIn::new(
        app,
        TestUser {
            email: w.helper.email.clone(),
            password: w.helper.password.clone(),
        },
    )
    .await;
    assert_eq!(stranger.get(app, &visit).await.status, 404);

    // A meeting with a need row missing its household, then a good one.
    let other = household(app, &w.cadre_token, "李四", "430525101202").await;
    let answer = cadre
        .post(
            app,
            "/meetings/new",
            &[
                ("region", "430525101201"),
                ("held_on", "2026-12-01"),
                ("attendance", "18"),
                ("notes", ""),
                ("need_household", ""),
                ("need_category", "living"),
                ("need_title", "送米"),
                ("need_urgency", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.html.contains("请选择哪一户"), "{}", answer.html);
    let meetings = app.get_json("/api/v1/meetings", &w.cadre_token).await;
    assert!(meetings["items"].as_array().is_some_and(Vec::is_empty));
    let answer = cadre
        .post(
            app,
            "/meetings/new",
            &[
                ("region", "430525101000"),
                ("held_on", "2026-12-01"),
                ("attendance", "18"),
                ("notes", "第三村民小组"),
                ("need_household", &w.household),
                ("need_category", "living"),
                ("need_title", "送米"),
                ("need_urgency", "1"),
                ("need_household", &other),
                ("need_category", "care"),
                ("need_title", "陪同就医"),
                ("need_urgency", "2"),
            ],
        )
        .await;
    let page = cadre.follow(app, &answer).await;
    assert!(page.html.contains("院落会已记录"), "{}", page.html);
    assert!(page.html.contains("送米") && page.html.contains("陪同就医"));
    assert!(page.html.contains("王秀英家") && page.html.contains("等待帮扶"));
    let listed = cadre.get(app, "/meetings").await;
    assert!(listed.html.contains("提出需求 2 项"), "{}", listed.html);

    // The reports tell the standing help once there is a key household.
    assert!(
        !cadre
            .get(app, "/reports")
            .await
            .html
            .contains("户帮户亲帮亲")
    );
    let marked = app
        .post_json(
            &format!("/api/v1/households/{}/key", w.household),
            &json!({"reason": "disability"}),
            Some(&w.cadre_token),
        )
        .await;
    assert_eq!(marked.status().as_u16(), 200);
    let reports = cadre.get(app, "/reports").await;
    assert!(reports.html.contains("户帮户亲帮亲"), "{}", reports.html);
    assert!(
        reports.html.contains("0/1"),
        "none of the one key household is paired"
    );
    assert!(
        reports
            .html
            .contains("/api/v1/stats/pairings/export?format=csv")
    );
}
