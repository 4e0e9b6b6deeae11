//! Counting attempts in sliding windows, in the database so that every
//! instance sees the same counts.

use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};

use crate::store::accounts as q;

/// At most `max` events per `window_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u64,
    pub window_ms: i64,
}

const MINUTE: i64 = 60_000;
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_ms: 15 * MINUTE,
};
pub const LOGIN_FAILURES_PER_IP: Limit = Limit {
    max: 30,
    window_ms: 15 * MINUTE,
};
pub const REGISTRATIONS_PER_IP: Limit = Limit {
    max: 10,
    window_ms: 60 * MINUTE,
};
pub const RESETS_PER_IP: Limit = Limit {
    max: 10,
    window_ms: 60 * MINUTE,
};
pub const RESETS_PER_ACCOUNT: Limit = Limit {
    max: 3,
    window_ms: 60 * MINUTE,
};

/// A bucket name for an account that does not store the address itself.
pub fn account_bucket(action: &str, email_key: &str) -> String {
    let digest = Sha256::digest(email_key.as_bytes());
    format!("{action}:account:{}", hex::encode(&digest[..12]))
}

pub fn ip_bucket(action: &str, ip: &str) -> String {
    format!("{action}:ip:{ip}")
}

/// `Err(seconds to wait)` when the bucket is full.
pub async fn check(
    db: &impl ConnectionTrait,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<Result<(), u64>, DbErr> {
    let since = now - limit.window_ms;
    if q::throttle_count(db, bucket, since).await? < limit.max {
        return Ok(Ok(()));
    }
    let oldest = q::throttle_oldest(db, bucket, since).await?.unwrap_or(now);
    let wait_ms = (oldest + limit.window_ms - now).max(1000);
    Ok(Err((wait_ms as u64).div_ceil(1000)))
}

/// Counts one event in the bucket.
pub async fn record(
    db: &impl ConnectionTrait,
    bucket: &str,
    limit: Limit,
    now: i64,
) -> Result<(), DbErr> {
    q::throttle_record(db, bucket, now, now - limit.window_ms).await
}

pub async fn clear(db: &impl ConnectionTrait, bucket: &str) -> Result<(), DbErr> {
    q::throttle_clear(db, bucket).await
}
