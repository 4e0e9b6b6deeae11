//! Reading matches: which matches a caller may see (the volunteer of a match,
//! and staff whose region holds its need), their list and their history.
//! A match the caller may not see is not found, so that its existence does
//! not leak.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::{Caller, MatchStatus, RegionPrefix, Role};
use crate::store::entity::{match_event, matches, need};
use crate::store::{self, matches::MatchFilter};

/// Whether the caller is a party to (or staff over) the match.
pub fn may_see(caller: &Caller, m: &matches::Model, n: &need::Model) -> bool {
    match caller.role {
        Role::Volunteer => m.volunteer_id == caller.user_id,
        _ => caller.reaches(&n.region),
    }
}

/// One match, if the caller may see it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn visible(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<matches::Model, ServiceError> {
    let m = store::matches::find(db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let n = store::needs::find(db, m.need_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if may_see(caller, &m, &n) {
        Ok(m)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// What a caller asks of the match list; their own scope is added to it.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub status: Option<MatchStatus>,
    pub need: Option<Uuid>,
    pub offer: Option<Uuid>,
    /// Only matches of needs inside this prefix.
    pub region: Option<RegionPrefix>,
}

/// Up to `limit` of the matches the caller is party to or oversees, by id
/// after `after`: a volunteer's own, staff's inside their region.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    query: ListQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<matches::Model>, ServiceError> {
    let filter = MatchFilter {
        status: query.status,
        need: query.need,
        offer: query.offer,
        volunteer: (caller.role == Role::Volunteer).then_some(caller.user_id),
        regions: caller.region.iter().cloned().chain(query.region).collect(),
    };
    Ok(store::matches::list(db, &filter, after, limit).await?)
}

/// Up to `limit` events of a match the caller may see, oldest first, after
/// the event keyed `after` (`(at, id)`).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn events(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<match_event::Model>, ServiceError> {
    let m = visible(db, caller, id).await?;
    Ok(store::matches::events(db, m.id, after, limit).await?)
}
