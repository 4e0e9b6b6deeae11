//! `/matches`, a need's claim, and the transitions of a match.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::cursor::encode_key;
use crate::domain::match_status::Transition;
use crate::domain::{Caller, MatchStatus};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::{
    Json, OptionalJson, Page, PageQuery, Query, key_cursor, page_limit, uuid_cursor,
};
use crate::routes::households::time;
use crate::services::transitions::{self, Actor};
use crate::services::{delivery, match_reads, matches};
use crate::store::{entity::match_event, entity::matches as entity};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/needs/{id}/claim").route(web::post().to(claim)))
        .service(
            web::resource("/matches")
                .route(web::get().to(list))
                .route(web::post().to(create)),
        )
        .service(web::resource("/matches/{id}").route(web::get().to(get)))
        .service(web::resource("/matches/{id}/events").route(web::get().to(events)))
        .service(web::resource("/matches/{id}/accept").route(web::post().to(accept)))
        .service(web::resource("/matches/{id}/decline").route(web::post().to(decline)))
        .service(web::resource("/matches/{id}/delivered").route(web::post().to(delivered)))
        .service(web::resource("/matches/{id}/complete").route(web::post().to(complete)))
        .service(web::resource("/matches/{id}/cancel").route(web::post().to(cancel)));
}

/// A match of a need and an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchView {
    pub id: Uuid,
    pub need_id: Uuid,
    /// Null for a pairing-first proposal, made to the household's helper.
    pub offer_id: Option<Uuid>,
    pub volunteer_id: Uuid,
    /// `round`, `claim`, `manual` or `pairing`.
    pub origin: String,
    /// `proposed`, `accepted`, `completed`, `declined`, `expired` or `cancelled`.
    pub status: String,
    pub round_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::Model> for MatchView {
    fn from(m: entity::Model) -> Self {
        Self {
            id: m.id,
            need_id: m.need_id,
            offer_id: m.offer_id,
            volunteer_id: m.volunteer_id,
            origin: m.origin.to_string(),
            status: m.status.to_string(),
            round_id: m.round_id,
            created_at: time(m.created_at),
            updated_at: time(m.updated_at),
            expires_at: m.expires_at.map(time),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ClaimBody {
    pub offer_id: Uuid,
}

/// A volunteer claims an open need with one of their offers: an accepted match.
#[utoipa::path(post, path = "/api/v1/needs/{id}/claim", tag = "matches", request_body = ClaimBody, params(("id" = Uuid, Path)),
    responses((status = 201, body = MatchView), (status = 404), (status = 409, description = "taken, full or not eligible")))]
pub async fn claim(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<ClaimBody>,
) -> Result<HttpResponse, ApiError> {
    let m = matches::claim(&ctx, &caller, *id, body.offer_id).await?;
    Ok(HttpResponse::Created().json(MatchView::from(m)))
}

#[derive(Deserialize, ToSchema)]
pub struct MatchBody {
    pub need_id: Uuid,
    pub offer_id: Uuid,
}

/// A coordinator proposes a need to an offer by hand.
#[utoipa::path(post, path = "/api/v1/matches", tag = "matches", request_body = MatchBody,
    responses((status = 201, body = MatchView), (status = 409), (status = 422)))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<MatchBody>,
) -> Result<HttpResponse, ApiError> {
    let m = matches::propose(&ctx, &caller, body.need_id, body.offer_id).await?;
    Ok(HttpResponse::Created().json(MatchView::from(m)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
    pub need: Option<Uuid>,
    pub offer: Option<Uuid>,
    /// A region code or prefix (the needs' region).
    pub region: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The matches the caller is party to or oversees.
#[utoipa::path(get, path = "/api/v1/matches", tag = "matches", params(ListQuery), responses((status = 200, body = Page<MatchView>)))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let bad = |field: &str| ApiError::field(field, Text::fixed("参数无效", "Invalid value"));
    let after = uuid_cursor(q.cursor.as_deref())?;
    let region = q
        .region
        .as_deref()
        .map(|r| crate::domain::RegionPrefix::parse(r).map_err(|_| bad("region")))
        .transpose()?;
    let status = q
        .status
        .as_deref()
        .map(str::parse::<MatchStatus>)
        .transpose()
        .map_err(|_| bad("status"))?;
    let query = match_reads::ListQuery {
        statuses: status.into_iter().collect(),
        need: q.need,
        offer: q.offer,
        region,
        newest_first: false,
    };
    let rows = match_reads::list(&ctx.db, &caller, query, after, limit + 1).await?;
    let views = rows.into_iter().map(MatchView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |m: &MatchView| {
            m.id.to_string()
        })),
    )
}

/// One match.
#[utoipa::path(get, path = "/api/v1/matches/{id}", tag = "matches", params(("id" = Uuid, Path)), responses((status = 200, body = MatchView), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(MatchView::from(
        match_reads::visible(&ctx.db, &caller, *id).await?,
    )))
}

/// One event of a match: a transition, or the volunteer's report that the
/// help was delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<Uuid>,
    /// `transition`, or `delivered` (the status stays `accepted`: `from`
    /// and `to` are both `accepted`).
    pub kind: String,
    pub from: Option<String>,
    pub to: String,
    pub note: Option<String>,
}

impl From<match_event::Model> for EventView {
    fn from(e: match_event::Model) -> Self {
        Self {
            at: time(e.at),
            actor_id: e.actor_id,
            kind: e.kind.to_string(),
            from: e.from_status.map(|s| s.to_string()),
            to: e.to_status.to_string(),
            note: e.note,
        }
    }
}

/// The history of a match (its transitions and delivery reports), oldest first.
#[utoipa::path(get, path = "/api/v1/matches/{id}/events", tag = "matches", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<EventView>), (status = 404), (status = 422)))]
pub async fn events(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    // Events are read by their key, `(at, id)`.
    let after = key_cursor(q.cursor.as_deref())?;
    let rows = match_reads::events(&ctx.db, &caller, *id, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |e| encode_key(e.at, e.id));
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(EventView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NoteBody {
    /// Why (required to cancel).
    pub reason: Option<String>,
    /// What the cadre saw (on completion).
    pub note: Option<String>,
}

async fn move_match(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    t: Transition,
    note: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let m = transitions::apply(ctx, Actor::Caller(caller), id, t, note)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(MatchView::from(m)))
}

/// The volunteer accepts a proposal.
#[utoipa::path(post, path = "/api/v1/matches/{id}/accept", tag = "matches", params(("id" = Uuid, Path)),
    responses((status = 200, body = MatchView), (status = 403), (status = 404), (status = 409)))]
pub async fn accept(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    move_match(&ctx, &caller, *id, Transition::Accept, None).await
}

/// The volunteer declines a proposal.
#[utoipa::path(post, path = "/api/v1/matches/{id}/decline", tag = "matches", params(("id" = Uuid, Path)), request_body = NoteBody,
    responses((status = 200, body = MatchView), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    OptionalJson(body): OptionalJson<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    move_match(
        &ctx,
        &caller,
        *id,
        Transition::Decline,
        body.reason.as_deref(),
    )
    .await
}

#[derive(Deserialize, ToSchema, Default)]
pub struct DeliveredBody {
    /// What was delivered, for the cadre (at most 1000 characters).
    pub note: Option<String>,
}

/// The volunteer says the help was delivered; the match stays `accepted`
/// until the need's cadre confirms it. Records a `delivered` event (with
/// the note) and emails the cadre who posted the need. Reporting again
/// while the match is accepted records another event but emails the cadre
/// no more: they are emailed once per match.
#[utoipa::path(post, path = "/api/v1/matches/{id}/delivered", tag = "matches", params(("id" = Uuid, Path)), request_body = DeliveredBody,
    responses((status = 200, body = MatchView), (status = 403), (status = 404), (status = 409, description = "the match is not accepted"), (status = 422)))]
pub async fn delivered(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    OptionalJson(body): OptionalJson<DeliveredBody>,
) -> Result<HttpResponse, ApiError> {
    let m = delivery::report(&ctx, &caller, *id, body.note.as_deref()).await?;
    Ok(HttpResponse::Ok().json(MatchView::from(m)))
}

/// The need's cadre confirms that the help arrived.
#[utoipa::path(post, path = "/api/v1/matches/{id}/complete", tag = "matches", params(("id" = Uuid, Path)), request_body = NoteBody,
    responses((status = 200, body = MatchView), (status = 403), (status = 404), (status = 409)))]
pub async fn complete(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    OptionalJson(body): OptionalJson<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    move_match(
        &ctx,
        &caller,
        *id,
        Transition::Complete,
        body.note.as_deref(),
    )
    .await
}

/// Cancels an accepted match, with a reason.
#[utoipa::path(post, path = "/api/v1/matches/{id}/cancel", tag = "matches", params(("id" = Uuid, Path)), request_body = NoteBody,
    responses((status = 200, body = MatchView), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn cancel(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    OptionalJson(body): OptionalJson<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    move_match(
        &ctx,
        &caller,
        *id,
        Transition::Cancel,
        body.reason.as_deref(),
    )
    .await
}
