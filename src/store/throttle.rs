//! Queries on throttling events: attempts counted in sliding windows (see
//! `services::throttle`).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::entity::throttle_event;

/// How many events `bucket` had since `since`.
pub async fn count(db: &impl ConnectionTrait, bucket: &str, since: i64) -> Result<u64, DbErr> {
    throttle_event::Entity::find()
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .filter(throttle_event::Column::At.gte(since))
        .count(db)
        .await
}

/// The least `column` (`At` or `Id`) among the events of `bucket` since
/// `since`: when the oldest leaves the window, or which was recorded first.
pub async fn first(
    db: &impl ConnectionTrait,
    bucket: &str,
    since: i64,
    column: throttle_event::Column,
) -> Result<Option<i64>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    throttle_event::Entity::find()
        .select_only()
        .column(column)
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .filter(throttle_event::Column::At.gte(since))
        .order_by_asc(column)
        .into_tuple::<i64>()
        .one(db)
        .await
}

/// Records an event (returning its id) and forgets this bucket's events
/// older than `forget_before`.
pub async fn record(
    db: &impl ConnectionTrait,
    bucket: &str,
    now: i64,
    forget_before: i64,
) -> Result<i64, DbErr> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .filter(throttle_event::Column::At.lt(forget_before))
        .exec(db)
        .await?;
    let inserted = throttle_event::Entity::insert(throttle_event::ActiveModel {
        bucket: Set(bucket.to_owned()),
        at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

/// Moves every event of `bucket` since `since` to `now`; returns how many.
pub async fn touch(
    db: &impl ConnectionTrait,
    bucket: &str,
    since: i64,
    now: i64,
) -> Result<u64, DbErr> {
    let result = throttle_event::Entity::update_many()
        .col_expr(throttle_event::Column::At, Expr::value(now))
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .filter(throttle_event::Column::At.gte(since))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub async fn forget(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    throttle_event::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets a bucket.
pub async fn clear(db: &impl ConnectionTrait, bucket: &str) -> Result<(), DbErr> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets every event before `before`.
pub async fn purge(db: &impl ConnectionTrait, before: i64) -> Result<(), DbErr> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::At.lt(before))
        .exec(db)
        .await
        .map(|_| ())
}
