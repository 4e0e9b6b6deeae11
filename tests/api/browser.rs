//! The pages in a real (headless) Chromium at a phone's size: clicking and
//! typing as a person does, with a screenshot at each step (see
//! `helpers::browser` for where they land) and no Content-Security-Policy
//! violation in the browser's console.

use huzhu::domain::Role;

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::{TestUser, spawn_app};

/// The home page's heading for visitors who are not logged in.
const WELCOME: &str = "互助：让帮扶需求找到爱心";

/// Logs in through the login form, as a person types it.
async fn log_in(browser: &mut Browser, user: &TestUser) {
    browser.goto("/login").await;
    browser.fill("邮箱", &user.email).await;
    browser.fill("密码", &user.password).await;
    browser.click("登录").await;
    browser.wait_for_text("您好，测试用户").await;
}

#[tokio::test]
async fn a_visitor_is_told_of_a_wrong_password_then_logs_in_sees_their_name_and_logs_out() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/").await;
    browser.wait_for_text(WELCOME).await;
    browser.screenshot("home-for-a-visitor").await;

    browser.click("登录").await;
    browser.wait_for("input#password").await;
    assert_eq!(browser.path().await, "/login");
    browser.screenshot("login-form").await;

    browser.fill("邮箱", &user.email).await;
    browser.fill("密码", "这不是我的密码而是猜的").await;
    browser.screenshot("wrong-password-typed").await;
    browser.click("登录").await;
    browser.wait_for_text("邮箱或密码不正确").await;
    browser.screenshot("wrong-password-refused").await;
    assert!(
        !browser.text().await.contains("您好"),
        "a wrong password logs no one in"
    );

    // The form kept the email; the person types the password again.
    browser.fill("密码", &user.password).await;
    browser.click("登录").await;
    browser.wait_for_text("您好，测试用户").await;
    assert_eq!(browser.path().await, "/");
    assert!(browser.text().await.contains("您以爱心人士身份登录"));
    browser.shots_at_both_sizes("home-logged-in").await;

    browser.click("退出").await;
    browser.wait_for_text(WELCOME).await;
    browser.screenshot("logged-out").await;
    browser.goto("/").await;
    browser.wait_for_text(WELCOME).await;
    assert!(
        !browser.text().await.contains("测试用户"),
        "the session is gone"
    );
    browser.close().await;
}

#[tokio::test]
async fn a_coordinators_reports_page_fits_a_phone_screen() {
    let app = spawn_app().await;
    let cadre = crate::needs::cadre(&app).await;
    let household = crate::needs::household(&app, &cadre, None).await;
    let household = household["id"].as_str().expect("id").to_owned();
    crate::needs::need(&app, &cadre, &household, "care", 2).await;
    crate::needs::need(&app, &cadre, &household, "medical", 3).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let mut browser = Browser::open(&app).await;

    log_in(&mut browser, &coordinator).await;
    browser.screenshot("home-of-a-coordinator").await;
    browser.click("查看统计报表").await;
    browser.wait_for_text("等待最久的需求").await;
    assert!(browser.path().await.starts_with("/reports"));
    assert!(browser.text().await.contains("调度看板"));

    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await;
    let width = width.as_u64().expect("a width in pixels");
    browser.shots_at_both_sizes("reports").await;
    assert!(
        width <= u64::from(PHONE.width),
        "the reports page is {width}px wide on a {}px phone: see {}",
        PHONE.width,
        browser.screenshots().display()
    );
    browser.close().await;
}

#[tokio::test]
async fn inline_code_is_blocked_by_the_pages_policy_and_the_browser_check_sees_it() {
    let app = spawn_app().await;
    let mut browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.wait_for("input#email").await;
    assert!(
        browser.csp_violations().await.is_empty(),
        "the login page keeps to its policy"
    );

    // What a template that grew an inline script or style would do.
    let ran = browser
        .execute(
            "const s = document.createElement('script');
             s.textContent = 'document.body.dataset.inline = \"ran\"';
             document.body.appendChild(s);
             document.querySelector('h1').setAttribute('style', 'color: red');
             return document.body.dataset.inline || null;",
        )
        .await;
    assert!(ran.is_null(), "the inline script must not run");
    browser.wait_for_console("Content Security Policy").await;
    let violations = browser.csp_violations().await;
    assert!(
        violations.iter().any(|v| v.contains("script-src")),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.contains("style")),
        "{violations:?}"
    );
    browser.forget_console();
    browser.close().await;
}
