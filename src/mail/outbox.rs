//! The one function services call to send an email: it writes the rendered
//! email as an outbox row inside the caller's transaction.

use sea_orm::{ConnectionTrait, DbErr};

use super::Email;
use crate::store;

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
    let row = store::outbox::new_row(key.0.clone(), email, store::now_ms());
    store::outbox::insert(txn, row).await
}
