//! The cadre's need pages: posting needs from a household's page, the
//! duplicate guard's page with its link to the need the household already
//! has, changing an open need, cancelling one with a reason, and who may
//! do any of it (`access`). The household's story of its needs is in
//! `story`, the phone in the browser in `browser`.

mod access;
mod browser;
mod story;

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::pages::{LoggedIn, Page, error_beside, id};
use crate::helpers::{TestApp, problem, spawn_app};

const TOWNSHIP: &str = "430525101";
const HEAD_NAME: &str = "王大山";
const CADRE_NAME: &str = "李村官";

/// A cadre of township 101, logged in to the API and the pages.
async fn cadre(app: &TestApp) -> LoggedIn {
    let user = app
        .create_person(Role::Cadre, Some(TOWNSHIP), CADRE_NAME, "13911112222")
        .await;
    LoggedIn::new(app, user).await
}

/// A household of `region` registered through the API by `token`, with a
/// doorstep point; its id.
async fn household_in(app: &TestApp, token: &str, region: &str) -> String {
    let body = json!({"region": region, "head_name": HEAD_NAME, "members": 3,
        "phone": "13907390001", "id_number": "430525195001010022",
        "lat": 27.11, "lon": 110.55, "tags": ["elderly_alone"]});
    let response = app
        .post_json("/api/v1/households", &body, Some(token))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

async fn household(app: &TestApp, c: &LoggedIn) -> String {
    household_in(app, &c.token, "430525101000").await
}

/// Posts a need from the household's form page.
async fn post_need(
    app: &TestApp,
    c: &LoggedIn,
    household: &str,
    (category, title, urgency): (&str, &str, &str),
) -> Page {
    let path = format!("/households/{household}/needs/new");
    let fields = [
        ("category", category),
        ("title", title),
        ("description", "屋顶漏雨，雨天无法住人"),
        ("urgency", urgency),
    ];
    c.post(app, &path, &fields).await
}

/// The household's needs as the API lists them to `token`.
async fn needs_of(app: &TestApp, token: &str, household: &str) -> Vec<Value> {
    let listed = app
        .get_json(&format!("/api/v1/needs?region={TOWNSHIP}"), token)
        .await;
    listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["household_id"] == household)
        .cloned()
        .collect()
}

async fn need_json(app: &TestApp, token: &str, need: &str) -> Value {
    app.get_json(&format!("/api/v1/needs/{need}"), token).await
}

#[tokio::test]
async fn a_cadre_posts_two_needs_from_the_household_page_and_sees_each_there() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;

    let page = c.get(&app, &format!("/households/{h}")).await;
    assert_eq!(page.status, 200);
    for shown in [
        HEAD_NAME,
        "13907390001",
        "430*************22",
        "独居老人",
        "这户还没有需求",
    ] {
        assert!(
            page.html.contains(shown),
            "the household page shows {shown}"
        );
    }
    assert!(
        !page.html.contains("430525195001010022"),
        "the ID number is masked"
    );
    for link in [
        format!("href=\"/households/{h}/needs/new\""),
        format!("href=\"/households/{h}/edit\""),
    ] {
        assert!(page.html.contains(&link), "{link}");
    }

    let form = c.get(&app, &format!("/households/{h}/needs/new")).await;
    assert_eq!(form.status, 200);
    for shown in [
        "医疗健康",
        "陪同就医、送药",
        "一般",
        "较急",
        "紧急",
        "type=\"radio\"",
    ] {
        assert!(form.html.contains(shown), "the form shows {shown}");
    }

    let posted = post_need(&app, &c, &h, ("medical", "陪老人去县医院复查", "3")).await;
    posted.assert_redirects_to(&format!("/households/{h}"));
    let page = c.follow(&app, &posted).await;
    assert!(page.html.contains("需求已发布"), "the flash says so");
    let posted = post_need(&app, &c, &h, ("housing", "修缮漏雨的屋顶", "1")).await;
    posted.assert_redirects_to(&format!("/households/{h}"));

    let html = c.get(&app, &format!("/households/{h}")).await.html;
    for shown in [
        "陪老人去县医院复查",
        "修缮漏雨的屋顶",
        "医疗健康",
        "住房安全",
        "紧急",
        "待匹配",
        "发布需求",
    ] {
        assert!(html.contains(shown), "the household page shows {shown}");
    }
    let needs = needs_of(&app, &c.token, &h).await;
    let mut stored: Vec<(&str, i64)> = needs
        .iter()
        .map(|n| {
            (
                n["category"].as_str().unwrap_or(""),
                n["urgency"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(stored, [("housing", 1), ("medical", 3)]);
    for n in &needs {
        let id = n["id"].as_str().expect("id");
        assert!(html.contains(&format!("action=\"/needs/{id}/cancel\"")));
        assert!(html.contains(&format!("href=\"/needs/{id}/edit\"")));
    }
}

#[tokio::test]
async fn a_need_of_a_taken_category_gets_a_page_that_links_to_the_need_the_household_has() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("medical", "陪老人去县医院复查", "3")).await;
    post_need(&app, &c, &h, ("housing", "修缮漏雨的屋顶", "1")).await;
    let existing = needs_of(&app, &c.token, &h)
        .await
        .into_iter()
        .find(|n| n["category"] == "medical")
        .map(|n| id(&n))
        .expect("the medical need");

    let third = post_need(&app, &c, &h, ("medical", "买降压药", "2")).await;
    assert_eq!(third.status, 409);
    assert!(third.html.contains("这户已有一项同类需求"));
    assert!(
        third.html.contains("陪老人去县医院复查"),
        "it names the need"
    );
    assert!(
        third
            .html
            .contains(&format!("<a class=\"button\" href=\"/needs/{existing}\">")),
        "it links to the need"
    );
    assert!(third.html.contains("买降压药"), "what was typed stays");
    assert_eq!(needs_of(&app, &c.token, &h).await.len(), 2, "none posted");
    let followed = c.get(&app, &format!("/needs/{existing}")).await;
    assert_eq!(followed.status, 200);
    assert!(followed.html.contains("陪老人去县医院复查"));

    let body = json!({"household_id": h, "category": "medical", "title": "again", "urgency": 1});
    let answer = problem(
        app.post_json("/api/v1/needs", &body, Some(&c.token)).await,
        409,
    )
    .await;
    assert_eq!(answer["existing_id"], existing.as_str(), "{answer}");

    // Changing the other need into the taken category is refused alike.
    let housing = needs_of(&app, &c.token, &h)
        .await
        .into_iter()
        .find(|n| n["category"] == "housing")
        .map(|n| id(&n))
        .expect("the housing need");
    let fields = [
        ("category", "medical"),
        ("title", "修缮漏雨的屋顶"),
        ("description", ""),
        ("urgency", "1"),
    ];
    let edit = c
        .post(&app, &format!("/needs/{housing}/edit"), &fields)
        .await;
    assert_eq!(edit.status, 409);
    assert!(edit.html.contains(&format!("href=\"/needs/{existing}\"")));
}

#[tokio::test]
async fn bad_fields_come_back_beside_their_fields_and_nothing_is_posted() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;

    let refused = post_need(&app, &c, &h, ("", "", "9")).await;
    assert_eq!(refused.status, 422);
    for (field, message) in [
        ("category", "请选择类别"),
        ("title", "标题为 1 到 200 个字符"),
        ("urgency", "紧急程度为 1、2、3 或 一般、较急、紧急"),
    ] {
        assert_eq!(
            error_beside(&refused.html, field).as_deref(),
            Some(message),
            "{field}"
        );
    }
    assert!(
        refused.html.contains("屋顶漏雨，雨天无法住人"),
        "what was typed stays"
    );
    assert!(needs_of(&app, &c.token, &h).await.is_empty());
}

#[tokio::test]
async fn an_open_need_is_changed_from_its_form_and_a_taken_one_says_why_it_cannot() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "1")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);

    let form = c.get(&app, &format!("/needs/{need}/edit")).await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("value=\"陪老人聊天\""));
    assert!(form.html.contains("<option value=\"care\" selected>"));
    let fields = [
        ("category", "care"),
        ("title", "每周陪老人聊天"),
        ("description", "周末下午"),
        ("urgency", "2"),
    ];
    let saved = c.post(&app, &format!("/needs/{need}/edit"), &fields).await;
    saved.assert_redirects_to(&format!("/needs/{need}"));
    let page = c.follow(&app, &saved).await;
    assert!(page.html.contains("需求已修改") && page.html.contains("较急"));
    let stored = need_json(&app, &c.token, &need).await;
    assert_eq!(
        (stored["title"].as_str(), stored["urgency"].as_i64()),
        (Some("每周陪老人聊天"), Some(2))
    );

    story::claim(&app, &need).await;
    let form = c.get(&app, &format!("/needs/{need}/edit")).await;
    assert_eq!(form.status, 409);
    assert!(form.html.contains("已有爱心人士接手这项需求"));
    assert!(form.html.contains(&format!("href=\"/needs/{need}\"")));
    let refused = c.post(&app, &format!("/needs/{need}/edit"), &fields).await;
    assert_eq!(refused.status, 409);
    let page = c.get(&app, &format!("/needs/{need}")).await.html;
    assert!(
        !page.contains(&format!("action=\"/needs/{need}/cancel\"")),
        "a taken need has no cancel button"
    );
}

#[tokio::test]
async fn cancelling_a_need_asks_for_a_reason_beside_the_field() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "1")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);
    let path = format!("/needs/{need}/cancel");

    let refused = c.post(&app, &path, &[("reason", "  ")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_beside(&refused.html, "reason").as_deref(),
        Some("请填写 1 到 1000 字的原因")
    );
    assert!(
        refused
            .html
            .contains("<details class=\"more cancel-need\" open>")
    );
    assert_eq!(need_json(&app, &c.token, &need).await["status"], "open");

    let cancelled = c.post(&app, &path, &[("reason", "老人已搬去女儿家")]).await;
    cancelled.assert_redirects_to(&format!("/households/{h}"));
    let html = c.follow(&app, &cancelled).await.html;
    for shown in ["需求已取消", "老人已搬去女儿家", "已取消"] {
        assert!(html.contains(shown), "the household page shows {shown}");
    }
    assert_eq!(
        need_json(&app, &c.token, &need).await["status"],
        "cancelled"
    );
    let again = c.post(&app, &path, &[("reason", "再次")]).await;
    assert_eq!(again.status, 409);
}
