//! The short form of the fault harness (`cargo bench --bench faults` runs
//! the long one): the real `huzhu serve` process under a mixed load is
//! killed with SIGKILL and restarted, or loses its mail server for a while,
//! and nothing it acknowledged is lost, and every email due arrives once.

use std::collections::HashSet;
use std::time::Duration;

use crate::helpers::db::TestDb;
use crate::helpers::faults::Harness;

/// What a fault run printed, for the log of the test.
fn report(fault: &str, harness: &Harness, extra: &str) {
    let ledger = harness.ledger.lock().expect("ledger");
    println!(
        "{fault}: {} requests, errors by status {:?}, {} needs and {} matches acknowledged; {extra}",
        ledger.requests,
        ledger.errors(),
        ledger.needs.len(),
        ledger.matches.len()
    );
    assert!(
        ledger.bad_answers.is_empty(),
        "answers that broke the rules: {:?}",
        ledger.bad_answers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_nothing_it_acknowledged_and_sends_each_email_once() {
    let db = TestDb::create().await;
    let mut harness = Harness::start(&db.url, &[]).await;
    let load = harness.load(6);
    tokio::time::sleep(Duration::from_secs(3)).await;
    harness.server.kill();
    // Emails the dead process handed to the server and had not recorded as
    // sent: the only ones a restart may send again.
    let unsent = harness.unsent().await;
    let received: HashSet<String> = harness.received().into_keys().collect();
    let in_doubt = unsent.intersection(&received).count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = harness.client.clone();
    let recovery = harness.server.restart(&client).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    load.stop().await;

    let (checked, lost) = harness.check_writes().await;
    let mail = harness.settle_mail(Duration::from_secs(90)).await;
    report(
        "SIGKILL",
        &harness,
        &format!(
            "{checked} writes checked, {lost} lost; {mail:?}, {in_doubt} in doubt at the kill; ready again in {recovery:?}"
        ),
    );
    assert!(checked > 20, "the load acknowledged too little: {checked}");
    assert_eq!(lost, 0);
    assert!(mail.due > 0, "the load queued no email");
    assert_eq!((mail.missing, mail.unexpected, mail.failed), (0, 0, 0));
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

    let (checked, lost) = harness.check_writes().await;
    let mail = harness.settle_mail(Duration::from_secs(90)).await;
    report(
        "SMTP away",
        &harness,
        &format!("{checked} writes checked, {lost} lost; {mail:?}; {retries} retries while away"),
    );
    assert!(retries > 0.0 && backoff > 0.0, "no backoff in /metrics");
    assert_eq!(lost, 0);
    assert!(mail.due > 0, "the load queued no email");
    assert_eq!(
        (mail.missing, mail.duplicated, mail.unexpected, mail.failed),
        (0, 0, 0, 0)
    );
}
