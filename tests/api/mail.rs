//! The outbox end to end: rows written in a transaction, delivered by the
//! worker to a real SMTP server (or to files), retried while it is down.

use std::time::Duration;

use huzhu::domain::OutboxStatus;
use huzhu::i18n::Locale;
use huzhu::mail::{self, EmailKind, IdempotencyKey, Recipient};
use huzhu::store;
use mail_parser::MessageParser;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{SmtpSink, TestApp, spawn_app_with};

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |env| {
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "50".to_owned());
        env.insert("HUZHU_MAIL_RETRY_BASE_SECS".to_owned(), "0.1".to_owned());
        env.insert("HUZHU_MAIL_RETRY_MAX_SECS".to_owned(), "0.3".to_owned());
        env.insert("HUZHU_MAIL_MAX_ATTEMPTS".to_owned(), "50".to_owned());
        env.insert(
            "HUZHU_PUBLIC_URL".to_owned(),
            "https://huzhu.example.org".to_owned(),
        );
    })
    .await
}

fn verify_email(app: &TestApp, address: &str, name: &str, locale: Locale) -> mail::Email {
    let to = Recipient {
        email: address.to_owned(),
        name: name.to_owned(),
        locale,
    };
    let context = serde_json::json!({
        "verify_url": format!("https://huzhu.example.org/verify?token=tok-{address}"),
        "expires_hours": 48,
    });
    app.context
        .templates
        .compose(
            EmailKind::VerifyEmail,
            &to,
            app.context.public_url.as_str(),
            context,
        )
        .expect("renders")
}

/// Queues `email` under `event` in a transaction that commits or not.
async fn queue(app: &TestApp, event: &str, email: &mail::Email, commit: bool) {
    let txn = store::begin_write(&app.context.db).await.expect("begin");
    let key = IdempotencyKey::new(event, &email.to_email);
    mail::enqueue(&txn, &key, email).await.expect("queued");
    if commit {
        txn.commit().await.expect("commit");
        app.context.emails_committed();
    } else {
        txn.rollback().await.expect("rollback");
    }
}

async fn outbox_rows(app: &TestApp) -> Vec<store::entity::outbox::Model> {
    store::entity::outbox::Entity::find()
        .all(&app.context.db)
        .await
        .expect("rows")
}

#[tokio::test]
async fn a_committed_email_arrives_with_its_headers_and_both_bodies_in_each_language() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let cases = [
        ("li@example.org", "李𠮷", Locale::ZhCn, "李𠮷"),
        ("ann@example.org", "Ann Lee", Locale::En, "Ann Lee"),
    ];
    for (address, name, locale, _) in cases {
        let email = verify_email(&app, address, name, locale);
        queue(&app, &format!("verify:{address}"), &email, true).await;
    }
    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 2);
    for (address, name, locale, greeting) in cases {
        let raw = mails
            .iter()
            .find(|m| m.to == vec![address.to_owned()])
            .expect("delivered");
        let parsed = MessageParser::default()
            .parse(&raw.data)
            .expect("parses as MIME");
        let expected = verify_email(&app, address, name, locale);
        assert_eq!(parsed.subject(), Some(expected.subject.as_str()));
        let to = parsed.to().and_then(|a| a.first()).expect("to");
        assert_eq!(to.name(), Some(name));
        assert_eq!(to.address(), Some(address));
        let from = parsed.from().and_then(|a| a.first()).expect("from");
        assert_eq!(from.address(), Some("noreply@localhost"));
        assert!(
            parsed
                .message_id()
                .expect("message id")
                .ends_with("@huzhu.example.org")
        );
        let text = parsed.body_text(0).expect("plain text");
        let html = parsed.body_html(0).expect("html");
        assert!(
            text.contains(greeting) && text.contains("token=tok-"),
            "{text}"
        );
        assert!(html.contains(greeting) && html.contains(&format!("lang=\"{}\"", locale.as_str())));
        if locale == Locale::ZhCn {
            assert!(raw.text().contains("Subject: =?utf-8?"), "RFC 2047 subject");
        }
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_sends_nothing() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let email = verify_email(&app, "gone@example.org", "王五", Locale::ZhCn);
    queue(&app, "verify:gone", &email, false).await;
    let kept = verify_email(&app, "kept@example.org", "赵六", Locale::ZhCn);
    queue(&app, "verify:kept", &kept, true).await;
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(mails[0].to, vec!["kept@example.org".to_owned()]);
    assert_eq!(outbox_rows(&app).await.len(), 1);
}

#[tokio::test]
async fn the_same_event_written_twice_is_one_email() {
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let email = verify_email(&app, "once@example.org", "张三", Locale::ZhCn);
    queue(&app, "verify:once", &email, true).await;
    queue(&app, "verify:once", &email, true).await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(outbox_rows(&app).await.len(), 1);
}

#[tokio::test]
async fn while_the_mail_server_is_down_emails_wait_and_then_arrive_exactly_once() {
    let mut sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    sink.stop();
    for i in 0..5 {
        let email = verify_email(&app, &format!("v{i}@example.org"), "志愿者", Locale::ZhCn);
        queue(&app, &format!("verify:{i}"), &email, true).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while outbox_rows(&app).await.iter().any(|r| r.attempts < 2) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "rows were not retried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sink.received().is_empty());
    assert!(app.context.metrics.mail.retried.get() >= 10);

    sink.resume().await;
    sink.wait_for(5, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = sink.received();
    assert_eq!(mails.len(), 5, "each email exactly once");
    let mut recipients: Vec<String> = mails.iter().map(|m| m.to[0].clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 5);
    assert!(
        outbox_rows(&app)
            .await
            .iter()
            .all(|r| r.status == OutboxStatus::Sent)
    );
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("huzhu_emails_sent_total 5"), "{metrics}");
}

#[tokio::test]
async fn a_refused_address_is_given_up_without_logging_it() {
    let sink = SmtpSink::start().await;
    sink.reject_recipients(true);
    let app = app_with_smtp(&sink).await;
    let email = verify_email(
        &app,
        "no-such-person-7731@example.org",
        "拒收",
        Locale::ZhCn,
    );
    queue(&app, "verify:refused", &email, true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = outbox_rows(&app).await;
        // The worker marks the row, then counts and logs it: wait for the log.
        let logged = crate::helpers::logs::captured().contains("email given up");
        if rows[0].status == OutboxStatus::Failed && logged {
            assert_eq!(rows[0].attempts, 1, "a permanent refusal is not retried");
            assert!(rows[0].last_error.is_some());
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the row was not given up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.context.metrics.mail.failed.get(), 1);
    let logs = crate::helpers::logs::captured();
    assert!(logs.contains("email given up"));
    assert!(
        !logs.contains("no-such-person-7731"),
        "the address reached the log"
    );
}

#[tokio::test]
async fn without_smtp_each_email_is_an_eml_file_that_parses() {
    let app = spawn_app_with(|env| {
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "50".to_owned());
    })
    .await;
    let email = verify_email(&app, "file@example.org", "文件", Locale::ZhCn);
    queue(&app, "verify:file", &email, true).await;
    let dir = app.context.settings.mail_dir.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let file = loop {
        let found = std::fs::read_dir(&dir)
            .expect("mail dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "eml"));
        if let Some(path) = found {
            break path;
        }
        assert!(tokio::time::Instant::now() < deadline, "no .eml file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let bytes = std::fs::read(&file).expect("read");
    let parsed = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(parsed.subject(), Some(email.subject.as_str()));
    assert!(parsed.body_text(0).expect("text").contains("文件"));
    assert_eq!(
        store::entity::outbox::Entity::find()
            .count(&app.context.db)
            .await
            .expect("count"),
        1
    );
}

#[cfg(unix)]
#[tokio::test]
async fn eml_files_and_the_mail_folder_huzhu_creates_are_private_to_its_user() {
    use crate::operations::mode_of;
    let root = tempfile::tempdir().expect("temporary directory");
    let outgoing = root.path().join("outgoing");
    let folder = outgoing.join("mail");
    let dir = folder.display().to_string();
    let app = spawn_app_with(move |env| {
        env.insert("HUZHU_MAIL_DIR".to_owned(), dir);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "50".to_owned());
    })
    .await;
    let email = verify_email(&app, "private@example.org", "私密", Locale::ZhCn);
    queue(&app, "verify:private", &email, true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let file = loop {
        let found = std::fs::read_dir(&folder)
            .expect("mail dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "eml"));
        if let Some(path) = found {
            break path;
        }
        assert!(tokio::time::Instant::now() < deadline, "no .eml file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(mode_of(&file), 0o600, "{}", file.display());
    assert_eq!(mode_of(&folder), 0o700);
    assert_eq!(mode_of(&outgoing), 0o700);
}

#[tokio::test]
async fn two_instances_draining_one_outbox_send_each_email_once() {
    let sink = SmtpSink::start().await;
    let first = app_with_smtp(&sink).await;
    let shared_db = first.context.settings.database_url.clone();
    let url = sink.url();
    let second = spawn_app_with(move |env| {
        env.insert("HUZHU_DATABASE_URL".to_owned(), shared_db);
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "10".to_owned());
    })
    .await;
    for i in 0..60 {
        let email = verify_email(&first, &format!("p{i}@example.org"), "并发", Locale::ZhCn);
        queue(&first, &format!("verify:parallel:{i}"), &email, true).await;
        second.context.emails_committed();
    }
    sink.wait_for(60, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 60, "each email exactly once");
    let by_first = first.context.metrics.mail.sent.get();
    let by_second = second.context.metrics.mail.sent.get();
    assert_eq!(by_first + by_second, 60);
}

#[tokio::test]
async fn a_batch_of_items_becomes_one_digest_per_recipient() {
    use huzhu::mail::digest::{Digest, DigestItem, enqueue_digests};
    let sink = SmtpSink::start().await;
    let app = app_with_smtp(&sink).await;
    let samples: serde_json::Value =
        serde_json::from_str(include_str!("../../templates/email/samples.json")).expect("samples");
    let proposal = samples["proposals_digest"]["proposals"][0].clone();
    let mut items = Vec::new();
    for (who, n) in [("a", 3), ("b", 2)] {
        for i in 0..n {
            let mut p = proposal.clone();
            p["title"] = serde_json::json!(format!("需求{who}{i}"));
            items.push(DigestItem {
                recipient_key: who.to_owned(),
                to: Recipient {
                    email: format!("{who}@example.org"),
                    name: who.to_owned(),
                    locale: Locale::ZhCn,
                },
                item: p,
            });
        }
    }
    let digest = Digest {
        kind: EmailKind::ProposalsDigest,
        batch: "round:test",
        list_field: "proposals",
        shared: serde_json::json!({"expires_at": "2026-12-03 10:00"})
            .as_object()
            .cloned()
            .expect("object"),
    };
    let txn = store::begin_write(&app.context.db).await.expect("begin");
    let queued = enqueue_digests(&txn, &app.context.templates, "https://h", &digest, items)
        .await
        .expect("queued");
    txn.commit().await.expect("commit");
    app.context.emails_committed();
    assert_eq!(queued, 2);
    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 2);
    let a = mails
        .iter()
        .find(|m| m.to[0] == "a@example.org")
        .expect("a's digest");
    let text = MessageParser::default()
        .parse(&a.data)
        .expect("MIME")
        .body_text(0)
        .expect("text")
        .into_owned();
    for i in 0..3 {
        assert!(text.contains(&format!("需求a{i}")), "{text}");
    }
    assert!(!text.contains("需求b0"));
}
