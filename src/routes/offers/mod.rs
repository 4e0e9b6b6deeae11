//! `/offers`: a volunteer's offers of help, their state, and the open needs
//! they could take.

mod body;

pub use body::OfferBody;
use body::radius_text;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::cursor::encode_key;
use crate::domain::offer::{NewOffer, OfferChanges};
use crate::domain::{Caller, OfferStatus};
use crate::error::ApiError;
use crate::matching::{CategorySet, Decimal};
use crate::routes::extract::{Json, Page, PageQuery, Query, key_cursor, page_limit, uuid_cursor};
use crate::routes::households::time;
use crate::routes::needs::{NeedView, views};
use crate::services::offers;
use crate::services::{nearby, ranking};
use crate::store::entity::offer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/offers")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/offers/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    )
    .service(web::resource("/offers/{id}/pause").route(web::post().to(pause)))
    .service(web::resource("/offers/{id}/resume").route(web::post().to(resume)))
    .service(web::resource("/offers/{id}/withdraw").route(web::post().to(withdraw)))
    .service(web::resource("/offers/{id}/suggestions").route(web::get().to(suggestions)));
}

/// An offer of help.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub categories: Vec<String>,
    pub lat: f64,
    pub lon: f64,
    /// The exact decimal the volunteer wrote, as a JSON number in plain
    /// form (`2.3`, `0.0015`; `1e2` reads `100`).
    #[schema(value_type = f64)]
    pub radius_km: Box<RawValue>,
    pub remote: bool,
    pub capacity: i32,
    /// Places not taken by proposed or accepted matches.
    pub free_capacity: i32,
    /// `active`, `paused` or `withdrawn`.
    pub status: String,
    pub available_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<offer::Model> for OfferView {
    fn from(o: offer::Model) -> Self {
        Self {
            id: o.id,
            volunteer_id: o.volunteer_id,
            categories: CategorySet(o.categories as u8)
                .iter()
                .map(|c| c.code().to_owned())
                .collect(),
            lat: o.lat,
            lon: o.lon,
            radius_km: radius_number(&o.radius_km, o.radius_m),
            remote: o.remote,
            capacity: o.capacity,
            free_capacity: (o.capacity - o.live_matches).max(0),
            status: o.status.to_string(),
            available_until: o.available_until.map(time),
            created_at: time(o.created_at),
            updated_at: time(o.updated_at),
        }
    }
}

/// The stored radius text as a JSON number. Written out raw rather than as
/// an `f64`, so that every digit the volunteer wrote comes back (`2.3` and
/// `123.456789012345678901` alike); `radius_m` decides matching on that
/// exact value. The stored text passed [`Decimal::parse`] when it was
/// written; should it ever not, the whole metres are the next best answer.
fn radius_number(text: &str, radius_m: i64) -> Box<RawValue> {
    Decimal::parse(text)
        .ok()
        .and_then(|d| RawValue::from_string(d.to_string()).ok())
        .or_else(|| serde_json::value::to_raw_value(&(radius_m as f64 / 1000.0)).ok())
        .unwrap_or_default()
}

/// Posts an offer (volunteers).
#[utoipa::path(post, path = "/api/v1/offers", tag = "offers", request_body = OfferBody, responses((status = 201, body = OfferView), (status = 422)))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<OfferBody>,
) -> Result<HttpResponse, ApiError> {
    let new = NewOffer::try_from(body)?;
    let offer = offers::create(&ctx, &caller, new).await?;
    Ok(HttpResponse::Created().json(OfferView::from(offer)))
}

/// The caller's offers (coordinators and admins: all).
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", params(PageQuery), responses((status = 200, body = Page<OfferView>)))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let after = uuid_cursor(q.cursor.as_deref())?;
    let rows = offers::list(&ctx, &caller, after, limit + 1).await?;
    let views = rows.into_iter().map(OfferView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |o: &OfferView| {
            o.id.to_string()
        })),
    )
}

/// One offer.
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "offers", params(("id" = Uuid, Path)), responses((status = 200, body = OfferView), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(OfferView::from(offers::visible(&ctx, &caller, *id).await?)))
}

/// Changes the caller's offer.
#[utoipa::path(patch, path = "/api/v1/offers/{id}", tag = "offers", request_body = OfferBody, params(("id" = Uuid, Path)),
    responses((status = 200, body = OfferView), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<OfferBody>,
) -> Result<HttpResponse, ApiError> {
    // In the order the API has always answered: a radius that is no number
    // at all (422), then an offer the caller cannot change (404, 409), then
    // the other fields (422).
    radius_text(body.radius_km.as_deref())?;
    let offer = offers::editable(&ctx, &caller, *id).await?;
    let changes = OfferChanges::try_from(body)?;
    let offer = offers::update(&ctx, offer, changes).await?;
    Ok(HttpResponse::Ok().json(OfferView::from(offer)))
}

async fn set_status(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    to: OfferStatus,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(OfferView::from(
        offers::set_status(ctx, caller, id, to).await?,
    )))
}

/// Pauses an active offer: it is not matched until resumed. Its volunteer
/// may, and so may a coordinator whose region's needs it was proposed on
/// (an admin: any offer), following up an offer that never accepts.
#[utoipa::path(post, path = "/api/v1/offers/{id}/pause", tag = "offers", params(("id" = Uuid, Path)), responses((status = 200, body = OfferView), (status = 404), (status = 409)))]
pub async fn pause(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_status(&ctx, &caller, *id, OfferStatus::Paused).await
}

/// Resumes a paused offer.
#[utoipa::path(post, path = "/api/v1/offers/{id}/resume", tag = "offers", params(("id" = Uuid, Path)), responses((status = 200, body = OfferView), (status = 409)))]
pub async fn resume(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_status(&ctx, &caller, *id, OfferStatus::Active).await
}

/// Withdraws an offer for good.
#[utoipa::path(post, path = "/api/v1/offers/{id}/withdraw", tag = "offers", params(("id" = Uuid, Path)), responses((status = 200, body = OfferView), (status = 409)))]
pub async fn withdraw(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_status(&ctx, &caller, *id, OfferStatus::Withdrawn).await
}

/// An open need the offer could take.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub need: NeedView,
    /// From the need's rounded point.
    pub distance_km: f64,
    /// The cost on the need's rounded point: what the cursor continues. Not
    /// shown: volunteers get no cost (API.md).
    #[serde(skip)]
    rank: i64,
}

/// Open needs the caller's offer could take, best first.
#[utoipa::path(get, path = "/api/v1/offers/{id}/suggestions", tag = "offers", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<SuggestionView>), (status = 404)))]
pub async fn suggestions(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let after = key_cursor(q.cursor.as_deref())?;
    let offer = offers::owned(&ctx, &caller, *id).await?;
    let ranked = ranking::suggestions(&ctx.db, &offer, after, limit).await?;
    let scores: Vec<(i64, i64)> = ranked.iter().map(|r| (r.distance_m, r.cost)).collect();
    let needs = views(
        &ctx,
        ranked.into_iter().map(|r| (r.item, None)).collect(),
        true,
    )
    .await?;
    let rows: Vec<SuggestionView> = needs
        .into_iter()
        .zip(scores)
        .map(|(need, (d, rank))| SuggestionView {
            need,
            distance_km: nearby::shown_km(d),
            rank,
        })
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(rows, limit, |s: &SuggestionView| {
            encode_key(s.rank, s.need.id)
        })),
    )
}
