//! Every link in an email about a match lands where its reader acts on it:
//! the match's page, the volunteer's list of proposals, and a proposal's
//! signed accept and decline links.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use super::{World, hand_match, id, match_page, subject_and_text, world};
use crate::helpers::smtp::ReceivedMail;
use crate::helpers::{SmtpSink, TestApp, spawn_app_with};

/// An app that mails to `sink`, its proposals open for `ttl_hours`.
async fn app_mailing_to(sink: &SmtpSink, ttl_hours: &str) -> TestApp {
    let (url, ttl) = (sink.url(), ttl_hours.to_owned());
    spawn_app_with(move |env| {
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned());
        env.insert("HUZHU_PROPOSAL_TTL_HOURS".to_owned(), ttl);
    })
    .await
}

/// Waits for the `n`th email and returns its plain text, checking whom it
/// went to.
async fn nth_text(sink: &SmtpSink, n: usize, to: &str) -> String {
    let mails: Vec<ReceivedMail> = sink.wait_for(n, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), n, "email {n} arrived");
    assert_eq!(mails[n - 1].to, [to.to_owned()]);
    subject_and_text(&mails[n - 1]).1
}

/// The email address of the account behind `token`.
async fn email_of(app: &TestApp, token: &str) -> String {
    let me: Value = app
        .get_with("/api/v1/me", token)
        .await
        .json()
        .await
        .expect("JSON");
    me["email"].as_str().expect("email").to_owned()
}

/// A hand match of the world's need and offer, and its proposal's text.
async fn proposed(app: &TestApp, w: &World, sink: &SmtpSink) -> (Value, String) {
    let made = hand_match(app, w).await;
    assert_eq!(made.status().as_u16(), 201);
    let m: Value = made.json().await.expect("JSON");
    (m, nth_text(sink, 1, &w.volunteer.email).await)
}

#[tokio::test]
async fn a_proposal_then_its_acceptance_and_cancellation_email_links_to_the_matchs_page() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink, "72").await;
    let w = world(&app).await;
    let cadre_email = email_of(&app, &w.cadre).await;
    let (m, proposal) = proposed(&app, &w, &sink).await;
    let page = match_page(&app, &m);
    let base = app.context.public_url.as_str().trim_end_matches('/');
    for link in [
        page.as_str(),
        &format!("{base}/matches?tab=proposed"),
        &format!("{base}/m/"),
    ] {
        assert!(proposal.contains(link), "{link} in {proposal}");
    }

    let accept = format!("/api/v1/matches/{}/accept", id(&m));
    let accepted = app
        .post_json(&accept, &json!({}), Some(&w.volunteer_token))
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 3);
    for to in [&w.volunteer.email, &cadre_email] {
        let mail = mails[1..].iter().find(|m| m.to[0] == *to).expect("told");
        let (_, text) = subject_and_text(mail);
        assert!(text.contains(&page), "{to}: {text}");
    }

    let cancel = format!("/api/v1/matches/{}/cancel", id(&m));
    let reason = json!({"reason": "该户已解决"});
    let cancelled = app.post_json(&cancel, &reason, Some(&w.cadre)).await;
    assert_eq!(cancelled.status().as_u16(), 200);
    let told = nth_text(&sink, 4, &w.volunteer.email).await;
    assert!(
        told.contains("该户已解决") && told.contains(&page),
        "{told}"
    );
}

#[tokio::test]
async fn the_reminder_of_an_unanswered_proposal_links_to_the_matchs_page() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(&sink, "48").await;
    let w = world(&app).await;
    let (m, _) = proposed(&app, &w, &sink).await;
    // 47 hours later: the deadline is an hour away.
    let earlier = "UPDATE matches SET created_at = created_at - 169200000, \
                   expires_at = expires_at - 169200000";
    app.context
        .db
        .execute_unprepared(earlier)
        .await
        .expect("moved back");

    huzhu::services::transitions::tick(&app.context)
        .await
        .expect("ticks");
    let reminder = nth_text(&sink, 2, &w.volunteer.email).await;
    assert!(reminder.contains(&match_page(&app, &m)), "{reminder}");
    let base = app.context.public_url.as_str().trim_end_matches('/');
    assert!(reminder.contains(&format!("{base}/m/")), "{reminder}");
}
