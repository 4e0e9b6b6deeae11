//! The cadre's work list (`/work`) and a match's page for cadres: needs
//! waiting longest first with the stale ones marked, matches waiting for
//! confirmation, what changed since the last visit, confirming that help
//! arrived and cancelling a failed match, and the links of the cadre's
//! emails landing on those pages.

use huzhu::domain::Role;
use huzhu::store::entity::{matches, need, work_visit};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, Page, error_beside, id, link_path, mail_text, set_cookie};
use crate::helpers::{SmtpSink, TestApp, spawn_app, spawn_app_mailing_to};

const DAY: i64 = 24 * 3_600_000;
const VOLUNTEER_NAME: &str = "张志愿";
const VOLUNTEER_PHONE: &str = "13600001111";
const HEAD_NAME: &str = "王大山";

/// A cadre of township 101 (or `township`), logged in to both.
async fn cadre_of(app: &TestApp, township: &str) -> LoggedIn {
    let user = app
        .create_person(Role::Cadre, Some(township), "李村官", "13911112222")
        .await;
    LoggedIn::new(app, user).await
}

async fn cadre(app: &TestApp) -> LoggedIn {
    cadre_of(app, "430525101").await
}

/// A household of `village` with one need titled `title`; the need's id.
async fn posted(app: &TestApp, cadre: &LoggedIn, village: &str, title: &str) -> String {
    let body = json!({"region": village, "head_name": HEAD_NAME, "members": 2,
        "phone": "13907390001", "lat": 27.10, "lon": 110.55});
    let household = app
        .post_json("/api/v1/households", &body, Some(&cadre.token))
        .await;
    assert_eq!(household.status().as_u16(), 201);
    let household = id(&household.json().await.expect("JSON"));
    let body = json!({"household_id": household, "category": "care", "title": title,
        "description": "每周陪老人说说话", "urgency": 2});
    let need = app
        .post_json("/api/v1/needs", &body, Some(&cadre.token))
        .await;
    assert_eq!(need.status().as_u16(), 201);
    id(&need.json().await.expect("JSON"))
}

/// A volunteer with a name, a phone and an offer of care nearby.
async fn volunteer(app: &TestApp) -> (LoggedIn, String) {
    let user = app
        .create_person(Role::Volunteer, None, VOLUNTEER_NAME, VOLUNTEER_PHONE)
        .await;
    let v = LoggedIn::new(app, user).await;
    let body = json!({"categories": ["care"], "lat": 27.10, "lon": 110.55, "radius_km": 20,
        "remote": false, "capacity": 5});
    let offer = app.post_json("/api/v1/offers", &body, Some(&v.token)).await;
    assert_eq!(offer.status().as_u16(), 201);
    let offer = id(&offer.json().await.expect("JSON"));
    (v, offer)
}

/// The volunteer claims `need` with `offer`; the match's id.
async fn claim(app: &TestApp, v: &LoggedIn, offer: &str, need: &str) -> String {
    let claimed = app
        .post_json(
            &format!("/api/v1/needs/{need}/claim"),
            &json!({"offer_id": offer}),
            Some(&v.token),
        )
        .await;
    assert_eq!(claimed.status().as_u16(), 201);
    id(&claimed.json().await.expect("JSON"))
}

async fn deliver(app: &TestApp, v: &LoggedIn, m: &str, note: &str) {
    let path = format!("/api/v1/matches/{m}/delivered");
    let reported = app
        .post_json(&path, &json!({"note": note}), Some(&v.token))
        .await;
    assert_eq!(reported.status().as_u16(), 200);
}

async fn status_of(app: &TestApp, who: &LoggedIn, path: &str) -> String {
    let answer = app.get_json(path, &who.token).await;
    answer["status"].as_str().expect("status").to_owned()
}

/// The part of the work list under the heading with id `section`.
fn section<'a>(html: &'a str, section: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{section}\""))
        .unwrap_or_else(|| panic!("a section {section}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn the_work_list_shows_the_oldest_open_need_first_and_marks_a_stale_one() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let fresh = posted(&app, &c, "430525101000", "新发布的需求").await;
    let stale = posted(&app, &c, "430525101000", "等了二十天的需求").await;
    let recent = posted(&app, &c, "430525101000", "等了三天的需求").await;
    app.backdate_need(&stale, 20).await;
    app.backdate_need(&recent, 3).await;
    let elsewhere = cadre_of(&app, "430525102").await;
    posted(&app, &elsewhere, "430525102000", "别的乡镇的需求").await;

    let page = c.get(&app, "/work").await;
    assert_eq!(page.status, 200);
    let waiting = section(&page.html, "waiting-h");
    let order: Vec<usize> = ["等了二十天的需求", "等了三天的需求", "新发布的需求"]
        .iter()
        .map(|t| waiting.find(t).unwrap_or_else(|| panic!("{t} listed")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "longest waiting first"
    );
    assert!(waiting.contains("已等 20 天 · 超期"), "{waiting}");
    assert!(waiting.contains("已等 3 天<") && !waiting.contains("已等 3 天 · 超期"));
    assert!(waiting.contains("其中 1 项已超过 14 天"));
    for need in [&stale, &recent, &fresh] {
        assert!(waiting.contains(&format!("href=\"/needs/{need}\"")));
    }
    assert!(
        !page.html.contains("别的乡镇的需求"),
        "only the cadre's reach"
    );
    assert!(
        page.html.contains("没有等您确认的帮扶"),
        "an empty section says so"
    );

    assert_eq!(c.get(&app, "/lang/en?next=/work").await.status, 303);
    let html = c.get(&app, "/work").await.html;
    for shown in [
        "Needs waiting for a volunteer",
        "waited 20 d · overdue",
        "waited 3 d<",
        "posted today",
        "Waiting for my confirmation",
    ] {
        assert!(html.contains(shown), "the English list shows {shown}");
    }
}

#[tokio::test]
async fn a_delivery_report_puts_the_match_under_waiting_for_my_confirmation() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let reported = posted(&app, &c, "430525101000", "送达了的需求").await;
    let long_ago = posted(&app, &c, "430525101000", "接受很久的需求").await;
    let just_now = posted(&app, &c, "430525101000", "刚刚认领的需求").await;
    let reported = claim(&app, &v, &offer, &reported).await;
    let long_ago = claim(&app, &v, &offer, &long_ago).await;
    claim(&app, &v, &offer, &just_now).await;
    deliver(&app, &v, &reported, "送去了一周的菜").await;
    matches::Entity::update_many()
        .col_expr(
            matches::Column::AcceptedAt,
            Expr::value(huzhu::store::now_ms() - 8 * DAY),
        )
        .filter(matches::Column::Id.eq(long_ago.parse::<uuid::Uuid>().expect("id")))
        .exec(&app.context.db)
        .await
        .expect("accepted_at moved");

    let html = c.get(&app, "/work").await.html;
    let confirm = section(&html, "confirm-h");
    assert!(confirm.contains(&format!("href=\"/matches/{reported}\"")));
    assert!(confirm.contains("报告已送达") && confirm.contains("送去了一周的菜"));
    assert!(confirm.contains(VOLUNTEER_NAME), "they accepted: named");
    assert!(confirm.contains(&format!("href=\"/matches/{long_ago}\"")));
    assert!(confirm.contains("接受已 8 天，未报告送达"));
    assert!(
        !confirm.contains("刚刚认领的需求"),
        "accepted today, not reported: not yet"
    );
}

#[tokio::test]
async fn changes_since_the_last_visit_appear_once_and_not_on_the_next_visit() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let first = c.get(&app, "/work").await.html;
    assert!(first.contains("最近 7 天") && first.contains("没有新的变化"));

    let m = claim(&app, &v, &offer, &need).await;
    deliver(&app, &v, &m, "聊了一下午").await;
    let second = c.get(&app, "/work").await.html;
    let changes = section(&second, "changes-h");
    assert!(changes.contains("上次查看："), "{changes}");
    assert!(changes.contains(&format!("{VOLUNTEER_NAME} 认领了这项需求")));
    assert!(changes.contains(&format!("{VOLUNTEER_NAME} 报告帮助已送达")));
    assert!(changes.contains("聊了一下午") && changes.contains(&format!("href=\"/matches/{m}\"")));

    let third = c.get(&app, "/work").await.html;
    let changes = section(&third, "changes-h");
    assert!(!changes.contains("认领了这项需求"), "told once: {changes}");
    assert!(changes.contains("没有新的变化"));

    // The cadre's own move is not news to them.
    let done = c.post(&app, &format!("/matches/{m}/complete"), &[]).await;
    assert_eq!(done.status, 303);
    let fourth = c.get(&app, "/work").await.html;
    assert!(section(&fourth, "changes-h").contains("没有新的变化"));

    // Back after two months: the last month is what is shown.
    work_visit::Entity::update_many()
        .col_expr(
            work_visit::Column::SeenAt,
            Expr::value(huzhu::store::now_ms() - 60 * DAY),
        )
        .exec(&app.context.db)
        .await
        .expect("the last visit moved back");
    let fifth = c.get(&app, "/work").await.html;
    let changes = section(&fifth, "changes-h");
    assert!(changes.contains("（下面是最近 30 天的变化）"), "{changes}");
    assert!(
        changes.contains("认领了这项需求"),
        "a claim of today is in it"
    );
}

#[tokio::test]
async fn confirming_completion_from_the_match_page_completes_it_and_moves_the_reports() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let m = claim(&app, &v, &offer, &need).await;
    deliver(&app, &v, &m, "聊了一下午").await;
    let summary = "/api/v1/stats/summary?region=430525101";
    assert_eq!(app.get_json(summary, &c.token).await["needs_fulfilled"], 0);

    let page = c.get(&app, &format!("/matches/{m}")).await;
    assert_eq!(page.status, 200);
    for shown in [
        "陪老人聊天",
        VOLUNTEER_NAME,
        &format!("href=\"tel:{VOLUNTEER_PHONE}\""),
        HEAD_NAME,
        "报告帮助已送达",
        "聊了一下午",
        "确认已送达",
        &format!("href=\"/needs/{need}\""),
    ] {
        assert!(page.html.contains(shown), "the match page shows {shown}");
    }
    assert_eq!(c.get(&app, "/lang/en?next=/").await.status, 303);
    let english = c.get(&app, &format!("/matches/{m}")).await.html;
    for shown in [
        "Did the help arrive?",
        "Confirm help arrived",
        "Cancel this match",
    ] {
        assert!(english.contains(shown), "the English page shows {shown}");
    }
    assert_eq!(c.get(&app, "/lang/zh-CN?next=/").await.status, 303);
    let long = "好".repeat(1001);
    let refused = c
        .post(&app, &format!("/matches/{m}/complete"), &[("note", &long)])
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_beside(&refused.html, "note").as_deref(),
        Some("最多 1000 字")
    );
    assert!(refused.html.contains(&long), "what was typed stays");

    let done = c
        .post(
            &app,
            &format!("/matches/{m}/complete"),
            &[("note", "电话核实，老人很开心")],
        )
        .await;
    done.assert_redirects_to(&format!("/matches/{m}"));
    let html = c.follow(&app, &done).await.html;
    assert!(html.contains("已确认帮助送达"), "the flash says so");
    assert!(html.contains("您确认了帮助已送达") && html.contains("电话核实，老人很开心"));
    assert!(!html.contains("action=\"/matches/"), "nothing left to do");
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/matches/{m}")).await,
        "completed"
    );
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/needs/{need}")).await,
        "fulfilled"
    );
    assert_eq!(app.get_json(summary, &c.token).await["needs_fulfilled"], 1);
    let reports = c.get(&app, "/reports").await.html;
    assert!(
        reports.contains("<div class=\"value\">100.0%</div><div class=\"label\">完成率"),
        "the fulfilment rate moved"
    );

    let again = c.post(&app, &format!("/matches/{m}/complete"), &[]).await;
    let html = c.follow(&app, &again).await.html;
    assert!(html.contains("不能再确认完成或取消"));
}

#[tokio::test]
async fn cancelling_needs_a_reason_beside_the_field_and_reopens_the_need() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let m = claim(&app, &v, &offer, &need).await;
    let cancel = format!("/matches/{m}/cancel");

    let refused = c.post(&app, &cancel, &[("reason", "  ")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_beside(&refused.html, "reason").as_deref(),
        Some("请填写原因")
    );
    assert!(
        refused.html.contains("<details class=\"more\" open>"),
        "the form stays open"
    );
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/matches/{m}")).await,
        "accepted"
    );

    let forged = c
        .post(
            &app,
            &cancel,
            &[("reason", "联系不上"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.html.contains("联系不上"), "what was typed stays");
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/matches/{m}")).await,
        "accepted"
    );

    let cancelled = c
        .post(&app, &cancel, &[("reason", "联系不上爱心人士")])
        .await;
    let html = c.follow(&app, &cancelled).await.html;
    assert!(html.contains("需求重新开放"), "the flash says what follows");
    assert!(html.contains("您取消了这次帮扶") && html.contains("联系不上爱心人士"));
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/matches/{m}")).await,
        "cancelled"
    );
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/needs/{need}")).await,
        "open"
    );
    let unknown = c.post(&app, &format!("/matches/{m}/accept"), &[]).await;
    assert_eq!(
        unknown.status, 404,
        "a cadre does not answer for a volunteer"
    );
}

#[tokio::test]
async fn another_townships_match_is_not_found_and_a_volunteer_keeps_their_own_page() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let m = claim(&app, &v, &offer, &need).await;
    let other = cadre_of(&app, "430525102").await;

    let theirs = other.get(&app, &format!("/matches/{m}")).await;
    assert_eq!(theirs.status, 404);
    assert!(!theirs.html.contains("陪老人聊天"));
    let complete = other
        .post(&app, &format!("/matches/{m}/complete"), &[])
        .await;
    assert_eq!(complete.status, 404);
    assert_eq!(
        status_of(&app, &c, &format!("/api/v1/matches/{m}")).await,
        "accepted"
    );
    assert_eq!(other.get(&app, "/matches/not-an-id").await.status, 404);
    assert!(!other.get(&app, "/work").await.html.contains("陪老人聊天"));

    let own = v.get(&app, &format!("/matches/{m}")).await;
    assert_eq!(own.status, 200);
    assert!(own.html.contains("联系村干部") && own.html.contains("我已送达帮助"));
    assert!(
        !own.html.contains("确认已送达"),
        "the volunteer's page, not the cadre's"
    );
    assert_eq!(v.get(&app, "/work").await.status, 403);
}

#[tokio::test]
async fn a_visitor_logs_in_and_lands_back_on_the_work_list_or_the_match() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let m = claim(&app, &v, &offer, &need).await;

    for path in ["/work".to_owned(), format!("/matches/{m}")] {
        let visit = Page::read(app.get(&path).await).await;
        let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        visit.assert_redirects_to(&format!("/login?next={next}"));
        let form = app.get(&format!("/login?next={next}")).await;
        let (csrf, _) = set_cookie(&form, "huzhu_csrf").expect("a form cookie");
        let login = app
            .client
            .post(app.url("/login"))
            .header("cookie", format!("huzhu_csrf={csrf}"))
            .form(&[
                ("email", c.user.email.as_str()),
                ("password", c.user.password.as_str()),
                ("csrf_token", &csrf),
                ("next", &path),
            ])
            .send()
            .await
            .expect("sent");
        Page::read(login).await.assert_redirects_to(&path);
        assert_eq!(c.get(&app, &path).await.status, 200);
    }
}

#[tokio::test]
async fn a_long_waiting_list_pages_with_its_cursor() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    for i in 1..=22 {
        let need = posted(&app, &c, "430525101000", &format!("需求第{i:02}号")).await;
        app.backdate_need(&need, 30 - i).await;
    }
    let first = c.get(&app, "/work").await.html;
    let waiting = section(&first, "waiting-h");
    assert_eq!(waiting.matches("href=\"/needs/").count(), 20);
    assert!(
        waiting.contains("<span class=\"badge muted\">22</span>"),
        "counted in all"
    );
    let start = waiting
        .find("/work?section=waiting&after=")
        .expect("a more link");
    let next: String = waiting[start..].chars().take_while(|c| *c != '"').collect();
    let second = c.get(&app, &next).await.html;
    assert!(second.contains("需求第21号") && second.contains("需求第22号"));
    assert!(!second.contains("需求第20号") && !second.contains("confirm-h"));
    assert!(
        first.len() < 60_000,
        "the work list is {} bytes",
        first.len()
    );
}

#[tokio::test]
async fn the_stale_reminder_links_each_need_and_the_work_list() {
    use huzhu::services::schedules::run_due;
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let c = cadre(&app).await;
    let need = posted(&app, &c, "430525101000", "等了二十天的需求").await;
    // A day that is not today (the startup tick ran today's jobs), at 10:00
    // in the county (UTC+8), after the 08:00 send hour whenever this runs.
    let day = (huzhu::store::now_ms() / DAY + 30) * DAY + 2 * 3_600_000;
    need::Entity::update_many()
        .col_expr(need::Column::PostedAt, Expr::value(day - 20 * DAY))
        .filter(need::Column::Id.eq(need.parse::<uuid::Uuid>().expect("id")))
        .exec(&app.context.db)
        .await
        .expect("posted_at moved");
    run_due(&app.context, day).await.expect("runs");

    let text = mail_text(&sink, &c.user.email, 1).await;
    assert_eq!(link_path(&app, &text, &need), format!("/needs/{need}"));
    assert_eq!(link_path(&app, &text, "/work"), "/work");
}

#[tokio::test]
async fn a_cadre_on_a_phone_follows_the_delivered_email_and_confirms_with_a_note() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_mailing_to(&sink).await;
    let c = cadre(&app).await;
    let (v, offer) = volunteer(&app).await;
    let medicine = posted(&app, &c, "430525101000", "帮忙买药").await;
    let roof = posted(&app, &c, "430525101000", "修缮漏雨的屋顶").await;
    app.backdate_need(&roof, 16).await;
    let need = posted(&app, &c, "430525101000", "陪老人聊天").await;
    let m = claim(&app, &v, &offer, &need).await;
    let accepted = mail_text(&sink, &c.user.email, 1).await;
    assert_eq!(link_path(&app, &accepted, &m), format!("/matches/{m}"));
    deliver(&app, &v, &m, "送去了一周的菜，老人身体不错").await;
    let delivered = mail_text(&sink, &c.user.email, 2).await;
    let link = link_path(&app, &delivered, &m);
    assert_eq!(link, format!("/matches/{m}"));

    // Another delivery, still to confirm when the cadre is back on the list.
    let medicine = claim(&app, &v, &offer, &medicine).await;
    deliver(&app, &v, &medicine, "").await;

    let mut browser = Browser::open(&app).await;
    browser.goto(&link).await;
    browser.wait_for("input#email").await;
    browser.log_in(&c.user.email, &c.user.password).await;
    browser.wait_for_text("帮助送到了吗？").await;
    assert_eq!(browser.path().await, link, "back where the email pointed");
    let text = browser.text().await;
    assert!(text.contains(VOLUNTEER_PHONE) && text.contains("送去了一周的菜"));
    browser
        .shots_at_both_sizes("the-match-from-the-email")
        .await;

    browser
        .fill("核实情况（可不填）", "已电话向户主核实，菜收到了")
        .await;
    browser.click("确认已送达").await;
    browser.wait_for_text("已确认帮助送达").await;
    assert!(browser.text().await.contains("已电话向户主核实，菜收到了"));
    browser.shots_at_both_sizes("confirmed").await;
    let answer: Value = app
        .get_json(&format!("/api/v1/matches/{m}"), &c.token)
        .await;
    assert_eq!(answer["status"], "completed");

    browser.click("工作清单").await;
    browser.wait_for_text("等待匹配的需求").await;
    let text = browser.text().await;
    assert!(text.contains("已等 16 天 · 超期"), "{text}");
    assert!(
        text.contains("帮忙买药") && text.contains("去确认"),
        "{text}"
    );
    assert!(
        text.contains("张志愿 报告帮助已送达"),
        "what changed: {text}"
    );
    browser.shots_at_both_sizes("work-list").await;
    browser.close().await;
}
