//! 户帮户亲帮亲: key households, their standing pairing with a main helper
//! (and a liaison), and pairing first — a paired household's new need goes
//! to its helper before anyone else.
//!
//! A household has at most one active pairing (a partial unique index
//! decides races); a helper has at most `HUZHU_PAIRING_LIMIT` (the count is
//! taken in a write transaction that holds the helper's row).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::ServiceError;
use super::emails::match_life;
use super::matches::{Making, Taker, expires_label, proposal_item, write_match};
use crate::context::AppContext;
use crate::domain::household::HouseholdTag;
use crate::domain::pairing::next_visit_due;
use crate::domain::{Caller, MatchOrigin, RegionPrefix, Role};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::entity::{
    household, key_household, matches, need, pairing, standing_helper, user,
};
use crate::store::{self, now_ms};

fn conflict(zh: &'static str, en: &'static str) -> ServiceError {
    ServiceError::Conflict(Text::fixed(zh, en))
}

fn no_household() -> ServiceError {
    ServiceError::field(
        "household_id",
        Text::fixed("没有这个户", "No such household"),
    )
}

/// A household in the cadre's (or coordinator's) reach. Named in a path
/// (`/households/{id}/key`) one that is not is 404; named in a body, 422.
async fn household_in_reach(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<Option<household::Model>, ServiceError> {
    Ok(store::households::find(db, id)
        .await?
        .filter(|h| caller.reaches(&h.region)))
}

/// Marks a household key (重点户) with a reason from the tag vocabulary,
/// or changes the reason of one already marked.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, household = %household_id))]
pub async fn mark_key(
    ctx: &AppContext,
    caller: &Caller,
    household_id: Uuid,
    reason: &str,
) -> Result<key_household::Model, ServiceError> {
    let reason = HouseholdTag::parse(reason).map_err(|m| ServiceError::field("reason", m))?;
    let h = household_in_reach(&ctx.db, caller, household_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    super::households::hold_unerased(&txn, h.id).await?;
    let row = key_household::ActiveModel {
        household_id: Set(h.id),
        reason: Set(reason.code().to_owned()),
        marked_by: Set(caller.user_id),
        marked_at: Set(now),
    };
    key_household::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(key_household::Column::HouseholdId)
                .update_columns([
                    key_household::Column::Reason,
                    key_household::Column::MarkedBy,
                    key_household::Column::MarkedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let marked = key_household::Entity::find_by_id(h.id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    Ok(marked)
}

/// Unmarks a key household; refused while it has an active pairing.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, household = %household_id))]
pub async fn unmark_key(
    ctx: &AppContext,
    caller: &Caller,
    household_id: Uuid,
) -> Result<(), ServiceError> {
    let h = household_in_reach(&ctx.db, caller, household_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let txn = store::begin_write(&ctx.db).await?;
    if active_of_household(&txn, h.id).await?.is_some() {
        return Err(conflict(
            "该户仍有结对帮扶，请先结束结对",
            "The household still has an active pairing: end it first",
        ));
    }
    let gone = key_household::Entity::delete_by_id(h.id).exec(&txn).await?;
    if gone.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

/// The key-household marks of `households` that have one.
pub async fn key_marks(
    db: &impl ConnectionTrait,
    households: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, key_household::Model>, ServiceError> {
    let mut marks = std::collections::HashMap::new();
    for chunk in households.chunks(500) {
        let rows = key_household::Entity::find()
            .filter(key_household::Column::HouseholdId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        marks.extend(rows.into_iter().map(|k| (k.household_id, k)));
    }
    Ok(marks)
}

/// A volunteer agrees to (or withdraws from) standing pairings. Withdrawing
/// keeps the pairings they have; the cadre ends those.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn set_standing(
    ctx: &AppContext,
    caller: &Caller,
    agree: bool,
) -> Result<bool, ServiceError> {
    if caller.role != Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    if agree {
        standing_helper::Entity::insert(standing_helper::ActiveModel {
            user_id: Set(caller.user_id),
            since: Set(now_ms()),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(standing_helper::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&ctx.db)
        .await?;
    } else {
        standing_helper::Entity::delete_by_id(caller.user_id)
            .exec(&ctx.db)
            .await?;
    }
    Ok(agree)
}

/// Whether `user` agreed to standing pairings.
pub async fn is_standing(db: &impl ConnectionTrait, user: Uuid) -> Result<bool, ServiceError> {
    Ok(standing_helper::Entity::find_by_id(user)
        .one(db)
        .await?
        .is_some())
}

/// A volunteer a cadre may pair a household with.
#[derive(Debug, Clone)]
pub struct HelperChoice {
    pub id: Uuid,
    pub name: String,
    pub active_pairings: u64,
    pub limit: u32,
}

/// Volunteers who agreed to standing pairings whose name holds `query`
/// or whose phone is `query`; at most 20, fewest pairings first.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn find_helpers(
    ctx: &AppContext,
    caller: &Caller,
    query: &str,
) -> Result<Vec<HelperChoice>, ServiceError> {
    if !matches!(caller.role, Role::Cadre | Role::Coordinator | Role::Admin) {
        return Err(ServiceError::Forbidden);
    }
    let query = query.trim();
    if query.is_empty() || query.chars().count() > 40 {
        return Err(ServiceError::field(
            "q",
            Text::fixed(
                "请输入姓名或手机号（最多 40 字）",
                "Type a name or a phone number (at most 40 characters)",
            ),
        ));
    }
    let standing: Vec<Uuid> = standing_helper::Entity::find()
        .select_only()
        .column(standing_helper::Column::UserId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut found = Vec::new();
    for chunk in standing.chunks(500) {
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .filter(user::Column::Role.eq(Role::Volunteer))
            .filter(user::Column::Active.eq(true))
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::Name.contains(query))
                    .add(user::Column::Phone.eq(query)),
            )
            .all(&ctx.db)
            .await?;
        found.extend(rows);
    }
    let mut choices = Vec::with_capacity(found.len());
    for u in found {
        choices.push(HelperChoice {
            active_pairings: active_count(&ctx.db, u.id).await?,
            id: u.id,
            name: u.name,
            limit: ctx.settings.pairing_limit,
        });
    }
    choices.sort_by(|a, b| (a.active_pairings, &a.name).cmp(&(b.active_pairings, &b.name)));
    choices.truncate(20);
    Ok(choices)
}

async fn active_count(db: &impl ConnectionTrait, helper: Uuid) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok(pairing::Entity::find()
        .filter(pairing::Column::HelperId.eq(helper))
        .filter(pairing::Column::EndedAt.is_null())
        .count(db)
        .await?)
}

/// The active pairing of a household, if any.
pub async fn active_of_household(
    db: &impl ConnectionTrait,
    household: Uuid,
) -> Result<Option<pairing::Model>, ServiceError> {
    Ok(pairing::Entity::find()
        .filter(pairing::Column::HouseholdId.eq(household))
        .filter(pairing::Column::EndedAt.is_null())
        .one(db)
        .await?)
}

/// A pairing as a request asks for it, parsed.
#[derive(Debug, Clone)]
pub struct NewPairing {
    pub household_id: Uuid,
    pub helper_id: Uuid,
    pub liaison_id: Option<Uuid>,
    pub visit_every_days: i32,
}

/// An active account of one of `roles`, for field `name`.
async fn person(
    db: &impl ConnectionTrait,
    name: &str,
    id: Uuid,
    roles: &[Role],
) -> Result<user::Model, ServiceError> {
    store::accounts::user_by_id(db, id)
        .await?
        .filter(|u| u.active && roles.contains(&u.role))
        .ok_or_else(|| ServiceError::field(name, Text::fixed("没有这个人", "No such person")))
}

/// Holds `user`'s row until the transaction ends, so that two pairings of
/// one helper are counted one after the other (PostgreSQL; a SQLite write
/// transaction holds the whole database already).
async fn hold_user(db: &impl ConnectionTrait, user: Uuid) -> Result<(), ServiceError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM users WHERE id = $1 FOR UPDATE",
            [user.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Pairs a key household in the cadre's reach with a main helper.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    new: NewPairing,
) -> Result<pairing::Model, ServiceError> {
    let h = household_in_reach(&ctx.db, caller, new.household_id)
        .await?
        .ok_or_else(no_household)?;
    if key_household::Entity::find_by_id(h.id)
        .one(&ctx.db)
        .await?
        .is_none()
    {
        return Err(ServiceError::field(
            "household_id",
            Text::fixed(
                "请先把该户标为重点户",
                "Mark the household as a key household first",
            ),
        ));
    }
    let helper = person(&ctx.db, "helper_id", new.helper_id, &[Role::Volunteer]).await?;
    if !is_standing(&ctx.db, helper.id).await? {
        return Err(ServiceError::field(
            "helper_id",
            Text::fixed(
                "这位志愿者没有同意长期结对",
                "This volunteer has not agreed to standing pairings",
            ),
        ));
    }
    if let Some(liaison) = new.liaison_id {
        person(
            &ctx.db,
            "liaison_id",
            liaison,
            &[Role::Volunteer, Role::Cadre],
        )
        .await?;
    }
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    super::households::hold_unerased(&txn, h.id).await?;
    hold_user(&txn, helper.id).await?;
    if active_of_household(&txn, h.id).await?.is_some() {
        return Err(conflict(
            "该户已有结对帮扶人",
            "The household already has an active pairing",
        ));
    }
    let limit = ctx.settings.pairing_limit;
    if active_count(&txn, helper.id).await? >= u64::from(limit) {
        return Err(ServiceError::Conflict(Text::owned(
            format!("这位帮扶人已结对 {limit} 户，达到上限"),
            format!("This helper already has {limit} households, the most allowed"),
        )));
    }
    let row = pairing::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h.id),
        region: Set(h.region.clone()),
        helper_id: Set(helper.id),
        liaison_id: Set(new.liaison_id),
        created_by: Set(caller.user_id),
        started_at: Set(now),
        ended_at: Set(None),
        end_reason: Set(None),
        visit_every_days: Set(new.visit_every_days),
        last_visit_at: Set(None),
        reminded_due: Set(None),
    };
    let inserted = match row.insert(&txn).await {
        Ok(p) => p,
        Err(e) if store::is_unique_violation(&e) => {
            return Err(conflict(
                "该户已有结对帮扶人",
                "The household already has an active pairing",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    txn.commit().await.map_err(|e| {
        if store::is_unique_violation(&e) {
            conflict(
                "该户已有结对帮扶人",
                "The household already has an active pairing",
            )
        } else {
            e.into()
        }
    })?;
    Ok(inserted)
}

/// Ends an active pairing with a reason.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn end(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    reason: String,
) -> Result<pairing::Model, ServiceError> {
    let p = pairing::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|p| caller.role == Role::Cadre && caller.reaches(&p.region))
        .ok_or(ServiceError::NotFound)?;
    let now = now_ms();
    let ended = pairing::Entity::update_many()
        .col_expr(
            pairing::Column::EndedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            pairing::Column::EndReason,
            sea_orm::sea_query::Expr::value(reason),
        )
        .filter(pairing::Column::Id.eq(p.id))
        .filter(pairing::Column::EndedAt.is_null())
        .exec(&ctx.db)
        .await?;
    if ended.rows_affected == 0 {
        return Err(conflict("结对已经结束", "The pairing has already ended"));
    }
    pairing::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A pairing as its readers see it: the household's head's name and
/// village, never its ID number, phone, tags or point.
#[derive(Debug, Clone)]
pub struct PairingView {
    pub row: pairing::Model,
    pub household_name: String,
    pub village_name: String,
    pub helper_name: String,
    pub liaison_name: Option<String>,
    pub next_visit_due: Option<i64>,
}

/// Who a pairings list is for.
#[derive(Debug, Clone, Default)]
pub struct PairingFilter {
    pub household: Option<Uuid>,
    pub helper: Option<Uuid>,
    pub region: Option<RegionPrefix>,
    pub active_only: bool,
}

/// Whether `caller` may read pairing `p`: staff in reach, its helper and
/// its liaison.
pub fn may_read(caller: &Caller, p: &pairing::Model) -> bool {
    match caller.role {
        Role::Volunteer => p.helper_id == caller.user_id || p.liaison_id == Some(caller.user_id),
        Role::Cadre | Role::Coordinator | Role::Admin => {
            caller.reaches(&p.region)
                || (caller.role == Role::Cadre && p.liaison_id == Some(caller.user_id))
        }
    }
}

/// The pairings the caller may read that pass `filter`, newest first, at
/// most 500.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    ctx: &AppContext,
    caller: &Caller,
    filter: &PairingFilter,
) -> Result<Vec<PairingView>, ServiceError> {
    if caller.is_staff_without_region() {
        return Err(ServiceError::Forbidden);
    }
    let mut q = pairing::Entity::find();
    if caller.role == Role::Volunteer {
        q = q.filter(
            sea_orm::Condition::any()
                .add(pairing::Column::HelperId.eq(caller.user_id))
                .add(pairing::Column::LiaisonId.eq(caller.user_id)),
        );
    } else if let crate::domain::Reach::Within(prefix) = caller.reach() {
        q = q.filter(pairing::Column::Region.starts_with(prefix.as_str()));
    }
    if let Some(h) = filter.household {
        q = q.filter(pairing::Column::HouseholdId.eq(h));
    }
    if let Some(h) = filter.helper {
        q = q.filter(pairing::Column::HelperId.eq(h));
    }
    if let Some(r) = &filter.region {
        q = q.filter(pairing::Column::Region.starts_with(r.as_str()));
    }
    if filter.active_only {
        q = q.filter(pairing::Column::EndedAt.is_null());
    }
    let rows = q
        .order_by_desc(pairing::Column::StartedAt)
        .limit(500)
        .all(&ctx.db)
        .await?;
    let rows: Vec<_> = rows.into_iter().filter(|p| may_read(caller, p)).collect();
    views(&ctx.db, rows).await
}

/// How many active pairings in the caller's reach are past their visit's
/// due date at `now` (the cadre's work list); read without their names.
pub async fn overdue_count(
    ctx: &AppContext,
    caller: &Caller,
    now: i64,
) -> Result<usize, ServiceError> {
    let crate::domain::Reach::Within(prefix) = caller.reach() else {
        return Err(ServiceError::Forbidden);
    };
    let rhythms: Vec<(i64, Option<i64>, i32)> = pairing::Entity::find()
        .select_only()
        .column(pairing::Column::StartedAt)
        .column(pairing::Column::LastVisitAt)
        .column(pairing::Column::VisitEveryDays)
        .filter(pairing::Column::Region.starts_with(prefix.as_str()))
        .filter(pairing::Column::EndedAt.is_null())
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(rhythms
        .into_iter()
        .filter(|&(started, last, every)| next_visit_due(started, last, every) < now)
        .count())
}

/// One pairing the caller may read.
pub async fn get(ctx: &AppContext, caller: &Caller, id: Uuid) -> Result<PairingView, ServiceError> {
    let p = pairing::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|p| may_read(caller, p))
        .ok_or(ServiceError::NotFound)?;
    views(&ctx.db, vec![p])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Names the households, villages and people of `rows`.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<pairing::Model>,
) -> Result<Vec<PairingView>, ServiceError> {
    let households: Vec<Uuid> = rows.iter().map(|p| p.household_id).collect();
    let mut heads = std::collections::HashMap::new();
    for chunk in households.chunks(500) {
        let found: Vec<(Uuid, String)> = household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .column(household::Column::HeadName)
            .filter(household::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        heads.extend(found);
    }
    let villages = store::regions::names(db, rows.iter().map(|p| p.region.clone())).await?;
    let people: Vec<Uuid> = rows
        .iter()
        .flat_map(|p| [Some(p.helper_id), p.liaison_id])
        .flatten()
        .collect();
    let names = store::accounts::names(db, &people).await?;
    Ok(rows
        .into_iter()
        .map(|p| PairingView {
            household_name: heads.get(&p.household_id).map_or_else(String::new, |name| {
                crate::domain::household::shown_name(name, crate::i18n::current())
            }),
            village_name: villages
                .get(&p.region)
                .cloned()
                .unwrap_or_else(|| p.region.clone()),
            helper_name: names.get(&p.helper_id).cloned().unwrap_or_default(),
            liaison_name: p.liaison_id.and_then(|l| names.get(&l).cloned()),
            next_visit_due: p
                .ended_at
                .is_none()
                .then(|| next_visit_due(p.started_at, p.last_visit_at, p.visit_every_days)),
            row: p,
        })
        .collect())
}

/// Pairing first: when `n`'s household has an active pairing, proposes `n`
/// to its helper at once (the usual deadline) and queues their email, in
/// `txn`; the need is `matched` meanwhile, so rounds and claims leave it
/// alone. Nothing when there is no pairing, the helper cannot take it, or
/// the need was taken.
#[tracing::instrument(skip_all, fields(need = %n.id))]
pub async fn offer_first_in(
    ctx: &AppContext,
    txn: &impl ConnectionTrait,
    n: &need::Model,
) -> Result<Option<matches::Model>, ServiceError> {
    let Some(p) = active_of_household(txn, n.household_id).await? else {
        return Ok(None);
    };
    let helper = store::accounts::user_by_id(txn, p.helper_id).await?;
    if !helper.is_some_and(|u| u.active && u.role == Role::Volunteer) {
        return Ok(None);
    }
    if store::matches::excluded_volunteers(txn, n.id)
        .await?
        .contains(&p.helper_id)
    {
        return Ok(None);
    }
    let now = now_ms();
    let making = Making {
        origin: MatchOrigin::Pairing,
        actor: None,
        round_id: None,
        now,
    };
    let Some((m, token)) = write_match(ctx, txn, n, Taker::Helper(p.helper_id), &making).await?
    else {
        return Ok(None);
    };
    let token =
        token.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a proposal has a token")))?;
    let parties = match_life::parties(txn, &m, n).await?;
    let household_name = store::households::find(txn, n.household_id)
        .await?
        .map(|h| h.head_name)
        .unwrap_or_default();
    let item = proposal_item(
        n.into(),
        m.id,
        &parties.village_name,
        &token,
        parties.volunteer.locale,
        None,
    );
    let context = json!({
        "title": n.title,
        "description": n.description,
        "category_label": item["category_label"],
        "village_name": parties.village_name,
        "household_name": household_name,
        "token": token,
        "match_id": m.id,
        "expires_at": expires_label(ctx, m.expires_at.unwrap_or(now)),
    });
    super::emails::send(
        ctx,
        txn,
        &parties.volunteer,
        EmailKind::PairingProposal,
        &format!("match:{}:proposed", m.id),
        context,
    )
    .await?;
    store::stats::refresh(txn, Some(&[n.id])).await?;
    Ok(Some(m))
}

/// Pairing first for needs posted without it (a spreadsheet's, or one whose
/// post was cut short): every open need of a paired household, posted
/// since its pairing began, that was never put to its helper. Run after an
/// import and on the service's tick; a need taken meanwhile is skipped.
#[tracing::instrument(skip_all)]
pub async fn catch_up(ctx: &AppContext) -> Result<usize, ServiceError> {
    let waiting = store::needs::unoffered_to_helpers(&ctx.db).await?;
    let mut proposed = 0;
    for n in waiting {
        let txn = store::begin_write(&ctx.db).await?;
        let Some(n) = store::needs::find(&txn, n).await? else {
            continue;
        };
        if offer_first_in(ctx, &txn, &n).await?.is_some() {
            txn.commit().await?;
            proposed += 1;
        }
    }
    if proposed > 0 {
        ctx.emails_committed();
    }
    Ok(proposed)
}
