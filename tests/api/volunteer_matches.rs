//! The volunteer's "my matches" pages: proposals from a round answered from
//! the list or the match's page, the cadre's contact once accepted (and
//! nothing of the household), cancel with a reason, delivery reports, and
//! the links of emails for a reader who is not logged in yet.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, Page, error_beside, id, set_cookie, unescape};
use crate::helpers::{TestApp, spawn_app};

const HEAD_NAME: &str = "王大山";
const HEAD_PHONE: &str = "13907390001";
const HEAD_ID: &str = "430525195001010022";
const CADRE_NAME: &str = "李村官";
const CADRE_PHONE: &str = "13911112222";

/// A volunteer with their own name, logged in to the API and the pages.
async fn volunteer(app: &TestApp, name: &str) -> LoggedIn {
    let user = app
        .create_person(Role::Volunteer, None, name, "13600000000")
        .await;
    LoggedIn::new(app, user).await
}

/// Switches the volunteer's pages to English, as the switch's link does.
async fn in_english(app: &TestApp, v: &LoggedIn) {
    assert_eq!(v.get(app, "/lang/en?next=/").await.status, 303);
}

/// A household with its head's name, ID number and phone, and `titles`
/// needs of it, which a round proposes to `v` (one offer with a place for
/// each). Returns the matches' ids in the order of `titles`.
async fn proposals(app: &TestApp, v: &LoggedIn, titles: &[&str]) -> Vec<String> {
    let cadre = app
        .create_person(Role::Cadre, Some("430525101"), CADRE_NAME, CADRE_PHONE)
        .await;
    let cadre = app.login(&cadre).await;
    let mut needs = Vec::new();
    // One need of each household: a household has one open need a
    // category. An ID number is one household's.
    for (i, title) in titles.iter().enumerate() {
        let mut body = json!({"region": "430525101000", "head_name": HEAD_NAME,
            "phone": HEAD_PHONE, "members": 2, "lat": 27.11, "lon": 110.55, "tags": ["elderly_alone"]});
        if i == 0 {
            body["id_number"] = json!(HEAD_ID);
        }
        let household = app
            .post_json("/api/v1/households", &body, Some(&cadre))
            .await;
        assert_eq!(household.status().as_u16(), 201);
        let household: Value = household.json().await.expect("JSON");
        let body = json!({"household_id": household["id"], "category": "care", "title": title,
            "description": "每周陪老人说说话", "urgency": 3});
        let need = app.post_json("/api/v1/needs", &body, Some(&cadre)).await;
        assert_eq!(need.status().as_u16(), 201);
        needs.push(id(&need.json().await.expect("JSON")));
    }
    let offer = json!({"categories": ["care"], "lat": 27.10, "lon": 110.55, "radius_km": 20,
        "remote": false, "capacity": titles.len()});
    let created = app
        .post_json("/api/v1/offers", &offer, Some(&v.token))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator).await;
    let round = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await;
    assert_eq!(round.status().as_u16(), 201);
    let mut ids = Vec::new();
    for need in needs {
        let listed = app
            .get_json(&format!("/api/v1/matches?need={need}"), &v.token)
            .await;
        ids.push(
            listed["items"][0]["id"]
                .as_str()
                .expect("a proposal")
                .to_owned(),
        );
    }
    ids
}

async fn status_of(app: &TestApp, v: &LoggedIn, id: &str) -> String {
    let m = app
        .get_json(&format!("/api/v1/matches/{id}"), &v.token)
        .await;
    m["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn a_rounds_proposals_are_listed_under_the_proposed_tab_with_a_countdown_and_answer_buttons()
{
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let empty = v.get(&app, "/matches").await.html;
    assert!(
        empty.contains("href=\"/needs\""),
        "an empty list says where to go"
    );

    let ids = proposals(&app, &v, &["陪老人聊天", "陪老人散步"]).await;
    let list = v.get(&app, "/matches").await;
    assert_eq!(list.status, 200);
    let html = list.html;
    assert!(
        html.contains("href=\"/matches?tab=proposed\" aria-current=\"page\""),
        "proposals are the default tab when there are any"
    );
    for (id, title) in ids.iter().zip(["陪老人聊天", "陪老人散步"]) {
        assert!(html.contains(title));
        assert!(html.contains(&format!("action=\"/matches/{id}/accept\"")));
        assert!(html.contains(&format!("action=\"/matches/{id}/decline\"")));
    }
    for shown in [
        "关爱陪伴",
        "紧急",
        "江口镇",
        "距您 1.1 公里",
        "<time data-countdown datetime=\"",
        "还剩 71 小时",
    ] {
        assert!(html.contains(shown), "the list shows {shown}");
    }
    for private in [HEAD_NAME, HEAD_PHONE, HEAD_ID, CADRE_PHONE] {
        assert!(!html.contains(private), "a proposal shows no {private}");
    }
    let proposal = v.get(&app, &format!("/matches/{}", ids[0])).await.html;
    assert!(proposal.contains("data-countdown") && proposal.contains("每周陪老人说说话"));
    assert!(
        !proposal.contains(CADRE_PHONE),
        "no contact before accepting"
    );

    in_english(&app, &v).await;
    let html = v.get(&app, "/matches").await.html;
    for shown in [
        "To answer",
        "Care and company",
        "very urgent",
        "1.1 km away",
        "71 h",
        "Accept",
        "Decline",
    ] {
        assert!(html.contains(shown), "the English list shows {shown}");
    }
    let proposal = v.get(&app, &format!("/matches/{}", ids[0])).await.html;
    assert!(
        proposal.contains("Will you help?") && proposal.contains("The need was proposed to you")
    );
}

#[tokio::test]
async fn accepting_from_the_list_shows_the_cadres_name_and_phone_and_nothing_of_the_household() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;

    let accepted = v
        .post(&app, &format!("/matches/{}/accept", ids[0]), &[])
        .await;
    accepted.assert_redirects_to(&format!("/matches/{}", ids[0]));
    let html = v.follow(&app, &accepted).await.html;
    assert_eq!(status_of(&app, &v, &ids[0]).await, "accepted");
    assert!(html.contains("已接受，谢谢您！"), "the flash says so");
    assert!(html.contains("class=\"contact\""));
    assert!(html.contains(CADRE_NAME));
    assert!(html.contains(&format!("href=\"tel:{CADRE_PHONE}\"")));
    for private in [HEAD_NAME, HEAD_PHONE, HEAD_ID, "elderly_alone", "独居"] {
        assert!(!html.contains(private), "the match page shows no {private}");
    }
    assert!(html.contains("您接受了提议"), "the timeline has the answer");
    let list = v.get(&app, "/matches?tab=accepted").await.html;
    assert!(list.contains(CADRE_NAME) && list.contains(&format!("tel:{CADRE_PHONE}")));
    let default = v.get(&app, "/matches").await.html;
    assert!(
        default.contains("href=\"/matches?tab=accepted\" aria-current=\"page\""),
        "with no proposal left, the matches under way come first"
    );
}

#[tokio::test]
async fn declining_with_a_reason_ends_the_proposal_and_keeps_the_reason_in_the_timeline() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;

    let declined = v
        .post(
            &app,
            &format!("/matches/{}/decline", ids[0]),
            &[("reason", "这周出差")],
        )
        .await;
    let html = v.follow(&app, &declined).await.html;
    assert_eq!(status_of(&app, &v, &ids[0]).await, "declined");
    assert!(html.contains("已婉拒") && html.contains("这周出差"));
    let history = v.get(&app, "/matches?tab=history").await.html;
    assert!(history.contains("陪老人聊天") && history.contains("已婉拒"));
}

#[tokio::test]
async fn cancelling_needs_a_reason_beside_the_field_and_changes_nothing_without_one() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;
    let accept = v
        .post(&app, &format!("/matches/{}/accept", ids[0]), &[])
        .await;
    assert_eq!(accept.status, 303);
    let cancel = format!("/matches/{}/cancel", ids[0]);

    let refused = v.post(&app, &cancel, &[("reason", "  ")]).await;
    assert_eq!(refused.status, 422);
    let html = refused.html;
    assert_eq!(
        error_beside(&html, "reason").as_deref(),
        Some("请填写原因"),
        "{html}"
    );
    assert!(
        html.contains("<details class=\"more\" open>"),
        "the cancel form stays open"
    );
    assert_eq!(status_of(&app, &v, &ids[0]).await, "accepted");

    let long = "很".repeat(1001);
    let refused = v.post(&app, &cancel, &[("reason", &long)]).await;
    assert_eq!(refused.status, 422);
    let html = refused.html;
    assert!(
        html.contains("最多 1000 字") && html.contains(&long),
        "what was typed stays"
    );

    let cancelled = v.post(&app, &cancel, &[("reason", "家里有急事")]).await;
    let html = v.follow(&app, &cancelled).await.html;
    assert_eq!(status_of(&app, &v, &ids[0]).await, "cancelled");
    assert!(html.contains("您取消了这次帮扶") && html.contains("家里有急事"));
    in_english(&app, &v).await;
    let history = v.get(&app, "/matches?tab=history").await.html;
    assert!(history.contains("Cancelled") && history.contains("陪老人聊天"));
}

#[tokio::test]
async fn a_form_without_its_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;
    let forged = v
        .post(
            &app,
            &format!("/matches/{}/accept", ids[0]),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(status_of(&app, &v, &ids[0]).await, "proposed");
}

#[tokio::test]
async fn another_volunteers_match_is_not_found() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;
    let other = volunteer(&app, "赵路人").await;

    let theirs = other.get(&app, &format!("/matches/{}", ids[0])).await;
    assert_eq!(theirs.status, 404);
    assert!(!theirs.html.contains("陪老人聊天"));
    let accept = other
        .post(&app, &format!("/matches/{}/accept", ids[0]), &[])
        .await;
    assert_eq!(accept.status, 404);
    assert_eq!(status_of(&app, &v, &ids[0]).await, "proposed");
    assert_eq!(other.get(&app, "/matches/not-an-id").await.status, 404);
}

#[tokio::test]
async fn a_visitor_following_an_emails_link_logs_in_and_lands_where_it_pointed() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天"]).await;

    for path in [
        format!("/matches/{}", ids[0]),
        "/matches?tab=proposed".to_owned(),
    ] {
        let visit = Page::read(app.get(&path).await).await;
        let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        let login_page = format!("/login?next={next}");
        visit.assert_redirects_to(&login_page);

        let form = app.get(&login_page).await;
        let (csrf_cookie, _) = set_cookie(&form, "huzhu_csrf").expect("a form cookie");
        let html = unescape(&form.text().await.expect("HTML"));
        assert!(
            html.contains(&format!("name=\"next\" value=\"{path}\"")),
            "{html}"
        );
        let login = app
            .client
            .post(app.url("/login"))
            .header("cookie", format!("huzhu_csrf={csrf_cookie}"))
            .form(&[
                ("email", v.user.email.as_str()),
                ("password", v.user.password.as_str()),
                ("csrf_token", &csrf_cookie),
                ("next", &path),
            ])
            .send()
            .await
            .expect("sent");
        // Back where the link pointed.
        Page::read(login).await.assert_redirects_to(&path);
    }
}

#[tokio::test]
async fn answering_a_proposal_that_was_answered_or_expired_meanwhile_comes_back_with_a_message() {
    use huzhu::store::entity::matches;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天", "陪老人散步"]).await;
    let declined = app
        .post_json(
            &format!("/api/v1/matches/{}/decline", ids[0]),
            &json!({}),
            Some(&v.token),
        )
        .await;
    assert_eq!(declined.status().as_u16(), 200);
    matches::Entity::update_many()
        .col_expr(
            matches::Column::ExpiresAt,
            Expr::value(huzhu::store::now_ms() - 1000),
        )
        .filter(matches::Column::Id.eq(uuid::Uuid::parse_str(&ids[1]).expect("id")))
        .exec(&app.context.db)
        .await
        .expect("the deadline moved into the past");

    for id in &ids {
        let late = v.post(&app, &format!("/matches/{id}/accept"), &[]).await;
        late.assert_redirects_to(&format!("/matches/{id}"));
        let html = v.follow(&app, &late).await.html;
        assert!(html.contains("这项提议已过期或已经答复过"), "{html}");
    }
    assert_eq!(status_of(&app, &v, &ids[0]).await, "declined");
    assert_eq!(status_of(&app, &v, &ids[1]).await, "proposed");
    let expired = v.get(&app, &format!("/matches/{}", ids[1])).await.html;
    assert!(
        expired.contains("已到期") && !expired.contains("/accept\""),
        "no answer past the deadline"
    );
}

#[tokio::test]
async fn a_long_list_pages_with_its_cursor() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let titles: Vec<String> = (1..=22).map(|i| format!("需求第{i:02}号")).collect();
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    proposals(&app, &v, &titles).await;

    let first = v.get(&app, "/matches?tab=proposed").await.html;
    assert_eq!(first.matches("/accept\"").count(), 20);
    assert!(
        first.contains("<span class=\"badge\">22</span>"),
        "the tab counts them all"
    );
    let start = first
        .find("/matches?tab=proposed&cursor=")
        .expect("a link to the next page");
    let next: String = first[start..].chars().take_while(|c| *c != '"').collect();
    let second = v.get(&app, &next).await.html;
    assert_eq!(second.matches("/accept\"").count(), 2);
    assert!(second.contains("回到第一页"));
    assert!(
        first.len() < 60_000,
        "a page of the list is {} bytes",
        first.len()
    );
}

#[tokio::test]
async fn a_volunteer_on_a_phone_accepts_a_proposal_calls_the_cadre_and_reports_delivery() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    proposals(&app, &v, &["陪老人聊天", "帮忙买药"]).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/login").await;
    browser.log_in(&v.user.email, &v.user.password).await;
    browser.wait_for_text("您好，张志愿").await;
    browser.click("我的帮扶").await;
    browser.wait_for_text("答复期限").await;
    browser.shots_at_both_sizes("proposals").await;

    browser.click("接受").await;
    browser.wait_for_text("已接受，谢谢您！").await;
    let text = browser.text().await;
    assert!(
        text.contains(CADRE_NAME) && text.contains(CADRE_PHONE),
        "{text}"
    );
    browser
        .shots_at_both_sizes("accepted-with-the-cadres-phone")
        .await;

    browser
        .fill("说明（可不填）", "送去了一周的菜，老人身体不错")
        .await;
    browser.click("我已送达帮助").await;
    browser.wait_for_text("已告知村干部").await;
    browser.wait_for_text("送去了一周的菜，老人身体不错").await;
    browser.shots_at_both_sizes("delivered").await;

    browser.click("我的帮扶").await;
    browser.wait_for_text("帮忙买药").await;
    browser.shots_at_both_sizes("back-to-the-list").await;
    browser.close().await;
}

#[tokio::test]
async fn reporting_delivery_with_a_note_puts_it_in_the_timeline_and_keeps_the_match_accepted() {
    let app = spawn_app().await;
    let v = volunteer(&app, "张志愿").await;
    let ids = proposals(&app, &v, &["陪老人聊天", "陪老人散步"]).await;
    let delivered = |id: &str| format!("/matches/{id}/delivered");

    let early = v
        .post(&app, &delivered(&ids[1]), &[("note", "还没接受")])
        .await;
    let html = v.follow(&app, &early).await.html;
    assert!(
        html.contains("这次帮扶已不在进行中"),
        "a proposal is not reported delivered"
    );

    let accept = v
        .post(&app, &format!("/matches/{}/accept", ids[0]), &[])
        .await;
    assert_eq!(accept.status, 303);
    let long = "菜".repeat(1001);
    let refused = v.post(&app, &delivered(&ids[0]), &[("note", &long)]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_beside(&refused.html, "note").as_deref(),
        Some("最多 1000 字")
    );

    let reported = v
        .post(&app, &delivered(&ids[0]), &[("note", "送去了一周的菜")])
        .await;
    let html = v.follow(&app, &reported).await.html;
    assert!(
        html.contains("已告知村干部"),
        "the flash says what happens next"
    );
    assert!(html.contains("您报告帮助已送达") && html.contains("送去了一周的菜"));
    assert!(
        html.contains("报告送达，村干部确认后"),
        "the page says it waits for the cadre"
    );
    assert_eq!(status_of(&app, &v, &ids[0]).await, "accepted");
    let events = app
        .get_json(&format!("/api/v1/matches/{}/events", ids[0]), &v.token)
        .await;
    let last = events["items"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .expect("events");
    assert_eq!(
        (last["kind"].as_str(), last["note"].as_str()),
        (Some("delivered"), Some("送去了一周的菜"))
    );

    in_english(&app, &v).await;
    let html = v.get(&app, &format!("/matches/{}", ids[0])).await.html;
    for shown in [
        "Contact the village cadre",
        "You reported the help delivered",
        "Cancel this match",
    ] {
        assert!(html.contains(shown), "the English page shows {shown}");
    }
}
