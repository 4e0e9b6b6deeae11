//! The authorization table, exercised: every documented route is called by
//! every role and anonymously, and answers as `huzhu::policy::RULES` says.
//! A route added without a rule fails here.

use huzhu::domain::Role;
use huzhu::policy::{self, Decision};
use reqwest::Method;

use crate::helpers::spawn_app;

fn concrete(path: &str) -> String {
    path.replace("{code}", "430525000000")
        .replace("{id}", "0190d1c4-0000-7000-8000-000000000000")
        .replace("{token}", "0000")
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_policy_says() {
    let app = spawn_app().await;
    let users = [
        (
            Some(Role::Volunteer),
            Some(app.create_user(Role::Volunteer, None).await),
        ),
        (
            Some(Role::Cadre),
            Some(app.create_user(Role::Cadre, Some("430525101")).await),
        ),
        (
            Some(Role::Coordinator),
            Some(app.create_user(Role::Coordinator, Some("430525")).await),
        ),
        (
            Some(Role::Admin),
            Some(app.create_user(Role::Admin, None).await),
        ),
        (None, None),
    ];
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            let url = concrete(path);
            let actix_method =
                actix_web::http::Method::from_bytes(method.as_str().as_bytes()).expect("method");
            let Decision::Rule(allow) = policy::decide(&actix_method, &url) else {
                panic!("{method} {path} has no rule in huzhu::policy::RULES");
            };
            for (role, user) in &users {
                let mut request = app.client.request(method.clone(), app.url(&url));
                if let Some(user) = user {
                    // A fresh session each time: logout would end a shared one.
                    request = request.bearer_auth(app.login(user).await);
                }
                if method != Method::GET {
                    request = request.json(&serde_json::json!({}));
                }
                let status = request.send().await.expect("sent").status().as_u16();
                let who = role.map_or("anonymous", |r| r.as_str());
                if allow.permits(*role) {
                    assert!(
                        status != 401 && status != 403,
                        "{who} {method} {path}: {status}, policy allows"
                    );
                } else {
                    let expected = if role.is_some() { 403 } else { 401 };
                    assert_eq!(status, expected, "{who} {method} {path}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 5 * 12, "only {checked} calls");
}
