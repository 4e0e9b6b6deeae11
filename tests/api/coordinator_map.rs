//! The coordinators' map of open needs (`/map` and `/map/data`): villages
//! counted with their longest wait, offers added up by area, the table
//! that drills from the county to a township's villages, the scope of each
//! coordinator, and no household's or volunteer's own point anywhere; then
//! the map in Chromium, from the county down to a village's waiting needs.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::coordinator_needs::{
    HOUSEHOLD_POINT, TOWNSHIP, VILLAGE_A, VILLAGE_B, VILLAGES, posted, staff,
};
use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::pages::{LoggedIn, load_regions};
use crate::helpers::{TestApp, spawn_app};
use crate::staff_pages::fits_a_phone;

const COUNTY: &str = "430525";

/// The waiting-needs tests' villages (A and B of 江口镇, C of 毓兰镇), and
/// two more of 江口镇: one with no point on record (counted, never drawn)
/// and one without needs.
const MORE_VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101203,演示江口三村,village,430525101000,,\n\
    430525101204,演示江口四村,village,430525101000,27.08,110.53\n";
const VILLAGE_NOWHERE: &str = "430525101203";
const VILLAGE_C: &str = "430525102201";

/// Where the volunteer stands: an exact point that must never reach a page.
const OFFER_POINT: (f64, f64) = (27.101_23, 110.551_77);

/// Five needs: two in village A (one very urgent, 40 days old), one each in
/// B, the village with no point, and C of the other township; a volunteer
/// with two free places whose 3 km reach village A.
async fn county(app: &TestApp) {
    load_regions(app, VILLAGES).await;
    load_regions(app, MORE_VILLAGES).await;
    let cadre = staff(app, Role::Cadre, Some(COUNTY), "李村官").await;
    posted(app, &cadre, VILLAGE_A, ("care", 3, "陪老人去赶集"), 40).await;
    posted(app, &cadre, VILLAGE_A, ("medical", 1, "送药上门"), 2).await;
    posted(app, &cadre, VILLAGE_B, ("care", 2, "修补屋顶"), 5).await;
    posted(app, &cadre, VILLAGE_NOWHERE, ("care", 1, "代买化肥"), 9).await;
    posted(app, &cadre, VILLAGE_C, ("education", 1, "辅导作业"), 1).await;
    let v = staff(app, Role::Volunteer, None, "张志愿").await;
    let body = json!({"categories": ["care", "medical"], "lat": OFFER_POINT.0,
        "lon": OFFER_POINT.1, "radius_km": 3, "remote": false, "capacity": 2});
    let offer = app.post_json("/api/v1/offers", &body, Some(&v.token)).await;
    assert_eq!(offer.status().as_u16(), 201);
}

async fn data(app: &TestApp, who: &LoggedIn, query: &str) -> (u16, Value) {
    let answer = app
        .client
        .get(app.url(&format!("/map/data{query}")))
        .header("cookie", &who.cookie)
        .send()
        .await
        .expect("map data");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn village<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {d}"))
}

#[tokio::test]
async fn the_map_counts_open_needs_by_village_within_reach_and_shows_no_private_point() {
    let app = spawn_app().await;
    county(&app).await;
    let coordinator = staff(&app, Role::Coordinator, Some(COUNTY), "周协调").await;

    let (status, d) = data(&app, &coordinator, "").await;
    assert_eq!(status, 200, "{d}");
    // Drawn: the three villages with a point; the one without is not.
    assert_eq!(d["villages"].as_array().map(Vec::len), Some(3), "{d}");
    let a = village(&d, "演示江口一村");
    assert_eq!(
        (a["open"].as_i64(), a["urgent"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(a["longest"], "最长已等 40 天");
    assert_eq!(a["bucket"], 4, "over 30 days");
    assert_eq!(
        (a["lat"].as_f64(), a["lon"].as_f64()),
        (Some(27.1), Some(110.55))
    );
    assert_eq!(a["waiting_url"], format!("/waiting?place={VILLAGE_A}"));
    assert_eq!(a["township_url"], format!("/map?place={TOWNSHIP}"));
    assert_eq!(village(&d, "演示江口二村")["bucket"], 1, "5 days: 4–7");
    // The offer's reach, shaded in squares, never at its own point: its 3 km
    // hold village A, not village C of the other township.
    let cover = &d["coverage"];
    assert_eq!(cover["offers"], 1, "{d}");
    assert_eq!(cover["step"], 0.01);
    let near = |point: (f64, f64)| {
        cover["squares"]
            .as_array()
            .expect("squares")
            .iter()
            .find(|s| {
                (s["lat"].as_f64().unwrap_or(0.0) - point.0).abs() <= 0.005 + 1e-9
                    && (s["lon"].as_f64().unwrap_or(0.0) - point.1).abs() <= 0.005 + 1e-9
            })
            .cloned()
    };
    assert_eq!(near((27.1, 110.55)).expect("A is reached")["free"], 2);
    assert_eq!(near((27.02, 110.5)), None, "C is a gap");
    let text = d.to_string();
    for private in [HOUSEHOLD_POINT.0, OFFER_POINT.0, OFFER_POINT.1] {
        assert!(!text.contains(&private.to_string()), "{private} in {text}");
    }

    // The category filter, carried into the links.
    let (_, medical) = data(&app, &coordinator, "?category=medical").await;
    assert_eq!(medical["villages"].as_array().map(Vec::len), Some(1));
    let a = village(&medical, "演示江口一村");
    assert_eq!(a["open"], 1);
    assert_eq!(
        a["waiting_url"],
        format!("/waiting?place={VILLAGE_A}&category=medical")
    );
    assert_eq!(medical["coverage"]["offers"], 1);
    let (_, education) = data(&app, &coordinator, "?category=education").await;
    assert_eq!(education["coverage"]["offers"], 0, "no offer of it");
    assert_eq!(education["coverage"]["squares"], json!([]));

    // The page at the county: townships, each a link a level down, and the
    // village that cannot be drawn said.
    let page = coordinator.get(&app, "/map").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html.contains("4 个村共有 5 个待匹配需求"),
        "{}",
        page.html
    );
    assert!(page.html.contains("1 个村没有位置"), "{}", page.html);
    let township = page
        .html
        .find(&format!("href=\"/map?place={TOWNSHIP}\""))
        .expect("township link");
    let other = page
        .html
        .find("href=\"/map?place=430525102\"")
        .expect("the other township");
    assert!(township < other, "longest wait first");
    assert!(page.html.contains("data-src=\"/map/data?place=430525\""));

    // A township: its villages, each opening its waiting needs.
    let page = coordinator
        .get(&app, &format!("/map?place={TOWNSHIP}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("江口镇"), "the breadcrumb names it");
    assert!(
        page.html
            .contains(&format!("href=\"/waiting?place={VILLAGE_A}\""))
    );
    assert!(
        page.html
            .contains(&format!("href=\"/waiting?place={VILLAGE_NOWHERE}\""))
    );
    let table = page
        .html
        .split("class=\"map-places\"")
        .nth(1)
        .expect("the table");
    assert!(!table.contains("演示毓兰村"), "{table}");
    let (_, d) = data(&app, &coordinator, &format!("?place={TOWNSHIP}")).await;
    assert_eq!(d["villages"].as_array().map(Vec::len), Some(2));
    assert_eq!(d["labels"], true);
    assert_eq!(
        d["others"],
        json!([{"name": "演示江口四村", "lat": 27.08, "lon": 110.53}]),
        "the township's village without needs, for bearings"
    );
    assert_eq!(village(&d, "演示江口一村")["township_url"], Value::Null);

    // A coordinator of the other township sees theirs alone.
    let other = staff(&app, Role::Coordinator, Some("430525102"), "钱协调").await;
    let (_, d) = data(&app, &other, "").await;
    assert_eq!(d["villages"].as_array().map(Vec::len), Some(1));
    village(&d, "演示毓兰村");
    let refused = other.get(&app, &format!("/map?place={TOWNSHIP}")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("这个地点不在您负责的范围内"));
    assert!(!refused.html.contains("演示江口一村"));
    let (status, d) = data(&app, &other, &format!("?place={TOWNSHIP}")).await;
    assert_eq!(status, 400, "{d}");
    let (status, d) = data(&app, &coordinator, "?place=junk&category=nothing").await;
    assert_eq!(status, 400);
    assert!(d["errors"]["place"].is_string() && d["errors"]["category"].is_string());

    // Not for volunteers or cadres.
    for role in [Role::Volunteer, Role::Cadre] {
        let who = staff(
            &app,
            role,
            Some(COUNTY).filter(|_| role == Role::Cadre),
            "某人",
        )
        .await;
        assert_eq!(who.get(&app, "/map").await.status, 403);
        assert_eq!(data(&app, &who, "").await.0, 403);
    }
}

#[tokio::test]
async fn a_coordinator_drills_down_the_map_to_a_villages_waiting_needs() {
    let app = spawn_app().await;
    county(&app).await;
    let coordinator = staff(&app, Role::Coordinator, Some(COUNTY), "周协调").await;

    let mut b = Browser::open(&app).await;
    b.resize(PHONE).await;
    b.goto("/login").await;
    b.log_in(&coordinator.user.email, &coordinator.user.password)
        .await;
    b.wait_for_text("您好").await;
    b.click("地图").await;
    b.wait_for_text("地图上有 3 个村有待匹配的需求").await;
    let marks = b
        .execute("return document.querySelectorAll('path.village-mark').length")
        .await;
    assert_eq!(marks, 3);
    fits_a_phone(&b, "the map").await;
    b.shots_at_both_sizes("coordinator-map").await;

    // Down to the township by its row, then a village by its dot.
    b.resize(PHONE).await;
    b.click(&format!("a[href='/map?place={TOWNSHIP}']")).await;
    b.wait_for_text("地图上有 2 个村有待匹配的需求").await;
    fits_a_phone(&b, "the map").await;
    b.shots_at_both_sizes("coordinator-map-township").await;
    b.resize(PHONE).await;
    // The largest dot is drawn first: village A's two needs.
    b.click("path.village-mark").await;
    b.wait_for(".map-popup a.button").await;
    // The popup fades in and the map pans to it.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.screenshot("coordinator-map-popup").await;
    b.click("查看等待的需求").await;
    b.wait_for_text("陪老人去赶集").await;
    assert_eq!(b.path().await, format!("/waiting?place={VILLAGE_A}"));
    let text = b.text().await;
    assert!(
        text.contains("送药上门") && !text.contains("修补屋顶"),
        "{text}"
    );
    assert!(b.csp_violations().await.is_empty());
    b.close().await;
}
