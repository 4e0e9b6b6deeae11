//! `/followup`: the people who stopped answering in the coordinator's
//! region over a period (the last four weeks unless picked), each list
//! paged by its own cursor, with a nudge email and an offer's pause beside
//! each row, and each list as CSV (`/followup.csv?list=…`).

use super::coordinator;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::OfferStatus;
use crate::domain::period::local_date;
use crate::i18n;
use crate::routes::files::{FileFormat, attachment};
use crate::services::export::followup as csv;
use crate::services::followup::{self, Nudge, Period};
use crate::services::{ServiceError, offers};
use crate::store::now_ms;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, local_path, respond, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/followup").route(web::get().to(show)))
        .service(web::resource("/followup.csv").route(web::get().to(export)))
        .service(web::resource("/followup/nudge").route(web::post().to(nudge)))
        .service(web::resource("/followup/offers/{id}/pause").route(web::post().to(pause)));
}

/// Rows in a list's page.
const PAGE: u64 = 20;
/// Rows in a CSV: far more than a region's list ever holds.
const EXPORT_ROWS: u64 = 5000;

#[derive(Deserialize, Default)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    /// Each list's cursor, `<count>.<id>`.
    v: Option<String>,
    o: Option<String>,
    c: Option<String>,
    /// The list a CSV holds: `volunteers`, `offers` or `cadres`.
    list: Option<String>,
}

/// `<count>.<id>`; one edited by hand starts from the top.
fn cursor(text: Option<&str>) -> Option<(i64, Uuid)> {
    let (n, id) = text?.split_once('.')?;
    Some((n.parse().ok()?, Uuid::parse_str(id).ok()?))
}

fn percent(missed: i64, proposals: i64) -> String {
    csv::rate(missed, proposals).map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

fn day(site: &Site, ms: Option<i64>) -> String {
    ms.map_or_else(
        || "—".to_owned(),
        |ms| local_date(ms, site.settings.timezone).to_string(),
    )
}

/// The query string of the period, for links that keep it.
fn period_query(p: &Period) -> String {
    format!("from={}&to={}", p.from, p.to)
}

async fn show(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let now = now_ms();
    let tz = site.settings.timezone;
    let fail = |e| site.fail(e);
    let period = match Period::parse(q.from.as_deref(), q.to.as_deref(), now, tz) {
        Ok(p) => p,
        Err(errors) => {
            let context = json!({
                "q": {"from": q.from, "to": q.to}, "errors": Errors::from(errors).messages(),
                "stale_days": site.settings.stale_days,
            });
            return Ok(site.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "coordinator/followup.html",
                context,
            ));
        }
    };
    let keep = period_query(&period);
    let here = format!("/followup?{keep}");
    let next = |key: &str, last: Option<(i64, Uuid)>| {
        last.map(|(n, id)| format!("/followup?{keep}&{key}={n}.{id}#{key}-list"))
    };

    let mut volunteers =
        followup::unanswering(&site, me, &period, cursor(q.v.as_deref()), PAGE + 1)
            .await
            .map_err(fail)?;
    let more_v = (volunteers.len() as u64 > PAGE).then(|| {
        volunteers.truncate(PAGE as usize);
        volunteers.last().map(|r| (r.missed(), r.volunteer_id))
    });
    let mut idle = followup::idle_offers(&site, me, &period, cursor(q.o.as_deref()), PAGE + 1)
        .await
        .map_err(fail)?;
    let more_o = (idle.len() as u64 > PAGE).then(|| {
        idle.truncate(PAGE as usize);
        idle.last().map(|r| (r.proposals, r.offer_id))
    });
    let mut cadres = followup::stale_cadres(&site, me, now, cursor(q.c.as_deref()), PAGE + 1)
        .await
        .map_err(fail)?;
    let more_c = (cadres.len() as u64 > PAGE).then(|| {
        cadres.truncate(PAGE as usize);
        cadres.last().map(|r| (r.stale, r.cadre_id))
    });

    let context = json!({
        "q": {"from": period.from.to_string(), "to": period.to.to_string()},
        "errors": {},
        "stale_days": site.settings.stale_days,
        "default_period": period.is_default(now, tz),
        "back": here,
        "csv": format!("/followup.csv?{keep}"),
        "volunteers": volunteers.iter().map(|r| json!({
            "id": r.volunteer_id, "name": r.name, "proposals": r.proposals,
            "expired": r.expired, "declined": r.declined,
            "rate": percent(r.missed(), r.proposals), "last_answer": day(&site, r.last_answer),
        })).collect::<Vec<Value>>(),
        "volunteers_next": next("v", more_v.flatten()),
        "offers": idle.iter().map(|r| json!({
            "id": r.offer_id, "volunteer_id": r.volunteer_id, "name": r.name,
            "free": (r.capacity - r.live_matches).max(0), "capacity": r.capacity,
            "proposals": r.proposals, "expired": r.expired, "declined": r.declined,
            "last_proposed": day(&site, r.last_proposed),
        })).collect::<Vec<Value>>(),
        "offers_next": next("o", more_o.flatten()),
        "cadres": cadres.iter().map(|r| json!({
            "id": r.cadre_id, "name": r.name, "stale": r.stale,
            "oldest_days": crate::services::schedules::days_open(r.oldest, now),
        })).collect::<Vec<Value>>(),
        "cadres_next": next("c", more_c.flatten()),
        "first": (q.v.is_some() || q.o.is_some() || q.c.is_some()).then(|| here.clone()),
    });
    Ok(site.render(StatusCode::OK, "coordinator/followup.html", context))
}

/// `GET /followup.csv?list=…&from=…&to=…`: one list, up to
/// [`EXPORT_ROWS`] rows.
async fn export(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let now = now_ms();
    let tz = site.settings.timezone;
    let period = Period::parse(q.from.as_deref(), q.to.as_deref(), now, tz)
        .map_err(|e| site.fail(ServiceError::Invalid(e)))?;
    let locale = i18n::current();
    let fail = |e| site.fail(e);
    let (stem, bytes) = match q.list.as_deref().unwrap_or("volunteers") {
        "volunteers" => {
            let rows = followup::unanswering(&site, me, &period, None, EXPORT_ROWS)
                .await
                .map_err(fail)?;
            ("volunteers", csv::volunteers_csv(&rows, locale, tz))
        }
        "offers" => {
            let rows = followup::idle_offers(&site, me, &period, None, EXPORT_ROWS)
                .await
                .map_err(fail)?;
            ("offers", csv::offers_csv(&rows, locale, tz))
        }
        "cadres" => {
            let rows = followup::stale_cadres(&site, me, now, None, EXPORT_ROWS)
                .await
                .map_err(fail)?;
            ("cadres", csv::cadres_csv(&rows, locale, tz))
        }
        _ => return Err(site.fail(ServiceError::NotFound)),
    };
    let stem = format!("huzhu-followup-{stem}-{}-{}", period.from, period.to);
    Ok(attachment(FileFormat::Csv, &stem, bytes))
}

/// A form sent with a stale token changes nothing: a page says so, with
/// the way back.
fn expired(site: &Site, back: &str) -> actix_web::Error {
    let text = site.expired_form().get(i18n::current()).to_owned();
    respond(site.message(
        StatusCode::FORBIDDEN,
        text.clone(),
        text,
        (back, t("返回跟进页面", "Back to follow-up")),
    ))
}

#[derive(Deserialize)]
struct NudgeForm {
    csrf_token: String,
    person: String,
    about: String,
    back: Option<String>,
}

/// Where a form goes back to: the page it was sent from.
fn back_to(back: Option<&str>) -> String {
    local_path(back)
        .filter(|p| p.starts_with("/followup"))
        .unwrap_or("/followup")
        .to_owned()
}

/// `POST /followup/nudge`: email one person, at most once a day.
async fn nudge(site: Site, Form(form): Form<NudgeForm>) -> PageResult {
    let me = coordinator(&site)?;
    let back = back_to(form.back.as_deref());
    if !site.form_ok(&form.csrf_token) {
        return Err(expired(&site, &back));
    }
    let (Ok(person), Some(about)) = (Uuid::parse_str(&form.person), Nudge::parse(&form.about))
    else {
        return Err(site.fail(ServiceError::NotFound));
    };
    let sent = followup::nudge(&site, me, person, about, now_ms())
        .await
        .map_err(|e| site.fail(e))?;
    let flash = if sent {
        Flash::NudgeSent
    } else {
        Flash::NudgeAlreadySent
    };
    Ok(site.done(&back, flash))
}

#[derive(Deserialize)]
struct PauseForm {
    csrf_token: String,
    back: Option<String>,
}

/// `POST /followup/offers/{id}/pause`: the offer is not matched until its
/// volunteer resumes it.
async fn pause(site: Site, id: web::Path<String>, Form(form): Form<PauseForm>) -> PageResult {
    let me = coordinator(&site)?;
    let back = back_to(form.back.as_deref());
    if !site.form_ok(&form.csrf_token) {
        return Err(expired(&site, &back));
    }
    let id = site.path_id(&id)?;
    offers::set_status(&site, me, id, OfferStatus::Paused)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(site.done(&back, Flash::OfferPausedByStaff))
}
