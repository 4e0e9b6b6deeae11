//! Security headers on every answer: no MIME sniffing, no Referer (the
//! `/m/{token}/…` links carry tokens in their path), and a strict
//! Content-Security-Policy that keeps pages to huzhu's own scripts and
//! styles and out of other sites' frames.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The pages' policy. No inline script or style at all: the templates keep
/// their CSS in `/assets/` (see `assets.rs`), so a page that grows an inline
/// `style=""` or `<script>` breaks visibly instead of loosening this.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
        DOCS_POLICY
    } else {
        PAGE_POLICY
    };
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, policy),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}
