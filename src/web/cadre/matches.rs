//! A match as its cadre sees it, where the emails' links land: the need,
//! the household to check with, the volunteer's contact once they
//! accepted, the delivery report, the timeline, and the two things a cadre
//! does — confirm that the help arrived (`complete`, with an optional note
//! of what they checked) and cancel a match that failed (a reason
//! required) — each a form and a button, through the service the API's
//! routes call.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::CADRE;
use crate::domain::match_status::Transition;
use crate::domain::{Caller, MatchEventKind, MatchStatus, Role};
use crate::i18n::{self, Locale};
use crate::services::match_reads::{self, StaffMatch};
use crate::services::transitions::{self, Actor};
use crate::services::work_list::ChangeKind;
use crate::services::{ServiceError, households, matches::expires_label};
use crate::store::entity::match_event;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::need_labels::{category_name, urgency_badge};
use crate::web::page::{PageResult, t, tel};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/matches/{id}")
            .guard(Site::role_guard(CADRE))
            .route(web::get().to(show)),
    )
    .service(
        web::resource("/matches/{id}/{action}")
            .guard(Site::role_guard(CADRE))
            .route(web::post().to(act)),
    );
}

/// What a refused form sent, to show it again.
#[derive(Default)]
struct Typed {
    /// `complete` or `cancel`.
    form: &'static str,
    text: String,
}

/// `GET /matches/{id}`: a match of a need in the cadre's reach.
async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    let typed = Typed::default();
    match_page(&site, me, id, StatusCode::OK, Errors::none(), typed).await
}

async fn match_page(
    site: &Site,
    me: &Caller,
    id: Uuid,
    status: StatusCode,
    errors: Errors,
    typed: Typed,
) -> PageResult {
    let s = match_reads::staff_match(&site.db, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let events = match_reads::events(&site.db, me, id, None, 200)
        .await
        .map_err(|e| site.fail(e))?;
    let household = match households::get(site, me, s.need.household_id).await {
        Ok(h) => Some(
            json!({"head_name": crate::domain::household::shown_name(&h.head_name, crate::i18n::current()), "phone": h.phone, "tel": h.phone.as_deref().map(tel)}),
        ),
        Err(ServiceError::NotFound) => None,
        Err(e) => return Err(site.fail(e)),
    };
    let name = s.volunteer.as_ref().map(|v| v.name.as_str());
    let timeline: Vec<Value> = events
        .iter()
        .map(|e| event(site, me, &s, name, e))
        .collect();
    let delivered = events
        .iter()
        .rev()
        .find(|e| e.kind == MatchEventKind::Delivered)
        .map(|e| json!({"at": expires_label(site, e.at), "note": e.note}));
    let (complete, cancel) = match typed.form {
        "complete" => (typed.text, String::new()),
        "cancel" => (String::new(), typed.text),
        _ => Default::default(),
    };
    Ok(site.render(
        status,
        "cadre/match.html",
        json!({
            "match": summary(site, &s), "household": household, "events": timeline,
            "delivered": delivered, "errors": errors.messages(), "open": typed.form,
            "note": complete, "reason": cancel,
        }),
    ))
}

/// The match and its need, as the page shows them.
fn summary(site: &Site, s: &StaffMatch) -> Value {
    let locale = i18n::current();
    let (m, n) = (&s.m, &s.need);
    let (urgency, urgency_class) = urgency_badge(n.urgency);
    json!({
        "id": m.id, "need_id": n.id, "title": n.title, "description": n.description,
        "category": category_name(n.category),
        "urgency": urgency, "urgency_class": urgency_class,
        "village": s.village_name,
        "status": m.status.as_str(), "status_label": m.status.label().get(locale),
        "expires": m.expires_at.filter(|_| m.status == MatchStatus::Proposed).map(|at| expires_label(site, at)),
        "volunteer": s.volunteer.as_ref().map(|v| json!({
            "name": v.name, "phone": v.phone, "tel": v.phone.as_deref().map(tel), "email": v.email,
        })),
    })
}

/// One line of the timeline, told from the cadre's side.
fn event(
    site: &Site,
    me: &Caller,
    s: &StaffMatch,
    volunteer: Option<&str>,
    e: &match_event::Model,
) -> Value {
    let by_me = e.actor_id == Some(me.user_id);
    let what = match ChangeKind::of(e, s.m.origin) {
        Some(ChangeKind::Completed) if by_me => t(
            "您确认了帮助已送达，帮扶完成",
            "You confirmed the help arrived: completed",
        ),
        Some(ChangeKind::Cancelled) if by_me => t("您取消了这次帮扶", "You cancelled this match"),
        Some(kind) => change_text(kind, volunteer),
        None if e.from_status.is_none() => t(
            "需求提议给了一位爱心人士",
            "The need was proposed to a volunteer",
        ),
        None => t("重新提议", "Proposed again"),
    };
    // A match's first event carries the system's own note (its round),
    // not a person's words.
    let note = e.from_status.and(e.note.as_deref());
    json!({"what": what, "at": expires_label(site, e.at), "note": note})
}

/// What happened to a match, in a sentence: the work list's news and the
/// match's timeline. `volunteer` is their name where they had accepted.
pub(super) fn change_text(kind: ChangeKind, volunteer: Option<&str>) -> String {
    let locale = i18n::current();
    let who = volunteer.unwrap_or(match locale {
        Locale::ZhCn => "爱心人士",
        Locale::En => "The volunteer",
    });
    match (kind, locale) {
        (ChangeKind::Accepted, Locale::ZhCn) => format!("{who} 接受了提议"),
        (ChangeKind::Accepted, Locale::En) => format!("{who} accepted the proposal"),
        (ChangeKind::Claimed, Locale::ZhCn) => format!("{who} 认领了这项需求"),
        (ChangeKind::Claimed, Locale::En) => format!("{who} claimed the need"),
        (ChangeKind::Delivered, Locale::ZhCn) => format!("{who} 报告帮助已送达"),
        (ChangeKind::Delivered, Locale::En) => format!("{who} reported the help delivered"),
        (ChangeKind::Declined, _) => t(
            "爱心人士婉拒了提议，需求重新开放",
            "A volunteer declined the proposal; the need is open again",
        ),
        (ChangeKind::Expired, _) => t(
            "提议到期未答复，需求重新开放",
            "The proposal expired unanswered; the need is open again",
        ),
        (ChangeKind::Cancelled, Locale::ZhCn) => format!("与 {who} 的帮扶被取消，需求重新开放"),
        (ChangeKind::Cancelled, Locale::En) => {
            format!("The match with {who} was cancelled; the need is open again")
        }
        (ChangeKind::Completed, Locale::ZhCn) => format!("与 {who} 的帮扶已确认完成"),
        (ChangeKind::Completed, Locale::En) => {
            format!("The match with {who} was confirmed complete")
        }
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    note: Option<String>,
    reason: Option<String>,
}

/// `POST /matches/{id}/complete|cancel`, then back to the match's page.
async fn act(site: Site, path: web::Path<(String, String)>, form: Form<MoveForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let (id, action) = path.into_inner();
    let id = site.path_id(&id)?;
    let Form(form) = form;
    let (transition, form_name, text, done) = match action.as_str() {
        "complete" => (
            Transition::Complete,
            "complete",
            form.note,
            Flash::Completed,
        ),
        "cancel" => (
            Transition::Cancel,
            "cancel",
            form.reason,
            Flash::MatchCancelledNeedOpen,
        ),
        _ => return Err(site.fail(ServiceError::NotFound)),
    };
    let typed = Typed {
        form: form_name,
        text: text.clone().unwrap_or_default(),
    };
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return match_page(&site, me, id, StatusCode::FORBIDDEN, errors, typed).await;
    }
    let moved = transitions::apply(&site, Actor::Caller(me), id, transition, text.as_deref()).await;
    let here = format!("/matches/{id}");
    match moved {
        Ok(_) => Ok(site.done(&here, done)),
        Err(ServiceError::Conflict(_)) => Ok(site.done(&here, Flash::NotToConfirm)),
        Err(ServiceError::Invalid(errors)) => {
            let errors = Errors::from(errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            match_page(&site, me, id, status, errors, typed).await
        }
        Err(e) => Err(site.fail(e)),
    }
}
