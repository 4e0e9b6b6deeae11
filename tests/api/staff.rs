//! `GET /users` and `PATCH /users/{id}`: the accounts admins manage and
//! coordinators manage for their cadres — paging, filters, scope, refusals
//! as problems naming the field, self-protection, and deactivation, which
//! refuses the login like a wrong password and ends the sessions at once.

use huzhu::domain::{AuditAction, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{
    SmtpSink, TestApp, TestUser, link_token, problem, spawn_app, spawn_app_mailing_to,
};

const JIANGKOU: &str = "430525101";
const YULAN: &str = "430525102";

async fn patch(app: &TestApp, path: &str, body: Value, token: &str) -> reqwest::Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

/// The id of the account with this email, as the admin's list shows it.
async fn id_of(app: &TestApp, admin: &str, user: &TestUser) -> String {
    let name = user.email.split('@').next().expect("local part");
    let page = app
        .get_json(&format!("/api/v1/users?name={name}"), admin)
        .await;
    page["items"][0]["id"].as_str().expect("found").to_owned()
}

fn emails(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().expect("email").to_owned())
        .collect()
}

#[tokio::test]
async fn an_admin_lists_accounts_by_role_region_and_name_page_by_page() {
    let app = spawn_app().await;
    let admin_user = app.create_user(Role::Admin, None).await;
    let admin = app.login(&admin_user).await;
    let mut cadres = Vec::new();
    for region in [JIANGKOU, JIANGKOU, YULAN] {
        cadres.push(app.create_user(Role::Cadre, Some(region)).await);
    }
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    app.create_user(Role::Volunteer, None).await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/users?role=cadre&limit=2".to_owned();
    loop {
        let page = app.get_json(&path, &admin).await;
        assert!(page["items"].as_array().expect("items").len() <= 2);
        seen.extend(emails(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?role=cadre&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = cadres.iter().map(|c| c.email.clone()).collect();
    assert_eq!(seen, expected, "every cadre once, in the order they came");

    let jiangkou = app
        .get_json(&format!("/api/v1/users?region={JIANGKOU}"), &admin)
        .await;
    assert_eq!(emails(&jiangkou), expected[..2].to_vec());
    let everyone = app.get_json("/api/v1/users", &admin).await;
    assert_eq!(everyone["items"].as_array().expect("items").len(), 6);
    let local = coordinator.email.split('@').next().expect("local part");
    let by_name = app
        .get_json(
            &format!("/api/v1/users?name={}", local.to_uppercase()),
            &admin,
        )
        .await;
    assert_eq!(emails(&by_name), vec![coordinator.email.clone()]);
    assert_eq!(by_name["items"][0]["active"], true);
    assert_eq!(by_name["items"][0]["region"], "430525");
}

#[tokio::test]
async fn a_coordinator_sees_and_changes_only_the_cadres_of_their_region() {
    let app = spawn_app().await;
    let admin = app.login(&app.create_user(Role::Admin, None).await).await;
    let coordinator_user = app.create_user(Role::Coordinator, Some(JIANGKOU)).await;
    let coordinator = app.login(&coordinator_user).await;
    let mine = app.create_user(Role::Cadre, Some(JIANGKOU)).await;
    let other = app.create_user(Role::Cadre, Some(YULAN)).await;

    let page = app.get_json("/api/v1/users", &coordinator).await;
    assert_eq!(emails(&page), vec![mine.email.clone()]);
    let admins = app.get_json("/api/v1/users?role=admin", &coordinator).await;
    assert_eq!(emails(&admins), Vec::<String>::new());

    let other_id = id_of(&app, &admin, &other).await;
    let path = format!("/api/v1/users/{other_id}");
    problem(
        patch(&app, &path, json!({"name": "改名"}), &coordinator).await,
        404,
    )
    .await;
    let mine_id = id_of(&app, &admin, &mine).await;
    let path = format!("/api/v1/users/{mine_id}");
    let promote = json!({"role": "coordinator"});
    problem(patch(&app, &path, promote, &coordinator).await, 403).await;
    let outside = json!({"region": YULAN});
    let refused = problem(patch(&app, &path, outside, &coordinator).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "region");

    let village = json!({"region": "430525101", "name": "新名字"});
    let response = patch(&app, &path, village, &coordinator).await;
    assert_eq!(response.status().as_u16(), 200);
    let changed: Value = response.json().await.expect("JSON");
    assert_eq!(changed["name"], "新名字");
    assert_eq!(changed["role"], "cadre");
}

#[tokio::test]
async fn bad_filters_and_changes_are_problems_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.login(&app.create_user(Role::Admin, None).await).await;
    let cadre = app.create_user(Role::Cadre, Some(JIANGKOU)).await;
    let id = id_of(&app, &admin, &cadre).await;
    let cases = [
        ("/api/v1/users?role=boss", "role"),
        ("/api/v1/users?region=43x", "region"),
        ("/api/v1/users?limit=0", "limit"),
        ("/api/v1/users?cursor=nope", "cursor"),
    ];
    for (path, field) in cases {
        let body = problem(app.get_with(path, &admin).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{path}");
    }
    let path = format!("/api/v1/users/{id}");
    let changes = [
        (json!({"phone": "12345"}), "phone"),
        (json!({"name": ""}), "name"),
        (json!({"role": "boss"}), "role"),
        (json!({"region": "430525999"}), "region"),
        (json!({"role": "volunteer"}), "role"),
    ];
    for (change, field) in changes {
        let body = problem(patch(&app, &path, change.clone(), &admin).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{change}");
    }
    problem(
        patch(&app, &path, json!({"active": "no"}), &admin).await,
        422,
    )
    .await;
    let missing = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    problem(
        patch(&app, &missing, json!({"active": false}), &admin).await,
        404,
    )
    .await;
    let unchanged = app
        .get_json(&format!("/api/v1/users?region={JIANGKOU}"), &admin)
        .await;
    assert_eq!(unchanged["items"][0]["name"], "测试用户");
    assert_eq!(unchanged["items"][0]["region"], JIANGKOU);
    assert_eq!(unchanged["items"][0]["active"], true);
}

#[tokio::test]
async fn an_admin_cannot_deactivate_or_demote_themselves_but_another_admin() {
    let app = spawn_app().await;
    let me_user = app.create_user(Role::Admin, None).await;
    let me = app.login(&me_user).await;
    let my_id = id_of(&app, &me, &me_user).await;
    let path = format!("/api/v1/users/{my_id}");
    let body = problem(patch(&app, &path, json!({"active": false}), &me).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "active");
    let demote = json!({"role": "coordinator", "region": "430525"});
    let body = problem(patch(&app, &path, demote.clone(), &me).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "role");
    assert_eq!(app.get_with("/api/v1/me", &me).await.status().as_u16(), 200);

    let other = app.create_user(Role::Admin, None).await;
    let other_id = id_of(&app, &me, &other).await;
    let response = patch(&app, &format!("/api/v1/users/{other_id}"), demote, &me).await;
    assert_eq!(response.status().as_u16(), 200);
    let demoted: Value = response.json().await.expect("JSON");
    assert_eq!(demoted["role"], "coordinator");
    assert_eq!(demoted["region"], "430525");
}

#[tokio::test]
async fn a_deactivated_account_is_refused_like_a_wrong_password_and_its_sessions_end() {
    let app = spawn_app().await;
    let admin = app.login(&app.create_user(Role::Admin, None).await).await;
    let cadre = app.create_user(Role::Cadre, Some(JIANGKOU)).await;
    let session = app.login(&cadre).await;
    let id = id_of(&app, &admin, &cadre).await;
    let path = format!("/api/v1/users/{id}");

    let response = patch(&app, &path, json!({"active": false}), &admin).await;
    assert_eq!(response.status().as_u16(), 200);
    let view: Value = response.json().await.expect("JSON");
    assert_eq!(view["active"], false);
    problem(app.get_with("/api/v1/me", &session).await, 401).await;
    let login = json!({"email": cadre.email, "password": cadre.password});
    let refused = problem(app.post_json("/api/v1/auth/login", &login, None).await, 401).await;
    let wrong = json!({"email": cadre.email, "password": "not the password at all"});
    let wrong = problem(app.post_json("/api/v1/auth/login", &wrong, None).await, 401).await;
    assert_eq!(refused, wrong, "no hint that the account exists");

    let audits = huzhu::store::entity::audit_log::Entity::find()
        .filter(huzhu::store::entity::audit_log::Column::SubjectId.eq(id.clone()))
        .all(&app.context.db)
        .await
        .expect("audit rows");
    let actions: Vec<AuditAction> = audits.iter().map(|a| a.action).collect();
    assert_eq!(actions, vec![AuditAction::Deactivate]);

    let response = patch(&app, &path, json!({"active": true}), &admin).await;
    assert_eq!(response.status().as_u16(), 200);
    app.login(&cadre).await;
}

#[tokio::test]
async fn deactivating_an_invited_account_spends_its_invitation() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let admin = app.login(&app.create_user(Role::Admin, None).await).await;
    let invite = json!({"email": "new.cadre@example.org", "name": "新干部", "role": "cadre", "region": JIANGKOU});
    let response = app.post_json("/api/v1/users", &invite, Some(&admin)).await;
    assert_eq!(response.status().as_u16(), 201);
    let user: Value = response.json().await.expect("JSON");
    let mails = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    let token = link_token(&mails[0]);

    let path = format!("/api/v1/users/{}", user["id"].as_str().expect("id"));
    let response = patch(&app, &path, json!({"active": false}), &admin).await;
    assert_eq!(response.status().as_u16(), 200);
    let set = json!({"token": token, "password": crate::helpers::GOOD_PASSWORD});
    let body = problem(
        app.post_json("/api/v1/auth/password", &set, None).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "token");
}
