//! The demo county's escalations (周调度), as the daily job would have
//! raised them over its history: each need that waited past the township's
//! age (half for the most urgent) before its first acceptance, its
//! cancellation or now, escalated then, and past the county's, again.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use crate::domain::NeedStatus;
use crate::domain::escalation::{Ages, EscalationLevel};
use crate::store::{self, stats::Sql};

#[derive(Debug, FromQueryResult)]
struct Waited {
    id: Uuid,
    region: String,
    urgency: i16,
    posted_at: i64,
    /// When it stopped waiting: its first acceptance, its cancellation or
    /// the proposal it waits on (its last change), or none yet.
    ended_at: Option<i64>,
}

/// Records the escalations of the needs written so far; returns the ids
/// of the needs that escalated.
pub async fn replay(db: &impl ConnectionTrait, ages: &Ages, now: i64) -> Result<Vec<Uuid>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT id, region, urgency, posted_at, CASE WHEN first_accepted_at IS NOT NULL \
         THEN first_accepted_at WHEN status IN ('{}', '{}') THEN updated_at END AS ended_at \
         FROM needs",
        NeedStatus::Cancelled,
        NeedStatus::Matched,
    ));
    let needs = Waited::find_by_statement(sql.build()).all(db).await?;
    let mut events = Vec::new();
    let mut raised = Vec::new();
    for n in &needs {
        let end = n.ended_at.unwrap_or(now);
        let Some(highest) = ages.level_at(n.posted_at, n.urgency, end) else {
            continue;
        };
        let levels: &[EscalationLevel] = match highest {
            EscalationLevel::Township => &[EscalationLevel::Township],
            EscalationLevel::County => &[EscalationLevel::Township, EscalationLevel::County],
        };
        // Raised by the next daily run after the age was reached.
        let at = |l: EscalationLevel| n.posted_at + ages.wait_ms(l, n.urgency) + 60_000;
        for &level in levels {
            events.push(store::escalations::event(
                n.id,
                &n.region,
                level,
                at(level).min(end),
            ));
        }
        let first = at(EscalationLevel::Township).min(end);
        let last = at(highest).min(end);
        raised.push((n.id, highest, first, last));
    }
    store::escalations::record(db, events).await?;
    for (id, level, first, last) in &raised {
        let mut sql = Sql::new(db.get_database_backend());
        // Each level was listed in that day's digest.
        sql.push("UPDATE needs SET escalation = ")
            .bind(level.as_str())
            .push(", escalated_at = ")
            .bind(*first)
            .push(", alerted_at = ")
            .bind(*last)
            .push(" WHERE id = ")
            .bind(*id);
        db.execute_raw(sql.build()).await?;
    }
    Ok(raised.into_iter().map(|r| r.0).collect())
}
