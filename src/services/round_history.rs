//! Past rounds as a caller may see them: those whose region overlaps the
//! caller's (API.md), every round for admins, none without a region.

use std::collections::HashMap;

use uuid::Uuid;

use super::ServiceError;
use crate::domain::RegionPrefix;
use crate::domain::{Caller, Category, MatchStatus, Reach};
use crate::store::entity::{matches, need, user};
use crate::store::{self, entity::round, rounds::RoundFilter};

/// Up to `limit` of the caller's rounds, newest first, older than `before`.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<round::Model>, ServiceError> {
    let filter = match caller.reach() {
        Reach::Everywhere => RoundFilter::Every,
        Reach::Within(prefix) => RoundFilter::Overlapping(prefix),
        Reach::Nowhere => return Ok(Vec::new()),
    };
    Ok(store::rounds::list(db, filter, before, limit).await?)
}

/// One round; a round outside the caller's reach is not found, so that its
/// existence does not leak.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn get(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<round::Model, ServiceError> {
    store::rounds::find(db, id)
        .await?
        .filter(|r| visible(caller, &r.region))
        .ok_or(ServiceError::NotFound)
}

fn visible(caller: &Caller, region: &str) -> bool {
    match caller.reach() {
        Reach::Everywhere => true,
        Reach::Within(prefix) => RegionPrefix::parse(region).is_ok_and(|r| r.overlaps(prefix)),
        Reach::Nowhere => false,
    }
}

/// How a round's proposals stand now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Proposed, not answered yet.
    pub waiting: i64,
    /// Accepted (still under way).
    pub accepted: i64,
    pub completed: i64,
    pub declined: i64,
    pub expired: i64,
    pub cancelled: i64,
}

impl Outcomes {
    fn add(&mut self, status: MatchStatus, n: i64) {
        let slot = match status {
            MatchStatus::Proposed => &mut self.waiting,
            MatchStatus::Accepted => &mut self.accepted,
            MatchStatus::Completed => &mut self.completed,
            MatchStatus::Declined => &mut self.declined,
            MatchStatus::Expired => &mut self.expired,
            MatchStatus::Cancelled => &mut self.cancelled,
        };
        *slot += n;
    }
}

/// The outcomes of the given rounds' proposals, by round (one query).
pub async fn outcomes(
    db: &impl sea_orm::ConnectionTrait,
    rounds: &[Uuid],
) -> Result<HashMap<Uuid, Outcomes>, ServiceError> {
    let mut by_round: HashMap<Uuid, Outcomes> = HashMap::new();
    for (round, status, n) in store::rounds::outcomes(db, rounds).await? {
        by_round.entry(round).or_default().add(status, n);
    }
    Ok(by_round)
}

/// A round's proposal as its page lists it.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub m: matches::Model,
    pub need_title: String,
    pub category: Option<Category>,
    pub urgency: i16,
    pub village: String,
    pub volunteer: String,
}

/// Up to `limit` proposals of a round the caller sees, after `after`:
/// the matches, then their needs, volunteers and villages in three reads.
pub async fn proposals(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    round: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Proposal>, ServiceError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    get(db, caller, round).await?;
    let rows = store::rounds::proposals(db, round, after, limit).await?;
    let need_ids: Vec<Uuid> = rows.iter().map(|m| m.need_id).collect();
    let needs: HashMap<Uuid, need::Model> = need::Entity::find()
        .filter(need::Column::Id.is_in(need_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let volunteer_ids: Vec<Uuid> = rows.iter().map(|m| m.volunteer_id).collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Name])
        .filter(user::Column::Id.is_in(volunteer_ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let villages = store::regions::names(db, needs.values().map(|n| n.region.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let n = needs.get(&m.need_id);
            Proposal {
                need_title: n.map(|n| n.title.clone()).unwrap_or_default(),
                category: n.map(|n| n.category),
                urgency: n.map_or(0, |n| n.urgency),
                village: n
                    .and_then(|n| villages.get(&n.region).cloned())
                    .unwrap_or_default(),
                volunteer: names.get(&m.volunteer_id).cloned().unwrap_or_default(),
                m,
            }
        })
        .collect())
}
