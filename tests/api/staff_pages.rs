//! The admin's pages in a real browser: a cadre invited (the invitation
//! arrives in the SMTP sink), moved to another village, deactivated after a
//! confirm step — their session ends and their login is refused (a step of
//! `coordinator_journey`, on the demo county); then the county's village
//! list previewed with a bad line named, fixed, previewed and applied. Screenshots at 390 × 844 and 1280 × 900; no page wider
//! than the phone.

use std::time::Duration;

use huzhu::domain::Role;
use serde_json::json;

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::pages::load_regions;
use crate::helpers::{
    GOOD_PASSWORD, SmtpSink, TestApp, TestUser, link_token, problem, spawn_app_mailing_to,
};

/// Two villages of 江口镇.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n";

pub async fn fits_a_phone(browser: &Browser, page: &str) {
    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(
        width.as_u64().is_some_and(|w| w <= u64::from(PHONE.width)),
        "{page} is {width}px wide on a phone"
    );
}

/// The admin's part of the coordinators' journey (`coordinator_journey`),
/// on the demo county: `admin` logs in, invites a cadre to village
/// `first` (the invitation arrives in `sink`), moves them to `second`,
/// deactivates them, and their login is refused. Villages are given as
/// (name, code).
pub async fn invite_move_and_deactivate_a_cadre(
    app: &TestApp,
    sink: &SmtpSink,
    browser: &mut Browser,
    admin: &TestUser,
    [(first, _), (second, second_code)]: [(&str, &str); 2],
) {
    browser.goto("/login").await;
    browser.log_in(&admin.email, &admin.password).await;
    browser.wait_for_text("您好").await;
    browser.click("人员").await;
    browser.wait_for_text("工作人员账号").await;

    browser.click("邀请工作人员").await;
    browser.fill("姓名", "刘新干部").await;
    browser.fill("邮箱", "liu.cadre@example.org").await;
    browser.choose("角色", "帮扶干部").await;
    browser.choose("负责的地区", first).await;
    browser.shots_at_both_sizes("staff-invite").await;
    browser.click("发送邀请").await;
    browser.wait_for_text("已发出邀请邮件").await;
    let member = browser.path().await;
    assert!(member.starts_with("/staff/"), "{member}");
    assert!(browser.text().await.contains(first));
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let invitation = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t == "liu.cadre@example.org"))
        .expect("the invitation");
    let token = link_token(invitation);

    // The cadre sets a password from the invitation and is at work.
    let set = json!({"token": token, "password": GOOD_PASSWORD});
    let answer = app.post_json("/api/v1/auth/password", &set, None).await;
    assert_eq!(answer.status().as_u16(), 204);
    let login = json!({"email": "liu.cadre@example.org", "password": GOOD_PASSWORD});
    let session: serde_json::Value = app
        .post_json("/api/v1/auth/login", &login, None)
        .await
        .json()
        .await
        .expect("JSON");
    let session = session["token"].as_str().expect("token").to_owned();

    browser.goto("/staff").await;
    browser.wait_for_text("刘新干部").await;
    fits_a_phone(browser, "/staff").await;
    browser.shots_at_both_sizes("staff-list").await;
    browser.click("刘新干部").await;
    browser.choose("负责的地区", second).await;
    browser.click("保存修改").await;
    browser.wait_for_text("账号已修改").await;
    assert!(browser.text().await.contains(second));
    let me: serde_json::Value = app.get_json("/api/v1/me", &session).await;
    assert_eq!(me["region"], second_code);
    fits_a_phone(browser, "a member's page").await;
    browser.shots_at_both_sizes("staff-member").await;

    browser.click("停用这个账号…").await;
    browser.wait_for_text("确认停用").await;
    browser
        .shots_at_both_sizes("staff-deactivate-confirm")
        .await;
    browser.click("确认停用").await;
    browser.wait_for_text("账号已停用").await;
    browser.shots_at_both_sizes("staff-deactivated").await;
    problem(app.get_with("/api/v1/me", &session).await, 401).await;

    // Their login is refused on the page, as a wrong password is.
    browser.click("退出").await;
    // The logout's redirect lands first, so it can't overtake /login.
    browser.wait_for_text("您已退出登录").await;
    browser.goto("/login").await;
    browser.log_in("liu.cadre@example.org", GOOD_PASSWORD).await;
    browser.wait_for_text("邮箱或密码不正确").await;
    browser
        .shots_at_both_sizes("deactivated-login-refused")
        .await;
}

#[tokio::test]
async fn an_admin_previews_a_village_list_sees_its_bad_line_then_applies_the_fixed_one() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let admin = app.create_user(Role::Admin, None).await;
    let files = tempfile::tempdir().expect("a folder for the files");
    let (bad, good) = (
        files.path().join("villages-bad.csv"),
        files.path().join("villages.csv"),
    );
    std::fs::write(
        &bad,
        "code,name,level,parent_code\n\
         430525101201,江口一村,village,430525101000\n\
         4305251012,坏编码村,village,430525101000\n",
    )
    .expect("the bad file");
    std::fs::write(
        &good,
        "code,name,level,parent_code,lat,lon\n\
         430525101000,江口镇,township,430525000000\n\
         430525101201,江口一村,village,430525101000,27.1,110.55\n\
         430525101202,江口二村,village,430525101000,27.12,110.57\n\
         430525102201,毓兰村,village,430525102000,27.02,110.5\n",
    )
    .expect("the good file");

    let mut browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in(&admin.email, &admin.password).await;
    browser.click("村庄").await;
    browser.wait_for_text("村庄名单").await;
    browser.attach("村庄名单（.csv）", &bad).await;
    browser.click("预览文件").await;
    browser.wait_for_text("文件有问题，没有写入").await;
    let text = browser.text().await;
    assert!(text.contains('3'), "the bad line's number: {text}");
    fits_a_phone(&browser, "the villages' bad lines").await;
    browser.shots_at_both_sizes("villages-bad-line").await;

    browser.attach("村庄名单（.csv）", &good).await;
    browser.click("预览文件").await;
    browser.wait_for_text("预览：还没有写入").await;
    let text = browser.text().await;
    assert!(text.contains("新增 3 个，修改 0 个，不变 1 个"), "{text}");
    browser.shots_at_both_sizes("villages-preview").await;
    let before = huzhu::store::regions::tree(&app.context.db)
        .await
        .expect("regions")
        .len();
    browser.click("应用这份名单").await;
    browser.wait_for_text("村庄名单已更新").await;
    let after = huzhu::store::regions::tree(&app.context.db)
        .await
        .expect("regions")
        .len();
    assert_eq!(after, before + 3);
    let text = browser.text().await;
    assert!(text.contains("江口镇") && text.contains("2"), "{text}");
    fits_a_phone(&browser, "the village tree").await;
    browser.shots_at_both_sizes("villages-applied").await;
    browser.close().await;
}

#[tokio::test]
async fn a_coordinator_manages_the_cadres_of_their_region_and_others_are_refused_the_pages() {
    use crate::helpers::pages::LoggedIn;
    let app = crate::helpers::spawn_app().await;
    load_regions(&app, VILLAGES).await;
    app.create_person(Role::Cadre, Some("430525101201"), "江口干部", "13907390001")
        .await;
    app.create_person(Role::Cadre, Some("430525102"), "毓兰干部", "13907390002")
        .await;
    let coordinator = app
        .create_person(
            Role::Coordinator,
            Some("430525101"),
            "江口协调员",
            "13907390003",
        )
        .await;
    let coordinator = LoggedIn::new(&app, coordinator).await;
    let page = coordinator.get(&app, "/staff").await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("江口干部"), "{}", page.html);
    assert!(!page.html.contains("毓兰干部"));
    assert!(
        !page.html.contains(">江口协调员</a>"),
        "only cadres are listed"
    );
    let invite = coordinator.get(&app, "/staff/new").await;
    assert!(invite.html.contains("帮扶干部") && !invite.html.contains(">管理员<"));
    assert_eq!(coordinator.get(&app, "/villages").await.status, 403);

    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let cadre = LoggedIn::new(&app, cadre).await;
    for path in ["/staff", "/staff/new", "/villages"] {
        assert_eq!(cadre.get(&app, path).await.status, 403, "{path}");
    }
}
