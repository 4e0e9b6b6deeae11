//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "huzhu",
        description = "互助 — mutual-aid matching: needs of poor households, offers of volunteers, and the matches between them."
    ),
    paths(
        routes::ops::healthz,
        routes::ops::readyz,
        routes::ops::metrics,
        routes::regions::list,
        routes::regions::get,
        routes::auth::register,
        routes::auth::verify,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::forgot,
        routes::auth::set_password,
        routes::users::me,
        routes::users::create,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Liveness, readiness and metrics"),
        (name = "regions", description = "Administrative regions"),
        (name = "accounts", description = "Registration, login, staff invitations"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer token of `POST /auth/login`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
