//! A checked file waiting for its owner's confirmation. The import page
//! checks an upload first (a dry run) and shows what it would do; a browser
//! cannot send the file again, so the file is kept here and the
//! confirmation names it by a token.
//!
//! Kept in the database (`import_uploads`), not in one server's memory, so
//! that the confirmation may reach another instance, or the same one after
//! a restart. Bounded: one file per person (a new check replaces the old),
//! each at most the upload limit, gone after [`KEEP_MS`] or once used. The
//! token is stored only as its hash and works only for the person it was
//! given to, once.

use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::parse::parse_file;
use super::{ImportError, ImportSummary, write};
use crate::domain::Caller;
use crate::i18n::Text;
use crate::services::ServiceError;
use crate::services::tokens::{new_token, token_hash};
use crate::store::entity::import_upload::{self, Column};
use crate::store::{self, now_ms};

/// How long a checked file waits for its confirmation: 30 minutes.
pub const KEEP_MS: i64 = 30 * 60 * 1000;

/// Keeps `bytes` (already checked) for `caller`, replacing any file they
/// kept before and dropping every expired one; the token that imports it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, bytes = bytes.len()))]
pub async fn keep(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    bytes: &[u8],
) -> Result<String, ServiceError> {
    let token = new_token();
    let now = now_ms();
    let txn = store::begin_write(db).await?;
    import_upload::Entity::delete_many()
        .filter(
            Condition::any()
                .add(Column::UserId.eq(caller.user_id))
                .add(Column::ExpiresAt.lte(now)),
        )
        .exec(&txn)
        .await?;
    import_upload::Entity::insert(import_upload::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(caller.user_id),
        bytes: Set(bytes.to_vec()),
        expires_at: Set(now + KEEP_MS),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Imports the file kept under `token` for `caller`, all or nothing, and
/// forgets it in the same transaction: a token imports once, and only for
/// whom it was made. Another person's token, a used or an expired one is a
/// conflict that says to upload the file again.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn import_kept(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    token: &str,
) -> Result<ImportSummary, ImportError> {
    let bytes = kept(db, caller, token).await?;
    // Parsed before the transaction, which then holds the write lock only
    // for the writing.
    let parsed = parse_file(&bytes).map_err(ImportError::Rows)?;
    let txn = store::begin_write(db).await?;
    spend(&txn, caller, token).await?;
    let summary = write(&txn, caller, parsed, &|_, _| {}).await?;
    txn.commit().await?;
    Ok(summary)
}

fn mine(caller: &Caller, token: &str) -> Condition {
    Condition::all()
        .add(Column::TokenHash.eq(token_hash(token.trim())))
        .add(Column::UserId.eq(caller.user_id))
        .add(Column::ExpiresAt.gt(now_ms()))
}

/// The file kept under `token` for `caller` (the village list's apply
/// reads its kept file so too); a conflict when there is none.
pub async fn kept(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    token: &str,
) -> Result<Vec<u8>, ServiceError> {
    let kept = import_upload::Entity::find()
        .filter(mine(caller, token))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    Ok(kept.bytes)
}

/// Forgets the file kept under `token` inside the transaction that uses
/// it. Two uses at once: the second waits for the first's delete and then
/// finds nothing to take, a conflict.
pub async fn spend(
    txn: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    token: &str,
) -> Result<(), ServiceError> {
    let taken = import_upload::Entity::delete_many()
        .filter(mine(caller, token))
        .exec(txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(gone());
    }
    Ok(())
}

fn gone() -> ServiceError {
    ServiceError::Conflict(Text::fixed(
        "这份文件已经导入，或检查后已超过 30 分钟；请重新上传文件",
        "This file has been imported already, or was checked more than 30 minutes ago; upload it again",
    ))
}
