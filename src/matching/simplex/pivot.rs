//! The pivot of [`Simplex`]: leaving arc, flow change, tree update.

use super::{DOWN, LOWER, NONE, Pivot, Simplex, TREE, UP, UPPER};

impl Simplex {
    /// Finds the arc leaving the basis on the cycle closed by the entering
    /// arc (the last blocking arc in cycle order, which keeps the basis
    /// strongly feasible). `false` when the entering arc itself blocks.
    pub(super) fn find_leaving(&self, p: &mut Pivot) -> bool {
        let e = p.in_arc;
        let (first, second) = if self.state[e] == LOWER {
            (self.source[e] as usize, self.target[e] as usize)
        } else {
            (self.target[e] as usize, self.source[e] as usize)
        };
        p.delta = self.cap[e];
        let mut result = 0;
        let mut u = first;
        while u != p.join {
            let a = self.pred[u] as usize;
            let d = if self.pred_dir[u] == DOWN {
                self.cap[a] - self.flow[a]
            } else {
                self.flow[a]
            };
            if d < p.delta {
                p.delta = d;
                p.u_out = u;
                result = 1;
            }
            u = self.parent[u] as usize;
        }
        let mut u = second;
        while u != p.join {
            let a = self.pred[u] as usize;
            let d = if self.pred_dir[u] == UP {
                self.cap[a] - self.flow[a]
            } else {
                self.flow[a]
            };
            if d <= p.delta {
                p.delta = d;
                p.u_out = u;
                result = 2;
            }
            u = self.parent[u] as usize;
        }
        (p.u_in, p.v_in) = if result == 1 {
            (first, second)
        } else {
            (second, first)
        };
        assert!(p.delta < i64::MAX, "unbounded flow problem");
        result != 0
    }

    /// Pushes `delta` around the cycle and updates the arc states.
    pub(super) fn change_flow(&mut self, p: &Pivot, change: bool) {
        let e = p.in_arc;
        if p.delta > 0 {
            let val = i64::from(self.state[e]) * p.delta;
            self.flow[e] += val;
            let mut u = self.source[e] as usize;
            while u != p.join {
                let a = self.pred[u] as usize;
                self.flow[a] -= self.pred_dir[u] * val;
                u = self.parent[u] as usize;
            }
            let mut u = self.target[e] as usize;
            while u != p.join {
                let a = self.pred[u] as usize;
                self.flow[a] += self.pred_dir[u] * val;
                u = self.parent[u] as usize;
            }
        }
        if change {
            self.state[e] = TREE;
            let out = self.pred[p.u_out] as usize;
            self.state[out] = if self.flow[out] == 0 { LOWER } else { UPPER };
        } else {
            self.state[e] = -self.state[e];
        }
    }

    /// Re-hangs the subtree cut off by the leaving arc below `v_in`.
    pub(super) fn update_tree(&mut self, p: &Pivot) {
        let (u_in, v_in, u_out, join) = (p.u_in, p.v_in, p.u_out, p.join);
        let old_rev_thread = self.rev_thread[u_out] as usize;
        let old_succ_num = self.succ_num[u_out];
        let old_last_succ = self.last_succ[u_out] as usize;
        let v_out = self.parent[u_out] as usize;
        if u_in == u_out {
            self.parent[u_in] = v_in as u32;
            self.pred[u_in] = p.in_arc as u32;
            self.pred_dir[u_in] = if u_in == self.source[p.in_arc] as usize {
                UP
            } else {
                DOWN
            };
            if self.thread[v_in] as usize != u_out {
                let after = self.thread[old_last_succ];
                self.thread[old_rev_thread] = after;
                self.rev_thread[after as usize] = old_rev_thread as u32;
                let after = self.thread[v_in];
                self.thread[v_in] = u_out as u32;
                self.rev_thread[u_out] = v_in as u32;
                self.thread[old_last_succ] = after;
                self.rev_thread[after as usize] = old_last_succ as u32;
            }
        } else {
            self.move_stem(p, old_rev_thread, old_last_succ, old_succ_num);
        }
        let up_limit_out = if self.last_succ[join] as usize == v_in {
            join as u32
        } else {
            NONE
        };
        let last_succ_out = self.last_succ[u_out];
        let mut u = v_in as u32;
        while u != NONE && self.last_succ[u as usize] as usize == v_in {
            self.last_succ[u as usize] = last_succ_out;
            u = self.parent[u as usize];
        }
        let new_last = if join != old_rev_thread && v_in != old_rev_thread {
            Some(old_rev_thread as u32)
        } else if last_succ_out as usize != old_last_succ {
            Some(last_succ_out)
        } else {
            None
        };
        if let Some(new_last) = new_last {
            let mut u = v_out as u32;
            while u != up_limit_out && self.last_succ[u as usize] as usize == old_last_succ {
                self.last_succ[u as usize] = new_last;
                u = self.parent[u as usize];
            }
        }
        let mut u = v_in;
        while u != join {
            self.succ_num[u] += old_succ_num;
            u = self.parent[u] as usize;
        }
        let mut u = v_out;
        while u != join {
            self.succ_num[u] -= old_succ_num;
            u = self.parent[u] as usize;
        }
    }

    /// The general case of [`Self::update_tree`]: reverses the stem from
    /// `u_in` up to `u_out` and splices the thread list.
    fn move_stem(
        &mut self,
        p: &Pivot,
        old_rev_thread: usize,
        old_last_succ: usize,
        old_succ_num: u32,
    ) {
        let (u_in, v_in, u_out) = (p.u_in, p.v_in, p.u_out);
        let thread_continue = if old_rev_thread == v_in {
            self.thread[old_last_succ]
        } else {
            self.thread[v_in]
        } as usize;
        let mut stem = u_in;
        let mut par_stem = v_in;
        let mut last = self.last_succ[u_in] as usize;
        let mut after = self.thread[last] as usize;
        self.thread[v_in] = u_in as u32;
        self.dirty.clear();
        self.dirty.push(v_in as u32);
        while stem != u_out {
            let next_stem = self.parent[stem] as usize;
            self.thread[last] = next_stem as u32;
            self.dirty.push(last as u32);
            let before = self.rev_thread[stem] as usize;
            self.thread[before] = after as u32;
            self.rev_thread[after] = before as u32;
            self.parent[stem] = par_stem as u32;
            par_stem = stem;
            stem = next_stem;
            last = if self.last_succ[stem] == self.last_succ[par_stem] {
                self.rev_thread[par_stem] as usize
            } else {
                self.last_succ[stem] as usize
            };
            after = self.thread[last] as usize;
        }
        self.parent[u_out] = par_stem as u32;
        self.thread[last] = thread_continue as u32;
        self.rev_thread[thread_continue] = last as u32;
        self.last_succ[u_out] = last as u32;
        if old_rev_thread != v_in {
            self.thread[old_rev_thread] = after as u32;
            self.rev_thread[after] = old_rev_thread as u32;
        }
        for k in 0..self.dirty.len() {
            let u = self.dirty[k] as usize;
            let t = self.thread[u] as usize;
            self.rev_thread[t] = u as u32;
        }
        self.reverse_stem(u_in, u_out);
        self.pred[u_in] = p.in_arc as u32;
        self.pred_dir[u_in] = if u_in == self.source[p.in_arc] as usize {
            UP
        } else {
            DOWN
        };
        self.succ_num[u_in] = old_succ_num;
    }

    /// Shifts the potentials of the re-hung subtree so that the entering
    /// arc gets reduced cost 0. Only differences of potentials matter, so
    /// when the subtree is the larger part of the tree the rest of the
    /// tree (the rest of the thread cycle) moves the other way instead.
    pub(super) fn update_potential(&mut self, p: &Pivot) {
        let sigma = self.pi[p.v_in] - self.pi[p.u_in] - self.pred_dir[p.u_in] * self.cost[p.in_arc];
        let after = self.thread[self.last_succ[p.u_in] as usize];
        let (mut u, end, sigma) = if 2 * self.succ_num[p.u_in] as usize <= self.n + 1 {
            (p.u_in as u32, after, sigma)
        } else {
            (after, p.u_in as u32, -sigma)
        };
        while u != end {
            self.pi[u as usize] += sigma;
            u = self.thread[u as usize];
        }
    }

    /// Along the reversed stem from `u_out` down to `u_in`: tree arcs move
    /// one node down (and flip direction), subtree sizes and last
    /// successors follow.
    fn reverse_stem(&mut self, u_in: usize, u_out: usize) {
        let mut tmp_sc = 0u32;
        let tmp_ls = self.last_succ[u_out];
        let mut u = u_out;
        while u != u_in {
            let par = self.parent[u] as usize;
            self.pred[u] = self.pred[par];
            self.pred_dir[u] = -self.pred_dir[par];
            tmp_sc = tmp_sc.wrapping_add(self.succ_num[u].wrapping_sub(self.succ_num[par]));
            self.succ_num[u] = tmp_sc;
            self.last_succ[par] = tmp_ls;
            u = par;
        }
    }
}
