//! Builds the class flow network of a matching instance.
//!
//! Nodes: the sink `t`; offer nodes (each with an arc to `t` of their
//! summed capacity); one hub per remote-capable category (arcs to the offer
//! nodes serving it remotely, cost 0); ladder rungs (see
//! [`ladders`]); per need class a core node holding its needs as
//! supply, with arcs to its hub (cost 0), to ladder rungs (cost `d`) and
//! one bypass arc to `t` per need value (an unmatched need, cost `B - v`).
//! So needs aggregate by (category, point) and offers by (point, radius,
//! categories, remote). Needs and volunteers named in an exclusion get
//! nodes of their own, and such needs get direct arcs to the offer nodes
//! they may use instead of hub and rungs.

mod ladders;
mod offers;
mod select;
mod wiring;

use std::collections::HashSet;

use crate::domain::Category;
use crate::domain::geo::{Prepared, haversine_m};

use self::ladders::NeedPoint;
use self::offers::{OfferNodes, offer_nodes};
use self::wiring::Wiring;
use super::flow::{ArcSpec, Network};
use super::fxhash::{FxHashMap, FxHashSet};
use super::types::{NeedInput, OfferInput, need_value};

pub(crate) use self::wiring::SINK;

/// Needs that behave the same towards every offer.
pub(crate) struct NeedClass {
    pub first: usize,
    /// Indices into the needs, sorted by (value, index).
    pub needs: Vec<u32>,
}

/// The network plus what is needed to turn its flow back into pairs.
pub(crate) struct ClassGraph {
    pub net: Network,
    /// Bound on `|cost|` of every arc, in the network or the pool.
    pub max_cost: i64,
    /// Per live need class: its core node and its bypass arcs.
    pub cores: Vec<Core>,
    /// Per node: the offers behind it when it is an offer node.
    pub offers_at: Vec<Option<Vec<u32>>>,
    /// Every on-site core→rung arc; those not yet in `net` are priced
    /// after each solve (see [`super::pricing`]).
    pub pool: Vec<PoolArc>,
    /// Whether each pool arc is in `net`.
    pub in_net: Vec<bool>,
    /// Per core: how many needs a greedy matching matched there.
    pub greedy_matched: Vec<u32>,
    /// Per offer node: (node, its arc to the sink).
    pub sink_arcs: Vec<(u32, u32)>,
    /// Per hub: (hub node, its arcs to offer nodes as (arc, offer node)).
    pub hub_out: Vec<(u32, Vec<(u32, u32)>)>,
}

/// An on-site arc a need class may use: core → rung at distance `h`
/// (16 bytes: there are millions of them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolArc {
    /// Index into `cores` (a need class index while being built).
    pub class: u32,
    pub ladder: u32,
    pub rung: u32,
    pub h: u32,
}

impl PoolArc {
    /// The arc, for the network: core → rung, capacity the class size.
    pub fn spec(&self, cores: &[Core]) -> ArcSpec {
        let core = &cores[self.class as usize];
        ArcSpec {
            from: core.node,
            to: self.rung,
            cap: core.size as i32,
            cost: i64::from(self.h),
        }
    }
}

/// A need class's core node and its arcs core→sink, one per need value:
/// the flow on such an arc is the number of needs of that value left
/// unmatched.
pub(crate) struct Core {
    pub node: u32,
    /// `(arc index, need value, needs with that value in index order)`.
    pub groups: Vec<(u32, i64, Vec<u32>)>,
    /// The category whose hub the class is wired to, if any.
    pub hub_cat: Option<usize>,
    /// The arc core → hub, if any.
    pub hub_arc: Option<u32>,
    /// How many needs the class has.
    pub size: u32,
}

/// Groups the needs: normal needs by (category, point), each excluded need
/// alone. Returns the classes and, for each, whether it is special.
fn need_classes(
    needs: &[NeedInput],
    special: &FxHashSet<usize>,
    as_of: i64,
) -> (Vec<NeedClass>, Vec<bool>) {
    let mut index: FxHashMap<_, usize> = FxHashMap::default();
    let mut classes: Vec<NeedClass> = Vec::new();
    let mut is_special = Vec::new();
    for (i, n) in needs.iter().enumerate() {
        let key = (n.category, n.point.map(|p| p.key()));
        let id = if special.contains(&i) {
            None
        } else {
            index.get(&key).copied()
        };
        match id {
            Some(id) => classes[id].needs.push(i as u32),
            None => {
                if !special.contains(&i) {
                    index.insert(key, classes.len());
                }
                classes.push(NeedClass {
                    first: i,
                    needs: vec![i as u32],
                });
                is_special.push(special.contains(&i));
            }
        }
    }
    let values: Vec<i64> = needs.iter().map(|n| need_value(n, as_of)).collect();
    for c in &mut classes {
        c.needs.sort_unstable_by_key(|&i| (values[i as usize], i));
    }
    (classes, is_special)
}

/// Builds the class network for an instance.
pub(crate) fn build(
    needs: &[NeedInput],
    offers: &[OfferInput],
    as_of: i64,
    excluded: &HashSet<(usize, u64)>,
) -> ClassGraph {
    let special_needs: FxHashSet<usize> = excluded
        .iter()
        .map(|&(i, _)| i)
        .filter(|&i| i < needs.len())
        .collect();
    let special_vols: FxHashSet<u64> = excluded
        .iter()
        .filter(|e| e.0 < needs.len())
        .map(|&(_, v)| v)
        .collect();
    let (classes, is_special) = need_classes(needs, &special_needs, as_of);

    let (mut ladders, ladder_index) = ladders::build_ladders(offers);
    let mut points: [Vec<NeedPoint>; Category::COUNT] = Default::default();
    for (k, c) in classes.iter().enumerate() {
        let n = &needs[c.first];
        if let Some(p) = n.point {
            let class = if is_special[k] { u32::MAX } else { k as u32 };
            points[n.category.index()].push(NeedPoint {
                point: Prepared::new(p),
                class,
            });
        }
    }
    let mut pool = ladders::reach(&mut ladders, &mut points);
    drop(points);
    let nodes: OfferNodes = offer_nodes(offers, &ladders, &ladder_index, &special_vols);

    let mut w = Wiring::new(needs.len(), &ladders, &nodes, offers);
    let mut has_reach = vec![false; classes.len()];
    for r in &pool {
        has_reach[r.class as usize] = true;
    }
    let mut cores = Vec::new();
    let mut core_of = vec![u32::MAX; classes.len()];
    for (k, class) in classes.iter().enumerate() {
        let need = &needs[class.first];
        let targets: Vec<(u32, i64)> = if is_special[k] {
            special_targets(need, class.first, offers, &nodes, excluded)
                .into_iter()
                .map(|(o, h)| (w.offer_node(o), h))
                .collect()
        } else {
            w.hub(need.category)
                .map(|hub| (hub, 0))
                .into_iter()
                .collect()
        };
        if targets.is_empty() && !has_reach[k] {
            continue;
        }
        core_of[k] = cores.len() as u32;
        cores.push(w.add_class(class, needs, as_of, &targets));
    }
    for p in &mut pool {
        w.note_distance(i64::from(p.h));
        p.rung = w.rung(p.ladder as usize, i64::from(p.h));
        p.class = core_of[p.class as usize];
    }
    let (in_net, greedy_matched) = select::initial(&pool, &cores, &w.ladder_cap, &w.hub_cap);
    for (p, _) in pool.iter().zip(&in_net).filter(|(_, on)| **on) {
        let a = p.spec(&cores);
        w.arc(a.from, a.to, a.cap, a.cost);
    }
    let max_cost = w.finish();
    ClassGraph {
        net: w.net,
        max_cost,
        cores,
        offers_at: w.offers_at,
        pool,
        in_net,
        greedy_matched,
        sink_arcs: w.sink_arcs,
        hub_out: w.hub_out,
    }
}

/// Offer nodes that an excluded need may use, with the distance `d`.
fn special_targets(
    need: &NeedInput,
    i: usize,
    offers: &[OfferInput],
    nodes: &OfferNodes,
    excluded: &HashSet<(usize, u64)>,
) -> Vec<(usize, i64)> {
    let c = need.category;
    let mut out = Vec::new();
    for (k, node) in nodes.list.iter().enumerate() {
        let rep = &offers[node.offers[0] as usize];
        if node.special && excluded.contains(&(i, rep.volunteer)) {
            continue;
        }
        if node.remote_cats.contains(c) {
            out.push((k, 0));
        } else if let Some(p) = need
            .point
            .filter(|_| node.onsite && rep.onsite_cats().contains(c))
        {
            let h = haversine_m(p, rep.point);
            if h <= rep.radius_m {
                out.push((k, h));
            }
        }
    }
    out
}
