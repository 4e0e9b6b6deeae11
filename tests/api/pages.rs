//! The web pages: login with a session cookie and CSRF-protected forms.

use huzhu::domain::Role;

use crate::helpers::pages::{get_page, hidden_csrf, login_with_cookie, set_cookie, unescape};
use crate::helpers::spawn_app;

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
    assert!(set_cookie(&response, "huzhu_session").is_none());
}

#[tokio::test]
async fn a_cookie_session_needs_its_csrf_token_for_api_writes() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Volunteer, None).await;
    let session = login_with_cookie(&app, &user.email, &user.password).await;
    let cookie = format!("huzhu_session={session}");

    let html = get_page(&app, &cookie, "/").await.html;
    assert!(html.contains("测试用户"), "the home page greets the user");
    let csrf = hidden_csrf(&html);

    let me = get_page(&app, &cookie, "/api/v1/me").await;
    assert_eq!(me.status, 200, "reads work with the cookie");
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
    let after = get_page(&app, &cookie, "/api/v1/me").await;
    assert_eq!(after.status, 401);
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

#[tokio::test]
async fn a_wrong_password_on_the_login_page_answers_with_the_page_and_its_reason() {
    let app = spawn_app().await;
    let form = app.get("/login").await;
    let (csrf_cookie, _) = set_cookie(&form, "huzhu_csrf").expect("a CSRF cookie");
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("huzhu_csrf={csrf_cookie}"))
        .form(&[
            ("email", "nobody@example.org"),
            ("password", "wrong password"),
            ("csrf_token", csrf_cookie.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .expect("HTML")
            .contains("邮箱或密码不正确")
    );
}

#[tokio::test]
async fn the_set_password_page_sets_a_password_from_an_invitation_link() {
    use crate::helpers::{GOOD_PASSWORD, SmtpSink, link_token};
    let sink = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_to(&sink).await;
    let admin = app.create_user(Role::Admin, None).await;
    let token = app.login(&admin).await;
    let invite = serde_json::json!({"email": "page@example.org", "name": "页面", "role": "coordinator", "region": "430525"});
    assert_eq!(
        app.post_json("/api/v1/users", &invite, Some(&token))
            .await
            .status()
            .as_u16(),
        201
    );
    let mails = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let link = link_token(&mails[0]);

    let page = app.get(&format!("/password?token={link}")).await;
    let (csrf_cookie, _) = set_cookie(&page, "huzhu_csrf").expect("a CSRF cookie");
    let html = page.text().await.expect("HTML");
    let csrf = hidden_csrf(&html);
    let post = |password: &'static str| {
        let request = app
            .client
            .post(app.url("/password"))
            .header("cookie", format!("huzhu_csrf={csrf_cookie}"))
            .form(&[
                ("token", link.as_str()),
                ("csrf_token", csrf.as_str()),
                ("password", password),
            ]);
        async move { request.send().await.expect("sent") }
    };
    let weak = post("short").await;
    assert_eq!(weak.status().as_u16(), 422);
    assert!(
        weak.text()
            .await
            .expect("HTML")
            .contains("密码至少 10 个字符")
    );
    let done = post(GOOD_PASSWORD).await;
    assert_eq!(done.status().as_u16(), 200);
    let login = serde_json::json!({"email": "page@example.org", "password": GOOD_PASSWORD});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &login, None)
            .await
            .status()
            .as_u16(),
        200
    );
}

/// Checks the security headers every answer carries, and returns the page's
/// HTML when it is one.
async fn secured(response: reqwest::Response, what: &str) -> Option<String> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    let csp = header("content-security-policy").unwrap_or_default();
    let html = header("content-type").is_some_and(|t| t.starts_with("text/html"));
    if !html {
        return None;
    }
    let expected = if what.starts_with("GET /docs") {
        huzhu::web::headers::DOCS_POLICY
    } else {
        huzhu::web::headers::PAGE_POLICY
    };
    assert_eq!(csp, expected, "{what}");
    for directive in [
        "frame-ancestors 'none'",
        "script-src 'self'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    Some(response.text().await.expect("HTML"))
}

#[tokio::test]
async fn every_page_and_answer_carries_the_security_headers_and_pages_need_no_inline_code() {
    let app = spawn_app().await;
    let cadre = crate::needs::cadre(&app).await;
    let household = crate::needs::household(&app, &cadre, None).await;
    let household = household["id"].as_str().expect("id").to_owned();
    crate::needs::need(&app, &cadre, &household, "care", 2).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let session = login_with_cookie(&app, &coordinator.email, &coordinator.password).await;
    let cookie = format!("huzhu_session={session}");
    // (method, path, cookie, whether the answer is a page: None for
    // refusals whose body type is not the point here)
    let answers = [
        ("GET", "/", None, Some(true)),
        ("GET", "/", Some(&cookie), Some(true)),
        ("GET", "/login", None, Some(true)),
        ("POST", "/login", None, None),
        ("GET", "/verify?token=0000", None, Some(true)),
        ("GET", "/password?token=0000", None, Some(true)),
        ("GET", "/m/0000/accept", None, Some(true)),
        ("POST", "/m/0000/accept", None, None),
        ("GET", "/reports", None, Some(false)),
        ("GET", "/reports", Some(&cookie), Some(true)),
        (
            "GET",
            "/reports?region=430525101",
            Some(&cookie),
            Some(true),
        ),
        ("GET", "/docs/", None, Some(true)),
        ("GET", "/docs/swagger-ui-bundle.js", None, Some(false)),
        ("GET", "/api/v1/regions", None, Some(false)),
        ("GET", "/api/v1/households", None, Some(false)),
        ("GET", "/no/such/page", None, Some(false)),
    ];
    let mut stylesheets = Vec::new();
    for (method, path, cookie, page) in answers {
        let what = format!("{method} {path}");
        let mut request = app
            .client
            .request(method.parse().expect("method"), app.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie.as_str());
        }
        if method == "POST" {
            request = request.form(&[("csrf_token", "x")]);
        }
        let response = request.send().await.expect("sent");
        let html = secured(response, &what).await;
        if let Some(page) = page {
            assert_eq!(html.is_some(), page, "{what} is a page");
        }
        let Some(html) = html else {
            continue;
        };
        if path.starts_with("/docs") {
            continue;
        }
        // What the policy refuses would silently break the page.
        for inline in ["style=", "<style", "javascript:"] {
            assert!(!html.contains(inline), "{what} has {inline}: {html}");
        }
        // Scripts only as files of our own.
        for (at, _) in html.match_indices("<script") {
            let tag: String = html[at..].chars().take_while(|c| *c != '>').collect();
            assert!(
                tag.contains(" src=\"/assets/") || tag.contains(" src=\"&#x2f;assets&#x2f;"),
                "{what} has an inline script: {tag}"
            );
        }
        let start = html
            .find("<link rel=\"stylesheet\" href=\"")
            .unwrap_or_else(|| panic!("{what} links no stylesheet"))
            + 29;
        let href: String = html[start..].chars().take_while(|c| *c != '"').collect();
        stylesheets.push(unescape(&href));
    }
    assert!(stylesheets.len() >= 8, "{stylesheets:?}");
    stylesheets.dedup();
    assert_eq!(stylesheets.len(), 1, "{stylesheets:?}");
    let css = app.get(&stylesheets[0]).await;
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(
        css.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
    secured(css, "the stylesheet").await;
    assert_eq!(
        app.get("/assets/huzhu.0000000000000000.css")
            .await
            .status()
            .as_u16(),
        404
    );
}
