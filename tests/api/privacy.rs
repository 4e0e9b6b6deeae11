//! Nothing personal or secret reaches the logs.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{SmtpSink, link_token, logs};

#[tokio::test]
async fn a_whole_account_flow_leaves_no_password_token_or_phone_in_the_logs() {
    let sink = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_to(&sink).await;
    let email = "privacy-probe-5501@example.org";
    let password = "独特的密码字符串九九九";
    let phone = "13987650042";
    let body = json!({"email": email, "password": password, "name": "隐私测试", "phone": phone});
    assert_eq!(
        app.post_json("/api/v1/auth/register", &body, None)
            .await
            .status()
            .as_u16(),
        201
    );
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let token = link_token(&mails[0]);
    app.post_json("/api/v1/auth/verify", &json!({"token": token}), None)
        .await;
    let login = json!({"email": email, "password": password});
    let answer: serde_json::Value = app
        .post_json("/api/v1/auth/login", &login, None)
        .await
        .json()
        .await
        .expect("JSON");
    let bearer = answer["token"].as_str().expect("token").to_owned();
    app.get_with("/api/v1/me", &bearer).await;
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": email, "password": "wrong password!"}),
        None,
    )
    .await;

    let captured = logs::captured();
    assert!(
        captured.contains("request finished"),
        "the logs were captured"
    );
    for secret in [password, phone, token.as_str(), bearer.as_str(), email] {
        assert!(!captured.contains(secret), "{secret:?} reached the log");
    }
}
