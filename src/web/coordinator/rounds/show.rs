//! `/rounds/{id}`: a round's figures, how its proposals ended so far and
//! the proposals themselves, a page at a time; while a round started from
//! a page still runs, a progress page that reloads itself (no script).

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::running::{Run, run_of};
use super::{not_found, outcome_values, place_names, place_of, steering};
use crate::i18n;
use crate::routes::extract::Page;
use crate::services::ServiceError;
use crate::services::matches::expires_label;
use crate::services::round_history::{self, Proposal};
use crate::web::Site;
use crate::web::need_labels::{category_name, urgency_badge};
use crate::web::page::{PageResult, respond, t};

/// Proposals on one page of a round.
const PAGE_SIZE: u64 = 50;

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    cursor: String,
}

pub async fn show(site: Site, path: web::Path<String>, q: web::Query<ShowQuery>) -> PageResult {
    let me = steering(&site)?;
    let id = Uuid::parse_str(&path).map_err(|_| not_found(&site))?;
    let round = match round_history::get(&site.db, me, id).await {
        Ok(round) => round,
        Err(ServiceError::NotFound) => return progress(&site, id),
        Err(e) => return Err(site.fail(e)),
    };
    let after = Uuid::parse_str(&q.cursor).ok();
    let rows = round_history::proposals(&site.db, me, id, after, PAGE_SIZE + 1)
        .await
        .map_err(|e| site.fail(e))?;
    let page = Page::from_rows(rows, PAGE_SIZE, |p: &Proposal| p.m.id.to_string());
    let outcomes = round_history::outcomes(&site.db, &[id])
        .await
        .map_err(|e| site.fail(e))?;
    let names = place_names(&site, std::iter::once(round.region.as_str())).await?;
    let proposals: Vec<Value> = page.items.iter().map(proposal).collect();
    Ok(site.render(
        StatusCode::OK,
        "coordinator/round.html",
        json!({
            "id": id, "place": place_of(&names, &round.region),
            "at": expires_label(&site, round.started_at),
            "seconds": format!("{:.1}", (round.finished_at - round.started_at) as f64 / 1000.0),
            "needs": round.needs_considered, "offers": round.offers_considered,
            "matched": round.matched, "solve_ms": round.solve_ms,
            "outcomes": outcome_values(&outcomes.get(&id).copied().unwrap_or_default()),
            "proposals": proposals,
            "next_url": page.next_cursor.as_deref().map(|c| format!("/rounds/{id}?cursor={c}")),
            "first_url": after.map(|_| format!("/rounds/{id}")),
        }),
    ))
}

fn proposal(p: &Proposal) -> Value {
    let (urgency, class) = urgency_badge(p.urgency);
    json!({
        "id": p.m.id, "title": p.need_title, "village": p.village,
        "category": p.category.map(category_name),
        "urgency": urgency, "urgency_class": class, "volunteer": p.volunteer,
        "status": p.m.status.as_str(), "status_label": p.m.status.label().get(i18n::current()),
    })
}

/// A round not written yet: running (the progress page), failed (why),
/// or unknown (not found).
fn progress(site: &Site, id: Uuid) -> PageResult {
    match run_of(id) {
        Some(Run::Running { since, place }) => Ok(site.render(
            StatusCode::OK,
            "coordinator/round_running.html",
            json!({"place": place, "seconds": since.elapsed().as_secs()}),
        )),
        Some(Run::Failed { why, .. }) => Err(respond(site.message(
            StatusCode::CONFLICT,
            t("这一轮匹配没有运行", "The round did not run"),
            why.get(i18n::current()).to_owned(),
            ("/rounds", t("返回匹配轮次", "Back to the rounds")),
        ))),
        None => Err(not_found(site)),
    }
}
