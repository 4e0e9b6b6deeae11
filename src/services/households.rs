//! Households: registered by the cadres of their region, read by staff in
//! reach. Every read of a household's personal data by anyone but a cadre is
//! written to the audit log.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::ServiceError;
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::household::input::{HouseholdChanges, NewHousehold};
use crate::domain::household::{join_tags, parse_tags};
use crate::domain::{AuditAction, NeedStatus, RegionCode, RegionPrefix, Role};
use crate::i18n::Text;
use crate::store::households::HouseholdFilter;
use crate::store::{self, entity::household, now_ms};

/// Records that `caller` read the personal data of these households, unless
/// the caller is a cadre (whose work it is): every row or none, in one
/// transaction, before the data is handed out.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn audit_reads(
    db: &DatabaseConnection,
    caller: &Caller,
    action: AuditAction,
    ids: &[Uuid],
) -> Result<(), ServiceError> {
    if caller.role == Role::Cadre || ids.is_empty() {
        return Ok(());
    }
    let subjects = ids.iter().map(Uuid::to_string).collect();
    let txn = store::begin_write(db).await?;
    store::audit::record(
        &txn,
        caller.user_id,
        action,
        "household",
        subjects,
        now_ms(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The refusal of a change to a household whose personal data was erased.
pub fn erased() -> ServiceError {
    ServiceError::Conflict(Text::fixed(
        "该户的个人信息已按保存期限删除，不能再修改、发布需求、结对或标为重点户",
        "This household's personal data was erased after the retention period: \
         it can no longer be changed, get new needs, be paired or be marked key",
    ))
}

/// Refuses a change to household `id` once erased. Called inside the
/// change's write transaction: on PostgreSQL it holds the row, so that an
/// erasure running at the same time either waits for the change (and then
/// sees it) or the change sees the erasure.
pub async fn hold_unerased(txn: &impl ConnectionTrait, id: Uuid) -> Result<(), ServiceError> {
    match store::retention::hold_household(txn, id).await? {
        Some(false) => Ok(()),
        Some(true) => Err(erased()),
        None => Err(ServiceError::NotFound),
    }
}

/// The region a household may be registered in: existing, and in reach.
async fn region_in_reach(
    ctx: &AppContext,
    caller: &Caller,
    code: &RegionCode,
) -> Result<String, ServiceError> {
    let known = store::regions::find(&ctx.db, code.as_str())
        .await?
        .is_some();
    if !known || !caller.reaches(code.as_str()) {
        return Err(ServiceError::field(
            "region",
            Text::fixed(
                "没有这个地区，或不在您负责的范围内",
                "No such region in your reach",
            ),
        ));
    }
    Ok(code.as_str().to_owned())
}

/// The row of a newly registered household: by the API, or by a
/// spreadsheet import.
pub fn new_row(id: Uuid, new: &NewHousehold, created_by: Uuid, now: i64) -> household::ActiveModel {
    household::ActiveModel {
        id: Set(id),
        region: Set(new.region.as_str().to_owned()),
        head_name: Set(new.head_name.as_str().to_owned()),
        id_number: Set(new.id_number.as_ref().map(|i| i.as_str().to_owned())),
        phone: Set(new.phone.as_ref().map(|p| p.as_str().to_owned())),
        members: Set(i32::from(new.members.get())),
        lat: Set(new.point.map(|p| p.0)),
        lon: Set(new.point.map(|p| p.1)),
        tags: Set(join_tags(&new.tags)),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
        erased_at: Set(None),
    }
}

/// Registers a household.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    new: NewHousehold,
) -> Result<household::Model, ServiceError> {
    region_in_reach(ctx, caller, &new.region).await?;
    let row = new_row(Uuid::now_v7(), &new, caller.user_id, now_ms());
    row.insert(&ctx.db).await.map_err(super::unique_as(|| {
        ServiceError::Conflict(Text::fixed(
            "已有身份证号相同的户",
            "A household with this ID number exists",
        ))
    }))
}

/// One household in the caller's reach (404 otherwise), audited.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn get(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<household::Model, ServiceError> {
    let household = store::households::find(&ctx.db, id)
        .await?
        .filter(|h| caller.reaches(&h.region))
        .ok_or(ServiceError::NotFound)?;
    audit_reads(&ctx.db, caller, AuditAction::Read, &[household.id]).await?;
    Ok(household)
}

/// Changes some fields of a household; its live needs move with it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn update(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    changes: HouseholdChanges,
) -> Result<household::Model, ServiceError> {
    let current = get(ctx, caller, id).await?;
    if current.erased_at.is_some() {
        return Err(erased());
    }
    let region = match &changes.region {
        Some(code) => region_in_reach(ctx, caller, code).await?,
        None => current.region.clone(),
    };
    let text = |t: &str| t.to_owned();
    let head = changes
        .head_name
        .map_or(current.head_name.clone(), |n| text(n.as_str()));
    let id_number = changes
        .id_number
        .map_or(current.id_number.clone(), |i| i.map(|i| text(i.as_str())));
    let phone = changes
        .phone
        .map_or(current.phone.clone(), |p| p.map(|p| text(p.as_str())));
    let members = changes
        .members
        .map_or(current.members, |m| i32::from(m.get()));
    let point = changes.point.unwrap_or(current.lat.zip(current.lon));
    let tags = changes.tags.map_or(current.tags.clone(), |t| join_tags(&t));
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    hold_unerased(&txn, id).await?;
    let changed = household::ActiveModel {
        id: Set(id),
        region: Set(region.clone()),
        head_name: Set(head),
        id_number: Set(id_number),
        phone: Set(phone),
        members: Set(members),
        lat: Set(point.map(|p| p.0)),
        lon: Set(point.map(|p| p.1)),
        tags: Set(tags),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(super::unique_as(|| {
        ServiceError::Conflict(Text::fixed(
            "已有身份证号相同的户",
            "A household with this ID number exists",
        ))
    }))?;
    let need_point = match point {
        Some(p) => Some(p),
        None => super::needs::region_point(&txn, &region).await?,
    };
    store::needs::follow_household(&txn, id, &region, need_point, now).await?;
    txn.commit().await?;
    Ok(changed)
}

/// What a list of households is narrowed to, inside the caller's reach.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// A region code or prefix: a village, a township.
    pub region: Option<RegionPrefix>,
    /// Text the head's name contains ([`name_search`](crate::domain::household::input::name_search)).
    pub name: Option<String>,
}

/// A page of the households inside the caller's reach that `search`
/// finds, audited; up to `limit + 1` rows, the last only telling that
/// more follow.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    ctx: &AppContext,
    caller: &Caller,
    search: Search,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<household::Model>, ServiceError> {
    let mut regions: Vec<_> = caller.region.iter().cloned().collect();
    regions.extend(search.region);
    let filter = HouseholdFilter {
        regions,
        name_contains: search.name,
    };
    // One more than the page, to tell whether another page follows.
    let rows = store::households::list(&ctx.db, &filter, after, limit + 1).await?;
    let ids: Vec<Uuid> = rows.iter().take(limit as usize).map(|h| h.id).collect();
    audit_reads(&ctx.db, caller, AuditAction::List, &ids).await?;
    Ok(rows)
}

/// A household's needs at a glance. Cancelled needs are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NeedCounts {
    pub open: i64,
    pub matched: i64,
    pub fulfilled: i64,
}

/// The needs at a glance of each of `households` (a page the caller was
/// given), in one query; a household without needs is left out.
#[tracing::instrument(skip_all, fields(households = households.len()))]
pub async fn need_counts(
    ctx: &AppContext,
    households: &[Uuid],
) -> Result<HashMap<Uuid, NeedCounts>, ServiceError> {
    let mut counts: HashMap<Uuid, NeedCounts> = HashMap::new();
    for (household, status, n) in store::needs::status_counts(&ctx.db, households).await? {
        let c = counts.entry(household).or_default();
        match status {
            NeedStatus::Open => c.open += n,
            NeedStatus::Matched => c.matched += n,
            NeedStatus::Fulfilled => c.fulfilled += n,
            NeedStatus::Cancelled => {}
        }
    }
    Ok(counts)
}

/// Every household in the caller's reach, for a file, audited.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn export_rows(
    ctx: &AppContext,
    caller: &Caller,
) -> Result<Vec<super::export::households::HouseholdExportRow>, ServiceError> {
    let filter = HouseholdFilter {
        regions: caller.region.iter().cloned().collect(),
        name_contains: None,
    };
    let rows = store::households::list(&ctx.db, &filter, None, 0).await?;
    let names = store::regions::names(&ctx.db, rows.iter().map(|h| h.region.clone())).await?;
    let ids: Vec<Uuid> = rows.iter().map(|h| h.id).collect();
    audit_reads(&ctx.db, caller, AuditAction::Export, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|h| super::export::households::HouseholdExportRow {
            region_name: names.get(&h.region).cloned().unwrap_or_default(),
            region: h.region,
            head_name: crate::domain::household::shown_name(&h.head_name, caller.locale),
            id_number: h.id_number,
            phone: h.phone,
            members: h.members,
            lat: h.lat,
            lon: h.lon,
            tags: parse_tags(&h.tags).unwrap_or_default(),
        })
        .collect())
}
