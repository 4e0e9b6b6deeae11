//! The starting basis of the simplex: remote needs greedily matched.
//!
//! Needs of remote-capable categories that can use a hub are taken in
//! order of value (best first) and sent through their hub to the hub's
//! offer nodes, each offer node filled by one hub only and one at a time,
//! so that the flow's free arcs form a tree: per hub, the offer node being
//! filled hangs from the sink, the hub from it, and the full ones from the
//! hub. Everything else starts unmatched (bypass arcs full). The other
//! offer, hub and rung nodes hang from the sink side by empty arcs they
//! could push flow along, found by a search backwards from the sink; cores
//! hang from the root by their artificial arcs, except cores partly matched
//! through their hub, which hang from it. The tree is strongly feasible.

use std::collections::VecDeque;

use super::classes::{ClassGraph, SINK};
use super::simplex::Start;

const NONE: u32 = u32::MAX;

/// The starting basis for `g`'s network.
pub(crate) fn greedy_start(g: &ClassGraph) -> Start {
    let n = g.net.supply.len();
    let arcs = &g.net.arcs;
    let mut flow = vec![0i64; arcs.len()];
    let mut parent: Vec<Option<(u32, bool)>> = vec![None; n];
    let mut sink_arc = vec![NONE; n];
    for &(o, a) in &g.sink_arcs {
        sink_arc[o as usize] = a;
    }
    let mut left: Vec<i64> = vec![0; n];
    for &(o, a) in &g.sink_arcs {
        left[o as usize] = i64::from(arcs[a as usize].cap);
    }
    // Per hub: index into `hub_out` and the position of the node it fills.
    let mut hub_index = vec![NONE; n];
    for (k, (h, _)) in g.hub_out.iter().enumerate() {
        hub_index[*h as usize] = k as u32;
    }
    let mut cursor = vec![0usize; g.hub_out.len()];
    let mut claimed = vec![NONE; n];
    let mut groups: Vec<(i64, usize, usize)> = Vec::new();
    for (k, core) in g.cores.iter().enumerate() {
        for (j, (a, v, list)) in core.groups.iter().enumerate() {
            flow[*a as usize] = list.len() as i64;
            if core.hub_arc.is_some() {
                groups.push((*v, k, j));
            }
        }
    }
    groups.sort_unstable();
    for &(_, k, j) in &groups {
        let core = &g.cores[k];
        let (bypass, _, list) = &core.groups[j];
        let hub_arc = core.hub_arc.expect("only hub cores") as usize;
        let h = hub_index[arcs[hub_arc].to as usize] as usize;
        let out = &g.hub_out[h].1;
        let count = list.len() as i64;
        // Skip offer nodes another hub fills or that are full.
        while cursor[h] < out.len() {
            let o = out[cursor[h]].1 as usize;
            if (claimed[o] == NONE || claimed[o] == h as u32) && left[o] > 0 {
                break;
            }
            cursor[h] += 1;
        }
        let Some(&(ho, o)) = out.get(cursor[h]) else {
            continue;
        };
        let o = o as usize;
        if left[o] < count {
            continue;
        }
        claimed[o] = h as u32;
        left[o] -= count;
        flow[*bypass as usize] = 0;
        for a in [hub_arc, ho as usize, sink_arc[o] as usize] {
            flow[a] += count;
        }
    }
    let mut seeds = vec![SINK as usize];
    for (k, (h, out)) in g.hub_out.iter().enumerate() {
        let used: Vec<&(u32, u32)> = out.iter().filter(|&&(a, _)| flow[a as usize] > 0).collect();
        seeds.push(*h as usize);
        for &&(a, o) in &used {
            let o = o as usize;
            if left[o] > 0 {
                // The node being filled: from the sink, with the hub below.
                parent[o] = Some((sink_arc[o], true));
                parent[*h as usize] = Some((a, true));
            } else {
                parent[o] = Some((a, false));
            }
            seeds.push(o);
        }
        debug_assert!(
            used.iter().filter(|&&&(_, o)| left[o as usize] > 0).count() <= 1,
            "hub {k}"
        );
    }
    for core in &g.cores {
        if let Some(a) = core.hub_arc {
            let f = flow[a as usize];
            if f > 0 && f < i64::from(arcs[a as usize].cap) {
                parent[core.node as usize] = Some((a, true));
            }
        }
    }
    hang_the_rest(g, &flow, &mut parent, &seeds);
    Start { flow, parent }
}

/// Gives the offer, hub and rung nodes without a parent one, searching
/// backwards from the nodes already in the tree over empty arcs.
fn hang_the_rest(
    g: &ClassGraph,
    flow: &[i64],
    parent: &mut [Option<(u32, bool)>],
    seeds: &[usize],
) {
    let n = g.net.supply.len();
    let mut into: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (k, a) in g.net.arcs.iter().enumerate() {
        if flow[k] == 0 && a.cap > 0 {
            into[a.to as usize].push(k as u32);
        }
    }
    let mut seen = vec![false; n];
    for &s in seeds {
        seen[s] = true;
    }
    let mut queue: VecDeque<usize> = seeds.iter().copied().collect();
    while let Some(w) = queue.pop_front() {
        for &k in &into[w] {
            let v = g.net.arcs[k as usize].from as usize;
            // Cores stay on their artificial arcs: hanging thousands of them
            // below one node makes every pivot that moves it carry them.
            if !seen[v] && parent[v].is_none() && g.net.supply[v] <= 0 {
                seen[v] = true;
                parent[v] = Some((k, true));
                queue.push_back(v);
            }
        }
    }
}
