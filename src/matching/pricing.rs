//! Solves on a pruned network and adds back the on-site arcs whose
//! reduced cost shows they could improve it, until none does.
//!
//! Exactness: network simplex ends with exact potentials under which every
//! arc it searches satisfies the optimality conditions (reduced cost `>= 0`
//! when empty, `<= 0` when full). Two kinds of arcs it does not search are
//! checked here instead: on-site arcs left out of the network (empty, so
//! they need reduced cost `>= 0`) and frozen bypass arcs of needs the
//! greedy left unmatched (full, so they need `<= 0`). The loop ends only
//! when both hold, so the flow is optimal for the full graph.

use super::classes::ClassGraph;
use super::simplex::Simplex;

/// Most arcs a class gets back per round, the most negative first: adding
/// every violated arc at once makes the next round slower than the few
/// extra rounds this costs.
const PER_CLASS: usize = 20;

/// The optimal flow of the full class graph, per arc of `g.net`; arcs
/// added along the way are appended to `g.net`.
pub(crate) fn solve(g: &mut ClassGraph) -> Vec<i32> {
    // Potentials are sums of at most one arc cost per node along the tree.
    let nodes = g.net.supply.len() as i128 + 1;
    assert!(
        nodes * i128::from(g.max_cost) < i128::from(i64::MAX / 4),
        "costs too large for i64 potentials"
    );
    let core_node: Vec<u32> = g.cores.iter().map(|c| c.node).collect();
    let mut sx = Simplex::with_basis(&g.net, &super::start::greedy_start(g));
    // Needs the greedy left unmatched, beyond one per class, stay on their
    // bypass arcs out of the search; see `release_frozen`.
    let mut frozen: Vec<(usize, u32)> = Vec::new();
    for (k, core) in g.cores.iter().enumerate() {
        let mut seen = 0u32;
        for (a, _, list) in &core.groups {
            if seen > g.greedy_matched[k] {
                sx.set_frozen(*a as usize, true);
                frozen.push((k, *a));
            }
            seen += list.len() as u32;
        }
    }
    loop {
        sx.run();
        let released = release_frozen(g, &mut sx, &mut frozen);
        let pi = sx.potentials();
        // Violated arcs by class, most negative first; at most PER_CLASS
        // of each class go in.
        let mut violated: Vec<(u32, i64, u32)> = Vec::new();
        for (k, p) in g.pool.iter().enumerate() {
            if !g.in_net[k] {
                let rc =
                    i64::from(p.h) + pi[core_node[p.class as usize] as usize] - pi[p.rung as usize];
                if rc < 0 {
                    violated.push((p.class, rc, k as u32));
                }
            }
        }
        violated.sort_unstable();
        let mut added = Vec::new();
        let mut run = (u32::MAX, 0);
        for &(class, _, k) in &violated {
            run = if run.0 == class {
                (class, run.1 + 1)
            } else {
                (class, 1)
            };
            if run.1 <= PER_CLASS {
                g.in_net[k as usize] = true;
                added.push(g.pool[k as usize].spec(&g.cores));
            }
        }
        if added.is_empty() && released == 0 {
            break;
        }
        for a in added {
            sx.add_arc(a.from, a.to, i64::from(a.cap), a.cost);
            g.net.arcs.push(a);
        }
    }
    (0..g.net.arcs.len()).map(|k| sx.flow(k) as i32).collect()
}

/// Releases the frozen bypass arcs that violate optimality: a full one
/// with positive reduced cost (its needs would rather be matched), or an
/// empty one with negative reduced cost. Returns how many were released.
fn release_frozen(g: &ClassGraph, sx: &mut Simplex, frozen: &mut Vec<(usize, u32)>) -> usize {
    let before = frozen.len();
    let sink = super::classes::SINK as usize;
    frozen.retain(|&(k, a)| {
        let pi = sx.potentials();
        let rc = g.net.arcs[a as usize].cost + pi[g.cores[k].node as usize] - pi[sink];
        // Full arcs need rc <= 0, empty ones rc >= 0.
        let violated = if sx.flow(a as usize) == 0 {
            rc < 0
        } else {
            rc > 0
        };
        if violated {
            sx.set_frozen(a as usize, false);
            false
        } else {
            true
        }
    });
    before - frozen.len()
}
