//! Rounds from a page: the rounds in the caller's region with how their
//! proposals ended so far, the form that previews a round for a place,
//! the preview (the service's dry run) with its "run it for real" button,
//! the round run in the background behind a progress page, and the
//! round's own page with its proposals. `/rounds.csv` exports the list.

mod export;
mod running;
mod show;

use std::collections::HashMap;

use super::coordinator as steering;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::{Caller, RegionPrefix};
use crate::routes::extract::Page;
use crate::services::round_history::{self, Outcomes};
use crate::services::{ServiceError, matches::expires_label};
use crate::store::entity::round;
use crate::web::Site;
use crate::web::form::Errors;
use crate::web::page::{PageResult, respond, t};
use crate::web::places::{my_townships, region_choices};

/// Rounds on one page of the list.
const PAGE_SIZE: u64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rounds")
            .route(web::get().to(list))
            .route(web::post().to(running::start)),
    )
    .service(web::resource("/rounds.csv").route(web::get().to(export::csv)))
    .service(web::resource("/rounds/preview").route(web::get().to(running::preview)))
    .service(web::resource("/rounds/{id}").route(web::get().to(show::show)));
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    cursor: String,
}

async fn list(site: Site, q: web::Query<ListQuery>) -> PageResult {
    let me = steering(&site)?;
    let after = Uuid::parse_str(&q.cursor).ok();
    list_page(&site, me, after, "", StatusCode::OK, Errors::none()).await
}

/// The list page, with the run form showing `picked` and `errors` (a
/// refused preview or run comes back here).
async fn list_page(
    site: &Site,
    me: &Caller,
    before: Option<Uuid>,
    picked: &str,
    status: StatusCode,
    errors: Errors,
) -> PageResult {
    let rows = round_history::list(&site.db, me, before, PAGE_SIZE + 1)
        .await
        .map_err(|e| site.fail(e))?;
    let page = Page::from_rows(rows, PAGE_SIZE, |r: &round::Model| r.id.to_string());
    let rounds = rows_shown(site, &page.items).await?;
    let townships = my_townships(site, me).await?;
    Ok(site.render(
        status,
        "coordinator/rounds.html",
        json!({
            "rounds": rounds,
            "regions": region_choices(&townships, me, picked),
            "errors": errors.messages(),
            "next_url": page.next_cursor.as_deref().map(|c| format!("/rounds?cursor={c}")),
            "first_url": before.map(|_| "/rounds"),
        }),
    ))
}

/// Each round as the list shows it: place, time, figures, outcomes.
async fn rows_shown(site: &Site, rounds: &[round::Model]) -> Result<Vec<Value>, actix_web::Error> {
    let ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let outcomes = round_history::outcomes(&site.db, &ids)
        .await
        .map_err(|e| site.fail(e))?;
    let names = place_names(site, rounds.iter().map(|r| r.region.as_str())).await?;
    Ok(rounds
        .iter()
        .map(|r| {
            let o = outcomes.get(&r.id).copied().unwrap_or_default();
            json!({
                "id": r.id, "place": place_of(&names, &r.region),
                "at": expires_label(site, r.started_at),
                "needs": r.needs_considered, "offers": r.offers_considered,
                "matched": r.matched, "outcomes": outcome_values(&o),
            })
        })
        .collect())
}

fn outcome_values(o: &Outcomes) -> Value {
    json!({"waiting": o.waiting, "accepted": o.accepted, "completed": o.completed,
           "declined": o.declined, "expired": o.expired, "cancelled": o.cancelled})
}

/// The names of rounds' regions (stored as prefixes), by prefix.
async fn place_names<'a>(
    site: &Site,
    regions: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, String>, actix_web::Error> {
    let codes: Vec<(String, String)> = regions
        .filter_map(|r| Some((r.to_owned(), RegionPrefix::parse(r).ok()?.code())))
        .collect();
    let names = crate::store::regions::names(&site.db, codes.iter().map(|(_, c)| c.clone()))
        .await
        .map_err(|e| site.fail(ServiceError::from(e)))?;
    Ok(codes
        .into_iter()
        .filter_map(|(prefix, code)| Some((prefix, names.get(&code)?.clone())))
        .collect())
}

fn place_of(names: &HashMap<String, String>, region: &str) -> String {
    names
        .get(region)
        .cloned()
        .unwrap_or_else(|| region.to_owned())
}

/// A refused preview or run, shown on the list beside the place picker.
async fn refused(site: &Site, me: &Caller, picked: &str, error: ServiceError) -> PageResult {
    let (status, errors) = match error {
        ServiceError::Invalid(fields) => (StatusCode::UNPROCESSABLE_ENTITY, Errors::from(fields)),
        ServiceError::Conflict(why) => (StatusCode::CONFLICT, Errors::form(why)),
        other => return Err(site.fail(other)),
    };
    list_page(site, me, None, picked, status, errors).await
}

/// A page that is not for this id: not found.
fn not_found(site: &Site) -> actix_web::Error {
    respond(site.message(
        StatusCode::NOT_FOUND,
        t("找不到", "Not found"),
        t(
            "没有这一轮匹配，或您无权查看。",
            "There is no such round, or it is not yours to see.",
        ),
        ("/rounds", t("返回匹配轮次", "Back to the rounds")),
    ))
}
