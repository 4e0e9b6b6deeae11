//! Thin HTTP handlers, one module per resource, each with `configure`.

pub mod auth;
pub mod extract;
pub mod files;
pub mod guard;
pub mod households;
pub mod imports;
pub mod matches;
pub mod needs;
pub mod offers;
pub mod ops;
pub mod pairings;
pub mod policy;
pub mod regions;
pub mod rounds;
pub mod stats;
pub mod users;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(ops::configure)
        .configure(crate::web::configure)
        .service(web::resource("/docs").route(web::get().to(docs_redirect)))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .external_url_unchecked("/api/v1/openapi.json", crate::openapi::document()),
        )
        .service(
            web::scope("/api/v1")
                .configure(regions::configure)
                .configure(auth::configure)
                .configure(users::configure)
                .configure(households::configure)
                .configure(imports::configure)
                .configure(needs::configure)
                .configure(offers::configure)
                .configure(matches::configure)
                .configure(pairings::configure)
                .configure(rounds::configure)
                .configure(stats::configure),
        );
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// What no route matched.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
