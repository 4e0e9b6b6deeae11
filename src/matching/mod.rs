//! The exact matching solver of docs/matching.md: pure, synchronous, no IO
//! except in [`instance`], which reads and writes the CSV instance format.
//!
//! How [`solve`] works:
//!
//! 1. `classes`: needs aggregate by (category, exact point), offers by
//!    (point, radius, categories, remote), or, when no need point lies in
//!    their radius, by the remote categories alone. A need's own cost
//!    `-1e6 u - 1000 a` sits on its class's arcs to the sink that mean
//!    "left unmatched" (priced `B - v`, see `classes::wiring::Wiring::finish`
//!    for why `B` makes the optimum maximum first, then cheapest). Remote
//!    service goes through one hub per category; on-site service through
//!    `classes::ladders` (one per offer point and category, one rung per
//!    radius). Needs and volunteers named in an exclusion get nodes of their
//!    own.
//! 2. `classes::select`: a greedy matching picks which on-site arcs (of
//!    about 1.5 million at county scale) start in the network.
//! 3. `pricing`: network simplex (`simplex`, from the basis `start`
//!    builds) solves that network exactly; on-site arcs left out whose
//!    reduced cost is negative are added and the simplex resumes from its
//!    basis, until none is: the flow is then optimal for the full graph.
//! 4. `decompose`: the class flow is split back into (need, offer) pairs.
//!
//! The rest: `types` (the solver's inputs and outputs, and the cost of a
//! pair), `radius` (radius texts read exactly, with `domain::decimal`), `flow`
//! (the network the steps pass on), `fxhash`, and, for tests only,
//! `reference` (a slow, obviously correct solver) and `tests`.

// The steps of `solve` above.
mod classes;
mod decompose;
mod pricing;
mod simplex;
mod start;

// What the steps share.
mod flow;
mod fxhash;

// The solver's inputs and outputs, and the instance files.
pub mod instance;
mod radius;
mod types;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

pub use crate::domain::decimal::{Decimal, DecimalError};
pub use instance::{InstanceError, RunSummary, run};
pub use radius::{RadiusError, radius_m_from_decimal};
pub use types::{
    CategorySet, MAX_DAYS_WEIGHED, NeedInput, OfferInput, Solution, days_waited, eligible_cost,
};

use std::collections::HashSet;

/// Solves docs/matching.md exactly: a matching of maximum size and, among those,
/// of minimum total cost. `excluded` holds `(need index, volunteer)` pairs
/// that must not be matched, whichever offer of that volunteer it would be.
///
/// The result is deterministic: it depends only on the inputs and their
/// order. Pairs are sorted by need index, then offer index.
///
/// # Panics
///
/// Only on inputs far outside docs/matching.md's ranges, whose costs would not
/// fit the exact `i64` arithmetic (e.g. needs posted millions of days after
/// `as_of`), or with 2^31 needs or more.
pub fn solve(
    needs: &[NeedInput],
    offers: &[OfferInput],
    as_of: i64,
    excluded: &HashSet<(usize, u64)>,
) -> Solution {
    let mut graph = classes::build(needs, offers, as_of, excluded);
    let flows = pricing::solve(&mut graph);
    let mut pairs = decompose::pairs(&graph, &flows, |j| offers[j as usize].capacity);
    pairs.sort_unstable();
    let mut total_cost = 0;
    for &(i, j) in &pairs {
        let (_, cost) = eligible_cost(&needs[i], &offers[j], as_of)
            .expect("the flow network only holds eligible pairs");
        total_cost += cost;
    }
    Solution {
        matched: pairs.len(),
        total_cost,
        pairs,
    }
}
