//! The authorization table, exercised: every documented route is called by
//! every role and anonymously, and answers as `huzhu::routes::policy::RULES` says.
//! A route added without a rule fails here.

use huzhu::domain::Role;
use huzhu::routes::policy::{self, Decision};
use reqwest::Method;

use crate::helpers::{TestApp, problem, spawn_app};

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
    let doc = app.openapi().await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            let url = concrete(path);
            let actix_method =
                actix_web::http::Method::from_bytes(method.as_str().as_bytes()).expect("method");
            let Decision::Rule(allow) = policy::decide(&actix_method, &url) else {
                panic!("{method} {path} has no rule in huzhu::routes::policy::RULES");
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

/// Sets a user's stored region behind the service's back, as a bad import
/// or a hand edit of the database would.
async fn set_stored_region(app: &TestApp, email: &str, region: Option<&str>) {
    use huzhu::store::entity::user;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let changed = user::Entity::update_many()
        .col_expr(user::Column::Region, Expr::value(region.map(str::to_owned)))
        .filter(user::Column::Email.eq(email))
        .exec(&app.context.db)
        .await
        .expect("region set");
    assert_eq!(changed.rows_affected, 1);
}

#[tokio::test]
async fn staff_whose_stored_region_is_missing_or_garbage_see_nothing() {
    let app = spawn_app().await;
    let cadre = crate::needs::cadre(&app).await;
    let household = crate::needs::household(&app, &cadre, None).await;
    let household = household["id"].as_str().expect("id").to_owned();
    let need = crate::needs::need(&app, &cadre, &household, "care", 2).await;
    let need = need["id"].as_str().expect("id").to_owned();
    for role in [Role::Cadre, Role::Coordinator] {
        for stored in [None, Some("43O525"), Some("")] {
            let who = format!("{} with region {stored:?}", role.as_str());
            let lost = app.create_user(role, Some("430525101")).await;
            set_stored_region(&app, &lost.email, stored).await;
            let token = app.login(&lost).await;
            for path in [
                "/api/v1/households".to_owned(),
                format!("/api/v1/households/{household}"),
                "/api/v1/households/export".to_owned(),
                "/api/v1/needs".to_owned(),
                format!("/api/v1/needs/{need}"),
                "/api/v1/matches".to_owned(),
                "/api/v1/rounds".to_owned(),
                "/api/v1/stats/summary".to_owned(),
                "/reports".to_owned(),
            ] {
                let body = problem(app.get_with(&path, &token).await, 403).await;
                assert!(
                    body["detail"].as_str().is_some_and(|d| d.contains("地区")),
                    "{who} {path}: {body}"
                );
            }
            // Their own account still answers, so they can see what is wrong.
            let me = app.get_with("/api/v1/me", &token).await;
            assert_eq!(me.status().as_u16(), 200, "{who}");
        }
    }
}

#[tokio::test]
async fn a_coordinator_without_a_readable_region_gets_no_weekly_digest() {
    let app = spawn_app().await;
    let lost = app.create_user(Role::Coordinator, Some("430525")).await;
    set_stored_region(&app, &lost.email, None).await;
    let monday_after_a_week = 1_793_548_800_000 + 7 * 24 * 3_600_000 + 9 * 3_600_000;
    let queued = huzhu::services::schedules::run_due(&app.context, monday_after_a_week)
        .await
        .expect("runs");
    assert_eq!(queued, 0, "a digest of every region was queued");
    // The same coordinator with a region gets one: the test can fail.
    set_stored_region(&app, &lost.email, Some("430525")).await;
    let next_week = monday_after_a_week + 7 * 24 * 3_600_000;
    let queued = huzhu::services::schedules::run_due(&app.context, next_week)
        .await
        .expect("runs");
    assert_eq!(queued, 1);
}
