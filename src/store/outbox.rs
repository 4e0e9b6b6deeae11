//! Queries on the `outbox` table. Rows are claimed with a lease, so that no
//! transaction stays open while a mail server is talked to, and several
//! instances can drain one outbox without sending a row twice.

use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use super::entity::outbox::{self, Column, Entity as Outbox};
use crate::domain::OutboxStatus;

/// Inserts a row unless one with the same idempotency key exists. Returns
/// whether it was inserted.
pub async fn insert(db: &impl ConnectionTrait, row: outbox::ActiveModel) -> Result<bool, DbErr> {
    let result = Outbox::insert(row)
        .on_conflict(
            OnConflict::column(Column::IdempotencyKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    match result {
        Ok(n) => Ok(n > 0),
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Leases up to `limit` due rows until `lease_until` and returns them. On
/// PostgreSQL the candidate rows are locked with SKIP LOCKED so that two
/// instances never lease the same row; SQLite runs the one statement alone.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: i64,
    lease_until: i64,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let candidates = Query::select()
        .column(Column::Id)
        .from(Outbox)
        .and_where(Column::Status.eq(OutboxStatus::Pending))
        .and_where(Column::NextAttemptAt.lte(now))
        .and_where(Column::LeaseUntil.is_null().or(Column::LeaseUntil.lt(now)))
        .order_by(Column::NextAttemptAt, sea_orm::Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let update = Query::update()
        .table(Outbox)
        .value(Column::LeaseUntil, lease_until)
        .and_where(Column::Id.in_subquery(candidates))
        // The columns by name, not `*`: SQLite re-prepares a cached statement
        // after a schema change, and a `*` that grew would no longer match
        // the column list sqlx cached for it.
        .returning(Query::returning().columns(<Column as sea_orm::Iterable>::iter()))
        .to_owned();
    let statement = db.get_database_backend().build(&update);
    let rows = db.query_all_raw(statement).await?;
    let mut claimed = rows
        .iter()
        .map(|row| outbox::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|r| (r.next_attempt_at, r.created_at));
    Ok(claimed)
}

/// Marks rows as delivered.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    ids: &[uuid::Uuid],
    lease_until: i64,
    now: i64,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    // The bodies may hold single-use links: once delivered they are not kept.
    // Only rows still under this worker's lease are marked.
    Outbox::update_many()
        .col_expr(Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(Column::SentAt, Expr::value(now))
        .col_expr(Column::LeaseUntil, Expr::value(Option::<i64>::None))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::TextBody, Expr::value(""))
        .col_expr(Column::HtmlBody, Expr::value(""))
        .col_expr(Column::Payload, Expr::value(Option::<String>::None))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::LeaseUntil.eq(lease_until))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: the row waits until `next_attempt_at`, or is
/// given up (`failed`) when `give_up`.
pub async fn mark_attempt_failed(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
    attempts: i32,
    next_attempt_at: i64,
    error: &str,
    give_up: bool,
) -> Result<(), DbErr> {
    let status = if give_up {
        OutboxStatus::Failed
    } else {
        OutboxStatus::Pending
    };
    let mut update = Outbox::update_many();
    if give_up {
        update = update
            .col_expr(Column::TextBody, Expr::value(""))
            .col_expr(Column::HtmlBody, Expr::value(""))
            .col_expr(Column::Payload, Expr::value(Option::<String>::None));
    }
    update
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(Column::LeaseUntil, Expr::value(Option::<i64>::None))
        .col_expr(Column::LastError, Expr::value(error.to_owned()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// How many rows are in each status.
pub async fn count_by_status(db: &impl ConnectionTrait) -> Result<Vec<(OutboxStatus, i64)>, DbErr> {
    Outbox::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .group_by(Column::Status)
        .into_tuple::<(OutboxStatus, i64)>()
        .all(db)
        .await
}

/// Whether an email with this idempotency key was ever queued.
pub async fn has_key(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(Outbox::find()
        .filter(Column::IdempotencyKey.eq(key))
        .count(db)
        .await?
        > 0)
}
