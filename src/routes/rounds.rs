//! `/rounds`: running the exact solver over a region.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::Caller;
use crate::error::ApiError;
use crate::routes::extract::{OptionalJson, Page, PageQuery, Query, page_limit, uuid_cursor};
use crate::routes::households::time;
use crate::services::round_preview::RoundPreview;
use crate::services::{round_history, round_preview, rounds};
use crate::store::entity::round;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rounds")
            .route(web::get().to(list))
            .route(web::post().to(start)),
    )
    .service(web::resource("/rounds/{id}").route(web::get().to(get)));
}

/// A finished matching round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    pub id: Uuid,
    pub region: String,
    pub needs_considered: i32,
    pub offers_considered: i32,
    pub matched: i32,
    /// docs/matching.md's Σcost of the proposals made.
    pub total_cost: i64,
    pub solve_ms: i64,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
}

impl From<round::Model> for RoundView {
    fn from(r: round::Model) -> Self {
        Self {
            id: r.id,
            region: r.region,
            needs_considered: r.needs_considered,
            offers_considered: r.offers_considered,
            matched: r.matched,
            total_cost: r.total_cost,
            solve_ms: r.solve_ms,
            started_at: time(r.started_at),
            finished_at: time(r.finished_at),
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RoundBody {
    /// A region code or prefix inside the caller's region (default: all of it).
    pub region: Option<String>,
    /// Solve and answer the figures (200), writing and sending nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a round would do now: a dry run's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundPreviewView {
    pub region: String,
    pub needs_considered: i64,
    pub offers_considered: i64,
    /// The free places of the offers considered.
    pub places_considered: i64,
    pub matched: i64,
    pub total_cost: i64,
    pub solve_ms: i64,
    /// Open needs considered, by urgency level ("1" to "3").
    pub needs_by_urgency: BTreeMap<String, i64>,
    /// Needs the optimum matches, by urgency level ("1" to "3").
    pub matched_by_urgency: BTreeMap<String, i64>,
}

impl From<RoundPreview> for RoundPreviewView {
    fn from(p: RoundPreview) -> Self {
        let by_level = |m: BTreeMap<i16, usize>| {
            m.into_iter()
                .map(|(level, n)| (level.to_string(), n as i64))
                .collect()
        };
        Self {
            region: p.region.as_str().to_owned(),
            needs_considered: p.needs_considered as i64,
            offers_considered: p.offers_considered as i64,
            places_considered: p.places_considered,
            matched: p.matched as i64,
            total_cost: p.total_cost,
            solve_ms: p.solve_ms,
            needs_by_urgency: by_level(p.needs_by_urgency),
            matched_by_urgency: by_level(p.matched_by_urgency),
        }
    }
}

/// Runs a matching round: proposals for the region's open needs, and one
/// digest email per volunteer. 409 while another round runs on an
/// overlapping region. With `dry_run`, answers what the round would do
/// (200) and writes nothing.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "matches", request_body = RoundBody,
    responses((status = 201, body = RoundView), (status = 200, description = "a dry run", body = RoundPreviewView),
        (status = 409), (status = 422)))]
pub async fn start(
    ctx: web::Data<AppContext>,
    caller: Caller,
    OptionalJson(body): OptionalJson<RoundBody>,
) -> Result<HttpResponse, ApiError> {
    let region = rounds::region_for(&caller, body.region.as_deref())?;
    if body.dry_run {
        let preview = round_preview::preview(&ctx, &region).await?;
        return Ok(HttpResponse::Ok().json(RoundPreviewView::from(preview)));
    }
    let round = rounds::run(&ctx, &region, Some(caller.user_id)).await?;
    Ok(HttpResponse::Created().json(RoundView::from(round)))
}

/// Past rounds overlapping the caller's region, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "matches", params(PageQuery), responses((status = 200, body = Page<RoundView>)))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let before = uuid_cursor(q.cursor.as_deref())?;
    // One more than the page, to tell whether another page follows.
    let rows = round_history::list(&ctx.db, &caller, before, limit + 1).await?;
    let views = rows.into_iter().map(RoundView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |r: &RoundView| {
            r.id.to_string()
        })),
    )
}

/// One round, if it overlaps the caller's region (404 otherwise).
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "matches", params(("id" = Uuid, Path)), responses((status = 200, body = RoundView), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let round = round_history::get(&ctx.db, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(RoundView::from(round)))
}
