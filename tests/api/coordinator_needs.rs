//! The coordinator's waiting needs (`/waiting` and its CSV), a need's page
//! for coordinators with its ranked candidates, and proposing by hand from
//! it, including the need taken meanwhile.

use huzhu::domain::Role;
use huzhu::store::entity::matches;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::browser::{Browser, PHONE};
use crate::helpers::pages::{LoggedIn, id, load_regions};
use crate::helpers::{TestApp, spawn_app};

pub const TOWNSHIP: &str = "430525101";
pub const VILLAGE_A: &str = "430525101201";
pub const VILLAGE_B: &str = "430525101202";

/// Two villages of township 101, one of township 102.
pub const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n\
    430525102201,演示毓兰村,village,430525102000,27.02,110.5\n";

/// Where the households stand: an exact point, near village A's, that
/// must never reach a page a coordinator's map draws.
pub const HOUSEHOLD_POINT: (f64, f64) = (27.100_37, 110.550_41);

async fn spawn() -> TestApp {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    app
}

pub async fn staff(app: &TestApp, role: Role, region: Option<&str>, name: &str) -> LoggedIn {
    let user = app.create_person(role, region, name, "13911112222").await;
    LoggedIn::new(app, user).await
}

/// A household of `village` (at [`HOUSEHOLD_POINT`]) with a need posted
/// `days_ago`; the need's id.
pub async fn posted(
    app: &TestApp,
    cadre: &LoggedIn,
    village: &str,
    (category, urgency, title): (&str, i64, &str),
    days_ago: i64,
) -> String {
    let body = json!({"region": village, "head_name": "王大山", "members": 2,
        "phone": "13907390001", "lat": HOUSEHOLD_POINT.0, "lon": HOUSEHOLD_POINT.1});
    let household = app
        .post_json("/api/v1/households", &body, Some(&cadre.token))
        .await;
    assert_eq!(household.status().as_u16(), 201);
    let household = id(&household.json().await.expect("JSON"));
    let body = json!({"household_id": household, "category": category, "title": title,
        "description": "说明", "urgency": urgency});
    let answer = app
        .post_json("/api/v1/needs", &body, Some(&cadre.token))
        .await;
    assert_eq!(answer.status().as_u16(), 201);
    let need_id = id(&answer.json().await.expect("JSON"));
    app.backdate_need(&need_id, days_ago).await;
    need_id
}

/// The needs a page of `/waiting` lists, in order.
fn listed(html: &str) -> Vec<String> {
    let list = html
        .split("class=\"cards waiting-list\"")
        .nth(1)
        .map(|rest| rest.split("</ul>").next().unwrap_or(""))
        .unwrap_or("");
    list.split("href=\"/needs/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The "next page" link of a page, if any.
fn next_link(html: &str) -> Option<String> {
    let before = html.split("rel=\"next\"").next()?;
    if before.len() == html.len() {
        return None;
    }
    before
        .rsplit("href=\"")
        .next()?
        .split('"')
        .next()
        .map(str::to_owned)
}

#[tokio::test]
async fn waiting_needs_page_sort_filter_stay_in_region_and_export() {
    let app = spawn().await;
    let cadre = staff(&app, Role::Cadre, Some(TOWNSHIP), "李村官").await;
    let other_cadre = staff(&app, Role::Cadre, Some("430525102"), "赵村官").await;
    let coordinator = staff(&app, Role::Coordinator, Some(TOWNSHIP), "周协调").await;
    // 27 needs, oldest first in this order: 21 in village A (care, urgency
    // 1), every fourth in village B (medical, urgency 3: 6 of them); one
    // in another township.
    let mut expected = Vec::new();
    for i in 0..27 {
        let (village, kind) = if i % 4 == 3 {
            (VILLAGE_B, ("medical", 3, "看病"))
        } else {
            (VILLAGE_A, ("care", 1, "陪伴"))
        };
        expected.push(posted(&app, &cadre, village, kind, 60 - i).await);
    }
    let elsewhere = posted(&app, &other_cadre, "430525102201", ("care", 3, "别处"), 90).await;

    // Longest waiting first, 25 a page, then the rest from the cursor.
    let first = coordinator.get(&app, "/waiting").await;
    assert_eq!(first.status, 200);
    assert_eq!(listed(&first.html), expected[..25].to_vec());
    assert!(first.html.contains("已等 60 天"), "days waiting in words");
    assert!(
        first.html.contains("一般") || first.html.contains("紧急") || first.html.contains("较急")
    );
    let next = next_link(&first.html).expect("a next page");
    let second = coordinator.get(&app, &next).await;
    assert_eq!(listed(&second.html), expected[25..].to_vec());
    assert!(next_link(&second.html).is_none());
    assert!(!first.html.contains(&elsewhere) && !second.html.contains(&elsewhere));

    // Most urgent first: the 6 medical needs, oldest first, then the rest.
    let urgent: Vec<String> = expected.iter().skip(3).step_by(4).cloned().collect();
    assert_eq!(urgent.len(), 6);
    let by_urgency = coordinator.get(&app, "/waiting?sort=urgency").await;
    assert_eq!(listed(&by_urgency.html)[..urgent.len()], urgent[..]);
    // The cursor keeps the order and the filters.
    let next = next_link(&by_urgency.html).expect("a next page");
    assert!(next.contains("sort=urgency"), "{next}");
    let rest = coordinator.get(&app, &next).await;
    assert_eq!(listed(&rest.html).len(), 2);

    // Filters: a village (from a link) and a category; a place outside the
    // region lists nothing, not the other township's need.
    let b = coordinator
        .get(&app, &format!("/waiting?place={VILLAGE_B}"))
        .await;
    assert_eq!(listed(&b.html), urgent);
    let care = coordinator.get(&app, "/waiting?category=care").await;
    assert_eq!(listed(&care.html).len(), 21);
    let none = coordinator
        .get(&app, "/waiting?category=medical&place=430525101201")
        .await;
    assert!(listed(&none.html).is_empty());
    let outside = coordinator.get(&app, "/waiting?place=430525102").await;
    assert!(listed(&outside.html).is_empty() && !outside.html.contains(&elsewhere));
    // Nonsense in the query is no filter, never an error.
    let odd = coordinator
        .get(&app, "/waiting?place=xyz&category=nope&sort=up&after=1.2.3")
        .await;
    assert_eq!(listed(&odd.html).len(), 25);

    // The CSV holds the filtered rows.
    let csv = app
        .client
        .get(app.url(&format!("/waiting/export?place={VILLAGE_B}")))
        .header("cookie", &coordinator.cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let body = csv.text().await.expect("text");
    let lines: Vec<&str> = body.trim_end().lines().collect();
    assert_eq!(lines.len(), 1 + urgent.len(), "{body}");
    assert!(lines[0].contains("已等天数"));
    for need_id in &urgent {
        assert!(body.contains(need_id.as_str()));
    }

    // An admin sees every township; cadres and volunteers are refused.
    let admin = staff(&app, Role::Admin, None, "县管理员").await;
    let all = admin.get(&app, "/waiting?sort=urgency").await;
    assert_eq!(listed(&all.html)[0], elsewhere);
    assert_eq!(cadre.get(&app, "/waiting").await.status, 403);
    let v = staff(&app, Role::Volunteer, None, "张志愿").await;
    assert_eq!(v.get(&app, "/waiting").await.status, 403);
    assert_eq!(v.get(&app, "/waiting/export").await.status, 403);
}

/// A volunteer with an offer of care at `point`; the offer's id.
async fn volunteer(
    app: &TestApp,
    name: &str,
    point: (f64, f64),
    remote: bool,
) -> (LoggedIn, String) {
    let v = staff(app, Role::Volunteer, None, name).await;
    let body = json!({"categories": ["care", "education"], "lat": point.0, "lon": point.1,
        "radius_km": 20, "remote": remote, "capacity": 2});
    let offer = app.post_json("/api/v1/offers", &body, Some(&v.token)).await;
    assert_eq!(offer.status().as_u16(), 201);
    let offer = id(&offer.json().await.expect("JSON"));
    (v, offer)
}

fn position(html: &str, text: &str) -> usize {
    html.find(text)
        .unwrap_or_else(|| panic!("{text} on the page"))
}

#[tokio::test]
async fn a_coordinator_sees_ranked_candidates_proposes_and_is_told_when_the_need_was_taken() {
    let app = spawn().await;
    let cadre = staff(&app, Role::Cadre, Some(TOWNSHIP), "李村官").await;
    let coordinator = staff(&app, Role::Coordinator, Some(TOWNSHIP), "周协调").await;
    let need_id = posted(&app, &cadre, VILLAGE_A, ("care", 2, "陪老人说话"), 3).await;
    let (near, near_offer) = volunteer(&app, "近处张", (27.101, 110.551), false).await;
    let (_far, far_offer) = volunteer(&app, "远处刘", (27.15, 110.60), false).await;
    let path = format!("/needs/{need_id}");

    // Ranked nearest first, each with why it fits.
    let page = coordinator.get(&app, &path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(position(&page.html, "近处张") < position(&page.html, "远处刘"));
    assert!(page.html.contains("1 公里内"), "distance band");
    assert!(page.html.contains("还能接 2 项"), "places left");
    assert!(page.html.contains("关爱陪伴"), "categories");
    assert!(!page.html.contains("13907390001"), "no household phone");
    // The cadre still gets their own page at the same path.
    let cadre_page = cadre.get(&app, &path).await;
    assert_eq!(cadre_page.status, 200);
    assert!(!cadre_page.html.contains("候选爱心人士"));
    // Out of the coordinator's region: not found, as on the API.
    let other = staff(&app, Role::Coordinator, Some("430525102"), "钱协调").await;
    assert_eq!(other.get(&app, &path).await.status, 404);
    let refused = other
        .post(
            &app,
            &format!("{path}/propose"),
            &[("offer_id", &near_offer)],
        )
        .await;
    assert!(matches!(refused.status, 404 | 422), "{}", refused.status);

    // A form without its token changes nothing.
    let forged = coordinator
        .post(
            &app,
            &format!("{path}/propose"),
            &[("offer_id", &near_offer), ("csrf_token", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Propose to the top candidate: a flash on the need's page.
    let answer = coordinator
        .post(
            &app,
            &format!("{path}/propose"),
            &[("offer_id", &near_offer)],
        )
        .await;
    answer.assert_redirects_to(&path);
    let after = coordinator.follow(&app, &answer).await;
    assert!(
        after.html.contains("已把需求提议给这位爱心人士"),
        "{}",
        after.html
    );
    assert!(after.html.contains("提议给"), "the story tells it");

    // The second tap, as if from a page opened before: a clear message.
    let late = coordinator
        .post(
            &app,
            &format!("{path}/propose"),
            &[("offer_id", &far_offer)],
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.html);
    assert!(late.html.contains("role=\"alert\""), "{}", late.html);
    assert!(
        !late.html.contains("/propose\""),
        "no candidates for a taken need: {}",
        late.html
    );

    // Declined: the need is open again and the near volunteer left out.
    let m = matches::Entity::find()
        .filter(matches::Column::NeedId.eq(need_id.parse::<uuid::Uuid>().expect("id")))
        .one(&app.context.db)
        .await
        .expect("read")
        .expect("a match");
    let declined = app
        .post_json(
            &format!("/api/v1/matches/{}/decline", m.id),
            &json!({}),
            Some(&near.token),
        )
        .await;
    assert_eq!(declined.status().as_u16(), 200);
    let reopened = coordinator.get(&app, &path).await;
    assert!(
        !reopened.html.contains("提议给 近处张"),
        "{}",
        reopened.html
    );
    assert!(reopened.html.contains("提议给 远处刘"));
    assert!(reopened.html.contains("另有 1 位爱心人士未列出"));
}

#[tokio::test]
async fn a_coordinator_works_waiting_needs_in_a_browser() {
    let app = spawn().await;
    let cadre = staff(&app, Role::Cadre, Some(TOWNSHIP), "李村官").await;
    let coordinator = staff(&app, Role::Coordinator, Some(TOWNSHIP), "周协调").await;
    let need_id = posted(&app, &cadre, VILLAGE_A, ("care", 3, "陪老人去赶集"), 5).await;
    posted(&app, &cadre, VILLAGE_B, ("medical", 1, "送药"), 2).await;
    let (_v, _offer) = volunteer(&app, "近处张", (27.101, 110.551), false).await;

    let mut b = Browser::open(&app).await;
    b.resize(PHONE).await;
    b.goto("/login").await;
    b.log_in(&coordinator.user.email, &coordinator.user.password)
        .await;
    // The login's redirect lands first, so the next page isn't raced by it.
    b.wait_for_text("您好").await;
    b.goto("/waiting").await;
    b.wait_for_text("陪老人去赶集").await;
    assert_fits_phone(&b).await;
    b.shots_at_both_sizes("coordinator-waiting").await;
    b.resize(PHONE).await;
    b.click("陪老人去赶集").await;
    b.wait_for_text("候选爱心人士").await;
    assert_eq!(b.path().await, format!("/needs/{need_id}"));
    assert_fits_phone(&b).await;
    b.shots_at_both_sizes("coordinator-need").await;
    b.resize(PHONE).await;
    b.click("提议给 近处张").await;
    b.wait_for_text("已把需求提议给这位爱心人士").await;
    b.shots_at_both_sizes("coordinator-proposed").await;
    b.close().await;
}

async fn assert_fits_phone(b: &Browser) {
    let width = b
        .execute("return document.documentElement.scrollWidth")
        .await;
    assert!(width.as_i64().unwrap_or(999) <= 390, "scrollWidth {width}");
}
