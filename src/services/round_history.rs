//! Past rounds as a caller may see them: those whose region overlaps the
//! caller's (API.md), every round for admins, none without a region.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::RegionPrefix;
use crate::domain::{Caller, Reach};
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
