//! The 中文 / English switch on every page: a visitor's choice is kept in a
//! cookie, carried into their account when they log in, and switched back
//! from any page; the account's emails follow it.

use huzhu::domain::Role;

use crate::helpers::browser::Browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_volunteer_switches_to_english_logs_in_in_english_and_switches_back() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let token = app.login(&user).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/").await;
    browser.wait_for_text("互助：让帮扶需求找到爱心").await;
    browser.click("English").await;
    browser.wait_for_text("huzhu: where needs meet help").await;
    browser.shots_at_both_sizes("home-in-english").await;

    browser.click("Log in").await;
    browser.wait_for("input#password").await;
    assert!(browser.text().await.contains("Forgot your password?"));
    browser.fill("Email", &user.email).await;
    browser.fill("Password", &user.password).await;
    browser.screenshot("login-in-english").await;
    browser.click("Log in").await;
    browser.wait_for_text("Hello, 测试用户").await;
    browser.shots_at_both_sizes("logged-in-in-english").await;
    let me = app.get_json("/api/v1/me", &token).await;
    assert_eq!(me["locale"], "en", "the account keeps the language picked");

    // Back to Chinese from another page: the same page, in Chinese.
    browser.click("My offers").await;
    browser.wait_for_text("English").await;
    let path = browser.path().await;
    browser.click("中文").await;
    browser.wait_for_text("我能提供").await;
    assert_eq!(browser.path().await, path, "the switch stays on the page");
    browser.shots_at_both_sizes("back-in-chinese").await;
    let me = app.get_json("/api/v1/me", &token).await;
    assert_eq!(me["locale"], "zh-CN");
    browser.close().await;
}

#[tokio::test]
async fn the_switch_goes_back_only_to_a_page_of_this_site() {
    let app = spawn_app().await;
    for (next, landing) in [
        ("%2Foffers%3Fx%3D1", "/offers?x=1"),
        ("%2F%2Fevil.example", "/"),
        ("https%3A%2F%2Fevil.example", "/"),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 303, "{next}");
        assert_eq!(response.headers()["location"], landing, "{next}");
        let cookie = response.headers()["set-cookie"].to_str().expect("text");
        assert!(cookie.starts_with("huzhu_lang=en;"), "{cookie}");
    }
    let unknown = app.get("/lang/fr").await;
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn an_api_client_with_a_token_keeps_its_accept_language_whatever_cookie_it_carries() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let token = app.login(&user).await;
    let response = app
        .client
        .get(app.url("/api/v1/needs?within_km=-1&near=27,110"))
        .bearer_auth(&token)
        .header("accept-language", "en")
        .header("cookie", "huzhu_lang=zh-CN")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(response.headers()["content-language"], "en");
}
