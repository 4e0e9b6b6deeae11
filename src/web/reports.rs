//! `/reports`: the coordinators' figures as a page, with bar charts drawn in
//! plain HTML and CSS (nothing loaded from outside), the longest-waiting
//! needs, and links to the CSV and Excel exports. The weekly digest and the
//! stale-need reminders link here.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::Site;
use super::page::t;
use crate::domain::time::DAY_MS;
use crate::domain::{Category, RegionPrefix, Role};
use crate::i18n;
use crate::routes::guard::MaybeCaller;
use crate::routes::stats::StatsQuery;
use crate::services::stats::{self, BreakdownRow, Dimension, Figures};
use crate::store;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports").route(web::get().to(page)));
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_owned(), |h| format!("{h:.1}"))
}

fn figures(f: &Figures) -> Value {
    json!({
        "needs_posted": f.needs_posted, "needs_matched": f.needs_matched,
        "needs_fulfilled": f.needs_fulfilled, "needs_open": f.needs_open,
        "matches_completed": f.matches_completed, "matches_declined": f.matches_declined,
        "matches_expired": f.matches_expired, "matches_cancelled": f.matches_cancelled,
        "match_rate": percent(f.match_rate), "fulfilment_rate": percent(f.fulfilment_rate),
        "match_success_rate": percent(f.match_success_rate),
        "median_hours_to_match": hours(f.median_hours_to_match),
        "median_hours_to_complete": hours(f.median_hours_to_complete),
        // Bar lengths, in percent of the track.
        "match_bar": f.match_rate.unwrap_or(0.0) * 100.0,
        "fulfil_bar": f.fulfilment_rate.unwrap_or(0.0) * 100.0,
    })
}

fn rows(rows: &[BreakdownRow]) -> Vec<Value> {
    let most = rows
        .iter()
        .map(|r| r.figures.needs_posted)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    rows.iter()
        .map(|r| {
            json!({
                "key": r.key, "name": r.name, "figures": figures(&r.figures),
                "posted_bar": r.figures.needs_posted as f64 / most * 100.0,
                "matched_bar": r.figures.needs_matched as f64 / most * 100.0,
            })
        })
        .collect()
}

/// The query string of the page's own filters, for the export links.
fn filters(q: &StatsQuery) -> String {
    let pairs = [
        ("region", &q.region),
        ("from", &q.from),
        ("to", &q.to),
        ("category", &q.category),
        ("week", &q.week),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(k, v);
                s
            },
        )
        .finish()
}

async fn page(ctx: Site, caller: MaybeCaller, req: HttpRequest) -> HttpResponse {
    let Some(caller) = caller.0 else {
        return HttpResponse::SeeOther()
            .insert_header(("location", "/login"))
            .finish();
    };
    let message = |status, text: String| {
        ctx
            .render(status, "message.html", json!({"heading": t("统计报表", "Reports"), "message": text, "next_url": "/", "next_label": t("返回首页", "Home")}))
    };
    if caller.role == Role::Volunteer {
        return message(
            StatusCode::FORBIDDEN,
            t(
                "统计报表仅对干部和协调员开放。",
                "Reports are for cadres and coordinators.",
            ),
        );
    }
    // Empty form fields mean "no filter".
    let mut q: StatsQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    for field in [
        &mut q.region,
        &mut q.from,
        &mut q.to,
        &mut q.category,
        &mut q.week,
    ] {
        if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *field = None;
        }
    }
    let scope = match q.scope(&ctx, &caller) {
        Ok(scope) => scope,
        Err(e) => {
            let why = match &e {
                crate::error::ApiError::Validation(errors) => errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message.get(i18n::current())))
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            };
            return message(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{} {why}", t("筛选条件有误：", "Invalid filter:")),
            );
        }
    };
    match render(&ctx, &caller, &q, &scope).await {
        Ok(context) => ctx.render(StatusCode::OK, "reports.html", context),
        Err(e) => {
            tracing::error!(error = %e, "reports page failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                t(
                    "暂时无法生成报表，请稍后再试。",
                    "The report could not be made; please try again later.",
                ),
            )
        }
    }
}

async fn render(
    ctx: &Site,
    caller: &crate::domain::Caller,
    q: &StatsQuery,
    scope: &stats::Scope,
) -> Result<Value, crate::services::ServiceError> {
    let locale = i18n::current();
    let tz = ctx.settings.timezone;
    // The places one level below the region shown.
    let shown = q
        .region
        .as_deref()
        .and_then(|r| RegionPrefix::parse(r).ok())
        .or_else(|| caller.region.clone());
    let places = match shown.as_ref().map(|p| p.as_str().len()) {
        Some(9) | Some(12) => Dimension::Village,
        _ => Dimension::Township,
    };
    let summary = stats::summary(&ctx.db, scope).await?;
    let by_place = stats::breakdown(&ctx.db, scope, places, tz, locale).await?;
    let by_category = stats::breakdown(&ctx.db, scope, Dimension::Category, tz, locale).await?;
    let by_week = stats::breakdown(&ctx.db, scope, Dimension::Week, tz, locale).await?;
    let (waiting, waiting_total) =
        store::stats::longest_waiting(&ctx.db, &scope.regions, store::now_ms(), 20).await?;
    let names = store::regions::names(&ctx.db, waiting.iter().map(|n| n.region.clone())).await?;
    let now = store::now_ms();
    let waiting: Vec<Value> = waiting
        .iter()
        .map(|n| {
            let category = n.category;
            json!({
                "title": n.title,
                "place": names.get(&n.region).cloned().unwrap_or_else(|| n.region.clone()),
                "category": if locale == i18n::Locale::ZhCn { category.name_zh() } else { category.name_en() },
                "urgency": n.urgency,
                "days": (now - n.posted_at).div_euclid(DAY_MS),
            })
        })
        .collect();
    let region_code = shown.as_ref().map(RegionPrefix::code);
    let region_name = match &region_code {
        Some(code) => store::regions::find(&ctx.db, code).await?.map(|r| r.name),
        None => None,
    };
    Ok(json!({
        "region_name": region_name.unwrap_or_else(|| t("全部地区", "All regions")),
        "q": {"region": q.region, "from": q.from, "to": q.to, "category": q.category, "week": q.week},
        "categories": Category::ALL.iter().map(|c| json!({"code": c.code(), "name": if locale == i18n::Locale::ZhCn { c.name_zh() } else { c.name_en() }})).collect::<Vec<_>>(),
        "summary": figures(&summary),
        "place_heading": places.heading().get(locale),
        "category_heading": Dimension::Category.heading().get(locale),
        "places": rows(&by_place),
        "by_category": rows(&by_category),
        "weeks": rows(&by_week),
        "waiting": waiting,
        "waiting_total": waiting_total,
        "filters": filters(q),
        "exports": ([places, Dimension::Category, Dimension::Week]).iter().map(|d| json!({
            "by": d.as_str(),
            "label": format!("{}{}", t("按", "by "), d.heading().get(locale)),
        })).collect::<Vec<_>>(),
    }))
}
