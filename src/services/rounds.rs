//! A matching round: the exact solver over the open needs of a region and
//! the free places of every matchable offer, written as proposals with one
//! digest email per volunteer, all in one transaction.

use std::collections::{HashMap, HashSet};

use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{ServiceError, matches, ranking, round_lock, tokens};
use crate::context::AppContext;
use crate::domain::{NeedStatus, RegionPrefix};
use crate::i18n::Locale;
use crate::mail::digest::{Digest, DigestItem};
use crate::mail::{EmailKind, Recipient};
use crate::matching;
use crate::store::needs::RoundNeed;
use crate::store::offers::RoundOffer;
use crate::store::proposals::{Proposals, RoundStamp};
use crate::store::{self, entity::round, now_ms};

/// Runs a round for `region`, started by `started_by`.
#[tracing::instrument(skip_all)]
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
    lap(reading, "needs, offers and exclusions read");
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
        needs.iter().filter_map(ranking::round_need_input).collect();
    if need_inputs.len() != needs.len() {
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "a stored need does not parse"
        )));
    }
    let offer_inputs: Vec<matching::OfferInput> = offers
        .iter()
        .map(|o| matching::OfferInput {
            volunteer: volunteer_key[&o.volunteer_id],
            ..ranking::round_offer_input(o)
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
    let pairs: Vec<Pair> = solution
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

/// A pair of the solution.
type Pair<'a> = (&'a RoundNeed, &'a RoundOffer);

async fn write(
    ctx: &AppContext,
    region: &RegionPrefix,
    started_by: Option<Uuid>,
    started_at: i64,
    considered: (usize, usize),
    solve_ms: i64,
    pairs: &[Pair<'_>],
) -> Result<round::Model, ServiceError> {
    let now = now_ms();
    let round_id = Uuid::now_v7();
    let phase = std::time::Instant::now();
    let ttl = ctx.settings.proposal_ttl.as_millis() as i64;
    let expires_at = now + ttl;
    // While the database takes the needs and places, this side reads the
    // volunteers and builds every pair's link and digest item.
    let ((txn, kept), mails) =
        tokio::try_join!(take(ctx, pairs, now), proposal_mails(ctx, pairs, now))?;
    lap(phase, "needs and places taken, proposals built");
    let mut proposals = Proposals::default();
    let mut items = Vec::with_capacity(pairs.len());
    let mut total_cost = 0;
    let kept_pairs = pairs
        .iter()
        .zip(mails)
        .zip(&kept)
        .filter(|(_, kept)| **kept);
    for (((n, o), mail), _) in kept_pairs {
        total_cost += mail.cost;
        proposals.push(mail.match_id, n.id, o.id, o.volunteer_id, mail.token_hash);
        items.extend(mail.item);
    }
    let stamp = RoundStamp {
        round_id,
        actor: started_by,
        at: now,
        expires_at,
    };
    let matched = proposals.len();
    let shared: Map<String, Value> = json!({"expires_at": matches::expires_label(ctx, expires_at)})
        .as_object()
        .cloned()
        .unwrap_or_default();
    // The digests' rows are built on another thread while the connection
    // writes the proposals. They are rendered by the mail worker when it
    // sends them, outside this transaction: tens of thousands of full
    // bodies made the round slow.
    let digest_rows = tokio::task::spawn_blocking(move || {
        let batch = format!("round:{round_id}");
        let digest = Digest {
            kind: EmailKind::ProposalsDigest,
            batch: &batch,
            list_field: "proposals",
            shared,
        };
        let digests = crate::mail::digest::unrendered_digests(&digest, items);
        crate::mail::outbox::unrendered_rows(digest.kind, digests, now)
    });
    store::proposals::insert(&txn, stamp, proposals).await?;
    lap(phase, "proposals written");
    let digest_rows = digest_rows
        .await
        .map_err(|e| ServiceError::Internal(e.into()))?;
    // The bulk insert logs how many digests it queued.
    digest_rows.insert(&txn).await?;
    lap(phase, "digests queued");
    let finished_at = now_ms();
    let round = round::Model {
        id: round_id,
        region: region.as_str().to_owned(),
        needs_considered: considered.0 as i32,
        offers_considered: considered.1 as i32,
        matched: matched as i32,
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
    lap(phase, "committed");
    Ok(round)
}

/// Begins the round's transaction and takes the needs still open and the
/// places still free; returns it with, for each pair, whether it got both.
async fn take(
    ctx: &AppContext,
    pairs: &[Pair<'_>],
    now: i64,
) -> Result<(DatabaseTransaction, Vec<bool>), ServiceError> {
    let txn = store::begin_write(&ctx.db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The bulk inserts unnest tens of megabytes of arrays; in the default
        // 4 MB they spill to temporary files.
        txn.execute_unprepared("SET LOCAL work_mem = '64MB'")
            .await?;
    }
    let taking = std::time::Instant::now();
    // Needs claimed since they were read are left out.
    let mut wanted: Vec<Uuid> = pairs.iter().map(|(n, _)| n.id).collect();
    // In id order the updates walk the table and its indexes in order.
    wanted.sort_unstable();
    let gone: HashSet<Uuid> =
        store::needs::transition_many(&txn, &wanted, NeedStatus::Open, NeedStatus::Matched, now)
            .await?
            .into_iter()
            .collect();
    lap(taking, "needs taken");
    let mut per_offer: HashMap<Uuid, i32> = HashMap::new();
    for (_, o) in pairs.iter().filter(|(n, _)| !gone.contains(&n.id)) {
        *per_offer.entry(o.id).or_default() += 1;
    }
    let mut wanted_places: Vec<(Uuid, i32)> = per_offer.into_iter().collect();
    wanted_places.sort_unstable();
    let full: HashSet<Uuid> = store::offers::reserve_many(&txn, &wanted_places, now)
        .await?
        .into_iter()
        .collect();
    lap(taking, "places taken");
    // An offer that lost places meanwhile gives its needs back.
    let give_back: Vec<Uuid> = pairs
        .iter()
        .filter(|(n, o)| !gone.contains(&n.id) && full.contains(&o.id))
        .map(|(n, _)| n.id)
        .collect();
    store::needs::transition_many(&txn, &give_back, NeedStatus::Matched, NeedStatus::Open, now)
        .await?;
    let kept = pairs
        .iter()
        .map(|(n, o)| !gone.contains(&n.id) && !full.contains(&o.id))
        .collect();
    Ok((txn, kept))
}

/// What a proposal puts in the database and in its volunteer's digest.
struct ProposalMail {
    /// The match's id, chosen here: its digest item links to its page.
    match_id: Uuid,
    token_hash: String,
    cost: i64,
    /// `None` when the volunteer's account is gone.
    item: Option<DigestItem>,
}

/// Each pair's link token, cost and digest item, by the pair's index.
async fn proposal_mails(
    ctx: &AppContext,
    pairs: &[Pair<'_>],
    now: i64,
) -> Result<Vec<ProposalMail>, ServiceError> {
    let building = std::time::Instant::now();
    let volunteers = volunteers(&ctx.db, pairs).await?;
    let villages =
        store::regions::names(&ctx.db, pairs.iter().map(|(n, _)| n.region.clone())).await?;
    let as_of = now.div_euclid(1000);
    let mails = pairs
        .iter()
        .map(|(n, o)| {
            let match_id = Uuid::now_v7();
            let token = tokens::new_token();
            let need = ranking::round_need_input(n);
            let offer = ranking::round_offer_input(o);
            let cost = need
                .as_ref()
                .and_then(|ni| matching::eligible_cost(ni, &offer, as_of))
                .map_or(0, |(_, cost)| cost);
            // The volunteer is shown the distance from the rounded point.
            let distance = need
                .as_ref()
                .map_or(0, |ni| ranking::shown_distance_m(ni, &offer));
            let item = volunteers.get(&o.volunteer_id).map(|to| {
                let village = villages.get(&n.region).cloned().unwrap_or_default();
                let need = matches::ProposalNeed {
                    title: &n.title,
                    category: n.category,
                    urgency: n.urgency,
                };
                DigestItem {
                    recipient_key: o.volunteer_id.to_string(),
                    item: matches::proposal_item(
                        need,
                        match_id,
                        &village,
                        &token,
                        to.locale,
                        Some(distance),
                    ),
                    to: to.clone(),
                }
            });
            ProposalMail {
                match_id,
                token_hash: tokens::token_hash(&token),
                cost,
                item,
            }
        })
        .collect();
    lap(building, "volunteers read, links and digest items built");
    Ok(mails)
}

/// Logs, at debug level, how long the round has been at `step`.
fn lap(since: std::time::Instant, step: &'static str) {
    tracing::debug!(
        elapsed_ms = since.elapsed().as_millis() as u64,
        step,
        "round"
    );
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

/// Where each volunteer of the pairs gets their digest, by id: only the
/// columns an address needs (whole accounts made this a second's read).
async fn volunteers(
    db: &impl sea_orm::ConnectionTrait,
    pairs: &[Pair<'_>],
) -> Result<HashMap<Uuid, Recipient>, ServiceError> {
    use crate::store::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let mut ids: Vec<Uuid> = pairs.iter().map(|(_, o)| o.volunteer_id).collect();
    ids.sort();
    ids.dedup();
    let mut found = HashMap::new();
    // Under both SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    for chunk in ids.chunks(30_000) {
        let rows: Vec<(Uuid, String, String, Locale)> = user::Entity::find()
            .select_only()
            .columns([
                user::Column::Id,
                user::Column::Email,
                user::Column::Name,
                user::Column::Locale,
            ])
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, email, name, locale) in rows {
            found.insert(id, super::emails::recipient_of(email, name, locale));
        }
    }
    Ok(found)
}
