//! Digests queued unrendered (as a matching round queues them) are rendered
//! by the worker when it sends them, into the same email a rendered digest is.

use std::time::Duration;

use huzhu::i18n::Locale;
use huzhu::mail::digest::{Digest, DigestItem, compose_digests, unrendered_digests};
use huzhu::mail::{self, EmailKind, Recipient, enqueue};
use huzhu::store;
use mail_parser::MessageParser;
use sea_orm::EntityTrait;

use crate::helpers::{SmtpSink, spawn_app_mailing_to};

fn items(who: &str, locale: Locale) -> Vec<DigestItem> {
    let samples: serde_json::Value =
        serde_json::from_str(include_str!("../../templates/email/samples.json")).expect("samples");
    let proposal = samples["proposals_digest"]["proposals"][0].clone();
    (0..2)
        .map(|i| {
            let mut p = proposal.clone();
            p["title"] = serde_json::json!(format!("需求{i} <&> \"quoted\""));
            DigestItem {
                recipient_key: "volunteer".to_owned(),
                to: Recipient {
                    email: format!("{who}@example.org"),
                    name: format!("志愿者 {who}"),
                    locale,
                },
                item: p,
            }
        })
        .collect()
}

fn digest(batch: &str) -> Digest<'_> {
    Digest {
        kind: EmailKind::ProposalsDigest,
        batch,
        list_field: "proposals",
        shared: serde_json::json!({"expires_at": "2026-12-03 10:00"})
            .as_object()
            .cloned()
            .expect("object"),
    }
}

/// Subject, plain text and HTML of the email sent to `to`.
fn parts(mails: &[crate::helpers::smtp::ReceivedMail], to: &str) -> (String, String, String) {
    let mail = mails.iter().find(|m| m.to[0] == to).expect("delivered");
    let parsed = MessageParser::default().parse(&mail.data).expect("MIME");
    (
        parsed.subject().expect("subject").to_owned(),
        parsed.body_text(0).expect("text").into_owned(),
        parsed.body_html(0).expect("html").into_owned(),
    )
}

#[tokio::test]
async fn an_unrendered_digest_is_sent_as_the_same_email_a_rendered_one_is() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let public_url = app.context.public_url.as_str().to_owned();
    for locale in [Locale::ZhCn, Locale::En] {
        let tag = locale.as_str();
        let txn = store::begin_write(&app.context.db).await.expect("begin");
        let rendered_batch = format!("rendered:{tag}");
        for (key, email) in compose_digests(
            &app.context.templates,
            &public_url,
            &digest(&rendered_batch),
            items(&format!("r-{tag}"), locale),
        )
        .expect("rendered")
        {
            assert!(enqueue(&txn, &key, &email).await.expect("queued"));
        }
        let unrendered_batch = format!("unrendered:{tag}");
        let later = unrendered_digests(
            &digest(&unrendered_batch),
            items(&format!("u-{tag}"), locale),
        );
        let queued =
            mail::outbox::unrendered_rows(EmailKind::ProposalsDigest, later, store::now_ms())
                .insert(&txn)
                .await
                .expect("queued unrendered");
        assert_eq!(queued, 1);
        txn.commit().await.expect("commit");
    }
    app.context.emails_committed();
    let mails = sink.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 4);
    for tag in ["zh-CN", "en"] {
        let rendered = parts(&mails, &format!("r-{tag}@example.org"));
        let unrendered = parts(&mails, &format!("u-{tag}@example.org"));
        // Only the recipient's name differs between the two.
        let unify = |s: &str| s.replace(&format!("u-{tag}"), &format!("r-{tag}"));
        assert_eq!(unify(&unrendered.0), rendered.0);
        assert_eq!(unify(&unrendered.1), rendered.1);
        assert_eq!(unify(&unrendered.2), rendered.2);
        assert!(
            rendered.1.contains("需求1 <&> \"quoted\""),
            "{}",
            rendered.1
        );
    }
}

#[tokio::test]
async fn a_sent_unrendered_digest_keeps_neither_payload_nor_bodies() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let batch = "round:kept";
    let queue = |txn| async move {
        let digests = unrendered_digests(&digest(batch), items("once", Locale::ZhCn));
        mail::outbox::unrendered_rows(EmailKind::ProposalsDigest, digests, store::now_ms())
            .insert(&txn)
            .await
            .map(|_| txn)
    };
    let txn = store::begin_write(&app.context.db).await.expect("begin");
    queue(txn)
        .await
        .expect("queued")
        .commit()
        .await
        .expect("commit");
    // The same batch written again is refused, not sent twice.
    let again = store::begin_write(&app.context.db).await.expect("begin");
    assert!(
        queue(again).await.is_err(),
        "a batch's keys are queued once"
    );
    app.context.emails_committed();
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1, "one email per batch and recipient");
    let expected_id = huzhu::mail::transport::message_id(
        huzhu::mail::IdempotencyKey::new(batch, "volunteer").as_str(),
        app.context.public_url.host_str().unwrap_or("localhost"),
    );
    let parsed = MessageParser::default()
        .parse(&mails[0].data)
        .expect("MIME");
    assert_eq!(
        format!("<{}>", parsed.message_id().expect("Message-ID")),
        expected_id
    );
    // The row is marked just after the server accepted the message.
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = store::entity::outbox::Entity::find()
            .all(&app.context.db)
            .await
            .expect("rows");
        if rows
            .iter()
            .all(|r| r.status == huzhu::domain::OutboxStatus::Sent)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, huzhu::domain::OutboxStatus::Sent);
    assert_eq!(rows[0].payload, None);
    assert!(rows[0].text_body.is_empty() && rows[0].html_body.is_empty());
    assert_eq!(sink.received().len(), 1, "sent once");
}
