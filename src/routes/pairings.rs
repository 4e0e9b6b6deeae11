//! 户帮户亲帮亲 over HTTP: key households, pairings, visits, a helper's
//! suggested needs, and courtyard meetings. Thin: each handler parses its
//! body into the domain's types and hands it to `services::pairings` or
//! `services::visits`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::pairing::{
    MeetingFields, MeetingHead, VisitFields, VisitHead, moment_of, raised_of, reason_of,
    visit_every_of,
};
use crate::domain::{Caller, FieldError};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::{Items, Json, Query, region_filter};
use crate::routes::households::time;
use crate::routes::needs::NeedBody;
use crate::services::pairings::{self, NewPairing, PairingFilter, PairingView};
use crate::services::visits::{self, FollowUp, NewMeeting, NewVisit, VisitFilter};
use crate::store::entity::{meeting, need_suggestion, visit};
use crate::store::now_ms;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/households/{id}/key")
            .route(web::post().to(mark_key))
            .route(web::delete().to(unmark_key)),
    )
    .service(web::resource("/me/standing").route(web::put().to(standing)))
    .service(web::resource("/helpers").route(web::get().to(helpers)))
    .service(
        web::resource("/pairings")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/pairings/{id}").route(web::get().to(get)))
    .service(web::resource("/pairings/{id}/end").route(web::post().to(end)))
    .service(
        web::resource("/visits")
            .route(web::get().to(visit_list))
            .route(web::post().to(visit_log)),
    )
    .service(web::resource("/suggestions").route(web::get().to(suggestions)))
    .service(web::resource("/suggestions/{id}/confirm").route(web::post().to(confirm)))
    .service(web::resource("/suggestions/{id}/dismiss").route(web::post().to(dismiss)))
    .service(
        web::resource("/meetings")
            .route(web::get().to(meeting_list))
            .route(web::post().to(meeting_hold)),
    )
    .service(web::resource("/meetings/{id}").route(web::get().to(meeting_get)));
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    crate::services::ServiceError::Invalid(errors).into()
}

#[derive(Deserialize, ToSchema)]
pub struct KeyBody {
    /// A tag code or its Chinese name: chronic_illness, disability,
    /// elderly_alone, left_behind_child, no_labour_capacity, marginal.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyView {
    pub household_id: Uuid,
    pub reason: String,
    pub marked_at: chrono::DateTime<chrono::Utc>,
}

/// A cadre marks a household in their reach as a key household (重点户).
#[utoipa::path(post, path = "/api/v1/households/{id}/key", tag = "pairings", request_body = KeyBody,
    params(("id" = Uuid, Path)), responses((status = 200, body = KeyView), (status = 422)))]
pub async fn mark_key(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<KeyBody>,
) -> Result<HttpResponse, ApiError> {
    let k = pairings::mark_key(&ctx, &caller, *id, body.reason.as_deref().unwrap_or("")).await?;
    Ok(HttpResponse::Ok().json(KeyView {
        household_id: k.household_id,
        reason: k.reason,
        marked_at: time(k.marked_at),
    }))
}

/// A cadre unmarks a key household; 409 while it has an active pairing.
#[utoipa::path(delete, path = "/api/v1/households/{id}/key", tag = "pairings",
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404), (status = 409)))]
pub async fn unmark_key(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    pairings::unmark_key(&ctx, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct StandingBody {
    /// Whether the volunteer agrees to be a key household's standing helper.
    pub standing: bool,
}

/// A volunteer agrees to standing pairings, or withdraws.
#[utoipa::path(put, path = "/api/v1/me/standing", tag = "pairings", request_body = StandingBody,
    responses((status = 200, body = StandingBody)))]
pub async fn standing(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<StandingBody>,
) -> Result<HttpResponse, ApiError> {
    let standing = pairings::set_standing(&ctx, &caller, body.standing).await?;
    Ok(HttpResponse::Ok().json(StandingBody { standing }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HelperQuery {
    /// Part of a name, or a whole phone number.
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HelperView {
    pub id: Uuid,
    pub name: String,
    pub active_pairings: u64,
    pub limit: u32,
}

/// Volunteers who agreed to standing pairings, found by name or phone.
#[utoipa::path(get, path = "/api/v1/helpers", tag = "pairings", params(HelperQuery),
    responses((status = 200, body = Items<HelperView>)))]
pub async fn helpers(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<HelperQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = pairings::find_helpers(&ctx, &caller, q.q.as_deref().unwrap_or("")).await?;
    let items: Vec<HelperView> = found
        .into_iter()
        .map(|h| HelperView {
            id: h.id,
            name: h.name,
            active_pairings: h.active_pairings,
            limit: h.limit,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct PairingBody {
    pub household_id: Option<Uuid>,
    pub helper_id: Option<Uuid>,
    pub liaison_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::routes::extract::whole")]
    pub visit_every_days: Option<i64>,
}

/// A pairing: the household's head's name and village, nothing else of it.
#[derive(Serialize, ToSchema)]
pub struct PairingOut {
    pub id: Uuid,
    pub household_id: Uuid,
    pub household_name: String,
    pub village_name: String,
    pub region: String,
    pub helper_id: Uuid,
    pub helper_name: String,
    pub liaison_id: Option<Uuid>,
    pub liaison_name: Option<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub end_reason: Option<String>,
    pub visit_every_days: i32,
    pub last_visit_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_visit_due: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<PairingView> for PairingOut {
    fn from(v: PairingView) -> Self {
        let p = v.row;
        Self {
            id: p.id,
            household_id: p.household_id,
            household_name: v.household_name,
            village_name: v.village_name,
            region: p.region,
            helper_id: p.helper_id,
            helper_name: v.helper_name,
            liaison_id: p.liaison_id,
            liaison_name: v.liaison_name,
            started_at: time(p.started_at),
            ended_at: p.ended_at.map(time),
            end_reason: p.end_reason,
            visit_every_days: p.visit_every_days,
            last_visit_at: p.last_visit_at.map(time),
            next_visit_due: v.next_visit_due.map(time),
        }
    }
}

/// A cadre pairs a key household with a main helper.
#[utoipa::path(post, path = "/api/v1/pairings", tag = "pairings", request_body = PairingBody,
    responses((status = 201, body = PairingOut), (status = 409, description = "the household has an active pairing, or the helper is at their limit"), (status = 422)))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<PairingBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let required = |v: Option<Uuid>, name: &str, errors: &mut Vec<FieldError>| {
        if v.is_none() {
            errors.push(FieldError::new(name, Text::fixed("必填", "Required")));
        }
        v.unwrap_or_default()
    };
    let household_id = required(body.household_id, "household_id", &mut errors);
    let helper_id = required(body.helper_id, "helper_id", &mut errors);
    let every = visit_every_of(body.visit_every_days).map_err(|e| errors.push(e));
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let new = NewPairing {
        household_id,
        helper_id,
        liaison_id: body.liaison_id,
        visit_every_days: every.unwrap_or_default(),
    };
    let p = pairings::create(&ctx, &caller, new).await?;
    let view = pairings::get(&ctx, &caller, p.id).await?;
    Ok(HttpResponse::Created().json(PairingOut::from(view)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PairingQuery {
    pub household: Option<Uuid>,
    pub helper: Option<Uuid>,
    pub region: Option<String>,
    /// `true`: only active pairings.
    pub active: Option<bool>,
}

/// Pairings: staff those in their reach, a helper or liaison their own.
#[utoipa::path(get, path = "/api/v1/pairings", tag = "pairings", params(PairingQuery),
    responses((status = 200, body = Items<PairingOut>)))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<PairingQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = PairingFilter {
        household: q.household,
        helper: q.helper,
        region: region_filter(q.region.as_deref())?,
        active_only: q.active.unwrap_or(false),
    };
    let items: Vec<PairingOut> = pairings::list(&ctx, &caller, &filter)
        .await?
        .into_iter()
        .map(PairingOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// One pairing.
#[utoipa::path(get, path = "/api/v1/pairings/{id}", tag = "pairings", params(("id" = Uuid, Path)),
    responses((status = 200, body = PairingOut), (status = 404)))]
pub async fn get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(PairingOut::from(pairings::get(&ctx, &caller, *id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct EndBody {
    pub reason: Option<String>,
}

/// A cadre ends a pairing, with a reason.
#[utoipa::path(post, path = "/api/v1/pairings/{id}/end", tag = "pairings", request_body = EndBody,
    params(("id" = Uuid, Path)), responses((status = 200, body = PairingOut), (status = 409), (status = 422)))]
pub async fn end(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<EndBody>,
) -> Result<HttpResponse, ApiError> {
    let reason =
        reason_of("reason", body.reason.as_deref().unwrap_or("")).map_err(|e| invalid(vec![e]))?;
    let p = pairings::end(&ctx, &caller, *id, reason).await?;
    let view = pairings::views(&ctx.db, vec![p])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(PairingOut::from(view)))
}

#[derive(Deserialize, ToSchema)]
pub struct VisitBody {
    pub household_id: Option<Uuid>,
    /// A day (`2026-12-01`) or a moment (RFC 3339); not in the future.
    pub at: Option<String>,
    /// `pairing`, `cadre` or `relatives` (亲邻返乡).
    pub kind: Option<String>,
    /// For `relatives`: how the visitor is related to the household.
    pub relation: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub raised: Vec<NeedBody>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    pub id: Uuid,
    pub household_id: Uuid,
    pub pairing_id: Option<Uuid>,
    pub visitor_id: Uuid,
    pub kind: String,
    pub relation: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub notes: String,
    /// Needs posted at once (a cadre's visit).
    pub posted: Vec<Uuid>,
    /// Suggestions waiting for the cadre (a helper's visit).
    pub suggested: Vec<Uuid>,
}

fn visit_out(v: visit::Model, posted: Vec<Uuid>, suggested: Vec<Uuid>) -> VisitOut {
    VisitOut {
        id: v.id,
        household_id: v.household_id,
        pairing_id: v.pairing_id,
        visitor_id: v.visitor_id,
        kind: v.kind,
        relation: v.relation,
        at: time(v.at),
        notes: v.notes,
        posted,
        suggested,
    }
}

/// Parses a visit's body, every bad field at once.
pub fn new_visit(body: &VisitBody, tz: chrono_tz::Tz) -> Result<NewVisit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let household_id = body.household_id.unwrap_or_else(|| {
        errors.push(FieldError::new(
            "household_id",
            Text::fixed("必填", "Required"),
        ));
        Uuid::nil()
    });
    let fields = VisitFields {
        at: body.at.as_deref().unwrap_or(""),
        kind: body.kind.as_deref().unwrap_or(""),
        relation: body.relation.as_deref().unwrap_or(""),
        notes: body.notes.as_deref().unwrap_or(""),
    };
    let head = VisitHead::parse(fields, tz, now_ms(), &mut errors);
    let raised = raised_of(
        "raised",
        body.raised.iter().map(|r| (Some(household_id), r.fields())),
    )
    .map_err(|es| errors.extend(es))
    .unwrap_or_default();
    match head {
        Some(head) if errors.is_empty() => Ok(NewVisit::of(household_id, head, raised)),
        _ => Err(errors),
    }
}

/// A helper, liaison or cadre logs a visit and the needs raised there.
#[utoipa::path(post, path = "/api/v1/visits", tag = "pairings", request_body = VisitBody,
    responses((status = 201, body = VisitOut), (status = 409), (status = 422)))]
pub async fn visit_log(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<VisitBody>,
) -> Result<HttpResponse, ApiError> {
    let new = new_visit(&body, ctx.settings.timezone).map_err(invalid)?;
    let logged = visits::log(&ctx, &caller, new).await?;
    Ok(HttpResponse::Created().json(visit_out(
        logged.visit,
        logged.posted.iter().map(|n| n.id).collect(),
        logged.suggested.iter().map(|s| s.id).collect(),
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    pub household: Option<Uuid>,
    pub pairing: Option<Uuid>,
    pub region: Option<String>,
    /// A day or a moment: visits at or after it.
    pub from: Option<String>,
    /// A day or a moment: visits before it.
    pub to: Option<String>,
}

/// Visits: staff those in their reach; helpers and liaisons their households'.
#[utoipa::path(get, path = "/api/v1/visits", tag = "pairings", params(VisitQuery),
    responses((status = 200, body = Items<VisitOut>)))]
pub async fn visit_list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<VisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let tz = ctx.settings.timezone;
    let far = now_ms() + 400 * crate::domain::time::DAY_MS;
    let bound = |name: &str, v: Option<&str>| {
        v.map(|v| moment_of(name, v, tz, far).map_err(|e| invalid(vec![e])))
            .transpose()
    };
    let filter = VisitFilter {
        household: q.household,
        pairing: q.pairing,
        region: region_filter(q.region.as_deref())?,
        from: bound("from", q.from.as_deref())?,
        to: bound("to", q.to.as_deref())?,
        limit: None,
    };
    let items: Vec<VisitOut> = visits::list(&ctx, &caller, &filter)
        .await?
        .into_iter()
        .map(|v| visit_out(v, Vec::new(), Vec::new()))
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub household_id: Uuid,
    pub category: String,
    pub title: String,
    pub description: String,
    pub urgency: i16,
    /// `pending`, `confirmed` or `dismissed`.
    pub status: String,
    pub suggested_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The need posted when confirmed.
    pub need_id: Option<Uuid>,
}

impl From<need_suggestion::Model> for SuggestionOut {
    fn from(s: need_suggestion::Model) -> Self {
        Self {
            id: s.id,
            visit_id: s.visit_id,
            household_id: s.household_id,
            category: s.category.code().to_owned(),
            title: s.title,
            description: s.description,
            urgency: s.urgency,
            status: s.status,
            suggested_by: s.suggested_by,
            created_at: time(s.created_at),
            need_id: s.need_id,
        }
    }
}

/// The needs helpers raised at visits, waiting for the cadre.
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "pairings",
    responses((status = 200, body = Items<SuggestionOut>)))]
pub async fn suggestions(
    ctx: web::Data<AppContext>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<SuggestionOut> = visits::pending_suggestions(&ctx, &caller)
        .await?
        .into_iter()
        .map(SuggestionOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// A cadre posts a helper's suggested need.
#[utoipa::path(post, path = "/api/v1/suggestions/{id}/confirm", tag = "pairings", params(("id" = Uuid, Path)),
    responses((status = 200, body = SuggestionOut), (status = 409)))]
pub async fn confirm(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let s = visits::decide(&ctx, &caller, *id, true).await?;
    Ok(HttpResponse::Ok().json(SuggestionOut::from(s)))
}

/// A cadre dismisses a helper's suggested need.
#[utoipa::path(post, path = "/api/v1/suggestions/{id}/dismiss", tag = "pairings", params(("id" = Uuid, Path)),
    responses((status = 200, body = SuggestionOut), (status = 409)))]
pub async fn dismiss(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let s = visits::decide(&ctx, &caller, *id, false).await?;
    Ok(HttpResponse::Ok().json(SuggestionOut::from(s)))
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingBody {
    /// The village (or village group) where it was held.
    pub region: Option<String>,
    /// The day it was held, `2026-12-01`.
    pub held_on: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::extract::whole")]
    pub attendance: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub needs: Vec<NeedBody>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingOut {
    pub id: Uuid,
    pub region: String,
    pub held_on: chrono::DateTime<chrono::Utc>,
    pub attendance: i32,
    pub notes: String,
    pub created_by: Uuid,
    /// Where the needs raised there stand.
    pub posted: u64,
    pub matched: u64,
    pub fulfilled: u64,
    pub open: u64,
    pub cancelled: u64,
    /// fulfilled ÷ posted; null when nothing was raised.
    pub fulfilment_rate: Option<f64>,
    /// The needs raised (on creation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Uuid>,
}

fn meeting_out(m: meeting::Model, f: FollowUp, needs: Vec<Uuid>) -> MeetingOut {
    MeetingOut {
        id: m.id,
        region: m.region,
        held_on: time(m.held_on),
        attendance: m.attendance,
        notes: m.notes,
        created_by: m.created_by,
        posted: f.posted,
        matched: f.matched,
        fulfilled: f.fulfilled,
        open: f.open,
        cancelled: f.cancelled,
        fulfilment_rate: (f.posted > 0).then(|| f.fulfilled as f64 / f.posted as f64),
        needs,
    }
}

/// Parses a meeting's body, every bad field at once.
pub fn new_meeting(body: &MeetingBody, tz: chrono_tz::Tz) -> Result<NewMeeting, Vec<FieldError>> {
    let mut errors = Vec::new();
    let fields = MeetingFields {
        region: body.region.as_deref().unwrap_or(""),
        held_on: body.held_on.as_deref().unwrap_or(""),
        attendance: body.attendance,
        notes: body.notes.as_deref().unwrap_or(""),
    };
    let head = MeetingHead::parse(fields, tz, now_ms(), &mut errors);
    let needs = raised_of(
        "needs",
        body.needs.iter().map(|r| (r.household_id, r.fields())),
    )
    .map_err(|es| errors.extend(es))
    .unwrap_or_default();
    match head {
        Some(head) if errors.is_empty() => Ok(NewMeeting::of(head, needs)),
        _ => Err(errors),
    }
}

/// A cadre records a courtyard meeting (院落会) and the needs raised there.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "pairings", request_body = MeetingBody,
    responses((status = 201, body = MeetingOut), (status = 409), (status = 422)))]
pub async fn meeting_hold(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<MeetingBody>,
) -> Result<HttpResponse, ApiError> {
    let new = new_meeting(&body, ctx.settings.timezone).map_err(invalid)?;
    let (m, posted) = visits::hold(&ctx, &caller, new).await?;
    let ids: Vec<Uuid> = posted.iter().map(|n| n.id).collect();
    let f = visits::follow_up(&ctx.db, &ids).await?;
    Ok(HttpResponse::Created().json(meeting_out(m, f, ids)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub region: Option<String>,
}

/// Courtyard meetings in the caller's reach, each with its follow-up.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "pairings", params(MeetingQuery),
    responses((status = 200, body = Items<MeetingOut>)))]
pub async fn meeting_list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<MeetingQuery>,
) -> Result<HttpResponse, ApiError> {
    let region = region_filter(q.region.as_deref())?;
    let items: Vec<MeetingOut> = visits::meetings(&ctx, &caller, region.as_ref())
        .await?
        .into_iter()
        .map(|(m, f)| meeting_out(m, f, Vec::new()))
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// One meeting with the follow-up of its needs.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "pairings", params(("id" = Uuid, Path)),
    responses((status = 200, body = MeetingOut), (status = 404)))]
pub async fn meeting_get(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (m, f) = visits::meeting(&ctx, &caller, *id).await?;
    let needs = visits::meeting_needs(&ctx.db, m.id).await?;
    Ok(HttpResponse::Ok().json(meeting_out(m, f, needs)))
}
