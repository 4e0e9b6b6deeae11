//! The need form: posting a need for a household
//! (`/households/{id}/needs/new`) and changing one while it is open
//! (`/needs/{id}/edit`). The form's fields go through the API's own
//! parser (`NewNeed::parse`, `NeedChanges::parse`) and services; the
//! duplicate guard's refusal shows the form again with a link to the need
//! the household already has in that category.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{Value, json};
use uuid::Uuid;

use super::fields::{NeedForm, categories, urgencies};
use crate::domain::need::{NeedChanges, NewNeed};
use crate::domain::{Caller, FieldError, NeedStatus, Role};
use crate::i18n::{self, Locale, Text};
use crate::services::{ServiceError, need_stories, needs};
use crate::store::entity::need;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::need_labels::category_name;
use crate::web::page::{PageResult, t};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/households/{id}/needs/new")
            .route(web::get().to(new_form))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/needs/{id}/edit")
            .route(web::get().to(edit_form))
            .route(web::post().to(update)),
    );
}

/// Where the form is: a household's new need, or a need being changed.
struct Target {
    heading: String,
    action: String,
    submit: String,
    back_url: String,
    back_label: String,
    household: Value,
}

impl Target {
    async fn of_household(site: &Site, me: &Caller, id: Uuid) -> Result<Self, actix_web::Error> {
        let (h, village) = need_stories::household(site, me, id)
            .await
            .map_err(|e| site.fail(e))?;
        if h.erased_at.is_some() {
            return Err(site.fail(crate::services::households::erased()));
        }
        Ok(Self {
            heading: t("发布需求", "Post a need"),
            action: format!("/households/{id}/needs/new"),
            submit: t("发布", "Post"),
            back_url: format!("/households/{id}"),
            back_label: household_label(&h.head_name),
            household: household_value(&h.head_name, &village, id),
        })
    }

    async fn of_need(site: &Site, me: &Caller, n: &need::Model) -> Result<Self, actix_web::Error> {
        let (h, village) = need_stories::household(site, me, n.household_id)
            .await
            .map_err(|e| site.fail(e))?;
        Ok(Self {
            heading: t("修改需求", "Change the need"),
            action: format!("/needs/{}/edit", n.id),
            submit: t("保存修改", "Save changes"),
            back_url: format!("/needs/{}", n.id),
            back_label: n.title.clone(),
            household: household_value(
                &crate::domain::household::shown_name(&h.head_name, crate::i18n::current()),
                &village,
                h.id,
            ),
        })
    }
}

/// "王大山家", "王大山's household".
fn household_label(head_name: &str) -> String {
    match i18n::current() {
        Locale::ZhCn => format!("{head_name}家"),
        Locale::En => format!("{head_name}'s household"),
    }
}

fn household_value(head_name: &str, village: &str, id: Uuid) -> Value {
    json!({"head_name": head_name, "village": village, "url": format!("/households/{id}")})
}

/// The form page with what was typed, the errors beside their fields and,
/// after the duplicate guard refused, the need the household already has.
fn form_page(
    site: &Site,
    status: StatusCode,
    target: &Target,
    form: &NeedForm,
    errors: &Errors,
    duplicate: Option<Value>,
) -> PageResult {
    let (options, hints) = categories(&form.category);
    Ok(site.render(
        status,
        "cadre/need_form.html",
        json!({
            "heading": target.heading, "action": target.action, "submit": target.submit,
            "back_url": target.back_url, "back_label": target.back_label,
            "household": target.household,
            "values": {"title": form.title, "description": form.description},
            "categories": options, "category_hints": hints,
            "urgencies": urgencies(&form.urgency),
            "errors": errors.messages(), "duplicate": duplicate,
        }),
    ))
}

/// A refused form: the same page with the errors (422), or the duplicate
/// guard's page (409); anything else is the error page.
async fn refused(
    site: &Site,
    me: &Caller,
    target: &Target,
    form: &NeedForm,
    error: ServiceError,
) -> PageResult {
    match error {
        ServiceError::Invalid(fields) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(site, status, target, form, &form.errors(fields), None)
        }
        ServiceError::Duplicate { existing, .. } => {
            let errors = Errors::from(vec![FieldError::new(
                "category",
                Text::fixed(
                    "这户在这个类别已有一项未完成的需求",
                    "This household already has an open need in this category",
                ),
            )]);
            let existing = Some(existing_need(site, me, existing).await);
            form_page(site, StatusCode::CONFLICT, target, form, &errors, existing)
        }
        other => Err(site.fail(other)),
    }
}

/// The need the duplicate guard named, for the link beside its refusal.
async fn existing_need(site: &Site, me: &Caller, id: Uuid) -> Value {
    match needs::visible(site, me, id).await {
        Ok(n) => json!({"url": format!("/needs/{id}"), "title": n.title,
                        "category": category_name(n.category)}),
        // Gone meanwhile: still say why, with the link.
        Err(_) => json!({"url": format!("/needs/{id}"), "title": "", "category": ""}),
    }
}

async fn new_form(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    let target = Target::of_household(&site, me, id).await?;
    let form = NeedForm::blank();
    form_page(&site, StatusCode::OK, &target, &form, &Errors::none(), None)
}

#[tracing::instrument(skip_all)]
async fn create(site: Site, path: web::Path<String>, Form(form): Form<NeedForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    let target = Target::of_household(&site, me, id).await?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, &target, &form, &errors, None);
    }
    let new = match NewNeed::parse(Some(id), form.fields()) {
        Ok(new) => new,
        Err(fields) => {
            return refused(&site, me, &target, &form, ServiceError::Invalid(fields)).await;
        }
    };
    match needs::create(&site, me, new).await {
        Ok(_) => Ok(site.done(&format!("/households/{id}"), Flash::NeedPosted)),
        Err(e) => refused(&site, me, &target, &form, e).await,
    }
}

/// The need by the path's id, in the cadre's reach; and a page that says
/// why it cannot change when it is no longer open.
async fn open_need(site: &Site, me: &Caller, id: &str) -> Result<need::Model, actix_web::Error> {
    let id = site.path_id(id)?;
    let n = needs::visible(site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    if n.status != NeedStatus::Open {
        return Err(crate::web::page::respond(not_open(site, &n)));
    }
    Ok(n)
}

fn not_open(site: &Site, n: &need::Model) -> actix_web::HttpResponse {
    let why = match n.status {
        NeedStatus::Matched => t(
            "已有爱心人士接手这项需求，不能再修改。如果情况有变，请在帮扶页面与爱心人士联系，或取消这次帮扶后再修改。",
            "A volunteer has taken this need, so it cannot change. If things changed, contact them from the match's page, or cancel the match first.",
        ),
        NeedStatus::Fulfilled => t(
            "这项需求已经完成，不能再修改。如果这户又需要帮助，请重新发布一项需求。",
            "This need is fulfilled and cannot change. If the household needs help again, post a new need.",
        ),
        _ => t(
            "这项需求已经取消，不能再修改。如果这户仍需要帮助，请重新发布一项需求。",
            "This need is cancelled and cannot change. If the household still needs help, post a new need.",
        ),
    };
    site.message(
        StatusCode::CONFLICT,
        t("这项需求不能再修改", "This need can no longer change"),
        why,
        (
            &format!("/needs/{}", n.id),
            t("返回这项需求", "Back to the need"),
        ),
    )
}

async fn edit_form(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let n = open_need(&site, me, &path).await?;
    let target = Target::of_need(&site, me, &n).await?;
    let form = NeedForm::of(&n);
    form_page(&site, StatusCode::OK, &target, &form, &Errors::none(), None)
}

#[tracing::instrument(skip_all)]
async fn update(site: Site, path: web::Path<String>, Form(form): Form<NeedForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let n = open_need(&site, me, &path).await?;
    let target = Target::of_need(&site, me, &n).await?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return form_page(&site, StatusCode::FORBIDDEN, &target, &form, &errors, None);
    }
    let changes = match NeedChanges::parse(form.fields()) {
        Ok(changes) => changes,
        Err(fields) => {
            return refused(&site, me, &target, &form, ServiceError::Invalid(fields)).await;
        }
    };
    match needs::update(&site, me, n.id, changes).await {
        Ok(_) => Ok(site.done(&format!("/needs/{}", n.id), Flash::NeedSaved)),
        // Matched (or cancelled) since the form was shown.
        Err(ServiceError::Conflict(_)) => match needs::visible(&site, me, n.id).await {
            Ok(now) => Ok(not_open(&site, &now)),
            Err(e) => Err(site.fail(e)),
        },
        Err(e) => refused(&site, me, &target, &form, e).await,
    }
}
