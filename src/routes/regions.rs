//! `GET /regions` and `GET /regions/{code}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppContext;
use crate::domain::{RegionCode, RegionPrefix};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::{Page, Query, page_limit};
use crate::store;
use crate::store::entity::region;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/regions").route(web::get().to(list)))
        .service(web::resource("/regions/{code}").route(web::get().to(get)));
}

/// A region as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    /// The 12-digit administrative code.
    pub code: String,
    pub name: String,
    /// `county`, `township` or `village`.
    pub level: String,
    pub parent_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl From<region::Model> for RegionView {
    fn from(m: region::Model) -> Self {
        Self {
            code: m.code,
            name: m.name,
            level: m.level.to_string(),
            parent_code: m.parent_code,
            lat: m.lat,
            lon: m.lon,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The region whose children to list (a code or its significant prefix);
    /// without it, the counties.
    pub parent: Option<String>,
    /// How many items at most (1 to 500, default 50).
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn code_error(field: &str) -> ApiError {
    ApiError::field(
        field,
        Text::fixed(
            "地区代码为 12 位数字（或 6、9 位前缀）",
            "A region code is 12 digits (or a 6- or 9-digit prefix)",
        ),
    )
}

/// Lists the children of a region, by code.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(ListQuery),
    responses((status = 200, body = Page<RegionView>), (status = 422, description = "invalid parameter")))]
pub async fn list(
    ctx: web::Data<AppContext>,
    Query(q): Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let parent = match q.parent.as_deref() {
        Some(text) => Some(
            RegionPrefix::parse(text)
                .map_err(|_| code_error("parent"))?
                .code(),
        ),
        None => None,
    };
    let cursor = match q.cursor.as_deref() {
        Some(text) => Some(RegionCode::parse(text).map_err(|_| code_error("cursor"))?),
        None => None,
    };
    let rows = store::regions::list_children(
        &ctx.db,
        parent.as_deref(),
        cursor.as_ref().map(RegionCode::as_str),
        limit + 1,
    )
    .await?;
    let views = rows.into_iter().map(RegionView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |r: &RegionView| {
            r.code.clone()
        })),
    )
}

/// One region by its code.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "12-digit region code")),
    responses((status = 200, body = RegionView), (status = 404, description = "no such region")))]
pub async fn get(
    ctx: web::Data<AppContext>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = RegionCode::parse(&code).map_err(|_| {
        ApiError::BadRequest(Text::fixed(
            "路径中的地区代码应为 12 位数字",
            "The region code in the path must be 12 digits",
        ))
    })?;
    let region = store::regions::find(&ctx.db, code.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(RegionView::from(region)))
}
