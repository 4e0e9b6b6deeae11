//! A cadre's day in a real browser at a phone's size: a household
//! registered by picking its village, two needs, the duplicate guard's page,
//! the village spreadsheet checked with its bad rows named, the template,
//! the fixed file imported; then a volunteer claims a need and reports
//! delivery, and the cadre follows the email's link and confirms it. The
//! reports' figures move. Screenshots at 390 × 844 and 1280 × 900.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, link_path, load_regions, mail_text};
use crate::helpers::{SmtpSink, spawn_app_mailing_to};

/// Two villages of 江口镇, the cadre's township, and one of another.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n\
    430525102201,演示毓兰村,village,430525102000,27.02,110.5\n";

const HEADER: &str = "地区,户主姓名,身份证号,电话,人口,标签,类别,标题,紧急程度";

/// The village's spreadsheet as first typed: three bad rows (a village out
/// of reach, an ID number one digit short, an unknown category) around a
/// good one.
const FIRST_TRY: [&str; 4] = [
    "演示江口一村,王秀英,11010519491231002X,13812345678,2,慢性病,医疗健康,买降压药,紧急",
    "演示毓兰村,张三,,,1,,生活物资,送米,一般",
    "演示江口二村,李四,43052519800101001,,3,,关爱陪伴,陪同就医,较急",
    "演示江口二村,赵五,,,1,,看病,买药,一般",
];

/// The same rows, fixed.
const FIXED: [&str; 3] = [
    "演示江口一村,王秀英,11010519491231002X,13812345678,2,慢性病,医疗健康,买降压药,紧急",
    "演示江口二村,李四,,,3,,关爱陪伴,陪同就医,较急",
    "演示江口二村,赵五,,,1,,医疗健康,买药,一般",
];

fn csv(rows: &[&str]) -> String {
    let mut text = HEADER.to_owned();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

/// The reports' figures of the cadre's region, as the API gives them.
async fn fulfilled(app: &crate::helpers::TestApp, token: &str) -> i64 {
    let summary: Value = app
        .get_with("/api/v1/stats/summary", token)
        .await
        .json()
        .await
        .expect("JSON");
    summary["needs_fulfilled"]
        .as_i64()
        .expect("needs_fulfilled")
}

#[tokio::test]
async fn a_cadre_registers_a_household_posts_needs_imports_the_village_sheet_and_confirms_help_arrived()
 {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    load_regions(&app, VILLAGES).await;
    let cadre = app
        .create_person(Role::Cadre, Some("430525101"), "刘干部", "13907391234")
        .await;
    let cadre = LoggedIn::new(&app, cadre).await;
    let files = tempfile::tempdir().expect("a folder for the files");
    let (first_try, fixed) = (
        files.path().join("村表.csv"),
        files.path().join("村表-改好.csv"),
    );
    std::fs::write(&first_try, csv(&FIRST_TRY)).expect("the first file");
    std::fs::write(&fixed, csv(&FIXED)).expect("the fixed file");
    let mut browser = Browser::open(&app).await;

    // Logged in, the cadre's home is their work list.
    browser.goto("/login").await;
    browser
        .log_in(&cadre.user.email, &cadre.user.password)
        .await;
    browser.wait_for_text("工作清单").await;
    assert_eq!(browser.path().await, "/work");
    browser.shots_at_both_sizes("work-list-empty").await;

    // A household, by picking its village.
    browser.click("困难户").await;
    browser.click("登记一户").await;
    browser.wait_for("input#f-head_name").await;
    browser.fill("户主姓名", "王大山").await;
    browser.fill("家庭人口", "4").await;
    browser.fill("联系电话（选填）", "13907390001").await;
    browser.click("input[value='elderly_alone']").await;
    browser.choose("村", "演示江口二村").await;
    browser.shots_at_both_sizes("household-form").await;
    browser.click("登记").await;
    browser.wait_for_text("已登记这一户").await;
    let household = browser.path().await;
    assert!(household.starts_with("/households/"), "{household}");

    // Two needs, then a third of a category already open.
    for (category, title, urgency) in [
        ("关爱陪伴", "帮忙照看独居老人", "紧急"),
        ("医疗健康", "陪同去县医院复查", "较急"),
    ] {
        browser.click("为这户发布需求").await;
        browser.wait_for("select#f-category").await;
        browser.choose("类别", category).await;
        browser.fill("标题", title).await;
        browser.fill("说明（选填）", "每周两次").await;
        browser
            .click(&format!(
                "input[name='urgency'][value='{}']",
                ["一般", "较急", "紧急"]
                    .iter()
                    .position(|w| *w == urgency)
                    .expect("a word")
                    + 1
            ))
            .await;
        browser.click("发布").await;
        browser.wait_for_text("需求已发布").await;
    }
    browser
        .shots_at_both_sizes("household-with-two-needs")
        .await;
    browser.click("为这户发布需求").await;
    browser.choose("类别", "关爱陪伴").await;
    browser.fill("标题", "再派一位来陪老人").await;
    browser.click("发布").await;
    browser.wait_for_text("查看已有的需求").await;
    browser.shots_at_both_sizes("duplicate-guard").await;
    browser.click("查看已有的需求").await;
    browser.wait_for_text("帮忙照看独居老人").await;
    let care_need = browser.path().await;
    assert!(care_need.starts_with("/needs/"), "{care_need}");

    // The village's spreadsheet: the bad rows named by row and header.
    browser.click("导入表格").await;
    browser.wait_for_text("导入村里的表格").await;
    let template = cadre.get(&app, "/households/template.xlsx").await;
    assert_eq!(template.status, 200, "the template downloads");
    browser
        .attach("表格文件（.xlsx 或 .csv）", &first_try)
        .await;
    browser.click("检查文件").await;
    browser.wait_for_text("文件有问题，没有导入").await;
    let shown = browser.text().await;
    for seen in [
        "3 行有问题",
        "地区",
        "演示毓兰村",
        "身份证号",
        "43052519800101001",
        "类别",
        "看病",
    ] {
        assert!(shown.contains(seen), "{seen} in {shown}");
    }
    browser.shots_at_both_sizes("spreadsheet-bad-rows").await;
    browser.attach("表格文件（.xlsx 或 .csv）", &fixed).await;
    browser.click("检查文件").await;
    browser.wait_for_text("检查通过").await;
    browser.click("导入 3 户、3 个需求").await;
    browser.wait_for_text("导入了 3 户、3 个需求").await;
    browser.shots_at_both_sizes("imported").await;

    // A volunteer claims the care need and reports delivery (through the API).
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let token = app.login(&volunteer).await;
    let offer = json!({"categories": ["care"], "lat": 27.12, "lon": 110.57,
        "radius_km": 10, "remote": false, "capacity": 1});
    let offer: Value = app
        .post_json("/api/v1/offers", &offer, Some(&token))
        .await
        .json()
        .await
        .expect("JSON");
    let need_id = care_need.trim_start_matches("/needs/");
    let claimed = app
        .post_json(
            &format!("/api/v1/needs/{need_id}/claim"),
            &json!({"offer_id": offer["id"]}),
            Some(&token),
        )
        .await;
    assert_eq!(claimed.status().as_u16(), 201);
    let m: Value = claimed.json().await.expect("JSON");
    let delivered = app
        .post_json(
            &format!(
                "/api/v1/matches/{}/delivered",
                m["id"].as_str().expect("id")
            ),
            &json!({"note": "送去了一周的饭菜，老人身体还好"}),
            Some(&token),
        )
        .await;
    assert_eq!(delivered.status().as_u16(), 200);
    let before = fulfilled(&app, &cadre.token).await;

    // The delivered email's link, then two taps.
    let mut latest = String::new();
    for n in 1..=3 {
        let text = mail_text(&sink, &cadre.user.email, n).await;
        if text.contains("/matches/") && (text.contains("送达") || text.contains("deliver")) {
            latest = text;
            break;
        }
    }
    assert!(!latest.is_empty(), "the cadre is emailed of the delivery");
    let link = link_path(&app, &latest, "/matches/");
    browser.goto(&link).await;
    browser.wait_for_text("送去了一周的饭菜").await;
    browser.shots_at_both_sizes("match-to-confirm").await;
    browser
        .fill("核实情况（可不填）", "电话问过老人，饭菜已收到")
        .await;
    browser.click("确认已送达").await;
    browser.wait_for_text("这次帮扶完成了").await;
    browser.shots_at_both_sizes("confirmed").await;
    assert_eq!(fulfilled(&app, &cadre.token).await, before + 1);

    browser.click("统计报表").await;
    browser.wait_for_text("统计报表").await;
    browser.shots_at_both_sizes("reports").await;
    browser.close().await;
}
