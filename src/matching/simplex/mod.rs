//! Primal network simplex (after LEMON's `NetworkSimplex`): a spanning
//! tree basis stored as parent/thread lists, block-search pricing. It keeps
//! its basis between runs, so arcs can be added and the run resumed from
//! the previous optimum, and its node potentials are exact duals.

mod init;
mod pivot;

pub(crate) use init::Start;

pub(super) const TREE: i8 = 0;
pub(super) const LOWER: i8 = 1;
pub(super) const UPPER: i8 = -1;
pub(super) const UP: i64 = 1;
pub(super) const DOWN: i64 = -1;

/// A min-cost flow problem being solved by network simplex.
pub(crate) struct Simplex {
    pub(super) n: usize,
    pub(super) source: Vec<u32>,
    pub(super) target: Vec<u32>,
    pub(super) cap: Vec<i64>,
    pub(super) cost: Vec<i64>,
    pub(super) flow: Vec<i64>,
    pub(super) state: Vec<i8>,
    /// Arcs the pivot search skips (their optimality is checked outside).
    frozen: Vec<bool>,
    pub(super) pi: Vec<i64>,
    pub(super) parent: Vec<u32>,
    pub(super) pred: Vec<u32>,
    pub(super) pred_dir: Vec<i64>,
    pub(super) thread: Vec<u32>,
    pub(super) rev_thread: Vec<u32>,
    pub(super) succ_num: Vec<u32>,
    pub(super) last_succ: Vec<u32>,
    pub(super) dirty: Vec<u32>,
    next_arc: usize,
}

/// The pivot being carried out.
pub(super) struct Pivot {
    pub in_arc: usize,
    pub join: usize,
    pub u_in: usize,
    pub v_in: usize,
    pub u_out: usize,
    pub delta: i64,
}

pub(super) const NONE: u32 = u32::MAX;

impl Simplex {
    /// Node arrays for `n` nodes and a root, no arcs yet.
    pub(super) fn empty(n: usize) -> Self {
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

    pub(super) fn push_arc(
        &mut self,
        from: usize,
        to: usize,
        cap: i64,
        cost: i64,
        flow: i64,
        state: i8,
    ) {
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

    /// Node potentials: every arc has reduced cost
    /// `cost + pi[from] - pi[to]`, `>= 0` when empty, `<= 0` when full.
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

    /// Block search: scan arcs from where the last search stopped and take
    /// the most violating arc of the first block that has one.
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
