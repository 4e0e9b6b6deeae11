//! The cadre's households as pages: the list searched by head's name or
//! village, a page at a time, with each household's needs at a glance and
//! the export; registering and changing a household by picking its
//! village (and, optionally, its exact point), each through a form with
//! its CSRF token; the API shows what the pages did.

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, Page, error_beside, id, load_regions, with_changes};
use crate::helpers::{TestApp, spawn_app};

/// Two villages of township 101, one of township 102.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,演示江口一村,village,430525101000,27.1,110.55\n\
    430525101202,演示江口二村,village,430525101000,27.12,110.57\n\
    430525102201,演示毓兰村,village,430525102000,27.02,110.5\n";

const TOWNSHIP: &str = "430525101";
const FIRST_VILLAGE: &str = "430525101201";
const SECOND_VILLAGE: &str = "430525101202";
const OTHER_TOWNSHIP_VILLAGE: &str = "430525102201";

/// An ID-card number with a right check character, from its first 17
/// digits (GB 11643).
fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).expect("a digit") * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// A cadre of `township`, logged in to the API and the pages.
async fn cadre_of(app: &TestApp, township: &str) -> LoggedIn {
    let user = app.create_user(Role::Cadre, Some(township)).await;
    LoggedIn::new(app, user).await
}

async fn cadre(app: &TestApp) -> LoggedIn {
    cadre_of(app, TOWNSHIP).await
}

/// A good household form in the first village, with `changes` over it
/// (`<none>` leaves a field out).
fn household_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let form = vec![
        ("head_name", "王大山"),
        ("id_number", ""),
        ("phone", "13907390001"),
        ("members", "3"),
        ("tags", "elderly_alone"),
        ("tags", "chronic_illness"),
        ("village", FIRST_VILLAGE),
        ("lat", ""),
        ("lon", ""),
    ];
    with_changes(form, changes)
}

/// The households the API lists to `me` with the query `query`.
async fn listed(app: &TestApp, me: &LoggedIn, query: &str) -> Vec<Value> {
    let page = app
        .get_json(&format!("/api/v1/households{query}"), &me.token)
        .await;
    page["items"].as_array().cloned().expect("items")
}

/// Registers a household through the API.
async fn registered(app: &TestApp, me: &LoggedIn, name: &str, region: &str) -> String {
    let body = json!({"region": region, "head_name": name, "members": 2});
    let response = app
        .post_json("/api/v1/households", &body, Some(&me.token))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    id(&response.json().await.expect("JSON"))
}

/// How many households a list page shows.
fn rows(html: &str) -> usize {
    html.matches("<a class=\"title\" href=\"/households/")
        .count()
}

/// Registers a household through the form; its id, from the redirect.
async fn created(app: &TestApp, me: &LoggedIn, form: &[(&str, &str)]) -> String {
    let posted = me.post(app, "/households/new", form).await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    assert_eq!(
        posted.flash.as_deref(),
        Some("huzhu_flash=household_created")
    );
    let to = posted.location.expect("a redirect");
    to.strip_prefix("/households/")
        .expect("to the household's page")
        .to_owned()
}

#[tokio::test]
async fn a_cadre_registers_a_household_by_picking_a_village_and_the_api_shows_its_region_and_no_point()
 {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;

    let empty = me.get(&app, "/households").await;
    assert_eq!(empty.status, 200);
    for shown in [
        "还没有登记的困难户",
        "href=\"/households/new\">登记一户</a>",
        "href=\"/households/import\">导入表格</a>",
    ] {
        assert!(empty.html.contains(shown), "the empty list shows {shown}");
    }

    let form = me.get(&app, "/households/new").await;
    assert_eq!(form.status, 200);
    for shown in [
        "<optgroup label=\"江口镇\">",
        "演示江口一村",
        "演示江口二村",
        "独居老人",
        "留守儿童",
        "边缘户",
        "data-id-number",
    ] {
        assert!(form.html.contains(shown), "the form shows {shown}");
    }
    assert!(
        !form.html.contains("演示毓兰村"),
        "a village out of reach is not offered"
    );

    let number = id_number("43052519800101123");
    let household = created(
        &app,
        &me,
        &household_form(&[("id_number", number.as_str())]),
    )
    .await;

    let stored = app
        .get_json(&format!("/api/v1/households/{household}"), &me.token)
        .await;
    assert_eq!(stored["region"], FIRST_VILLAGE);
    assert_eq!(stored["head_name"], "王大山");
    assert_eq!(stored["id_number"], number.as_str());
    assert_eq!(stored["phone"], "13907390001");
    assert_eq!(stored["members"], 3);
    assert_eq!(stored["tags"], json!(["elderly_alone", "chronic_illness"]));
    assert_eq!(
        (stored["lat"].clone(), stored["lon"].clone()),
        (Value::Null, Value::Null)
    );

    let list = me.get(&app, "/households").await.html;
    for shown in [
        &format!("href=\"/households/{household}\">王大山</a>") as &str,
        "演示江口一村",
        "3 人",
        "独居老人",
        "慢性病",
        "还没有需求",
        "/api/v1/households/export?format=xlsx",
        "/api/v1/households/export?format=csv",
    ] {
        assert!(list.contains(shown), "the list shows {shown}: {list}");
    }
}

#[tokio::test]
async fn a_point_tapped_on_the_map_is_the_households_exact_point_and_editing_can_remove_it() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;

    let household = created(
        &app,
        &me,
        &household_form(&[("lat", "27.10321"), ("lon", "110.55412")]),
    )
    .await;
    let path = format!("/api/v1/households/{household}");
    let stored = app.get_json(&path, &me.token).await;
    assert_eq!(
        (stored["lat"].as_f64(), stored["lon"].as_f64()),
        (Some(27.10321), Some(110.55412))
    );

    let edit = me.get(&app, &format!("/households/{household}/edit")).await;
    assert!(
        edit.html.contains("value=\"27.10321\""),
        "the point is kept as it is"
    );
    let saved = me
        .post(
            &app,
            &format!("/households/{household}/edit"),
            &household_form(&[]),
        )
        .await;
    saved.assert_redirects_to(&format!("/households/{household}"));
    let stored = app.get_json(&path, &me.token).await;
    assert_eq!(
        (stored["lat"].clone(), stored["lon"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn the_list_finds_households_by_head_name_and_by_village() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    registered(&app, &me, "王大山", FIRST_VILLAGE).await;
    registered(&app, &me, "王小河", SECOND_VILLAGE).await;
    registered(&app, &me, "李春花", FIRST_VILLAGE).await;

    let cases: [(&str, &[&str]); 7] = [
        ("", &["王大山", "王小河", "李春花"]),
        ("?name=王", &["王大山", "王小河"]),
        ("?name=+大山+", &["王大山"]),
        ("?region=430525101201", &["王大山", "李春花"]),
        ("?region=430525101000", &["王大山", "王小河", "李春花"]),
        ("?name=王&region=430525101201", &["王大山"]),
        // Typed wildcards are matched as themselves.
        ("?name=%25", &[]),
    ];
    for (query, found) in cases {
        let page = me.get(&app, &format!("/households{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert_eq!(rows(&page.html), found.len(), "{query}: {}", page.html);
        for name in found {
            assert!(page.html.contains(name), "{query} finds {name}");
        }
        let api: Vec<String> = listed(&app, &me, query)
            .await
            .iter()
            .map(|h| h["head_name"].as_str().expect("a name").to_owned())
            .collect();
        assert_eq!(api, *found, "the API finds the same for {query}");
    }

    let none = me.get(&app, "/households?name=赵").await.html;
    assert!(none.contains("没有找到符合条件的户"), "{none}");
    assert!(none.contains("href=\"/households\">看全部户</a>"));
    let search = me.get(&app, "/households?region=430525101202").await.html;
    assert!(
        search.contains("<option value=\"430525101202\" selected>演示江口二村</option>"),
        "the village searched by stays chosen"
    );
    assert!(
        search.contains("江口镇（全镇）"),
        "a whole township can be searched"
    );
    assert!(!search.contains("演示毓兰村"), "only villages in reach");

    let too_long = me
        .get(&app, &format!("/households?name={}", "王".repeat(51)))
        .await;
    assert_eq!(too_long.status, 422);
}

#[tokio::test]
async fn the_list_goes_page_by_page_keeping_the_search() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    // A township as large as a whole county's villages, for the search's
    // select.
    let mut many = String::from("code,name,level,parent_code,lat,lon\n");
    for v in 300..700 {
        many.push_str(&format!(
            "430525101{v},第{v}号演示村,village,430525101000,27.1,110.55\n"
        ));
    }
    load_regions(&app, &many).await;
    let me = cadre(&app).await;
    for i in 0..31 {
        registered(&app, &me, &format!("王{i:02}"), FIRST_VILLAGE).await;
    }
    registered(&app, &me, "李春花", FIRST_VILLAGE).await;

    let first = me.get(&app, "/households?name=王").await.html;
    assert_eq!(rows(&first), 30);
    assert!(
        first.len() < 60 * 1024,
        "a page of the list weighs {} bytes",
        first.len()
    );
    assert!(first.contains("王00") && !first.contains("王30"));
    let next = first
        .split("<a href=\"")
        .filter_map(|s| s.split_once("\" rel=\"next\""))
        .map(|(href, _)| href.to_owned())
        .next()
        .expect("a link to the next page");
    assert!(
        next.starts_with("/households?name=%E7%8E%8B&cursor="),
        "{next}"
    );

    let second = me.get(&app, &next).await.html;
    assert_eq!(rows(&second), 1, "{second}");
    assert!(second.contains("王30") && !second.contains("李春花"));
    assert!(!second.contains("rel=\"next\""), "no third page");
    assert!(second.contains("href=\"/households?name=%E7%8E%8B\">« 回到第一页</a>"));
}

#[tokio::test]
async fn each_household_shows_its_needs_open_matched_and_fulfilled_at_a_glance() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let household = registered(&app, &me, "王大山", FIRST_VILLAGE).await;
    registered(&app, &me, "李春花", FIRST_VILLAGE).await;
    let mut needs = Vec::new();
    for category in ["living", "care", "medical", "education"] {
        let body = json!({"household_id": household, "category": category,
            "title": "需要帮助", "description": "说明", "urgency": 2});
        let response = app.post_json("/api/v1/needs", &body, Some(&me.token)).await;
        assert_eq!(response.status().as_u16(), 201);
        needs.push(id(&response.json().await.expect("JSON")));
    }
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let v = app.login(&volunteer).await;
    let offer = json!({"categories": ["living", "care"], "lat": 27.1, "lon": 110.55,
        "radius_km": 10, "remote": false, "capacity": 2});
    let offer = app.post_json("/api/v1/offers", &offer, Some(&v)).await;
    let offer = id(&offer.json().await.expect("JSON"));
    let mut matches = Vec::new();
    for need in &needs[..2] {
        let claim = app
            .post_json(
                &format!("/api/v1/needs/{need}/claim"),
                &json!({"offer_id": offer}),
                Some(&v),
            )
            .await;
        assert_eq!(claim.status().as_u16(), 201);
        matches.push(id(&claim.json().await.expect("JSON")));
    }
    let complete = app
        .post_json(
            &format!("/api/v1/matches/{}/complete", matches[0]),
            &json!({"note": "米和油已送到"}),
            Some(&me.token),
        )
        .await;
    assert_eq!(complete.status().as_u16(), 200);
    let cancel = app
        .post_json(
            &format!("/api/v1/needs/{}/cancel", needs[3]),
            &json!({"reason": "已由亲属解决"}),
            Some(&me.token),
        )
        .await;
    assert_eq!(cancel.status().as_u16(), 200);

    let list = me.get(&app, "/households").await.html;
    let row = list
        .split("<li>")
        .find(|r| r.contains("王大山"))
        .expect("王大山's row");
    for shown in ["待匹配 1", "已匹配 1", "已完成 1"] {
        assert!(row.contains(shown), "the row shows {shown}: {row}");
    }
    let other = list
        .split("<li>")
        .find(|r| r.contains("李春花"))
        .expect("李春花's row");
    assert!(other.contains("还没有需求"));
}

#[tokio::test]
async fn a_form_with_a_wrong_id_number_and_no_members_answers_both_beside_their_fields_and_creates_nothing()
 {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let wrong = id_number("43052519800101123").replace('X', "1");

    let refused = me
        .post(
            &app,
            "/households/new",
            &household_form(&[("id_number", wrong.as_str()), ("members", "0")]),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_beside(&refused.html, "id_number").as_deref(),
        Some("身份证号校验位不正确，请核对号码")
    );
    assert_eq!(
        error_beside(&refused.html, "members").as_deref(),
        Some("人口为 1 到 30 的整数")
    );
    assert!(error_beside(&refused.html, "head_name").is_none());
    for kept in [
        "value=\"王大山\"",
        &format!("value=\"{wrong}\"") as &str,
        "value=\"elderly_alone\" checked",
        "value=\"430525101201\" data-lat=\"27.1\" data-lon=\"110.55\" selected",
    ] {
        assert!(
            refused.html.contains(kept),
            "what was typed is kept: {kept}"
        );
    }

    let no_village = me
        .post(&app, "/households/new", &household_form(&[("village", "")]))
        .await;
    assert_eq!(no_village.status, 422);
    assert_eq!(
        error_beside(&no_village.html, "village").as_deref(),
        Some("请选择户所在的村")
    );
    let out_of_reach = me
        .post(
            &app,
            "/households/new",
            &household_form(&[("village", OTHER_TOWNSHIP_VILLAGE)]),
        )
        .await;
    assert_eq!(out_of_reach.status, 422);
    assert!(error_beside(&out_of_reach.html, "village").is_some());

    assert!(listed(&app, &me, "").await.is_empty(), "nothing created");
}

#[tokio::test]
async fn an_id_number_another_household_has_is_said_beside_the_number() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let number = id_number("43052519800101123");
    let fields = household_form(&[("id_number", number.as_str())]);
    created(&app, &me, &fields).await;

    let again = me.post(&app, "/households/new", &fields).await;
    assert_eq!(again.status, 409);
    assert_eq!(
        error_beside(&again.html, "id_number").as_deref(),
        Some("已有身份证号相同的户")
    );
    assert_eq!(listed(&app, &me, "").await.len(), 1);
}

#[tokio::test]
async fn a_cadre_changes_a_household_and_its_village_stays_unless_they_pick_another() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let household = created(&app, &me, &household_form(&[])).await;
    let edit_path = format!("/households/{household}/edit");

    let form = me.get(&app, &edit_path).await;
    assert_eq!(form.status, 200);
    for shown in [
        "修改户的信息",
        "value=\"王大山\"",
        "value=\"13907390001\"",
        "value=\"elderly_alone\" checked",
        "data-lon=\"110.55\" selected",
    ] {
        assert!(form.html.contains(shown), "the form shows {shown}");
    }

    let saved = me
        .post(
            &app,
            &edit_path,
            &household_form(&[
                ("head_name", "王大河"),
                ("phone", ""),
                ("members", "5"),
                ("tags", "<none>"),
                ("village", SECOND_VILLAGE),
            ]),
        )
        .await;
    saved.assert_redirects_to(&format!("/households/{household}"));
    assert_eq!(saved.flash.as_deref(), Some("huzhu_flash=household_saved"));
    let path = format!("/api/v1/households/{household}");
    let stored = app.get_json(&path, &me.token).await;
    assert_eq!(stored["head_name"], "王大河");
    assert_eq!(stored["phone"], Value::Null, "a blank phone is taken away");
    assert_eq!(stored["members"], 5);
    assert_eq!(stored["tags"], json!([]));
    assert_eq!(stored["region"], SECOND_VILLAGE);

    // No village picked: the household stays where it is.
    let kept = me
        .post(&app, &edit_path, &household_form(&[("village", "")]))
        .await;
    kept.assert_redirects_to(&format!("/households/{household}"));
    let stored = app.get_json(&path, &me.token).await;
    assert_eq!(stored["region"], SECOND_VILLAGE);

    let refused = me
        .post(&app, &edit_path, &household_form(&[("head_name", " ")]))
        .await;
    assert_eq!(refused.status, 422);
    assert!(error_beside(&refused.html, "head_name").is_some());
    let stored = app.get_json(&path, &me.token).await;
    assert_eq!(stored["head_name"], "王大山", "the last good save stands");
}

#[tokio::test]
async fn another_townships_household_is_not_found_on_its_edit_page_nor_listed() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let other = cadre_of(&app, "430525102").await;
    let theirs = registered(&app, &other, "赵二妹", OTHER_TOWNSHIP_VILLAGE).await;

    let path = format!("/households/{theirs}/edit");
    assert_eq!(me.get(&app, &path).await.status, 404);
    let posted = me.post(&app, &path, &household_form(&[])).await;
    assert_eq!(posted.status, 404);
    assert_eq!(me.get(&app, "/households/not-an-id/edit").await.status, 404);
    assert!(!me.get(&app, "/households").await.html.contains("赵二妹"));
    let stored = app
        .get_json(&format!("/api/v1/households/{theirs}"), &other.token)
        .await;
    assert_eq!(stored["head_name"], "赵二妹", "unchanged");
}

#[tokio::test]
async fn a_volunteer_is_refused_the_household_pages() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let user = app.create_user(Role::Volunteer, None).await;
    let v = LoggedIn::new(&app, user).await;
    for path in ["/households", "/households/new"] {
        let page = v.get(&app, path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.html.contains("此页面仅供帮扶干部"), "{}", page.html);
    }
    let posted = v.post(&app, "/households/new", &household_form(&[])).await;
    assert_eq!(posted.status, 403);
}

#[tokio::test]
async fn a_visitor_is_sent_to_log_in_first() {
    let app = spawn_app().await;
    for (path, next) in [
        ("/households", "%2Fhouseholds"),
        ("/households/new", "%2Fhouseholds%2Fnew"),
    ] {
        let visit = Page::read(app.get(path).await).await;
        visit.assert_redirects_to(&format!("/login?next={next}"));
    }
}

#[tokio::test]
async fn forms_without_the_sessions_token_change_nothing() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    let household = created(&app, &me, &household_form(&[])).await;

    let forged = household_form(&[("head_name", "李春花"), ("csrf_token", "forged")]);
    let create = me.post(&app, "/households/new", &forged).await;
    assert_eq!(create.status, 403);
    assert!(create.html.contains("页面已过期"));
    assert!(
        create.html.contains("value=\"李春花\""),
        "what was typed is kept"
    );
    let edit = me
        .post(&app, &format!("/households/{household}/edit"), &forged)
        .await;
    assert_eq!(edit.status, 403);

    let households = listed(&app, &me, "").await;
    assert_eq!(households.len(), 1, "no second household");
    assert_eq!(households[0]["head_name"], "王大山", "unchanged");
}

#[tokio::test]
async fn the_export_links_answer_the_logged_in_cadre_with_their_households() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let me = cadre(&app).await;
    registered(&app, &me, "王大山", FIRST_VILLAGE).await;

    for (format, kind) in [
        ("csv", "text/csv"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/households/export?format={format}")))
            .header("cookie", &me.cookie)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{format}");
        let got = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(got.starts_with(kind), "{format}: {got}");
        let bytes = response.bytes().await.expect("a file");
        if format == "csv" {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                text.contains("王大山") && text.contains("演示江口一村"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn a_cadre_on_a_phone_registers_a_household_and_is_warned_of_a_mistyped_id_number_early() {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    // A cadre of the county: villages of two townships to pick from.
    let user = app.create_user(Role::Cadre, Some("430525")).await;
    let token = app.login(&user).await;
    let mut browser = Browser::open(&app).await;

    browser.goto("/login?next=%2Fhouseholds").await;
    browser.log_in(&user.email, &user.password).await;
    browser.wait_for_text("还没有登记的困难户").await;
    browser.shots_at_both_sizes("no-households-yet").await;

    browser.click("登记一户").await;
    browser.wait_for("select#f-village-township").await;
    browser.wait_for(".place-map.leaflet-container").await;
    browser.shots_at_both_sizes("empty-form").await;

    browser.fill("户主姓名", "王大山").await;
    let right = id_number("43052519800101123");
    let wrong = format!("{}1", &right[..17]);
    browser.fill("户主身份证号（选填）", &wrong).await;
    browser
        .wait_for_text("身份证号校验位不正确，请核对号码")
        .await;
    browser.shots_at_both_sizes("id-number-warned").await;
    browser.fill("户主身份证号（选填）", &right).await;
    browser.wait_for_text("号码校验通过").await;
    assert!(!browser.text().await.contains("校验位不正确"));

    browser.fill("家庭人口", "3").await;
    browser.click("input[value='elderly_alone']").await;
    browser.click("input[value='left_behind_child']").await;
    // The township select's options are its groups, by their place.
    browser
        .click("select#f-village-township option[value='0']")
        .await;
    browser
        .click(&format!(
            "select#f-village option[value='{SECOND_VILLAGE}']"
        ))
        .await;
    browser
        .wait_for_text("没有设精确位置：按“演示江口二村”的位置计算距离")
        .await;
    browser.click("#place-map").await;
    browser.wait_for_text("精确位置：纬度").await;
    browser.shots_at_both_sizes("village-and-point").await;

    browser.click("登记").await;
    let deadline = std::time::Instant::now() + crate::helpers::browser::WAIT;
    while browser.path().await == "/households/new" {
        assert!(std::time::Instant::now() < deadline, "the form was sent");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = app.get_json("/api/v1/households", &token).await;
    let stored = &page["items"][0];
    assert_eq!(browser.path().await, format!("/households/{}", id(stored)));
    assert_eq!(stored["region"], SECOND_VILLAGE);
    assert_eq!(stored["id_number"], right.as_str());
    assert_eq!(
        stored["tags"],
        json!(["elderly_alone", "left_behind_child"])
    );
    let (lat, lon) = (stored["lat"].as_f64(), stored["lon"].as_f64());
    assert!(lat.is_some() && lon.is_some(), "the tapped point: {stored}");

    browser.goto("/households").await;
    browser.wait_for_text("王大山").await;
    let text = browser.text().await;
    for shown in ["演示江口二村", "3 人", "独居老人", "留守儿童", "还没有需求"]
    {
        assert!(text.contains(shown), "the list shows {shown}:\n{text}");
    }
    browser.shots_at_both_sizes("listed").await;

    browser
        .goto(&format!("/households/{}/edit", id(stored)))
        .await;
    browser.wait_for(".place-map.leaflet-container").await;
    browser.wait_for_text("精确位置：纬度").await;
    browser.shots_at_both_sizes("edit-form").await;

    browser.click("English").await;
    browser.wait_for_text("Exact point: latitude").await;
    browser.shots_at_both_sizes("edit-form-in-english").await;
    browser.goto("/households").await;
    browser.wait_for_text("My households").await;
    let text = browser.text().await;
    for shown in ["3 people", "Elderly living alone", "No needs yet"] {
        assert!(text.contains(shown), "the list shows {shown}:\n{text}");
    }
    browser.shots_at_both_sizes("list-in-english").await;
    browser.close().await;
}
