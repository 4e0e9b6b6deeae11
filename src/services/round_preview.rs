//! A round's dry run: the same reading and solving as the real round, and
//! its figures, with nothing written and nothing sent. It takes no lock,
//! but answers 409 like the real round while one runs on an overlapping
//! region (that round is about to change what it would read).

use std::collections::BTreeMap;

use super::{ServiceError, round_lock, round_solve};
use crate::context::AppContext;
use crate::domain::RegionPrefix;
use crate::store::now_ms;

/// What a round for a region would do now.
#[derive(Debug, Clone)]
pub struct RoundPreview {
    pub region: RegionPrefix,
    pub needs_considered: usize,
    pub offers_considered: usize,
    /// The free places of the offers considered.
    pub places_considered: i64,
    pub matched: usize,
    pub total_cost: i64,
    pub solve_ms: i64,
    /// Open needs by urgency level (1 to 3), every level present.
    pub needs_by_urgency: BTreeMap<i16, usize>,
    /// The needs the optimum matches, by urgency level.
    pub matched_by_urgency: BTreeMap<i16, usize>,
}

/// Solves a round for `region` as of now, writing nothing.
#[tracing::instrument(skip_all)]
pub async fn preview(
    ctx: &AppContext,
    region: &RegionPrefix,
) -> Result<RoundPreview, ServiceError> {
    let now = now_ms();
    if round_lock::is_busy(&ctx.db, region, now).await? {
        return Err(round_lock::busy());
    }
    let solved = round_solve::solve(ctx, region, now).await?;
    let levels = || (1..=3).map(|u| (u, 0)).collect::<BTreeMap<i16, usize>>();
    let mut needs_by_urgency = levels();
    for n in &solved.needs {
        *needs_by_urgency.entry(n.urgency).or_default() += 1;
    }
    let mut matched_by_urgency = levels();
    for &(i, _) in &solved.solution.pairs {
        *matched_by_urgency
            .entry(solved.needs[i].urgency)
            .or_default() += 1;
    }
    Ok(RoundPreview {
        region: region.clone(),
        needs_considered: solved.needs.len(),
        offers_considered: solved.offers.len(),
        places_considered: solved.places(),
        matched: solved.solution.pairs.len(),
        total_cost: solved.solution.total_cost,
        solve_ms: solved.solve_ms,
        needs_by_urgency,
        matched_by_urgency,
    })
}
