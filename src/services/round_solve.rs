//! A round's reading and solving, shared by the real round and its dry
//! run: the open needs of a region, the free places of every matchable
//! offer, the pairs that may not meet again, and the exact solver over
//! them. Nothing here writes.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{ServiceError, ranking};
use crate::context::AppContext;
use crate::domain::RegionPrefix;
use crate::matching;
use crate::store;
use crate::store::needs::RoundNeed;
use crate::store::offers::RoundOffer;

/// What the solver was given and what it chose.
pub struct Solved {
    pub needs: Vec<RoundNeed>,
    pub offers: Vec<RoundOffer>,
    /// Pairs of indexes into `needs` and `offers`, and their total cost.
    pub solution: matching::Solution,
    pub solve_ms: i64,
}

impl Solved {
    /// The free places the solver could fill.
    pub fn places(&self) -> i64 {
        self.offers
            .iter()
            .map(|o| i64::from((o.capacity - o.live_matches).max(0)))
            .sum()
    }
}

/// Reads the region's open needs and every free place as of `at` (ms
/// since the epoch), and solves.
pub async fn solve(
    ctx: &AppContext,
    region: &RegionPrefix,
    at: i64,
) -> Result<Solved, ServiceError> {
    let reading = std::time::Instant::now();
    // Two connections read (and decode) the two tables at once.
    let (needs, offers) = tokio::try_join!(
        store::needs::open_in(&ctx.db, region),
        store::offers::all_matchable(&ctx.db, at)
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
    let as_of = at.div_euclid(1000);
    let solving = std::time::Instant::now();
    let solution = tokio::task::spawn_blocking(move || {
        matching::solve(&need_inputs, &offer_inputs, as_of, &excluded)
    })
    .await
    .map_err(|e| ServiceError::Internal(e.into()))?;
    let solve_ms = solving.elapsed().as_millis() as i64;
    Ok(Solved {
        needs,
        offers,
        solution,
        solve_ms,
    })
}

/// Logs, at debug level, how long the round has been at `step`.
pub fn lap(since: std::time::Instant, step: &'static str) {
    tracing::debug!(
        elapsed_ms = since.elapsed().as_millis() as u64,
        step,
        "round"
    );
}
