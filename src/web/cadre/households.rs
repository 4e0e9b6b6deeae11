//! The cadre's households: the list of those in their reach, searched by
//! head's name or village, a page at a time, each with its needs at a
//! glance and the export of them all; and the form to register or change
//! one (the village picked, the exact point optional). Each page goes
//! through the same parsers and services as `/api/v1/households`. A
//! household's own page, `/households/{id}`, is the needs' module's.

mod form;
mod view;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use self::form::HouseholdForm;
use crate::domain::household::input::name_search;
use crate::domain::{Caller, RegionPrefix, Role};
use crate::i18n::Text;
use crate::routes::extract::Page;
use crate::services::{ServiceError, households, places};
use crate::store::entity::household;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, t};
use crate::web::places::{my_townships, region_choices, village_groups};

/// Households on one page of the list: a village's worth, well under the
/// page's weight budget.
const PAGE_SIZE: u64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/households").route(web::get().to(list)))
        .service(
            web::resource("/households/new")
                .route(web::get().to(new_form))
                .route(web::post().to(create)),
        )
        .service(
            web::resource("/households/{id}/edit")
                .route(web::get().to(edit_form))
                .route(web::post().to(update)),
        );
}

/// The list's search as its form sends it (an empty field: not chosen).
#[derive(Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    name: String,
    region: String,
    cursor: String,
}

impl ListQuery {
    /// `/households` with this search, from `cursor` on.
    fn url(&self, cursor: Option<&str>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("name", self.name.trim()), ("region", self.region.trim())] {
            if !value.is_empty() {
                s.append_pair(key, value);
            }
        }
        if let Some(cursor) = cursor {
            s.append_pair("cursor", cursor);
        }
        let query = s.finish();
        if query.is_empty() {
            "/households".to_owned()
        } else {
            format!("/households?{query}")
        }
    }

    /// The search read: the API's own rules for a name and a region.
    fn search(&self) -> Result<households::Search, ServiceError> {
        let name = name_search(&self.name).map_err(|e| ServiceError::field("name", e))?;
        let region = match self.region.trim() {
            "" => None,
            code => Some(RegionPrefix::parse(code).map_err(|_| {
                ServiceError::field("region", Text::fixed("没有这个村", "No such village"))
            })?),
        };
        Ok(households::Search { region, name })
    }
}

/// The households in the caller's reach that the search finds, in the
/// order they were registered, a page at a time.
#[tracing::instrument(skip_all)]
async fn list(site: Site, q: web::Query<ListQuery>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let search = q.search().map_err(|e| site.fail(e))?;
    let searching = search.name.is_some() || search.region.is_some();
    // A cursor that is no id (an edited link) starts at the beginning.
    let after = Uuid::parse_str(&q.cursor).ok();
    let rows = households::list(&site, me, search, after, PAGE_SIZE)
        .await
        .map_err(|e| site.fail(e))?;
    let page = Page::from_rows(rows, PAGE_SIZE, |h: &household::Model| h.id.to_string());
    let villages = places::names(&site.db, page.items.iter().map(|h| h.region.clone()))
        .await
        .map_err(|e| site.fail(e.into()))?;
    let ids: Vec<Uuid> = page.items.iter().map(|h| h.id).collect();
    let needs = households::need_counts(&site, &ids)
        .await
        .map_err(|e| site.fail(e))?;
    let rows: Vec<_> = page
        .items
        .iter()
        .map(|h| view::row(h, &villages, &needs))
        .collect();
    let townships = my_townships(&site, me).await?;
    Ok(site.render(
        StatusCode::OK,
        "cadre/households.html",
        json!({
            // Whether there is anything to search, page or export.
            "any": !rows.is_empty() || searching || after.is_some(),
            "households": rows,
            "searching": searching,
            "name": q.name.trim(),
            "regions": region_choices(&townships, me, q.region.trim()),
            "clear_url": searching.then_some("/households"),
            "next_url": page.next_cursor.as_deref().map(|c| q.url(Some(c))),
            "first_url": after.map(|_| q.url(None)),
        }),
    ))
}

/// The form page, new (`editing` is `None`) or of a household: the
/// values typed or stored, and the errors beside their fields.
async fn form_page(
    site: &Site,
    status: StatusCode,
    editing: Option<&household::Model>,
    form: &HouseholdForm,
    errors: &Errors,
) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let townships = my_townships(site, me).await?;
    // A household placed by the API or a spreadsheet may stand in a region
    // the picker does not offer (a township, a village without a point):
    // editing, it keeps that place unless another is picked.
    let offered = |code: &str| {
        townships
            .iter()
            .flat_map(|t| &t.villages)
            .any(|v| v.code == code)
    };
    let current = match editing {
        Some(h) if !offered(&h.region) => {
            let names = places::names(&site.db, [h.region.clone()])
                .await
                .map_err(|e| site.fail(e.into()))?;
            Some(
                names
                    .get(&h.region)
                    .cloned()
                    .unwrap_or_else(|| h.region.clone()),
            )
        }
        _ => None,
    };
    let (heading, action, submit, back) = match editing {
        Some(h) => (
            t("修改户的信息", "Change the household's details"),
            format!("/households/{}/edit", h.id),
            t("保存修改", "Save changes"),
            format!("/households/{}", h.id),
        ),
        None => (
            t("登记一户", "Register a household"),
            "/households/new".to_owned(),
            t("登记", "Register"),
            "/households".to_owned(),
        ),
    };
    Ok(site.render(
        status,
        "cadre/household_form.html",
        json!({
            "heading": heading, "action": action, "submit": submit, "back": back,
            "editing": editing.is_some(),
            "values": form.values(),
            "errors": errors.messages(),
            "tags": view::tag_choices(&form.tags),
            "villages": village_groups(&townships, &form.village),
            "current_place": current,
        }),
    ))
}

async fn new_form(site: Site) -> PageResult {
    site.only(Role::Cadre)?;
    let form = HouseholdForm::default();
    form_page(&site, StatusCode::OK, None, &form, &Errors::none()).await
}

/// A refused form: the same page, what was typed, the errors beside their
/// fields (a number another household has, beside the number); any other
/// failure is the error page.
async fn refused(
    site: &Site,
    editing: Option<&household::Model>,
    form: &HouseholdForm,
    error: ServiceError,
) -> PageResult {
    let (status, errors) = match error {
        ServiceError::Invalid(fields) => {
            let mut errors = Errors::from(form.beside_fields(fields));
            if errors.is_empty() {
                errors = Errors::form(Text::fixed("请检查填写的内容", "Please check the form"));
            }
            (StatusCode::UNPROCESSABLE_ENTITY, errors)
        }
        // The one conflict a household's fields can meet.
        ServiceError::Conflict(why) => (
            StatusCode::CONFLICT,
            Errors::from(vec![crate::domain::FieldError::new("id_number", why)]),
        ),
        other => return Err(site.fail(other)),
    };
    form_page(site, status, editing, form, &errors).await
}

async fn create(site: Site, Form(form): Form<HouseholdForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, None, &form, &errors).await;
    }
    let new = match form.new_household() {
        Ok(new) => new,
        Err(e) => return refused(&site, None, &form, ServiceError::Invalid(e)).await,
    };
    match households::create(&site, me, new).await {
        Ok(h) => Ok(site.done(&format!("/households/{}", h.id), Flash::HouseholdCreated)),
        Err(e) => refused(&site, None, &form, e).await,
    }
}

/// The household in the caller's reach by the id in the path; anything
/// else is not found.
async fn in_reach(
    site: &Site,
    me: &Caller,
    id: &str,
) -> Result<household::Model, actix_web::Error> {
    let id = site.path_id(id)?;
    households::get(site, me, id)
        .await
        .map_err(|e| site.fail(e))
}

async fn edit_form(site: Site, id: web::Path<String>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let current = in_reach(&site, me, &id).await?;
    if current.erased_at.is_some() {
        return Err(site.fail(households::erased()));
    }
    let form = HouseholdForm::of(&current);
    form_page(
        &site,
        StatusCode::OK,
        Some(&current),
        &form,
        &Errors::none(),
    )
    .await
}

async fn update(site: Site, id: web::Path<String>, Form(form): Form<HouseholdForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let current = in_reach(&site, me, &id).await?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, Some(&current), &form, &errors).await;
    }
    let changes = match form.changes() {
        Ok(changes) => changes,
        Err(e) => return refused(&site, Some(&current), &form, ServiceError::Invalid(e)).await,
    };
    match households::update(&site, me, current.id, changes).await {
        Ok(h) => Ok(site.done(&format!("/households/{}", h.id), Flash::HouseholdSaved)),
        Err(e) => refused(&site, Some(&current), &form, e).await,
    }
}
