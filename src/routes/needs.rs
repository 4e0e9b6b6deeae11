//! `/needs`: posting, listing (near me), editing and cancelling needs, and a
//! need's candidate offers.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::cursor::encode_key;
use crate::domain::escalation::Acknowledgement;
use crate::domain::geo::GeoPoint;
use crate::domain::need::{NeedChanges, NeedFields, NewNeed};
use crate::domain::{Caller, Category, NeedStatus, RegionPrefix, Role};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::{Json, Page, PageQuery, Query, key_cursor, page_limit};
use crate::routes::households::time;
use crate::services::nearby::{self, Cursor, Order, coarse};
use crate::services::needs;
use crate::services::ranking::{self, Sight};
use crate::store::{self, entity::need, needs::NeedFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/needs")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/needs/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    )
    .service(web::resource("/needs/{id}/cancel").route(web::post().to(cancel)))
    .service(web::resource("/needs/{id}/acknowledge").route(web::post().to(acknowledge)))
    .service(web::resource("/needs/{id}/candidates").route(web::get().to(candidates)));
}

/// A need. Volunteers get no `household_id`, a point rounded to about 1 km
/// and distances from that point; staff get the exact point.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedView {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household_id: Option<Uuid>,
    pub category: String,
    pub title: String,
    pub description: String,
    pub urgency: i16,
    /// `open`, `matched`, `fulfilled` or `cancelled`.
    pub status: String,
    pub region: String,
    pub region_name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub posted_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// From `near`, in km to 0.1 km; only when `near` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Staff only: `township` or `county` once the need escalated (周调度),
    /// null before.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub escalation: Option<Option<String>>,
    /// Staff only: when it first escalated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub escalated_at: Option<Option<chrono::DateTime<chrono::Utc>>>,
    /// Staff only: an acknowledgement silences re-alerts until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub follow_up_at: Option<Option<chrono::DateTime<chrono::Utc>>>,
    /// One need's view to staff: each level it escalated to, and each
    /// acknowledgement, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalations: Option<Vec<EscalationView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledgements: Option<Vec<AcknowledgementView>>,
}

/// A level a need escalated to, when, and whose coordinators it reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationView {
    pub level: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The township's or county's code.
    pub to_region: String,
    pub to_region_name: String,
}

/// What a coordinator said they would do, and when they will look again.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcknowledgementView {
    pub by_id: Uuid,
    pub by_name: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub note: String,
    /// `YYYY-MM-DD`.
    pub follow_up: String,
}

/// Whether the caller gets the public view.
fn public(caller: &Caller) -> bool {
    caller.role == Role::Volunteer
}

pub fn view(
    n: need::Model,
    region_name: String,
    public: bool,
    distance_m: Option<i64>,
) -> NeedView {
    let (lat, lon) = match (n.lat, n.lon, public) {
        (Some(lat), Some(lon), true) => (Some(coarse(lat)), Some(coarse(lon))),
        (lat, lon, _) => (lat, lon),
    };
    NeedView {
        id: n.id,
        household_id: (!public).then_some(n.household_id),
        category: n.category.to_string(),
        title: n.title,
        description: n.description,
        urgency: n.urgency,
        status: n.status.to_string(),
        region: n.region,
        region_name,
        lat,
        lon,
        posted_at: time(n.posted_at),
        updated_at: time(n.updated_at),
        cancel_reason: if public { None } else { n.cancel_reason },
        distance_km: distance_m.map(nearby::shown_km),
        escalation: (!public).then(|| n.escalation.map(|l| l.to_string())),
        escalated_at: (!public).then(|| n.escalated_at.map(time)),
        follow_up_at: (!public).then(|| n.follow_up_at.map(time)),
        escalations: None,
        acknowledgements: None,
    }
}

/// Views of a page of needs, with their regions' names.
pub async fn views(
    ctx: &AppContext,
    rows: Vec<(need::Model, Option<i64>)>,
    public: bool,
) -> Result<Vec<NeedView>, ApiError> {
    let names = store::regions::names(&ctx.db, rows.iter().map(|(n, _)| n.region.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|(n, d)| {
            let name = names.get(&n.region).cloned().unwrap_or_default();
            view(n, name, public, d)
        })
        .collect())
}

#[derive(Deserialize, ToSchema)]
pub struct NeedBody {
    pub household_id: Option<Uuid>,
    /// A category code of docs/matching.md (or its Chinese name).
    pub category: Option<String>,
    /// Up to 200 characters.
    pub title: Option<String>,
    /// Up to 4,000 characters.
    pub description: Option<String>,
    /// 1 to 3 (3 most urgent).
    #[serde(default, deserialize_with = "crate::routes::extract::whole")]
    pub urgency: Option<i64>,
}

impl NeedBody {
    pub fn fields(&self) -> NeedFields<'_> {
        NeedFields {
            category: self.category.as_deref(),
            title: self.title.as_deref(),
            description: self.description.as_deref(),
            urgency: self.urgency,
        }
    }
}

impl TryFrom<NeedBody> for NewNeed {
    type Error = ApiError;

    fn try_from(b: NeedBody) -> Result<Self, ApiError> {
        Ok(NewNeed::parse(b.household_id, b.fields())?)
    }
}

/// A PATCH names only what changes; each named field must parse.
impl TryFrom<NeedBody> for NeedChanges {
    type Error = ApiError;

    fn try_from(b: NeedBody) -> Result<Self, ApiError> {
        Ok(NeedChanges::parse(b.fields())?)
    }
}

/// Posts a need of a household (its cadre).
#[utoipa::path(post, path = "/api/v1/needs", tag = "needs", request_body = NeedBody,
    responses((status = 201, body = NeedView), (status = 409, description = "the household has an open need in this category: its id is the problem's `existing_id`"), (status = 422)))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<NeedBody>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::create(&ctx, &caller, body.try_into()?).await?;
    let mut page = views(&ctx, vec![(need, None)], false).await?;
    Ok(HttpResponse::Created().json(page.remove(0)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open`, `matched`, `fulfilled` or `cancelled` (volunteers: open only).
    pub status: Option<String>,
    pub category: Option<String>,
    /// A region code or prefix.
    pub region: Option<String>,
    /// `LAT,LON`: nearest first, with `distance_km`.
    pub near: Option<String>,
    /// Staff only: `township` or `county`, the needs escalated that far;
    /// `any` for both.
    pub escalation: Option<String>,
    /// With `near`: how far, 0 to 500 km (default 50).
    pub within_km: Option<f64>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ApiError {
    ApiError::field(field, Text::fixed(zh, en))
}

fn filter_of(caller: &Caller, q: &ListQuery) -> Result<NeedFilter, ApiError> {
    let mut filter = NeedFilter::default();
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match (public(caller), status.map(str::parse::<NeedStatus>)) {
        (true, None | Some(Ok(NeedStatus::Open))) => filter.statuses = vec![NeedStatus::Open],
        (true, Some(_)) => {
            return Err(invalid(
                "status",
                "爱心人士只能查看待匹配的需求",
                "Volunteers see open needs only",
            ));
        }
        (false, None) => {}
        (false, Some(s)) => {
            let s = s.map_err(|_| invalid("status", "状态不存在", "Unknown status"))?;
            filter.statuses = vec![s];
        }
    }
    if let Some(c) = q.category.as_deref() {
        let c = c
            .parse::<Category>()
            .map_err(|_| invalid("category", "类别不存在", "Unknown category"))?;
        filter.category = Some(c);
    }
    if let Some(e) = q
        .escalation
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        if public(caller) {
            return Err(invalid(
                "escalation",
                "爱心人士不能按上报级别筛选",
                "Volunteers cannot filter by escalation",
            ));
        }
        filter.escalation = Some(match e {
            "any" => None,
            e => Some(e.parse().map_err(|_| {
                invalid(
                    "escalation",
                    "上报级别应为 township、county 或 any",
                    "escalation is township, county or any",
                )
            })?),
        });
    }
    if let Some(r) = q.region.as_deref() {
        filter.regions.push(
            RegionPrefix::parse(r)
                .map_err(|_| invalid("region", "地区代码格式不正确", "Not a region code"))?,
        );
    }
    Ok(filter)
}

fn parse_near(text: &str) -> Result<GeoPoint, ApiError> {
    let bad = || invalid("near", "near 应为“纬度,经度”", "near is LAT,LON");
    let (lat, lon) = text.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
        Ok(GeoPoint::new(lat, lon))
    } else {
        Err(bad())
    }
}

/// Lists needs: newest first, or nearest first with `near`.
#[utoipa::path(get, path = "/api/v1/needs", tag = "needs", params(ListQuery), responses((status = 200, body = Page<NeedView>), (status = 422)))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let filter = filter_of(&caller, &q)?;
    let after = q.cursor.as_deref().map(Cursor::parse).transpose()?;
    // Checked with or without `near`: a bad value is refused, not ignored.
    q.within_km.map(nearby::check_within).transpose()?;
    let order = match q.near.as_deref() {
        Some(near) => Order::Nearest {
            origin: parse_near(near)?,
            within_km: q.within_km.unwrap_or(50.0),
        },
        None => Order::Newest,
    };
    let page = nearby::list(&ctx.db, &caller, filter, order, after, limit).await?;
    let items = views(&ctx, page.items, public(&caller)).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One need.
#[utoipa::path(get, path = "/api/v1/needs/{id}", tag = "needs", params(("id" = Uuid, Path)), responses((status = 200, body = NeedView), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::visible(&ctx, &caller, *id).await?;
    let escalated = need.escalation.is_some() && !public(&caller);
    let mut view = views(&ctx, vec![(need, None)], public(&caller))
        .await?
        .remove(0);
    if escalated {
        with_history(&ctx, &mut view).await?;
    }
    Ok(HttpResponse::Ok().json(view))
}

/// Adds a need's escalations and acknowledgements to its staff view.
async fn with_history(ctx: &AppContext, view: &mut NeedView) -> Result<(), ApiError> {
    let (raised, acknowledged) = store::escalations::history(&ctx.db, view.id).await?;
    let names = store::regions::names(
        &ctx.db,
        raised
            .iter()
            .map(|e| crate::domain::region::padded_code(&e.to_region)),
    )
    .await?;
    let mut people = std::collections::HashMap::new();
    for a in &acknowledged {
        if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(a.by_id) {
            let name = store::accounts::user_by_id(&ctx.db, a.by_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            slot.insert(name);
        }
    }
    view.escalations = Some(
        raised
            .into_iter()
            .map(|e| EscalationView {
                level: e.level.to_string(),
                at: time(e.at),
                to_region_name: names
                    .get(&crate::domain::region::padded_code(&e.to_region))
                    .cloned()
                    .unwrap_or_default(),
                to_region: e.to_region,
            })
            .collect(),
    );
    view.acknowledgements = Some(
        acknowledged
            .into_iter()
            .map(|a| AcknowledgementView {
                by_name: people.get(&a.by_id).cloned().unwrap_or_default(),
                by_id: a.by_id,
                at: time(a.at),
                note: a.note,
                follow_up: a.follow_up,
            })
            .collect(),
    );
    Ok(())
}

#[derive(Deserialize, ToSchema)]
pub struct AcknowledgeBody {
    /// What will be done, 1–1000 characters.
    pub note: Option<String>,
    /// `YYYY-MM-DD`: from tomorrow to 90 days ahead; no re-alert before.
    pub follow_up: Option<String>,
}

/// A coordinator acknowledges an escalated open need in reach.
#[utoipa::path(post, path = "/api/v1/needs/{id}/acknowledge", tag = "needs", request_body = AcknowledgeBody, params(("id" = Uuid, Path)),
    responses((status = 200, body = NeedView), (status = 403), (status = 404), (status = 409, description = "not open, or not escalated"), (status = 422)))]
pub async fn acknowledge(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<AcknowledgeBody>,
) -> Result<HttpResponse, ApiError> {
    let ack = Acknowledgement::parse(
        body.note.as_deref().unwrap_or_default(),
        body.follow_up.as_deref().unwrap_or_default(),
        ctx.settings.timezone,
        store::now_ms(),
    )?;
    let need = crate::services::escalations::acknowledge(&ctx, &caller, *id, ack).await?;
    let mut view = views(&ctx, vec![(need, None)], false).await?.remove(0);
    with_history(&ctx, &mut view).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes an open need (its cadre).
#[utoipa::path(patch, path = "/api/v1/needs/{id}", tag = "needs", request_body = NeedBody, params(("id" = Uuid, Path)),
    responses((status = 200, body = NeedView), (status = 404), (status = 409, description = "not open, or another open need of the household has the new category (its id is the problem's `existing_id`)"), (status = 422)))]
pub async fn update(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<NeedBody>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::update(&ctx, &caller, *id, body.try_into()?).await?;
    let mut page = views(&ctx, vec![(need, None)], false).await?;
    Ok(HttpResponse::Ok().json(page.remove(0)))
}

#[derive(Deserialize, ToSchema)]
pub struct ReasonBody {
    pub reason: String,
}

/// Cancels an open need, with a reason.
#[utoipa::path(post, path = "/api/v1/needs/{id}/cancel", tag = "needs", request_body = ReasonBody, params(("id" = Uuid, Path)),
    responses((status = 200, body = NeedView), (status = 404), (status = 409), (status = 422)))]
pub async fn cancel(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<ReasonBody>,
) -> Result<HttpResponse, ApiError> {
    let need = needs::cancel(&ctx, &caller, *id, &body.reason).await?;
    let mut page = views(&ctx, vec![(need, None)], false).await?;
    Ok(HttpResponse::Ok().json(page.remove(0)))
}

/// An offer that could take a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub offer_id: Uuid,
    pub volunteer_id: Uuid,
    /// From the offer's point, rounded to ~1 km for cadres.
    pub distance_km: f64,
    /// docs/matching.md's cost of the pair (lower is better): coordinators and
    /// admins only, since it holds the exact distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    /// The cost as the caller sees the points: what the cursor continues.
    #[serde(skip)]
    rank: i64,
}

/// Eligible offers with free capacity for a need, best first.
#[utoipa::path(get, path = "/api/v1/needs/{id}/candidates", tag = "needs", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<CandidateView>), (status = 404)))]
pub async fn candidates(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let after = key_cursor(q.cursor.as_deref())?;
    let need = needs::visible(&ctx, &caller, *id).await?;
    let sight = Sight::of_offers_for(caller.role);
    let ranked = ranking::candidates(&ctx.db, &need, sight, after, limit).await?;
    let rows: Vec<CandidateView> = ranked
        .into_iter()
        .map(|r| CandidateView {
            offer_id: r.item.id,
            volunteer_id: r.item.volunteer_id,
            distance_km: nearby::shown_km(r.distance_m),
            cost: (sight == Sight::Exact).then_some(r.cost),
            rank: r.cost,
        })
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(rows, limit, |c: &CandidateView| {
            encode_key(c.rank, c.offer_id)
        })),
    )
}
