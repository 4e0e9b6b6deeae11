//! Matching rounds: the solver's proposals, one digest per volunteer, the
//! round lock across instances, and no need proposed twice.

use std::time::Duration;

use huzhu::domain::{RegionPrefix, Role};
use serde_json::{Value, json};

use crate::helpers::{SmtpSink, TestApp, problem, spawn_app, spawn_app_with};
use crate::needs::{cadre, household, need};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn coordinator(app: &TestApp) -> String {
    let c = app.create_user(Role::Coordinator, Some("430525")).await;
    app.login(&c).await
}

async fn offer(app: &TestApp, token: &str, categories: &[&str], capacity: i64) -> Value {
    let body = json!({"categories": categories, "lat": 27.10, "lon": 110.55, "radius_km": 20, "remote": false, "capacity": capacity});
    app.post_json("/api/v1/offers", &body, Some(token))
        .await
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn a_round_proposes_the_most_urgent_needs_in_one_digest_per_volunteer() {
    let sink = SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_to(&sink).await;
    let cadre = cadre(&app).await;
    let mut urgent = Vec::new();
    for urgency in [1, 3, 3, 1] {
        let h = household(&app, &cadre, Some((27.11, 110.55))).await;
        let n = need(&app, &cadre, &id(&h), "care", urgency).await;
        if urgency == 3 {
            urgent.push(id(&n));
        }
    }
    let v = app.create_user(Role::Volunteer, None).await;
    let v_token = app.login(&v).await;
    offer(&app, &v_token, &["care"], 2).await;
    let coordinator = coordinator(&app).await;
    let response = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let round: Value = response.json().await.expect("JSON");
    assert_eq!(
        (
            round["needs_considered"].as_i64(),
            round["matched"].as_i64()
        ),
        (Some(4), Some(2))
    );
    let distance = huzhu::domain::geo::haversine_m(
        huzhu::domain::geo::GeoPoint::new(27.11, 110.55),
        huzhu::domain::geo::GeoPoint::new(27.10, 110.55),
    );
    assert_eq!(
        round["total_cost"],
        -6_000_000 + 2 * distance,
        "two urgent needs, waited 0 days"
    );

    let proposed: Value = app
        .get_with("/api/v1/matches?status=proposed", &coordinator)
        .await
        .json()
        .await
        .expect("JSON");
    let mut needs: Vec<String> = proposed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["need_id"].as_str().expect("id").to_owned())
        .collect();
    needs.sort();
    urgent.sort();
    assert_eq!(needs, urgent);
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1, "one digest for the volunteer");
    assert_eq!(mails[0].to, vec![v.email.clone()]);
    // Beside its signed links, each proposal links to its match's page.
    let text = mail_parser::MessageParser::default()
        .parse(&mails[0].data)
        .expect("MIME")
        .body_text(0)
        .expect("text")
        .into_owned();
    let base = app.context.public_url.as_str().trim_end_matches('/');
    assert!(
        text.contains(&format!("{base}/matches?tab=proposed")),
        "{text}"
    );
    for m in proposed["items"].as_array().expect("items") {
        assert!(
            text.contains(&format!("{base}/matches/{}", id(m))),
            "{text}"
        );
    }
    let listed: Value = app
        .get_with(&format!("/api/v1/rounds/{}", id(&round)), &coordinator)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed["matched"], 2);
}

#[tokio::test]
async fn a_declined_need_is_not_proposed_to_that_volunteer_again() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    let h = household(&app, &cadre, Some((27.11, 110.55))).await;
    let n = need(&app, &cadre, &id(&h), "care", 2).await;
    let v = app.create_user(Role::Volunteer, None).await;
    let v_token = app.login(&v).await;
    offer(&app, &v_token, &["care"], 1).await;
    let coordinator = coordinator(&app).await;
    let first: Value = app
        .post_json(
            "/api/v1/rounds",
            &json!({"region": "430525101"}),
            Some(&coordinator),
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(first["matched"], 1);
    let proposed: Value = app
        .get_with(&format!("/api/v1/matches?need={}", id(&n)), &v_token)
        .await
        .json()
        .await
        .expect("JSON");
    let m = &proposed["items"][0];
    let declined = app
        .post_json(
            &format!("/api/v1/matches/{}/decline", id(m)),
            &json!({}),
            Some(&v_token),
        )
        .await;
    assert_eq!(declined.status().as_u16(), 200);
    let second: Value = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        (
            second["needs_considered"].as_i64(),
            second["matched"].as_i64()
        ),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn a_round_waits_its_turn_on_an_overlapping_region() {
    let app = spawn_app().await;
    let coordinator = coordinator(&app).await;
    let township = RegionPrefix::parse("430525101").expect("prefix");
    let held =
        huzhu::services::round_lock::acquire(&app.context.db, &township, huzhu::store::now_ms())
            .await
            .expect("lock");
    problem(
        app.post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
            .await,
        409,
    )
    .await;
    let elsewhere = app
        .post_json(
            "/api/v1/rounds",
            &json!({"region": "430525102"}),
            Some(&coordinator),
        )
        .await;
    assert_eq!(
        elsewhere.status().as_u16(),
        201,
        "a sibling township does not overlap"
    );
    held.release(&app.context.db).await.expect("released");
    assert_eq!(
        app.post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
            .await
            .status()
            .as_u16(),
        201
    );
    problem(
        app.post_json(
            "/api/v1/rounds",
            &json!({"region": "430526"}),
            Some(&coordinator),
        )
        .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn two_instances_running_rounds_at_once_never_propose_a_need_twice() {
    let first = spawn_app().await;
    let shared = first.context.settings.database_url.clone();
    let second = spawn_app_with(move |env| {
        env.insert("HUZHU_DATABASE_URL".to_owned(), shared);
    })
    .await;
    let cadre = cadre(&first).await;
    for i in 0..12 {
        let h = household(&first, &cadre, Some((27.11, 110.55 + i as f64 * 0.001))).await;
        need(&first, &cadre, &id(&h), "care", 1 + (i % 3)).await;
    }
    for _ in 0..3 {
        let v = first.create_user(Role::Volunteer, None).await;
        let token = first.login(&v).await;
        offer(&first, &token, &["care"], 3).await;
    }
    let coordinator = coordinator(&first).await;
    let mut tasks = Vec::new();
    for app in [&first, &second, &first, &second] {
        let client = app.client.clone();
        let url = app.url("/api/v1/rounds");
        let token = coordinator.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("joined"));
    }
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    let all: Value = first
        .get_with("/api/v1/matches?limit=500", &coordinator)
        .await
        .json()
        .await
        .expect("JSON");
    let mut live: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["need_id"].as_str().expect("id"))
        .collect();
    assert_eq!(live.len(), 9, "three offers of three places");
    live.sort();
    live.dedup();
    assert_eq!(live.len(), 9, "no need proposed twice");
}

#[tokio::test]
async fn with_round_every_rounds_run_by_themselves() {
    let app = spawn_app_with(|env| {
        env.insert("HUZHU_ROUND_EVERY".to_owned(), "1s".to_owned());
    })
    .await;
    let cadre = cadre(&app).await;
    let h = household(&app, &cadre, Some((27.11, 110.55))).await;
    let n = need(&app, &cadre, &id(&h), "care", 2).await;
    let v = app.create_user(Role::Volunteer, None).await;
    let v_token = app.login(&v).await;
    offer(&app, &v_token, &["care"], 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page: Value = app
            .get_with(&format!("/api/v1/matches?need={}", id(&n)), &v_token)
            .await
            .json()
            .await
            .expect("JSON");
        if let Some(m) = page["items"].as_array().and_then(|i| i.first()) {
            assert_eq!(
                (m["origin"].as_str(), m["status"].as_str()),
                (Some("round"), Some("proposed"))
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no scheduled round");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The regions of the rounds a caller's list shows, following every page.
async fn listed_regions(app: &TestApp, token: &str) -> Vec<String> {
    let mut regions = Vec::new();
    let mut path = "/api/v1/rounds?limit=1".to_owned();
    loop {
        let response = app.get_with(&path, token).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let page: Value = response.json().await.expect("JSON");
        for round in page["items"].as_array().expect("items") {
            regions.push(round["region"].as_str().expect("region").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/rounds?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    regions.sort();
    regions
}

#[tokio::test]
async fn rounds_are_listed_and_read_only_where_they_overlap_the_callers_region() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, None).await;
    let admin = app.login(&admin).await;
    let mut ids = std::collections::HashMap::new();
    for region in ["430525", "430525101", "430525102", "430524"] {
        let response = app
            .post_json("/api/v1/rounds", &json!({"region": region}), Some(&admin))
            .await;
        assert_eq!(response.status().as_u16(), 201, "{region}");
        let round: Value = response.json().await.expect("JSON");
        ids.insert(region, id(&round));
    }
    let cadre = cadre(&app).await; // township 430525101
    let county = coordinator(&app).await; // county 430525
    let cases = [
        (&admin, vec!["430524", "430525", "430525101", "430525102"]),
        (&county, vec!["430525", "430525101", "430525102"]),
        (&cadre, vec!["430525", "430525101"]),
    ];
    for (token, visible) in cases {
        assert_eq!(listed_regions(&app, token).await, visible);
        for (region, round) in &ids {
            let status = app
                .get_with(&format!("/api/v1/rounds/{round}"), token)
                .await
                .status()
                .as_u16();
            let expected = if visible.contains(region) { 200 } else { 404 };
            assert_eq!(status, expected, "round of {region} for {visible:?}");
        }
    }
}

/// Rows of the tables a round writes to.
async fn written(app: &TestApp) -> (i64, i64, i64) {
    use sea_orm::ConnectionTrait;
    let mut counts = Vec::new();
    for table in ["matches", "outbox", "rounds"] {
        let row = app
            .context
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.context.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("a row");
        counts.push(row.try_get::<i64>("", "n").expect("n"));
    }
    (counts[0], counts[1], counts[2])
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_tells_the_figures_the_real_round_then_has() {
    let app = spawn_app().await;
    let cadre = cadre(&app).await;
    for urgency in [1, 2, 3, 3, 1] {
        let h = household(&app, &cadre, Some((27.11, 110.55))).await;
        need(&app, &cadre, &id(&h), "care", urgency).await;
    }
    let v = app.create_user(Role::Volunteer, None).await;
    let v_token = app.login(&v).await;
    offer(&app, &v_token, &["care"], 3).await;
    let coordinator = coordinator(&app).await;
    let before = written(&app).await;

    let response = app
        .post_json(
            "/api/v1/rounds",
            &json!({"region": "430525101", "dry_run": true}),
            Some(&coordinator),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let preview: Value = response.json().await.expect("JSON");
    assert_eq!(written(&app).await, before, "a dry run writes nothing");
    assert_eq!(preview["needs_by_urgency"], json!({"1": 2, "2": 1, "3": 2}));
    assert_eq!(
        preview["matched_by_urgency"],
        json!({"1": 0, "2": 1, "3": 2})
    );
    assert_eq!(preview["places_considered"], 3);

    let real: Value = app
        .post_json(
            "/api/v1/rounds",
            &json!({"region": "430525101"}),
            Some(&coordinator),
        )
        .await
        .json()
        .await
        .expect("JSON");
    for figure in [
        "region",
        "needs_considered",
        "offers_considered",
        "matched",
        "total_cost",
    ] {
        assert_eq!(preview[figure], real[figure], "{figure}");
    }
    assert_eq!(written(&app).await.0, before.0 + 3, "the real round wrote");
}

#[tokio::test]
async fn a_dry_run_answers_409_while_an_overlapping_round_runs() {
    let app = spawn_app().await;
    let coordinator = coordinator(&app).await;
    let county = RegionPrefix::parse("430525").expect("prefix");
    let held =
        huzhu::services::round_lock::acquire(&app.context.db, &county, huzhu::store::now_ms())
            .await
            .expect("lock");
    let body = json!({"region": "430525101", "dry_run": true});
    problem(
        app.post_json("/api/v1/rounds", &body, Some(&coordinator))
            .await,
        409,
    )
    .await;
    held.release(&app.context.db).await.expect("released");
    let free = app
        .post_json("/api/v1/rounds", &body, Some(&coordinator))
        .await;
    assert_eq!(free.status().as_u16(), 200);
    let outside = json!({"region": "430526", "dry_run": true});
    problem(
        app.post_json("/api/v1/rounds", &outside, Some(&coordinator))
            .await,
        422,
    )
    .await;
}
