//! Escalation (周调度): open needs climb from the village to the township's
//! coordinators and then the county's by age (the most urgent at half the
//! ages), each coordinator gets one digest a day across instances, an
//! acknowledgement silences a need until its follow-up day, and the
//! figures count it all.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use huzhu::domain::Role;
use huzhu::domain::period::{local_date, local_midnight};
use huzhu::services::schedules::run_due;
use huzhu::store::entity::{escalation, matches, need, outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{SmtpSink, TestApp, problem, spawn_app_with};

const H: i64 = 3_600_000;
const DAY: i64 = 24 * H;

/// A server mailing to `sink`, once its own startup run of the daily jobs
/// is over: that run, at the real time, would raise the needs a test posts
/// in the past before the test's own run at its chosen time.
async fn app(sink: &SmtpSink, db: Option<String>) -> TestApp {
    let url = sink.url();
    let app = spawn_app_with(move |env| {
        env.insert("HUZHU_SMTP_URL".to_owned(), url);
        env.insert("HUZHU_MAIL_POLL_MS".to_owned(), "50".to_owned());
        if let Some(db) = db {
            env.insert("HUZHU_DATABASE_URL".to_owned(), db);
        }
    })
    .await;
    app.startup_jobs_done().await;
    app
}

fn uuid(id: &str) -> uuid::Uuid {
    id.parse().expect("uuid")
}

/// A need of a new household in `village`, posted at `posted_at`.
pub(crate) async fn need_at(
    app: &TestApp,
    cadre: &str,
    village: &str,
    title: &str,
    urgency: i64,
    posted_at: i64,
) -> String {
    let post = |path: &'static str, body: Value| async move {
        let response = app.post_json(path, &body, Some(cadre)).await;
        assert_eq!(response.status().as_u16(), 201, "{path}");
        response.json::<Value>().await.expect("JSON")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let household = post(
        "/api/v1/households",
        json!({"region": village, "head_name": "赵六", "members": 2}),
    )
    .await;
    let id = post(
        "/api/v1/needs",
        json!({"household_id": household, "category": "living", "title": title,
               "description": "说明", "urgency": urgency}),
    )
    .await;
    need::Entity::update_many()
        .col_expr(need::Column::PostedAt, Expr::value(posted_at))
        .filter(need::Column::Id.eq(uuid(&id)))
        .exec(&app.context.db)
        .await
        .expect("posted_at set");
    id
}

async fn digests(app: &TestApp, day: NaiveDate) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::IdempotencyKey.starts_with(format!("escalation:{day}/")))
        .all(&app.context.db)
        .await
        .expect("outbox")
}

async fn level(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_json(&format!("/api/v1/needs/{id}"), token).await["escalation"].clone()
}

async fn titles(app: &TestApp, token: &str, filter: &str) -> Vec<String> {
    let page = app
        .get_json(
            &format!("/api/v1/needs?escalation={filter}&limit=100"),
            token,
        )
        .await;
    let mut titles: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["title"].as_str().expect("title").to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn needs_climb_by_age_and_each_coordinator_gets_one_digest_a_day_until_acknowledged() {
    let sink = SmtpSink::start().await;
    let first = app(&sink, None).await;
    let shared = first.context.settings.database_url.clone();
    let second = app(&sink, Some(shared.clone())).await;
    let tz = first.context.settings.timezone;
    let county = first.create_user(Role::Coordinator, Some("430525")).await;
    let township = first
        .create_user(Role::Coordinator, Some("430525101"))
        .await;
    let other_township = first
        .create_user(Role::Coordinator, Some("430525102"))
        .await;
    let cadre = first
        .login(&first.create_user(Role::Cadre, Some("430525101")).await)
        .await;
    // Two days from now at 08:01: the servers' own ticks run today only, and
    // an acknowledgement's follow-up is checked against the real today.
    let day = local_date(huzhu::store::now_ms(), tz) + Days::new(2);
    let t = local_midnight(day, tz) + 8 * H + 60_000;
    let village = "430525101000";
    let plain_8 = need_at(&first, &cadre, village, "一般·8天", 1, t - 8 * DAY).await;
    let urgent_4 = need_at(&first, &cadre, village, "紧急·4天", 3, t - 4 * DAY).await;
    let plain_22 = need_at(&first, &cadre, village, "一般·22天", 2, t - 22 * DAY).await;
    let urgent_11 = need_at(&first, &cadre, village, "紧急·11天", 3, t - 11 * DAY).await;
    let plain_6 = need_at(&first, &cadre, village, "一般·6天", 2, t - 6 * DAY).await;
    let urgent_3 = need_at(&first, &cadre, village, "紧急·3天", 3, t - 3 * DAY).await;

    run_due(&first.context, t - 61 * 60_000)
        .await
        .expect("runs");
    assert!(digests(&first, day).await.is_empty(), "none before 08:00");
    let (a, b) = tokio::join!(run_due(&first.context, t), run_due(&second.context, t));
    a.expect("first instance");
    b.expect("second instance");
    let restarted = app(&sink, Some(shared)).await;
    run_due(&restarted.context, t + 3 * H)
        .await
        .expect("runs again");

    let staff = first.login(&county).await;
    for (id, expected) in [
        (&plain_8, json!("township")),
        (&urgent_4, json!("township")),
        (&plain_22, json!("county")),
        (&urgent_11, json!("county")),
        (&plain_6, Value::Null),
    ] {
        assert_eq!(level(&first, &staff, id).await, expected, "{id}");
    }
    // A need past both ages is recorded at the county alone, once.
    let recorded = escalation::Entity::find()
        .filter(escalation::Column::NeedId.eq(uuid(&plain_22)))
        .all(&first.context.db)
        .await
        .expect("escalations");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].to_region, "430525");
    let one = first
        .get_json(&format!("/api/v1/needs/{urgent_4}"), &staff)
        .await;
    assert_eq!(one["escalations"][0]["to_region"], "430525101");
    assert_eq!(one["escalations"][0]["to_region_name"], "江口镇");

    assert_eq!(
        titles(&first, &staff, "township").await,
        ["一般·8天", "紧急·4天"]
    );
    assert_eq!(
        titles(&first, &staff, "county").await,
        ["一般·22天", "紧急·11天"]
    );
    assert_eq!(titles(&first, &staff, "any").await.len(), 4);
    let volunteer = first
        .login(&first.create_user(Role::Volunteer, None).await)
        .await;
    problem(
        first
            .get_with("/api/v1/needs?escalation=any", &volunteer)
            .await,
        422,
    )
    .await;
    let open = first.get_json("/api/v1/needs?limit=1", &volunteer).await;
    assert!(
        open["items"][0].get("escalation").is_none(),
        "volunteers never see it"
    );
    problem(
        first
            .get_with("/api/v1/needs?escalation=city", &staff)
            .await,
        422,
    )
    .await;

    // One digest for each coordinator things reached: the township's and the
    // county's, none for the other township.
    let sent = digests(&first, day).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let to = |u: &crate::helpers::TestUser| sent.iter().any(|m| m.recipient_email == u.email);
    assert!(to(&county) && to(&township) && !to(&other_township));
    // The weekly digests of the week went out too (three).
    let mails = sink.wait_for(5, Duration::from_secs(20)).await;
    let parsed = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(&township.email)))
        .map(|m| {
            mail_parser::MessageParser::default()
                .parse(&m.data)
                .expect("MIME")
        })
        .find(|p| p.subject().is_some_and(|s| s.contains("上报")))
        .expect("the township's digest");
    assert_eq!(
        parsed.subject(),
        Some("【互助】2项需求上报至江口镇，请调度")
    );
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(
        text.contains("一般·8天") && text.contains("紧急·4天（特别紧急）"),
        "{text}"
    );
    assert!(
        !text.contains("一般·22天") && !text.contains("一般·6天"),
        "{text}"
    );
    assert!(text.contains(&format!("/needs/{plain_8}")), "{text}");

    // The next day the most urgent 3-day need has waited past half the
    // township's age: a digest to the township of that one alone.
    run_due(&first.context, t + DAY).await.expect("next day");
    let sent = digests(&first, day + Days::new(1)).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].recipient_email, township.email);
    assert_eq!(level(&first, &staff, &urgent_3).await, json!("township"));
    assert_eq!(
        level(&first, &staff, &plain_6).await,
        Value::Null,
        "7 days is not longer than 7"
    );

    // The township's coordinator acknowledges the 8-day need.
    let coordinator = first.login(&township).await;
    let follow_up = day + Days::new(10);
    let path = format!("/api/v1/needs/{plain_8}/acknowledge");
    let bad = first
        .post_json(
            &path,
            &json!({"note": "", "follow_up": "明天"}),
            Some(&coordinator),
        )
        .await;
    let bad = problem(bad, 422).await;
    assert_eq!(bad["errors"].as_array().expect("errors").len(), 2, "{bad}");
    problem(
        first
            .post_json(
                &path,
                &json!({"note": "x", "follow_up": follow_up.to_string()}),
                Some(&cadre),
            )
            .await,
        403,
    )
    .await;
    problem(
        first
            .post_json(
                &format!("/api/v1/needs/{plain_6}/acknowledge"),
                &json!({"note": "x", "follow_up": follow_up.to_string()}),
                Some(&coordinator),
            )
            .await,
        409,
    )
    .await;
    let outside = first.login(&other_township).await;
    problem(
        first
            .post_json(
                &path,
                &json!({"note": "x", "follow_up": follow_up.to_string()}),
                Some(&outside),
            )
            .await,
        404,
    )
    .await;
    let acknowledged = first
        .post_json(
            &path,
            &json!({"note": "周三请村干部入户核实", "follow_up": follow_up.to_string()}),
            Some(&coordinator),
        )
        .await;
    assert_eq!(acknowledged.status().as_u16(), 200);
    let acknowledged: Value = acknowledged.json().await.expect("JSON");
    assert_eq!(
        acknowledged["acknowledgements"][0]["note"],
        "周三请村干部入户核实"
    );
    assert_eq!(
        acknowledged["acknowledgements"][0]["follow_up"],
        follow_up.to_string()
    );
    assert!(acknowledged["follow_up_at"].is_string());

    // Two needs are settled by their cadre; they climb no further.
    for id in [&urgent_3, &plain_6] {
        let cancelled = first
            .post_json(
                &format!("/api/v1/needs/{id}/cancel"),
                &json!({"reason": "已自行解决"}),
                Some(&cadre),
            )
            .await;
        assert_eq!(cancelled.status().as_u16(), 200);
    }

    // A week on: the unacknowledged needs are listed again (the urgent
    // 4-day need has meanwhile reached the county); the acknowledged one
    // is silent, so the township's coordinator gets nothing.
    let week = t + 7 * DAY;
    run_due(&first.context, week).await.expect("a week on");
    let sent = digests(&first, day + Days::new(7)).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].recipient_email, county.email);
    assert_eq!(level(&first, &staff, &urgent_4).await, json!("county"));

    // On the follow-up day, it is listed again if still open.
    let back = local_midnight(follow_up, tz) + 8 * H + 60_000;
    run_due(&first.context, back).await.expect("follow-up day");
    let sent = digests(&first, follow_up).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].recipient_email, township.email);
}

#[tokio::test]
async fn figures_count_escalations_and_the_time_from_escalation_to_match() {
    let sink = SmtpSink::start().await;
    let app = app(&sink, None).await;
    let tz = app.context.settings.timezone;
    app.create_user(Role::Coordinator, Some("430525101")).await;
    let coordinator = app
        .login(&app.create_user(Role::Coordinator, Some("430525")).await)
        .await;
    let cadre = app
        .login(&app.create_user(Role::Cadre, Some("430525101")).await)
        .await;
    // Three days ago at 08:01, a day the servers' ticks did not run.
    let day = local_date(huzhu::store::now_ms(), tz) - Days::new(3);
    let t = local_midnight(day, tz) + 8 * H + 60_000;
    let village = "430525101000";
    let matched = need_at(&app, &cadre, village, "上报后对接", 2, t - 8 * DAY).await;
    need_at(&app, &cadre, village, "上报县级", 2, t - 30 * DAY).await;
    need_at(&app, &cadre, village, "未上报", 2, t - 2 * DAY).await;
    run_due(&app.context, t).await.expect("runs");

    let volunteer = app
        .login(&app.create_user(Role::Volunteer, None).await)
        .await;
    let offer = app
        .post_json(
            "/api/v1/offers",
            &json!({"categories": ["living"], "lat": 27.10, "lon": 110.55, "radius_km": 50,
                    "remote": true, "capacity": 5}),
            Some(&volunteer),
        )
        .await;
    assert_eq!(offer.status().as_u16(), 201);
    let offer: Value = offer.json().await.expect("JSON");
    let claimed = app
        .post_json(
            &format!("/api/v1/needs/{matched}/claim"),
            &json!({"offer_id": offer["id"]}),
            Some(&volunteer),
        )
        .await;
    assert_eq!(claimed.status().as_u16(), 201);
    let accepted_at = matches::Entity::find()
        .filter(matches::Column::NeedId.eq(uuid(&matched)))
        .one(&app.context.db)
        .await
        .expect("match")
        .expect("one")
        .accepted_at
        .expect("accepted");

    let from = (day - Days::new(40)).to_string();
    let to = (day + Days::new(5)).to_string();
    let summary = app
        .get_json(
            &format!("/api/v1/stats/summary?from={from}&to={to}"),
            &coordinator,
        )
        .await;
    assert_eq!(summary["needs_posted"], 3);
    assert_eq!(summary["needs_escalated"], 2);
    assert_eq!(summary["needs_escalated_township"], 1);
    assert_eq!(summary["needs_escalated_county"], 1);
    let hours = summary["median_hours_escalation_to_match"]
        .as_f64()
        .expect("a median");
    assert!(
        (hours - (accepted_at - t) as f64 / H as f64).abs() < 1e-6,
        "{hours} from {t} to {accepted_at}"
    );
    let by_week = app
        .get_json(
            &format!("/api/v1/stats/breakdown?by=township&from={from}&to={to}"),
            &coordinator,
        )
        .await;
    assert_eq!(by_week["rows"][0]["needs_escalated"], 2, "{by_week}");
    let csv = app
        .get_with(
            &format!("/api/v1/stats/export?format=csv&by=township&from={from}&to={to}"),
            &coordinator,
        )
        .await
        .text()
        .await
        .expect("CSV");
    assert!(
        csv.contains("上报的需求") && csv.contains("上报至县级"),
        "{csv}"
    );
}

#[tokio::test]
async fn a_coordinator_finds_escalated_needs_on_the_waiting_page_and_acknowledges_one() {
    use crate::helpers::browser::{Browser, PHONE};
    let sink = SmtpSink::start().await;
    let app = app(&sink, None).await;
    let tz = app.context.settings.timezone;
    let coordinator = app.create_user(Role::Coordinator, Some("430525101")).await;
    let cadre = app
        .login(&app.create_user(Role::Cadre, Some("430525101")).await)
        .await;
    let day = local_date(huzhu::store::now_ms(), tz) - Days::new(1);
    let t = local_midnight(day, tz) + 8 * H + 60_000;
    let village = "430525101000";
    let old = need_at(
        &app,
        &cadre,
        village,
        "帮独居老人修补漏雨的屋顶",
        3,
        t - 5 * DAY,
    )
    .await;
    need_at(&app, &cadre, village, "刚发布的需求", 2, t - DAY).await;
    run_due(&app.context, t).await.expect("runs");

    let mut browser = Browser::open(&app).await;
    browser.resize(PHONE).await;
    browser.goto("/login").await;
    browser
        .log_in(&coordinator.email, &coordinator.password)
        .await;
    browser.wait_for_text("退出").await;
    browser.goto("/waiting").await;
    browser.choose("上报", "已上报（任一级）").await;
    browser.click("查看").await;
    browser.wait_for_text("已上报乡镇").await;
    let listed = browser.text().await;
    assert!(listed.contains("帮独居老人修补漏雨的屋顶"), "{listed}");
    assert!(
        !listed.contains("刚发布的需求"),
        "only the escalated: {listed}"
    );
    browser.shots_at_both_sizes("escalated-needs").await;

    browser.click("帮独居老人修补漏雨的屋顶").await;
    browser.wait_for_text("上报与调度").await;
    let page = browser.text().await;
    assert!(
        page.contains("无人承接，上报至江口镇协调员"),
        "the timeline: {page}"
    );
    // Left empty, the form says what is missing beside each field.
    browser.click("确认已处理").await;
    browser.wait_for_text("请写明将如何处理").await;
    assert!(browser.text().await.contains("请选择回访日期"));
    browser.shots_at_both_sizes("acknowledge-errors").await;

    let follow_up = local_date(huzhu::store::now_ms(), tz) + Days::new(7);
    browser.fill("处理措施", "周三请村干部带瓦工入户查看").await;
    browser
        .execute(&format!(
            "document.getElementById('f-follow_up').value = '{follow_up}'"
        ))
        .await;
    browser.click("确认已处理").await;
    browser.wait_for_text("已记录处理措施").await;
    let page = browser.text().await;
    assert!(page.contains(&format!("{follow_up} 回访")), "{page}");
    assert!(
        page.contains("周三请村干部带瓦工入户查看"),
        "the timeline keeps the note: {page}"
    );
    browser.shots_at_both_sizes("acknowledged").await;
    let need = need::Entity::find_by_id(uuid(&old))
        .one(&app.context.db)
        .await
        .expect("need")
        .expect("found");
    assert_eq!(need.follow_up_at, Some(local_midnight(follow_up, tz)));
    browser.close().await;
}
