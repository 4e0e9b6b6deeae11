//! One match's page, and what the volunteer does there (or from the
//! list): accept, decline (a reason if they like), cancel (a reason they
//! must give), report the help delivered (a note if they like). Every move
//! goes through the service the API's route calls; a move the match no
//! longer allows (a proposal expired or answered meanwhile) comes back to
//! the match's page with a message saying so, a refused field with its
//! message beside it.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Tab, iso, item};
use crate::domain::match_status::Transition;
use crate::domain::{Caller, MatchEventKind, MatchOrigin, MatchStatus, Role};
use crate::i18n::{self, Text};
use crate::services::match_reads::{self, VolunteerMatch};
use crate::services::transitions::{self, Actor};
use crate::services::{ServiceError, delivery, matches::expires_label};
use crate::store::entity::match_event;
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::page::PageResult;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/matches/{id}").route(web::get().to(show)))
        .service(web::resource("/matches/{id}/{action}").route(web::post().to(act)));
}

/// What a refused form sent, to show it again.
#[derive(Default)]
struct Typed {
    /// The form that was refused: `decline`, `cancel` or `delivered`.
    form: &'static str,
    reason: String,
    note: String,
}

/// `GET /matches/{id}`: one of the volunteer's matches; another's is not found.
async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let id = site.path_id(&path)?;
    match_page(
        &site,
        me,
        id,
        StatusCode::OK,
        Errors::none(),
        Typed::default(),
    )
    .await
}

async fn match_page(
    site: &Site,
    me: &Caller,
    id: Uuid,
    status: StatusCode,
    errors: Errors,
    typed: Typed,
) -> PageResult {
    let v = match_reads::volunteer_match(&site.db, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let events = match_reads::events(&site.db, me, id, None, 200)
        .await
        .map_err(|e| site.fail(e))?;
    let timeline: Vec<Value> = events.iter().map(|e| event(site, me, &v, e)).collect();
    // The match waits for the cadre once its volunteer reported delivery.
    let delivered = events
        .iter()
        .rev()
        .find(|e| e.kind == MatchEventKind::Delivered)
        .map(|e| expires_label(site, e.at));
    Ok(site.render(
        status,
        "volunteer/match.html",
        json!({
            "match": item(site, &v), "events": timeline, "delivered": delivered,
            "back": format!("/matches?tab={}", Tab::of(v.m.status).key()),
            "errors": errors.messages(), "open": typed.form, "reason": typed.reason, "note": typed.note,
        }),
    ))
}

/// One line of the match's timeline, told from the volunteer's side.
fn event(site: &Site, me: &Caller, v: &VolunteerMatch, e: &match_event::Model) -> Value {
    let by_me = e.actor_id == Some(me.user_id);
    let what = match (e.kind, e.from_status, e.to_status) {
        (MatchEventKind::Delivered, ..) => Text::fixed(
            "您报告帮助已送达，等待村干部确认",
            "You reported the help delivered; the cadre is to confirm",
        ),
        (MatchEventKind::Transition, from, to) => transition_text(v, by_me, from, to),
    };
    // A match's first event carries the system's own note (its round),
    // not a person's words.
    let note = e.from_status.and(e.note.as_deref());
    json!({"what": what.get(i18n::current()), "at": expires_label(site, e.at), "iso": iso(e.at), "note": note})
}

fn transition_text(
    v: &VolunteerMatch,
    by_me: bool,
    from: Option<MatchStatus>,
    to: MatchStatus,
) -> Text {
    use MatchStatus::*;
    match (from, to) {
        (None, Proposed) => Text::fixed("需求提议给了您", "The need was proposed to you"),
        (None, Accepted) if v.m.origin == MatchOrigin::Claim => {
            Text::fixed("您认领了这项需求", "You claimed this need")
        }
        (None, _) => Text::fixed("匹配已建立", "The match was made"),
        (_, Accepted) => Text::fixed("您接受了提议", "You accepted the proposal"),
        (_, Declined) => Text::fixed("您婉拒了提议", "You declined the proposal"),
        (_, Expired) => Text::fixed("提议到期未答复", "The proposal expired without an answer"),
        (_, Cancelled) if by_me => Text::fixed("您取消了这次帮扶", "You cancelled this match"),
        (_, Cancelled) => Text::fixed("这次帮扶被取消了", "This match was cancelled"),
        (_, Completed) => Text::fixed(
            "村干部确认帮助已送达，帮扶完成",
            "The cadre confirmed the help arrived: completed",
        ),
        (_, Proposed) => Text::fixed("重新提议", "Proposed again"),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    reason: Option<String>,
    note: Option<String>,
}

/// What a volunteer does to a match from its page or the list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Move {
    Accept,
    Decline,
    Cancel,
    Delivered,
}

impl Move {
    const ALL: [Move; 4] = [Move::Accept, Move::Decline, Move::Cancel, Move::Delivered];

    /// Its name in the path, and in the page as the form it came from.
    fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Cancel => "cancel",
            Self::Delivered => "delivered",
        }
    }

    fn parse(action: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == action)
    }

    /// The message after it worked, and the one when the match no longer
    /// allowed it.
    fn flashes(self) -> (Flash, Flash) {
        match self {
            Self::Accept => (Flash::Accepted, Flash::AnswerTooLate),
            Self::Decline => (Flash::Declined, Flash::AnswerTooLate),
            Self::Cancel => (Flash::Cancelled, Flash::MatchNotUnderWay),
            Self::Delivered => (Flash::Delivered, Flash::MatchNotUnderWay),
        }
    }
}

/// `POST /matches/{id}/accept|decline|cancel|delivered`, then back to the
/// match's page.
async fn act(site: Site, path: web::Path<(String, String)>, form: Form<MoveForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let (id, action) = path.into_inner();
    let id = site.path_id(&id)?;
    let action = Move::parse(&action).ok_or_else(|| site.fail(ServiceError::NotFound))?;
    let Form(form) = form;
    let typed = Typed {
        form: action.as_str(),
        reason: form.reason.clone().unwrap_or_default(),
        note: form.note.clone().unwrap_or_default(),
    };
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return match_page(&site, me, id, StatusCode::FORBIDDEN, errors, typed).await;
    }
    let by = Actor::Caller(me);
    let moved = match action {
        Move::Accept => transitions::apply(&site, by, id, Transition::Accept, None).await,
        Move::Decline => {
            let reason = form.reason.as_deref();
            transitions::apply(&site, by, id, Transition::Decline, reason).await
        }
        Move::Cancel => {
            let reason = form.reason.as_deref();
            transitions::apply(&site, by, id, Transition::Cancel, reason).await
        }
        Move::Delivered => delivery::report(&site, me, id, form.note.as_deref()).await,
    };
    let here = format!("/matches/{id}");
    let (done, too_late) = action.flashes();
    match moved {
        Ok(_) => Ok(site.done(&here, done)),
        Err(ServiceError::Conflict(_)) => Ok(site.done(&here, too_late)),
        Err(ServiceError::Invalid(errors)) => {
            let errors = Errors::from(errors);
            match_page(
                &site,
                me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                typed,
            )
            .await
        }
        Err(e) => Err(site.fail(e)),
    }
}
