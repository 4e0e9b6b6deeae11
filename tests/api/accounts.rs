//! Registration, verification, login, logout, invitations and resets, with
//! tokens read from the emails the real SMTP server received.

use std::time::Duration;

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{
    GOOD_PASSWORD, SmtpSink, TestApp, link_token, problem, spawn_app_mailing_to, spawn_app_with,
};

async fn register(app: &TestApp, email: &str) -> reqwest::Response {
    let body = json!({"email": email, "password": GOOD_PASSWORD, "name": "李明", "phone": "13912345678", "locale": "en"});
    app.post_json("/api/v1/auth/register", &body, None).await
}

async fn mail_to(
    sink: &SmtpSink,
    address: &str,
    count: usize,
) -> Vec<crate::helpers::smtp::ReceivedMail> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mails: Vec<_> = sink
            .received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect();
        if mails.len() >= count || tokio::time::Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_volunteer_registers_verifies_from_the_email_and_logs_in() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let response = register(&app, "Li.Ming@Example.org").await;
    assert_eq!(response.status().as_u16(), 201);
    let user: Value = response.json().await.expect("JSON");
    assert_eq!(user["role"], "volunteer");
    assert!(user.get("password_hash").is_none());

    let login = json!({"email": "li.ming@example.org", "password": GOOD_PASSWORD});
    problem(app.post_json("/api/v1/auth/login", &login, None).await, 403).await;

    let mails = mail_to(&sink, "Li.Ming@Example.org", 1).await;
    let token = link_token(&mails[0]);
    assert_eq!(token.len(), 64);
    let verify = app
        .post_json("/api/v1/auth/verify", &json!({"token": token}), None)
        .await;
    assert_eq!(verify.status().as_u16(), 204);
    let again = app
        .post_json("/api/v1/auth/verify", &json!({"token": token}), None)
        .await;
    problem(again, 422).await;

    let response = app.post_json("/api/v1/auth/login", &login, None).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    let bearer = body["token"].as_str().expect("token");
    let me: Value = app
        .get_with("/api/v1/me", bearer)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(me["email"], "Li.Ming@Example.org");
    assert_eq!(me["locale"], "en");
    assert_eq!(me["phone"], "13912345678");
}

/// The plain-text body of an email, decoded.
fn body_text(mail: &crate::helpers::smtp::ReceivedMail) -> String {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("MIME")
        .body_text(0)
        .expect("a text body")
        .into_owned()
}

/// How many accounts hold `email` (whatever its case).
async fn accounts_with(app: &TestApp, email: &str) -> u64 {
    use huzhu::store::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::EmailKey.eq(email.to_lowercase()))
        .count(&app.context.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn registering_a_taken_address_answers_as_for_a_new_one_and_tells_the_owner() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let owner = app.create_user(Role::Volunteer, None).await;

    let fresh = register(&app, "someone-new@example.org").await;
    let taken = register(&app, &owner.email.to_uppercase()).await;

    assert_eq!(fresh.status().as_u16(), 201);
    assert_eq!(taken.status().as_u16(), 201, "the same status");
    let fresh: Value = fresh.json().await.expect("JSON");
    let taken: Value = taken.json().await.expect("JSON");
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&fresh), keys(&taken), "the same shape");
    for field in ["role", "verified", "locale", "name", "phone", "region"] {
        assert_eq!(fresh[field], taken[field], "{field}");
    }
    assert_eq!(taken["email"], owner.email.to_uppercase());

    let mails = mail_to(&sink, &owner.email, 1).await;
    assert_eq!(mails.len(), 1, "the owner is told");
    assert!(
        body_text(&mails[0]).contains("/login"),
        "with the way to log in"
    );
    let reset = link_token(&mails[0]);
    assert_eq!(
        accounts_with(&app, &owner.email).await,
        1,
        "no second account"
    );
    let login = json!({"email": owner.email, "password": owner.password});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &login, None)
            .await
            .status()
            .as_u16(),
        200,
        "the account is as it was"
    );
    let set = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": reset, "password": "新的密码要足够长才行"}),
            None,
        )
        .await;
    assert_eq!(set.status().as_u16(), 204, "and the way to a new password");
}

#[tokio::test]
async fn registration_fields_are_each_validated() {
    let app = spawn_app_with(|_| {}).await;
    let cases = [
        (
            json!({"email": "nope", "password": GOOD_PASSWORD, "name": "李"}),
            "email",
        ),
        (
            json!({"email": "a@example.org", "password": "short", "name": "李"}),
            "password",
        ),
        (
            json!({"email": "a@example.org", "password": "1234567890", "name": "李"}),
            "password",
        ),
        (
            json!({"email": "a@example.org", "password": GOOD_PASSWORD, "name": ""}),
            "name",
        ),
        (
            json!({"email": "a@example.org", "password": GOOD_PASSWORD, "name": "李", "phone": "12345"}),
            "phone",
        ),
        (
            json!({"email": "a@example.org", "password": GOOD_PASSWORD, "name": "李", "locale": "fr"}),
            "locale",
        ),
        (json!({"email": "a@example.org", "name": "李"}), "password"),
    ];
    for (body, field) in cases {
        let answer = problem(
            app.post_json("/api/v1/auth/register", &body, None).await,
            422,
        )
        .await;
        let fields: Vec<&str> = answer["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert!(fields.contains(&field), "{body}: {answer}");
    }
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_byte_identical_401s() {
    let app = spawn_app_with(|_| {}).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let wrong = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": user.email, "password": "not the password"}),
            None,
        )
        .await;
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.org", "password": "not the password"}),
            None,
        )
        .await;
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(unknown.status().as_u16(), 401);
    let a = wrong.bytes().await.expect("body");
    let b = unknown.bytes().await.expect("body");
    assert_eq!(a, b);
}

#[tokio::test]
async fn five_failed_logins_from_one_address_lock_it_out_with_retry_after() {
    let app = spawn_app_with(|_| {}).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let bad = json!({"email": user.email, "password": "not the password"});
    for _ in 0..5 {
        problem(app.post_json("/api/v1/auth/login", &bad, None).await, 401).await;
    }
    let locked = app.post_json("/api/v1/auth/login", &bad, None).await;
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after > 0 && retry_after <= 900, "{retry_after}");
    problem(locked, 429).await;
    let good = json!({"email": user.email, "password": user.password});
    problem(app.post_json("/api/v1/auth/login", &good, None).await, 429).await;
}

#[tokio::test]
async fn logout_ends_the_token() {
    let app = spawn_app_with(|_| {}).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let token = app.login(&user).await;
    assert_eq!(
        app.get_with("/api/v1/me", &token).await.status().as_u16(),
        200
    );
    let out = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(out.status().as_u16(), 204);
    problem(app.get_with("/api/v1/me", &token).await, 401).await;
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let old_token = app.login(&user).await;
    let forgot = app
        .post_json("/api/v1/auth/forgot", &json!({"email": user.email}), None)
        .await;
    assert_eq!(forgot.status().as_u16(), 202);
    let unknown = app
        .post_json(
            "/api/v1/auth/forgot",
            &json!({"email": "ghost@example.org"}),
            None,
        )
        .await;
    assert_eq!(
        unknown.status().as_u16(),
        202,
        "the same answer for an unknown address"
    );

    let token = link_token(&mail_to(&sink, &user.email, 1).await[0]);
    let new_password = "新的密码要足够长才行";
    let weak = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": token, "password": "123"}),
            None,
        )
        .await;
    problem(weak, 422).await;
    let set = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": token, "password": new_password}),
            None,
        )
        .await;
    assert_eq!(set.status().as_u16(), 204);
    let reuse = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": token, "password": "另一个足够长的密码"}),
            None,
        )
        .await;
    problem(reuse, 422).await;

    problem(app.get_with("/api/v1/me", &old_token).await, 401).await;
    let login = json!({"email": user.email, "password": new_password});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &login, None)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let user = app.create_user(Role::Volunteer, None).await;
    app.post_json("/api/v1/auth/forgot", &json!({"email": user.email}), None)
        .await;
    let token = link_token(&mail_to(&sink, &user.email, 1).await[0]);
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.context.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE link_tokens SET expires_at = 0",
    ))
    .await
    .expect("expire");
    let set = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": token, "password": "新的密码要足够长才行"}),
            None,
        )
        .await;
    problem(set, 422).await;
}

#[tokio::test]
async fn a_coordinator_invites_a_cadre_who_sets_a_password_from_the_email() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let token = app.login(&coordinator).await;
    let invite = json!({"email": "cadre@example.org", "name": "张干部", "role": "cadre", "region": "430525101"});
    let response = app.post_json("/api/v1/users", &invite, Some(&token)).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("JSON");
    assert_eq!(created["region"], "430525101");

    let mails = mail_to(&sink, "cadre@example.org", 1).await;
    let invitation = link_token(&mails[0]);
    let set = app
        .post_json(
            "/api/v1/auth/password",
            &json!({"token": invitation, "password": GOOD_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(set.status().as_u16(), 204);
    let login = json!({"email": "cadre@example.org", "password": GOOD_PASSWORD});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &login, None)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn who_may_create_whom_and_where() {
    let app = spawn_app_with(|_| {}).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525101")).await;
    let admin = app.create_user(Role::Admin, None).await;
    let coordinator_token = app.login(&coordinator).await;
    let admin_token = app.login(&admin).await;
    let body = |role: &str, region: &str| json!({"email": format!("{role}-{region}@example.org"), "name": "某人", "role": role, "region": region});
    let cases = [
        (&coordinator_token, body("cadre", "430525101"), 201),
        (&coordinator_token, body("cadre", "430525102"), 422),
        (&coordinator_token, body("coordinator", "430525101"), 403),
        (&coordinator_token, body("admin", "430525101"), 403),
        (&admin_token, body("coordinator", "430525"), 201),
        (&admin_token, body("cadre", "430525999"), 422),
        (&admin_token, body("cadre", "4305"), 422),
        (&admin_token, body("mayor", "430525"), 422),
    ];
    for (token, body, status) in cases {
        let response = app.post_json("/api/v1/users", &body, Some(token)).await;
        assert_eq!(response.status().as_u16(), status, "{body}");
    }
}

#[tokio::test]
async fn user_create_on_the_command_line_reads_the_password_from_stdin() {
    use std::io::Write;
    let app = spawn_app_with(|_| {}).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_huzhu"))
        .args([
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "root@example.org",
            "--name",
            "管理员",
        ])
        .env("HUZHU_DATABASE_URL", &app.context.settings.database_url)
        .env("HUZHU_MAIL_DIR", &app.context.settings.mail_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("started");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{GOOD_PASSWORD}\n").as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("finished");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let login = json!({"email": "root@example.org", "password": GOOD_PASSWORD});
    let response = app.post_json("/api/v1/auth/login", &login, None).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["user"]["role"], "admin");
}

/// Posts as a reverse proxy would, naming the client in `X-Forwarded-For`.
async fn post_forwarded(
    app: &TestApp,
    path: &str,
    body: &Value,
    forwarded_for: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("x-forwarded-for", forwarded_for)
        .json(body)
        .send()
        .await
        .expect("request sent")
}

fn registration(email: &str) -> Value {
    json!({"email": email, "password": GOOD_PASSWORD, "name": "李明"})
}

#[tokio::test]
async fn forwarded_for_is_not_believed_without_trusted_proxies() {
    let app = spawn_app_with(|env| {
        env.insert(
            "HUZHU_LIMIT_REGISTRATIONS_PER_IP".to_owned(),
            "2/1h".to_owned(),
        );
    })
    .await;
    let path = "/api/v1/auth/register";
    for n in 1..=2 {
        let body = registration(&format!("p{n}@example.org"));
        let forwarded = format!("203.0.113.{n}");
        let response = post_forwarded(&app, path, &body, &forwarded).await;
        assert_eq!(response.status().as_u16(), 201);
    }
    let third = post_forwarded(&app, path, &registration("p3@example.org"), "203.0.113.3").await;
    problem(third, 429).await;
}

#[tokio::test]
async fn forwarded_for_names_the_client_behind_a_trusted_proxy() {
    let app = spawn_app_with(|env| {
        env.insert(
            "HUZHU_TRUSTED_PROXIES".to_owned(),
            "127.0.0.1/32, 10.0.0.0/8".to_owned(),
        );
        env.insert(
            "HUZHU_LIMIT_REGISTRATIONS_PER_IP".to_owned(),
            "2/1h".to_owned(),
        );
    })
    .await;
    let path = "/api/v1/auth/register";
    // The right-most address that is not a trusted proxy is the client;
    // what the client itself wrote further left changes nothing.
    let cases = [
        ("198.51.100.1, 203.0.113.9, 10.1.2.3", 201),
        ("198.51.100.2, 203.0.113.9", 201),
        ("198.51.100.3,203.0.113.9", 429),
        ("203.0.113.10, 10.9.9.9", 201),
    ];
    for (n, (forwarded, status)) in cases.into_iter().enumerate() {
        let body = registration(&format!("q{n}@example.org"));
        let response = post_forwarded(&app, path, &body, forwarded).await;
        assert_eq!(response.status().as_u16(), status, "{forwarded}");
    }
}

#[tokio::test]
async fn fifty_people_register_from_one_village_address_with_the_default_limits() {
    let app = spawn_app_with(|_| {}).await;
    for n in 0..50 {
        let response = register(&app, &format!("villager{n}@example.org")).await;
        assert_eq!(response.status().as_u16(), 201, "registration {n}");
    }
}

fn trusting_loopback(env: &mut std::collections::HashMap<String, String>) {
    env.insert(
        "HUZHU_TRUSTED_PROXIES".to_owned(),
        "127.0.0.1/32".to_owned(),
    );
}

#[tokio::test]
async fn failed_logins_from_one_address_leave_the_owner_free_to_log_in_from_another() {
    let app = spawn_app_with(trusting_loopback).await;
    let owner = app.create_user(Role::Cadre, Some("430525101")).await;
    let path = "/api/v1/auth/login";
    let bad = json!({"email": owner.email, "password": "not the password"});
    for _ in 0..5 {
        problem(post_forwarded(&app, path, &bad, "203.0.113.66").await, 401).await;
    }
    problem(post_forwarded(&app, path, &bad, "203.0.113.66").await, 429).await;

    let good = json!({"email": owner.email, "password": owner.password});
    let response = post_forwarded(&app, path, &good, "198.51.100.5").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn the_account_wide_ceiling_locks_everyone_out_and_emails_the_owner_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |env| {
        trusting_loopback(env);
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned());
        env.insert(
            "HUZHU_LIMIT_LOGIN_FAILURES_PER_ACCOUNT".to_owned(),
            "6/1h".to_owned(),
        );
    })
    .await;
    let owner = app.create_user(Role::Cadre, Some("430525101")).await;
    let path = "/api/v1/auth/login";
    let bad = json!({"email": owner.email, "password": "not the password"});
    for n in 0..6 {
        let from = format!("203.0.113.{}", n / 2);
        problem(post_forwarded(&app, path, &bad, &from).await, 401).await;
    }
    for n in 0..3 {
        let from = format!("198.51.100.{n}");
        let locked = post_forwarded(&app, path, &bad, &from).await;
        assert!(locked.headers().contains_key("retry-after"));
        problem(locked, 429).await;
    }
    let good = json!({"email": owner.email, "password": owner.password});
    problem(post_forwarded(&app, path, &good, "192.0.2.1").await, 429).await;

    let mails = mail_to(&sink, &owner.email, 1).await;
    assert_eq!(mails.len(), 1, "the owner is told");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let to_owner = sink
        .received()
        .into_iter()
        .filter(|m| m.to.contains(&owner.email))
        .count();
    assert_eq!(to_owner, 1, "once per lock, not per attempt");
    assert!(body_text(&mails[0]).contains("/login"));
}

#[tokio::test]
async fn setting_a_password_spends_the_accounts_other_reset_and_invitation_links() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let token = app.login(&coordinator).await;
    let email = "links-cadre@example.org";
    let invite = json!({"email": email, "name": "张干部", "role": "cadre", "region": "430525101"});
    let response = app.post_json("/api/v1/users", &invite, Some(&token)).await;
    assert_eq!(response.status().as_u16(), 201);
    let invitation = link_token(&mail_to(&sink, email, 1).await[0]);
    for _ in 0..2 {
        let forgot = app
            .post_json("/api/v1/auth/forgot", &json!({"email": email}), None)
            .await;
        assert_eq!(forgot.status().as_u16(), 202);
    }
    let mails = mail_to(&sink, email, 3).await;
    assert_eq!(mails.len(), 3);
    let tokens: Vec<String> = mails.iter().map(link_token).collect();
    let resets: Vec<&String> = tokens.iter().filter(|t| **t != invitation).collect();
    assert_eq!(resets.len(), 2);

    let set = async |token: &str, password: &str| {
        let body = json!({"token": token, "password": password});
        app.post_json("/api/v1/auth/password", &body, None).await
    };
    assert_eq!(set(resets[0], GOOD_PASSWORD).await.status().as_u16(), 204);
    for spent in [resets[1], &invitation] {
        let refused = problem(set(spent, "另一个足够长的新密码呀").await, 422).await;
        assert_eq!(refused["errors"][0]["field"], "token", "{refused}");
    }
    let login = json!({"email": email, "password": GOOD_PASSWORD});
    assert_eq!(
        app.post_json("/api/v1/auth/login", &login, None)
            .await
            .status()
            .as_u16(),
        200,
        "the password set from the first link stands"
    );
}
