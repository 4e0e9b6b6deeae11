//! Primal network simplex for min-cost flow, after LEMON's `NetworkSimplex`
//! (its tree arrays and tree update, block-search pricing). It keeps its
//! basis between runs, so arcs can be added and the run resumed from the
//! previous optimum, and its node potentials are exact duals. The
//! algorithm and its invariants are those of Ahuja, Magnanti & Orlin,
//! *Network Flows* (1993), ch. 11: spanning-tree solutions, the tree indices
//! and how a pivot updates them, and strongly feasible spanning trees;
//! LEMON's version is `lemon/network_simplex.h`, described by P. Kovács,
//! "Minimum-cost flow algorithms: an experimental evaluation",
//! *Optimization Methods and Software* 30 (2015).
//!
//! # Nodes and arcs
//!
//! Nodes `0..n` are the network's; node `n` is an artificial root. Per-node
//! arrays have `n + 1` entries. Arcs `0..n` are artificial: arc `v` runs
//! `v → root` with cost 0 and capacity `i64::MAX`. The network's arcs
//! follow, the `k`-th one added at index `n + k` (the public methods take
//! that `k`). Capacities, costs and flows are exact `i64`; the caller bounds
//! the costs so that potentials cannot overflow (see `super::pricing`).
//!
//! # Invariants between pivots
//!
//! * **Feasible flow.** `0 <= flow[e] <= cap[e]` and every node's net
//!   outflow is its supply. The supplies are never stored: the starting
//!   flow already meets them (see [`Start`]) and a pivot only moves flow
//!   around a cycle.
//! * **Arc states.** `state[e]` is [`TREE`] (0) for an arc of the spanning
//!   tree, [`LOWER`] (1) for a non-tree arc at its lower bound (`flow == 0`)
//!   and [`UPPER`] (-1) for a non-tree arc at its upper bound
//!   (`flow == cap`). Only tree arcs may lie strictly between their bounds.
//!   The signs are chosen so that `state[e] * reduced cost < 0` exactly when
//!   a non-tree arc violates optimality: empty with negative reduced cost,
//!   or full with positive.
//! * **Spanning tree**, rooted at the root. For a node `v != root`:
//!   `parent[v]` is its parent; `pred[v]` the tree arc joining the two;
//!   `pred_dir[v]` is [`UP`] (+1) when that arc runs `v → parent[v]` and
//!   [`DOWN`] (-1) when it runs `parent[v] → v`. The root has
//!   `parent == pred == NONE`. There is no depth array: `succ_num[v]` is the
//!   size of `v`'s subtree (`v` included), which also tells an ancestor
//!   (strictly larger subtree) from a descendant; `thread` is a preorder of
//!   the tree as a cyclic list through all `n + 1` nodes (the last node
//!   threads back to the root), `rev_thread` its inverse, and
//!   `last_succ[v]` the last node of `v`'s subtree in that order, so the
//!   subtree is the stretch of the thread from `v` to `last_succ[v]`.
//! * **Potentials.** `pi` makes the reduced cost
//!   `cost[e] + pi[source[e]] - pi[target[e]]` zero on every tree arc (this
//!   is LEMON's sign convention; AMO's potentials are the negation). Only
//!   differences matter: `pi[root]` starts at 0 but may drift.
//! * **Strong feasibility.** Every node can send a positive amount of flow
//!   up the tree to the root: up arcs are not full and down arcs not empty.
//!   The starting tree must have this property; the leaving-arc rule below
//!   keeps it, which rules out cycling on degenerate pivots (AMO ch. 11).
//! * **Artificial arcs stay empty.** They start with flow 0 and are never
//!   chosen to enter. A cycle through one passes through the root, so it
//!   ends in two of them, and on the side where flow would come down from
//!   the root the artificial arc could only lose flow it does not have: the
//!   pivot is degenerate (`delta == 0`). So the flow on the real arcs stays
//!   a feasible flow of the real network.
//!
//! # How it starts
//!
//! No phase one and no big-M costs (LEMON starts from artificial arcs that
//! carry the supplies at a big cost; this one does not). [`Simplex::with_basis`]
//! takes a feasible flow and a strongly feasible spanning tree from the
//! caller (`super::start` builds one from a greedy matching). Nodes the
//! caller does not hang from a real arc hang from the root by their empty
//! artificial arc. Thread order, subtree sizes and potentials are then
//! computed from the parent pointers (`init::layout_tree`).
//!
//! # A pivot ([`Simplex::run`])
//!
//! 1. **Entering arc: block search** (`find_entering`), over the real arcs
//!    only, skipping `frozen` ones. With `m` real arcs when `run` is called,
//!    the block size is `max(ceil(sqrt(m)), 10)`. The scan starts at
//!    `next_arc`, where the previous one stopped, and goes round the real
//!    arcs cyclically, remembering the arc with the most negative
//!    `state * reduced cost`. At the end of each block, if it has one, it
//!    stops and returns it. After one full round without any, the flow is
//!    optimal and `run` returns.
//! 2. **Join** (`find_join`): the apex of the cycle the entering arc closes
//!    in the tree, found by walking up from both endpoints, always from the
//!    one with the smaller subtree (it cannot be the other's ancestor).
//! 3. **Leaving arc** (`pivot::find_leaving`): `delta` is the least
//!    residual capacity around the cycle, in the direction that improves
//!    the cost (forward along the entering arc when it is at `LOWER`,
//!    backward when at `UPPER`), the entering arc included. Of the arcs
//!    whose residual capacity is `delta` (the blocking arcs), the one that
//!    leaves is the *last* met going round the cycle in that direction
//!    from the join (AMO's rule for strongly feasible trees). When that is
//!    the entering arc itself, `delta` (its capacity) still goes round the
//!    cycle, but the arc only moves to its other bound and the tree stays
//!    as it was.
//! 4. **Flow** (`pivot::change_flow`): `delta` units go round the cycle;
//!    the entering arc becomes `TREE`, the leaving one `LOWER` or `UPPER`
//!    by its new flow.
//! 5. **Tree** (`pivot::update_tree`, LEMON's `updateTreeStructure`): the
//!    subtree cut off by the leaving arc is hung below the entering arc's
//!    other endpoint, `v_in`. When the leaving arc is not `u_in`'s own tree
//!    arc, the stem (the tree path from `u_in` up to `u_out`) is reversed
//!    (`move_stem`, `reverse_stem`). `thread`, `rev_thread`, `succ_num` and
//!    `last_succ` are patched along the affected paths only.
//! 6. **Potentials** (`pivot::update_potential`): the re-hung subtree is
//!    shifted so that the entering arc's reduced cost is 0, or, when the
//!    subtree holds more than half of the `n + 1` nodes, the rest of the
//!    tree is shifted the other way.
//!
//! # Resuming
//!
//! [`Simplex::add_arc`] appends an arc at `LOWER` with flow 0, which keeps
//! the basis feasible and strongly feasible, so `run` can be called again
//! and continues from the last optimal basis. [`Simplex::set_frozen`] takes
//! an arc out of the entering search (it still carries flow and may be in
//! the tree); the caller checks such arcs' optimality itself.

mod init;
mod pivot;

pub(crate) use init::Start;

/// Arc state: in the spanning tree.
const TREE: i8 = 0;
/// Arc state: out of the tree, empty.
const LOWER: i8 = 1;
/// Arc state: out of the tree, full.
const UPPER: i8 = -1;
/// `pred_dir` of a node whose tree arc runs from it to its parent.
const UP: i64 = 1;
/// `pred_dir` of a node whose tree arc runs from its parent to it.
const DOWN: i64 = -1;
/// No node or arc: the root's `parent` and `pred`.
const NONE: u32 = u32::MAX;

/// A min-cost flow problem being solved by network simplex. Per-arc arrays
/// are indexed by arc (artificial arcs first), per-node arrays by node (the
/// root last); see the module docs for the invariants.
pub(crate) struct Simplex {
    /// Nodes of the network; the root is node `n`.
    n: usize,
    /// Per arc: tail node.
    source: Vec<u32>,
    /// Per arc: head node.
    target: Vec<u32>,
    /// Per arc: capacity (the lower bound is 0).
    cap: Vec<i64>,
    /// Per arc: cost per unit of flow.
    cost: Vec<i64>,
    /// Per arc: current flow.
    flow: Vec<i64>,
    /// Per arc: [`TREE`], [`LOWER`] or [`UPPER`].
    state: Vec<i8>,
    /// Per arc: skipped by the entering search (checked by the caller).
    frozen: Vec<bool>,
    /// Per node: potential; tree arcs have reduced cost 0.
    pi: Vec<i64>,
    /// Per node: parent in the tree ([`NONE`] for the root).
    parent: Vec<u32>,
    /// Per node: the tree arc to its parent ([`NONE`] for the root).
    pred: Vec<u32>,
    /// Per node: [`UP`] if `pred` runs node → parent, [`DOWN`] if parent → node.
    pred_dir: Vec<i64>,
    /// Per node: next node in the tree's preorder, cyclically.
    thread: Vec<u32>,
    /// Per node: previous node in that order.
    rev_thread: Vec<u32>,
    /// Per node: number of nodes in its subtree, itself included.
    succ_num: Vec<u32>,
    /// Per node: last node of its subtree in thread order.
    last_succ: Vec<u32>,
    /// Scratch for `move_stem`: nodes whose `thread` changed, so that their
    /// `rev_thread` entries can be fixed afterwards.
    dirty: Vec<u32>,
    /// Arc where the next entering search starts.
    next_arc: usize,
}

/// The pivot being carried out.
struct Pivot {
    /// The entering arc.
    in_arc: usize,
    /// The apex of its cycle: the nearest common ancestor of its endpoints.
    join: usize,
    /// The entering arc's endpoint on the leaving arc's side of the cycle:
    /// the subtree holding it is cut off and re-hung by the entering arc.
    u_in: usize,
    /// The entering arc's other endpoint, `u_in`'s new parent.
    v_in: usize,
    /// The node whose tree arc (`pred[u_out]`) leaves.
    u_out: usize,
    /// Flow pushed round the cycle (0 on a degenerate pivot).
    delta: i64,
}

impl Simplex {
    /// Node arrays for `n` nodes and a root, no arcs yet.
    fn empty(n: usize) -> Self {
        let root = n;
        Simplex {
            n,
            source: Vec::new(),
            target: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            flow: Vec::new(),
            state: Vec::new(),
            frozen: Vec::new(),
            pi: vec![0; n + 1],
            parent: vec![root as u32; n + 1],
            pred: vec![0; n + 1],
            pred_dir: vec![UP; n + 1],
            thread: vec![0; n + 1],
            rev_thread: vec![0; n + 1],
            succ_num: vec![1; n + 1],
            last_succ: (0..=n as u32).collect(),
            dirty: Vec::new(),
            next_arc: n,
        }
    }

    fn push_arc(&mut self, from: usize, to: usize, cap: i64, cost: i64, flow: i64, state: i8) {
        self.source.push(from as u32);
        self.target.push(to as u32);
        self.cap.push(cap);
        self.cost.push(cost);
        self.flow.push(flow);
        self.state.push(state);
        self.frozen.push(false);
    }

    /// Adds an arc, empty and out of the basis.
    pub fn add_arc(&mut self, from: u32, to: u32, cap: i64, cost: i64) {
        self.push_arc(from as usize, to as usize, cap, cost, 0, LOWER);
    }

    /// Keeps the `k`-th arc added out of (or back in) the pivot search.
    pub fn set_frozen(&mut self, k: usize, frozen: bool) {
        self.frozen[self.n + k] = frozen;
    }

    /// Flow on the `k`-th arc added (artificial arcs not counted).
    pub fn flow(&self, k: usize) -> i64 {
        self.flow[self.n + k]
    }

    /// Node potentials. After [`Self::run`], every arc not frozen has
    /// reduced cost `cost + pi[from] - pi[to]` `>= 0` when empty, `<= 0`
    /// when full and `== 0` when strictly between.
    pub fn potentials(&self) -> &[i64] {
        &self.pi[..self.n]
    }

    /// Pivots until optimal.
    pub fn run(&mut self) {
        let m = self.source.len() - self.n;
        let block = ((m as f64).sqrt().ceil() as usize).max(10);
        while let Some(in_arc) = self.find_entering(block) {
            let mut p = Pivot {
                in_arc,
                join: self.find_join(in_arc),
                u_in: 0,
                v_in: 0,
                u_out: usize::MAX,
                delta: 0,
            };
            let change = self.find_leaving(&mut p);
            self.change_flow(&p, change);
            if change {
                self.update_tree(&p);
                self.update_potential(&p);
            }
        }
    }

    fn reduced(&self, e: usize) -> i64 {
        self.cost[e] + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize]
    }

    /// Block search: scan the real arcs from where the last search stopped
    /// and take the most violating arc of the first block that has one;
    /// `None` when no arc that is not frozen violates optimality.
    fn find_entering(&mut self, block: usize) -> Option<usize> {
        let (lo, hi) = (self.n, self.source.len());
        if lo == hi {
            return None;
        }
        let mut best = 0i64;
        let mut pick = None;
        let mut cnt = block;
        let mut e = self.next_arc.clamp(lo, hi - 1);
        for _ in lo..hi {
            let c = i64::from(self.state[e]) * self.reduced(e);
            if c < best && !self.frozen[e] {
                best = c;
                pick = Some(e);
            }
            e = if e + 1 == hi { lo } else { e + 1 };
            cnt -= 1;
            if cnt == 0 {
                if pick.is_some() {
                    break;
                }
                cnt = block;
            }
        }
        self.next_arc = e;
        pick
    }

    /// The nearest common ancestor of the entering arc's endpoints.
    fn find_join(&self, in_arc: usize) -> usize {
        let (mut u, mut v) = (self.source[in_arc] as usize, self.target[in_arc] as usize);
        while u != v {
            if self.succ_num[u] < self.succ_num[v] {
                u = self.parent[u] as usize;
            } else {
                v = self.parent[v] as usize;
            }
        }
        u
    }
}
