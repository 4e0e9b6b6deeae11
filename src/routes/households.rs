//! `/households`: registering and reading households (staff in reach), their
//! export, and the spreadsheet import.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::household::input::{self, HouseholdChanges, HouseholdFields, NewHousehold};
use crate::domain::household::parse_tags;
use crate::error::ApiError;
use crate::routes::extract::region_filter;
use crate::routes::extract::{Json, Page, Query, page_limit, uuid_cursor};
use crate::services::households;
use crate::store::entity::household;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/households")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/households/export").route(web::get().to(super::imports::export)))
    .service(
        web::resource("/households/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// A household, with its personal data: only staff in reach see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: Uuid,
    pub region: String,
    pub head_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub members: i32,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Tag codes: chronic_illness, disability, elderly_alone, left_behind_child,
    /// no_labour_capacity, marginal.
    pub tags: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// When its personal data was erased after the retention period (PIPL
    /// Art. 47): `head_name` is then empty and `id_number`, `phone`, `lat`,
    /// `lon` and `tags` are null or empty; null while it is kept.
    pub erased_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl From<household::Model> for HouseholdView {
    fn from(h: household::Model) -> Self {
        Self {
            tags: parse_tags(&h.tags)
                .unwrap_or_default()
                .iter()
                .map(|t| t.code().to_owned())
                .collect(),
            id: h.id,
            region: h.region,
            head_name: h.head_name,
            id_number: h.id_number,
            phone: h.phone,
            members: h.members,
            lat: h.lat,
            lon: h.lon,
            created_at: time(h.created_at),
            updated_at: time(h.updated_at),
            erased_at: h.erased_at.map(time),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct HouseholdBody {
    pub region: Option<String>,
    pub head_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub id_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::routes::extract::whole")]
    pub members: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub lat: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub lon: Option<Option<f64>>,
    pub tags: Option<Vec<String>>,
}

/// Tells a field set to null (`Some(None)`) from one left out (`None`).
pub fn present<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// The body as the fields the domain's parsers read.
impl From<HouseholdBody> for HouseholdFields {
    fn from(b: HouseholdBody) -> Self {
        Self {
            region: b.region,
            head_name: b.head_name,
            id_number: b.id_number,
            phone: b.phone,
            members: b.members,
            lat: b.lat,
            lon: b.lon,
            tags: b.tags,
        }
    }
}

/// The body as a new household, or every field's error.
fn new_household(body: HouseholdBody) -> Result<NewHousehold, ApiError> {
    Ok(NewHousehold::try_from(HouseholdFields::from(body))?)
}

/// The body as changes (a PATCH names only what changes), or every
/// field's error.
fn changes(body: HouseholdBody) -> Result<HouseholdChanges, ApiError> {
    Ok(HouseholdChanges::try_from(HouseholdFields::from(body))?)
}

/// Registers a household in the caller's region.
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdBody,
    responses((status = 201, body = HouseholdView), (status = 409, description = "ID number already registered"), (status = 422)))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<HouseholdBody>,
) -> Result<HttpResponse, ApiError> {
    let household = households::create(&ctx, &caller, new_household(body)?).await?;
    Ok(HttpResponse::Created().json(HouseholdView::from(household)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A region code or prefix inside the caller's reach: a village, a
    /// township.
    pub region: Option<String>,
    /// Households whose head's name contains this text (at most 50
    /// characters; case aside, `%` and `_` matched as themselves).
    pub name: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The households in the caller's region, by when they were registered,
/// narrowed by region and by the head's name.
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(ListQuery),
    responses((status = 200, body = Page<HouseholdView>), (status = 422, description = "a bad region, name, limit or cursor")))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let search = households::Search {
        region: region_filter(q.region.as_deref())?,
        name: input::name_search(q.name.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::field("name", e))?,
    };
    let after = uuid_cursor(q.cursor.as_deref())?;
    let rows = households::list(&ctx, &caller, search, after, limit).await?;
    let views = rows.into_iter().map(HouseholdView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |h: &HouseholdView| {
            h.id.to_string()
        })),
    )
}

/// One household.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = Uuid, Path)), responses((status = 200, body = HouseholdView), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let household = households::get(&ctx, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(HouseholdView::from(household)))
}

/// Changes some fields of a household; its open needs move with it.
#[utoipa::path(patch, path = "/api/v1/households/{id}", tag = "households", request_body = HouseholdBody,
    params(("id" = Uuid, Path)), responses((status = 200, body = HouseholdView), (status = 404),
        (status = 409, description = "the household's personal data was erased"), (status = 422)))]
pub async fn update(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<HouseholdBody>,
) -> Result<HttpResponse, ApiError> {
    let household = households::update(&ctx, &caller, *id, changes(body)?).await?;
    Ok(HttpResponse::Ok().json(HouseholdView::from(household)))
}
