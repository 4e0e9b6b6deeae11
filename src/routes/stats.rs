//! `/stats`: the coordinators' figures over the caller's region, as JSON or
//! as a CSV or Excel file.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::Category;
use crate::domain::period::{Week, parse_instant};
use crate::error::ApiError;
use crate::i18n::{self, Text};
use crate::routes::extract::Query;
use crate::routes::extract::region_filter;
use crate::routes::files::{FileFormat, attachment, xlsx_failed};
use crate::services::export::figures;
use crate::services::stats::{self, BreakdownRow, Dimension, Figures, Scope};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/stats/summary").route(web::get().to(summary)))
        .service(web::resource("/stats/breakdown").route(web::get().to(breakdown)))
        .service(web::resource("/stats/export").route(web::get().to(export)))
        .service(web::resource("/stats/pairings").route(web::get().to(pairings)))
        .service(web::resource("/stats/pairings/export").route(web::get().to(pairings_export)));
}

/// Which needs the figures cover.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// A region code or prefix; the figures stay inside the caller's reach.
    pub region: Option<String>,
    /// Needs posted from this date or time (RFC 3339; a plain date is
    /// midnight in `HUZHU_TIMEZONE`).
    pub from: Option<String>,
    /// Needs posted before this date or time (exclusive).
    pub to: Option<String>,
    /// A category code.
    pub category: Option<String>,
    /// An ISO week such as `2026-W48`, instead of `from` and `to`.
    pub week: Option<String>,
    /// `township`, `village`, `category` or `week` (breakdown and export).
    pub by: Option<String>,
    /// `csv` (default) or `xlsx` (export).
    pub format: Option<String>,
}

impl StatsQuery {
    /// The scope asked for, inside the caller's reach.
    pub fn scope(&self, ctx: &AppContext, caller: &Caller) -> Result<Scope, ApiError> {
        let tz = ctx.settings.timezone;
        let region = region_filter(self.region.as_deref())?;
        let instant = |field: &'static str, text: Option<&str>| {
            text.map(|t| {
                parse_instant(t, tz).map_err(|_| {
                    ApiError::field(
                        field,
                        Text::fixed(
                            "应为 RFC 3339 日期或时间，如 2026-12-01",
                            "Expected an RFC 3339 date or time, e.g. 2026-12-01",
                        ),
                    )
                })
            })
            .transpose()
        };
        let mut from = instant("from", self.from.as_deref())?;
        let mut to = instant("to", self.to.as_deref())?;
        if let Some(text) = self.week.as_deref() {
            let week = Week::parse_key(text, tz).ok_or_else(|| {
                ApiError::field(
                    "week",
                    Text::fixed(
                        "应为 ISO 周，如 2026-W48",
                        "Expected an ISO week, e.g. 2026-W48",
                    ),
                )
            })?;
            from = from.or(Some(week.start));
            to = to.or(Some(week.end));
        }
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ApiError::field(
                "to",
                Text::fixed("结束时间应晚于开始时间", "to must be after from"),
            ));
        }
        let category = self
            .category
            .as_deref()
            .map(|c| {
                c.parse::<Category>().map_err(|_| {
                    ApiError::field("category", Text::fixed("未知的类别", "Unknown category"))
                })
            })
            .transpose()?;
        Ok(stats::scope_for(
            caller.region.as_ref(),
            region,
            from,
            to,
            category,
        ))
    }

    fn dimension(&self, default: Option<Dimension>) -> Result<Dimension, ApiError> {
        self.by
            .as_deref()
            .map(Dimension::parse)
            .unwrap_or(default)
            .ok_or_else(|| {
                ApiError::field(
                    "by",
                    Text::fixed(
                        "by 为 township、village、category 或 week",
                        "by is township, village, category or week",
                    ),
                )
            })
    }
}

/// PRODUCT.md's figures over the needs posted in `[from, to)` in the region.
#[utoipa::path(get, path = "/api/v1/stats/summary", tag = "stats", params(StatsQuery),
    responses((status = 200, body = Figures), (status = 422)))]
pub async fn summary(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = q.scope(&ctx, &caller)?;
    Ok(HttpResponse::Ok().json(stats::summary(&ctx.db, &scope).await?))
}

/// A breakdown's rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub rows: Vec<BreakdownRow>,
}

/// The same figures by township, village, category or week.
#[utoipa::path(get, path = "/api/v1/stats/breakdown", tag = "stats", params(StatsQuery),
    responses((status = 200, body = Breakdown), (status = 422)))]
pub async fn breakdown(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = q.scope(&ctx, &caller)?;
    let dimension = q.dimension(None)?;
    let rows = stats::breakdown(
        &ctx.db,
        &scope,
        dimension,
        ctx.settings.timezone,
        i18n::current(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Breakdown { rows }))
}

/// The breakdown (default by township) as a CSV or an Excel workbook with
/// a summary sheet.
#[utoipa::path(get, path = "/api/v1/stats/export", tag = "stats", params(StatsQuery),
    responses((status = 200, description = "text/csv or an .xlsx workbook"), (status = 422)))]
pub async fn export(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = FileFormat::parse(q.format.as_deref())?;
    let scope = q.scope(&ctx, &caller)?;
    let dimension = q.dimension(Some(Dimension::Township))?;
    let locale = i18n::current();
    let rows = stats::breakdown(&ctx.db, &scope, dimension, ctx.settings.timezone, locale).await?;
    let total = stats::summary(&ctx.db, &scope).await?;
    let bytes = match format {
        FileFormat::Xlsx => {
            figures::breakdown_xlsx(dimension, &rows, &total, locale).map_err(xlsx_failed)?
        }
        FileFormat::Csv => figures::breakdown_csv(dimension, &rows, &total, locale),
    };
    let stem = format!("huzhu-stats-{}", dimension.as_str());
    Ok(attachment(format, &stem, bytes))
}

/// The standing help's figures and their rows by township.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingStats {
    #[serde(flatten)]
    pub total: crate::services::pairing_figures::PairingFigures,
    pub rows: Vec<crate::services::pairing_figures::PairingRow>,
}

/// 户帮户亲帮亲 in figures: key households paired, visits due and done,
/// needs raised at visits and courtyard meetings and their fulfilment,
/// pairing-first against round match rates; over `[from, to)` (to: now).
#[utoipa::path(get, path = "/api/v1/stats/pairings", tag = "stats", params(StatsQuery),
    responses((status = 200, body = PairingStats), (status = 422)))]
pub async fn pairings(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = q.scope(&ctx, &caller)?;
    let (total, rows) =
        crate::services::pairing_figures::figures(&ctx.db, &scope, crate::store::now_ms()).await?;
    Ok(HttpResponse::Ok().json(PairingStats { total, rows }))
}

/// The same figures by township as a CSV file.
#[utoipa::path(get, path = "/api/v1/stats/pairings/export", tag = "stats", params(StatsQuery),
    responses((status = 200, description = "text/csv"), (status = 422)))]
pub async fn pairings_export(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    if q.format.as_deref().is_some_and(|f| f != "csv") {
        return Err(ApiError::field(
            "format",
            Text::fixed("目前只能导出 csv", "Only csv is offered for these figures"),
        ));
    }
    let scope = q.scope(&ctx, &caller)?;
    let (total, rows) =
        crate::services::pairing_figures::figures(&ctx.db, &scope, crate::store::now_ms()).await?;
    let bytes = crate::services::export::pairings::pairings_csv(&rows, &total, i18n::current());
    Ok(attachment(FileFormat::Csv, "huzhu-pairings", bytes))
}
