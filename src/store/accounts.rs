//! Queries on users, their sessions and their link tokens.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::entity::{link_token, session, user};
use crate::domain::LinkPurpose;

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

/// The names of these users, by id.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Name)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    Ok(names)
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

pub async fn set_locale(
    db: &impl ConnectionTrait,
    id: Uuid,
    locale: crate::i18n::Locale,
    now: i64,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        locale: Set(locale),
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
