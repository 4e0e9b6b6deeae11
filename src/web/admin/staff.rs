//! `/staff`: the accounts an admin manages (a coordinator, the cadres of
//! their region) — the list by role, place and name; the invitation of a
//! cadre or coordinator; a member's page to change their role, region,
//! name or phone; and deactivation or reactivation after a confirm step.
//! Each form goes through the services `/api/v1/users` uses.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::regions::region_options;
use crate::domain::account_change::AccountChange;
use crate::domain::fields::both;
use crate::domain::household::input::name_search;
use crate::domain::new_account::{Assignment, NewAccount, Profile};
use crate::domain::region::padded_code;
use crate::domain::{Caller, FieldError, RegionPrefix, Role};
use crate::i18n::{self, Text};
use crate::routes::extract::Page;
use crate::services::{ServiceError, accounts, places, staff};
use crate::store::entity::user;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::PageResult;

/// Accounts on one page of the list.
const PAGE_SIZE: u64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/staff").route(web::get().to(list)))
        .service(
            web::resource("/staff/new")
                .route(web::get().to(new_form))
                .route(web::post().to(invite)),
        )
        .service(
            web::resource("/staff/{id}")
                .route(web::get().to(member))
                .route(web::post().to(save)),
        )
        .service(
            web::resource("/staff/{id}/active")
                .route(web::get().to(confirm_active))
                .route(web::post().to(set_active)),
        );
}

/// Admins, and coordinators for the cadres of their region; anyone else is
/// refused as the admin's pages refuse them.
fn manager(site: &Site) -> Result<&Caller, actix_web::Error> {
    match site.signed_in()? {
        me if me.role == Role::Coordinator => Ok(me),
        _ => site.only(Role::Admin),
    }
}

/// The roles `me` may give, as the role select offers them.
fn role_choices(me: &Caller, picked: &str) -> Vec<Value> {
    [Role::Cadre, Role::Coordinator, Role::Admin]
        .into_iter()
        .filter(|r| crate::domain::caller::may_create(me.role, *r))
        .map(|r| {
            json!({"value": r.as_str(), "label": r.label().get(i18n::current()),
                   "selected": r.as_str() == picked})
        })
        .collect()
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    role: String,
    region: String,
    name: String,
    cursor: String,
}

impl ListQuery {
    fn url(&self, cursor: Option<&str>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("role", &self.role),
            ("region", &self.region),
            ("name", &self.name),
        ] {
            if !value.trim().is_empty() {
                s.append_pair(key, value.trim());
            }
        }
        if let Some(cursor) = cursor {
            s.append_pair("cursor", cursor);
        }
        format!("/staff?{}", s.finish())
    }

    fn search(&self) -> Result<staff::Search, ServiceError> {
        let text = name_search(&self.name).map_err(|e| ServiceError::field("name", e))?;
        let region = match self.region.trim() {
            "" => None,
            code => Some(RegionPrefix::parse(code).map_err(|_| {
                ServiceError::field("region", Text::fixed("没有这个地区", "No such region"))
            })?),
        };
        Ok(staff::Search {
            role: Role::parse(self.role.trim()),
            staff_only: true,
            region,
            text,
        })
    }
}

/// One account as the list and the member's page show it.
fn row(u: &user::Model, places: &std::collections::HashMap<String, String>) -> Value {
    let locale = i18n::current();
    let place = u.region.as_deref().map(|r| {
        places
            .get(&padded_code(r))
            .cloned()
            .unwrap_or_else(|| r.to_owned())
    });
    json!({
        "id": u.id, "name": u.name, "email": u.email, "phone": u.phone,
        "role": u.role.as_str(), "role_label": u.role.label().get(locale),
        "place": place, "active": u.active,
        "invited": u.password_hash.is_none(),
    })
}

async fn place_names(
    site: &Site,
    users: &[user::Model],
) -> Result<std::collections::HashMap<String, String>, actix_web::Error> {
    let codes = users
        .iter()
        .filter_map(|u| u.region.as_deref().map(padded_code));
    places::names(&site.db, codes)
        .await
        .map_err(|e| site.fail(e.into()))
}

#[tracing::instrument(skip_all)]
async fn list(site: Site, q: web::Query<ListQuery>) -> PageResult {
    let me = manager(&site)?;
    let search = q.search().map_err(|e| site.fail(e))?;
    let searching = search.role.is_some() || search.region.is_some() || search.text.is_some();
    let after = Uuid::parse_str(&q.cursor).ok();
    let rows = staff::list(&site.db, me, search, after, PAGE_SIZE)
        .await
        .map_err(|e| site.fail(e))?;
    let page = Page::from_rows(rows, PAGE_SIZE, |u: &user::Model| u.id.to_string());
    let names = place_names(&site, &page.items).await?;
    let accounts: Vec<Value> = page.items.iter().map(|u| row(u, &names)).collect();
    let picked = q.region.trim();
    Ok(site.render(
        StatusCode::OK,
        "admin/staff.html",
        json!({
            "accounts": accounts,
            "searching": searching,
            "admin": me.role == Role::Admin,
            "name": q.name.trim(),
            "roles": role_choices(me, q.role.trim()),
            "regions": region_options(&site, me, picked).await?,
            "clear_url": searching.then_some("/staff"),
            "next_url": page.next_cursor.as_deref().map(|c| q.url(Some(c))),
            "first_url": after.map(|_| q.url(None)),
        }),
    ))
}

/// The invitation form as it posts.
#[derive(Default, Deserialize)]
#[serde(default)]
struct InviteForm {
    csrf_token: String,
    email: String,
    name: String,
    phone: String,
    role: String,
    region: String,
}

impl InviteForm {
    fn account(&self) -> Result<NewAccount, Vec<FieldError>> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            vec![FieldError::new(
                "role",
                Text::fixed("请选择角色", "Choose a role"),
            )]
        });
        let profile = Profile::parse(&self.email, &self.name, Some(&self.phone), None);
        let (role, profile) = both(role, profile)?;
        let region = Some(self.region.trim()).filter(|r| !r.is_empty());
        let assignment = Assignment::parse(role, region)
            .map_err(|message| vec![FieldError::new("region", message)])?;
        Ok(NewAccount {
            profile,
            assignment,
        })
    }
}

async fn invite_page(
    site: &Site,
    status: StatusCode,
    form: &InviteForm,
    errors: &Errors,
) -> PageResult {
    let me = manager(site)?;
    Ok(site.render(
        status,
        "admin/staff_new.html",
        json!({
            "values": {"email": form.email, "name": form.name, "phone": form.phone},
            "errors": errors.messages(),
            "roles": role_choices(me, &form.role),
            "regions": region_options(site, me, &form.region).await?,
        }),
    ))
}

async fn new_form(site: Site) -> PageResult {
    let form = InviteForm {
        role: Role::Cadre.as_str().to_owned(),
        ..InviteForm::default()
    };
    invite_page(&site, StatusCode::OK, &form, &Errors::none()).await
}

#[tracing::instrument(skip_all)]
async fn invite(site: Site, Form(form): Form<InviteForm>) -> PageResult {
    let me = manager(&site)?;
    if !site.form_ok(&form.csrf_token) {
        return invite_page(
            &site,
            StatusCode::FORBIDDEN,
            &form,
            &Errors::form(site.expired_form()),
        )
        .await;
    }
    let result = match form.account() {
        Ok(account) => accounts::invite(&site, me, account).await,
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    let (status, errors) = match result {
        Ok(user) => return Ok(site.done(&format!("/staff/{}", user.id), Flash::StaffInvited)),
        Err(ServiceError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(ServiceError::Conflict(why)) => {
            (StatusCode::CONFLICT, vec![FieldError::new("email", why)])
        }
        Err(e) => return Err(site.fail(e)),
    };
    invite_page(&site, status, &form, &Errors::from(errors)).await
}

/// The change form on a member's page as it posts.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ChangeForm {
    csrf_token: String,
    name: String,
    phone: String,
    role: String,
    region: String,
}

impl ChangeForm {
    fn of(u: &user::Model) -> Self {
        Self {
            csrf_token: String::new(),
            name: u.name.clone(),
            phone: u.phone.clone().unwrap_or_default(),
            role: u.role.as_str().to_owned(),
            region: u.region.as_deref().map(padded_code).unwrap_or_default(),
        }
    }

    fn change(&self) -> Result<AccountChange, Vec<FieldError>> {
        let region = Some(self.region.trim()).filter(|r| !r.is_empty());
        let role = Some(self.role.trim()).filter(|r| !r.is_empty());
        AccountChange::parse(Some(&self.name), Some(&self.phone), role, region, None)
    }
}

async fn member_page(
    site: &Site,
    status: StatusCode,
    u: &user::Model,
    form: &ChangeForm,
    errors: &Errors,
) -> PageResult {
    let me = manager(site)?;
    let names = place_names(site, std::slice::from_ref(u)).await?;
    Ok(site.render(
        status,
        "admin/staff_member.html",
        json!({
            "member": row(u, &names),
            "myself": u.id == me.user_id,
            "staff": u.role != Role::Volunteer,
            "values": {"name": form.name, "phone": form.phone},
            "errors": errors.messages(),
            "roles": role_choices(me, &form.role),
            "regions": region_options(site, me, &form.region).await?,
        }),
    ))
}

async fn in_reach(site: &Site, me: &Caller, id: &str) -> Result<user::Model, actix_web::Error> {
    let id = site.path_id(id)?;
    staff::get(&site.db, me, id).await.map_err(|e| site.fail(e))
}

async fn member(site: Site, id: web::Path<String>) -> PageResult {
    let me = manager(&site)?;
    let u = in_reach(&site, me, &id).await?;
    member_page(
        &site,
        StatusCode::OK,
        &u,
        &ChangeForm::of(&u),
        &Errors::none(),
    )
    .await
}

#[tracing::instrument(skip_all)]
async fn save(site: Site, id: web::Path<String>, Form(form): Form<ChangeForm>) -> PageResult {
    let me = manager(&site)?;
    let u = in_reach(&site, me, &id).await?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return member_page(&site, StatusCode::FORBIDDEN, &u, &form, &errors).await;
    }
    let result = match form.change() {
        Ok(change) => staff::change(&site.db, me, u.id, change).await,
        Err(errors) => Err(ServiceError::Invalid(errors)),
    };
    match result {
        Ok(saved) => Ok(site.done(&format!("/staff/{}", saved.id), Flash::StaffSaved)),
        Err(ServiceError::Invalid(errors)) => {
            let errors = Errors::from(errors);
            member_page(&site, StatusCode::UNPROCESSABLE_ENTITY, &u, &form, &errors).await
        }
        Err(e) => Err(site.fail(e)),
    }
}

/// The confirm step of a deactivation or reactivation.
async fn active_page(
    site: &Site,
    status: StatusCode,
    u: &user::Model,
    error: Option<Text>,
) -> PageResult {
    let names = place_names(site, std::slice::from_ref(u)).await?;
    Ok(site.render(
        status,
        "admin/staff_active.html",
        json!({
            "member": row(u, &names),
            "error": error.map(|e| e.get(i18n::current()).to_owned()),
        }),
    ))
}

async fn confirm_active(site: Site, id: web::Path<String>) -> PageResult {
    let me = manager(&site)?;
    let u = in_reach(&site, me, &id).await?;
    active_page(&site, StatusCode::OK, &u, None).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ActiveForm {
    csrf_token: String,
    active: String,
}

#[tracing::instrument(skip_all)]
async fn set_active(site: Site, id: web::Path<String>, Form(form): Form<ActiveForm>) -> PageResult {
    let me = manager(&site)?;
    let u = in_reach(&site, me, &id).await?;
    if !site.form_ok(&form.csrf_token) {
        return active_page(&site, StatusCode::FORBIDDEN, &u, Some(site.expired_form())).await;
    }
    let active = form.active == "true";
    let change = AccountChange {
        active: Some(active),
        ..AccountChange::default()
    };
    match staff::change(&site.db, me, u.id, change).await {
        Ok(_) => {
            let flash = if active {
                Flash::StaffReactivated
            } else {
                Flash::StaffDeactivated
            };
            Ok(site.done(&format!("/staff/{}", u.id), flash))
        }
        Err(ServiceError::Invalid(mut errors)) if !errors.is_empty() => {
            let why = errors.remove(0).message;
            active_page(&site, StatusCode::UNPROCESSABLE_ENTITY, &u, Some(why)).await
        }
        Err(e) => Err(site.fail(e)),
    }
}
