//! A household's page tells each need's story: posted, proposed (to "a
//! volunteer" until they accept), claimed or accepted by name, delivered
//! with the volunteer's note, with the link to confirm it.

use huzhu::domain::Role;
use serde_json::{Value, json};

use super::{HEAD_NAME, cadre, household, needs_of, post_need};
use crate::helpers::TestApp;
use crate::helpers::pages::id;
use crate::helpers::spawn_app;

pub const VOLUNTEER_NAME: &str = "张志愿";

/// A volunteer named [`VOLUNTEER_NAME`] with an offer of care near the
/// households; their token.
pub async fn volunteer_with_offer(app: &TestApp) -> String {
    let v = app
        .create_person(Role::Volunteer, None, VOLUNTEER_NAME, "13600000000")
        .await;
    let token = app.login(&v).await;
    let offer = json!({"categories": ["care", "medical"], "lat": 27.10, "lon": 110.55,
        "radius_km": 20, "remote": false, "capacity": 3});
    let created = app.post_json("/api/v1/offers", &offer, Some(&token)).await;
    assert_eq!(created.status().as_u16(), 201);
    token
}

/// A volunteer claims `need` through the API; their token and the match.
pub async fn claim(app: &TestApp, need: &str) -> (String, Value) {
    let token = volunteer_with_offer(app).await;
    let offers = app.get_json("/api/v1/offers", &token).await;
    let offer = offers["items"][0]["id"]
        .as_str()
        .expect("an offer")
        .to_owned();
    let claimed = app
        .post_json(
            &format!("/api/v1/needs/{need}/claim"),
            &json!({"offer_id": offer}),
            Some(&token),
        )
        .await;
    assert_eq!(claimed.status().as_u16(), 201);
    (token, claimed.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_claimed_and_delivered_need_tells_its_story_with_the_volunteers_name() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "2")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);

    let (token, m) = claim(&app, &need).await;
    let delivered = app
        .post_json(
            &format!("/api/v1/matches/{}/delivered", id(&m)),
            &json!({"note": "周六下午陪老人聊了两个小时"}),
            Some(&token),
        )
        .await;
    assert_eq!(delivered.status().as_u16(), 200);

    for path in [format!("/households/{h}"), format!("/needs/{need}")] {
        let page = c.get(&app, &path).await;
        assert_eq!(page.status, 200);
        let html = page.html;
        assert!(html.contains("<ol class=\"timeline\""), "{path}");
        for shown in [
            "发布需求",
            "张志愿认领了需求",
            "张志愿报告帮助已送达，等待确认",
            "周六下午陪老人聊了两个小时",
            "已匹配",
            "张志愿已报告送达，请确认帮助是否到位",
        ] {
            assert!(html.contains(shown), "{path} shows {shown}");
        }
        assert!(
            html.contains(&format!("href=\"/matches/{}\"", id(&m))),
            "{path} links to the match to confirm it"
        );
        // Times are the county's.
        let today = chrono::Utc::now()
            .with_timezone(&app.context.settings.timezone)
            .format("%Y-%m-%d")
            .to_string();
        assert!(html.contains("<time datetime=\"") && html.contains(&today));
    }
}

#[tokio::test]
async fn a_rounds_proposal_names_no_volunteer_until_they_accept() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    post_need(&app, &c, &h, ("care", "陪老人聊天", "3")).await;
    let need = id(&needs_of(&app, &c.token, &h).await[0]);
    let token = volunteer_with_offer(&app).await;
    let coordinator = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator).await;
    let round = app
        .post_json("/api/v1/rounds", &json!({}), Some(&coordinator))
        .await;
    assert_eq!(round.status().as_u16(), 201);
    let listed = app
        .get_json(&format!("/api/v1/matches?need={need}"), &token)
        .await;
    let m = id(&listed["items"][0]);

    let html = c.get(&app, &format!("/households/{h}")).await.html;
    for shown in [
        "匹配轮次把需求提议给了一位爱心人士",
        "已提议给一位爱心人士，等待答复",
    ] {
        assert!(html.contains(shown), "before accepting: {shown}");
    }
    assert!(
        !html.contains(VOLUNTEER_NAME),
        "no name before the volunteer accepts"
    );

    let accepted = app
        .post_json(
            &format!("/api/v1/matches/{m}/accept"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 200);
    let html = c.get(&app, &format!("/households/{h}")).await.html;
    for shown in [
        "匹配轮次把需求提议给了张志愿",
        "张志愿接受了提议",
        "张志愿正在帮扶",
        HEAD_NAME,
    ] {
        assert!(html.contains(shown), "after accepting: {shown}");
    }
}

#[tokio::test]
async fn a_household_with_many_needs_shows_ten_at_a_time_newest_first() {
    let app = spawn_app().await;
    let c = cadre(&app).await;
    let h = household(&app, &c).await;
    // A household has one open need a category: cancelled ones make room.
    let mut titles = Vec::new();
    for i in 0..11 {
        let category = ["care", "medical", "housing", "living"][i % 4];
        let title = format!("第{i}项需求");
        let body = json!({"household_id": h, "category": category, "title": title, "urgency": 1});
        let posted = app.post_json("/api/v1/needs", &body, Some(&c.token)).await;
        assert_eq!(posted.status().as_u16(), 201);
        let posted: Value = posted.json().await.expect("JSON");
        let cancel = format!("/api/v1/needs/{}/cancel", id(&posted));
        let cancelled = app
            .post_json(&cancel, &json!({"reason": "已解决"}), Some(&c.token))
            .await;
        assert_eq!(cancelled.status().as_u16(), 200);
        titles.push(title);
    }

    let first = c.get(&app, &format!("/households/{h}")).await.html;
    let shown = |html: &str| -> Vec<String> {
        titles
            .iter()
            .filter(|t| html.contains(&format!(">{t}</a>")))
            .cloned()
            .collect()
    };
    assert_eq!(shown(&first), titles[1..].to_vec(), "the ten newest");
    assert!(
        first.find("第10项需求") < first.find("第9项需求"),
        "newest first"
    );
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|head| head.rsplit("href=\"").next())
        .and_then(|tail| tail.split('"').next())
        .expect("a link to the older needs")
        .to_owned();
    assert!(
        next.starts_with(&format!("/households/{h}?before=")),
        "{next}"
    );
    let second = c.get(&app, &next).await.html;
    assert_eq!(shown(&second), titles[..1].to_vec(), "the oldest");
    assert!(!second.contains("rel=\"next\""), "nothing older");
    assert!(
        second.contains(&format!("href=\"/households/{h}\"")),
        "back to the first page"
    );
}
