//! Authentication and the route policy, applied to every request before it
//! reaches a handler: the token (bearer header or session cookie) becomes a
//! `Caller`, and the policy table decides whether the caller may go on.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use crate::context::AppContext;
use crate::error::{ApiError, problem_response};
use crate::i18n::Text;
use crate::policy::{self, Caller, Decision};
use crate::services::sessions;

/// The cookie that carries a web session's token.
pub const SESSION_COOKIE: &str = "huzhu_session";
/// The header that carries the session's CSRF token on API calls made with
/// the cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refuse(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// Resolves the caller and applies the policy table.
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(ctx) = req.app_data::<web::Data<AppContext>>().cloned() else {
        return Ok(refuse(
            req,
            ApiError::Internal(anyhow::anyhow!("no application context")),
        ));
    };
    let token = match bearer(&req) {
        Some(t) => Some((t, false)),
        None => req
            .cookie(SESSION_COOKIE)
            .map(|c| (c.value().to_owned(), true)),
    };
    let caller = match token {
        Some((t, via_cookie)) => match sessions::authenticate(&ctx.db, &t, via_cookie).await {
            Ok(caller) => caller,
            Err(e) => return Ok(refuse(req, e.into())),
        },
        None => None,
    };
    match policy::decide(req.method(), req.path()) {
        Decision::Unknown => return Ok(refuse(req, ApiError::NotFound)),
        Decision::OtherMethod => {}
        Decision::Rule(allow) => {
            if !allow.permits(caller.as_ref().map(|c| c.role)) {
                let err = if caller.is_some() {
                    ApiError::Forbidden
                } else {
                    ApiError::Unauthorized
                };
                return Ok(refuse(req, err));
            }
        }
    }
    if let Some(caller) = &caller
        && caller.is_staff_without_region()
        && policy::needs_region(req.method(), req.path())
    {
        // Fail closed: every list filters by the caller's region, and no
        // region would mean no filter. The account needs an admin's fix.
        // No id in the log (personal data); `huzhu` admins find such
        // accounts by their empty or malformed region.
        tracing::warn!("a cadre or coordinator without a readable region was refused");
        let why = Text::fixed(
            "您的账号没有有效的负责地区，请联系管理员设置",
            "Your account has no valid region; ask an administrator to set it",
        );
        return Ok(req.into_response(problem_response(StatusCode::FORBIDDEN, Some(&why), &[])));
    }
    if let Some(caller) = caller {
        // A cookie is sent by the browser on its own: API writes made with it
        // must prove they come from our pages. Pages check their forms.
        let api = req.path().starts_with("/api/");
        if caller.via_cookie && api && is_unsafe(req.method()) {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(caller.csrf_token.as_str()) {
                return Ok(refuse(req, ApiError::Forbidden));
            }
        }
        req.extensions_mut().insert(caller);
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// The caller when logged in, for routes open to anyone.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.extensions().get::<Caller>().cloned())))
    }
}

/// The client's address, for throttling.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}
