//! The `huzhu` binary itself: configuration errors, commands, signals.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{TestDb, spawn_app_with};

fn huzhu(db: &TestDb, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_huzhu"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HUZHU_DATABASE_URL", &db.url)
        .env("HUZHU_MAIL_DIR", dir.join("mail"));
    command
}

#[tokio::test]
async fn an_invalid_setting_is_one_line_naming_the_variable_and_exit_code_2() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        ("HUZHU_BIND", "not-an-address"),
        ("HUZHU_PROPOSAL_TTL_HOURS", "soon"),
        ("HUZHU_TIMEZONE", "Mars/Base"),
        ("HUZHU_SMTP_URL", "smtp:/user:hunter2@"),
    ];
    for (variable, value) in cases {
        let output = huzhu(&db, dir.path())
            .env(variable, value)
            .arg("migrate")
            .output()
            .expect("ran");
        assert_eq!(output.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(variable), "{stderr}");
        assert!(!stderr.contains("hunter2"), "a secret was echoed: {stderr}");
    }
}

#[tokio::test]
async fn an_invalid_value_in_huzhu_toml_is_refused_too() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("huzhu.toml"), "bind = \"nowhere\"\n").expect("write");
    let output = huzhu(&db, dir.path()).arg("migrate").output().expect("ran");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bind (huzhu.toml)"));
}

#[tokio::test]
async fn regions_load_upserts_a_county_file_and_a_bad_file_writes_nothing() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,name,level,parent_code,lat,lon\n\
         430525203201,𦰡溪村,village,430525203000,27.1,110.4\n\
         430525203202,坏村,village,430525203000,95,110.4\n",
    )
    .expect("write");
    let output = huzhu(&db, dir.path())
        .args(["regions", "load"])
        .arg(&bad)
        .output()
        .expect("ran");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("lat"),
        "{stderr}"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "\u{feff}code,name,level,parent_code,lat,lon\n\
         430525203201,𦰡溪村,village,430525203000,27.1,110.4\n\
         430525203000,𦰡溪瑶族乡（改）,township,430525000000,27.0,110.3\n",
    )
    .expect("write");
    let output = huzhu(&db, dir.path())
        .args(["regions", "load"])
        .arg(&good)
        .output()
        .expect("ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let app = spawn_app_with(|env| {
        env.insert("HUZHU_DATABASE_URL".to_owned(), db.url.clone());
    })
    .await;
    let villages: serde_json::Value = app
        .get("/api/v1/regions?parent=430525203")
        .await
        .json()
        .await
        .expect("JSON");
    let items = villages["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        1,
        "the bad file wrote nothing, the good one one village"
    );
    assert_eq!(items[0]["name"], "𦰡溪村");
    assert_eq!(items[0]["lat"], 27.1);
    let township: serde_json::Value = app
        .get("/api/v1/regions/430525203000")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        township["name"], "𦰡溪瑶族乡（改）",
        "a restart keeps the loaded name"
    );
}

#[tokio::test]
async fn serve_binds_port_zero_says_where_and_stops_cleanly_on_sigterm() {
    let db = TestDb::create().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut child = huzhu(&db, dir.path())
        .env("HUZHU_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .expect("started");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let address = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a log line");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    let health = reqwest::get(format!("http://{address}/healthz"))
        .await
        .expect("reachable");
    assert_eq!(health.status().as_u16(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "huzhu did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}
