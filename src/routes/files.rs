//! Answers that are files to save: a CSV or an Excel workbook.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::error::ApiError;
use crate::i18n::Text;

/// The formats of `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `csv` (also when absent) or `xlsx`; anything else is a 422 on `format`.
    pub fn parse(text: Option<&str>) -> Result<Self, ApiError> {
        match text.unwrap_or("csv") {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            _ => Err(ApiError::field(
                "format",
                Text::fixed("格式为 csv 或 xlsx", "format is csv or xlsx"),
            )),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// `bytes` as a download named `<stem>.<extension>`.
pub fn attachment(format: FileFormat, stem: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}.{}\"", format.extension()),
        ))
        .body(bytes)
}

/// A workbook that could not be written: a bug, never the caller's fault.
pub fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("xlsx: {e}"))
}
