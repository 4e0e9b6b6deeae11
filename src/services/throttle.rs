//! Counting attempts in sliding windows, in the database so that every
//! instance sees the same counts.

use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};

use crate::domain::time::DAY_MS;
use crate::settings::Limit;
use crate::store::entity::throttle_event::Column;
use crate::store::throttle as q;

// The limits themselves are settings (`Settings::limits`), so that a
// deployment can fit them to how many people share its clients' addresses.

/// A bucket name for an account that does not store the address itself.
pub fn account_bucket(action: &str, email_key: &str) -> String {
    let digest = Sha256::digest(email_key.as_bytes());
    format!("{action}:account:{}", hex::encode(&digest[..12]))
}

/// A bucket for one account tried from one address, without either in clear.
pub fn account_ip_bucket(action: &str, email_key: &str, ip: &str) -> String {
    let digest = Sha256::digest(format!("{email_key}\n{ip}").as_bytes());
    format!("{action}:account-ip:{}", hex::encode(&digest[..12]))
}

pub fn ip_bucket(action: &str, ip: &str) -> String {
    format!("{action}:ip:{ip}")
}

/// Counts an attempt first, then checks the window including it, so that
/// parallel attempts cannot all slip under the limit. `Ok(event)` when within
/// the limit (the event can be forgotten after a success), `Err(seconds to
/// wait)` when over it.
pub async fn hit(
    db: &impl ConnectionTrait,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<Result<i64, u64>, DbErr> {
    let since = now - limit.window_ms;
    let event = q::record(db, bucket, now, since).await?;
    if q::count(db, bucket, since).await? <= limit.max {
        return Ok(Ok(event));
    }
    let oldest = q::first(db, bucket, since, Column::At)
        .await?
        .unwrap_or(now);
    let wait_ms = (oldest + limit.window_ms - now).max(1000);
    Ok(Err((wait_ms as u64).div_ceil(1000)))
}

/// Names one lock of `bucket`'s subject for as long as refusals keep coming
/// less than `window_ms` apart: every refusal of that lock, even concurrent
/// ones, gets the same id, and the next lock a new one. Keys one email per
/// lock, not per attempt.
pub async fn lock_id(
    db: &impl ConnectionTrait,
    bucket: &str,
    window_ms: i64,
    now: i64,
) -> Result<i64, DbErr> {
    let since = now - window_ms;
    // The lock's mark is kept fresh while refusals go on; a lock quiet for a
    // whole window lets it expire.
    if q::touch(db, bucket, since, now).await? == 0 {
        q::record(db, bucket, now, since).await?;
    }
    // Two refusals that both found no mark both made one: the first counts.
    Ok(q::first(db, bucket, since, Column::Id)
        .await?
        .unwrap_or_default())
}

/// Forgets one counted attempt (it succeeded).
pub async fn forget(db: &impl ConnectionTrait, event: i64) -> Result<(), DbErr> {
    q::forget(db, event).await
}

/// Forgets a bucket (a successful login clears its account's failures).
pub async fn clear(db: &impl ConnectionTrait, bucket: &str) -> Result<(), DbErr> {
    q::clear(db, bucket).await
}

/// Forgets every event older than a day: no window is longer.
pub async fn purge(db: &impl ConnectionTrait, now: i64) -> Result<(), DbErr> {
    q::purge(db, now - DAY_MS).await
}
