//! Turns the class flow back into (need, offer) pairs.

use super::classes::{ClassGraph, SINK};

/// Splits the flow: each core node's flow is followed along arcs with flow
/// left (the network between cores and offer nodes is acyclic, so every
/// walk ends at an offer node), and the needs chosen by the value arcs are
/// handed to the offers behind the offer nodes reached, filling each offer's
/// capacity in index order.
pub(crate) fn pairs(
    g: &ClassGraph,
    flows: &[i32],
    capacity: impl Fn(u32) -> u32,
) -> Vec<(usize, usize)> {
    let n = g.net.supply.len();
    // Arcs with flow, by tail node, skipping arcs into the sink.
    let mut first = vec![0usize; n + 1];
    for (a, &f) in g.net.arcs.iter().zip(flows) {
        if f > 0 && a.to != SINK {
            first[a.from as usize + 1] += 1;
        }
    }
    for v in 0..n {
        first[v + 1] += first[v];
    }
    let mut fill = first.clone();
    let mut out_arcs = vec![(0u32, 0i32); first[n]];
    for (a, &f) in g.net.arcs.iter().zip(flows) {
        if f > 0 && a.to != SINK {
            out_arcs[fill[a.from as usize]] = (a.to, f);
            fill[a.from as usize] += 1;
        }
    }
    let mut cursor: Vec<usize> = first[..n].to_vec();
    // Per offer node: position in its offer list and units used there.
    let mut used: Vec<(usize, u32)> = vec![(0, 0); n];
    let mut pairs = Vec::new();
    for core in &g.cores {
        // The flow on a bypass arc counts the unmatched needs of its value.
        let chosen: Vec<u32> = core
            .groups
            .iter()
            .flat_map(|(a, _, list)| {
                list.iter()
                    .take(list.len() - flows[*a as usize] as usize)
                    .copied()
            })
            .collect();
        for need in chosen {
            let mut v = core.node as usize;
            while g.offers_at[v].is_none() {
                while out_arcs[cursor[v]].1 == 0 {
                    cursor[v] += 1;
                }
                let arc = &mut out_arcs[cursor[v]];
                arc.1 -= 1;
                v = arc.0 as usize;
            }
            let offers = g.offers_at[v].as_ref().expect("an offer node");
            let (k, u) = &mut used[v];
            while *u == capacity(offers[*k]) {
                *k += 1;
                *u = 0;
            }
            *u += 1;
            pairs.push((need as usize, offers[*k] as usize));
        }
    }
    pairs
}
