//! The preview and the real run. A county's round takes seconds: the
//! form takes the round's lock at once (a running round is refused right
//! there), finishes the round in the background and sends the browser to
//! the round's page, which shows progress until the round is written.
//! What the background runs tell that page lives here, in memory, only
//! while they run (and, for a failed one, a few minutes after).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{place_names, place_of, refused, steering};
use crate::context::AppContext;
use crate::i18n::Text;
use crate::services::{round_preview, rounds};
use crate::web::Site;
use crate::web::form::Form;
use crate::web::need_labels::urgency_badge;
use crate::web::page::PageResult;

/// A round started from a page, as its progress page sees it.
#[derive(Clone)]
pub enum Run {
    Running { since: Instant, place: String },
    Failed { at: Instant, why: Text },
}

/// How long a failed run's reason stays to be read.
const KEPT: Duration = Duration::from_secs(600);

fn runs() -> &'static Mutex<HashMap<Uuid, Run>> {
    static RUNS: OnceLock<Mutex<HashMap<Uuid, Run>>> = OnceLock::new();
    RUNS.get_or_init(Default::default)
}

/// What is known of the page-started round `id`, if it is not written yet.
pub fn run_of(id: Uuid) -> Option<Run> {
    runs().lock().ok()?.get(&id).cloned()
}

fn record(id: Uuid, run: Option<Run>) {
    if let Ok(mut all) = runs().lock() {
        // Old failures go; running rounds are bounded by their locks.
        all.retain(|_, r| !matches!(r, Run::Failed { at, .. } if at.elapsed() > KEPT));
        match run {
            Some(run) => all.insert(id, run),
            None => all.remove(&id),
        };
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RegionForm {
    csrf_token: String,
    region: String,
}

/// `GET /rounds/preview?region=`: what a round would do now, by urgency.
pub async fn preview(site: Site, q: web::Query<RegionForm>) -> PageResult {
    let me = steering(&site)?;
    let region = match rounds::region_for(me, Some(&q.region)) {
        Ok(region) => region,
        Err(e) => return refused(&site, me, &q.region, e).await,
    };
    let p = match round_preview::preview(&site, &region).await {
        Ok(p) => p,
        Err(e) => return refused(&site, me, &q.region, e).await,
    };
    let names = place_names(&site, std::iter::once(region.as_str())).await?;
    let levels: Vec<Value> = p
        .needs_by_urgency
        .iter()
        .rev()
        .map(|(level, needs)| {
            let (word, class) = urgency_badge(*level);
            json!({"word": word, "class": class, "needs": needs,
                   "matched": p.matched_by_urgency.get(level).copied().unwrap_or(0)})
        })
        .collect();
    Ok(site.render(
        StatusCode::OK,
        "coordinator/round_preview.html",
        json!({
            "place": place_of(&names, region.as_str()),
            "region": region.as_str(),
            "needs": p.needs_considered, "offers": p.offers_considered,
            "places": p.places_considered, "matched": p.matched,
            "unmatched": p.needs_considered - p.matched,
            "solve_ms": p.solve_ms, "levels": levels,
        }),
    ))
}

/// `POST /rounds`: takes the lock, runs the round in the background, and
/// sends the browser to its page.
pub async fn start(
    site: Site,
    ctx: web::Data<AppContext>,
    Form(form): Form<RegionForm>,
) -> PageResult {
    let me = steering(&site)?;
    if !site.form_ok(&form.csrf_token) {
        let expired = crate::services::ServiceError::Conflict(site.expired_form());
        return refused(&site, me, &form.region, expired).await;
    }
    let region = match rounds::region_for(me, Some(&form.region)) {
        Ok(region) => region,
        Err(e) => return refused(&site, me, &form.region, e).await,
    };
    let started = match rounds::start(&site, &region).await {
        Ok(started) => started,
        Err(e) => return refused(&site, me, &form.region, e).await,
    };
    let id = started.id();
    let names = place_names(&site, std::iter::once(region.as_str())).await?;
    let place = place_of(&names, region.as_str());
    record(
        id,
        Some(Run::Running {
            since: Instant::now(),
            place,
        }),
    );
    let by = me.user_id;
    actix_web::rt::spawn(async move {
        match started.finish(&ctx, Some(by)).await {
            Ok(_) => record(id, None),
            Err(e) => {
                let why = match e {
                    crate::services::ServiceError::Conflict(why) => why,
                    other => {
                        tracing::error!(error = %other, round = %id, "a page's round failed");
                        Text::fixed(
                            "这一轮匹配没有完成，请稍后再试",
                            "The round failed; please try again later",
                        )
                    }
                };
                record(
                    id,
                    Some(Run::Failed {
                        at: Instant::now(),
                        why,
                    }),
                );
            }
        }
    });
    Ok(crate::web::page::see_other(&format!("/rounds/{id}")))
}
