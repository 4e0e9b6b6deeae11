//! Queries on users, sessions, link tokens, throttling events and the audit log.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::entity::{link_token, session, throttle_event, user};
use crate::domain::{AuditAction, LinkPurpose};

pub async fn user_by_email_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailKey.eq(key))
        .one(db)
        .await
}

pub async fn user_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

pub async fn insert_user(
    db: &impl ConnectionTrait,
    row: user::ActiveModel,
) -> Result<user::Model, DbErr> {
    row.insert(db).await
}

/// Sets a new password hash (and marks the address verified: the person
/// proved it by following a link sent to it).
pub async fn set_password(
    db: &impl ConnectionTrait,
    id: Uuid,
    hash: String,
    now: i64,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        password_hash: Set(Some(hash)),
        verified: Set(true),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

pub async fn set_verified(db: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        verified: Set(true),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

pub async fn insert_session(
    db: &impl ConnectionTrait,
    row: session::ActiveModel,
) -> Result<(), DbErr> {
    session::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// The live session with this token hash, and its user.
pub async fn live_session(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<Option<(session::Model, user::Model)>, DbErr> {
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    let Some(session) = found else {
        return Ok(None);
    };
    Ok(user_by_id(db, session.user_id).await?.map(|u| (session, u)))
}

/// Slides a session's expiry forward.
pub async fn touch_session(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(expires_at))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn revoke_session(db: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// Ends every session of a user (after a password change).
pub async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn insert_link_token(
    db: &impl ConnectionTrait,
    row: link_token::ActiveModel,
) -> Result<(), DbErr> {
    link_token::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Uses a link token once: marks it used if it is unused, unexpired and for
/// one of `purposes`, in one statement, and returns its user. A second use, or two
/// at once, find nothing.
pub async fn consume_link_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<Option<Uuid>, DbErr> {
    let update = Query::update()
        .table(link_token::Entity)
        .value(link_token::Column::UsedAt, now)
        .and_where(link_token::Column::TokenHash.eq(token_hash))
        .and_where(link_token::Column::Purpose.is_in(purposes.iter().copied()))
        .and_where(link_token::Column::UsedAt.is_null())
        .and_where(link_token::Column::ExpiresAt.gt(now))
        .returning_col(link_token::Column::UserId)
        .to_owned();
    let row = db
        .query_one_raw(db.get_database_backend().build(&update))
        .await?;
    #[derive(FromQueryResult)]
    struct UserOnly {
        user_id: Uuid,
    }
    row.map(|r| UserOnly::from_query_result(&r, "").map(|u| u.user_id))
        .transpose()
}

/// Uses up every unused link of `user_id` with one of `purposes`: once a
/// password is set, the other reset and invitation links must not set
/// another.
pub async fn spend_user_links(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<(), DbErr> {
    link_token::Entity::update_many()
        .col_expr(link_token::Column::UsedAt, Expr::value(now))
        .filter(link_token::Column::UserId.eq(user_id))
        .filter(link_token::Column::Purpose.is_in(purposes.iter().copied()))
        .filter(link_token::Column::UsedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// How many events `bucket` had since `since`.
pub async fn throttle_count(
    db: &impl ConnectionTrait,
    bucket: &str,
    since: i64,
) -> Result<u64, DbErr> {
    throttle_event::Entity::find()
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .filter(throttle_event::Column::At.gte(since))
        .count(db)
        .await
}

/// The least `column` (`At` or `Id`) among the events of `bucket` since
/// `since`: when the oldest leaves the window, or which was recorded first.
pub async fn throttle_first(
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
pub async fn throttle_record(
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
pub async fn throttle_touch(
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

pub async fn throttle_forget(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    throttle_event::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets a bucket.
pub async fn throttle_clear(db: &impl ConnectionTrait, bucket: &str) -> Result<(), DbErr> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::Bucket.eq(bucket))
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets every event before `before`.
pub async fn throttle_purge(db: &impl ConnectionTrait, before: i64) -> Result<(), DbErr> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::At.lt(before))
        .exec(db)
        .await
        .map(|_| ())
}

/// Appends one audit record per subject: `actor` did `action` to each
/// `subject_type` in `subject_ids`. One statement on PostgreSQL, as few as
/// SQLite's variable limit allows there ([`super::bulk`]): an export of a
/// county's households is not tens of thousands of round trips.
pub async fn audit(
    db: &impl ConnectionTrait,
    actor: Uuid,
    action: AuditAction,
    subject_type: &str,
    subject_ids: Vec<String>,
    now: i64,
) -> Result<u64, DbErr> {
    let ids = subject_ids.iter().map(|_| Uuid::now_v7()).collect();
    super::bulk::Rows::new("audit_log", subject_ids.len())
        .uuids("id", ids)
        .same("actor_id", actor)
        .same("action", action)
        .same("subject_type", subject_type.to_owned())
        .texts("subject_id", subject_ids)
        .same("at", now)
        .insert(db)
        .await
}

/// The user of an unused, unexpired link token with one of `purposes`,
/// without using it up.
pub async fn pending_link_user(
    db: &impl ConnectionTrait,
    token_hash: &str,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<Option<user::Model>, DbErr> {
    let token = link_token::Entity::find()
        .filter(link_token::Column::TokenHash.eq(token_hash))
        .filter(link_token::Column::Purpose.is_in(purposes.iter().copied()))
        .filter(link_token::Column::UsedAt.is_null())
        .filter(link_token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    match token {
        Some(t) => user_by_id(db, t.user_id).await,
        None => Ok(None),
    }
}
