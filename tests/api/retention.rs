//! Retention (PIPL Art. 47): households whose needs all ended long ago lose
//! their personal data and nothing else — no figure moves — and a volunteer
//! erases their own account.

use std::process::Command;
use std::time::{Duration, SystemTime};

use huzhu::domain::Role;
use huzhu::store::entity::{audit_log, household, need, outbox, pairing};
use huzhu::store::now_ms;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, problem, spawn_app_with};

const DAY: i64 = 24 * 3_600_000;
const TOWNSHIP: &str = "430525101";

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn uuid(text: &str) -> Uuid {
    text.parse().expect("uuid")
}

/// A household of the township, with its own name, phone and ID number.
async fn household(app: &TestApp, cadre: &str, name: &str, phone: &str, id_number: &str) -> String {
    let body = json!({"region": "430525101000", "head_name": name, "members": 3, "phone": phone,
        "id_number": id_number, "lat": 27.10437, "lon": 110.55291, "tags": ["elderly_alone"]});
    let response = app
        .post_json("/api/v1/households", &body, Some(cadre))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

async fn post_need(app: &TestApp, cadre: &str, household: &str) -> String {
    let body = json!({"household_id": household, "category": "care", "title": "照看老人",
        "description": "白天需要有人照看", "urgency": 2});
    let response = app.post_json("/api/v1/needs", &body, Some(cadre)).await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

/// A volunteer with an offer near the township: (account, token, offer id).
async fn volunteer(app: &TestApp, name: &str, phone: &str) -> (TestUser, String, String) {
    let user = app.create_person(Role::Volunteer, None, name, phone).await;
    let token = app.login(&user).await;
    let body = json!({"categories": ["care"], "lat": 27.10, "lon": 110.55, "radius_km": 20,
        "remote": false, "capacity": 3});
    let response = app.post_json("/api/v1/offers", &body, Some(&token)).await;
    assert_eq!(response.status().as_u16(), 201);
    let offer = id(&response.json().await.expect("JSON"));
    (user, token, offer)
}

async fn claim(app: &TestApp, token: &str, need: &str, offer: &str) -> String {
    let response = app
        .post_json(
            &format!("/api/v1/needs/{need}/claim"),
            &json!({"offer_id": offer}),
            Some(token),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

async fn ok(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// Moves everything of `households` (their rows, their needs, their ended
/// pairings) `days` days into the past.
async fn age(app: &TestApp, households: &[&String], days: i64) {
    app.startup_jobs_done().await;
    let past = now_ms() - days * DAY;
    let ids: Vec<Uuid> = households.iter().map(|h| uuid(h)).collect();
    let db = &app.context.db;
    household::Entity::update_many()
        .col_expr(household::Column::UpdatedAt, Expr::value(past))
        .filter(household::Column::Id.is_in(ids.clone()))
        .exec(db)
        .await
        .expect("households aged");
    need::Entity::update_many()
        .col_expr(need::Column::UpdatedAt, Expr::value(past))
        .filter(need::Column::HouseholdId.is_in(ids.clone()))
        .exec(db)
        .await
        .expect("needs aged");
    pairing::Entity::update_many()
        .col_expr(pairing::Column::EndedAt, Expr::value(past))
        .filter(pairing::Column::HouseholdId.is_in(ids))
        .filter(pairing::Column::EndedAt.is_not_null())
        .exec(db)
        .await
        .expect("pairings aged");
}

/// Waits until the mail worker wrote every queued email as a file.
async fn mail_written(app: &TestApp) {
    for _ in 0..500 {
        let pending = outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .count(&app.context.db)
            .await
            .expect("count");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the mail worker did not write the outbox");
}

/// Every email so far, queued and written, `days` days older.
async fn age_mail(app: &TestApp, days: i64) {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::CreatedAt,
            Expr::value(now_ms() - days * DAY),
        )
        .exec(&app.context.db)
        .await
        .expect("outbox aged");
    let past = SystemTime::now() - Duration::from_secs((days * 86_400) as u64);
    for entry in std::fs::read_dir(&app.context.settings.mail_dir).expect("mail dir") {
        let path = entry.expect("entry").path();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(past))
            .expect("file aged");
    }
}

/// Everything the emails hold now: outbox rows and files.
async fn all_mail(app: &TestApp) -> String {
    let mut all = String::new();
    for row in outbox::Entity::find()
        .all(&app.context.db)
        .await
        .expect("outbox")
    {
        all.push_str(&format!(
            "{} {} {}\n",
            row.subject, row.text_body, row.html_body
        ));
        all.push_str(row.payload.as_deref().unwrap_or(""));
    }
    if let Ok(entries) = std::fs::read_dir(&app.context.settings.mail_dir) {
        for entry in entries {
            all.push_str(
                &std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default(),
            );
        }
    }
    all
}

async fn figures(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for path in [
        "/api/v1/stats/summary",
        "/api/v1/stats/breakdown?by=township",
        "/api/v1/stats/pairings",
    ] {
        all.push(ok(app.get_with(path, token).await, 200).await);
    }
    all
}

fn huzhu_purge(app: &TestApp, dry_run: bool) -> String {
    let settings = &app.context.settings;
    let mut command = Command::new(env!("CARGO_BIN_EXE_huzhu"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HUZHU_DATABASE_URL", &settings.database_url)
        .env("HUZHU_MAIL_DIR", &settings.mail_dir)
        .arg("purge");
    if dry_run {
        command.arg("--dry-run");
    }
    let output = command.output().expect("huzhu ran");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn erase_audits(app: &TestApp) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(huzhu::domain::AuditAction::Erase))
        .count(&app.context.db)
        .await
        .expect("count")
}

/// The households of a small county, by what keeps or frees their data.
struct County {
    fulfilled: String,
    cancelled: String,
    visited: String,
    live: String,
    paired: String,
    recent: String,
    fulfilled_need: String,
}

/// Builds the county: a household helped (fulfilled), one whose need the
/// cadre cancelled, one once paired and visited (pairing ended, no longer
/// key), one with a live need, one in an active pairing, all aged three
/// years; and one helped last week.
async fn county(app: &TestApp, cadre: &str) -> County {
    let (_, v_token, offer) = volunteer(app, "张志强", "13800000001").await;
    let fulfilled = household(app, cadre, "赵铁柱", "13907390011", "430525195001011236").await;
    let fulfilled_need = post_need(app, cadre, &fulfilled).await;
    let m = claim(app, &v_token, &fulfilled_need, &offer).await;
    let done = json!({"note": "已照看一周"});
    let path = format!("/api/v1/matches/{m}/complete");
    ok(app.post_json(&path, &done, Some(cadre)).await, 200).await;

    let cancelled = household(app, cadre, "钱桂兰", "13907390012", "430525195202021238").await;
    let n = post_need(app, cadre, &cancelled).await;
    let reason = json!({"reason": "已由亲属照看"});
    let path = format!("/api/v1/needs/{n}/cancel");
    ok(app.post_json(&path, &reason, Some(cadre)).await, 200).await;

    ok(
        app.client
            .put(app.url("/api/v1/me/standing"))
            .bearer_auth(&v_token)
            .json(&json!({"standing": true}))
            .send()
            .await
            .expect("sent"),
        200,
    )
    .await;
    let me = app.get_json("/api/v1/me", &v_token).await;
    let helper = id(&me);
    let visited = household(app, cadre, "孙福贵", "13907390013", "430525194503031232").await;
    let paired = household(app, cadre, "李秀英", "13907390014", "430525194804041231").await;
    let mut pairings = Vec::new();
    for h in [&visited, &paired] {
        let key = json!({"reason": "elderly_alone"});
        ok(
            app.post_json(&format!("/api/v1/households/{h}/key"), &key, Some(cadre))
                .await,
            200,
        )
        .await;
        let body = json!({"household_id": h, "helper_id": helper});
        pairings.push(id(&ok(
            app.post_json("/api/v1/pairings", &body, Some(cadre)).await,
            201,
        )
        .await));
    }
    let visit = json!({"household_id": visited, "at": chrono::Utc::now().to_rfc3339(),
        "kind": "pairing", "notes": "孙福贵腿脚不便，电话13907390013"});
    ok(
        app.post_json("/api/v1/visits", &visit, Some(&v_token))
            .await,
        201,
    )
    .await;
    let end = json!({"reason": "帮扶人外出务工"});
    let path = format!("/api/v1/pairings/{}/end", pairings[0]);
    ok(app.post_json(&path, &end, Some(cadre)).await, 200).await;
    let unkey = app
        .client
        .delete(app.url(&format!("/api/v1/households/{visited}/key")))
        .bearer_auth(cadre)
        .send()
        .await
        .expect("sent");
    assert!(unkey.status().is_success(), "{}", unkey.status());

    let live = household(app, cadre, "周大海", "13907390015", "430525195505051231").await;
    post_need(app, cadre, &live).await;
    mail_written(app).await;
    age(
        app,
        &[&fulfilled, &cancelled, &visited, &live, &paired],
        3 * 365,
    )
    .await;
    age_mail(app, 3 * 365).await;

    let recent = household(app, cadre, "吴春花", "13907390016", "430525196006061237").await;
    let n = post_need(app, cadre, &recent).await;
    let m = claim(app, &v_token, &n, &offer).await;
    let path = format!("/api/v1/matches/{m}/complete");
    ok(app.post_json(&path, &done, Some(cadre)).await, 200).await;
    County {
        fulfilled,
        cancelled,
        visited,
        live,
        paired,
        recent,
        fulfilled_need,
    }
}

#[tokio::test]
async fn a_purge_erases_only_households_past_the_window_and_no_figure_changes() {
    let app = spawn_app_with(|env| {
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "20".to_owned());
    })
    .await;
    let cadre_user = app.create_user(Role::Cadre, Some(TOWNSHIP)).await;
    let cadre = crate::helpers::pages::LoggedIn::new(&app, cadre_user).await;
    let (pages, cadre) = (&cadre, cadre.token.clone());
    let admin = app.create_user(Role::Admin, None).await;
    let admin = app.login(&admin).await;
    let c = county(&app, &cadre).await;
    mail_written(&app).await;
    let before = figures(&app, &admin).await;
    let erased = [&c.fulfilled, &c.cancelled, &c.visited];
    let kept = [&c.live, &c.paired, &c.recent];

    // A dry run, by the real command, lists the three and changes nothing.
    let dry = huzhu_purge(&app, true);
    for h in erased {
        assert!(dry.contains(h.as_str()), "{dry}");
    }
    for h in kept {
        assert!(!dry.contains(h.as_str()), "{dry}");
    }
    assert!(dry.contains("would erase 3 households"), "{dry}");
    assert!(
        !dry.contains("赵铁柱") && !dry.contains("13907390011"),
        "{dry}"
    );
    let still = app
        .get_json(&format!("/api/v1/households/{}", c.fulfilled), &cadre)
        .await;
    assert_eq!(still["head_name"], "赵铁柱");
    assert_eq!(erase_audits(&app).await, 0);

    let settings = &app.context.settings;
    let purge =
        huzhu::services::retention::purge(&app.context.db, settings, now_ms(), false, Uuid::nil())
            .await
            .expect("purge");
    assert_eq!(purge.households_erased, 3);
    assert!(purge.outbox_rows_deleted > 0 && purge.mail_files_deleted > 0);
    assert_eq!(erase_audits(&app).await, 3);
    // The second run, by the command, finds nothing left to erase.
    let again = huzhu_purge(&app, false);
    assert!(again.contains("erased 0 households"), "{again}");
    assert_eq!(erase_audits(&app).await, 3);

    assert_eq!(figures(&app, &admin).await, before, "a figure changed");
    for h in erased {
        let got = app
            .get_json(&format!("/api/v1/households/{h}"), &cadre)
            .await;
        assert_eq!(got["head_name"], "", "{got}");
        for field in ["id_number", "phone", "lat", "lon"] {
            assert!(got[field].is_null(), "{field}: {got}");
        }
        assert_eq!(got["tags"], json!([]));
        assert!(got["erased_at"].is_string(), "{got}");
        let patch = app
            .client
            .patch(app.url(&format!("/api/v1/households/{h}")))
            .bearer_auth(&cadre)
            .json(&json!({"members": 2}))
            .send()
            .await
            .expect("sent");
        let refused = problem(patch, 409).await;
        assert!(
            refused["detail"].as_str().unwrap_or("").contains("删除"),
            "{refused}"
        );
        let body = json!({"household_id": h, "category": "care", "title": "米面", "description": "缺米面", "urgency": 1});
        problem(
            app.post_json("/api/v1/needs", &body, Some(&cadre)).await,
            409,
        )
        .await;
        let key = json!({"reason": "elderly_alone"});
        let path = format!("/api/v1/households/{h}/key");
        problem(app.post_json(&path, &key, Some(&cadre)).await, 409).await;
    }
    // The pages say so, and offer nothing to change.
    let page = pages
        .get(&app, &format!("/households/{}", c.fulfilled))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("个人信息已删除") && !page.html.contains("修改户信息"));
    let list = pages.get(&app, "/households").await;
    assert!(list.html.contains("个人信息已删除") && list.html.contains("吴春花"));
    let edit = pages
        .get(&app, &format!("/households/{}/edit", c.fulfilled))
        .await;
    assert_eq!(edit.status, 409);
    for h in kept {
        let got = app
            .get_json(&format!("/api/v1/households/{h}"), &cadre)
            .await;
        assert!(
            got["erased_at"].is_null() && got["phone"].is_string(),
            "{got}"
        );
    }
    // The need keeps all but its exact point: the rounded one.
    let n = app
        .get_json(&format!("/api/v1/needs/{}", c.fulfilled_need), &cadre)
        .await;
    assert_eq!(
        (n["lat"].as_f64(), n["lon"].as_f64()),
        (Some(27.10), Some(110.55)),
        "{n}"
    );
    assert_eq!(n["status"], "fulfilled");

    let mut answers = String::new();
    for path in [
        "/api/v1/households?limit=500".to_owned(),
        "/api/v1/needs?limit=500".to_owned(),
        format!("/api/v1/pairings?household={}", c.visited),
        format!("/api/v1/visits?household={}", c.visited),
    ] {
        answers.push_str(
            &app.get_with(&path, &cadre)
                .await
                .text()
                .await
                .expect("text"),
        );
    }
    let csv = app
        .get_with("/api/v1/households/export?format=csv", &cadre)
        .await;
    let csv = csv.text().await.expect("CSV");
    assert!(csv.contains("个人信息已删除"), "{csv}");
    answers.push_str(&csv);
    answers.push_str(&all_mail(&app).await);
    for secret in [
        "赵铁柱",
        "13907390011",
        "430525195001011236",
        "钱桂兰",
        "13907390012",
        "孙福贵",
        "13907390013",
        "腿脚不便",
    ] {
        assert!(!answers.contains(secret), "{secret} is still served");
    }
    assert!(answers.contains("吴春花") && answers.contains("周大海"));
}

#[tokio::test]
async fn a_need_posted_for_an_aged_household_keeps_it_from_erasure() {
    let app = spawn_app_with(|_| {}).await;
    let cadre = app.create_user(Role::Cadre, Some(TOWNSHIP)).await;
    let cadre = app.login(&cadre).await;
    let h = household(&app, &cadre, "郑光明", "13907390021", "430525195707071230").await;
    age(&app, &[&h], 1000).await;
    post_need(&app, &cadre, &h).await;
    let settings = &app.context.settings;
    let purge =
        huzhu::services::retention::purge(&app.context.db, settings, now_ms(), false, Uuid::nil())
            .await
            .expect("purge");
    assert_eq!(purge.households_erased, 0);
}

fn subject_of(mail: &crate::helpers::smtp::ReceivedMail) -> String {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_default()
}

async fn delete_me(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .delete(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent")
}

async fn login_status(app: &TestApp, user: &TestUser) -> u16 {
    let body = json!({"email": user.email, "password": user.password});
    app.post_json("/api/v1/auth/login", &body, None)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_volunteer_who_deletes_their_account_frees_their_match_and_the_cadre_is_told() {
    let sink = crate::helpers::SmtpSink::start().await;
    let app = crate::helpers::spawn_app_mailing_to(&sink).await;
    let cadre_user = app.create_user(Role::Cadre, Some(TOWNSHIP)).await;
    let cadre = app.login(&cadre_user).await;
    let admin = app.create_user(Role::Admin, None).await;
    let admin = app.login(&admin).await;
    let (volunteer_user, token, offer) = volunteer(&app, "陈志愿", "13800000077").await;
    let h = household(&app, &cadre, "冯老汉", "13907390031", "430525194808081230").await;
    let n = post_need(&app, &cadre, &h).await;
    let m = claim(&app, &token, &n, &offer).await;
    sink.wait_for(2, Duration::from_secs(10)).await;

    // Staff are told who deactivates them; a wrong password changes nothing.
    let refused = problem(
        delete_me(&app, &cadre, json!({"password": "whatever"})).await,
        403,
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap_or("").contains("管理员"),
        "{refused}"
    );
    for body in [json!({"password": "不是这个密码不是这个"}), json!({})] {
        let wrong = problem(delete_me(&app, &token, body).await, 422).await;
        assert_eq!(wrong["errors"][0]["field"], "password", "{wrong}");
    }
    assert_eq!(login_status(&app, &volunteer_user).await, 200);
    let still = app.get_json(&format!("/api/v1/matches/{m}"), &cadre).await;
    assert_eq!(still["status"], "accepted");

    let body = json!({"password": volunteer_user.password});
    assert_eq!(delete_me(&app, &token, body).await.status().as_u16(), 204);
    assert_eq!(login_status(&app, &volunteer_user).await, 401);
    assert_eq!(
        app.get_with("/api/v1/me", &token).await.status().as_u16(),
        401
    );
    let forgot = json!({"email": volunteer_user.email});
    app.post_json("/api/v1/auth/forgot", &forgot, None).await;

    let cancelled = app.get_json(&format!("/api/v1/matches/{m}"), &cadre).await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let events = app
        .get_json(&format!("/api/v1/matches/{m}/events"), &admin)
        .await;
    let last = events["items"]
        .as_array()
        .and_then(|e| e.last().cloned())
        .expect("events");
    assert!(
        last["note"]
            .as_str()
            .unwrap_or("")
            .contains("志愿者已注销账户"),
        "{last}"
    );
    let need = app.get_json(&format!("/api/v1/needs/{n}"), &cadre).await;
    assert_eq!(need["status"], "open");
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let to_cadre: Vec<String> = mails
        .iter()
        .filter(|m| m.to[0] == cadre_user.email)
        .map(subject_of)
        .collect();
    assert!(
        to_cadre.iter().any(|s| s.contains("已取消")),
        "{to_cadre:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.received().len(),
        3,
        "no reset link went to a deleted account"
    );

    let users = app.get_json("/api/v1/users?role=volunteer", &admin).await;
    let gone = users["items"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["name"] == "已注销用户").cloned())
        .expect("the account stays, erased");
    assert!(gone["phone"].is_null() && gone["active"] == false, "{gone}");
    assert!(
        gone["email"].as_str().unwrap_or("").ends_with("@invalid"),
        "{gone}"
    );
    let again = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", id(&gone))))
        .bearer_auth(&admin)
        .json(&json!({"active": true}))
        .send()
        .await
        .expect("sent");
    problem(again, 409).await;
    let offer = huzhu::store::offers::find(&app.context.db, uuid(&offer))
        .await
        .expect("read")
        .expect("offer");
    assert_eq!(offer.status, huzhu::domain::OfferStatus::Withdrawn);
}

#[tokio::test]
async fn a_volunteer_deletes_their_account_on_its_page() {
    use crate::helpers::browser::{Browser, PHONE};
    let app = spawn_app_with(|_| {}).await;
    let (user, _, _) = volunteer(&app, "陈志愿", "13800000078").await;
    let mut browser = Browser::open(&app).await;
    browser.resize(PHONE).await;
    browser.goto("/login").await;
    browser.log_in(&user.email, &user.password).await;
    browser.wait_for_text("退出").await;
    browser.click("陈志愿").await;
    browser.wait_for_text("我的账户").await;
    browser.click("删除账户").await;
    browser.wait_for_text("删除后无法恢复").await;
    crate::staff_pages::fits_a_phone(&browser, "/account/delete").await;
    browser.shots_at_both_sizes("delete-account").await;
    browser
        .fill("请输入密码以确认", "不是这个密码不是这个")
        .await;
    browser.click("永久删除我的账户").await;
    browser.wait_for_text("密码不正确").await;
    browser.shots_at_both_sizes("wrong-password").await;
    browser.fill("请输入密码以确认", &user.password).await;
    browser.click("永久删除我的账户").await;
    browser.wait_for_text("账户已删除").await;
    browser.shots_at_both_sizes("deleted").await;
    let text = browser.text().await;
    assert!(!text.contains("陈志愿"), "the session ended: {text}");
    browser.close().await;
    assert_eq!(login_status(&app, &user).await, 401);
}
