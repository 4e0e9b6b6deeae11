//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use utoipa::OpenApi;

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
    ),
    tags(
        (name = "operations", description = "Liveness, readiness and metrics"),
        (name = "regions", description = "Administrative regions"),
    )
)]
pub struct ApiDoc;
