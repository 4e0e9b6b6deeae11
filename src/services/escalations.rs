//! Escalation (周调度): no need is forgotten. Each day, open needs that have
//! waited past the township's age are raised to their township's
//! coordinators, and past the county's to the county's (the most urgent at
//! half the ages); each coordinator gets one digest of what reached them,
//! and a coordinator's acknowledgement silences the need until its
//! follow-up day.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ServiceError;
use crate::context::AppContext;
use crate::domain::escalation::{Acknowledgement, Ages, EscalationLevel};
use crate::domain::{Caller, NeedStatus, RegionPrefix, Role};
use crate::i18n::{Locale, Text};
use crate::mail::{EmailKind, IdempotencyKey};
use crate::store::entity::{acknowledgement, need, user};
use crate::store::{self, now_ms};

/// Needs one digest lists; the rest are counted.
const LISTED: usize = 30;

/// The ages configured for this service.
pub fn ages(ctx: &AppContext) -> Ages {
    ages_of(&ctx.settings)
}

/// The ages `settings` configure.
pub fn ages_of(settings: &crate::settings::Settings) -> Ages {
    Ages {
        township_days: settings.escalate_township_days,
        county_days: settings.escalate_county_days,
    }
}

/// Raises every open need to the level its age has reached: the county
/// first, so that a need past both ages (the service was down, or the
/// ages were shortened) is recorded at the county alone. Returns how many
/// needs were raised.
#[tracing::instrument(skip_all)]
pub async fn raise(ctx: &AppContext, now: i64) -> Result<usize, ServiceError> {
    let ages = ages(ctx);
    let mut raised = 0;
    for level in [EscalationLevel::County, EscalationLevel::Township] {
        let txn = store::begin_write(&ctx.db).await?;
        raised += store::escalations::raise(&txn, &ages, level, now)
            .await?
            .len();
        txn.commit().await?;
    }
    Ok(raised)
}

/// The region prefix whose coordinators a need at `level` reaches.
fn target(n: &need::Model) -> Option<String> {
    let level = n.escalation?;
    n.region.get(..level.code_len()).map(str::to_owned)
}

/// Raises what is due, then queues one digest per coordinator of what
/// reached them today: `event` names the day, so two instances or a rerun
/// queue each coordinator's digest once. Returns the emails queued.
#[tracing::instrument(skip_all)]
pub async fn daily(ctx: &AppContext, day: &str, now: i64) -> Result<usize, ServiceError> {
    raise(ctx, now).await?;
    let due = store::escalations::due_for_digest(&ctx.db, now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut by_target: HashMap<String, Vec<&need::Model>> = HashMap::new();
    for n in &due {
        if let Some(t) = target(n) {
            by_target.entry(t).or_default().push(n);
        }
    }
    let coordinators = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Coordinator))
        .filter(user::Column::Verified.eq(true))
        .filter(user::Column::Active.eq(true))
        .all(&ctx.db)
        .await?;
    let names = store::regions::names(
        &ctx.db,
        due.iter().map(|n| n.region.clone()).chain(
            by_target
                .keys()
                .map(|t| crate::domain::region::padded_code(t)),
        ),
    )
    .await?;
    let event = format!("escalation:{day}");
    let mut queued = 0;
    for coordinator in &coordinators {
        let Some(prefix) = coordinator
            .region
            .as_deref()
            .and_then(|r| RegionPrefix::parse(r).ok())
        else {
            continue;
        };
        let Some(needs) = by_target.get(prefix.as_str()) else {
            continue;
        };
        let key = IdempotencyKey::new(&event, &coordinator.id.to_string());
        if store::outbox::has_key(&ctx.db, key.as_str()).await? {
            continue;
        }
        let context = digest_context(ctx, &prefix, needs, &names, now, coordinator.locale);
        let txn = store::begin_write(&ctx.db).await?;
        let sent = super::emails::send(
            ctx,
            &txn,
            coordinator,
            EmailKind::EscalatedNeeds,
            &event,
            context,
        )
        .await?;
        txn.commit().await?;
        queued += usize::from(sent);
    }
    // Listed once, whether or not the place has a coordinator to read it:
    // a township without one is reached again at the county's age.
    let ids: Vec<Uuid> = due.iter().map(|n| n.id).collect();
    let txn = store::begin_write(&ctx.db).await?;
    store::escalations::mark_alerted(&txn, &ids, now).await?;
    txn.commit().await?;
    Ok(queued)
}

fn digest_context(
    ctx: &AppContext,
    prefix: &RegionPrefix,
    needs: &[&need::Model],
    names: &HashMap<String, String>,
    now: i64,
    locale: Locale,
) -> Value {
    let region_code = prefix.code();
    let fresh = needs.iter().filter(|n| n.alerted_at.is_none()).count();
    let listed: Vec<Value> = needs
        .iter()
        .take(LISTED)
        .map(|n| {
            json!({
                "id": n.id,
                "title": n.title,
                "village_name": names.get(&n.region).cloned().unwrap_or_else(|| n.region.clone()),
                "category_label": match locale {
                    Locale::ZhCn => n.category.name_zh(),
                    Locale::En => n.category.name_en(),
                },
                "urgent": n.urgency >= 3,
                "days_open": super::schedules::days_open(n.posted_at, now),
                "again": n.alerted_at.is_some(),
            })
        })
        .collect();
    json!({
        "region_name": names.get(&region_code).cloned().unwrap_or(region_code),
        "count": needs.len(),
        "fresh": fresh,
        "more": needs.len().saturating_sub(LISTED),
        "township_days": ctx.settings.escalate_township_days,
        "county_days": ctx.settings.escalate_county_days,
        "needs": listed,
        "waiting_url": format!(
            "{}/waiting?escalation=any",
            ctx.public_url.as_str().trim_end_matches('/')
        ),
    })
}

/// A coordinator in reach records what they will do about an escalated
/// open need and when they will look again; re-alerts are silent until
/// then. 409 when the need is not open or not escalated.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn acknowledge(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    ack: Acknowledgement,
) -> Result<need::Model, ServiceError> {
    if caller.role != Role::Coordinator {
        return Err(ServiceError::Forbidden);
    }
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let need = store::needs::find(&txn, id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or(ServiceError::NotFound)?;
    if need.status != NeedStatus::Open || need.escalation.is_none() {
        return Err(ServiceError::Conflict(Text::fixed(
            "只能确认已上报且仍在等待的需求",
            "Only an escalated need that is still open can be acknowledged",
        )));
    }
    acknowledgement::ActiveModel {
        id: Set(Uuid::now_v7()),
        need_id: Set(id),
        by_id: Set(caller.user_id),
        at: Set(now),
        note: Set(ack.note),
        follow_up: Set(ack.follow_up.to_string()),
        follow_up_at: Set(ack.follow_up_at),
    }
    .insert(&txn)
    .await?;
    need::Entity::update_many()
        .col_expr(
            need::Column::FollowUpAt,
            sea_orm::sea_query::Expr::value(ack.follow_up_at),
        )
        .filter(need::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(need = %id, "escalated need acknowledged");
    Ok(store::needs::find(&ctx.db, id).await?.unwrap_or(need))
}
