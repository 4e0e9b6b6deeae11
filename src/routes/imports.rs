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

/// A spreadsheet sent as `multipart/form-data`: the bytes of its field
/// `file`, and the short text fields beside it (a page's `csrf_token`).
pub struct Upload {
    pub bytes: Vec<u8>,
    /// The file's name as the sender gave it (empty when none was chosen).
    pub file_name: String,
    fields: Vec<(String, String)>,
}

impl Upload {
    /// The text field `name`, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why an upload was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    NotMultipart,
    TooLarge,
    Malformed,
    NoFile,
}

impl UploadError {
    /// What went wrong, for a person.
    pub fn message(self) -> Text {
        match self {
            Self::NotMultipart => Text::fixed(
                "请以 multipart/form-data 表单上传文件",
                "Upload the file as multipart/form-data",
            ),
            Self::TooLarge => Text::owned(
                format!("文件超过 {} MB，请分成几个文件", IMPORT_LIMIT >> 20),
                format!(
                    "The file is larger than {} MB; split it into smaller files",
                    IMPORT_LIMIT >> 20
                ),
            ),
            Self::Malformed => Text::fixed("上传的表单格式错误", "Malformed multipart upload"),
            Self::NoFile => {
                Text::fixed("缺少文件字段 file", "The multipart field `file` is missing")
            }
        }
    }

    /// The status an upload page answers with.
    pub fn page_status(self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::NotMultipart => ApiError::UnsupportedMediaType,
            UploadError::TooLarge => ApiError::PayloadTooLarge {
                limit: IMPORT_LIMIT,
            },
            UploadError::Malformed => ApiError::BadRequest(e.message()),
            UploadError::NoFile => ApiError::field("file", e.message()),
        }
    }
}

/// The most text fields an upload may carry beside its file, and their
/// most bytes each: a form token and a few more, never a second file.
const MAX_TEXT_FIELDS: usize = 8;
const MAX_TEXT_FIELD: usize = 1024;

/// Whether the request says it is `multipart/form-data`.
pub fn is_multipart(head: &actix_web::dev::RequestHead) -> bool {
    head.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a spreadsheet upload: refused before reading when the headers
/// already show it is no multipart form or too large, and never read past
/// [`IMPORT_LIMIT`]. The API and the import page both read files this way.
pub async fn read_upload(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<Upload, UploadError> {
    if !is_multipart(req.head()) {
        return Err(UploadError::NotMultipart);
    }
    if req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n > IMPORT_LIMIT + 64 * 1024)
    {
        return Err(UploadError::TooLarge);
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut fields = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| UploadError::Malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .to_owned();
            let bytes = read_field(&mut field, IMPORT_LIMIT)
                .await?
                .ok_or(UploadError::TooLarge)?;
            // Fields after the file are not read: a page puts its token first.
            return Ok(Upload {
                bytes,
                file_name,
                fields,
            });
        }
        let value = read_field(&mut field, MAX_TEXT_FIELD)
            .await?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(UploadError::Malformed)?;
        if fields.len() == MAX_TEXT_FIELDS {
            return Err(UploadError::Malformed);
        }
        fields.push((name, value));
    }
    Err(UploadError::NoFile)
}

/// A field's bytes, or `None` past `limit`.
async fn read_field(
    field: &mut actix_multipart::Field,
    limit: usize,
) -> Result<Option<Vec<u8>>, UploadError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| UploadError::Malformed)?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// Imports households and needs from an .xlsx or .csv file (UTF-8 or
/// GB18030), all or nothing; every bad row is listed. The region column
/// (`region`, 地区代码 or 地区) takes a 12-digit code or the name of a
/// village or township in the caller's reach.
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
    let bytes = read_upload(&req, payload).await?.bytes;
    let dry_run = q.dry_run.unwrap_or(false);
    let summary = household_import::import(&ctx.db, &caller, &bytes, dry_run, &|_, _| {}).await?;
    if !dry_run && summary.created_needs > 0 {
        crate::services::pairings::catch_up(&ctx).await?;
    }
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
