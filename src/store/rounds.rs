//! Queries on finished rounds.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entity::round::{self, Column, Entity as Rounds};
use crate::domain::{MatchStatus, RegionPrefix};

/// Which rounds a listing returns.
#[derive(Debug, Clone, Copy)]
pub enum RoundFilter<'a> {
    Every,
    /// Rounds whose region is inside this prefix or encloses it.
    Overlapping(&'a RegionPrefix),
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<round::Model>, DbErr> {
    Rounds::find_by_id(id).one(db).await
}

/// Up to `limit` rounds of `filter`, newest first, older than `before`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: RoundFilter<'_>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<round::Model>, DbErr> {
    let mut cond = Condition::all();
    if let RoundFilter::Overlapping(prefix) = filter {
        cond = cond.add(overlapping(prefix));
    }
    if let Some(before) = before {
        cond = cond.add(Column::Id.lt(before));
    }
    Rounds::find()
        .filter(cond)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A round's region is stored as its significant prefix (6, 9 or 12
/// digits): it overlaps `prefix` when it lies inside it, or when it is one
/// of `prefix`'s own shorter prefixes (a county's round covers its
/// townships).
fn overlapping(prefix: &RegionPrefix) -> Condition {
    let (low, high) = prefix.code_range();
    let text = prefix.as_str();
    let enclosing: Vec<&str> = [6, 9]
        .into_iter()
        .filter(|n| *n < text.len())
        .map(|n| &text[..n])
        .collect();
    let inside = Condition::all()
        .add(Column::Region.gte(low))
        .add(Column::Region.lt(high));
    let mut cond = Condition::any().add(inside);
    if !enclosing.is_empty() {
        cond = cond.add(Column::Region.is_in(enclosing));
    }
    cond
}

/// How many of each round's proposals are in each status now: one grouped
/// query for a page of rounds.
pub async fn outcomes(
    db: &impl ConnectionTrait,
    rounds: &[Uuid],
) -> Result<Vec<(Uuid, MatchStatus, i64)>, DbErr> {
    use super::entity::matches::{Column as M, Entity as Matches};
    if rounds.is_empty() {
        return Ok(Vec::new());
    }
    Matches::find()
        .select_only()
        .column(M::RoundId)
        .column(M::Status)
        .column_as(M::Id.count(), "n")
        .filter(M::RoundId.is_in(rounds.iter().copied()))
        .group_by(M::RoundId)
        .group_by(M::Status)
        .into_tuple::<(Uuid, MatchStatus, i64)>()
        .all(db)
        .await
}

/// Up to `limit` of a round's proposals, by id, after `after`.
pub async fn proposals(
    db: &impl ConnectionTrait,
    round: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<super::entity::matches::Model>, DbErr> {
    use super::entity::matches::{Column as M, Entity as Matches};
    let mut cond = Condition::all().add(M::RoundId.eq(round));
    if let Some(after) = after {
        cond = cond.add(M::Id.gt(after));
    }
    Matches::find()
        .filter(cond)
        .order_by_asc(M::Id)
        .limit(limit)
        .all(db)
        .await
}
