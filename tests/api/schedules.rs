//! Emails on a calendar: the coordinators' weekly digest and the cadres'
//! stale-need reminders, once per period across instances and restarts.

use std::time::Duration;

use huzhu::domain::Role;
use huzhu::services::schedules::run_due;
use huzhu::store::entity::outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{SmtpSink, TestApp, spawn_app_with};

const H: i64 = 3_600_000;
const DAY: i64 = 24 * H;
/// Monday 2026-11-02 00:00 in Asia/Shanghai.
const MONDAY: i64 = 1_793_548_800_000;

async fn app(sink: Option<&SmtpSink>, db: Option<String>) -> TestApp {
    let url = sink.map(SmtpSink::url);
    spawn_app_with(move |env| {
        if let Some(url) = url {
            env.insert("HUZHU_SMTP_URL".to_owned(), url);
            env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "50".to_owned());
        }
        if let Some(db) = db {
            env.insert("HUZHU_DATABASE_URL".to_owned(), db);
        }
    })
    .await
}

/// A need in township 101 posted at `posted_at`; returns its id.
async fn need_at(app: &TestApp, cadre: &str, title: &str, posted_at: i64) -> String {
    crate::escalation::need_at(app, cadre, "430525101000", title, 1, posted_at).await
}

async fn queued(app: &TestApp, event: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::IdempotencyKey.starts_with(format!("{event}/")))
        .all(&app.context.db)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn each_coordinator_gets_one_weekly_digest_across_instances_and_restarts() {
    let sink = SmtpSink::start().await;
    let first = app(Some(&sink), None).await;
    let shared = first.context.settings.database_url.clone();
    let second = app(Some(&sink), Some(shared.clone())).await;
    let county = first.create_user(Role::Coordinator, Some("430525")).await;
    first
        .create_user(Role::Coordinator, Some("430525101"))
        .await;
    let cadre = first
        .login(&first.create_user(Role::Cadre, Some("430525101")).await)
        .await;
    // Two needs in the week before last, three last week.
    for (i, posted) in [1, 2].iter().chain(&[8, 9, 10]).enumerate() {
        need_at(&first, &cadre, &format!("需要{i}"), MONDAY + posted * DAY).await;
    }
    let week = MONDAY + 14 * DAY; // Monday 2026-11-16

    assert_eq!(
        run_due(&first.context, week + 7 * H + 59 * 60_000)
            .await
            .expect("runs"),
        0,
        "before 08:00"
    );
    let (a, b) = tokio::join!(
        run_due(&first.context, week + 8 * H + 60_000),
        run_due(&second.context, week + 8 * H + 60_000)
    );
    a.expect("first instance");
    b.expect("second instance");
    let restarted = app(Some(&sink), Some(shared)).await;
    for later in [week + 9 * H, week + 3 * DAY] {
        run_due(&restarted.context, later).await.expect("runs");
    }
    let digests = queued(&first, "weekly:2026-W47").await;
    assert_eq!(digests.len(), 2, "one per coordinator");

    let mails = sink.wait_for(2, Duration::from_secs(20)).await;
    let to_county = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains(&county.email)))
        .expect("the county's digest");
    let parsed = mail_parser::MessageParser::default()
        .parse(&to_county.data)
        .expect("MIME");
    assert_eq!(
        parsed.subject(),
        Some("【互助】洞口县周调度（2026-11-09 ~ 2026-11-15）")
    );
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(text.contains("新发布需求：3（2）"), "{text}");
    assert!(text.contains("匹配率：0.0%（0.0%）"), "{text}");
    assert!(
        text.contains("1. 需要0（江口镇，已等待"),
        "the longest-waiting need first: {text}"
    );

    run_due(&restarted.context, week + 7 * DAY + 8 * H + 1)
        .await
        .expect("next week");
    assert_eq!(
        queued(&first, "weekly:2026-W48").await.len(),
        2,
        "next week's digests"
    );
}

#[tokio::test]
async fn cadres_get_at_most_one_stale_reminder_a_day_listing_needs_open_over_14_days() {
    let sink = SmtpSink::start().await;
    let app = app(Some(&sink), None).await;
    let cadre_user = app.create_user(Role::Cadre, Some("430525101")).await;
    let cadre = app.login(&cadre_user).await;
    let elsewhere = app.create_user(Role::Cadre, Some("430525102")).await;
    let day = MONDAY + 60 * DAY + 9 * H; // 2027-01-01, not today: the startup tick ran today
    need_at(&app, &cadre, "等了二十天", day - 20 * DAY).await;
    need_at(&app, &cadre, "等了十五天", day - 15 * DAY).await;
    need_at(&app, &cadre, "才等十天", day - 10 * DAY).await;

    for _ in 0..2 {
        run_due(&app.context, day).await.expect("runs");
    }
    let reminders = queued(&app, "stale:2027-01-01").await;
    assert_eq!(
        reminders.len(),
        1,
        "one reminder, none for a cadre without stale needs"
    );
    assert_eq!(reminders[0].recipient_email, cadre_user.email);
    assert_ne!(reminders[0].recipient_email, elsewhere.email);
    // The body is read as delivered: the outbox blanks it once sent.
    let mails = sink.wait_for(1, Duration::from_secs(20)).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&mails[0].data)
        .expect("MIME");
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(
        text.contains("等了二十天") && text.contains("等了十五天"),
        "{text}"
    );
    assert!(!text.contains("才等十天"), "{text}");
    assert!(
        text.find("等了二十天") < text.find("等了十五天"),
        "longest first"
    );

    run_due(&app.context, day + DAY).await.expect("next day");
    assert_eq!(queued(&app, "stale:2027-01-02").await.len(), 1);
}
