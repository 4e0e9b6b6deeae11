//! A matching round: the exact solver over the open needs of a region and
//! the free places of every matchable offer, written as proposals with one
//! digest email per volunteer, all in one transaction.

use std::collections::{HashMap, HashSet};

use sea_orm::ActiveValue::Set;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{ServiceError, matches, ranking, round_lock, secrets};
use crate::context::AppContext;
use crate::domain::RegionPrefix;
use crate::i18n::Locale;
use crate::mail::EmailKind;
use crate::mail::digest::{Digest, DigestItem};
use crate::matching;
use crate::store::proposals::{Proposals, RoundStamp};
use crate::store::{self, entity::need, entity::offer, entity::round, now_ms};

/// Runs a round for `region`, started by `started_by`.
pub async fn run(
    ctx: &AppContext,
    region: &RegionPrefix,
    started_by: Option<Uuid>,
) -> Result<round::Model, ServiceError> {
    let started_at = now_ms();
    let lock = round_lock::acquire(&ctx.db, region, started_at).await?;
    let result = solve_and_write(ctx, region, started_by, started_at).await;
    lock.release(&ctx.db).await?;
    let round = result?;
    ctx.emails_committed();
    ctx.metrics.observe_round(
        round.solve_ms,
        (round.finished_at - round.started_at) as f64 / 1000.0,
    );
    Ok(round)
}

async fn solve_and_write(
    ctx: &AppContext,
    region: &RegionPrefix,
    started_by: Option<Uuid>,
    started_at: i64,
) -> Result<round::Model, ServiceError> {
    let reading = std::time::Instant::now();
    // Two connections read (and decode) the two tables at once.
    let (needs, offers) = tokio::try_join!(
        store::needs::open_in(&ctx.db, region),
        store::offers::all_matchable(&ctx.db, started_at)
    )?;
    let need_ids: Vec<Uuid> = needs.iter().map(|n| n.id).collect();
    let excluded_rows = store::matches::excluded_pairs(&ctx.db, &need_ids).await?;
    tracing::debug!(
        elapsed_ms = reading.elapsed().as_millis() as u64,
        "round: needs, offers and exclusions read"
    );
    // Volunteers become small numbers for the solver.
    let mut volunteer_key: HashMap<Uuid, u64> = HashMap::new();
    for o in &offers {
        let next = volunteer_key.len() as u64;
        volunteer_key.entry(o.volunteer_id).or_insert(next);
    }
    let need_index: HashMap<Uuid, usize> = need_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let excluded: HashSet<(usize, u64)> = excluded_rows
        .iter()
        .filter_map(|(n, v)| Some((*need_index.get(n)?, *volunteer_key.get(v)?)))
        .collect();
    let need_inputs: Vec<matching::NeedInput> =
        needs.iter().filter_map(ranking::need_input).collect();
    if need_inputs.len() != needs.len() {
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "a stored need does not parse"
        )));
    }
    let offer_inputs: Vec<matching::OfferInput> = offers
        .iter()
        .map(|o| matching::OfferInput {
            volunteer: volunteer_key[&o.volunteer_id],
            ..ranking::offer_input(o)
        })
        .collect();
    let as_of = started_at.div_euclid(1000);
    let solving = std::time::Instant::now();
    let solution = tokio::task::spawn_blocking(move || {
        matching::solve(&need_inputs, &offer_inputs, as_of, &excluded)
    })
    .await
    .map_err(|e| ServiceError::Internal(e.into()))?;
    let solve_ms = solving.elapsed().as_millis() as i64;
    let pairs: Vec<(&need::Model, &offer::Model)> = solution
        .pairs
        .iter()
        .map(|&(i, j)| (&needs[i], &offers[j]))
        .collect();
    write(
        ctx,
        region,
        started_by,
        started_at,
        (needs.len(), offers.len()),
        solve_ms,
        &pairs,
    )
    .await
}

async fn write(
    ctx: &AppContext,
    region: &RegionPrefix,
    started_by: Option<Uuid>,
    started_at: i64,
    considered: (usize, usize),
    solve_ms: i64,
    pairs: &[(&need::Model, &offer::Model)],
) -> Result<round::Model, ServiceError> {
    let now = now_ms();
    let round_id = Uuid::now_v7();
    let phase = std::time::Instant::now();
    let txn = store::begin_write(&ctx.db).await?;
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        "round: transaction begun"
    );
    // Needs claimed since they were read are left out.
    let mut wanted: Vec<Uuid> = pairs.iter().map(|(n, _)| n.id).collect();
    // In id order the updates walk the table and its indexes in order.
    wanted.sort_unstable();
    let taken: HashSet<Uuid> = store::needs::transition_many(&txn, &wanted, "open", "matched", now)
        .await?
        .into_iter()
        .collect();
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        "round: needs taken"
    );
    let mut per_offer: HashMap<Uuid, i32> = HashMap::new();
    for (_, o) in pairs.iter().filter(|(n, _)| taken.contains(&n.id)) {
        *per_offer.entry(o.id).or_default() += 1;
    }
    let mut wanted_places: Vec<(Uuid, i32)> = per_offer.into_iter().collect();
    wanted_places.sort_unstable();
    let reserved: HashSet<Uuid> = store::offers::reserve_many(&txn, &wanted_places, now)
        .await?
        .into_iter()
        .collect();
    let kept: Vec<&(&need::Model, &offer::Model)> = pairs
        .iter()
        .filter(|(n, o)| taken.contains(&n.id) && reserved.contains(&o.id))
        .collect();
    // An offer that lost places meanwhile gives its needs back.
    let give_back: Vec<Uuid> = pairs
        .iter()
        .filter(|(n, o)| taken.contains(&n.id) && !reserved.contains(&o.id))
        .map(|(n, _)| n.id)
        .collect();
    store::needs::transition_many(&txn, &give_back, "matched", "open", now).await?;
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        "round: needs and places taken"
    );
    let ttl = ctx.settings.proposal_ttl.as_millis() as i64;
    let expires_at = now + ttl;
    let mut proposals = Proposals::default();
    let mut items = Vec::with_capacity(kept.len());
    let volunteers = volunteers(&txn, &kept).await?;
    let villages = store::regions::names(&txn, kept.iter().map(|(n, _)| n.region.clone())).await?;
    let as_of = now.div_euclid(1000);
    let mut total_cost = 0;
    for (n, o) in &kept {
        let id = Uuid::now_v7();
        let token = secrets::new_token();
        let (distance, cost) = ranking::need_input(n)
            .and_then(|ni| matching::eligible_cost(&ni, &ranking::offer_input(o), as_of))
            .unwrap_or((0, 0));
        total_cost += cost;
        proposals.push(id, n.id, o.id, o.volunteer_id, secrets::token_hash(&token));
        if let Some(v) = volunteers.get(&o.volunteer_id) {
            let locale = Locale::parse(&v.locale).unwrap_or_default();
            let village = villages.get(&n.region).cloned().unwrap_or_default();
            items.push(DigestItem {
                recipient_key: v.id.to_string(),
                to: super::notify::recipient(v),
                item: matches::proposal_item(ctx, n, &village, &token, locale, Some(distance)),
            });
        }
    }
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        "round: proposals built"
    );
    let stamp = RoundStamp {
        round_id,
        actor: started_by,
        at: now,
        expires_at,
    };
    store::proposals::insert(&txn, stamp, proposals).await?;
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        "round: proposals written"
    );
    let batch = format!("round:{round_id}");
    let shared: Map<String, Value> = json!({"expires_at": matches::expires_label(ctx, expires_at)})
        .as_object()
        .cloned()
        .unwrap_or_default();
    let digest = Digest {
        kind: EmailKind::ProposalsDigest,
        batch: &batch,
        list_field: "proposals",
        shared,
    };
    // Rendered by the mail worker when it sends them, outside this
    // transaction: tens of thousands of full bodies made the round slow.
    let digests = crate::mail::digest::unrendered_digests(&digest, items);
    let count = digests.len();
    store::outbox::insert_unrendered(&txn, digest.kind, digests, now).await?;
    tracing::debug!(
        elapsed_ms = phase.elapsed().as_millis() as u64,
        digests = count,
        "round: digests queued"
    );
    let finished_at = now_ms();
    let round = round::Model {
        id: round_id,
        region: region.as_str().to_owned(),
        needs_considered: considered.0 as i32,
        offers_considered: considered.1 as i32,
        matched: kept.len() as i32,
        total_cost,
        solve_ms,
        started_by,
        started_at,
        finished_at,
    };
    sea_orm::EntityTrait::insert(round_active(&round))
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(round)
}

fn round_active(r: &round::Model) -> round::ActiveModel {
    round::ActiveModel {
        id: Set(r.id),
        region: Set(r.region.clone()),
        needs_considered: Set(r.needs_considered),
        offers_considered: Set(r.offers_considered),
        matched: Set(r.matched),
        total_cost: Set(r.total_cost),
        solve_ms: Set(r.solve_ms),
        started_by: Set(r.started_by),
        started_at: Set(r.started_at),
        finished_at: Set(r.finished_at),
    }
}

/// The volunteers of the kept pairs, by id.
async fn volunteers(
    db: &impl sea_orm::ConnectionTrait,
    kept: &[&(&need::Model, &offer::Model)],
) -> Result<HashMap<Uuid, crate::store::entity::user::Model>, ServiceError> {
    use crate::store::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut ids: Vec<Uuid> = kept.iter().map(|(_, o)| o.volunteer_id).collect();
    ids.sort();
    ids.dedup();
    let mut found = HashMap::new();
    // Under both SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    for chunk in ids.chunks(30_000) {
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            found.insert(u.id, u);
        }
    }
    Ok(found)
}
