//! Escalation's queries: raising open needs to the level their age has
//! reached (set-based, one statement a level), the needs a day's digest
//! lists, and a need's escalation history.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::entity::{acknowledgement, escalation, need};
use super::stats::Sql;
use crate::domain::NeedStatus;
use crate::domain::escalation::{Ages, EscalationLevel};
use crate::domain::time::DAY_MS;

/// Needs escalated and not acknowledged are listed again a week after their
/// last digest (周调度: the weekly dispatch).
pub const REALERT_MS: i64 = 7 * DAY_MS;

/// Raises every open need whose age has reached `level` and that stands
/// below it, and records the level on each: returns `(need, region)` of the
/// needs raised. The statement re-checks the level it raises from, so two
/// instances raising at once raise each need once; the unique
/// `(need_id, level)` index keeps the record single too.
pub async fn raise(
    db: &impl ConnectionTrait,
    ages: &Ages,
    level: EscalationLevel,
    now: i64,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let open = NeedStatus::Open;
    let below = match level {
        EscalationLevel::Township => "escalation IS NULL".to_owned(),
        EscalationLevel::County => format!(
            "(escalation IS NULL OR escalation = '{}')",
            EscalationLevel::Township
        ),
    };
    let mut sql = Sql::new(db.get_database_backend());
    // `status = 'open'` as a literal: the words of `idx_needs_open_age`.
    sql.push("UPDATE needs SET escalation = ")
        .bind(level.as_str())
        .push(", escalated_at = COALESCE(escalated_at, ")
        .bind(now)
        .push(&format!(
            ") WHERE status = '{open}' AND {below} AND ((urgency >= 3 AND posted_at < "
        ))
        .bind(ages.posted_before(level, 3, now))
        .push(") OR (urgency < 3 AND posted_at < ")
        .bind(ages.posted_before(level, 1, now))
        .push(")) RETURNING id, region");
    let mut raised = Vec::new();
    for row in db.query_all_raw(sql.build()).await? {
        raised.push((
            row.try_get::<Uuid>("", "id")?,
            row.try_get::<String>("", "region")?,
        ));
    }
    let events: Vec<_> = raised
        .iter()
        .map(|(id, region)| event(*id, region, level, now))
        .collect();
    record(db, events).await?;
    Ok(raised)
}

/// The record that need `id` of `region` reached `level` at `at`.
pub fn event(id: Uuid, region: &str, level: EscalationLevel, at: i64) -> escalation::ActiveModel {
    escalation::ActiveModel {
        id: Set(Uuid::now_v7()),
        need_id: Set(id),
        level: Set(level),
        at: Set(at),
        to_region: Set(region[..level.code_len().min(region.len())].to_owned()),
    }
}

/// Writes `events`, skipping a level a need already recorded.
pub async fn record(
    db: &impl ConnectionTrait,
    events: Vec<escalation::ActiveModel>,
) -> Result<(), DbErr> {
    for chunk in events.chunks(500) {
        escalation::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([escalation::Column::NeedId, escalation::Column::Level])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The escalated open needs a digest at `now` lists: never listed yet, or
/// escalated again since they were; or whose follow-up day has come since
/// their last listing; or, not silenced by a follow-up, last listed a week
/// ago or more.
pub async fn due_for_digest(
    db: &impl ConnectionTrait,
    now: i64,
) -> Result<Vec<need::Model>, DbErr> {
    let open = NeedStatus::Open;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT * FROM needs WHERE status = '{open}' AND escalation IS NOT NULL AND (\
         alerted_at IS NULL \
         OR EXISTS (SELECT 1 FROM escalations e WHERE e.need_id = needs.id AND e.at > needs.alerted_at) \
         OR (follow_up_at IS NOT NULL AND follow_up_at > alerted_at AND follow_up_at <= "
    ))
    .bind(now)
    .push(") OR ((follow_up_at IS NULL OR follow_up_at <= ")
    .bind(now)
    .push(") AND alerted_at <= ")
    .bind(now - REALERT_MS)
    .push(")) ORDER BY posted_at, id");
    need::Entity::find().from_raw_sql(sql.build()).all(db).await
}

/// Marks `ids` listed by the digest at `now`.
pub async fn mark_alerted(db: &impl ConnectionTrait, ids: &[Uuid], now: i64) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        need::Entity::update_many()
            .col_expr(
                need::Column::AlertedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(need::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A need's escalations and acknowledgements, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    need_id: Uuid,
) -> Result<(Vec<escalation::Model>, Vec<acknowledgement::Model>), DbErr> {
    let raised = escalation::Entity::find()
        .filter(escalation::Column::NeedId.eq(need_id))
        .order_by_asc(escalation::Column::At)
        .all(db)
        .await?;
    let acknowledged = acknowledgement::Entity::find()
        .filter(acknowledgement::Column::NeedId.eq(need_id))
        .order_by_asc(acknowledgement::Column::At)
        .all(db)
        .await?;
    Ok((raised, acknowledged))
}
