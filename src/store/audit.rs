//! The audit log: who read whose personal data, appended in the reader's
//! transaction.

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::domain::AuditAction;

/// Appends one audit record per subject: `actor` did `action` to each
/// `subject_type` in `subject_ids`. One statement on PostgreSQL, as few as
/// SQLite's variable limit allows there ([`super::bulk`]): an export of a
/// county's households is not tens of thousands of round trips.
pub async fn record(
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
