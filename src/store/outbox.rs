//! Queries on the `outbox` table. Rows are claimed with a lease, so that no
//! transaction stays open while a mail server is talked to, and several
//! instances can drain one outbox without sending a row twice.

use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Set,
};

use super::entity::outbox::{self, Column, Entity as Outbox};
use crate::domain::vocabulary::words;

words! {
    /// Where an outbox row stands.
    pub enum OutboxStatus("outbox status") {
        /// To be sent when due: new, or waiting after a failed attempt.
        Pending = "pending",
        /// Delivered to the mail server.
        Sent = "sent",
        /// Given up after too many failed attempts.
        Failed = "failed",
    }
}

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

/// A new pending row, due at once.
pub fn new_row(key: String, email: &crate::mail::Email, now: i64) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        idempotency_key: Set(key),
        kind: Set(email.kind.as_str().to_owned()),
        recipient_email: Set(email.to_email.clone()),
        recipient_name: Set(email.to_name.clone()),
        locale: Set(email.locale.as_str().to_owned()),
        subject: Set(email.subject.clone()),
        text_body: Set(email.text.clone()),
        html_body: Set(email.html.clone()),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        payload: Set(None),
    }
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

/// Unrendered emails of one kind as the rows that queue them: pending, due
/// at `now`, rendered by the worker when it sends them. Their keys must be
/// new (a round's hold its fresh id): a key already queued fails the insert
/// and its transaction, rather than being checked row by row (on PostgreSQL
/// `ON CONFLICT` cost a round 0.1 s). Building them is pure work that may
/// run away from the connection.
pub fn unrendered_rows(
    kind: crate::mail::EmailKind,
    emails: Vec<crate::mail::digest::Unrendered>,
    now: i64,
) -> super::bulk::Rows {
    let n = emails.len();
    let mut columns: [Vec<String>; 5] = Default::default();
    for email in emails {
        let values = [
            email.key.as_str().to_owned(),
            email.to.email,
            email.to.name,
            email.to.locale.as_str().to_owned(),
            email.context.to_string(),
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let [key, to_email, to_name, locale, payload] = columns;
    super::bulk::Rows::new("outbox", n)
        .uuids("id", (0..n).map(|_| uuid::Uuid::now_v7()).collect())
        .texts("idempotency_key", key)
        .same("kind", kind.as_str())
        .texts("recipient_email", to_email)
        .texts("recipient_name", to_name)
        .texts("locale", locale)
        // Filled in by the worker from the payload when it sends the email.
        .same("subject", "")
        .same("text_body", "")
        .same("html_body", "")
        .texts("payload", payload)
        .same("status", OutboxStatus::Pending)
        .same("attempts", 0i32)
        .same("next_attempt_at", now)
        .same("lease_until", Option::<i64>::None)
        .same("last_error", Option::<String>::None)
        .same("created_at", now)
        .same("sent_at", Option::<i64>::None)
}
