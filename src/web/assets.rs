//! Files the pages load from huzhu itself: the stylesheet, embedded in the
//! binary and served under a name that carries its content hash, so that
//! browsers may keep it for good and a new build is fetched at once.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("../../assets/huzhu.css");

/// `/assets/huzhu.<hash>.css`, computed once.
static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    format!("/assets/huzhu.{}.css", hex::encode(&digest[..8]))
});

/// The stylesheet's URL path, for the page layout.
pub fn stylesheet_path() -> &'static str {
    &STYLESHEET_PATH
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/assets/{file}").route(web::get().to(asset)));
}

/// Only the current name is served: an old hash is a 404, never stale CSS
/// under a name a browser would keep for a year.
async fn asset(req: actix_web::HttpRequest) -> HttpResponse {
    if req.path() != stylesheet_path() {
        return crate::error::problem_response(actix_web::http::StatusCode::NOT_FOUND, None, &[]);
    }
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}
