//! A need's page — what PRODUCT.md lets a volunteer see before acceptance,
//! how far it is from each of their offers — and its claim form: the offers
//! that may claim it (by the rule of `services::eligibility`, which the
//! claim itself applies), or why each may not.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{need_item, offer_label};
use crate::domain::{Caller, FieldError, NeedStatus, Role};
use crate::i18n::{self, Text};
use crate::services::{ServiceError, eligibility, matches, needs};
use crate::store::{self, entity::need};
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, respond, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/needs/{id}").route(web::get().to(show)))
        .service(web::resource("/needs/{id}/claim").route(web::post().to(claim)));
}

#[derive(Deserialize)]
struct ShowQuery {
    /// The offer the list was measured from: chosen first in the form.
    offer: Option<String>,
}

#[derive(Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    offer_id: String,
}

/// The page of a need that is no longer open (or that the volunteer may
/// not see: they learn no more than that).
fn gone(site: &Site) -> actix_web::Error {
    respond(site.message(
        StatusCode::NOT_FOUND,
        t("这个需求已不再开放", "This need is no longer open"),
        t(
            "它可能刚被别人认领，或已经结束。看看附近的其他需求吧。",
            "Someone may just have taken it, or it has ended. Have a look at the other needs nearby.",
        ),
        ("/needs", t("返回附近需求", "Back to needs near me")),
    ))
}

/// The need, while it is open and visible to the volunteer.
async fn open_need(site: &Site, me: &Caller, id: &str) -> Result<need::Model, actix_web::Error> {
    let id = Uuid::parse_str(id).map_err(|_| gone(site))?;
    match needs::visible(site, me, id).await {
        Ok(n) if n.status == NeedStatus::Open => Ok(n),
        Ok(_) | Err(ServiceError::NotFound) => Err(gone(site)),
        Err(e) => Err(site.fail(e)),
    }
}

async fn show(site: Site, path: web::Path<String>, q: web::Query<ShowQuery>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let need = open_need(&site, me, &path).await?;
    let preferred = q.offer.as_deref().and_then(|o| Uuid::parse_str(o).ok());
    page(&site, me, &need, preferred, StatusCode::OK, &Errors::none()).await
}

/// The need's page, its claim form with `preferred` chosen, and `errors`.
async fn page(
    site: &Site,
    me: &Caller,
    n: &need::Model,
    preferred: Option<Uuid>,
    status: StatusCode,
    errors: &Errors,
) -> PageResult {
    let fits = eligibility::my_offers_for(&site.db, me, n)
        .await
        .map_err(|e| site.fail(e))?;
    let names = store::regions::names(&site.db, [n.region.clone()])
        .await
        .map_err(|e| site.fail(e.into()))?;
    let village = names.get(&n.region).map_or("", String::as_str);
    let item = need_item(n, village, None, &format!("/needs/{}", n.id));
    let locale = i18n::current();
    let chosen = fits
        .iter()
        .find(|f| f.unfit.is_none() && Some(f.offer.id) == preferred)
        .or_else(|| fits.iter().find(|f| f.unfit.is_none()))
        .map(|f| f.offer.id);
    let eligible: Vec<Value> = fits
        .iter()
        .enumerate()
        .filter(|(_, f)| f.unfit.is_none())
        .map(|(i, f)| {
            json!({"value": f.offer.id, "label": offer_label(i + 1, &f.offer),
                   "selected": Some(f.offer.id) == chosen})
        })
        .collect();
    let offers: Vec<Value> = fits
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "label": offer_label(i + 1, &f.offer),
                "distance": f.distance_m.map(super::km_of),
                "reason": f.unfit.map(|u| u.text().get(locale).to_owned()),
            })
        })
        .collect();
    let back_url = match preferred.filter(|p| fits.iter().any(|f| f.offer.id == *p)) {
        Some(offer) => format!("/needs?offer={offer}"),
        None => "/needs".to_owned(),
    };
    let context = json!({
        "need": item,
        "offers": offers,
        "eligible": eligible,
        "errors": errors.messages(),
        "back_url": back_url,
    });
    Ok(site.render(status, "volunteer/need.html", context))
}

/// Claims the need with the chosen offer: to the match on success; back
/// to the list when someone else was quicker; else the page again, saying
/// why.
async fn claim(site: Site, path: web::Path<String>, Form(form): Form<ClaimForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let offer = Uuid::parse_str(form.offer_id.trim()).ok();
    let (site_ref, id) = (&site, path.as_str());
    let again = |status, errors: Errors| async move {
        let need = open_need(site_ref, me, id).await?;
        page(site_ref, me, &need, offer, status, &errors).await
    };
    if !site.form_ok(&form.csrf_token) {
        return again(StatusCode::FORBIDDEN, Errors::form(site.expired_form())).await;
    }
    let Some(offer_id) = offer else {
        let choose = Text::fixed("请选择用哪项服务认领", "Choose the offer to claim it with");
        return again(StatusCode::UNPROCESSABLE_ENTITY, field_error(choose)).await;
    };
    let Ok(need_id) = Uuid::parse_str(id) else {
        return Err(gone(&site));
    };
    let lost = || Ok(site.done("/needs", Flash::ClaimLost));
    match matches::claim(&site, me, need_id, offer_id).await {
        Ok(m) => Ok(site.done(&format!("/matches/{}", m.id), Flash::Claimed)),
        Err(ServiceError::NotFound) => lost(),
        // Refused: lost to someone quicker if the need is no longer open,
        // else for this offer's reason, shown beside it.
        Err(ServiceError::Conflict(why)) => match needs::visible(&site, me, need_id).await {
            Ok(n) if n.status == NeedStatus::Open => {
                page(
                    &site,
                    me,
                    &n,
                    offer,
                    StatusCode::CONFLICT,
                    &field_error(why),
                )
                .await
            }
            _ => lost(),
        },
        Err(ServiceError::Invalid(errors)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, Errors::from(errors)).await
        }
        Err(e) => Err(site.fail(e)),
    }
}

fn field_error(message: Text) -> Errors {
    Errors::from(vec![FieldError::new("offer_id", message)])
}
