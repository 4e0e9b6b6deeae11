//! Queueing emails: the one function services call to send an email, which
//! writes the rendered email as an outbox row inside the caller's
//! transaction, and the rows that queue a batch of unrendered ones.

use sea_orm::{ConnectionTrait, DbErr, Set};

use super::digest::Unrendered;
use super::{Email, EmailKind};
use crate::domain::OutboxStatus;
use crate::store::{self, entity::outbox};

/// Identifies one email: the event that caused it and its recipient. The same
/// key written twice yields one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// `event` names the state change (e.g. `match:<id>:accepted`),
    /// `recipient` the person (e.g. a user id).
    pub fn new(event: &str, recipient: &str) -> Self {
        Self(format!("{event}/{recipient}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Queues `email` in the transaction `txn`: it is sent once `txn` commits, and
/// never if it rolls back. Returns false when the key was already queued.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    key: &IdempotencyKey,
    email: &Email,
) -> Result<bool, DbErr> {
    let row = new_row(key.0.clone(), email, store::now_ms());
    store::outbox::insert(txn, row).await
}

/// A new pending row, due at once.
fn new_row(key: String, email: &Email, now: i64) -> outbox::ActiveModel {
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

/// Unrendered emails of one kind as the rows that queue them: pending, due
/// at `now`, rendered by the worker when it sends them. Their keys must be
/// new (a round's hold its fresh id): a key already queued fails the insert
/// and its transaction, rather than being checked row by row (on PostgreSQL
/// `ON CONFLICT` cost a round 0.1 s). Building them is pure work that may
/// run away from the connection.
pub fn unrendered_rows(kind: EmailKind, emails: Vec<Unrendered>, now: i64) -> store::bulk::Rows {
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
    store::bulk::Rows::new("outbox", n)
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
