//! "My offers": a volunteer's offers with their live matches against their
//! capacity, a form to post or change one (the place picked as a village,
//! the person's location or a tap on the map — never typed coordinates),
//! and pause, resume, withdraw. Each form goes through the same parsers and
//! services as `POST /api/v1/offers` and its siblings.

mod form;
mod view;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use self::form::OfferForm;
use crate::domain::geo::GeoPoint;
use crate::domain::{Caller, OfferStatus, Role};
use crate::i18n::Text;
use crate::routes::extract::Page;
use crate::services::{ServiceError, offers, places};
use crate::store::{entity::offer, now_ms};
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, t};

/// Offers on one page of the list: a volunteer has a handful.
const PAGE_SIZE: u64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/offers").route(web::get().to(list)))
        .service(
            web::resource("/offers/new")
                .route(web::get().to(new_form))
                .route(web::post().to(create)),
        )
        .service(
            web::resource("/offers/{id}")
                .route(web::get().to(edit_form))
                .route(web::post().to(update)),
        )
        .service(web::resource("/offers/{id}/{action}").route(web::post().to(act)));
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

/// The caller's offers, oldest first, a page at a time.
#[tracing::instrument(skip_all)]
async fn list(site: Site, q: web::Query<ListQuery>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    // A cursor that is no id (an edited link) starts at the beginning.
    let after = q.cursor.as_deref().and_then(|c| Uuid::parse_str(c).ok());
    let rows = offers::list(&site, me, after, PAGE_SIZE + 1)
        .await
        .map_err(|e| site.fail(e))?;
    let page = Page::from_rows(rows, PAGE_SIZE, |o: &offer::Model| o.id.to_string());
    let points: Vec<GeoPoint> = page
        .items
        .iter()
        .map(|o| GeoPoint::new(o.lat, o.lon))
        .collect();
    let names = places::names_at(&site.db, &points)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let (tz, now) = (site.settings.timezone, now_ms());
    let cards: Vec<_> = page
        .items
        .iter()
        .map(|o| {
            let place = names.get(&GeoPoint::new(o.lat, o.lon).key());
            view::card(o, place.map(String::as_str), tz, now)
        })
        .collect();
    Ok(site.render(
        StatusCode::OK,
        "volunteer/offers.html",
        json!({
            "offers": cards,
            "next_url": page.next_cursor.map(|c| format!("/offers?cursor={c}")),
            "first_url": after.map(|_| "/offers"),
        }),
    ))
}

/// The form page, new (`editing` is `None`) or of an offer: the values
/// typed or stored, and the errors beside their fields.
async fn form_page(
    site: &Site,
    status: StatusCode,
    editing: Option<&offer::Model>,
    form: &OfferForm,
    errors: &Errors,
) -> PageResult {
    let townships = places::townships(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let current = match editing {
        Some(o) => {
            let names = places::names_at(&site.db, &[GeoPoint::new(o.lat, o.lon)])
                .await
                .map_err(|e| site.fail(e.into()))?;
            Some(names.into_values().next().unwrap_or_else(view::my_location))
        }
        None => None,
    };
    let (heading, action, submit) = match editing {
        Some(o) => (
            t("修改我能提供的帮助", "Change my offer"),
            format!("/offers/{}", o.id),
            t("保存修改", "Save changes"),
        ),
        None => (
            t("提供帮助", "Offer help"),
            "/offers/new".to_owned(),
            t("发布", "Publish"),
        ),
    };
    let tomorrow = chrono::Utc::now().with_timezone(&site.settings.timezone) + chrono::Days::new(1);
    Ok(site.render(
        status,
        "volunteer/offer_form.html",
        json!({
            "heading": heading, "action": action, "submit": submit,
            "editing": editing.is_some(),
            "values": form.values(),
            "errors": errors.messages(),
            "categories": view::category_choices(form),
            "villages": view::village_groups(&townships, &form.village),
            "current_place": current,
            "stored_point": editing.map(|o| json!({"lat": o.lat, "lon": o.lon})),
            "place_used": view::place_used(form, &townships, current.as_deref()),
            "min_date": tomorrow.format("%Y-%m-%d").to_string(),
        }),
    ))
}

async fn new_form(site: Site) -> PageResult {
    site.only(Role::Volunteer)?;
    form_page(
        &site,
        StatusCode::OK,
        None,
        &OfferForm::blank(),
        &Errors::none(),
    )
    .await
}

/// A refused form: the same page, what was typed, the errors beside their
/// fields; any other failure is the error page.
async fn refused(
    site: &Site,
    editing: Option<&offer::Model>,
    form: &OfferForm,
    error: ServiceError,
) -> PageResult {
    match error {
        ServiceError::Invalid(fields) => {
            let mut errors = Errors::from(fields);
            if errors.is_empty() {
                // A refusal that names no field is said above the form.
                errors = Errors::form(Text::fixed("请检查填写的内容", "Please check the form"));
            }
            form_page(
                site,
                StatusCode::UNPROCESSABLE_ENTITY,
                editing,
                form,
                &errors,
            )
            .await
        }
        other => Err(site.fail(other)),
    }
}

async fn create(site: Site, Form(form): Form<OfferForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, None, &form, &errors).await;
    }
    let new = match form::new_offer(&site, &form).await {
        Ok(new) => new,
        Err(e) => return refused(&site, None, &form, e).await,
    };
    match offers::create(&site, me, new).await {
        Ok(_) => Ok(site.done("/offers", Flash::OfferCreated)),
        Err(e) => refused(&site, None, &form, e).await,
    }
}

/// The caller's offer by the id in the path; anything else is not found.
async fn own_offer(site: &Site, me: &Caller, id: &str) -> Result<offer::Model, actix_web::Error> {
    let id = site.path_id(id)?;
    offers::owned(site, me, id).await.map_err(|e| site.fail(e))
}

async fn edit_form(site: Site, id: web::Path<String>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let current = own_offer(&site, me, &id).await?;
    // Withdrawn is final: the page says so rather than offer a form.
    offers::editable(&site, me, current.id)
        .await
        .map_err(|e| site.fail(e))?;
    let townships = places::townships(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let village = view::village_at(&townships, current.lat, current.lon);
    let form = OfferForm::of(&current, village, site.settings.timezone);
    form_page(
        &site,
        StatusCode::OK,
        Some(&current),
        &form,
        &Errors::none(),
    )
    .await
}

async fn update(site: Site, id: web::Path<String>, Form(form): Form<OfferForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let current = own_offer(&site, me, &id).await?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, Some(&current), &form, &errors).await;
    }
    let editable = offers::editable(&site, me, current.id)
        .await
        .map_err(|e| site.fail(e))?;
    let changes = match form::changes(&site, &form).await {
        Ok(changes) => changes,
        Err(e) => return refused(&site, Some(&current), &form, e).await,
    };
    match offers::update(&site, editable, changes).await {
        Ok(_) => Ok(site.done("/offers", Flash::OfferSaved)),
        Err(e) => refused(&site, Some(&current), &form, e).await,
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
}

/// Pause, resume or withdraw, from the buttons of the list.
async fn act(
    site: Site,
    path: web::Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let (id, action) = path.into_inner();
    let (to, flash) = match action.as_str() {
        "pause" => (OfferStatus::Paused, Flash::OfferPaused),
        "resume" => (OfferStatus::Active, Flash::OfferResumed),
        "withdraw" => (OfferStatus::Withdrawn, Flash::OfferWithdrawn),
        _ => return Err(site.fail(ServiceError::NotFound)),
    };
    let current = own_offer(&site, me, &id).await?;
    if !site.form_ok(&form.csrf_token) {
        return Ok(expired(&site));
    }
    offers::set_status(&site, me, current.id, to)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(site.done("/offers", flash))
}

/// A button pressed on a page whose form token is no longer the session's.
fn expired(site: &Site) -> HttpResponse {
    site.message(
        StatusCode::FORBIDDEN,
        t("页面已过期", "The page expired"),
        t(
            "请回到“我能提供”重新操作。",
            "Please go back to My offers and try again.",
        ),
        ("/offers", t("我能提供", "My offers")),
    )
}
