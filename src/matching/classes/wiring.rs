//! Allocates the network's nodes and arcs (see [`super`]).

use crate::domain::Category;
use crate::matching::flow::{ArcSpec, Network};
use crate::matching::fxhash::FxHashMap;
use crate::matching::types::{NeedInput, OfferInput, need_value};

use super::ladders::Ladder;
use super::offers::OfferNodes;
use super::{Core, NeedClass};

pub(crate) const SINK: u32 = 0;

/// Network under construction.
pub(crate) struct Wiring {
    pub net: Network,
    /// Capacity that never binds: the number of needs.
    inf: i32,
    hubs: [Option<u32>; Category::COUNT],
    offer_node: Vec<u32>,
    /// Per node: the offers behind it, for offer nodes.
    pub offers_at: Vec<Option<Vec<u32>>>,
    /// Per ladder: first rung node and the rung radii (those `>= dmin`).
    rungs: Vec<(u32, Vec<i64>)>,
    /// Per ladder: the capacity of the offers on its rungs.
    pub ladder_cap: Vec<u64>,
    /// Per category: the capacity of the offers serving it remotely.
    pub hub_cap: [u64; Category::COUNT],
    /// Per offer node: (node, its arc to the sink).
    pub sink_arcs: Vec<(u32, u32)>,
    /// Per hub: (hub node, its arcs to offer nodes as (arc, offer node)).
    pub hub_out: Vec<(u32, Vec<(u32, u32)>)>,
    /// Bypass arcs and their need value, to be priced in [`Self::finish`].
    bypass: Vec<(usize, i64)>,
    dmax: i64,
    vmax: i64,
    n_cores: i64,
}

impl Wiring {
    /// The sink, offer nodes, hubs and ladder rungs, with their arcs.
    pub fn new(
        n_needs: usize,
        ladders: &[Ladder],
        nodes: &OfferNodes,
        offers: &[OfferInput],
    ) -> Self {
        let inf = i32::try_from(n_needs).expect("fewer than 2^31 needs");
        let mut w = Wiring {
            net: Network {
                supply: vec![0],
                arcs: Vec::new(),
            },
            inf,
            hubs: [None; Category::COUNT],
            offer_node: Vec::new(),
            offers_at: vec![None],
            rungs: Vec::new(),
            ladder_cap: vec![0; ladders.len()],
            hub_cap: [0; Category::COUNT],
            sink_arcs: Vec::new(),
            hub_out: Vec::new(),
            bypass: Vec::new(),
            dmax: 0,
            vmax: 0,
            n_cores: 0,
        };
        for node in &nodes.list {
            let id = w.node();
            let cap: u64 = node
                .offers
                .iter()
                .map(|&j| u64::from(offers[j as usize].capacity))
                .sum();
            let a = w.arc(id, SINK, cap.min(inf as u64) as i32, 0);
            w.sink_arcs.push((id, a as u32));
            w.offer_node.push(id);
            w.offers_at[id as usize] = Some(node.offers.clone());
        }
        w.add_hubs(nodes, offers);
        w.add_rungs(ladders, nodes, offers);
        w
    }

    /// One hub per remote-capable category that some offer serves
    /// remotely, with arcs to those offers' nodes.
    fn add_hubs(&mut self, nodes: &OfferNodes, offers: &[OfferInput]) {
        for c in Category::ALL {
            let served: Vec<usize> = (0..nodes.list.len())
                .filter(|&k| nodes.list[k].remote_cats.contains(c))
                .collect();
            if served.is_empty() {
                continue;
            }
            for &k in &served {
                let caps = nodes.list[k]
                    .offers
                    .iter()
                    .map(|&j| u64::from(offers[j as usize].capacity));
                self.hub_cap[c.index()] += caps.sum::<u64>();
            }
            let hub = self.node();
            self.hubs[c.index()] = Some(hub);
            let out = served
                .iter()
                .map(|&k| {
                    let o = self.offer_node[k];
                    (self.arc(hub, o, self.inf, 0) as u32, o)
                })
                .collect();
            self.hub_out.push((hub, out));
        }
    }

    fn add_rungs(&mut self, ladders: &[Ladder], nodes: &OfferNodes, offers: &[OfferInput]) {
        let mut at: FxHashMap<((u64, u64), Category), usize> = FxHashMap::default();
        for (l, ladder) in ladders.iter().enumerate() {
            let radii: Vec<i64> = ladder
                .radii
                .iter()
                .copied()
                .filter(|&r| r >= ladder.dmin)
                .collect();
            let base = self.net.supply.len() as u32;
            for k in 0..radii.len() {
                let id = self.node();
                if k > 0 {
                    self.arc(id - 1, id, self.inf, 0);
                }
            }
            self.rungs.push((base, radii));
            at.insert((ladder.point.key(), ladder.category), l);
        }
        for (k, node) in nodes.list.iter().enumerate().filter(|(_, n)| n.onsite) {
            let o = &offers[node.offers[0] as usize];
            let cap: u64 = node
                .offers
                .iter()
                .map(|&j| u64::from(offers[j as usize].capacity))
                .sum();
            for c in o.onsite_cats().iter() {
                let l = at[&(o.point.key(), c)];
                let (base, radii) = &self.rungs[l];
                if let Ok(r) = radii.binary_search(&o.radius_m) {
                    let (from, to) = (base + r as u32, self.offer_node[k]);
                    self.arc(from, to, self.inf, 0);
                    self.ladder_cap[l] += cap;
                }
            }
        }
    }

    fn node(&mut self) -> u32 {
        self.net.supply.push(0);
        self.offers_at.push(None);
        (self.net.supply.len() - 1) as u32
    }

    /// Adds an arc and returns its index.
    pub fn arc(&mut self, from: u32, to: u32, cap: i32, cost: i64) -> usize {
        self.net.arcs.push(ArcSpec {
            from,
            to,
            cap,
            cost,
        });
        self.net.arcs.len() - 1
    }

    /// The hub of a remote-capable category, if any offer serves it remotely.
    pub fn hub(&self, c: Category) -> Option<u32> {
        self.hubs[c.index()]
    }

    /// The node of the `k`-th offer node.
    pub fn offer_node(&self, k: usize) -> u32 {
        self.offer_node[k]
    }

    /// The rung of `ladder` that a need at distance `h` enters.
    pub fn rung(&self, ladder: usize, h: i64) -> u32 {
        let (base, radii) = &self.rungs[ladder];
        base + radii.partition_point(|&r| r < h) as u32
    }

    /// A need class's core node, holding its needs as supply, with one
    /// bypass arc to the sink per need value (an unmatched need) and arcs
    /// to `targets` (node, cost).
    pub fn add_class(
        &mut self,
        class: &NeedClass,
        needs: &[NeedInput],
        as_of: i64,
        targets: &[(u32, i64)],
    ) -> Core {
        let m = class.needs.len() as i32;
        let core = self.node();
        self.net.supply[core as usize] = i64::from(m);
        self.net.supply[SINK as usize] -= i64::from(m);
        let mut groups: Vec<(u32, i64, Vec<u32>)> = Vec::new();
        let mut last = None;
        for &i in &class.needs {
            let v = need_value(&needs[i as usize], as_of);
            if last != Some(v) {
                let a = self.arc(core, SINK, 0, 0);
                self.bypass.push((a, v));
                groups.push((a as u32, v, Vec::new()));
                last = Some(v);
                self.vmax = self.vmax.max(v);
            }
            let (a, _, list) = groups.last_mut().expect("pushed above");
            self.net.arcs[*a as usize].cap += 1;
            list.push(i);
        }
        let hub = self.hubs[needs[class.first].category.index()];
        let mut hub_arc = None;
        for &(to, cost) in targets {
            let a = self.arc(core, to, m, cost);
            if Some(to) == hub {
                hub_arc = Some(a as u32);
            }
            self.note_distance(cost);
        }
        self.n_cores += 1;
        let hub_cat = hub_arc.map(|_| needs[class.first].category.index());
        Core {
            node: core,
            groups,
            hub_cat,
            hub_arc,
            size: m as u32,
        }
    }

    /// Records the cost of a core→target arc, which bounds the bonus.
    pub fn note_distance(&mut self, d: i64) {
        self.dmax = self.dmax.max(d);
    }

    /// Prices the bypass arcs and returns the largest `|cost|` of any arc.
    ///
    /// An unmatched need of value `v` costs `B - v` on its bypass arc, so
    /// the objective is `const + Σ_matched (d + v) - B |M|`. With
    /// `B = cores * dmax + max(0, vmax) + 1`, any augmenting path (at most
    /// one core→target arc of cost `<= dmax` per core, every other arc of
    /// cost `<= 0`) closed by an unmatched need's bypass is a negative
    /// cycle, so an optimum has maximum size; at that size `B |M|` is
    /// constant, so its cost is minimum.
    pub fn finish(&mut self) -> i64 {
        let b = self
            .n_cores
            .checked_mul(self.dmax)
            .and_then(|x| x.checked_add(self.vmax.max(0) + 1))
            .expect("bonus fits in i64");
        let mut max_cost = self.dmax;
        for &(a, v) in &self.bypass {
            let cost = b - v;
            self.net.arcs[a].cost = cost;
            max_cost = max_cost.max(cost.abs());
        }
        max_cost
    }
}
