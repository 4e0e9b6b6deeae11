//! `/reports`: the 周调度 dashboard of cadres (their village), coordinators
//! and admins. The figures, then charts drawn on the server as SVG (weekly
//! lines, match rate by place, category mix, waiting days), the tables
//! beneath them, the longest-waiting needs and the exports. Every place is
//! a link one level down (county → township → village) keeping the period
//! and category; a breadcrumb goes back up. The weekly digest and the
//! stale-need reminders link here.

mod filters;
mod sections;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde_json::{Value, json};

use self::filters::{Errors, Filters, Period, Raw};
use self::sections::{figures, rows};
use super::Site;
use super::need_labels::{category_name, urgency_badge};
use super::page::{PageResult, respond, t};
use super::places;
use crate::domain::time::DAY_MS;
use crate::domain::{Caller, Category, RegionPrefix, Role};
use crate::i18n;
use crate::services::stats::{self, Dimension};
use crate::store;

/// The longest-waiting needs listed; `/waiting` has them all.
const WAITING_SHOWN: u64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports").route(web::get().to(page)));
}

fn heading(caller: &Caller) -> String {
    match caller.role {
        Role::Cadre => t("统计报表", "Reports"),
        _ => t("调度看板", "Dashboard"),
    }
}

async fn page(site: Site, req: HttpRequest) -> PageResult {
    let caller = site.signed_in()?.clone();
    if caller.role == Role::Volunteer || caller.is_staff_without_region() {
        return Err(respond(site.message(
            StatusCode::FORBIDDEN,
            t("统计报表", "Reports"),
            t(
                "统计报表仅对干部和协调员开放。",
                "Reports are for cadres and coordinators.",
            ),
            ("/", t("返回首页", "Home")),
        )));
    }
    let raw = Raw::parse(req.query_string());
    let tz = site.settings.timezone;
    let now = store::now_ms();
    let townships = places::my_townships(&site, &caller).await?;
    match filters::check(&raw, &caller, now, tz) {
        Ok(f) => {
            let picked = f.shown.as_ref().map(RegionPrefix::code).unwrap_or_default();
            let mut context = form(
                &caller,
                &townships,
                &picked,
                &f.from,
                &f.to,
                f.period,
                f.category,
                &Errors::new(),
            );
            let more = dashboard(&site, &caller, &f, now)
                .await
                .map_err(|e| site.fail(e))?;
            if let (Value::Object(c), Value::Object(m)) = (&mut context, more) {
                c.extend(m);
            }
            Ok(site.render(StatusCode::OK, "reports.html", context))
        }
        Err(errors) => {
            // The form again as sent, each message beside its field.
            let period = match raw.period.as_deref() {
                Some(p) => Period::ALL.into_iter().find(|x| x.as_str() == p),
                None => Some(Period::Custom),
            }
            .unwrap_or(Period::FourWeeks);
            let category = raw.category.as_deref().and_then(|c| c.parse().ok());
            let picked = raw.region.clone().unwrap_or_default();
            let mut context = form(
                &caller,
                &townships,
                &picked,
                raw.from.as_deref().unwrap_or_default(),
                raw.to.as_deref().unwrap_or_default(),
                period,
                category,
                &errors,
            );
            if let Value::Object(c) = &mut context {
                c.insert(
                    "region_name".to_owned(),
                    json!(t("筛选条件有误", "Invalid filter")),
                );
                c.insert("crumbs".to_owned(), json!([]));
            }
            Ok(site.render(StatusCode::UNPROCESSABLE_ENTITY, "reports.html", context))
        }
    }
}

/// The filter form's context: its fields' values, choices and messages.
#[allow(clippy::too_many_arguments)]
fn form(
    caller: &Caller,
    townships: &[crate::services::places::Township],
    picked: &str,
    from: &str,
    to: &str,
    period: Period,
    category: Option<Category>,
    errors: &Errors,
) -> Value {
    let locale = i18n::current();
    let picked = RegionPrefix::parse(picked).map_or_else(|_| picked.to_owned(), |p| p.code());
    json!({
        "heading": heading(caller),
        "periods": Period::ALL.iter().map(|p| json!({
            "value": p.as_str(), "label": p.label().get(locale), "selected": *p == period,
        })).collect::<Vec<_>>(),
        "custom": period == Period::Custom,
        "from": from,
        "to": to,
        "categories": Category::ALL.iter().map(|c| json!({
            "value": c.code(), "label": category_name(*c), "selected": Some(*c) == category,
        })).collect::<Vec<_>>(),
        "places": places::region_choices(townships, caller, &picked),
        "errors": errors.iter().map(|(k, v)| (k.to_string(), json!(v.get(locale)))).collect::<serde_json::Map<_, _>>(),
    })
}

async fn dashboard(
    site: &Site,
    caller: &Caller,
    f: &Filters,
    now: i64,
) -> Result<Value, crate::services::ServiceError> {
    let locale = i18n::current();
    let tz = site.settings.timezone;
    let db = &site.db;
    let scope = &f.scope;
    let depth = f.shown.as_ref().map_or(0, |s| s.as_str().len());
    let places = if depth >= 9 {
        Dimension::Village
    } else {
        Dimension::Township
    };
    // A place's drill-down: a township or village below the one shown.
    let drill = |key: &str| {
        let below = RegionPrefix::parse(key).is_ok_and(|p| p.as_str().len() > depth);
        below.then(|| f.link(Some(key)))
    };
    let summary = stats::summary(db, scope).await?;
    let by_place = stats::breakdown(db, scope, places, tz, locale).await?;
    let by_category = stats::breakdown(db, scope, Dimension::Category, tz, locale).await?;
    let by_week = stats::breakdown(db, scope, Dimension::Week, tz, locale).await?;
    // The lines stop at this week: the weeks still to come have no needs yet.
    let this_week = crate::domain::period::Week::holding(now, tz).key();
    let past = by_week.iter().take_while(|w| w.key <= this_week).count();
    let buckets = store::stats::waiting_days(db, &scope.regions, f.category, now).await?;
    let (waiting, waiting_total) =
        store::stats::longest_waiting(db, &scope.regions, now, WAITING_SHOWN).await?;
    let names = store::regions::names(db, waiting.iter().map(|n| n.region.clone())).await?;
    let waiting: Vec<Value> = waiting
        .iter()
        .map(|n| {
            let (urgency, urgency_class) = urgency_badge(n.urgency);
            json!({
                "href": format!("/needs/{}", n.id),
                "title": n.title,
                "place": names.get(&n.region).cloned().unwrap_or_else(|| n.region.clone()),
                "category": category_name(n.category),
                "urgency": urgency,
                "urgency_class": urgency_class,
                "days": (now - n.posted_at).div_euclid(DAY_MS),
                "escalation": crate::web::cadre::needs::story::overdue_mark(n),
            })
        })
        .collect();
    let standing = if crate::services::pairing_figures::any_key_household(db, scope).await? {
        let (f, _) = crate::services::pairing_figures::figures(db, scope, now).await?;
        sections::standing_help(&f)
    } else {
        Value::Null
    };
    let crumbs = places::breadcrumb(site, caller, f.shown.as_ref(), |r| f.link(r)).await?;
    let region_name = crumbs
        .last()
        .and_then(|c| c["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| t("全部地区", "All regions"));
    let place_text = places.heading();
    let place_heading = place_text.get(locale);
    let api = f.api_query();
    Ok(json!({
        "region_name": region_name,
        "crumbs": crumbs,
        "summary": figures(&summary),
        "charts": {
            "weekly": sections::weekly(&by_week[..past.min(by_week.len())]),
            "places": sections::match_rate_by_place(&by_place, place_heading, drill),
            "categories": sections::category_mix(&by_category),
            "waiting": sections::waiting_days(&buckets),
        },
        "place_heading": place_heading,
        "category_heading": Dimension::Category.heading().get(locale),
        "place_rows": rows(&by_place, drill),
        "by_category": rows(&by_category, |_| None),
        "waiting": waiting,
        "waiting_total": waiting_total,
        "waiting_all": match &f.shown {
            Some(s) => format!("/waiting?place={}", s.code()),
            None => "/waiting".to_owned(),
        },
        "standing": standing,
        "filters": api,
        "exports": ([places, Dimension::Category, Dimension::Week]).iter().map(|d| json!({
            "by": d.as_str(),
            "label": format!("{}{}", t("按", "by "), d.heading().get(locale)),
        })).collect::<Vec<_>>(),
    }))
}
