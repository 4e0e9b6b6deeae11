//! The standing help's pages (户帮户亲帮亲): a cadre marks a key household,
//! pairs it with a helper found by name or phone, and ends pairings; a
//! helper agrees to standing pairings, sees their households (name and
//! village only) and logs visits from a phone; both log visits with the
//! needs raised there, and the cadre confirms a helper's suggestions.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Site;
use super::flash::Flash;
use super::form::{Errors, Form};
use super::need_labels::category_name;
use super::page::PageResult;
use crate::domain::household::HouseholdTag;
use crate::domain::need::NeedFields;
use crate::domain::pairing::{
    VisitFields, VisitHead, VisitKind, name_by_row, raised_of, reason_of, visit_every_of,
};
use crate::domain::period::local_date;
use crate::domain::{Caller, Category, FieldError, Role};
use crate::i18n::{self, Text};
use crate::services::pairings::{self, NewPairing, PairingFilter, PairingView};
use crate::services::visits::{self, NewVisit, VisitFilter};
use crate::services::{ServiceError, need_stories};
use crate::store::entity::{household, visit};
use crate::store::{self, now_ms};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/pairings").route(web::get().to(list)))
        .service(web::resource("/pairings/standing").route(web::post().to(standing)))
        .service(web::resource("/pairings/{id}").route(web::get().to(show)))
        .service(web::resource("/pairings/{id}/end").route(web::post().to(end)))
        .service(web::resource("/households/{id}/key").route(web::post().to(mark_key)))
        .service(web::resource("/households/{id}/unkey").route(web::post().to(unmark_key)))
        .service(web::resource("/households/{id}/pair").route(web::post().to(pair)))
        .service(
            web::resource("/visits/new")
                .route(web::get().to(visit_form))
                .route(web::post().to(visit_log)),
        )
        .service(web::resource("/suggestions").route(web::get().to(suggestions)))
        .service(web::resource("/suggestions/{id}/{answer}").route(web::post().to(decide)));
}

/// A day in the service's time zone, as people read it: `2026-12-01`.
fn day(site: &Site, ms: i64) -> String {
    local_date(ms, site.settings.timezone).to_string()
}

/// A pairing as the pages show it.
fn pairing_value(site: &Site, v: &PairingView, now: i64) -> Value {
    let p = &v.row;
    let overdue = v.next_visit_due.is_some_and(|d| d < now);
    json!({
        "id": p.id, "url": format!("/pairings/{}", p.id),
        "household_name": v.household_name, "village_name": v.village_name,
        "household_url": format!("/households/{}", p.household_id),
        "visit_url": format!("/visits/new?household={}", p.household_id),
        "helper_name": v.helper_name, "liaison_name": v.liaison_name,
        "started_on": day(site, p.started_at),
        "ended_on": p.ended_at.map(|at| day(site, at)), "end_reason": p.end_reason,
        "every_days": p.visit_every_days,
        "last_visit": p.last_visit_at.map(|at| day(site, at)),
        "next_due": v.next_visit_due.map(|at| day(site, at)),
        "overdue": overdue,
        "overdue_days": v.next_visit_due.filter(|_| overdue).map(|d| (now - d) / crate::domain::time::DAY_MS),
    })
}

/// Visits as the pages list them, with who made each.
async fn visit_values(site: &Site, rows: &[visit::Model]) -> Result<Vec<Value>, ServiceError> {
    let people: Vec<Uuid> = rows.iter().map(|v| v.visitor_id).collect();
    let names = store::accounts::names(&site.db, &people).await?;
    let locale = i18n::current();
    Ok(rows
        .iter()
        .map(|v| {
            let kind = v.kind.parse::<VisitKind>().ok();
            json!({
                "on": day(site, v.at),
                "kind": kind.map(|k| k.label().get(locale).to_owned()).unwrap_or_default(),
                "relation": v.relation, "notes": v.notes,
                "visitor": names.get(&v.visitor_id).cloned().unwrap_or_default(),
            })
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    overdue: Option<String>,
}

/// `/pairings`: a cadre's pairings in reach, the overdue first; a helper's
/// own households, with the agreement to standing pairings.
#[tracing::instrument(skip_all)]
async fn list(site: Site, q: web::Query<ListQuery>) -> PageResult {
    let me = site.signed_in()?;
    if !matches!(me.role, Role::Cadre | Role::Volunteer) {
        return Err(site.fail(ServiceError::Forbidden));
    }
    let filter = PairingFilter {
        active_only: me.role == Role::Volunteer,
        ..PairingFilter::default()
    };
    let views = pairings::list(&site, me, &filter)
        .await
        .map_err(|e| site.fail(e))?;
    let now = now_ms();
    let mut items: Vec<Value> = views.iter().map(|v| pairing_value(&site, v, now)).collect();
    // Active before ended; the longest overdue first.
    items.sort_by_key(|v| {
        (
            v["ended_on"].is_string(),
            !v["overdue"].as_bool().unwrap_or(false),
            -v["overdue_days"].as_i64().unwrap_or(0),
        )
    });
    let only_overdue = q.overdue.is_some();
    if only_overdue {
        items.retain(|v| v["overdue"].as_bool().unwrap_or(false));
    }
    let standing = match me.role {
        Role::Volunteer => pairings::is_standing(&site.db, me.user_id)
            .await
            .map_err(|e| site.fail(e))?,
        _ => false,
    };
    Ok(site.render(
        StatusCode::OK,
        "pairings/list.html",
        json!({
            "helper": me.role == Role::Volunteer, "items": items, "standing": standing,
            "only_overdue": only_overdue, "limit": site.settings.pairing_limit,
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StandingForm {
    csrf_token: String,
    standing: String,
}

async fn standing(site: Site, Form(form): Form<StandingForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    if !site.form_ok(&form.csrf_token) {
        return Err(site.fail(ServiceError::Conflict(site.expired_form())));
    }
    let agree = form.standing == "yes";
    pairings::set_standing(&site, me, agree)
        .await
        .map_err(|e| site.fail(e))?;
    let flash = if agree {
        Flash::StandingOn
    } else {
        Flash::StandingOff
    };
    Ok(site.done("/pairings", flash))
}

/// `/pairings/{id}`: the household (name and village), the pairing and its
/// visits; the cadre may end it.
async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.signed_in()?;
    let id = site.path_id(&path)?;
    let view = pairings::get(&site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let filter = VisitFilter {
        pairing: Some(id),
        ..VisitFilter::default()
    };
    let rows = visits::list(&site, me, &filter)
        .await
        .map_err(|e| site.fail(e))?;
    let visits = visit_values(&site, &rows).await.map_err(|e| site.fail(e))?;
    show_page(&site, me, &view, visits, StatusCode::OK, &Errors::none())
}

fn show_page(
    site: &Site,
    me: &Caller,
    view: &PairingView,
    visits: Vec<Value>,
    status: StatusCode,
    errors: &Errors,
) -> PageResult {
    Ok(site.render(
        status,
        "pairings/pairing.html",
        json!({
            "pairing": pairing_value(site, view, now_ms()), "visits": visits,
            "cadre": me.role == Role::Cadre, "errors": errors.messages(),
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    csrf_token: String,
    reason: String,
}

async fn end(site: Site, path: web::Path<String>, Form(form): Form<ReasonForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    let view = pairings::get(&site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let refused = if !site.form_ok(&form.csrf_token) {
        Some((Errors::form(site.expired_form()), StatusCode::FORBIDDEN))
    } else {
        match reason_of("reason", &form.reason) {
            Ok(reason) => {
                pairings::end(&site, me, id, reason)
                    .await
                    .map_err(|e| site.fail(e))?;
                None
            }
            Err(e) => Some((Errors::from(vec![e]), StatusCode::UNPROCESSABLE_ENTITY)),
        }
    };
    let Some((errors, status)) = refused else {
        return Ok(site.done(
            &format!("/households/{}", view.row.household_id),
            Flash::PairingEnded,
        ));
    };
    let filter = VisitFilter {
        pairing: Some(id),
        ..VisitFilter::default()
    };
    let rows = visits::list(&site, me, &filter)
        .await
        .map_err(|e| site.fail(e))?;
    let visits = visit_values(&site, &rows).await.map_err(|e| site.fail(e))?;
    show_page(&site, me, &view, visits, status, &errors)
}

/// The household page's part about standing help: whether the household is
/// key, its pairing, helpers found for it, and its latest visits.
pub async fn household_part(
    site: &Site,
    me: &Caller,
    h: &household::Model,
    helper_query: Option<&str>,
    errors: &Errors,
) -> Result<Value, ServiceError> {
    let marks = pairings::key_marks(&site.db, &[h.id]).await?;
    let key = marks.get(&h.id).map(|k| {
        let reason = HouseholdTag::parse(&k.reason)
            .map(|t| t.label().get(i18n::current()).to_owned())
            .unwrap_or_else(|_| k.reason.clone());
        json!({"reason": reason, "since": day(site, k.marked_at)})
    });
    let filter = PairingFilter {
        household: Some(h.id),
        ..PairingFilter::default()
    };
    let now = now_ms();
    let history = pairings::list(site, me, &filter).await?;
    let active = history
        .iter()
        .find(|v| v.row.ended_at.is_none())
        .map(|v| pairing_value(site, v, now));
    let ended: Vec<Value> = history
        .iter()
        .filter(|v| v.row.ended_at.is_some())
        .map(|v| pairing_value(site, v, now))
        .collect();
    let query = helper_query.map(str::trim).filter(|q| !q.is_empty());
    let (found, search_error) = match query {
        Some(q) if key.is_some() && active.is_none() => {
            match pairings::find_helpers(site, me, q).await {
                Ok(found) => (found, None),
                Err(ServiceError::Invalid(e)) => (
                    Vec::new(),
                    e.first().map(|e| e.message.get(i18n::current()).to_owned()),
                ),
                Err(e) => return Err(e),
            }
        }
        _ => (Vec::new(), None),
    };
    let found: Vec<Value> = found
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name, "pairings": c.active_pairings, "limit": c.limit, "full": c.active_pairings >= u64::from(c.limit)}))
        .collect();
    let rows = visits::list(
        site,
        me,
        &VisitFilter {
            household: Some(h.id),
            limit: Some(5),
            ..VisitFilter::default()
        },
    )
    .await?;
    let recent = visit_values(site, &rows).await?;
    let liaisons: Vec<Value> = liaison_choices(site, h)
        .await?
        .into_iter()
        .map(|(id, name)| json!({"value": id, "label": name, "selected": false}))
        .collect();
    let reasons: Vec<Value> = HouseholdTag::ALL
        .iter()
        .map(|t| json!({"value": t.code(), "label": t.label().get(i18n::current()), "selected": false}))
        .collect();
    Ok(json!({
        "key": key, "active": active, "ended": ended, "reasons": reasons,
        "helper_query": query.unwrap_or_default(), "searched": query.is_some(),
        "found": found, "search_error": search_error, "visits": recent, "liaisons": liaisons,
        "visit_url": format!("/visits/new?household={}", h.id),
        "errors": errors.messages(),
    }))
}

/// The liaisons a pairing may name: the active cadres whose region holds
/// the household's township, by name.
async fn liaison_choices(
    site: &Site,
    h: &household::Model,
) -> Result<Vec<(Uuid, String)>, ServiceError> {
    use crate::store::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let township = h.region.get(..9).unwrap_or(&h.region);
    let cadres = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Cadre))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Region.starts_with(township))
        .order_by_asc(user::Column::Name)
        .all(&site.db)
        .await?;
    Ok(cadres
        .into_iter()
        .filter(|u| {
            u.region
                .as_deref()
                .and_then(|r| crate::domain::RegionPrefix::parse(r).ok())
                .is_some_and(|p| p.contains(&h.region))
        })
        .map(|u| (u.id, u.name))
        .collect())
}

/// The household's page again after a form whose token expired.
async fn expired(site: &Site, me: &Caller, id: Uuid) -> PageResult {
    let errors = Errors::form(site.expired_form());
    household_again(site, me, id, errors, StatusCode::FORBIDDEN).await
}

/// Back to the household's page with a form's errors, shown in its part.
async fn household_again(
    site: &Site,
    me: &Caller,
    id: Uuid,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    super::cadre::household_page::render(site, me, id, None, None, errors, status).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyForm {
    csrf_token: String,
    reason: String,
}

async fn mark_key(site: Site, path: web::Path<String>, Form(form): Form<KeyForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    if !site.form_ok(&form.csrf_token) {
        return expired(&site, me, id).await;
    }
    if form.reason.trim().is_empty() {
        let errors = Errors::from(vec![FieldError::new(
            "reason",
            Text::fixed("请选择原因", "Choose a reason"),
        )]);
        return household_again(&site, me, id, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match pairings::mark_key(&site, me, id, &form.reason).await {
        Ok(_) => Ok(site.done(&format!("/households/{id}#standing"), Flash::KeyMarked)),
        Err(ServiceError::Invalid(e)) => {
            household_again(
                &site,
                me,
                id,
                Errors::from(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(site.fail(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    csrf_token: String,
}

async fn unmark_key(
    site: Site,
    path: web::Path<String>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    if !site.form_ok(&form.csrf_token) {
        return expired(&site, me, id).await;
    }
    pairings::unmark_key(&site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(site.done(&format!("/households/{id}#standing"), Flash::KeyUnmarked))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PairForm {
    csrf_token: String,
    helper_id: String,
    liaison_id: String,
    visit_every_days: String,
}

async fn pair(site: Site, path: web::Path<String>, Form(form): Form<PairForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    if !site.form_ok(&form.csrf_token) {
        return expired(&site, me, id).await;
    }
    let mut errors = Vec::new();
    let helper = Uuid::parse_str(form.helper_id.trim()).map_err(|_| {
        errors.push(FieldError::new(
            "helper_id",
            Text::fixed("请先找到并选定一位帮扶人", "Find and pick a helper first"),
        ))
    });
    let every = match form.visit_every_days.trim() {
        "" => visit_every_of(None),
        // Not a number is out of range, with the same message.
        days => visit_every_of(Some(days.parse().unwrap_or(0))),
    }
    .map_err(|e| errors.push(e));
    let liaison = match form.liaison_id.trim() {
        "" => Ok(None),
        text => Uuid::parse_str(text).map(Some).map_err(|_| {
            errors.push(FieldError::new(
                "liaison_id",
                Text::fixed("没有这个人", "No such person"),
            ))
        }),
    };
    let (Ok(helper_id), Ok(visit_every_days), Ok(liaison_id), true) =
        (helper, every, liaison, errors.is_empty())
    else {
        return household_again(
            &site,
            me,
            id,
            Errors::from(errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewPairing {
        household_id: id,
        helper_id,
        liaison_id,
        visit_every_days,
    };
    match pairings::create(&site, me, new).await {
        Ok(_) => Ok(site.done(&format!("/households/{id}#standing"), Flash::Paired)),
        Err(ServiceError::Invalid(e)) => {
            household_again(
                &site,
                me,
                id,
                Errors::from(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict(why)) => {
            household_again(
                &site,
                me,
                id,
                Errors::from(vec![FieldError::new("helper_id", why)]),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(site.fail(e)),
    }
}

/// How many raised-need rows the visit form offers.
const RAISED_ROWS: usize = 3;

#[derive(Deserialize, Default)]
#[serde(default)]
struct VisitQuery {
    household: String,
}

/// What the visit form posts; the raised needs as parallel lists, a row
/// left without a title being no need.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
struct VisitForm {
    csrf_token: String,
    household: String,
    at: String,
    kind: String,
    relation: String,
    notes: String,
    raised_category: Vec<String>,
    raised_title: Vec<String>,
    raised_description: Vec<String>,
    raised_urgency: Vec<String>,
}

impl VisitForm {
    /// The rows a person filled in: those with a category or a title.
    fn rows(&self) -> Vec<(String, String, String, String)> {
        let at = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
        (0..RAISED_ROWS)
            .map(|i| {
                (
                    at(&self.raised_category, i),
                    at(&self.raised_title, i),
                    at(&self.raised_description, i),
                    at(&self.raised_urgency, i),
                )
            })
            .collect()
    }
}

/// The household the form is for, as the visitor may see it: a helper or
/// liaison of its pairing sees its name and village; a cadre in reach too.
async fn visit_target(
    site: &Site,
    me: &Caller,
    household: &str,
) -> Result<(Uuid, String, String, bool), actix_web::Error> {
    let id = site.path_id(household.trim())?;
    let h = store::households::find(&site.db, id)
        .await
        .map_err(|e| site.fail(e.into()))?
        .ok_or_else(|| site.fail(ServiceError::NotFound))?;
    let paired = pairings::active_of_household(&site.db, id)
        .await
        .map_err(|e| site.fail(e))?;
    let mine = paired
        .as_ref()
        .is_some_and(|p| p.helper_id == me.user_id || p.liaison_id == Some(me.user_id));
    let staff = me.role == Role::Cadre && me.reaches(&h.region);
    if !(mine || staff) {
        return Err(site.fail(ServiceError::NotFound));
    }
    let village = store::regions::find(&site.db, &h.region)
        .await
        .map_err(|e| site.fail(e.into()))?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok((
        id,
        crate::domain::household::shown_name(&h.head_name, crate::i18n::current()),
        village,
        paired.is_some(),
    ))
}

async fn visit_form(site: Site, q: web::Query<VisitQuery>) -> PageResult {
    let me = site.signed_in()?;
    let target = visit_target(&site, me, &q.household).await?;
    let form = VisitForm {
        household: q.household.clone(),
        at: day(&site, now_ms()),
        kind: if me.role == Role::Cadre && !target.3 {
            "cadre"
        } else {
            "pairing"
        }
        .to_owned(),
        ..VisitForm::default()
    };
    visit_page(&site, me, &target, &form, &Errors::none(), StatusCode::OK)
}

fn visit_page(
    site: &Site,
    me: &Caller,
    (id, name, village, paired): &(Uuid, String, String, bool),
    form: &VisitForm,
    errors: &Errors,
    status: StatusCode,
) -> PageResult {
    let locale = i18n::current();
    let kinds: Vec<Value> = VisitKind::ALL
        .iter()
        .filter(|k| match (me.role, k) {
            (Role::Volunteer, VisitKind::Pairing) => true,
            (Role::Volunteer, _) => false,
            (_, VisitKind::Pairing) => *paired,
            _ => true,
        })
        .map(|k| json!({"value": k.as_str(), "label": k.label().get(locale), "hint": "", "checked": form.kind == k.as_str()}))
        .collect();
    let rows: Vec<Value> = form
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, (category, title, description, urgency))| {
            let categories: Vec<Value> = Category::ALL
                .iter()
                .map(|c| json!({"value": c.code(), "label": category_name(*c), "selected": c.code() == category}))
                .collect();
            json!({"index": i, "categories": categories, "title": title, "description": description,
                   "urgency": if urgency.is_empty() { "1".to_owned() } else { urgency }})
        })
        .collect();
    Ok(site.render(
        status,
        "pairings/visit_form.html",
        json!({
            "household": {"id": id, "name": name, "village": village,
                          "url": if me.role == Role::Cadre { format!("/households/{id}") } else { "/pairings".to_owned() }},
            "helper": me.role == Role::Volunteer,
            "values": {"at": form.at, "relation": form.relation, "notes": form.notes},
            "kinds": kinds, "rows": rows, "errors": errors.messages(),
        }),
    ))
}

/// The form as the API's visit, every bad field named as the form names it.
fn parse_visit(site: &Site, id: Uuid, form: &VisitForm) -> Result<NewVisit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let fields = VisitFields {
        at: &form.at,
        kind: &form.kind,
        relation: &form.relation,
        notes: &form.notes,
    };
    let head = VisitHead::parse(fields, site.settings.timezone, now_ms(), &mut errors);
    let rows = form.rows();
    let filled: Vec<(usize, NeedFields<'_>)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.0.trim().is_empty() || !r.1.trim().is_empty())
        .map(|(i, r)| {
            (
                i,
                NeedFields {
                    category: Some(&r.0),
                    title: Some(&r.1),
                    description: Some(&r.2),
                    urgency: Some(r.3.trim().parse().unwrap_or(0)),
                },
            )
        })
        .collect();
    let rows: Vec<usize> = filled.iter().map(|(i, _)| *i).collect();
    let raised = raised_of("raised", filled.iter().map(|(_, f)| (Some(id), *f)))
        .map_err(|es| errors.extend(es.into_iter().map(|e| name_by_row("raised", e, &rows))))
        .unwrap_or_default();
    match head {
        Some(head) if errors.is_empty() => Ok(NewVisit::of(id, head, raised)),
        _ => Err(errors),
    }
}

#[tracing::instrument(skip_all)]
async fn visit_log(site: Site, Form(form): Form<VisitForm>) -> PageResult {
    let me = site.signed_in()?;
    let target = visit_target(&site, me, &form.household).await?;
    if !site.form_ok(&form.csrf_token) {
        return visit_page(
            &site,
            me,
            &target,
            &form,
            &Errors::form(site.expired_form()),
            StatusCode::FORBIDDEN,
        );
    }
    let new = match parse_visit(&site, target.0, &form) {
        Ok(new) => new,
        Err(e) => {
            return visit_page(
                &site,
                me,
                &target,
                &form,
                &Errors::from(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match visits::log(&site, me, new).await {
        Ok(logged) => {
            let back = match me.role {
                Role::Cadre => format!("/households/{}#standing", target.0),
                _ => logged
                    .visit
                    .pairing_id
                    .map_or_else(|| "/pairings".to_owned(), |p| format!("/pairings/{p}")),
            };
            let flash = if logged.suggested.is_empty() {
                Flash::VisitLogged
            } else {
                Flash::VisitSuggested
            };
            Ok(site.done(&back, flash))
        }
        Err(ServiceError::Invalid(e)) => visit_page(
            &site,
            me,
            &target,
            &form,
            &Errors::from(e),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(ServiceError::Conflict(why) | ServiceError::Duplicate { why, .. }) => visit_page(
            &site,
            me,
            &target,
            &form,
            &Errors::form(why),
            StatusCode::CONFLICT,
        ),
        Err(e) => Err(site.fail(e)),
    }
}

/// `/suggestions`: the needs helpers raised at visits, for the cadre to
/// post or dismiss.
async fn suggestions(site: Site) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let rows = visits::pending_suggestions(&site, me)
        .await
        .map_err(|e| site.fail(e))?;
    let households: Vec<Uuid> = rows.iter().map(|s| s.household_id).collect();
    let people: Vec<Uuid> = rows.iter().map(|s| s.suggested_by).collect();
    let names = store::accounts::names(&site.db, &people)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let mut heads = std::collections::HashMap::new();
    for h in households {
        if let Ok((row, village)) = need_stories::household(&site, me, h).await {
            heads.insert(
                h,
                (
                    crate::domain::household::shown_name(&row.head_name, crate::i18n::current()),
                    village,
                ),
            );
        }
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|s| {
            let (head, village) = heads.get(&s.household_id).cloned().unwrap_or_default();
            json!({
                "id": s.id, "title": s.title, "description": s.description,
                "category": category_name(s.category), "urgency": s.urgency,
                "household": head, "village": village,
                "household_url": format!("/households/{}", s.household_id),
                "by": names.get(&s.suggested_by).cloned().unwrap_or_default(),
                "on": day(&site, s.created_at),
            })
        })
        .collect();
    Ok(site.render(
        StatusCode::OK,
        "pairings/suggestions.html",
        json!({"items": items}),
    ))
}

async fn decide(
    site: Site,
    path: web::Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let (id, answer) = path.into_inner();
    let id = site.path_id(&id)?;
    let confirm = match answer.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(site.fail(ServiceError::NotFound)),
    };
    if !site.form_ok(&form.csrf_token) {
        return Err(site.fail(ServiceError::Conflict(site.expired_form())));
    }
    match visits::decide(&site, me, id, confirm).await {
        Ok(_) => Ok(site.done(
            "/suggestions",
            if confirm {
                Flash::SuggestionPosted
            } else {
                Flash::SuggestionDismissed
            },
        )),
        Err(e) => Err(site.fail(e)),
    }
}

/// What the cadre's work list says of the standing help: pairings overdue
/// for a visit, and suggestions waiting.
pub async fn work_counts(site: &Site, me: &Caller) -> Result<Value, ServiceError> {
    let overdue = pairings::overdue_count(site, me, now_ms()).await?;
    let waiting = visits::pending_count(site, me).await?;
    Ok(json!({"overdue_visits": overdue, "suggestions": waiting}))
}
