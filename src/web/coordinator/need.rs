//! A need as the coordinator sees it (`GET /needs/{id}`, their own page
//! beside the cadre's and the volunteer's): its facts, its story, and the
//! offers ranked for it in docs/matching.md's order (the ranking the API's
//! `/needs/{id}/candidates` reads), each with why it fits and a button
//! that proposes the need to it by hand through the service of
//! `POST /api/v1/matches` (`POST /needs/{id}/propose`).

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{COORDINATORS, coordinator};
use crate::domain::escalation::{Acknowledgement, MAX_FOLLOW_UP_DAYS};
use crate::domain::period::local_date;
use crate::domain::{Caller, CategorySet, MatchStatus, NeedStatus};
use crate::i18n::{self, Locale};
use crate::services::ranking::{self, Ranked, Sight};
use crate::services::{ServiceError, escalations, matches, nearby, need_stories};
use crate::store::entity::offer;
use crate::store::{self, now_ms};
use crate::web::Site;
use crate::web::cadre::needs::story;
use crate::web::flash::Flash;
use crate::web::form::{Errors, Form};
use crate::web::need_labels::category_name;
use crate::web::page::{PageResult, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/needs/{id}")
            .guard(Site::role_guard(COORDINATORS))
            .route(web::get().to(show)),
    )
    .service(web::resource("/needs/{id}/propose").route(web::post().to(propose)))
    .service(web::resource("/needs/{id}/acknowledge").route(web::post().to(acknowledge)));
}

/// Candidates shown: the best few are what a coordinator chooses from.
pub const CANDIDATES: u64 = 10;

/// `GET /needs/{id}`.
#[tracing::instrument(skip_all)]
async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = coordinator(&site)?;
    let id = site.path_id(&path)?;
    need_page(
        &site,
        me,
        id,
        StatusCode::OK,
        None,
        &AckForm::default(),
        &Errors::none(),
    )
    .await
}

/// How far, in words: the band the distance falls in.
fn distance_band(r: &Ranked<offer::Model>) -> String {
    let km = nearby::shown_km(r.distance_m);
    let (zh, en) = match km {
        _ if r.item.remote && r.distance_m == 0 => ("远程帮扶".to_owned(), "remote".to_owned()),
        k if k < 1.0 => ("1 公里内".to_owned(), "within 1 km".to_owned()),
        k if k < 5.0 => ("1–5 公里".to_owned(), "1–5 km".to_owned()),
        k if k < 10.0 => ("5–10 公里".to_owned(), "5–10 km".to_owned()),
        _ => ("10 公里以上".to_owned(), "over 10 km".to_owned()),
    };
    let (zh, en) = if r.item.remote && r.distance_m == 0 {
        (zh, en)
    } else {
        (format!("{zh}（{km} 公里）"), format!("{en} ({km} km)"))
    };
    match i18n::current() {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// The need's page; `notice` is a refused proposal's reason, `ack` and
/// `errors` an acknowledgement refused.
async fn need_page(
    site: &Site,
    me: &Caller,
    id: Uuid,
    status: StatusCode,
    notice: Option<String>,
    ack: &AckForm,
    errors: &Errors,
) -> PageResult {
    let story = need_stories::of_need(site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let need = &story.need;
    let today = local_date(now_ms(), site.settings.timezone);
    let village = store::regions::names(&site.db, [need.region.clone()])
        .await
        .map_err(|e| site.fail(e.into()))?
        .remove(&need.region)
        .unwrap_or_default();
    // Open and not already proposed: a need waiting for an answer is not
    // proposed to a second volunteer.
    let live = story
        .matches
        .iter()
        .any(|m| matches!(m.m.status, MatchStatus::Proposed | MatchStatus::Accepted));
    let open = need.status == NeedStatus::Open && !live;
    let mut candidates = Vec::new();
    let mut excluded = 0;
    if open {
        let mut ranked = ranking::candidates(&site.db, need, Sight::Exact, None, CANDIDATES)
            .await
            .map_err(|e| site.fail(e))?;
        ranked.truncate(CANDIDATES as usize);
        let people: Vec<Uuid> = ranked.iter().map(|r| r.item.volunteer_id).collect();
        let names = store::work::names(&site.db, &people)
            .await
            .map_err(|e| site.fail(e.into()))?;
        excluded = store::matches::excluded_volunteers(&site.db, need.id)
            .await
            .map_err(|e| site.fail(e.into()))?
            .len();
        candidates = ranked
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let o = &r.item;
                let left = (o.capacity - o.live_matches).max(0);
                let categories: Vec<&str> = CategorySet(o.categories as u8)
                    .iter()
                    .map(category_name)
                    .collect();
                json!({
                    "rank": i + 1, "offer_id": o.id,
                    "volunteer": names.get(&o.volunteer_id).cloned().unwrap_or_default(),
                    "distance": distance_band(r),
                    "left": left, "remote": o.remote,
                    "categories": categories.join("、"),
                })
            })
            .collect::<Vec<Value>>();
    }
    Ok(site.render(
        status,
        "coordinator/need.html",
        json!({
            "need": story::view(site, me, &story),
            "village": village, "open": open,
            "candidates": candidates, "excluded": excluded, "notice": notice,
            // An escalated open need may be acknowledged, with a follow-up
            // from tomorrow on.
            "acknowledge": (need.status == NeedStatus::Open && need.escalation.is_some()).then(|| json!({
                "note": ack.note, "follow_up": ack.follow_up,
                "min": (today + chrono::Days::new(1)).to_string(),
                "max": (today + chrono::Days::new(MAX_FOLLOW_UP_DAYS as u64)).to_string(),
            })),
            "errors": errors.messages(),
        }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProposeForm {
    csrf_token: String,
    offer_id: String,
}

/// `POST /needs/{id}/propose`: the need proposed to one offer by hand, as
/// `POST /api/v1/matches` does; if it was taken meanwhile (or the offer no
/// longer fits), the page says why, with the candidates as they are now.
#[tracing::instrument(skip_all)]
async fn propose(site: Site, path: web::Path<String>, Form(form): Form<ProposeForm>) -> PageResult {
    let me = coordinator(&site)?;
    let id = site.path_id(&path)?;
    if !site.form_ok(&form.csrf_token) {
        let why = site.expired_form().get(i18n::current()).to_owned();
        return need_page(
            &site,
            me,
            id,
            StatusCode::FORBIDDEN,
            Some(why),
            &AckForm::default(),
            &Errors::none(),
        )
        .await;
    }
    let Ok(offer_id) = Uuid::parse_str(form.offer_id.trim()) else {
        let why = t("请选择一位候选人。", "Please pick a candidate.");
        return need_page(
            &site,
            me,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(why),
            &AckForm::default(),
            &Errors::none(),
        )
        .await;
    };
    match matches::propose(&site, me, id, offer_id).await {
        Ok(_) => Ok(site.done(&format!("/needs/{id}"), Flash::Proposed)),
        Err(ServiceError::Conflict(why)) => {
            let why = why.get(i18n::current()).to_owned();
            need_page(
                &site,
                me,
                id,
                StatusCode::CONFLICT,
                Some(why),
                &AckForm::default(),
                &Errors::none(),
            )
            .await
        }
        Err(ServiceError::Invalid(fields)) => {
            let why = fields
                .iter()
                .map(|f| f.message.get(i18n::current()).to_owned())
                .collect::<Vec<_>>()
                .join(" ");
            need_page(
                &site,
                me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(why),
                &AckForm::default(),
                &Errors::none(),
            )
            .await
        }
        Err(e) => Err(site.fail(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AckForm {
    csrf_token: String,
    note: String,
    follow_up: String,
}

/// `POST /needs/{id}/acknowledge`: what the coordinator will do about an
/// escalated need, and when they will look again; the page again with the
/// fields' errors beside them when refused.
#[tracing::instrument(skip_all)]
async fn acknowledge(site: Site, path: web::Path<String>, Form(form): Form<AckForm>) -> PageResult {
    let me = coordinator(&site)?;
    let id = site.path_id(&path)?;
    let (errors, status) = if !site.form_ok(&form.csrf_token) {
        (Errors::form(site.expired_form()), StatusCode::FORBIDDEN)
    } else {
        let tz = site.settings.timezone;
        match Acknowledgement::parse(&form.note, &form.follow_up, tz, now_ms()) {
            Err(fields) => (Errors::from(fields), StatusCode::UNPROCESSABLE_ENTITY),
            Ok(ack) => match escalations::acknowledge(&site, me, id, ack).await {
                Ok(_) => return Ok(site.done(&format!("/needs/{id}"), Flash::Acknowledged)),
                Err(ServiceError::Conflict(why)) => (Errors::form(why), StatusCode::CONFLICT),
                Err(e) => return Err(site.fail(e)),
            },
        }
    };
    need_page(&site, me, id, status, None, &form, &errors).await
}
