//! The coordinators' figures on a scripted history: every figure against a
//! value computed by hand, breakdowns that add up to the summary, and the
//! exports parsed back.
//!
//! The history is made through the API (claims, proposals, declines,
//! completions, cancellations, an expiry); only its times are then set to
//! scripted values, so that the medians have known answers.

use huzhu::domain::Role;
use huzhu::store::entity::{matches, need};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::pages::login_with_cookie;
use crate::helpers::{TestApp, TestUser, problem, spawn_app};

const H: i64 = 3_600_000;
/// Monday 2026-11-02 00:00 in Asia/Shanghai.
const T0: i64 = 1_793_548_800_000;
const A: &str = "430525101";
const B: &str = "430525102";
const PERIOD: &str = "from=2026-11-02&to=2026-11-16";

struct History {
    coordinator_user: TestUser,
    coordinator: String,
    cadre_b: String,
    volunteer: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn post(app: &TestApp, path: &str, body: Value, token: &str, status: u16) -> Value {
    let response = app.post_json(path, &body, Some(token)).await;
    assert_eq!(response.status().as_u16(), status, "{path} {body}");
    response.json().await.expect("JSON")
}

/// A need of a new household in `township`, posted at `posted_at`.
async fn need_at(
    app: &TestApp,
    cadre: &str,
    township: &str,
    category: &str,
    posted_at: i64,
) -> String {
    let household = post(
        app,
        "/api/v1/households",
        json!({"region": format!("{township}000"), "head_name": "李四", "members": 3, "lat": 27.10, "lon": 110.55}),
        cadre,
        201,
    )
    .await;
    let need = post(
        app,
        "/api/v1/needs",
        json!({"household_id": id(&household), "category": category, "title": "需要帮助", "description": "说明", "urgency": 2}),
        cadre,
        201,
    )
    .await;
    let need_id = id(&need);
    need::Entity::update_many()
        .col_expr(need::Column::PostedAt, Expr::value(posted_at))
        .filter(need::Column::Id.eq(need_id.parse::<uuid::Uuid>().expect("uuid")))
        .exec(&app.context.db)
        .await
        .expect("posted_at set");
    need_id
}

/// Sets a match's times: created, accepted (if any), ended (if any).
async fn times(app: &TestApp, m: &str, created: i64, accepted: Option<i64>, ended: Option<i64>) {
    matches::Entity::update_many()
        .col_expr(matches::Column::CreatedAt, Expr::value(created))
        .col_expr(matches::Column::AcceptedAt, Expr::value(accepted))
        .col_expr(matches::Column::EndedAt, Expr::value(ended))
        .filter(matches::Column::Id.eq(m.parse::<uuid::Uuid>().expect("uuid")))
        .exec(&app.context.db)
        .await
        .expect("times set");
    huzhu::store::stats::refresh(&app.context.db, None)
        .await
        .expect("figures follow");
}

async fn offer(app: &TestApp, token: &str) -> String {
    let body = json!({"categories": ["care", "education", "living", "medical"], "lat": 27.10, "lon": 110.55, "radius_km": 50, "remote": false, "capacity": 10});
    id(&post(app, "/api/v1/offers", body, token, 201).await)
}

async fn claim(app: &TestApp, need: &str, offer: &str, token: &str) -> String {
    let path = format!("/api/v1/needs/{need}/claim");
    id(&post(app, &path, json!({"offer_id": offer}), token, 201).await)
}

async fn act(app: &TestApp, m: &str, action: &str, body: Value, token: &str) {
    post(
        app,
        &format!("/api/v1/matches/{m}/{action}"),
        body,
        token,
        200,
    )
    .await;
}

/// The history of PRODUCT.md's life cycle that every assertion below is
/// computed from (times in hours after T0):
///
/// | need | township, category | posted | matches |
/// |---|---|---|---|
/// | N1 | A care | 1 | claim accepted at 11, completed at 59 |
/// | N2 | A education | 2 | proposal declined; claim accepted at 32, completed at 56 |
/// | N3 | A living | 168 | claim accepted at 188, cancelled at 193 |
/// | N4 | B care | 169 | proposal expired |
/// | N5 | B education | 192 | claim accepted at 196, live |
/// | N6 | B medical | 216 | none |
/// | N7 | A medical | 217 | none; the need is cancelled |
/// | N8 | A care | −720 | claim completed (outside the period) |
async fn history(app: &TestApp) -> History {
    let cadre_a = app
        .login(&app.create_user(Role::Cadre, Some(A)).await)
        .await;
    let cadre_b = app
        .login(&app.create_user(Role::Cadre, Some(B)).await)
        .await;
    let coordinator_user = app.create_user(Role::Coordinator, Some("430525")).await;
    let coordinator = app.login(&coordinator_user).await;
    let v1 = app
        .login(&app.create_user(Role::Volunteer, None).await)
        .await;
    let v2 = app
        .login(&app.create_user(Role::Volunteer, None).await)
        .await;
    let (o1, o2) = (offer(app, &v1).await, offer(app, &v2).await);

    let n8 = need_at(app, &cadre_a, A, "care", T0 - 720 * H).await;
    let m = claim(app, &n8, &o1, &v1).await;
    act(app, &m, "complete", json!({}), &cadre_a).await;
    times(
        app,
        &m,
        T0 - 719 * H,
        Some(T0 - 719 * H),
        Some(T0 - 717 * H),
    )
    .await;

    let n1 = need_at(app, &cadre_a, A, "care", T0 + H).await;
    let m = claim(app, &n1, &o1, &v1).await;
    act(app, &m, "complete", json!({"note": "送到了"}), &cadre_a).await;
    times(app, &m, T0 + 11 * H, Some(T0 + 11 * H), Some(T0 + 59 * H)).await;

    let n2 = need_at(app, &cadre_a, A, "education", T0 + 2 * H).await;
    let proposal = id(&post(
        app,
        "/api/v1/matches",
        json!({"need_id": n2, "offer_id": o1}),
        &coordinator,
        201,
    )
    .await);
    act(app, &proposal, "decline", json!({"reason": "太远"}), &v1).await;
    times(app, &proposal, T0 + 3 * H, None, Some(T0 + 5 * H)).await;
    let m = claim(app, &n2, &o2, &v2).await;
    act(app, &m, "complete", json!({}), &cadre_a).await;
    times(app, &m, T0 + 32 * H, Some(T0 + 32 * H), Some(T0 + 56 * H)).await;

    let n3 = need_at(app, &cadre_a, A, "living", T0 + 168 * H).await;
    let m = claim(app, &n3, &o2, &v2).await;
    act(app, &m, "cancel", json!({"reason": "联系不上"}), &cadre_a).await;
    times(
        app,
        &m,
        T0 + 188 * H,
        Some(T0 + 188 * H),
        Some(T0 + 193 * H),
    )
    .await;

    let n4 = need_at(app, &cadre_b, B, "care", T0 + 169 * H).await;
    let proposal = id(&post(
        app,
        "/api/v1/matches",
        json!({"need_id": n4, "offer_id": o1}),
        &coordinator,
        201,
    )
    .await);
    matches::Entity::update_many()
        .col_expr(
            matches::Column::ExpiresAt,
            Expr::value(Some(huzhu::store::now_ms() - 1)),
        )
        .filter(matches::Column::Id.eq(proposal.parse::<uuid::Uuid>().expect("uuid")))
        .exec(&app.context.db)
        .await
        .expect("overdue");
    huzhu::services::transitions::tick(&app.context)
        .await
        .expect("expiry");
    times(app, &proposal, T0 + 170 * H, None, Some(T0 + 242 * H)).await;

    let n5 = need_at(app, &cadre_b, B, "education", T0 + 192 * H).await;
    let m = claim(app, &n5, &o1, &v1).await;
    times(app, &m, T0 + 196 * H, Some(T0 + 196 * H), None).await;

    need_at(app, &cadre_b, B, "medical", T0 + 216 * H).await;
    let n7 = need_at(app, &cadre_a, A, "medical", T0 + 217 * H).await;
    post(
        app,
        &format!("/api/v1/needs/{n7}/cancel"),
        json!({"reason": "已由民政解决"}),
        &cadre_a,
        200,
    )
    .await;
    History {
        coordinator_user,
        coordinator,
        cadre_b,
        volunteer: v1,
    }
}

async fn json_of(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get_with(path, token).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.expect("JSON")
}

/// The figures of API.md in one comparable row.
fn figures(v: &Value) -> Vec<Value> {
    [
        "needs_posted",
        "needs_matched",
        "needs_fulfilled",
        "needs_open",
        "matches_completed",
        "matches_declined",
        "matches_expired",
        "matches_cancelled",
        "match_rate",
        "fulfilment_rate",
        "match_success_rate",
        "median_hours_to_match",
        "median_hours_to_complete",
    ]
    .iter()
    .map(|f| v[*f].clone())
    .collect()
}

/// The figures an export writes: [`figures`] and the escalation's.
fn exported(v: &Value) -> Vec<Value> {
    let mut out = figures(v);
    out.extend(
        [
            "needs_escalated",
            "needs_escalated_township",
            "needs_escalated_county",
            "median_hours_escalation_to_match",
        ]
        .iter()
        .map(|f| v[*f].clone()),
    );
    out
}

fn row(counts: [i64; 8], rates: [Option<f64>; 5]) -> Vec<Value> {
    counts
        .iter()
        .map(|c| json!(c))
        .chain(rates.iter().map(|r| json!(r)))
        .collect()
}

#[tokio::test]
async fn every_figure_equals_its_hand_computed_value() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let summary = json_of(
        &app,
        &format!("/api/v1/stats/summary?{PERIOD}"),
        &h.coordinator,
    )
    .await;
    assert_eq!(
        figures(&summary),
        row(
            [7, 4, 2, 3, 2, 1, 1, 1],
            [
                Some(4.0 / 7.0),
                Some(2.0 / 7.0),
                Some(0.4),
                Some(15.0),
                Some(36.0)
            ]
        ),
        "{summary}"
    );
    assert_eq!(summary["needs_cancelled"], 1);

    let townships = json_of(
        &app,
        &format!("/api/v1/stats/breakdown?by=township&{PERIOD}"),
        &h.coordinator,
    )
    .await;
    let rows = townships["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["key"].as_str(), rows[0]["name"].as_str()),
        (Some(A), Some("江口镇"))
    );
    assert_eq!(
        figures(&rows[0]),
        row(
            [4, 3, 2, 1, 2, 1, 0, 1],
            [Some(0.75), Some(0.5), Some(0.5), Some(20.0), Some(36.0)]
        )
    );
    assert_eq!(
        figures(&rows[1]),
        row(
            [3, 1, 0, 2, 0, 0, 1, 0],
            [Some(1.0 / 3.0), Some(0.0), Some(0.0), Some(4.0), None]
        )
    );

    let weeks = json_of(
        &app,
        &format!("/api/v1/stats/breakdown?by=week&{PERIOD}"),
        &h.coordinator,
    )
    .await;
    let rows = weeks["rows"].as_array().expect("rows");
    assert_eq!(
        rows.iter().map(|r| r["key"].clone()).collect::<Vec<_>>(),
        [json!("2026-W45"), json!("2026-W46")]
    );
    assert_eq!(rows[0]["name"], "2026-11-02 ~ 2026-11-08");
    assert_eq!(
        figures(&rows[0]),
        row(
            [2, 2, 2, 0, 2, 1, 0, 0],
            [
                Some(1.0),
                Some(1.0),
                Some(2.0 / 3.0),
                Some(20.0),
                Some(36.0)
            ]
        )
    );
    assert_eq!(
        figures(&rows[1]),
        row(
            [5, 2, 0, 3, 0, 0, 1, 1],
            [Some(0.4), Some(0.0), Some(0.0), Some(12.0), None]
        )
    );

    let care = json_of(
        &app,
        &format!("/api/v1/stats/summary?category=care&{PERIOD}"),
        &h.coordinator,
    )
    .await;
    assert_eq!(
        figures(&care),
        row(
            [2, 1, 1, 1, 1, 0, 1, 0],
            [Some(0.5), Some(0.5), Some(0.5), Some(10.0), Some(48.0)]
        )
    );

    // Without a period, the need posted a month earlier counts too.
    let all = json_of(&app, "/api/v1/stats/summary", &h.coordinator).await;
    assert_eq!(
        (
            all["needs_posted"].as_i64(),
            all["needs_fulfilled"].as_i64()
        ),
        (Some(8), Some(3))
    );
    assert_eq!(
        all["median_hours_to_match"], 10.0,
        "values 1, 4, 10, 20, 30"
    );
}

#[tokio::test]
async fn every_breakdown_adds_up_to_the_summary() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let summary = json_of(&app, "/api/v1/stats/summary", &h.coordinator).await;
    for by in ["township", "village", "category", "week"] {
        let breakdown = json_of(
            &app,
            &format!("/api/v1/stats/breakdown?by={by}"),
            &h.coordinator,
        )
        .await;
        for field in [
            "needs_posted",
            "needs_matched",
            "needs_fulfilled",
            "needs_open",
            "matches_completed",
            "matches_declined",
            "matches_expired",
            "matches_cancelled",
        ] {
            let sum: i64 = breakdown["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|r| r[field].as_i64().expect("count"))
                .sum();
            assert_eq!(Some(sum), summary[field].as_i64(), "{by} {field}");
        }
    }
}

#[tokio::test]
async fn figures_stay_inside_the_callers_region_and_volunteers_get_none() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let own = json_of(&app, &format!("/api/v1/stats/summary?{PERIOD}"), &h.cadre_b).await;
    assert_eq!(own["needs_posted"], 3);
    let other = json_of(
        &app,
        &format!("/api/v1/stats/summary?region={A}&{PERIOD}"),
        &h.cadre_b,
    )
    .await;
    assert_eq!(
        (
            other["needs_posted"].as_i64(),
            other["match_rate"].is_null()
        ),
        (Some(0), true)
    );
    problem(
        app.get_with("/api/v1/stats/summary", &h.volunteer).await,
        403,
    )
    .await;
    problem(app.get("/api/v1/stats/summary").await, 401).await;
}

#[tokio::test]
async fn bad_parameters_are_422_naming_the_field() {
    let app = spawn_app().await;
    let token = app
        .login(&app.create_user(Role::Coordinator, Some("430525")).await)
        .await;
    for (query, field) in [
        ("summary?from=yesterday", "from"),
        ("summary?to=2026-02-30", "to"),
        ("summary?from=2026-12-01&to=2026-11-01", "to"),
        ("summary?region=43", "region"),
        ("summary?category=money", "category"),
        ("breakdown", "by"),
        ("breakdown?by=county", "by"),
        ("breakdown?by=week&from=1990-01-01&to=2026-01-01", "from"),
        ("export?format=pdf", "format"),
    ] {
        let body = problem(
            app.get_with(&format!("/api/v1/stats/{query}"), &token)
                .await,
            422,
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn csv_and_xlsx_exports_parse_back_to_the_same_figures() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let breakdown = json_of(
        &app,
        &format!("/api/v1/stats/breakdown?by=category&{PERIOD}"),
        &h.coordinator,
    )
    .await;
    let rows = breakdown["rows"].as_array().expect("rows").clone();
    let expected: Vec<Vec<Value>> = rows.iter().map(exported).collect();
    let numbers = |cells: Vec<Option<f64>>| -> Vec<Value> {
        cells
            .into_iter()
            .map(|c| c.map_or(Value::Null, |v| json!(v)))
            .collect()
    };
    let close = |a: &[Value], b: &[Value]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                    _ => x.is_null() && y.is_null(),
                })
    };

    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/stats/export?format=csv&by=category&{PERIOD}"
        )))
        .bearer_auth(&h.coordinator)
        .header("accept-language", "en")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(
        reader.headers().expect("header").get(2),
        Some("Needs posted")
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(
        records.len(),
        rows.len() + 1,
        "a row per category and a total"
    );
    for (record, want) in records.iter().zip(&expected) {
        let got = numbers(record.iter().skip(2).map(|c| c.parse().ok()).collect());
        assert!(close(&got, want), "{got:?} != {want:?}");
    }

    let response = app
        .get_with(
            &format!("/api/v1/stats/export?format=xlsx&by=category&{PERIOD}"),
            &h.coordinator,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("bytes");
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    assert_eq!(book.sheet_names(), ["按类别", "汇总"]);
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let mut lines = sheet.rows();
    assert_eq!(
        lines.next().expect("header")[2],
        Data::String("发布需求".to_owned())
    );
    for (line, want) in lines.zip(&expected) {
        let got = numbers(
            line.iter()
                .skip(2)
                .map(|c| match c {
                    Data::Float(v) => Some(*v),
                    Data::Int(v) => Some(*v as f64),
                    _ => None,
                })
                .collect(),
        );
        assert!(close(&got, want), "{got:?} != {want:?}");
    }
    let summary = book
        .worksheet_range_at(1)
        .expect("summary")
        .expect("readable");
    assert_eq!(summary.get((1, 1)), Some(&Data::Float(7.0)), "needs posted");
}

#[tokio::test]
async fn the_reports_page_shows_the_figures_and_charts_to_staff_only() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let u = &h.coordinator_user;
    let session = login_with_cookie(&app, &u.email, &u.password).await;
    let page = |path: String, cookie: Option<String>| {
        let mut request = app.client.get(app.url(&path));
        if let Some(c) = cookie {
            request = request.header("cookie", format!("huzhu_session={c}"));
        }
        request.send()
    };
    let response = page(format!("/reports?{PERIOD}"), Some(session.clone()))
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.expect("HTML");
    for shown in [
        "调度看板：洞口县",
        "57.1%",
        "28.6%",
        "40.0%",
        "15.0",
        "江口镇",
        "按类别",
        "id=\"waiting\"",
        "format=xlsx&amp;by=township",
        "Excel（按乡镇）",
    ] {
        assert!(html.contains(shown), "{shown} missing");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from outside"
    );

    let bad = page("/reports?from=yesterday".to_owned(), Some(session))
        .await
        .expect("sent");
    assert_eq!(bad.status().as_u16(), 422);
    let anonymous = page("/reports".to_owned(), None).await.expect("sent");
    assert_eq!(anonymous.status().as_u16(), 303);
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let theirs = login_with_cookie(&app, &volunteer.email, &volunteer.password).await;
    let refused = page("/reports".to_owned(), Some(theirs))
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 403);
}

#[tokio::test]
async fn the_demo_county_gives_non_zero_figures_in_every_breakdown() {
    let app = spawn_app().await;
    let demo = crate::demo::fill(&app).await;
    let token = app
        .login(&app.create_user(Role::Coordinator, Some("430525")).await)
        .await;
    use sea_orm::PaginatorTrait;
    let covered = huzhu::store::entity::offer_cover::Entity::find()
        .count(&app.context.db)
        .await
        .expect("count");
    assert!(
        covered >= demo.offers as u64 / 2,
        "on-site offers are covered for candidates"
    );
    let summary = json_of(&app, "/api/v1/stats/summary", &token).await;
    let rate = summary["match_rate"].as_f64().expect("a rate");
    assert!(
        (rate - demo.match_rate).abs() < 1e-9,
        "{rate} vs {}",
        demo.match_rate
    );
    assert!(summary["median_hours_to_complete"].as_f64() > Some(0.0));
    for by in ["township", "village", "category", "week"] {
        let breakdown = json_of(&app, &format!("/api/v1/stats/breakdown?by={by}"), &token).await;
        let rows = breakdown["rows"].as_array().expect("rows");
        let minimum = match by {
            "township" => 23,
            "category" => 8,
            "week" => 26,
            _ => demo.villages,
        };
        assert!(rows.len() >= minimum, "{by}: {} rows", rows.len());
        // The newest week has had no time for its needs to be matched.
        let settled = if by == "week" {
            &rows[..rows.len() - 1]
        } else {
            &rows[..]
        };
        for row in settled {
            for figure in [
                "needs_posted",
                "needs_matched",
                "needs_fulfilled",
                "matches_completed",
            ] {
                assert!(
                    row[figure].as_i64() > Some(0),
                    "{by} {}: {figure} is zero",
                    row["key"]
                );
            }
            for figure in ["match_rate", "fulfilment_rate", "median_hours_to_match"] {
                assert!(
                    row[figure].as_f64() > Some(0.0),
                    "{by} {}: {figure}",
                    row["key"]
                );
            }
        }
    }
}

#[tokio::test]
async fn weeks_follow_the_local_calendar_across_a_clock_change() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("HUZHU_TIMEZONE".to_owned(), "Europe/Berlin".to_owned());
    })
    .await;
    let cadre = app
        .login(&app.create_user(Role::Cadre, Some(A)).await)
        .await;
    // Berlin moves its clocks on Sunday 2027-03-28: that week has 167 hours.
    let monday_after = 1_806_271_200_000; // 2027-03-29 00:00 +02:00
    for posted in [monday_after - 1, monday_after, monday_after - 167 * H] {
        need_at(&app, &cadre, A, "care", posted).await;
    }
    let weeks = json_of(
        &app,
        "/api/v1/stats/breakdown?by=week&from=2027-03-15&to=2027-04-05",
        &cadre,
    )
    .await;
    let rows: Vec<(Value, Value)> = weeks["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["key"].clone(), r["needs_posted"].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (json!("2027-W11"), json!(0)),
            (json!("2027-W12"), json!(2)),
            (json!("2027-W13"), json!(1)),
        ]
    );
}
