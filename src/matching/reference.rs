//! A slow, obviously correct solver for tests: successive shortest paths
//! with Bellman–Ford on the explicit bipartite graph. Each augmentation
//! follows a cheapest path, so the flow is of minimum cost for its size,
//! and it stops at maximum size.

use std::collections::HashSet;

use super::types::{NeedInput, OfferInput, eligible_cost};

struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

/// `(matched, total cost)` of the optimum, by brute-force min-cost flow.
pub(crate) fn optimum(
    needs: &[NeedInput],
    offers: &[OfferInput],
    as_of: i64,
    excluded: &HashSet<(usize, u64)>,
) -> (usize, i64) {
    let (s, t) = (0, 1);
    let n = 2 + needs.len() + offers.len();
    let mut edges: Vec<Edge> = Vec::new();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut add = |from: usize, to: usize, cap: i64, cost: i64| {
        adj[from].push(edges.len());
        edges.push(Edge { to, cap, cost });
        adj[to].push(edges.len());
        edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
    };
    for (i, need) in needs.iter().enumerate() {
        add(s, 2 + i, 1, 0);
        for (j, offer) in offers.iter().enumerate() {
            if excluded.contains(&(i, offer.volunteer)) {
                continue;
            }
            if let Some((_, c)) = eligible_cost(need, offer, as_of) {
                add(2 + i, 2 + needs.len() + j, 1, c);
            }
        }
    }
    for (j, offer) in offers.iter().enumerate() {
        add(2 + needs.len() + j, t, i64::from(offer.capacity), 0);
    }
    let (mut matched, mut total) = (0, 0);
    loop {
        // Bellman–Ford from s over residual arcs.
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![usize::MAX; n];
        dist[s] = 0;
        for _ in 0..n {
            let mut changed = false;
            for u in 0..n {
                if dist[u] == i64::MAX {
                    continue;
                }
                for &e in &adj[u] {
                    let ed = &edges[e];
                    if ed.cap > 0 && dist[u] + ed.cost < dist[ed.to] {
                        dist[ed.to] = dist[u] + ed.cost;
                        via[ed.to] = e;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[t] == i64::MAX {
            return (matched, total);
        }
        let mut v = t;
        while v != s {
            let e = via[v];
            edges[e].cap -= 1;
            edges[e ^ 1].cap += 1;
            v = edges[e ^ 1].to;
        }
        matched += 1;
        total += dist[t];
    }
}
