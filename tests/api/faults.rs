//! The short form of the fault harness (`cargo bench --bench faults` runs
//! the long one): the real `huzhu serve` process under a mixed load is
//! killed with SIGKILL and restarted, or loses its mail server for a while,
//! and nothing it acknowledged is lost, and every email due arrives once.

use std::time::Duration;

use crate::helpers::db::TestDb;
use crate::helpers::faults::{Harness, MailCheck};

/// After the load stopped: every acknowledged write is in the database,
/// and every email due reached the mail server, none given up. Prints the
/// run's figures with `extra`; returns how the emails came out.
async fn nothing_lost(fault: &str, harness: &Harness, extra: &str) -> MailCheck {
    let (checked, lost) = harness.check_writes().await;
    let mail = harness.settle_mail(Duration::from_secs(90)).await;
    let ledger = harness.ledger.lock().expect("ledger");
    println!(
        "{fault}: {} requests, errors by status {:?}; {checked} acknowledged writes checked, {lost} lost; {mail:?}; {extra}",
        ledger.requests,
        ledger.errors(),
    );
    assert!(
        ledger.bad_answers.is_empty(),
        "answers that broke the rules: {:?}",
        ledger.bad_answers
    );
    assert!(checked > 20, "the load acknowledged too little: {checked}");
    assert_eq!(lost, 0);
    assert!(mail.due > 0, "the load queued no email");
    assert_eq!((mail.missing, mail.unexpected, mail.failed), (0, 0, 0));
    mail
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_nothing_it_acknowledged_and_sends_each_email_once() {
    let db = TestDb::create().await;
    let mut harness = Harness::start(&db.url, &[]).await;
    let load = harness.load(6);
    tokio::time::sleep(Duration::from_secs(3)).await;
    harness.server.kill();
    let in_doubt = harness.in_doubt().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = harness.client.clone();
    let recovery = harness.server.restart(&client).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    load.stop().await;

    let extra = format!("{in_doubt} emails in doubt at the kill; ready again in {recovery:?}");
    let mail = nothing_lost("SIGKILL", &harness, &extra).await;
    assert!(
        mail.duplicated <= in_doubt,
        "{} emails came twice, {in_doubt} were in doubt",
        mail.duplicated
    );
    let ledger = harness.ledger.lock().expect("ledger");
    assert!(
        ledger.outcomes.contains_key("no answer"),
        "the load never met the dead server: {:?}",
        ledger.outcomes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_away_loses_no_email_and_sends_none_twice() {
    let db = TestDb::create().await;
    let mut harness = Harness::start(&db.url, &[]).await;
    let load = harness.load(4);
    tokio::time::sleep(Duration::from_secs(1)).await;
    harness.sink.stop();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let retries = harness.metric("huzhu_email_retries_total").await;
    let backoff = harness
        .metric("huzhu_email_retry_delay_seconds_count")
        .await;
    harness.sink.resume().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    load.stop().await;

    let extra = format!("{retries} retries while away");
    let mail = nothing_lost("SMTP away", &harness, &extra).await;
    assert!(retries > 0.0 && backoff > 0.0, "no backoff in /metrics");
    assert_eq!(mail.duplicated, 0);
}
