//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

mod answers;
mod links;
mod overlay;

/// The served document: the derived one, made precise by `overlay.json`,
/// with every operation's common answers (see `answers`), unique operation
/// ids and the links from lists and creations to their items' routes.
pub fn document() -> serde_json::Value {
    static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        overlay::apply(&mut doc);
        answers::complete(&mut doc);
        links::unique_ids(&mut doc);
        links::link(&mut doc);
        doc
    });
    DOCUMENT.clone()
}

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
        routes::users::delete_me,
        routes::users::create,
        routes::users::list,
        routes::users::update,
        routes::households::create,
        routes::households::list,
        routes::households::get,
        routes::households::update,
        routes::imports::import,
        routes::imports::export,
        routes::needs::create,
        routes::needs::list,
        routes::needs::get,
        routes::needs::update,
        routes::needs::cancel,
        routes::needs::acknowledge,
        routes::needs::candidates,
        routes::offers::create,
        routes::offers::list,
        routes::offers::get,
        routes::offers::update,
        routes::offers::pause,
        routes::offers::resume,
        routes::offers::withdraw,
        routes::offers::suggestions,
        routes::matches::claim,
        routes::matches::create,
        routes::matches::list,
        routes::matches::get,
        routes::matches::events,
        routes::matches::accept,
        routes::matches::decline,
        routes::matches::delivered,
        routes::matches::complete,
        routes::matches::cancel,
        routes::pairings::mark_key,
        routes::pairings::unmark_key,
        routes::pairings::standing,
        routes::pairings::helpers,
        routes::pairings::create,
        routes::pairings::list,
        routes::pairings::get,
        routes::pairings::end,
        routes::pairings::visit_log,
        routes::pairings::visit_list,
        routes::pairings::suggestions,
        routes::pairings::confirm,
        routes::pairings::dismiss,
        routes::pairings::meeting_hold,
        routes::pairings::meeting_list,
        routes::pairings::meeting_get,
        routes::rounds::start,
        routes::rounds::list,
        routes::rounds::get,
        routes::stats::summary,
        routes::stats::breakdown,
        routes::stats::export,
        routes::stats::pairings,
        routes::stats::pairings_export,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Liveness, readiness and metrics"),
        (name = "regions", description = "Administrative regions"),
        (name = "accounts", description = "Registration, login, staff invitations"),
        (name = "households", description = "Households and their spreadsheet import and export"),
        (name = "needs", description = "Needs of households"),
        (name = "offers", description = "Volunteers' offers of help"),
        (name = "matches", description = "Matches from proposal to completion"),
        (name = "pairings", description = "Key households, standing pairings, visits and courtyard meetings"),
        (name = "stats", description = "Success rates by place, category and week"),
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
        // Which operations need the token is the policy table's to say.
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [
                ("GET", item.get.as_mut()),
                ("POST", item.post.as_mut()),
                ("PATCH", item.patch.as_mut()),
                ("PUT", item.put.as_mut()),
                ("DELETE", item.delete.as_mut()),
            ] {
                if let Some(operation) = operation
                    && crate::routes::policy::needs_login(method, path)
                {
                    operation.security = Some(vec![SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]);
                }
            }
        }
    }
}
