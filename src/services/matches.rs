//! Making matches: a volunteer's claim (accepted at once) and a
//! coordinator's hand-made proposal. Each is one transaction in which the
//! database decides races: the need moves from open only once, and the
//! offer's place is taken only while one is free.

use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde_json::json;
use uuid::Uuid;

use super::emails::match_life;
use super::ranking::Sight;
use super::{ServiceError, eligibility, nearby, tokens};
use crate::context::AppContext;
use crate::domain::{Caller, Category, MatchOrigin, MatchStatus, NeedStatus};
use crate::i18n::{Locale, Text};
use crate::store::{self, entity::matches, entity::need, entity::offer, now_ms};

fn conflict(zh: &'static str, en: &'static str) -> ServiceError {
    ServiceError::Conflict(Text::fixed(zh, en))
}

/// Checks that `offer` may take `need` now, by [`eligibility::unfit`]'s
/// rule with the need's point seen with `sight`: the reason why not is the
/// 409's detail.
#[tracing::instrument(skip_all)]
pub async fn check_pair(
    db: &impl ConnectionTrait,
    n: &need::Model,
    o: &offer::Model,
    sight: Sight,
    now: i64,
) -> Result<(), ServiceError> {
    let ended_before = store::matches::excluded_volunteers(db, n.id)
        .await?
        .contains(&o.volunteer_id);
    match eligibility::unfit(n, o, sight, now, ended_before) {
        Some(why) => Err(ServiceError::Conflict(why.text())),
        None => Ok(()),
    }
}

/// Where a match comes from and who made it.
#[derive(Clone, Copy)]
pub struct Making {
    pub origin: MatchOrigin,
    pub actor: Option<Uuid>,
    pub round_id: Option<Uuid>,
    pub now: i64,
}

/// Who takes a need: a place of an offer, or a key household's standing
/// helper, whose pairing is their place (pairing first).
#[derive(Clone, Copy)]
pub enum Taker<'a> {
    Offer(&'a offer::Model),
    Helper(Uuid),
}

/// Takes the need and, for an offer, one of its places, and writes the
/// match, in `txn`. `Ok(None)` when the need was taken meanwhile.
#[tracing::instrument(skip_all)]
pub async fn write_match(
    ctx: &AppContext,
    txn: &impl ConnectionTrait,
    n: &need::Model,
    taker: Taker<'_>,
    making: &Making,
) -> Result<Option<(matches::Model, Option<String>)>, ServiceError> {
    let Making {
        origin,
        actor,
        round_id,
        now,
    } = *making;
    if !store::needs::transition(
        txn,
        n.id,
        &[NeedStatus::Open],
        NeedStatus::Matched,
        now,
        None,
    )
    .await?
    {
        return Ok(None);
    }
    let (offer_id, volunteer_id) = match taker {
        Taker::Offer(o) => {
            if !store::offers::reserve(txn, o.id, now).await? {
                return Err(conflict("该服务名额已满", "The offer has no free place"));
            }
            (Some(o.id), o.volunteer_id)
        }
        Taker::Helper(helper) => (None, helper),
    };
    let proposed = origin.proposes();
    let status = if proposed {
        MatchStatus::Proposed
    } else {
        MatchStatus::Accepted
    };
    let ttl = ctx.settings.proposal_ttl.as_millis() as i64;
    let row = matches::Model {
        id: Uuid::now_v7(),
        need_id: n.id,
        offer_id,
        volunteer_id,
        origin,
        status,
        round_id,
        created_at: now,
        updated_at: now,
        accepted_at: (!proposed).then_some(now),
        ended_at: None,
        expires_at: proposed.then_some(now + ttl),
    };
    store::matches::insert(txn, to_active(&row)).await?;
    store::matches::record_event(txn, row.id, actor, None, status, None, now).await?;
    let token = if proposed {
        let token = tokens::new_token();
        store::matches::insert_token(txn, row.id, tokens::token_hash(&token), now + ttl).await?;
        Some(token)
    } else {
        None
    };
    Ok(Some((row, token)))
}

fn to_active(m: &matches::Model) -> matches::ActiveModel {
    matches::ActiveModel {
        id: Set(m.id),
        need_id: Set(m.need_id),
        offer_id: Set(m.offer_id),
        volunteer_id: Set(m.volunteer_id),
        origin: Set(m.origin),
        status: Set(m.status),
        round_id: Set(m.round_id),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        accepted_at: Set(m.accepted_at),
        ended_at: Set(m.ended_at),
        expires_at: Set(m.expires_at),
    }
}

/// A volunteer claims an open need with one of their offers.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, need_id = %need_id, offer_id = %offer_id))]
pub async fn claim(
    ctx: &AppContext,
    caller: &Caller,
    need_id: Uuid,
    offer_id: Uuid,
) -> Result<matches::Model, ServiceError> {
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let n = store::needs::find(&txn, need_id).await?;
    let n = n.ok_or(ServiceError::NotFound)?;
    let o = store::offers::find(&txn, offer_id)
        .await?
        .filter(|o| o.volunteer_id == caller.user_id)
        .ok_or_else(|| {
            ServiceError::field(
                "offer_id",
                Text::fixed("没有这个服务", "No such offer of yours"),
            )
        })?;
    if n.status != NeedStatus::Open {
        // The need exists but the caller may only learn that it is taken.
        return Err(conflict(
            "需求已被认领或已结束",
            "The need has been taken or is closed",
        ));
    }
    check_pair(&txn, &n, &o, Sight::Rounded, now).await?;
    let Some((m, _)) = write_match(
        ctx,
        &txn,
        &n,
        Taker::Offer(&o),
        &Making {
            origin: MatchOrigin::Claim,
            actor: Some(caller.user_id),
            round_id: None,
            now,
        },
    )
    .await?
    else {
        return Err(conflict("需求已被认领", "The need has just been taken"));
    };
    store::stats::refresh(&txn, Some(&[n.id])).await?;
    match_life::accepted(ctx, &txn, &m, &n, true).await?;
    txn.commit()
        .await
        .map_err(|e| lost_race(&e).unwrap_or(e.into()))?;
    ctx.emails_committed();
    Ok(m)
}

/// A unique index decided a race: another live match won.
fn lost_race(e: &sea_orm::DbErr) -> Option<ServiceError> {
    store::is_unique_violation(e).then(|| conflict("需求已被认领", "The need has just been taken"))
}

/// A coordinator proposes a need to an offer by hand.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, need_id = %need_id, offer_id = %offer_id))]
pub async fn propose(
    ctx: &AppContext,
    caller: &Caller,
    need_id: Uuid,
    offer_id: Uuid,
) -> Result<matches::Model, ServiceError> {
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let n = store::needs::find(&txn, need_id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or_else(|| {
            ServiceError::field("need_id", Text::fixed("没有这个需求", "No such need"))
        })?;
    let o = store::offers::find(&txn, offer_id).await?.ok_or_else(|| {
        ServiceError::field("offer_id", Text::fixed("没有这个服务", "No such offer"))
    })?;
    check_pair(&txn, &n, &o, Sight::Exact, now).await?;
    let Some((m, token)) = write_match(
        ctx,
        &txn,
        &n,
        Taker::Offer(&o),
        &Making {
            origin: MatchOrigin::Manual,
            actor: Some(caller.user_id),
            round_id: None,
            now,
        },
    )
    .await?
    else {
        return Err(conflict("需求已被认领", "The need has just been taken"));
    };
    let token =
        token.ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("a proposal has a token")))?;
    let p = match_life::parties(&txn, &m, &n).await?;
    let item = proposal_item(
        (&n).into(),
        m.id,
        &p.village_name,
        &token,
        p.volunteer.locale,
        None,
    );
    let expires = expires_label(ctx, m.expires_at.unwrap_or(now));
    let context = json!({"proposals": [item], "count": 1, "expires_at": expires});
    super::emails::send(
        ctx,
        &txn,
        &p.volunteer,
        crate::mail::EmailKind::ProposalsDigest,
        &format!("match:{}:proposed", m.id),
        context,
    )
    .await?;
    txn.commit()
        .await
        .map_err(|e| lost_race(&e).unwrap_or(e.into()))?;
    ctx.emails_committed();
    Ok(m)
}

/// One proposal (of match `match_id`) as the digest template lists it.
pub fn proposal_item(
    n: ProposalNeed<'_>,
    match_id: Uuid,
    village: &str,
    token: &str,
    locale: Locale,
    distance_m: Option<i64>,
) -> serde_json::Value {
    json!({
        "title": n.title,
        "category_label": match_life::category_label(n.category, locale),
        "village_name": village,
        "distance_km": distance_m.filter(|d| *d > 0).map(nearby::shown_km),
        "urgency": n.urgency,
        // The templates make the accept and decline links of it,
        "token": token,
        // and the link to the match's page of this.
        "match_id": match_id,
    })
}

/// What a proposal email shows of its need.
#[derive(Debug, Clone, Copy)]
pub struct ProposalNeed<'a> {
    pub title: &'a str,
    pub category: Category,
    pub urgency: i16,
}

impl<'a> From<&'a need::Model> for ProposalNeed<'a> {
    fn from(n: &'a need::Model) -> Self {
        Self {
            title: &n.title,
            category: n.category,
            urgency: n.urgency,
        }
    }
}

/// A deadline in the configured time zone, for emails.
pub fn expires_label(ctx: &AppContext, at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| {
            t.with_timezone(&ctx.settings.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
