//! Security headers on every answer: no MIME sniffing, no Referer (the
//! `/m/{token}/…` links carry tokens in their path), and a strict
//! Content-Security-Policy that keeps pages to huzhu's own scripts and
//! styles and out of other sites' frames.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue, InvalidHeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::settings::MapSettings;

/// The pages' policy. No inline script or style at all: the templates keep
/// their CSS in `/assets/` (see `assets.rs`), so a page that grows an inline
/// `style=""` or `<script>` breaks visibly instead of loosening this.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The pages' policy, built once from the settings (an application datum):
/// [`PAGE_POLICY`], plus, when map tiles are configured, images from their
/// server's origin and no other.
pub struct Policies {
    page: HeaderValue,
}

impl Policies {
    pub fn new(map: &MapSettings) -> Result<Self, InvalidHeaderValue> {
        let page = match &map.tiles {
            Some(tiles) => {
                HeaderValue::from_str(&format!("{PAGE_POLICY}; img-src 'self' {}", tiles.origin))?
            }
            None => HeaderValue::from_static(PAGE_POLICY),
        };
        Ok(Self { page })
    }
}

/// The vendored Swagger UI under `/docs/` loads only its own files (no
/// inline script), but its stylesheet draws its icons as `data:` SVG images,
/// and its logo is an inline SVG with one `<style>` block, allowed by its
/// hash alone (a Swagger UI upgrade that changes it leaves the logo grey,
/// nothing else).
pub const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; img-src 'self' data:; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers to every answer. The layers inside answer their
/// refusals and errors as responses (`guard`, `error::problem_layer`), so
/// an `Err` passed on here would be a bug of theirs; it goes on unchanged
/// (holding a copy of the request to render it would break actix's routing,
/// which needs the request unshared).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = if req.path() == "/docs" || req.path().starts_with("/docs/") {
        HeaderValue::from_static(DOCS_POLICY)
    } else {
        req.app_data::<web::Data<Policies>>()
            .map_or(HeaderValue::from_static(PAGE_POLICY), |p| p.page.clone())
    };
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    for (name, value) in [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::CONTENT_SECURITY_POLICY, policy),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    Ok(res)
}
