//! Drains 10,000 queued emails into an SMTP server on loopback and prints
//! emails per second and the process's peak memory.
//!
//! `cargo bench --bench outbox` (SQLite in a temporary folder), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! to run on a fresh PostgreSQL database created (and dropped) there.

mod common;

use common::smtp;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use huzhu::i18n::Locale;
use huzhu::mail::{self, EmailKind, IdempotencyKey, Recipient};
use huzhu::settings::Settings;
use huzhu::startup::Application;
use huzhu::store;

const EMAILS: usize = 10_000;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (db_url, postgres) = common::county::database(dir.path()).await;
    let sink = smtp::SmtpSink::start().await;
    let env = HashMap::from([
        ("HUZHU_DATABASE_URL".to_owned(), db_url),
        ("HUZHU_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("HUZHU_SMTP_URL".to_owned(), sink.url()),
        ("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned()),
    ]);
    let app = Application::build(Settings::from_sources(&env, None).expect("settings"))
        .await
        .expect("application");
    let ctx = app.context();

    let queued_at = Instant::now();
    for chunk in 0..(EMAILS / 500) {
        let txn = store::begin_write(&ctx.db).await.expect("begin");
        for i in chunk * 500..(chunk + 1) * 500 {
            let to = Recipient {
                email: format!("v{i}@example.org"),
                name: format!("志愿者{i}"),
                locale: if i % 2 == 0 { Locale::ZhCn } else { Locale::En },
            };
            let context = serde_json::json!({"verify_url": format!("http://h/verify?token={i}"), "expires_hours": 48});
            let email = ctx
                .templates
                .compose(EmailKind::VerifyEmail, &to, "http://h", context)
                .expect("renders");
            mail::enqueue(
                &txn,
                &IdempotencyKey::new(&format!("bench:{i}"), &to.email),
                &email,
            )
            .await
            .expect("queued");
        }
        txn.commit().await.expect("commit");
    }
    let queue_secs = queued_at.elapsed().as_secs_f64();

    let started = Instant::now();
    tokio::spawn(app.run_until_stopped());
    let received = sink.wait_for(EMAILS, Duration::from_secs(600)).await.len();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(received, EMAILS, "every email arrived");
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    println!("outbox bench ({backend}): {EMAILS} emails");
    println!(
        "  queue (render + insert): {queue_secs:.2} s, {:.0} emails/s",
        EMAILS as f64 / queue_secs
    );
    println!(
        "  drain into loopback SMTP: {secs:.2} s, {:.0} emails/s",
        EMAILS as f64 / secs
    );
    println!("  peak RSS of the process: {:.1} MiB", peak_rss_mib());

    common::county::drop_database(postgres, dir).await;
}
