//! The one mapping from anything that went wrong to an RFC 9457
//! `application/problem+json` answer, titled in the request's language.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::i18n::{self, Text};
use crate::services::ServiceError;
use crate::store::{self, Outage};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::domain::FieldError;

/// Every error an HTTP handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request")]
    BadRequest(Text),
    #[error("not logged in")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    /// 403 with the reason in `detail`.
    #[error("not allowed, with a reason")]
    Refused(Text),
    /// Also for what the caller may not see, so its existence does not leak.
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict")]
    Conflict(Text),
    /// A conflict with an item that exists: 409 with its id as
    /// `existing_id`, for the client to go to it.
    #[error("conflict with an existing item")]
    Duplicate { existing: uuid::Uuid, detail: Text },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("invalid field values")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503: the database is away or swamped, or huzhu has more requests
    /// than it serves at once; `Retry-After` says when to come back.
    #[error("service unavailable")]
    Unavailable(Text),
    #[error("service unavailable for now")]
    Outage(Outage),
    /// Anything unexpected: the client sees an opaque 500, the log the cause.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        if let Some(outage) = err.outage() {
            return Self::Outage(outage);
        }
        match err {
            ServiceError::Invalid(errors) => Self::Validation(errors),
            ServiceError::Conflict(detail) => Self::Conflict(detail),
            ServiceError::Duplicate { existing, why } => Self::Duplicate {
                existing,
                detail: why,
            },
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Forbidden => Self::Forbidden,
            ServiceError::Refused(why) => Self::Refused(why),
            ServiceError::Unauthorized => Self::Unauthorized,
            ServiceError::Throttled { retry_after_secs } => {
                Self::TooManyRequests { retry_after_secs }
            }
            ServiceError::Db(e) => Self::Internal(e.into()),
            ServiceError::Internal(e) => Self::Internal(e),
        }
    }
}

/// A request's fields that did not parse: 422 with every error.
impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        match store::outage(&err) {
            Some(outage) => Self::Outage(outage),
            None => Self::Internal(err.into()),
        }
    }
}

/// What a person is told of an outage, and when to try again (seconds).
pub fn outage_text(outage: Outage) -> (Text, u64) {
    match outage {
        Outage::Busy => (
            Text::fixed(
                "服务繁忙，请稍后再试",
                "huzhu is busy; please try again shortly",
            ),
            1,
        ),
        Outage::Down => (
            Text::fixed(
                "数据库暂时无法连接，请稍后再试",
                "The database cannot be reached for now; please try again shortly",
            ),
            5,
        ),
        Outage::Full => (
            Text::fixed(
                "存储空间已满，暂时无法保存；查看不受影响。请联系管理员",
                "The storage is full: nothing can be saved for now, reading still works. Tell an administrator",
            ),
            30,
        ),
    }
}

impl ApiError {
    /// A validation error on a single field.
    pub fn field(field: impl Into<String>, message: Text) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn detail(&self) -> Option<&Text> {
        match self {
            Self::BadRequest(t) | Self::Conflict(t) | Self::Unavailable(t) | Self::Refused(t) => {
                Some(t)
            }
            Self::Duplicate { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// The kind of a problem: its stable type URI and its title in both languages.
struct Kind {
    slug: &'static str,
    title: Text,
}

fn kind_of(status: StatusCode) -> Kind {
    let (slug, zh, en) = match status.as_u16() {
        400 => ("bad-request", "请求格式错误", "Malformed request"),
        401 => ("unauthorized", "未登录", "Not logged in"),
        403 => ("forbidden", "无权执行此操作", "Not allowed"),
        404 => ("not-found", "未找到", "Not found"),
        405 => (
            "method-not-allowed",
            "不支持此请求方法",
            "Method not allowed",
        ),
        409 => (
            "conflict",
            "与当前状态冲突",
            "Conflict with the current state",
        ),
        413 => ("payload-too-large", "请求体过大", "Request body too large"),
        415 => (
            "unsupported-media-type",
            "不支持的内容类型",
            "Unsupported content type",
        ),
        422 => ("validation", "字段值无效", "Invalid field values"),
        429 => ("too-many-requests", "请求过于频繁", "Too many requests"),
        503 => ("unavailable", "服务暂不可用", "Service unavailable"),
        s if s >= 500 => ("internal", "服务器内部错误", "Internal server error"),
        _ => (
            "client-error",
            "请求无法处理",
            "The request cannot be handled",
        ),
    };
    Kind {
        slug,
        title: Text::fixed(zh, en),
    }
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldErrorBody<'a>>,
    /// The item a 409 conflicts with, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    existing_id: Option<String>,
}

#[derive(Serialize)]
struct FieldErrorBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<u64>,
    field: &'a str,
    message: &'a str,
}

/// Builds a problem+json response for `status` in the current request's
/// language. Used for our own errors and for actix's bare error responses.
pub fn problem_response(
    status: StatusCode,
    detail: Option<&Text>,
    errors: &[FieldError],
) -> HttpResponse {
    problem_with(status, detail, errors, None)
}

/// [`problem_response`], naming the existing item a conflict is with.
fn problem_with(
    status: StatusCode,
    detail: Option<&Text>,
    errors: &[FieldError],
    existing: Option<uuid::Uuid>,
) -> HttpResponse {
    let locale = i18n::current();
    let kind = kind_of(status);
    let body = ProblemBody {
        type_: format!("urn:huzhu:problem:{}", kind.slug),
        title: kind.title.get(locale),
        status: status.as_u16(),
        detail: detail.map(|d| d.get(locale)),
        errors: errors
            .iter()
            .map(|e| FieldErrorBody {
                row: e.row,
                field: &e.field,
                message: e.message.get(locale),
            })
            .collect(),
        existing_id: existing.map(|id| id.to_string()),
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned());
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CONTENT_LANGUAGE, locale.as_str()))
        .body(json)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::Duplicate { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Outage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            // The client gets an opaque body; the whole chain goes to the log.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let errors = match self {
            Self::Validation(errors) => errors.as_slice(),
            _ => &[],
        };
        let too_large;
        let outage = match self {
            Self::Outage(o) => Some(outage_text(*o)),
            _ => None,
        };
        let detail = match self {
            Self::Outage(_) => outage.as_ref().map(|(t, _)| t),
            Self::PayloadTooLarge { limit } => {
                too_large = Text::owned(
                    format!("请求体不能超过 {} 字节", limit),
                    format!("The body may not exceed {limit} bytes"),
                );
                Some(&too_large)
            }
            _ => self.detail(),
        };
        let existing = match self {
            Self::Duplicate { existing, .. } => Some(*existing),
            _ => None,
        };
        let mut response = problem_with(self.status_code(), detail, errors, existing);
        if matches!(self, Self::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry_after = match self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            Self::Outage(_) => outage.as_ref().map(|(_, secs)| *secs),
            Self::Unavailable(_) => Some(5),
            _ => None,
        };
        if let Some(retry_after_secs) = retry_after
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Runs the request in the language picked on a page (the cookie) or else
/// the one its `Accept-Language` asks for (a page session then runs in its
/// account's language, see `guard::authorize`), and turns
/// any error answer that is not yet problem+json (actix's own 404, 405, 413…)
/// into one, so that every error has the same shape.
pub async fn problem_layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The cookie is the pages' choice; an API client with a token keeps
    // choosing by `Accept-Language`, whatever cookies it carries.
    let picked = req
        .cookie(i18n::LOCALE_COOKIE)
        .filter(|_| !req.headers().contains_key(header::AUTHORIZATION))
        .and_then(|c| i18n::Locale::parse(c.value()));
    let locale = picked.unwrap_or_else(|| {
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        i18n::Locale::from_accept_language(accept)
    });
    // Inner services turn errors into responses; an `Err` only comes from a
    // middleware, and actix renders it through `ResponseError` all the same.
    i18n::with_locale(locale, async move {
        let res = next.call(req).await?;
        Ok(ensure_problem(res.map_into_boxed_body()))
    })
    .await
}

/// Rewrites actix's own bare error answers (no body type: 404, 405, 413…)
/// as problems, keeping their headers (`Allow` on a 405). Answers that chose
/// a body, such as a page's HTML, are left alone.
fn ensure_problem(res: ServiceResponse) -> ServiceResponse {
    let status = res.status();
    let has_body_type = res.headers().contains_key(header::CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error()) || has_body_type {
        return res;
    }
    let kept: Vec<_> = res
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::CONTENT_LENGTH)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut problem = problem_response(status, None, &[]);
    for (name, value) in kept {
        problem.headers_mut().append(name, value);
    }
    res.into_response(problem)
}
