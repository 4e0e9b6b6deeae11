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

/// The audit rows of `action` on households: (rows, distinct households).
async fn audited(app: &crate::helpers::TestApp, action: &str) -> (usize, usize) {
    use huzhu::store::entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::SubjectType.eq("household"))
        .all(&app.context.db)
        .await
        .expect("audit rows");
    let households: std::collections::HashSet<&str> =
        rows.iter().map(|r| r.subject_id.as_str()).collect();
    (rows.len(), households.len())
}

async fn coordinator(app: &crate::helpers::TestApp) -> String {
    let user = app
        .create_user(huzhu::domain::Role::Coordinator, Some("430525"))
        .await;
    app.login(&user).await
}

#[tokio::test]
async fn an_export_that_cannot_be_audited_in_full_leaves_no_audit_behind() {
    use huzhu::store::entity::household;
    use sea_orm::{EntityTrait, QueryOrder};
    let app = crate::helpers::spawn_app().await;
    let cadre = crate::needs::cadre(&app).await;
    for _ in 0..3 {
        crate::needs::household(&app, &cadre, None).await;
    }
    let token = coordinator(&app).await;
    let last = household::Entity::find()
        .order_by_desc(household::Column::Id)
        .one(&app.context.db)
        .await
        .expect("query")
        .expect("a household");
    // The audit row of the export's last household cannot be written.
    let when = format!("NEW.subject_id = '{}'", last.id);
    crate::matches::break_writes(&app.context.db, "INSERT", "audit_log", Some(&when)).await;
    let failed = app
        .get_with("/api/v1/households/export?format=csv", &token)
        .await;
    crate::helpers::problem(failed, 500).await;
    assert_eq!(
        audited(&app, "export").await,
        (0, 0),
        "all of an export's audit or none"
    );

    crate::matches::heal(&app.context.db, "audit_log").await;
    let exported = app
        .get_with("/api/v1/households/export?format=csv", &token)
        .await;
    assert_eq!(exported.status().as_u16(), 200);
    assert_eq!(audited(&app, "export").await, (3, 3));
}

/// A valid resident ID number, distinct for every `n`.
fn id_number(n: usize) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("date")
        + chrono::Days::new((n / 1000) as u64);
    let body = format!("430525{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

#[tokio::test]
async fn an_export_of_thousands_of_households_audits_each_exactly_once() {
    // More households than one SQLite statement can carry audit rows for.
    const HOUSEHOLDS: usize = 6_000;
    let app = crate::helpers::spawn_app().await;
    let token = coordinator(&app).await;
    let mut csv = String::from(
        "region,head_name,id_number,phone,members,lat,lon,tags,category,title,description,urgency\n",
    );
    for n in 0..HOUSEHOLDS {
        csv.push_str(&format!(
            "430525101000,户主{n},{},,2,,,,care,陪伴老人,,1\n",
            id_number(n)
        ));
    }
    let imported = crate::imports::upload(&app, &token, "many.csv", csv.as_bytes(), false).await;
    assert_eq!(imported.status().as_u16(), 200, "imported");

    let started = std::time::Instant::now();
    let exported = app
        .get_with("/api/v1/households/export?format=csv", &token)
        .await;
    assert_eq!(exported.status().as_u16(), 200);
    exported.bytes().await.expect("the file");
    eprintln!(
        "export of {HOUSEHOLDS} households: {} ms",
        started.elapsed().as_millis()
    );
    assert_eq!(audited(&app, "export").await, (HOUSEHOLDS, HOUSEHOLDS));
}
