//! A matching round: the exact solver over the open needs of a region and
//! the free places of every matchable offer, written as proposals with one
//! digest email per volunteer, all in one transaction.

use std::collections::{HashMap, HashSet};

use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::round_solve::lap;
use super::{ServiceError, matches, ranking, round_lock, round_solve, tokens};
use crate::context::AppContext;
use crate::domain::{Caller, NeedStatus, RegionPrefix};
use crate::i18n::{Locale, Text};
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
    start(ctx, region).await?.finish(ctx, started_by).await
}

/// The region a caller's round covers: `asked` (a code or prefix inside
/// their reach) or, without one, their whole region.
pub fn region_for(caller: &Caller, asked: Option<&str>) -> Result<RegionPrefix, ServiceError> {
    let outside = || {
        ServiceError::field(
            "region",
            Text::fixed("地区不在您负责的范围内", "The region is outside your reach"),
        )
    };
    match (
        asked.map(str::trim).filter(|a| !a.is_empty()),
        &caller.region,
    ) {
        (Some(text), _) => {
            let prefix = RegionPrefix::parse(text).map_err(|_| outside())?;
            if !caller.reaches(&prefix.code()) {
                return Err(outside());
            }
            Ok(prefix)
        }
        (None, Some(own)) => Ok(own.clone()),
        (None, None) => Err(ServiceError::field(
            "region",
            Text::fixed("请指定地区", "region is required"),
        )),
    }
}

/// A round that holds its region's lock and has its id, not yet solved:
/// a page takes the lock at once (a running round is a 409 there and
/// then) and finishes the round in the background.
pub struct Started {
    id: Uuid,
    region: RegionPrefix,
    started_at: i64,
    lock: round_lock::RoundLock,
}

/// Takes `region`'s round lock: 409 while an overlapping round runs.
pub async fn start(ctx: &AppContext, region: &RegionPrefix) -> Result<Started, ServiceError> {
    let started_at = now_ms();
    let lock = round_lock::acquire(&ctx.db, region, started_at).await?;
    Ok(Started {
        id: Uuid::now_v7(),
        region: region.clone(),
        started_at,
        lock,
    })
}

impl Started {
    /// The id the round will have once written.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Solves, writes the proposals and their digests, and gives the lock
    /// back.
    #[tracing::instrument(skip_all, fields(round = %self.id))]
    pub async fn finish(
        self,
        ctx: &AppContext,
        started_by: Option<Uuid>,
    ) -> Result<round::Model, ServiceError> {
        let Self {
            id,
            region,
            started_at,
            lock,
        } = self;
        let at = (id, started_at);
        let result = solve_and_write(ctx, &region, started_by, at).await;
        lock.release(&ctx.db).await?;
        let round = result?;
        ctx.emails_committed();
        ctx.metrics.observe_round(
            round.solve_ms,
            (round.finished_at - round.started_at) as f64 / 1000.0,
        );
        Ok(round)
    }
}

async fn solve_and_write(
    ctx: &AppContext,
    region: &RegionPrefix,
    started_by: Option<Uuid>,
    (round_id, started_at): (Uuid, i64),
) -> Result<round::Model, ServiceError> {
    let solved = round_solve::solve(ctx, region, started_at).await?;
    let pairs: Vec<Pair> = solved
        .solution
        .pairs
        .iter()
        .map(|&(i, j)| (&solved.needs[i], &solved.offers[j]))
        .collect();
    write(
        ctx,
        region,
        started_by,
        (round_id, started_at),
        (solved.needs.len(), solved.offers.len()),
        solved.solve_ms,
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
    (round_id, started_at): (Uuid, i64),
    considered: (usize, usize),
    solve_ms: i64,
    pairs: &[Pair<'_>],
) -> Result<round::Model, ServiceError> {
    let now = now_ms();
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
