//! One round at a time on overlapping regions, across every instance. A
//! running round holds a row in `round_locks`; taking a row is serialized by
//! the database (a PostgreSQL advisory lock, or SQLite's single writer), so
//! two instances can never both see "free" and both take it. A row whose
//! instance died frees itself when it expires.

use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait};
use uuid::Uuid;

use super::ServiceError;
use crate::domain::RegionPrefix;
use crate::domain::time::MINUTE_MS;
use crate::i18n::Text;
use crate::store::{self, entity::round_lock};

/// How long a lock outlives a round that never finished.
const LOCK_TTL_MS: i64 = 10 * MINUTE_MS;
/// The advisory key that serializes taking locks on PostgreSQL.
const ADVISORY_KEY: i64 = 0x6875_7a68_7500;

/// A held lock; `release` gives it back.
pub struct RoundLock {
    id: Uuid,
}

pub async fn acquire(
    db: &DatabaseConnection,
    region: &RegionPrefix,
    now: i64,
) -> Result<RoundLock, ServiceError> {
    let txn = store::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({ADVISORY_KEY})"))
            .await?;
    }
    let held = round_lock::Entity::find().all(&txn).await?;
    if overlapping(&held, region, now) {
        txn.rollback().await?;
        return Err(busy());
    }
    let id = Uuid::now_v7();
    round_lock::Entity::delete_many()
        .filter(sea_orm::ColumnTrait::lte(
            &round_lock::Column::ExpiresAt,
            now,
        ))
        .exec(&txn)
        .await?;
    round_lock::Entity::insert(round_lock::ActiveModel {
        id: Set(id),
        region: Set(region.as_str().to_owned()),
        expires_at: Set(now + LOCK_TTL_MS),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(RoundLock { id })
}

/// Whether a round is running now on a region overlapping `region`: a
/// look without taking anything, for a dry run that answers like the real
/// round would.
pub async fn is_busy(
    db: &impl ConnectionTrait,
    region: &RegionPrefix,
    now: i64,
) -> Result<bool, ServiceError> {
    let held = round_lock::Entity::find().all(db).await?;
    Ok(overlapping(&held, region, now))
}

fn overlapping(held: &[round_lock::Model], region: &RegionPrefix, now: i64) -> bool {
    held.iter().any(|l| {
        l.expires_at > now && RegionPrefix::parse(&l.region).is_ok_and(|p| p.overlaps(region))
    })
}

/// The 409 of a round asked for while an overlapping one runs.
pub fn busy() -> ServiceError {
    ServiceError::Conflict(Text::fixed(
        "该地区正在进行一轮匹配，请稍后再试",
        "A matching round is already running for this region",
    ))
}

impl RoundLock {
    pub async fn release(self, db: &DatabaseConnection) -> Result<(), ServiceError> {
        round_lock::Entity::delete_by_id(self.id).exec(db).await?;
        Ok(())
    }
}

use sea_orm::QueryFilter;
