//! The web pages: login with a session cookie and CSRF-protected forms.

use huzhu::domain::Role;

use crate::helpers::{TestApp, spawn_app};

fn cookie_value(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let text = v.to_str().ok()?.to_owned();
            let value = text
                .strip_prefix(&format!("{name}="))?
                .split(';')
                .next()?
                .to_owned();
            Some((value, text))
        })
}

fn hidden_csrf(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[start..].chars().take_while(|c| *c != '"').collect()
}

async fn login_with_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let form = app.get("/login").await;
    let (csrf_cookie, _) = cookie_value(&form, "huzhu_csrf").expect("a CSRF cookie");
    let csrf = hidden_csrf(&form.text().await.expect("HTML"));
    assert_eq!(csrf, csrf_cookie);
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("huzhu_csrf={csrf_cookie}"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 303);
    let (session, attributes) = cookie_value(&response, "huzhu_session").expect("a session cookie");
    assert!(attributes.contains("HttpOnly"), "{attributes}");
    assert!(attributes.contains("SameSite=Lax"), "{attributes}");
    assert!(
        !attributes.contains("Secure"),
        "plain http is not Secure: {attributes}"
    );
    session
}

#[tokio::test]
async fn a_login_form_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    assert!(cookie_value(&response, "huzhu_session").is_none());
}

#[tokio::test]
async fn a_cookie_session_needs_its_csrf_token_for_api_writes() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let session = login_with_cookie(&app, &user.email, &user.password).await;
    let cookie = format!("huzhu_session={session}");

    let home = app
        .client
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    let html = home.text().await.expect("HTML");
    assert!(html.contains("测试用户"), "the home page greets the user");
    let csrf = hidden_csrf(&html);

    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status().as_u16(), 200, "reads work with the cookie");
    let forged = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        forged.status().as_u16(),
        403,
        "a write without the CSRF header"
    );
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status().as_u16(), 204);
    let after = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(after.status().as_u16(), 401);
}

#[tokio::test]
async fn pages_speak_english_when_the_browser_asks() {
    let app = spawn_app().await;
    let zh = app.get("/login").await.text().await.expect("HTML");
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("登录"));
    let en = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("HTML");
    assert!(en.contains("lang=\"en\"") && en.contains("Log in"));
}

#[tokio::test]
async fn the_verify_link_shows_a_button_and_changes_nothing_by_itself() {
    let app = spawn_app().await;
    let page = app.get("/verify?token=abc").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("method=\"post\"") && html.contains("value=\"abc\""));
}
