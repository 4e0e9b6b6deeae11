//! The cadre's work list: the matches waiting for their confirmation, what
//! happened to matches since they last looked, and when that was. (The
//! needs waiting for a volunteer are `stats::waiting_after`, the query the
//! stale reminder counts with.) One statement a section: the matches to
//! confirm come by the `accepted` status (a county has a few thousand live
//! matches), the changes by time through `idx_match_events_told`; each
//! then keeps those whose need lies in the reader's region.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, Select,
};
use uuid::Uuid;

use super::entity::{match_event, matches, need, user, work_visit};
use crate::domain::{MatchEventKind, MatchStatus, RegionPrefix};

/// A match's need, for joining on its region.
fn match_need() -> RelationDef {
    matches::Entity::belongs_to(need::Entity)
        .from(matches::Column::NeedId)
        .to(need::Column::Id)
        .into()
}

/// Only rows whose need lies inside every one of `regions`.
fn in_regions<E: EntityTrait>(mut query: Select<E>, regions: &[RegionPrefix]) -> Select<E> {
    for prefix in regions {
        let (low, high) = prefix.code_range();
        query = query
            .filter(need::Column::Region.gte(low))
            .filter(need::Column::Region.lt(high));
    }
    query
}

/// `(at, id) > after` (or `<`, `descending`), for keyset paging.
fn keyset<C: ColumnTrait>(at: C, id: C, after: (i64, Uuid), descending: bool) -> Condition {
    let (later, same) = if descending {
        (at.lt(after.0), id.lt(after.1))
    } else {
        (at.gt(after.0), id.gt(after.1))
    };
    Condition::any()
        .add(later)
        .add(Condition::all().add(at.eq(after.0)).add(same))
}

/// Accepted matches of needs in `regions` that wait for a cadre's
/// confirmation: their volunteer reported delivery, or they were accepted
/// before `accepted_before`. The longest accepted first, after the match
/// keyed `after` (`(accepted_at, id)`).
pub async fn to_confirm(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    accepted_before: i64,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<matches::Model>, DbErr> {
    to_confirm_query(regions, accepted_before, after)
        .limit(limit)
        .all(db)
        .await
}

fn to_confirm_query(
    regions: &[RegionPrefix],
    accepted_before: i64,
    after: Option<(i64, Uuid)>,
) -> Select<matches::Entity> {
    use matches::Column as M;
    let reported = Query::select()
        .expr(Expr::val(1))
        .from(match_event::Entity)
        .and_where(
            Expr::col((match_event::Entity, match_event::Column::MatchId))
                .equals((matches::Entity, M::Id)),
        )
        .and_where(
            Expr::col((match_event::Entity, match_event::Column::Kind))
                .eq(MatchEventKind::Delivered.as_str()),
        )
        .to_owned();
    let mut query = matches::Entity::find()
        .join(JoinType::InnerJoin, match_need())
        .filter(M::Status.eq(MatchStatus::Accepted))
        .filter(
            Condition::any()
                .add(M::AcceptedAt.lt(accepted_before))
                .add(Expr::exists(reported)),
        );
    query = in_regions(query, regions);
    if let Some(after) = after {
        query = query.filter(keyset(M::AcceptedAt, M::Id, after, false));
    }
    query.order_by_asc(M::AcceptedAt).order_by_asc(M::Id)
}

/// The statuses a change worth telling a cadre moves a match to: all but a
/// new proposal (a delivery report stays `accepted`).
const TOLD: [MatchStatus; 5] = [
    MatchStatus::Accepted,
    MatchStatus::Declined,
    MatchStatus::Expired,
    MatchStatus::Cancelled,
    MatchStatus::Completed,
];

/// The condition of `idx_match_events_told` (migration 000017): events by
/// time, new proposals left out.
const TOLD_INDEX_TERM: &str = "match_events.to_status <> 'proposed'";

/// What happened to matches of needs in `regions` in `(since, until]` —
/// acceptances and claims, delivery reports, and every ending — other than
/// by `except` (the reader's own moves), newest first, before the event
/// keyed `before` (`(at, id)`).
pub async fn changes(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    window: (i64, i64),
    except: Uuid,
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<match_event::Model>, DbErr> {
    changes_query(regions, window, except, before)
        .limit(limit)
        .all(db)
        .await
}

fn changes_query(
    regions: &[RegionPrefix],
    (since, until): (i64, i64),
    except: Uuid,
    before: Option<(i64, Uuid)>,
) -> Select<match_event::Entity> {
    use match_event::Column as E;
    let event_match: RelationDef = match_event::Entity::belongs_to(matches::Entity)
        .from(E::MatchId)
        .to(matches::Column::Id)
        .into();
    let mut query = match_event::Entity::find()
        .join(JoinType::InnerJoin, event_match)
        .join(JoinType::InnerJoin, match_need())
        .filter(E::At.gt(since))
        .filter(E::At.lte(until))
        // The partial index's own term, as a literal: the way in by time.
        .filter(Expr::cust(TOLD_INDEX_TERM))
        .filter(E::ToStatus.is_in(TOLD))
        .filter(
            Condition::any()
                .add(E::ActorId.is_null())
                .add(E::ActorId.ne(except)),
        );
    query = in_regions(query, regions);
    if let Some(before) = before {
        query = query.filter(keyset(E::At, E::Id, before, true));
    }
    query.order_by_desc(E::At).order_by_desc(E::Id)
}

/// The latest delivery report of each of `ids` that has one.
pub async fn last_deliveries(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, match_event::Model>, DbErr> {
    use match_event::Column as E;
    let reports = match_event::Entity::find()
        .filter(E::MatchId.is_in(ids.iter().copied()))
        .filter(E::Kind.eq(MatchEventKind::Delivered))
        .order_by_asc(E::At)
        .all(db)
        .await?;
    // Oldest first, so the latest of each match stays.
    Ok(reports.into_iter().map(|e| (e.match_id, e)).collect())
}

/// Whole matches by id.
pub async fn matches_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, matches::Model>, DbErr> {
    let rows = matches::Entity::find()
        .filter(matches::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The display names of the people `ids`.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let rows: Vec<(Uuid, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// When `user` last opened their work list, and records `at` as the new
/// last time: the previous value, if any.
pub async fn swap_visit(
    db: &impl ConnectionTrait,
    user: Uuid,
    at: i64,
) -> Result<Option<i64>, DbErr> {
    let previous = work_visit::Entity::find_by_id(user)
        .one(db)
        .await?
        .map(|v| v.seen_at);
    work_visit::Entity::insert(work_visit::ActiveModel {
        user_id: Set(user),
        seen_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(work_visit::Column::UserId)
            .update_column(work_visit::Column::SeenAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;

    #[test]
    fn the_changes_query_holds_the_partial_indexs_own_term() {
        let prefix = RegionPrefix::parse("430525101").expect("prefix");
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = changes_query(std::slice::from_ref(&prefix), (0, 1), Uuid::nil(), None)
                .build(backend)
                .to_string();
            assert!(sql.contains(TOLD_INDEX_TERM), "{sql}");
        }
    }
}
