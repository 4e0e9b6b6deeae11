//! Who may use the cadre's need pages: another township's household and
//! need are not found, volunteers are refused (and keep their own need
//! page), visitors are sent to log in, and forms without the session's
//! token change nothing.

use huzhu::domain::Role;
use serde_json::json;

use super::{HEAD_NAME, cadre, household, household_in, need_json, needs_of, post_need};
use crate::helpers::pages::{LoggedIn, Page, id};
use crate::helpers::spawn_app;

#[tokio::test]
async fn another_townships_household_and_need_are_not_found_on_every_page_and_button() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let other = app.create_user(Role::Cadre, Some("430525102")).await;
    let other = app.login(&other).await;
    let h = household_in(&app, &other, "430525102000").await;
    let body = json!({"household_id": h, "category": "care", "title": "陪老人聊天", "urgency": 1});
    let need = app.post_json("/api/v1/needs", &body, Some(&other)).await;
    let need = id(&need.json().await.expect("JSON"));

    for path in [
        format!("/households/{h}"),
        format!("/households/{h}/needs/new"),
        format!("/needs/{need}"),
        format!("/needs/{need}/edit"),
    ] {
        let page = c.get(&app, &path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.html.contains(HEAD_NAME), "{path}");
    }
    let posted = post_need(&app, &c, &h, ("medical", "买药", "1")).await;
    assert_eq!(posted.status, 404);
    let fields = [("category", "care"), ("title", "改了"), ("urgency", "1")];
    let edited = c.post(&app, &format!("/needs/{need}/edit"), &fields).await;
    assert_eq!(edited.status, 404);
    let cancelled = c
        .post(&app, &format!("/needs/{need}/cancel"), &[("reason", "x")])
        .await;
    assert_eq!(cancelled.status, 404);
    let stored = need_json(&app, &other, &need).await;
    assert_eq!(
        (stored["title"].as_str(), stored["status"].as_str()),
        (Some("陪老人聊天"), Some("open"))
    );
    let listed = app.get_json("/api/v1/needs?region=430525102", &other).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "none posted"
    );
}

#[tokio::test]
async fn volunteers_are_refused_and_visitors_sent_to_log_in() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "1")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let v = LoggedIn::new(&app, volunteer).await;

    for path in [
        format!("/households/{h}"),
        format!("/households/{h}/needs/new"),
        format!("/needs/{need}/edit"),
    ] {
        let page = v.get(&app, &path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(!page.html.contains(HEAD_NAME), "{path}");
    }
    let theirs = v.get(&app, &format!("/needs/{need}")).await;
    assert_eq!(theirs.status, 200, "a volunteer keeps their own need page");
    assert!(theirs.html.contains("认领") && !theirs.html.contains(HEAD_NAME));
    let cancelled = v
        .post(&app, &format!("/needs/{need}/cancel"), &[("reason", "x")])
        .await;
    assert_eq!(cancelled.status, 403);
    assert_eq!(need_json(&app, &c.token, &need).await["status"], "open");

    let visitor = Page::read(app.get(&format!("/households/{h}")).await).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.location.as_deref(),
        Some(format!("/login?next=%2Fhouseholds%2F{h}").as_str())
    );
    let response = app
        .client
        .post(app.url(&format!("/needs/{need}/cancel")))
        .form(&[("reason", "x"), ("csrf_token", "x")])
        .send()
        .await
        .expect("sent");
    let visitor = Page::read(response).await;
    visitor.assert_redirects_to("/login");
}

#[tokio::test]
async fn forms_without_the_sessions_token_change_nothing() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "1")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);
    let forged = "0".repeat(64);

    let posted = c
        .post(
            &app,
            &format!("/households/{h}/needs/new"),
            &[
                ("category", "medical"),
                ("title", "买药"),
                ("urgency", "1"),
                ("csrf_token", &forged),
            ],
        )
        .await;
    assert_eq!(posted.status, 403);
    assert!(posted.html.contains("页面已过期") && posted.html.contains("value=\"买药\""));
    let edited = c
        .post(
            &app,
            &format!("/needs/{need}/edit"),
            &[
                ("category", "care"),
                ("title", "改了"),
                ("urgency", "1"),
                ("csrf_token", &forged),
            ],
        )
        .await;
    assert_eq!(edited.status, 403);
    let cancelled = c
        .post(
            &app,
            &format!("/needs/{need}/cancel"),
            &[("reason", "搬走了"), ("csrf_token", &forged)],
        )
        .await;
    assert_eq!(cancelled.status, 403);

    let stored = need_json(&app, &c.token, &need).await;
    assert_eq!(
        (stored["title"].as_str(), stored["status"].as_str()),
        (Some("陪老人聊天"), Some("open"))
    );
    assert_eq!(needs_of(&app, &c.token, &h).await.len(), 1);
}
