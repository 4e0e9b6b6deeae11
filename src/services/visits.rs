//! Visits to households, and courtyard meetings (院落会), with the needs
//! raised at each. A cadre's raised needs are posted at once, in the same
//! transaction as the visit or meeting, each first proposed to its
//! household's helper (pairing first); a helper's wait as suggestions for
//! the cadre to confirm.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::ServiceError;
use super::emails::match_life::category_label;
use super::pairings::{active_of_household, may_read};
use crate::context::AppContext;
use crate::domain::need::NewNeed;
use crate::domain::pairing::{MeetingHead, VisitHead, VisitKind};
use crate::domain::period::local_date;
use crate::domain::{Caller, NeedStatus, RegionPrefix, Role};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::entity::{
    household, matches, meeting, need, need_suggestion, pairing, raised_need, visit,
};
use crate::store::{self, now_ms};

/// A visit as a request states it, parsed.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub household_id: Uuid,
    pub at: i64,
    pub kind: VisitKind,
    pub relation: Option<String>,
    pub notes: String,
    pub raised: Vec<NewNeed>,
}

impl NewVisit {
    pub fn of(household_id: Uuid, head: VisitHead, raised: Vec<NewNeed>) -> Self {
        Self {
            household_id,
            at: head.at,
            kind: head.kind,
            relation: head.relation,
            notes: head.notes,
            raised,
        }
    }
}

/// A logged visit, with what came of its raised needs.
#[derive(Debug, Clone)]
pub struct LoggedVisit {
    pub visit: visit::Model,
    /// Needs posted at once (a cadre's).
    pub posted: Vec<need::Model>,
    /// Needs waiting for the cadre (a helper's).
    pub suggested: Vec<need_suggestion::Model>,
}

fn forbidden_kind() -> ServiceError {
    ServiceError::field(
        "kind",
        Text::fixed("您不能记录这种走访", "You cannot log this kind of visit"),
    )
}

/// Logs a visit. Helpers and liaisons log their pairing's visits; cadres
/// any visit in their reach; staff their visits home to relatives.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn log(
    ctx: &AppContext,
    caller: &Caller,
    new: NewVisit,
) -> Result<LoggedVisit, ServiceError> {
    let h = store::households::find(&ctx.db, new.household_id)
        .await?
        .ok_or_else(|| {
            ServiceError::field(
                "household_id",
                Text::fixed("没有这个户", "No such household"),
            )
        })?;
    let pairing = active_of_household(&ctx.db, h.id).await?;
    let in_pairing = pairing
        .as_ref()
        .is_some_and(|p| p.helper_id == caller.user_id || p.liaison_id == Some(caller.user_id));
    let staff_in_reach =
        matches!(caller.role, Role::Cadre | Role::Coordinator) && caller.reaches(&h.region);
    if !(in_pairing || staff_in_reach) {
        return Err(ServiceError::field(
            "household_id",
            Text::fixed("没有这个户", "No such household"),
        ));
    }
    match new.kind {
        VisitKind::Pairing if pairing.is_none() => {
            return Err(ServiceError::field(
                "kind",
                Text::fixed("该户没有结对帮扶", "The household has no active pairing"),
            ));
        }
        VisitKind::Pairing => {}
        VisitKind::Cadre if caller.role != Role::Cadre || !staff_in_reach => {
            return Err(forbidden_kind());
        }
        VisitKind::Relatives if caller.role == Role::Volunteer => return Err(forbidden_kind()),
        VisitKind::Relatives if new.relation.is_none() => {
            return Err(ServiceError::field(
                "relation",
                Text::fixed(
                    "请填写与该户的关系",
                    "Say how you are related to the household",
                ),
            ));
        }
        _ => {}
    }
    // A cadre posts raised needs; anyone else suggests them.
    let posts = caller.role == Role::Cadre && staff_in_reach;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let row = visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h.id),
        region: Set(h.region.clone()),
        pairing_id: Set(pairing
            .as_ref()
            .filter(|_| new.kind == VisitKind::Pairing || in_pairing)
            .map(|p| p.id)),
        visitor_id: Set(caller.user_id),
        kind: Set(new.kind.to_string()),
        relation: Set(new.relation.clone()),
        at: Set(new.at),
        notes: Set(new.notes.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if let Some(p) = row.pairing_id {
        // The rhythm runs from the latest visit, whatever order they are logged in.
        pairing::Entity::update_many()
            .col_expr(
                pairing::Column::LastVisitAt,
                sea_orm::sea_query::Expr::value(new.at),
            )
            .filter(pairing::Column::Id.eq(p))
            .filter(
                sea_orm::Condition::any()
                    .add(pairing::Column::LastVisitAt.is_null())
                    .add(pairing::Column::LastVisitAt.lt(new.at)),
            )
            .exec(&txn)
            .await?;
    }
    let mut posted = Vec::new();
    let mut suggested = Vec::new();
    for (i, raised) in new.raised.iter().enumerate() {
        if posts {
            let n = super::needs::post_in(ctx, &txn, &h, raised, caller.user_id, now)
                .await
                .map_err(|e| at_index("raised", i, e))?;
            link(&txn, n.id, Some(row.id), None).await?;
            posted.push(n);
        } else {
            suggested.push(
                need_suggestion::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    visit_id: Set(row.id),
                    household_id: Set(h.id),
                    region: Set(h.region.clone()),
                    category: Set(raised.category),
                    title: Set(raised.title.as_str().to_owned()),
                    description: Set(raised.description.as_str().to_owned()),
                    urgency: Set(i16::from(raised.urgency.get())),
                    status: Set("pending".to_owned()),
                    suggested_by: Set(caller.user_id),
                    created_at: Set(now),
                    decided_by: Set(None),
                    decided_at: Set(None),
                    need_id: Set(None),
                }
                .insert(&txn)
                .await?,
            );
        }
    }
    if !suggested.is_empty() {
        tell_cadre(ctx, &txn, &h, caller, &row, &suggested).await?;
    }
    txn.commit().await?;
    ctx.emails_committed();
    Ok(LoggedVisit {
        visit: row,
        posted,
        suggested,
    })
}

/// Names a raised need's error by its place in the list: `raised[2].category`.
fn at_index(list: &str, i: usize, e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => ServiceError::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("{list}[{i}].{}", f.field);
                    f
                })
                .collect(),
        ),
        ServiceError::Duplicate { why, .. } => ServiceError::Conflict(Text::owned(
            format!("第 {} 项：{}", i + 1, why.zh),
            format!("Item {}: {}", i + 1, why.en),
        )),
        other => other,
    }
}

async fn link(
    db: &impl ConnectionTrait,
    need: Uuid,
    visit: Option<Uuid>,
    meeting: Option<Uuid>,
) -> Result<(), ServiceError> {
    raised_need::ActiveModel {
        need_id: Set(need),
        visit_id: Set(visit),
        meeting_id: Set(meeting),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Emails the household's cadre the needs a helper suggested.
async fn tell_cadre(
    ctx: &AppContext,
    txn: &impl ConnectionTrait,
    h: &household::Model,
    caller: &Caller,
    v: &visit::Model,
    suggested: &[need_suggestion::Model],
) -> Result<(), ServiceError> {
    let Some(cadre) = store::accounts::user_by_id(txn, h.created_by)
        .await?
        .filter(|u| u.active && u.role == Role::Cadre)
    else {
        return Ok(());
    };
    let village = store::regions::find(txn, &h.region)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let base = ctx.public_url.as_str().trim_end_matches('/');
    let context = json!({
        "helper_name": caller.name,
        "household_name": crate::domain::household::shown_name(&h.head_name, cadre.locale),
        "village_name": village,
        "visited_on": local_date(v.at, ctx.settings.timezone).to_string(),
        "count": suggested.len(),
        "suggestions": suggested.iter().map(|s| json!({
            "title": s.title,
            "category_label": category_label(s.category, cadre.locale),
        })).collect::<Vec<_>>(),
        "suggestions_url": format!("{base}/suggestions"),
    });
    super::emails::send(
        ctx,
        txn,
        &cadre,
        EmailKind::NeedSuggested,
        &format!("visit:{}:suggested", v.id),
        context,
    )
    .await?;
    Ok(())
}

/// Which visits a list is for.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub household: Option<Uuid>,
    pub pairing: Option<Uuid>,
    pub region: Option<RegionPrefix>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// At most this many, newest first (500 when none).
    pub limit: Option<u64>,
}

/// The visits the caller may read, newest first, at most 500: staff in
/// reach; helpers and liaisons those of their pairings' households.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    ctx: &AppContext,
    caller: &Caller,
    filter: &VisitFilter,
) -> Result<Vec<visit::Model>, ServiceError> {
    if caller.is_staff_without_region() {
        return Err(ServiceError::Forbidden);
    }
    let mut q = visit::Entity::find();
    match caller.role {
        Role::Volunteer => {
            let mine = super::pairings::list(ctx, caller, &Default::default()).await?;
            let households: Vec<Uuid> = mine.iter().map(|p| p.row.household_id).collect();
            q = q.filter(visit::Column::HouseholdId.is_in(households));
        }
        _ => {
            if let crate::domain::Reach::Within(prefix) = caller.reach() {
                q = q.filter(visit::Column::Region.starts_with(prefix.as_str()));
            }
        }
    }
    if let Some(h) = filter.household {
        q = q.filter(visit::Column::HouseholdId.eq(h));
    }
    if let Some(p) = filter.pairing {
        let p = pairing::Entity::find_by_id(p)
            .one(&ctx.db)
            .await?
            .filter(|p| may_read(caller, p))
            .ok_or(ServiceError::NotFound)?;
        q = q.filter(visit::Column::HouseholdId.eq(p.household_id));
    }
    if let Some(r) = &filter.region {
        q = q.filter(visit::Column::Region.starts_with(r.as_str()));
    }
    if let Some(from) = filter.from {
        q = q.filter(visit::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(visit::Column::At.lt(to));
    }
    Ok(q.order_by_desc(visit::Column::At)
        .limit(filter.limit.unwrap_or(500).min(500))
        .all(&ctx.db)
        .await?)
}

/// A cadre's answer to a helper's suggestion: post it (pairing first
/// follows) or dismiss it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn decide(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    confirm: bool,
) -> Result<need_suggestion::Model, ServiceError> {
    let s = need_suggestion::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|s| caller.role == Role::Cadre && caller.reaches(&s.region))
        .ok_or(ServiceError::NotFound)?;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let decided = need_suggestion::Entity::update_many()
        .col_expr(
            need_suggestion::Column::Status,
            sea_orm::sea_query::Expr::value(if confirm { "confirmed" } else { "dismissed" }),
        )
        .col_expr(
            need_suggestion::Column::DecidedBy,
            sea_orm::sea_query::Expr::value(caller.user_id),
        )
        .col_expr(
            need_suggestion::Column::DecidedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(need_suggestion::Column::Id.eq(s.id))
        .filter(need_suggestion::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(ServiceError::Conflict(Text::fixed(
            "这项建议已处理",
            "This suggestion was already answered",
        )));
    }
    let mut posted = None;
    if confirm {
        let h = store::households::find(&txn, s.household_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let new = NewNeed::parse(
            Some(h.id),
            crate::domain::need::NeedFields {
                category: Some(s.category.code()),
                title: Some(&s.title),
                description: Some(&s.description),
                urgency: Some(i64::from(s.urgency)),
            },
        )
        .map_err(ServiceError::Invalid)?;
        let n = super::needs::post_in(ctx, &txn, &h, &new, caller.user_id, now).await?;
        link(&txn, n.id, Some(s.visit_id), None).await?;
        need_suggestion::Entity::update_many()
            .col_expr(
                need_suggestion::Column::NeedId,
                sea_orm::sea_query::Expr::value(n.id),
            )
            .filter(need_suggestion::Column::Id.eq(s.id))
            .exec(&txn)
            .await?;
        posted = Some(n);
    }
    txn.commit().await?;
    if posted.is_some() {
        ctx.emails_committed();
    }
    need_suggestion::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The suggestions waiting in the cadre's reach, oldest first.
pub async fn pending_suggestions(
    ctx: &AppContext,
    caller: &Caller,
) -> Result<Vec<need_suggestion::Model>, ServiceError> {
    let crate::domain::Reach::Within(prefix) = caller.reach() else {
        return Err(ServiceError::Forbidden);
    };
    if caller.role != Role::Cadre {
        return Err(ServiceError::Forbidden);
    }
    Ok(need_suggestion::Entity::find()
        .filter(need_suggestion::Column::Region.starts_with(prefix.as_str()))
        .filter(need_suggestion::Column::Status.eq("pending"))
        .order_by_asc(need_suggestion::Column::CreatedAt)
        .limit(500)
        .all(&ctx.db)
        .await?)
}

/// How many suggestions wait in the cadre's reach (their work list).
pub async fn pending_count(ctx: &AppContext, caller: &Caller) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    let crate::domain::Reach::Within(prefix) = caller.reach() else {
        return Err(ServiceError::Forbidden);
    };
    Ok(need_suggestion::Entity::find()
        .filter(need_suggestion::Column::Region.starts_with(prefix.as_str()))
        .filter(need_suggestion::Column::Status.eq("pending"))
        .count(&ctx.db)
        .await?)
}

/// A courtyard meeting as a request states it, parsed.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub region: String,
    pub held_on: i64,
    pub attendance: i32,
    pub notes: String,
    pub needs: Vec<NewNeed>,
}

impl NewMeeting {
    pub fn of(head: MeetingHead, needs: Vec<NewNeed>) -> Self {
        Self {
            region: head.region,
            held_on: head.held_on,
            attendance: head.attendance,
            notes: head.notes,
            needs,
        }
    }
}

/// Records a courtyard meeting and posts the needs raised there, in one
/// transaction; each need's household must be in the meeting's place.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn hold(
    ctx: &AppContext,
    caller: &Caller,
    new: NewMeeting,
) -> Result<(meeting::Model, Vec<need::Model>), ServiceError> {
    if caller.role != Role::Cadre {
        return Err(ServiceError::Forbidden);
    }
    let place = store::regions::find(&ctx.db, &new.region)
        .await?
        .filter(|r| caller.reaches(&r.code))
        .ok_or_else(|| {
            ServiceError::field(
                "region",
                Text::fixed("没有这个村或村民小组", "No such village or village group"),
            )
        })?;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let m = meeting::ActiveModel {
        id: Set(Uuid::now_v7()),
        region: Set(place.code.clone()),
        held_on: Set(new.held_on),
        attendance: Set(new.attendance),
        notes: Set(new.notes.clone()),
        created_by: Set(caller.user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let within = RegionPrefix::parse(place.code.trim_end_matches("000"))
        .or_else(|_| RegionPrefix::parse(&place.code))
        .map_err(|_| {
            ServiceError::field(
                "region",
                Text::fixed("没有这个村或村民小组", "No such village or village group"),
            )
        })?;
    let mut posted = Vec::new();
    for (i, raised) in new.needs.iter().enumerate() {
        let h = store::households::find(&txn, raised.household_id)
            .await?
            .filter(|h| caller.reaches(&h.region) && within.contains(&h.region))
            .ok_or_else(|| {
                ServiceError::field(
                    &format!("needs[{i}].household_id"),
                    Text::fixed(
                        "这户不在本次院落会的村里",
                        "This household is not in the meeting's village",
                    ),
                )
            })?;
        let n = super::needs::post_in(ctx, &txn, &h, raised, caller.user_id, now)
            .await
            .map_err(|e| at_index("needs", i, e))?;
        link(&txn, n.id, None, Some(m.id)).await?;
        posted.push(n);
    }
    txn.commit().await?;
    ctx.emails_committed();
    Ok((m, posted))
}

/// Where the needs raised at a meeting (or visits) stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUp {
    pub posted: u64,
    /// Ever had an accepted match (the county's "docked").
    pub matched: u64,
    pub fulfilled: u64,
    /// Not yet ended: open, or with help proposed or on its way.
    pub open: u64,
    pub cancelled: u64,
}

/// The follow-up of needs `ids`.
pub async fn follow_up(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<FollowUp, ServiceError> {
    let mut f = FollowUp::default();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, NeedStatus)> = need::Entity::find()
            .select_only()
            .column(need::Column::Id)
            .column(need::Column::Status)
            .filter(need::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let accepted: Vec<Uuid> = matches::Entity::find()
            .select_only()
            .column(matches::Column::NeedId)
            .filter(matches::Column::NeedId.is_in(chunk.iter().copied()))
            .filter(matches::Column::AcceptedAt.is_not_null())
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        f.posted += rows.len() as u64;
        f.matched += accepted.len() as u64;
        for (_, status) in rows {
            match status {
                NeedStatus::Fulfilled => f.fulfilled += 1,
                NeedStatus::Cancelled => f.cancelled += 1,
                NeedStatus::Open | NeedStatus::Matched => f.open += 1,
            }
        }
    }
    Ok(f)
}

/// The needs raised at meeting `id`.
pub async fn meeting_needs(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<Uuid>, ServiceError> {
    Ok(raised_need::Entity::find()
        .select_only()
        .column(raised_need::Column::NeedId)
        .filter(raised_need::Column::MeetingId.eq(id))
        .into_tuple()
        .all(db)
        .await?)
}

/// A meeting the caller may read (staff in reach), with its follow-up.
pub async fn meeting(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<(meeting::Model, FollowUp), ServiceError> {
    let m = meeting::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|m| caller.role != Role::Volunteer && caller.reaches(&m.region))
        .ok_or(ServiceError::NotFound)?;
    let needs = meeting_needs(&ctx.db, m.id).await?;
    let f = follow_up(&ctx.db, &needs).await?;
    Ok((m, f))
}

/// The meetings in the caller's reach (under `region`), newest first, at
/// most 200, each with its follow-up.
pub async fn meetings(
    ctx: &AppContext,
    caller: &Caller,
    region: Option<&RegionPrefix>,
) -> Result<Vec<(meeting::Model, FollowUp)>, ServiceError> {
    if caller.role == Role::Volunteer || caller.is_staff_without_region() {
        return Err(ServiceError::Forbidden);
    }
    let mut q = meeting::Entity::find();
    if let crate::domain::Reach::Within(prefix) = caller.reach() {
        q = q.filter(meeting::Column::Region.starts_with(prefix.as_str()));
    }
    if let Some(r) = region {
        q = q.filter(meeting::Column::Region.starts_with(r.as_str()));
    }
    let rows = q
        .order_by_desc(meeting::Column::HeldOn)
        .limit(200)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let needs = meeting_needs(&ctx.db, m.id).await?;
        let f = follow_up(&ctx.db, &needs).await?;
        out.push((m, f));
    }
    Ok(out)
}
