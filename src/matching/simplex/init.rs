//! Builds a [`Simplex`] from a given starting basis (see `crate::matching::start`).

use super::{DOWN, LOWER, NONE, Simplex, TREE, UP, UPPER};
use crate::matching::flow::Network;

/// A starting basis: a feasible flow (it must meet the network's supplies,
/// which the simplex never reads) and, per node, the tree arc to its
/// parent (`(arc, true)` when the arc points up, from the node to its
/// parent) or `None` to hang from the root by an empty artificial arc.
/// Every arc strictly between its bounds must be a tree arc, and the tree
/// must be strongly feasible: up arcs not full, down arcs not empty.
pub(crate) struct Start {
    pub flow: Vec<i64>,
    pub parent: Vec<Option<(u32, bool)>>,
}

impl Simplex {
    /// The simplex for `net` starting from `start`.
    pub fn with_basis(net: &Network, start: &Start) -> Self {
        let n = net.supply.len();
        let root = n;
        let mut s = Simplex::empty(n);
        for u in 0..n {
            s.push_arc(u, root, i64::MAX, 0, 0, LOWER);
        }
        for (a, &f) in net.arcs.iter().zip(&start.flow) {
            let state = if f == 0 { LOWER } else { UPPER };
            s.push_arc(
                a.from as usize,
                a.to as usize,
                i64::from(a.cap),
                a.cost,
                f,
                state,
            );
        }
        for (v, &p) in start.parent.iter().enumerate() {
            let (parent, e, dir) = match p {
                None => (root, v, UP),
                Some((k, true)) => (net.arcs[k as usize].to as usize, n + k as usize, UP),
                Some((k, false)) => (net.arcs[k as usize].from as usize, n + k as usize, DOWN),
            };
            s.parent[v] = parent as u32;
            s.pred[v] = e as u32;
            s.pred_dir[v] = dir;
            s.state[e] = TREE;
        }
        for (k, a) in net.arcs.iter().enumerate() {
            let f = start.flow[k];
            let free = f > 0 && f < i64::from(a.cap);
            assert!(
                !free || s.state[n + k] == TREE,
                "an arc between its bounds must be in the tree"
            );
        }
        s.parent[root] = NONE;
        s.pred[root] = NONE;
        s.layout_tree();
        s
    }

    /// Thread order, subtree sizes, last successors and potentials from
    /// the parent pointers.
    fn layout_tree(&mut self) {
        let n = self.n;
        let root = n;
        let mut first = vec![0usize; n + 2];
        for v in 0..n {
            first[self.parent[v] as usize + 1] += 1;
        }
        for v in 0..=n {
            first[v + 1] += first[v];
        }
        let mut fill = first.clone();
        let mut kids = vec![0u32; n];
        for v in 0..n {
            let p = self.parent[v] as usize;
            kids[fill[p]] = v as u32;
            fill[p] += 1;
        }
        let mut pre = Vec::with_capacity(n + 1);
        let mut stack = vec![root as u32];
        while let Some(v) = stack.pop() {
            pre.push(v);
            let v = v as usize;
            if v != root {
                // Tree arcs have reduced cost 0.
                let e = self.pred[v] as usize;
                self.pi[v] = self.pi[self.parent[v] as usize] - self.pred_dir[v] * self.cost[e];
            }
            stack.extend(kids[first[v]..first[v + 1]].iter().rev());
        }
        assert_eq!(pre.len(), n + 1, "the starting basis must be a tree");
        for k in 0..pre.len() {
            let (v, next) = (pre[k] as usize, pre[(k + 1) % pre.len()]);
            self.thread[v] = next;
            self.rev_thread[next as usize] = v as u32;
        }
        for &v in pre.iter().rev() {
            let v = v as usize;
            let kids = &kids[first[v]..first[v + 1]];
            self.succ_num[v] = 1 + kids.iter().map(|&c| self.succ_num[c as usize]).sum::<u32>();
            self.last_succ[v] = match kids.last() {
                Some(&c) => self.last_succ[c as usize],
                None => v as u32,
            };
        }
    }
}
