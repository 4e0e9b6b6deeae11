//! The volunteer's "needs near me": the list, a need's page with its claim
//! form, the map and its data, and the map's settings.

use std::collections::HashMap;

use huzhu::domain::geo::{GeoPoint, haversine_m};
use huzhu::domain::{Category, Role};
use huzhu::services::nearby::{rounded, shown_km};
use huzhu::settings::{MapDatum, Settings};
use serde_json::{Value, json};

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::pages::{LoggedIn, Page, hidden_csrf, id, load_regions};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Two villages of township 101 with their points.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101001,新田村,village,430525101000,27.10,110.55\n\
    430525101002,石江村,village,430525101000,27.30,110.55\n";

/// A household's exact point in 新田村: more than 2 decimals, so that its
/// rounded point (27.12, 110.57) differs.
const EXACT: (f64, f64) = (27.1234, 110.5678);

/// Where a volunteer's offer stands: 新田村's point.
const OFFER_AT: (f64, f64) = (27.10, 110.55);

/// A household of 新田村 with its head's name and phone.
async fn household(app: &TestApp, cadre: &str, at: (f64, f64)) -> String {
    household_with(app, cadre, at, json!({})).await
}

/// A household of 新田村 with `more` fields.
async fn household_with(app: &TestApp, cadre: &str, at: (f64, f64), more: Value) -> String {
    let mut body = json!({"region": "430525101001", "head_name": "王大山", "members": 4,
        "phone": "13907390001", "lat": at.0, "lon": at.1, "tags": ["elderly_alone"]});
    for (k, v) in more.as_object().expect("fields") {
        body[k] = v.clone();
    }
    let response = app
        .post_json("/api/v1/households", &body, Some(cadre))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

async fn need(
    app: &TestApp,
    cadre: &str,
    household: &str,
    category: &str,
    urgency: i64,
    title: &str,
) -> Value {
    let body = json!({"household_id": household, "category": category, "title": title,
        "description": "家里老人行动不便", "urgency": urgency});
    let response = app.post_json("/api/v1/needs", &body, Some(cadre)).await;
    assert_eq!(response.status().as_u16(), 201, "{body}");
    response.json().await.expect("JSON")
}

async fn volunteer(app: &TestApp) -> LoggedIn {
    let user = app.create_user(Role::Volunteer, None).await;
    LoggedIn::new(app, user).await
}

async fn offer(app: &TestApp, v: &LoggedIn, categories: &[&str], radius_km: i64) -> String {
    let body = json!({"categories": categories, "lat": OFFER_AT.0, "lon": OFFER_AT.1,
        "radius_km": radius_km, "remote": false, "capacity": 1});
    let response = app.post_json("/api/v1/offers", &body, Some(&v.token)).await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

/// How many needs a list page shows.
fn cards(html: &str) -> usize {
    html.matches("<li class=\"need\">").count()
}

/// Claims `need` with `offer` from the need's page, with its form token.
async fn claim(app: &TestApp, v: &LoggedIn, need: &str, offer: &str) -> Page {
    let page = v.get(app, &format!("/needs/{need}")).await;
    claim_with(app, v, need, offer, &hidden_csrf(&page.html)).await
}

async fn claim_with(app: &TestApp, v: &LoggedIn, need: &str, offer: &str, csrf: &str) -> Page {
    let path = format!("/needs/{need}/claim");
    v.post(app, &path, &[("csrf_token", csrf), ("offer_id", offer)])
        .await
}

/// The distance the pages show from the offer to a need's rounded point.
fn shown_from_offer(exact: (f64, f64)) -> String {
    let need = rounded(GeoPoint::new(exact.0, exact.1));
    let metres = haversine_m(GeoPoint::new(OFFER_AT.0, OFFER_AT.1), need);
    format!("{} 公里", shown_km(metres))
}

#[tokio::test]
async fn the_list_shows_a_near_need_with_its_urgency_village_and_rounded_distance_and_not_a_far_one()
 {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let near = household(&app, &cadre, EXACT).await;
    need(&app, &cadre, &near, "care", 3, "帮忙照看独居老人").await;
    // About 22 km north: beyond the offer's 10 km.
    let far = household(&app, &cadre, (27.30, 110.55)).await;
    need(&app, &cadre, &far, "care", 1, "远处的需求").await;
    let v = volunteer(&app).await;
    offer(&app, &v, &["care"], 10).await;

    let list = v.get(&app, "/needs").await;

    assert_eq!(list.status, 200);
    let html = list.html;
    assert!(html.contains("帮忙照看独居老人"), "{html}");
    assert!(html.contains("紧急") && html.contains("badge urgent"));
    assert!(html.contains("新田村"));
    assert!(
        html.contains(&shown_from_offer(EXACT)),
        "{}",
        shown_from_offer(EXACT)
    );
    assert!(html.contains("今天发布"));
    assert!(!html.contains("远处的需求"), "beyond 10 km");
    assert_eq!(cards(&html), 1);

    let wider = v.get(&app, "/needs?km=50").await.html;
    assert!(wider.contains("远处的需求"), "within 50 km");
    assert_eq!(cards(&wider), 2);
}

#[tokio::test]
async fn the_list_filters_by_category_and_says_when_nothing_is_near() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let h = household(&app, &cadre, EXACT).await;
    need(&app, &cadre, &h, "care", 2, "陪老人聊天").await;
    need(&app, &cadre, &h, "education", 1, "辅导作业").await;
    let v = volunteer(&app).await;
    offer(&app, &v, &["care", "education"], 10).await;

    let care = v.get(&app, "/needs?category=care").await.html;
    assert!(care.contains("陪老人聊天") && !care.contains("辅导作业"));
    assert!(care.contains("较急") && care.contains("badge soon"));

    let none = v.get(&app, "/needs?category=housing&km=5").await.html;
    assert_eq!(cards(&none), 0);
    assert!(
        none.contains("5 公里内暂时没有“住房安全”类待认领的需求"),
        "{none}"
    );
    assert!(
        none.contains("扩大到 10 公里"),
        "a larger distance is offered"
    );

    let unknown = v.get(&app, "/needs?category=nothing").await;
    assert_eq!(unknown.status, 422);
}

#[tokio::test]
async fn the_list_pages_through_every_need_once_by_the_distance_cursor() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    // A household has one open need a category.
    let categories = Category::ALL.map(Category::code);
    let mut posted = 0;
    for k in 0..3 {
        let h = household(&app, &cadre, (27.10 + f64::from(k) * 0.01, 110.55)).await;
        for c in categories.iter().take(if k == 2 { 5 } else { 8 }) {
            need(&app, &cadre, &h, c, 1, &format!("需求{posted:02}")).await;
            posted += 1;
        }
    }
    assert_eq!(posted, 21);
    let v = volunteer(&app).await;
    offer(&app, &v, &categories, 10).await;

    let first = v.get(&app, "/needs").await.html;
    assert_eq!(cards(&first), 20);
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|head| head.rsplit("href=\"").next())
        .map(|h| h.trim_end_matches("\" ").trim_end_matches('"').to_owned())
        .expect("a next link");
    assert!(
        next.starts_with("/needs?") && next.contains("cursor=d"),
        "{next}"
    );
    let second = v.get(&app, &next).await.html;
    assert_eq!(cards(&second), 1);
    assert!(second.contains("回到第一页"));
    for k in 0..posted {
        let title = format!(">需求{k:02}</a>");
        let times = first.matches(&title).count() + second.matches(&title).count();
        assert_eq!(times, 1, "{title} is listed once");
    }
}

#[tokio::test]
async fn a_needs_page_shows_no_household_data() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let id_number = json!({"id_number": "430525199001011234"});
    let h = household_with(&app, &cadre, EXACT, id_number).await;
    let n = need(&app, &cadre, &h, "care", 2, "帮忙照看独居老人").await;
    let v = volunteer(&app).await;
    offer(&app, &v, &["care"], 10).await;

    let page = v.get(&app, &format!("/needs/{}", id(&n))).await;

    assert_eq!(page.status, 200);
    let html = page.html;
    for shown in [
        "帮忙照看独居老人",
        "家里老人行动不便",
        "关爱陪伴",
        "较急",
        "新田村",
        "今天发布",
        "认领这个需求",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    assert!(html.contains(&format!("相距约 {}", shown_from_offer(EXACT))));
    for secret in [
        "王大山",
        "13907390001",
        "430525199001011234",
        &h,
        "27.1234",
        "110.5678",
        "elderly_alone",
        "独居老人（",
    ] {
        assert!(!html.contains(secret), "the page shows {secret}");
    }
}

#[tokio::test]
async fn claiming_from_the_page_makes_an_accepted_match_and_a_later_claim_is_told_it_was_taken() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let h = household(&app, &cadre, EXACT).await;
    let n = id(&need(&app, &cadre, &h, "care", 2, "帮忙照看独居老人").await);
    let first = volunteer(&app).await;
    let first_offer = offer(&app, &first, &["care"], 10).await;
    let second = volunteer(&app).await;
    let second_offer = offer(&app, &second, &["care"], 10).await;
    let second_page = second.get(&app, &format!("/needs/{n}")).await.html;

    let claimed = claim(&app, &first, &n, &first_offer).await;
    assert_eq!(claimed.status, 303);
    let target = claimed.location.expect("a redirect");
    let match_id = target.strip_prefix("/matches/").expect("to the match");
    let m = app
        .get_json(&format!("/api/v1/matches/{match_id}"), &first.token)
        .await;
    assert_eq!(
        (m["status"].as_str(), m["need_id"].as_str()),
        (Some("accepted"), Some(n.as_str()))
    );

    // The second volunteer had the page open, and claims afterwards.
    let late = claim_with(&app, &second, &n, &second_offer, &hidden_csrf(&second_page)).await;
    late.assert_redirects_to("/needs");
    assert!(late.flash.is_some(), "a flash cookie");
    let list = second.follow(&app, &late).await.html;
    assert!(list.contains("刚刚有人认领了这个需求"), "{list}");
    assert!(!list.contains("帮忙照看独居老人"), "no longer listed");

    let gone = second.get(&app, &format!("/needs/{n}")).await;
    assert_eq!(gone.status, 404);
    assert!(gone.html.contains("这个需求已不再开放") && gone.html.contains("href=\"/needs\""));
}

#[tokio::test]
async fn an_offer_that_cannot_claim_says_why_and_a_forged_or_foreign_claim_changes_nothing() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let far = household(&app, &cadre, (27.30, 110.55)).await;
    let n = id(&need(&app, &cadre, &far, "care", 2, "远处的需求").await);
    let v = volunteer(&app).await;
    let wrong_category = offer(&app, &v, &["education"], 50).await;
    offer(&app, &v, &["care"], 10).await;

    let page = v.get(&app, &format!("/needs/{n}")).await;
    assert_eq!(page.status, 200);
    let html = page.html;
    assert!(
        html.contains("不能认领：该服务不包含这个需求的类别"),
        "{html}"
    );
    let too_far = shown_from_offer((27.30, 110.55));
    assert!(
        html.contains(&format!("不能认领：距离 {too_far}，超出服务半径 10 公里")),
        "{html}"
    );
    assert!(!html.contains("/claim\""), "no claim form");
    assert!(html.contains("您的服务都不能认领这个需求"));

    // Claimed anyway: refused with the reason beside the offer.
    let refused = claim(&app, &v, &n, &wrong_category).await;
    assert_eq!(refused.status, 409);
    assert!(refused.html.contains("该服务不包含这个需求的类别"));

    let helper = volunteer(&app).await;
    let good = offer(&app, &helper, &["care"], 50).await;
    let forged = claim_with(&app, &helper, &n, &good, "forged").await;
    assert_eq!(forged.status, 403);
    let unchosen = claim(&app, &helper, &n, "").await;
    assert_eq!(unchosen.status, 422, "no offer chosen");
    assert!(unchosen.html.contains("请选择用哪项服务认领"));
    let foreign = claim(&app, &v, &n, &good).await;
    assert_eq!(foreign.status, 422, "another volunteer's offer");
    assert!(foreign.html.contains("没有这个服务"));
    let still = app.get_json(&format!("/api/v1/needs/{n}"), &v.token).await;
    assert_eq!(still["status"], "open", "nothing was claimed");

    let theirs = v.get(&app, &format!("/needs?offer={good}")).await;
    assert_eq!(
        theirs.status, 404,
        "the list around another volunteer's offer"
    );
}

#[tokio::test]
async fn visitors_are_sent_to_log_in_and_a_volunteer_without_offers_may_pick_a_village() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let h = household(&app, &cadre, EXACT).await;
    need(&app, &cadre, &h, "care", 2, "帮忙照看独居老人").await;
    for path in [
        "/needs",
        "/needs/map",
        "/needs/map/data",
        "/needs/00000000-0000-0000-0000-000000000000",
    ] {
        let visit = Page::read(app.get(path).await).await;
        assert_eq!(visit.status, 303, "{path}");
        assert!(
            visit
                .location
                .is_some_and(|l| l.starts_with("/login?next=")),
            "{path}"
        );
    }
    let v = volunteer(&app).await;

    let empty = v.get(&app, "/needs").await.html;
    assert!(empty.contains("您还没有发布能提供的帮助") && empty.contains("href=\"/offers/new\""));
    assert!(empty.contains("data-region-picker") && empty.contains("<optgroup label="));
    assert!(empty.contains("新田村"));

    let around = v.get(&app, "/needs?place=430525101001").await.html;
    assert!(around.contains("帮忙照看独居老人"));
    assert!(around.contains("离“新田村” 10 公里内"));
}

#[tokio::test]
async fn the_map_data_has_rounded_points_only_and_the_page_points_at_it() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let h = household(&app, &cadre, EXACT).await;
    need(&app, &cadre, &h, "care", 3, "帮忙照看独居老人").await;
    let v = volunteer(&app).await;
    let o = offer(&app, &v, &["care"], 10).await;

    let page = v.get(&app, "/needs/map").await;
    assert_eq!(page.status, 200);
    let html = page.html;
    let src = format!("data-src=\"/needs/map/data?offer={o}&km=10\"");
    assert!(html.contains(&src), "{html}");
    assert!(!html.contains("data-tiles"), "no tiles by default");
    assert!(html.contains("帮忙照看独居老人"), "the list under the map");

    let response = app
        .client
        .get(app.url(&format!("/needs/map/data?offer={o}&km=10")))
        .header("cookie", &v.cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let data: Value = response.json().await.expect("JSON");
    let needs = data["needs"].as_array().expect("needs");
    assert_eq!(needs.len(), 1);
    let (lat, lon) = (needs[0]["lat"].as_f64(), needs[0]["lon"].as_f64());
    assert_eq!((lat, lon), (Some(27.12), Some(110.57)));
    assert_ne!((lat, lon), (Some(EXACT.0), Some(EXACT.1)));
    assert_eq!(needs[0]["urgency_label"], "紧急");
    assert_eq!(needs[0]["village"], "新田村");
    assert!(!data.to_string().contains("27.1234") && !data.to_string().contains("王大山"));
    assert_eq!(data["offers"][0]["radius_m"], 10_000);
    let villages: Vec<&str> = data["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(villages, ["新田村"], "石江村 is 22 km away");
}

#[test]
fn map_tiles_parse_with_and_without_attribution_and_a_bad_value_is_refused() {
    let parse = |tiles: &str, datum: Option<&str>| {
        let mut env = HashMap::from([("HUZHU_MAP_TILES".to_owned(), tiles.to_owned())]);
        if let Some(d) = datum {
            env.insert("HUZHU_MAP_DATUM".to_owned(), d.to_owned());
        }
        Settings::from_sources(&env, None)
    };
    let s = parse(
        "https://tiles.example:8443/{z}/{x}/{y}.png|© County GIS",
        Some("gcj02"),
    )
    .expect("valid");
    let tiles = s.map.tiles.expect("tiles");
    assert_eq!(tiles.template, "https://tiles.example:8443/{z}/{x}/{y}.png");
    assert_eq!(tiles.attribution, "© County GIS");
    assert_eq!(tiles.origin, "https://tiles.example:8443");
    assert_eq!(s.map.datum, MapDatum::Gcj02);

    let bare = parse("http://10.0.0.7/tiles/{z}/{x}/{y}.png?tk=abc", None).expect("valid");
    let tiles = bare.map.tiles.clone().expect("tiles");
    assert_eq!(
        (tiles.attribution.as_str(), tiles.origin.as_str()),
        ("", "http://10.0.0.7")
    );
    assert_eq!(bare.map.datum, MapDatum::Wgs84);
    assert!(
        !format!("{bare:?}").contains("tk=abc"),
        "a key is not printed"
    );

    let none = Settings::from_sources(&HashMap::new(), None).expect("defaults");
    assert!(none.map.tiles.is_none());
    for bad in [
        "tiles.example/{z}/{x}/{y}.png",
        "https://tiles.example/{z}/{x}.png|no y",
        "https://{s}.tiles.example/{z}/{x}/{y}.png",
        "ftp://tiles.example/{z}/{x}/{y}.png",
        "https://user:secret@tiles.example/{z}/{x}/{y}.png",
    ] {
        let err = parse(bad, None).expect_err(bad);
        assert_eq!(err.variable, "HUZHU_MAP_TILES", "{bad}");
        assert!(
            !err.message.contains("secret") || bad.contains("{s}"),
            "{err}"
        );
    }
    assert_eq!(
        parse("https://t.example/{z}/{x}/{y}.png", Some("bd09"))
            .expect_err("datum")
            .variable,
        "HUZHU_MAP_DATUM"
    );
}

#[tokio::test]
async fn configured_tiles_reach_the_map_and_the_policy_allows_exactly_their_origin() {
    let app = spawn_app_with(|env| {
        env.insert(
            "HUZHU_MAP_TILES".to_owned(),
            "https://tiles.example/{z}/{x}/{y}.png|© County GIS".to_owned(),
        );
        env.insert("HUZHU_MAP_DATUM".to_owned(), "gcj02".to_owned());
    })
    .await;
    let v = volunteer(&app).await;
    offer(&app, &v, &["care"], 10).await;
    let response = app
        .client
        .get(app.url("/needs/map"))
        .header("cookie", &v.cookie)
        .send()
        .await
        .expect("sent");
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        csp,
        format!(
            "{}; img-src 'self' https://tiles.example",
            huzhu::web::headers::PAGE_POLICY
        )
    );
    let html = Page::read(response).await.html;
    assert!(
        html.contains("data-tiles=\"https://tiles.example/{z}/{x}/{y}.png\""),
        "{html}"
    );
    assert!(html.contains("data-attribution=\"© County GIS\""));
    assert!(html.contains("data-datum=\"gcj02\""));
}

/// Waits until the browser is on a page whose path holds `part`.
async fn until_path(browser: &Browser, part: &str) {
    let deadline = std::time::Instant::now() + crate::helpers::browser::WAIT;
    while !browser.path().await.contains(part) {
        assert!(std::time::Instant::now() < deadline, "no page with {part}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_volunteer_on_a_phone_finds_a_need_in_the_list_and_on_the_map_and_claims_it() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = crate::needs::cadre(&app).await;
    let h = household(&app, &cadre, EXACT).await;
    let n = id(&need(&app, &cadre, &h, "care", 3, "帮忙照看独居老人").await);
    let other = household(&app, &cadre, (27.11, 110.56)).await;
    need(&app, &cadre, &other, "living", 1, "送一袋米").await;
    let v = volunteer(&app).await;
    offer(&app, &v, &["care", "living"], 10).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/login").await;
    browser.log_in(&v.user.email, &v.user.password).await;
    browser.wait_for_text("您好，测试用户").await;

    browser.click("附近需求").await;
    browser.wait_for_text("帮忙照看独居老人").await;
    assert!(browser.text().await.contains("紧急"));
    browser.shots_at_both_sizes("needs-near-me").await;
    let width = browser
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(
        width.as_u64().is_some_and(|w| w <= u64::from(PHONE.width)),
        "the list fits a phone: {width}"
    );

    browser.choose("类别", "关爱陪伴").await;
    browser.click("查看").await;
    until_path(&browser, "category=care").await;
    let only_care = browser.text().await;
    assert!(only_care.contains("帮忙照看独居老人") && !only_care.contains("送一袋米"));
    browser.screenshot("needs-of-one-category").await;

    browser.click("在地图上看").await;
    browser
        .wait_for(".leaflet-interactive, .marker-cluster")
        .await;
    browser.wait_for(".map-label").await;
    browser.shots_at_both_sizes("map").await;

    browser.click("帮忙照看独居老人").await;
    browser.wait_for_text("认领这个需求").await;
    assert_eq!(
        browser.path().await.split('?').next(),
        Some(format!("/needs/{n}").as_str())
    );
    browser.shots_at_both_sizes("need").await;
    browser.click("认领这个需求").await;
    let deadline = std::time::Instant::now() + crate::helpers::browser::WAIT;
    while !browser.path().await.starts_with("/matches/") {
        assert!(
            std::time::Instant::now() < deadline,
            "the claim leads to the match"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let listed = app.get_json(&format!("/api/v1/needs/{n}"), &v.token).await;
    assert_eq!(listed["status"], "matched");
    browser.close().await;
}
