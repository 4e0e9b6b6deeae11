//! `POST /imports/households` (a spreadsheet of households and their needs)
//! and `GET /households/export`.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppContext;
use crate::domain::Caller;
use crate::error::ApiError;
use crate::i18n::{self, Text};
use crate::routes::extract::Query;
use crate::routes::files::{FileFormat, attachment, xlsx_failed};
use crate::services::{export, household_import, households};

/// The largest spreadsheet accepted.
pub const IMPORT_LIMIT: usize = 20 << 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/imports/households").route(web::post().to(import)));
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and count, write nothing.
    pub dry_run: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportAnswer {
    pub created_households: usize,
    pub created_needs: usize,
    pub dry_run: bool,
}

/// Reads the multipart field `file`, refusing more than the limit.
async fn file_field(mut form: Multipart) -> Result<Vec<u8>, ApiError> {
    let malformed = || {
        ApiError::BadRequest(Text::fixed(
            "上传的表单格式错误",
            "Malformed multipart upload",
        ))
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| malformed())?;
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| malformed())?;
            if bytes.len() + chunk.len() > IMPORT_LIMIT {
                return Err(ApiError::PayloadTooLarge {
                    limit: IMPORT_LIMIT,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(bytes);
    }
    Err(ApiError::field(
        "file",
        Text::fixed("缺少文件字段 file", "The multipart field `file` is missing"),
    ))
}

/// Imports households and needs from an .xlsx or .csv file (UTF-8 or
/// GB18030), all or nothing; every bad row is listed.
#[utoipa::path(post, path = "/api/v1/imports/households", tag = "households", params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "field `file`: .xlsx or .csv"),
    responses((status = 200, body = ImportAnswer), (status = 413), (status = 415),
        (status = 422, description = "errors[] with row, field and message")))]
pub async fn import(
    ctx: web::Data<AppContext>,
    caller: Caller,
    req: actix_web::HttpRequest,
    Query(q): Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType);
    }
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n > IMPORT_LIMIT + 64 * 1024)
    {
        return Err(ApiError::PayloadTooLarge {
            limit: IMPORT_LIMIT,
        });
    }
    let bytes = file_field(Multipart::new(req.headers(), payload)).await?;
    let dry_run = q.dry_run.unwrap_or(false);
    let summary = household_import::import(&ctx.db, &caller, &bytes, dry_run, &|_, _| {}).await?;
    Ok(HttpResponse::Ok().json(ImportAnswer {
        created_households: summary.created_households,
        created_needs: summary.created_needs,
        dry_run,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The households of the caller's region as a CSV or Excel file.
#[utoipa::path(get, path = "/api/v1/households/export", tag = "households", params(ExportQuery),
    responses((status = 200, description = "text/csv or an .xlsx workbook"), (status = 422)))]
pub async fn export(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = FileFormat::parse(q.format.as_deref())?;
    let locale = i18n::current();
    let rows = households::export_rows(&ctx, &caller).await?;
    let bytes = match format {
        FileFormat::Xlsx => {
            export::households::households_xlsx(&rows, locale).map_err(xlsx_failed)?
        }
        FileFormat::Csv => export::households::households_csv(&rows, locale),
    };
    Ok(attachment(format, "households", bytes))
}
