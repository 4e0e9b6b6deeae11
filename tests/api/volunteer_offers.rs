//! "My offers" as pages: a volunteer posts an offer by picking a village,
//! changes it, pauses, resumes and withdraws it, each through a form with
//! its CSRF token; the API shows what the pages did.

use huzhu::domain::Role;
use serde_json::Value;

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, Page, error_beside, id, load_regions, with_changes};
use crate::helpers::{TestApp, spawn_app};

/// Villages of two townships, and one without a point (not offered).
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n\
    430525102201,演示毓兰村,village,430525102000,27.02,110.5\n\
    430525102202,演示无坐标村,village,430525102000,,\n";

const SECOND_VILLAGE: &str = "430525101202";

/// The volunteer's offers, as the API lists them.
async fn listed_offers(app: &TestApp, me: &LoggedIn) -> Vec<Value> {
    let page = app.get_json("/api/v1/offers", &me.token).await;
    page["items"].as_array().cloned().expect("items")
}

async fn volunteer(app: &TestApp) -> LoggedIn {
    let user = app.create_user(Role::Volunteer, None).await;
    LoggedIn::new(app, user).await
}

/// A good offer form at the second village, with `changes` over it.
fn offer_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let form = vec![
        ("categories", "living"),
        ("categories", "care"),
        ("village", SECOND_VILLAGE),
        ("lat", ""),
        ("lon", ""),
        ("radius_km", "8"),
        ("capacity", "3"),
        ("remote", "yes"),
        ("available_until", "2999-12-31"),
    ];
    with_changes(form, changes)
}

async fn volunteer_with_an_offer(app: &TestApp) -> (LoggedIn, String) {
    let me = volunteer(app).await;
    me.post(app, "/offers/new", &offer_form(&[]))
        .await
        .assert_redirects_to("/offers");
    let offers = listed_offers(app, &me).await;
    (me, id(&offers[0]))
}

#[tokio::test]
async fn a_volunteer_offers_help_by_picking_a_village_and_the_offer_stands_on_its_point() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = volunteer(&app).await;

    let empty = me.get(&app, "/offers").await;
    assert_eq!(empty.status, 200);
    let empty = empty.html;
    assert!(empty.contains("您还没有提供帮助"), "{empty}");
    assert!(
        empty.contains("/offers/new\">提供帮助</a>"),
        "a button to offer help"
    );

    let form = me.get(&app, "/offers/new").await;
    assert_eq!(form.status, 200);
    let form = form.html;
    for shown in [
        "<optgroup label=\"江口镇\">",
        "<optgroup label=\"毓兰镇\">",
        "演示江口二村",
        "关爱陪伴",
        "探望独居老人",
    ] {
        assert!(form.contains(shown), "the form shows {shown}");
    }
    assert!(
        !form.contains("演示无坐标村"),
        "a village without a point cannot be picked"
    );

    let posted = me.post(&app, "/offers/new", &offer_form(&[])).await;
    posted.assert_redirects_to("/offers");

    let offers = listed_offers(&app, &me).await;
    assert_eq!(offers.len(), 1);
    let path = format!("/api/v1/offers/{}", id(&offers[0]));
    let offer = app.get_json(&path, &me.token).await;
    assert_eq!(
        (offer["lat"].as_f64(), offer["lon"].as_f64()),
        (Some(27.12), Some(110.57))
    );
    assert_eq!(offer["categories"], serde_json::json!(["living", "care"]));
    assert_eq!(offer["capacity"], 3);
    assert_eq!(offer["radius_km"], 8);
    assert_eq!(offer["remote"], true);
    assert_eq!(offer["status"], "active");
    assert_eq!(
        offer["available_until"], "2999-12-31T15:59:59Z",
        "the day's end in Dongkou"
    );

    let list = me.get(&app, "/offers").await.html;
    for shown in [
        "生活物资、关爱陪伴",
        "演示江口二村",
        "8 公里",
        "0 / 3 户",
        "接受匹配中",
        "2999-12-31",
    ] {
        assert!(list.contains(shown), "the list shows {shown}: {list}");
    }
}

#[tokio::test]
async fn a_village_without_a_point_stands_on_its_townships_point() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let township = "code,name,level,parent_code,lat,lon\n\
        430525102000,毓兰镇,township,430525000000,27.03,110.49\n";
    load_regions(&app, township).await;
    let me = volunteer(&app).await;

    let form = me.get(&app, "/offers/new").await.html;
    assert!(form.contains("演示无坐标村（按乡镇位置）"), "{form}");
    me.post(
        &app,
        "/offers/new",
        &offer_form(&[("village", "430525102202")]),
    )
    .await
    .assert_redirects_to("/offers");

    let offer = &listed_offers(&app, &me).await[0];
    assert_eq!(
        (offer["lat"].as_f64(), offer["lon"].as_f64()),
        (Some(27.03), Some(110.49))
    );
    let list = me.get(&app, "/offers").await.html;
    assert!(
        list.contains("<dd>毓兰镇</dd>"),
        "the place is the township's: {list}"
    );
}

#[tokio::test]
async fn a_form_with_no_category_and_capacity_zero_answers_both_errors_beside_their_fields_and_creates_nothing()
 {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = volunteer(&app).await;

    let form = offer_form(&[
        ("categories", "<none>"),
        ("capacity", "0"),
        ("radius_km", "7.5"),
    ]);
    let posted = me.post(&app, "/offers/new", &form).await;

    assert_eq!(posted.status, 422);
    assert_eq!(
        error_beside(&posted.html, "categories").as_deref(),
        Some("类别为 1 到 8 个")
    );
    assert_eq!(
        error_beside(&posted.html, "capacity").as_deref(),
        Some("容量为 1 到 50")
    );
    assert_eq!(
        error_beside(&posted.html, "place"),
        None,
        "the village was fine"
    );
    assert_eq!(error_beside(&posted.html, "radius_km"), None);
    assert!(
        posted.html.contains("value=\"7.5\""),
        "the radius typed is kept"
    );
    assert!(
        posted.html.contains(&format!(
            "value=\"{SECOND_VILLAGE}\" data-lat=\"27.12\" data-lon=\"110.57\" selected"
        )),
        "the village picked is kept"
    );
    assert!(
        listed_offers(&app, &me).await.is_empty(),
        "nothing was created"
    );

    let nowhere = me
        .post(&app, "/offers/new", &offer_form(&[("village", "")]))
        .await;
    assert_eq!(nowhere.status, 422);
    assert_eq!(
        error_beside(&nowhere.html, "place").as_deref(),
        Some("请选择村，或使用您的位置")
    );
    let past = me
        .post(
            &app,
            "/offers/new",
            &offer_form(&[("available_until", "2001-01-01")]),
        )
        .await;
    assert_eq!(past.status, 422);
    assert_eq!(
        error_beside(&past.html, "available_until").as_deref(),
        Some("截止时间应在将来")
    );
    assert!(listed_offers(&app, &me).await.is_empty(), "still nothing");
}

#[tokio::test]
async fn a_volunteer_changes_their_offer_and_its_place_stays_unless_they_pick_another() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let (me, id) = volunteer_with_an_offer(&app).await;
    let path = format!("/offers/{id}");

    let form = me.get(&app, &path).await;
    assert_eq!(form.status, 200);
    let form = form.html;
    assert!(
        form.contains(&format!(
            "value=\"{SECOND_VILLAGE}\" data-lat=\"27.12\" data-lon=\"110.57\" selected"
        )),
        "the offer's village is picked"
    );
    assert!(form.contains("value=\"care\" checked"));

    let keep = offer_form(&[
        ("village", ""),
        ("categories", "<none>"),
        ("capacity", "2"),
        ("radius_km", "12.5"),
        ("remote", "no"),
        ("available_until", ""),
    ]);
    let mut keep = keep;
    keep.push(("categories", "education"));
    me.post(&app, &path, &keep)
        .await
        .assert_redirects_to("/offers");
    let offer = &listed_offers(&app, &me).await[0];
    assert_eq!(offer["categories"], serde_json::json!(["education"]));
    assert_eq!(
        (offer["capacity"].as_i64(), offer["remote"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(offer["radius_km"], 12.5);
    assert!(offer["available_until"].is_null(), "the end was taken away");
    assert_eq!(
        (offer["lat"].as_f64(), offer["lon"].as_f64()),
        (Some(27.12), Some(110.57))
    );

    // The script's point (a tap on the map) wins over the village.
    let tapped = offer_form(&[("lat", "27.05"), ("lon", "110.61")]);
    me.post(&app, &path, &tapped)
        .await
        .assert_redirects_to("/offers");
    let offer = &listed_offers(&app, &me).await[0];
    assert_eq!(
        (offer["lat"].as_f64(), offer["lon"].as_f64()),
        (Some(27.05), Some(110.61))
    );
    let list = me.get(&app, "/offers").await.html;
    assert!(list.contains("我的位置"), "a tapped point is no village");

    let refused = me
        .post(&app, &path, &offer_form(&[("radius_km", "0")]))
        .await;
    assert_eq!(refused.status, 422);
    assert!(error_beside(&refused.html, "radius_km").is_some_and(|m| m.contains("服务半径")));
}

#[tokio::test]
async fn a_volunteer_pauses_resumes_and_withdraws_an_offer_from_its_buttons() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let (me, id) = volunteer_with_an_offer(&app).await;
    let status = |offers: Vec<Value>| offers[0]["status"].as_str().map(str::to_owned);

    me.post(&app, &format!("/offers/{id}/pause"), &[])
        .await
        .assert_redirects_to("/offers");
    assert_eq!(
        status(listed_offers(&app, &me).await).as_deref(),
        Some("paused")
    );
    let list = me.get(&app, "/offers").await.html;
    assert!(list.contains(">已暂停</span>"), "the badge says paused");
    assert!(list.contains(&format!("action=\"/offers/{id}/resume\"")));

    me.post(&app, &format!("/offers/{id}/resume"), &[])
        .await
        .assert_redirects_to("/offers");
    assert_eq!(
        status(listed_offers(&app, &me).await).as_deref(),
        Some("active")
    );

    me.post(&app, &format!("/offers/{id}/withdraw"), &[])
        .await
        .assert_redirects_to("/offers");
    assert_eq!(
        status(listed_offers(&app, &me).await).as_deref(),
        Some("withdrawn")
    );
    let list = me.get(&app, "/offers").await.html;
    assert!(list.contains("已撤回"));
    assert!(
        !list.contains(&format!("/offers/{id}/"))
            && !list.contains(&format!("href=\"/offers/{id}\"")),
        "a withdrawn offer shows no actions"
    );
    let withdrawn = me.get(&app, &format!("/offers/{id}")).await;
    assert_eq!(withdrawn.status, 409, "a withdrawn offer cannot change");
    let again = me.post(&app, &format!("/offers/{id}/resume"), &[]).await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn another_volunteers_offer_is_not_found_on_every_page_and_button() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let (owner, id) = volunteer_with_an_offer(&app).await;
    let other = volunteer(&app).await;

    assert_eq!(other.get(&app, &format!("/offers/{id}")).await.status, 404);
    let edit = other
        .post(
            &app,
            &format!("/offers/{id}"),
            &offer_form(&[("capacity", "9")]),
        )
        .await;
    assert_eq!(edit.status, 404);
    for action in ["pause", "withdraw"] {
        let posted = other
            .post(&app, &format!("/offers/{id}/{action}"), &[])
            .await;
        assert_eq!(posted.status, 404, "{action}");
    }
    assert_eq!(other.get(&app, "/offers/not-an-id").await.status, 404);
    let offer = &listed_offers(&app, &owner).await[0];
    assert_eq!(
        (offer["capacity"].as_i64(), offer["status"].as_str()),
        (Some(3), Some("active"))
    );
}

#[tokio::test]
async fn a_visitor_is_sent_to_log_in_first() {
    let app = spawn_app().await;
    for (path, next) in [("/offers", "%2Foffers"), ("/offers/new", "%2Foffers%2Fnew")] {
        let visit = Page::read(app.get(path).await).await;
        visit.assert_redirects_to(&format!("/login?next={next}"));
    }
}

#[tokio::test]
async fn forms_without_the_sessions_token_change_nothing() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let (me, id) = volunteer_with_an_offer(&app).await;

    let mut forged = offer_form(&[]);
    forged.push(("csrf_token", "forged"));
    let create = me.post(&app, "/offers/new", &forged).await;
    assert_eq!(create.status, 403);
    assert!(create.html.contains("页面已过期"));
    assert!(
        create.html.contains("value=\"8\""),
        "what was typed is kept"
    );
    let edit = me.post(&app, &format!("/offers/{id}"), &forged).await;
    assert_eq!(edit.status, 403);
    let pause = me
        .post(
            &app,
            &format!("/offers/{id}/pause"),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(pause.status, 403);

    let offers = listed_offers(&app, &me).await;
    assert_eq!(offers.len(), 1, "no second offer");
    assert_eq!(offers[0]["status"], "active");
}

#[tokio::test]
async fn a_volunteer_on_a_phone_picks_township_then_village_and_sees_the_offer_listed() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/login").await;
    browser.log_in(&user.email, &user.password).await;
    browser.wait_for_text("您好，测试用户").await;
    browser.click("我能提供").await;
    browser.wait_for_text("您还没有提供帮助").await;
    browser.shots_at_both_sizes("no-offers-yet").await;

    browser.click("提供帮助").await;
    browser.wait_for("select#f-village-township").await;
    browser.wait_for(".place-map.leaflet-container").await;
    browser.shots_at_both_sizes("empty-form").await;

    // Sent with nothing chosen: told beside each field what is missing.
    browser.click("发布").await;
    browser.wait_for("#e-categories").await;
    assert!(browser.text().await.contains("请选择村，或使用您的位置"));
    browser.shots_at_both_sizes("refused").await;

    browser.click("input[value='care']").await;
    browser.click("input[value='living']").await;
    // The township select's options are its groups, by their place.
    browser
        .click("select#f-village-township option[value='0']")
        .await;
    browser
        .click(&format!(
            "select#f-village option[value='{SECOND_VILLAGE}']"
        ))
        .await;
    browser.wait_for_text("将使用：演示江口二村").await;
    browser.fill("同时帮几户", "2").await;
    browser.fill("服务半径（公里）", "6").await;
    browser.shots_at_both_sizes("village-picked").await;

    browser.click("发布").await;
    browser.wait_for_text("已发布").await;
    assert_eq!(browser.path().await, "/offers");
    let text = browser.text().await;
    for shown in ["演示江口二村", "0 / 2 户", "接受匹配中", "6 公里"] {
        assert!(text.contains(shown), "the list shows {shown}:\n{text}");
    }
    browser.shots_at_both_sizes("offer-listed").await;

    // Moved by a tap on the map: the point wins over the village.
    browser.click("修改").await;
    browser.wait_for(".place-map.leaflet-container").await;
    browser.wait_for_text("将使用：演示江口二村").await;
    browser.click("#place-map").await;
    browser.wait_for_text("将使用：地图上点选的位置").await;
    browser.shots_at_both_sizes("map-tapped").await;
    browser.click("保存修改").await;
    browser.wait_for_text("修改已保存").await;
    assert!(browser.text().await.contains("我的位置"));

    browser.click("English").await;
    browser.wait_for_text("My offers of help").await;
    assert!(browser.text().await.contains("0 / 2 households"));
    browser.click("Edit").await;
    browser.wait_for_text("Can you help without a visit?").await;
    browser.shots_at_both_sizes("in-english").await;
    browser.close().await;
}
