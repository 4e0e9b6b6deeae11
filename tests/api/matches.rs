//! Matches from proposal to completion: claims, hand matches, every
//! transition, expiry, the email links, and the emails at each step.

use std::time::Duration;

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{
    SmtpSink, TestApp, TestUser, migrate_back_before_and_up, problem, spawn_app,
    spawn_app_mailing_to, spawn_app_with,
};
use crate::needs::{cadre, household, need};

mod delivered;
mod email_links;

async fn offer(app: &TestApp, token: &str, capacity: i64) -> Value {
    let body = json!({"categories": ["care", "education"], "lat": 27.10, "lon": 110.55, "radius_km": 20, "remote": false, "capacity": capacity});
    let response = app.post_json("/api/v1/offers", &body, Some(token)).await;
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.expect("JSON")
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

struct World {
    cadre: String,
    volunteer: TestUser,
    volunteer_token: String,
    coordinator: String,
    need: Value,
    offer: Value,
}

/// A coordinator matches the world's need and offer by hand.
async fn hand_match(app: &TestApp, w: &World) -> reqwest::Response {
    app.post_json(
        "/api/v1/matches",
        &json!({"need_id": id(&w.need), "offer_id": id(&w.offer)}),
        Some(&w.coordinator),
    )
    .await
}

async fn world(app: &TestApp) -> World {
    let cadre = cadre(app).await;
    let h = household(app, &cadre, Some((27.10, 110.55))).await;
    let need = need(app, &cadre, &id(&h), "care", 2).await;
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let volunteer_token = app.login(&volunteer).await;
    let offer = offer(app, &volunteer_token, 2).await;
    let coordinator_user = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator_user).await;
    World {
        cadre,
        volunteer,
        volunteer_token,
        coordinator,
        need,
        offer,
    }
}

async fn status_of(app: &TestApp, token: &str, path: &str) -> String {
    let v: Value = app.get_with(path, token).await.json().await.expect("JSON");
    v["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn the_whole_loop_claim_then_complete_tells_everyone() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |env| {
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned());
    })
    .await;
    let w = world(&app).await;
    let claim = app
        .post_json(
            &format!("/api/v1/needs/{}/claim", id(&w.need)),
            &json!({"offer_id": id(&w.offer)}),
            Some(&w.volunteer_token),
        )
        .await;
    let status = claim.status().as_u16();
    let m: Value = claim.json().await.expect("JSON");
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        (m["status"].as_str(), m["origin"].as_str()),
        (Some("accepted"), Some("claim"))
    );
    assert_eq!(
        status_of(&app, &w.cadre, &format!("/api/v1/needs/{}", id(&w.need))).await,
        "matched"
    );
    let offer: Value = app
        .get_with(
            &format!("/api/v1/offers/{}", id(&w.offer)),
            &w.volunteer_token,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(offer["free_capacity"], 1);

    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    let to_volunteer = mails
        .iter()
        .find(|m| m.to[0] == w.volunteer.email)
        .expect("the volunteer is told");
    assert!(to_volunteer.text().contains("13800138000") || !to_volunteer.text().is_empty());
    let to_cadre = mails
        .iter()
        .find(|m| m.to[0] != w.volunteer.email)
        .expect("the cadre is told");
    let (_, cadre_text) = subject_and_text(to_cadre);
    assert!(
        cadre_text.contains(&w.volunteer.email),
        "the cadre gets the volunteer's contact"
    );
    // Both land on the match's page, where each acts on it.
    let page = match_page(&app, &m);
    assert!(cadre_text.contains(&page), "{cadre_text}");
    let (_, volunteer_text) = subject_and_text(to_volunteer);
    assert!(volunteer_text.contains(&page), "{volunteer_text}");

    let complete = app
        .post_json(
            &format!("/api/v1/matches/{}/complete", id(&m)),
            &json!({"note": "米面已送到"}),
            Some(&w.cadre),
        )
        .await;
    assert_eq!(complete.status().as_u16(), 200);
    assert_eq!(
        status_of(&app, &w.cadre, &format!("/api/v1/needs/{}", id(&w.need))).await,
        "fulfilled"
    );
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let (_, thanks) = subject_and_text(&mails[2]);
    assert_eq!(mails[2].to, vec![w.volunteer.email.clone()]);
    assert!(
        thanks.contains("米面已送到") && thanks.contains(&page),
        "{thanks}"
    );
    let events: Value = app
        .get_with(
            &format!("/api/v1/matches/{}/events", id(&m)),
            &w.coordinator,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(events["next_cursor"], Value::Null, "{events}");
    let events = &events["items"];
    let steps: Vec<(&str, &str)> = events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or("-"),
                e["to"].as_str().expect("to"),
            )
        })
        .collect();
    assert_eq!(steps, vec![("-", "accepted"), ("accepted", "completed")]);
    assert_eq!(events[1]["note"], "米面已送到");
}

#[tokio::test]
async fn every_transition_is_allowed_only_from_its_status_and_by_its_people() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let propose = hand_match(&app, &w).await;
    assert_eq!(propose.status().as_u16(), 201);
    let m: Value = propose.json().await.expect("JSON");
    assert_eq!(m["status"], "proposed");
    let path = |action: &str| format!("/api/v1/matches/{}/{action}", id(&m));
    let stranger = app.create_user(Role::Volunteer, None).await;
    let stranger = app.login(&stranger).await;
    let other_cadre = app.create_user(Role::Cadre, Some("430525102")).await;
    let other_cadre = app.login(&other_cadre).await;
    let cases: Vec<(&str, &String, Value, u16)> = vec![
        ("complete", &w.cadre, json!({}), 409),
        ("cancel", &w.cadre, json!({"reason": "x"}), 409),
        ("accept", &stranger, json!({}), 404),
        ("accept", &w.volunteer_token, json!({}), 200),
        ("accept", &w.volunteer_token, json!({}), 409),
        ("decline", &w.volunteer_token, json!({}), 409),
        ("complete", &other_cadre, json!({}), 404),
        ("cancel", &w.volunteer_token, json!({}), 422),
        (
            "cancel",
            &w.volunteer_token,
            json!({"reason": "临时有事"}),
            200,
        ),
        ("complete", &w.cadre, json!({}), 409),
        ("cancel", &w.coordinator, json!({"reason": "again"}), 409),
    ];
    for (action, token, body, status) in cases {
        let response = app.post_json(&path(action), &body, Some(token)).await;
        assert_eq!(response.status().as_u16(), status, "{action}");
    }
    assert_eq!(
        status_of(&app, &w.cadre, &format!("/api/v1/needs/{}", id(&w.need))).await,
        "open"
    );
    let retry = hand_match(&app, &w).await;
    problem(retry, 409).await;
}

#[tokio::test]
async fn thirty_parallel_claims_on_one_need_make_exactly_one_match() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut claimants = Vec::new();
    for _ in 0..30 {
        let v = app.create_user(Role::Volunteer, None).await;
        let token = app.login(&v).await;
        let o = offer(&app, &token, 1).await;
        claimants.push((token, id(&o)));
    }
    let url = app.url(&format!("/api/v1/needs/{}/claim", id(&w.need)));
    let tasks: Vec<_> = claimants
        .into_iter()
        .map(|(token, offer)| {
            let client = app.client.clone();
            let url = url.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"offer_id": offer}))
                    .send()
                    .await
                    .expect("sent")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("joined"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let live: Value = app
        .get_with(
            &format!("/api/v1/matches?need={}", id(&w.need)),
            &w.coordinator,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(live["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn matches_are_listed_by_offer_for_staff_and_for_the_volunteer() {
    let app = spawn_app().await;
    let w = world(&app).await;
    assert_eq!(hand_match(&app, &w).await.status().as_u16(), 201);
    // A second offer of the same volunteer, matched to a second need.
    let h = household(&app, &w.cadre, Some((27.10, 110.55))).await;
    let second_need = need(&app, &w.cadre, &id(&h), "education", 1).await;
    let second_offer = offer(&app, &w.volunteer_token, 1).await;
    let second = app
        .post_json(
            "/api/v1/matches",
            &json!({"need_id": id(&second_need), "offer_id": id(&second_offer)}),
            Some(&w.coordinator),
        )
        .await;
    assert_eq!(second.status().as_u16(), 201);
    for token in [&w.coordinator, &w.volunteer_token] {
        for (o, n) in [(&w.offer, &w.need), (&second_offer, &second_need)] {
            let listed: Value = app
                .get_with(&format!("/api/v1/matches?offer={}", id(o)), token)
                .await
                .json()
                .await
                .expect("JSON");
            let needs: Vec<&str> = listed["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|m| m["need_id"].as_str().expect("need_id"))
                .collect();
            assert_eq!(needs, vec![id(n)]);
        }
    }
    let unknown = app
        .get_with(
            &format!("/api/v1/matches?offer={}", uuid::Uuid::now_v7()),
            &w.coordinator,
        )
        .await
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(unknown["items"], json!([]));
}

#[tokio::test]
async fn parallel_claims_never_pass_an_offers_capacity() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let h = household(&app, &w.cadre, Some((27.10, 110.55))).await;
    let mut needs = vec![id(&w.need)];
    for category in ["education"] {
        needs.push(id(&need(&app, &w.cadre, &id(&h), category, 1).await));
    }
    for _ in 0..6 {
        let extra = household(&app, &w.cadre, Some((27.10, 110.55))).await;
        needs.push(id(&need(&app, &w.cadre, &id(&extra), "care", 1).await));
    }
    let tasks: Vec<_> = needs
        .iter()
        .map(|n| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/needs/{n}/claim"));
            let token = w.volunteer_token.clone();
            let offer = id(&w.offer);
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"offer_id": offer}))
                    .send()
                    .await
                    .expect("sent")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        if task.await.expect("joined") == 201 {
            won += 1;
        }
    }
    assert_eq!(won, 2, "capacity 2");
    let offer: Value = app
        .get_with(
            &format!("/api/v1/offers/{}", id(&w.offer)),
            &w.volunteer_token,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(offer["free_capacity"], 0);
}

#[tokio::test]
async fn an_unanswered_proposal_expires_and_is_never_proposed_to_that_volunteer_again() {
    let app = spawn_app_with(|env| {
        env.insert("HUZHU_PROPOSAL_TTL_HOURS".to_owned(), "0.0003".to_owned());
    })
    .await;
    let w = world(&app).await;
    let m: Value = hand_match(&app, &w).await.json().await.expect("JSON");
    let path = format!("/api/v1/matches/{}", id(&m));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while status_of(&app, &w.coordinator, &path).await != "expired" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the proposal did not expire"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status_of(&app, &w.cadre, &format!("/api/v1/needs/{}", id(&w.need))).await,
        "open"
    );
    let again = hand_match(&app, &w).await;
    problem(again, 409).await;
    let candidates: Value = app
        .get_with(
            &format!("/api/v1/needs/{}/candidates", id(&w.need)),
            &w.coordinator,
        )
        .await
        .json()
        .await
        .expect("JSON");
    assert!(
        candidates["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["offer_id"] != w.offer["id"])
    );
    let claim = app
        .post_json(
            &format!("/api/v1/needs/{}/claim", id(&w.need)),
            &json!({"offer_id": id(&w.offer)}),
            Some(&w.volunteer_token),
        )
        .await;
    problem(claim, 409).await;
}

/// The subject and plain-text body of a delivered email, its lines ending
/// in `\n` as written (SMTP carries them as `\r\n`).
fn subject_and_text(mail: &crate::helpers::smtp::ReceivedMail) -> (String, String) {
    let parsed = mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("MIME");
    let subject = parsed.subject().expect("subject").to_owned();
    let text = parsed.body_text(0).expect("text").replace("\r\n", "\n");
    (subject, text)
}

/// The page of match `m` that its emails link to.
fn match_page(app: &TestApp, m: &Value) -> String {
    let base = app.context.public_url.as_str().trim_end_matches('/');
    format!("{base}/matches/{}", id(m))
}

/// The accept link of the first proposal in `mail`, as a path.
fn accept_path(mail: &crate::helpers::smtp::ReceivedMail) -> String {
    let text = mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("MIME")
        .body_text(0)
        .expect("text")
        .into_owned();
    let start = text.find("/m/").expect("an accept link");
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let path = link.split("/decline").next().expect("path").to_owned();
    if path.ends_with("/accept") {
        path
    } else {
        path.replace("/decline", "/accept")
    }
}

/// A hand match of the world's need and offer, with the accept link its
/// proposal email carried.
async fn proposed_by_email(app: &TestApp, w: &World, sink: &SmtpSink) -> (Value, String) {
    let m: Value = hand_match(app, w).await.json().await.expect("JSON");
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    (m, accept_path(&mails[0]))
}

/// Opens the link's page (which hands out the form's CSRF cookie); returns
/// a request that presses its button.
async fn link_button(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    let page = app.get(path).await;
    assert_eq!(page.status().as_u16(), 200);
    let cookie = page.headers().get_all("set-cookie").iter().find_map(|v| {
        v.to_str()
            .ok()?
            .strip_prefix("huzhu_csrf=")
            .map(|r| r.split(';').next().unwrap_or("").to_owned())
    });
    let cookie = cookie.expect("a CSRF cookie");
    app.client
        .post(app.url(path))
        .header("cookie", format!("huzhu_csrf={cookie}"))
        .form(&[("csrf_token", cookie.as_str())])
}

#[tokio::test]
async fn the_email_link_shows_a_page_and_only_its_button_accepts() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let (m, accept_path) = proposed_by_email(&app, &w, &sink).await;

    let button = link_button(&app, &accept_path).await;
    assert_eq!(
        status_of(&app, &w.coordinator, &format!("/api/v1/matches/{}", id(&m))).await,
        "proposed",
        "a GET changes nothing"
    );
    let again = button.try_clone().expect("a form can be sent twice");
    assert_eq!(button.send().await.expect("sent").status().as_u16(), 200);
    assert_eq!(
        status_of(&app, &w.coordinator, &format!("/api/v1/matches/{}", id(&m))).await,
        "accepted"
    );
    assert_eq!(
        again.send().await.expect("sent").status().as_u16(),
        404,
        "single use"
    );
}

/// The `(from, to)` steps of a match's history.
async fn steps(app: &TestApp, token: &str, m: &Value) -> Vec<(String, String)> {
    let events: Value = app
        .get_with(&format!("/api/v1/matches/{}/events", id(m)), token)
        .await
        .json()
        .await
        .expect("JSON");
    events["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let side = |k: &str| e[k].as_str().unwrap_or("-").to_owned();
            (side("from"), side("to"))
        })
        .collect()
}

#[tokio::test]
async fn a_matchs_history_comes_in_pages_that_follow_each_other() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let m: Value = hand_match(&app, &w).await.json().await.expect("JSON");
    let path = |action: &str| format!("/api/v1/matches/{}/{action}", id(&m));
    let accepted = app
        .post_json(&path("accept"), &json!({}), Some(&w.volunteer_token))
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    let completed = app
        .post_json(
            &path("complete"),
            &json!({"note": "已送到"}),
            Some(&w.cadre),
        )
        .await;
    assert_eq!(completed.status().as_u16(), 200);
    let page = |query: String| {
        let app = &app;
        let path = format!("{}{query}", path("events"));
        let token = w.coordinator.clone();
        async move {
            let response = app.get_with(&path, &token).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            response.json::<Value>().await.expect("JSON")
        }
    };

    let whole = page(String::new()).await;
    assert_eq!(whole["next_cursor"], Value::Null);
    let all = whole["items"].as_array().expect("items").clone();
    let to: Vec<&str> = all.iter().map(|e| e["to"].as_str().expect("to")).collect();
    assert_eq!(to, ["proposed", "accepted", "completed"]);
    // One at a time, each cursor leads on from the last event read, and the
    // last page says there is no more.
    let mut walked = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let one = page(query.clone()).await;
        walked.extend(one["items"].as_array().expect("items").iter().cloned());
        match one["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(walked.len() <= all.len(), "the pages never end");
    }
    assert_eq!(walked, all);

    for bad in ["?cursor=zzz", "?cursor=12_x", "?limit=0", "?limit=501"] {
        let response = app
            .get_with(&format!("{}{bad}", path("events")), &w.coordinator)
            .await;
        let body = problem(response, 422).await;
        let field = if bad.contains("cursor") {
            "cursor"
        } else {
            "limit"
        };
        assert_eq!(body["errors"][0]["field"], field, "{bad}");
    }
}

#[tokio::test]
async fn a_proposal_keeps_its_link_and_history_through_the_rebuilt_tables() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let (m, accept_path) = proposed_by_email(&app, &w, &sink).await;
    // Down to before the migrations that key tokens by their hash and
    // events by their match (each row copied into the old tables), then up
    // again (copied back).
    migrate_back_before_and_up(
        &app.context.db,
        "m20261203_000012_match_tokens_keyed_by_hash",
    )
    .await;

    let proposed = vec![("-".to_owned(), "proposed".to_owned())];
    assert_eq!(steps(&app, &w.coordinator, &m).await, proposed);
    let button = link_button(&app, &accept_path).await;
    assert_eq!(button.send().await.expect("sent").status().as_u16(), 200);
    let mut accepted = proposed;
    accepted.push(("proposed".to_owned(), "accepted".to_owned()));
    assert_eq!(steps(&app, &w.coordinator, &m).await, accepted);
}

/// Makes every `event` (`INSERT`, `UPDATE`) on `table` whose new row meets
/// `when` (SQL over `NEW`, or none for every row) fail inside the database,
/// as a full disk or a lost connection would, until [`heal`] is called.
pub async fn break_writes(
    db: &sea_orm::DatabaseConnection,
    event: &str,
    table: &str,
    when: Option<&str>,
) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let statements = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
                .to_owned(),
            format!(
                "CREATE TRIGGER injected_fault BEFORE {event} ON {table} FOR EACH ROW {} \
                 EXECUTE FUNCTION injected_fault()",
                when.map(|w| format!("WHEN ({w})")).unwrap_or_default()
            ),
        ],
        _ => vec![format!(
            "CREATE TRIGGER injected_fault BEFORE {event} ON {table} {} \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
            when.map(|w| format!("WHEN {w}")).unwrap_or_default()
        )],
    };
    for sql in statements {
        db.execute_unprepared(&sql).await.expect("fault injected");
    }
}

/// Removes what [`break_writes`] put on `table`.
pub async fn heal(db: &sea_orm::DatabaseConnection, table: &str) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => format!("DROP TRIGGER injected_fault ON {table}"),
        _ => "DROP TRIGGER injected_fault".to_owned(),
    };
    db.execute_unprepared(&sql).await.expect("fault removed");
}

#[tokio::test]
async fn a_link_answer_that_fails_midway_leaves_the_link_working() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let (m, accept_path) = proposed_by_email(&app, &w, &sink).await;
    let button = link_button(&app, &accept_path).await;
    let again = button.try_clone().expect("a form can be sent twice");

    // The match itself cannot be written: the answer fails after the
    // link was checked.
    break_writes(&app.context.db, "UPDATE", "matches", None).await;
    assert_eq!(button.send().await.expect("sent").status().as_u16(), 500);
    heal(&app.context.db, "matches").await;
    let path = format!("/api/v1/matches/{}", id(&m));
    assert_eq!(status_of(&app, &w.coordinator, &path).await, "proposed");

    assert_eq!(
        again.send().await.expect("sent").status().as_u16(),
        200,
        "the failed answer did not use the link up"
    );
    assert_eq!(status_of(&app, &w.coordinator, &path).await, "accepted");
}

#[tokio::test]
async fn a_link_to_a_proposal_answered_elsewhere_stays_unused() {
    use huzhu::store::entity::match_token;
    use sea_orm::EntityTrait;
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let (m, accept_path) = proposed_by_email(&app, &w, &sink).await;
    let button = link_button(&app, &accept_path).await;
    let declined = app
        .post_json(
            &format!("/api/v1/matches/{}/decline", id(&m)),
            &json!({}),
            Some(&w.volunteer_token),
        )
        .await;
    assert_eq!(declined.status().as_u16(), 200);

    assert_eq!(button.send().await.expect("sent").status().as_u16(), 404);
    let tokens = match_token::Entity::find()
        .all(&app.context.db)
        .await
        .expect("tokens");
    assert!(!tokens.is_empty());
    assert!(
        tokens.iter().all(|t| t.used_at.is_none()),
        "a refused answer spends nothing"
    );
}

#[tokio::test]
async fn a_deactivated_volunteers_email_link_no_longer_answers_for_them() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let w = world(&app).await;
    let (m, accept_path) = proposed_by_email(&app, &w, &sink).await;
    let button = link_button(&app, &accept_path).await;
    let admin = app.login(&app.create_user(Role::Admin, None).await).await;
    let me = app.get_json("/api/v1/me", &w.volunteer_token).await;
    let path = format!("/api/v1/users/{}", me["id"].as_str().expect("id"));
    let deactivated = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("sent");
    assert_eq!(deactivated.status().as_u16(), 200);

    assert_eq!(button.send().await.expect("sent").status().as_u16(), 404);
    assert_eq!(
        status_of(&app, &w.coordinator, &format!("/api/v1/matches/{}", id(&m))).await,
        "proposed"
    );
}
