//! The fault harness: the real `huzhu serve` process under a steady mixed
//! load (needs posted, claims, cancellations, completions, near-me reads,
//! rounds), with a real SMTP server on loopback, meets each fault in turn:
//!
//! - `kill`: SIGKILL and a restart, three times;
//! - `smtp`: the mail server away for minutes (`HUZHU_FAULT_SMTP_SECS`,
//!   default 180);
//! - `postgres`: PostgreSQL stopped for 5 s and started again (on
//!   PostgreSQL only; it restarts the local cluster with `pg_ctlcluster`);
//! - `disk`: the file system of the SQLite database fills up, then space
//!   returns (on SQLite only; needs root, for a small tmpfs);
//! - `overload`: offered load stepped past what huzhu serves, for the curve
//!   of served requests and p99 against offered load.
//!
//! Per fault it prints the requests made, the errors by status, the
//! acknowledged writes checked and lost, the emails due, missing and
//! duplicated, and the recovery time.
//!
//! `cargo bench --bench faults` (SQLite in a temporary folder), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! on a fresh PostgreSQL database. `HUZHU_FAULTS=kill,smtp` picks faults.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::faults::Harness;

fn wanted(fault: &str) -> bool {
    std::env::var("HUZHU_FAULTS")
        .map(|list| list.split(',').any(|f| f.trim() == fault))
        .unwrap_or(true)
}

/// Once the load has stopped: checks every acknowledged write, waits for
/// the outbox to empty, and prints the fault's figures with `extra` (asked
/// after that wait).
async fn report(fault: &str, harness: &Harness, extra: impl FnOnce() -> String) {
    let (checked, lost) = harness.check_writes().await;
    let mail = harness.settle_mail(Duration::from_secs(300)).await;
    let extra = extra();
    let ledger = harness.ledger.lock().expect("ledger");
    println!(
        "{fault:<9} requests {:>6}  errors {:?}\n          acknowledged writes checked {checked}, lost {lost}; emails due {}, missing {}, duplicated {}, failed {}; {extra}",
        ledger.requests,
        ledger.errors(),
        mail.due,
        mail.missing,
        mail.duplicated,
        mail.failed,
    );
    if !ledger.bad_answers.is_empty() {
        let mut seen: Vec<&String> = ledger.bad_answers.iter().collect();
        seen.dedup();
        println!("          ANSWERS THAT BROKE THE RULES: {seen:?}");
    }
}

async fn kill(url: &str) {
    let mut harness = Harness::start(url, &[]).await;
    let load = harness.load(8);
    let client = harness.client.clone();
    let (mut doubt, mut recoveries) = (0, Vec::new());
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(5)).await;
        harness.server.kill();
        doubt += harness.in_doubt().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        recoveries.push(harness.server.restart(&client).await);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    load.stop().await;
    report("kill", &harness, || {
        format!(
            "3 kills; emails the dead process had handed over unrecorded: {doubt}; ready again after {recoveries:?}"
        )
    })
    .await;
}

async fn smtp(url: &str) {
    let away: u64 = std::env::var("HUZHU_FAULT_SMTP_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    let mut harness = Harness::start(url, &[]).await;
    let load = harness.load(4);
    tokio::time::sleep(Duration::from_secs(2)).await;
    harness.sink.stop();
    tokio::time::sleep(Duration::from_secs(away)).await;
    let retries = harness.metric("huzhu_email_retries_total").await;
    let delays = harness.metric("huzhu_email_retry_delay_seconds_sum").await;
    let pending = harness.unsent().await.len();
    harness.sink.resume().await;
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    load.stop().await;
    report("smtp", &harness, || {
        format!(
            "away {away} s: {pending} emails waiting, {retries} retries, mean backoff {:.1} s; all sent {:.1} s after the server returned",
            delays / retries.max(1.0),
            back.elapsed().as_secs_f64()
        )
    })
    .await;
}

fn cluster(action: &str) {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a cluster version");
    let mut command = Command::new("pg_ctlcluster");
    command.args(["--skip-systemctl-redirect", &version, "main", action]);
    if action == "stop" {
        command.args(["-m", "fast"]);
    }
    let status = command.status().expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action}");
}

/// Sends one request, with how long the answer took and its status.
async fn probe(client: &reqwest::Client, request: reqwest::RequestBuilder) -> (Duration, String) {
    let started = Instant::now();
    let status = match client.execute(request.build().expect("request")).await {
        Ok(r) => r.status().as_u16().to_string(),
        Err(_) => "no answer".to_owned(),
    };
    (started.elapsed(), status)
}

async fn postgres(url: &str) {
    let harness = Harness::start(url, &[]).await;
    let load = harness.load(6);
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster("stop");
    let down = Instant::now();
    let (mut slowest, mut statuses) = (Duration::ZERO, std::collections::BTreeMap::new());
    while down.elapsed() < Duration::from_secs(5) {
        for path in ["/readyz", "/api/v1/regions"] {
            let request = harness.client.get(format!("{}{path}", harness.server.url));
            let (took, status) = probe(&harness.client, request).await;
            slowest = slowest.max(took);
            *statuses.entry(format!("{path} {status}")).or_insert(0) += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster("start");
    let recovery = harness
        .server
        .wait_ready(&harness.client, Duration::from_secs(60))
        .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    load.stop().await;
    report("postgres", &harness, || {
        format!(
            "down 5 s: probes {statuses:?}, slowest answer {slowest:?}; ready {recovery:?} after PostgreSQL was back"
        )
    })
    .await;
}

async fn disk() {
    let mount = tempfile::tempdir().expect("mount point");
    let path = mount.path().display().to_string();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=48m", "tmpfs", &path])
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("disk      skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let url = format!("sqlite://{path}/huzhu.db?mode=rwc");
    {
        let harness = Harness::start(&url, &[]).await;
        let load = harness.load(6);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let filler = mount.path().join("filler");
        fill(&filler);
        let full = Instant::now();
        harness.ledger.lock().expect("ledger").new_phase();
        tokio::time::sleep(Duration::from_secs(15)).await;
        let during = {
            let l = harness.ledger.lock().expect("ledger");
            format!(
                "while full: writes 201 {}, writes 503 {}, reads 200 {}, reads 503 {}",
                l.count("write", "201"),
                l.count("write", "503"),
                l.count("read", "200"),
                l.count("read", "503")
            )
        };
        std::fs::remove_file(&filler).expect("space returns");
        let back = Instant::now();
        let written = |h: &Harness| h.ledger.lock().expect("ledger").count("write", "201");
        let before = written(&harness);
        while written(&harness) == before && back.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let recovery = back.elapsed();
        tokio::time::sleep(Duration::from_secs(3)).await;
        load.stop().await;
        let full_for = back.duration_since(full);
        report("disk", &harness, || {
            format!("full for {full_for:?}; {during}; first write accepted {recovery:?} after space returned")
        })
        .await;
    }
    // Lazily: the harness's own pool may still be closing its files.
    let _ = Command::new("umount").args(["-l", &path]).status();
}

/// Writes `path` until the file system refuses, to the last byte.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("filler");
    for size in [1 << 20, 1 << 12, 1] {
        let chunk = vec![0u8; size];
        while file.write_all(&chunk).is_ok() {}
    }
    let _ = file.sync_all();
}

/// Offered load stepped up: an open-loop generator sends near-me reads at
/// each rate for a few seconds, while a probe asks `/healthz` every 50 ms.
async fn overload(url: &str) {
    let harness = Harness::start(url, &[]).await;
    // Needs to read: the load posts them for a few seconds.
    let load = harness.load(4);
    tokio::time::sleep(Duration::from_secs(3)).await;
    load.stop().await;
    println!(
        "overload  offered/s  served/s  shed(503)/s  other/s  p50 ms  p99 ms (served)  healthz p99 ms"
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4096)
        .build()
        .expect("client");
    let token = harness.volunteer_token(0).to_owned();
    let target = format!(
        "{}/api/v1/needs?near=27.10,110.55&within_km=20",
        harness.server.url
    );
    for rate in [100u64, 200, 400, 800, 1600, 3200] {
        let seconds = 5;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let health = {
            let client = client.clone();
            let url = format!("{}/healthz", harness.server.url);
            tokio::spawn(async move {
                let mut took = Vec::new();
                let end = Instant::now() + Duration::from_secs(seconds);
                while Instant::now() < end {
                    let started = Instant::now();
                    let _ = client.get(&url).send().await;
                    took.push(started.elapsed());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                took
            })
        };
        let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let started = Instant::now();
        for _ in 0..rate * seconds {
            tick.tick().await;
            let (client, target, token, tx) =
                (client.clone(), target.clone(), token.clone(), tx.clone());
            tokio::spawn(async move {
                let sent = Instant::now();
                let status = match client.get(&target).bearer_auth(&token).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                let _ = tx.send((status, sent.elapsed()));
            });
        }
        drop(tx);
        let mut served = Vec::new();
        let (mut shed, mut other) = (0u64, 0u64);
        while let Some((status, took)) = rx.recv().await {
            match status {
                200 => served.push(took),
                503 => shed += 1,
                _ => other += 1,
            }
        }
        let span = started.elapsed().as_secs_f64();
        let mut health = health.await.expect("probe");
        served.sort();
        health.sort();
        let pct = common::county::percentile;
        println!(
            "          {rate:>9}  {:>8.0}  {:>11.0}  {:>7.0}  {:>6.1}  {:>15.1}  {:>14.1}",
            served.len() as f64 / span,
            shed as f64 / span,
            other as f64 / span,
            pct(&served, 0.50),
            pct(&served, 0.99),
            pct(&health, 0.99)
        );
    }
}

#[tokio::main]
async fn main() {
    let postgres_server = std::env::var("HUZHU_BENCH_DATABASE_URL").is_ok();
    println!(
        "fault harness on {}",
        if postgres_server {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let faults: [(&str, bool); 5] = [
        ("kill", true),
        ("smtp", true),
        ("postgres", postgres_server),
        ("disk", !postgres_server),
        ("overload", true),
    ];
    for (fault, applies) in faults {
        if !applies || !wanted(fault) {
            continue;
        }
        let dir = tempfile::tempdir().expect("temporary folder");
        let (url, created) = common::county::database(dir.path()).await;
        match fault {
            "kill" => kill(&url).await,
            "smtp" => smtp(&url).await,
            "postgres" => postgres(&url).await,
            "disk" => disk().await,
            _ => overload(&url).await,
        }
        common::county::drop_database(created, dir).await;
    }
}
