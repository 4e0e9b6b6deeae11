//! The volunteer says the help was delivered: the match stays accepted, its
//! history gets a `delivered` event, and the cadre who posted the need is
//! emailed, once per match, to confirm it on the match's page.

use std::time::Duration;

use huzhu::domain::Role;
use serde_json::{Value, json};

use super::{World, hand_match, id, match_page, status_of, subject_and_text, world};
use crate::helpers::{SmtpSink, TestApp, migrate_back_before_and_up, problem, spawn_app};
use crate::needs::{household, need};

/// `POST /matches/{id}/delivered` with `body`, as `token`.
async fn report(app: &TestApp, m: &Value, body: Value, token: &str) -> reqwest::Response {
    let path = format!("/api/v1/matches/{}/delivered", id(m));
    app.post_json(&path, &body, Some(token)).await
}

/// The `(kind, from, to, note)` of each event of a match, oldest first.
async fn history(app: &TestApp, token: &str, m: &Value) -> Vec<(String, String, String, String)> {
    let path = format!("/api/v1/matches/{}/events", id(m));
    let events: Value = app.get_with(&path, token).await.json().await.expect("JSON");
    let text = |e: &Value, k: &str| e[k].as_str().unwrap_or("-").to_owned();
    events["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let kind = text(e, "kind");
            (kind, text(e, "from"), text(e, "to"), text(e, "note"))
        })
        .collect()
}

/// The emails asking a cadre to confirm a delivery, as queued.
async fn delivery_emails(app: &TestApp) -> Vec<huzhu::store::entity::outbox::Model> {
    use huzhu::store::entity::outbox;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("cadre_match_delivered"))
        .all(&app.context.db)
        .await
        .expect("outbox rows")
}

fn transition(from: &str, to: &str) -> (String, String, String, String) {
    let owned = |s: &str| s.to_owned();
    (owned("transition"), owned(from), owned(to), owned("-"))
}

fn delivered(note: &str) -> (String, String, String, String) {
    let owned = |s: &str| s.to_owned();
    (
        owned("delivered"),
        owned("accepted"),
        owned("accepted"),
        owned(note),
    )
}

#[tokio::test]
async fn the_volunteer_reports_delivery_and_the_cadre_is_asked_once_to_confirm_on_the_match_page() {
    let sink = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_to(&sink).await;
    // A cadre who reads English posts the need; the volunteer reads Chinese.
    let cadre_user = app
        .create_user_speaking(Role::Cadre, Some("430525101"), Some("en"))
        .await;
    let cadre = app.login(&cadre_user).await;
    let h = household(&app, &cadre, Some((27.10, 110.55))).await;
    let n = need(&app, &cadre, &id(&h), "care", 2).await;
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let volunteer_token = app.login(&volunteer).await;
    let o = super::offer(&app, &volunteer_token, 1).await;
    let claim = app
        .post_json(
            &format!("/api/v1/needs/{}/claim", id(&n)),
            &json!({"offer_id": id(&o)}),
            Some(&volunteer_token),
        )
        .await;
    assert_eq!(claim.status().as_u16(), 201);
    let m: Value = claim.json().await.expect("JSON");
    // The claim's two emails, to the volunteer and to the cadre.
    assert_eq!(sink.wait_for(2, Duration::from_secs(10)).await.len(), 2);

    let first = report(
        &app,
        &m,
        json!({"note": " 米面已送到，\r\n老人很高兴 "}),
        &volunteer_token,
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let reported: Value = first.json().await.expect("JSON");
    assert_eq!(reported["status"], "accepted");
    assert_eq!(reported["id"], m["id"]);

    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let to_cadre: Vec<_> = mails[2..]
        .iter()
        .filter(|mail| mail.to == [cadre_user.email.clone()])
        .collect();
    assert_eq!(to_cadre.len(), 1, "the cadre is asked to confirm");
    let (subject, text) = subject_and_text(to_cadre[0]);
    assert_eq!(subject, "测试用户 delivered “需要帮助”: please confirm");
    assert!(text.contains(&match_page(&app, &m)), "{text}");
    assert!(text.contains("米面已送到，\n老人很高兴"), "{text}");
    assert!(
        text.contains("[Care and company] 需要帮助"),
        "in the cadre's language: {text}"
    );

    // A second report is recorded, and asks the cadre nothing more.
    let second = report(&app, &m, json!({}), &volunteer_token).await;
    assert_eq!(second.status().as_u16(), 200);
    assert_eq!(delivery_emails(&app).await.len(), 1, "one email per match");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 3, "no second email");

    let events: Value = app
        .get_with(&format!("/api/v1/matches/{}/events", id(&m)), &cadre)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(events["items"][1]["actor_id"], m["volunteer_id"]);
    // The cadre then confirms, as before.
    let complete = app
        .post_json(
            &format!("/api/v1/matches/{}/complete", id(&m)),
            &json!({"note": "已核实"}),
            Some(&cadre),
        )
        .await;
    assert_eq!(complete.status().as_u16(), 200);
    assert_eq!(
        history(&app, &cadre, &m).await,
        vec![
            transition("-", "accepted"),
            delivered("米面已送到，\n老人很高兴"),
            delivered("-"),
            (
                "transition".to_owned(),
                "accepted".to_owned(),
                "completed".to_owned(),
                "已核实".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn only_the_matchs_own_volunteer_may_report_its_delivery() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let m: Value = hand_match(&app, &w).await.json().await.expect("JSON");
    let accept = format!("/api/v1/matches/{}/accept", id(&m));
    let accepted = app
        .post_json(&accept, &json!({}), Some(&w.volunteer_token))
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    let before = history(&app, &w.coordinator, &m).await;

    let stranger = app.create_user(Role::Volunteer, None).await;
    let stranger = app.login(&stranger).await;
    problem(report(&app, &m, json!({}), &stranger).await, 404).await;
    for staff in [&w.cadre, &w.coordinator] {
        problem(report(&app, &m, json!({}), staff).await, 403).await;
    }
    let too_long = json!({"note": "送".repeat(1001)});
    let refused = problem(report(&app, &m, too_long, &w.volunteer_token).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "note");

    assert_eq!(history(&app, &w.coordinator, &m).await, before);
    assert!(delivery_emails(&app).await.is_empty());
}

/// Reports delivery of `m` while it is `status`: a conflict that changes
/// neither the match, its history nor the outbox.
async fn refused_while(app: &TestApp, w: &World, m: &Value, status: &str) {
    let path = format!("/api/v1/matches/{}", id(m));
    assert_eq!(status_of(app, &w.coordinator, &path).await, status);
    let before = history(app, &w.coordinator, m).await;
    let body = json!({"note": "已送到"});
    let refused = problem(report(app, m, body, &w.volunteer_token).await, 409).await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains(status)),
        "{refused}"
    );
    assert_eq!(status_of(app, &w.coordinator, &path).await, status);
    assert_eq!(history(app, &w.coordinator, m).await, before);
    assert!(delivery_emails(app).await.is_empty());
}

#[tokio::test]
async fn a_delivery_is_reported_only_while_the_match_is_accepted() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let m: Value = hand_match(&app, &w).await.json().await.expect("JSON");
    refused_while(&app, &w, &m, "proposed").await;

    let path = |action: &str| format!("/api/v1/matches/{}/{action}", id(&m));
    let accepted = app
        .post_json(&path("accept"), &json!({}), Some(&w.volunteer_token))
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    let completed = app
        .post_json(&path("complete"), &json!({}), Some(&w.cadre))
        .await;
    assert_eq!(completed.status().as_u16(), 200);
    refused_while(&app, &w, &m, "completed").await;
}

#[tokio::test]
async fn a_delivery_report_keeps_its_kind_through_the_migrations_down_and_up() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let claim = app
        .post_json(
            &format!("/api/v1/needs/{}/claim", id(&w.need)),
            &json!({"offer_id": id(&w.offer)}),
            Some(&w.volunteer_token),
        )
        .await;
    assert_eq!(claim.status().as_u16(), 201);
    let m: Value = claim.json().await.expect("JSON");
    let reported = report(&app, &m, json!({"note": "送到了"}), &w.volunteer_token).await;
    assert_eq!(reported.status().as_u16(), 200);

    migrate_back_before_and_up(&app.context.db, "m20261204_000016_match_event_kinds").await;

    assert_eq!(
        history(&app, &w.coordinator, &m).await,
        vec![transition("-", "accepted"), delivered("送到了")]
    );
}
