//! A need as the cadre works on it: its page (`GET /needs/{id}`, staff's
//! own beside the volunteer's) with its whole story, the form that posts
//! one for a household or changes it while open (`form`), and cancelling
//! it with a reason. Each goes through the parser and the service of
//! `POST`/`PATCH /api/v1/needs` and `POST /api/v1/needs/{id}/cancel`.

mod fields;
mod form;
pub(crate) mod story;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::domain::{Caller, Role};
use crate::i18n;
use crate::services::{ServiceError, need_stories, needs};
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/needs/{id}")
            .guard(Site::role_guard(super::CADRE))
            .route(web::get().to(show)),
    )
    .service(web::resource("/needs/{id}/cancel").route(web::post().to(cancel)));
    form::configure(cfg);
}

/// `GET /needs/{id}`: a need of the cadre's reach with its story, and
/// what they can do with it.
#[tracing::instrument(skip_all)]
async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    need_page(&site, me, id, StatusCode::OK, &Errors::none(), "").await
}

/// The need's page; `errors` and `reason` are those of a refused cancel,
/// whose form then shows open with what was typed.
async fn need_page(
    site: &Site,
    me: &Caller,
    id: Uuid,
    status: StatusCode,
    errors: &Errors,
    reason: &str,
) -> PageResult {
    let story = need_stories::of_need(site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let (household, village) = need_stories::household(site, me, story.need.household_id)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(site.render(
        status,
        "cadre/need.html",
        json!({
            "need": story::view(site, me, &story),
            "household": {"url": format!("/households/{}", household.id),
                          "head_name": crate::domain::household::shown_name(&household.head_name, crate::i18n::current()), "village": village},
            "errors": errors.messages(), "reason": reason, "opened": !errors.is_empty(),
        }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CancelForm {
    csrf_token: String,
    reason: String,
}

/// `POST /needs/{id}/cancel`: an open need withdrawn with a reason, then
/// back to its household. A missing reason comes back beside the field.
#[tracing::instrument(skip_all)]
async fn cancel(site: Site, path: web::Path<String>, Form(form): Form<CancelForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return need_page(&site, me, id, StatusCode::FORBIDDEN, &errors, &form.reason).await;
    }
    match needs::cancel(&site, me, id, &form.reason).await {
        Ok(n) => Ok(site.done(
            &format!("/households/{}", n.household_id),
            Flash::NeedCancelled,
        )),
        Err(ServiceError::Invalid(fields)) => {
            let errors = Errors::from(fields);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            need_page(&site, me, id, status, &errors, &form.reason).await
        }
        Err(ServiceError::Conflict(why)) => Ok(site.message(
            StatusCode::CONFLICT,
            t("不能取消这项需求", "This need cannot be cancelled"),
            why.get(i18n::current()).to_owned(),
            (
                &format!("/needs/{id}"),
                t("返回这项需求", "Back to the need"),
            ),
        )),
        Err(e) => Err(site.fail(e)),
    }
}
