//! Which on-site arcs go into the first network.
//!
//! A greedy matching picks them: need units in order of value (best
//! first) take their hub if it has capacity left, else the nearest ladder
//! with capacity left. The network starts with the arcs the greedy used
//! plus each class's few nearest ladders; pricing then adds whatever the
//! optimum of the full graph needs on top, so this choice only affects
//! speed, never the result.

use crate::domain::Category;

use super::{Core, PoolArc};

/// Nearest ladders every class keeps besides those the greedy used.
const NEAREST: usize = 2;

/// Marks the pool arcs of the first network.
/// Also returns, per core, how many of its needs the greedy matched.
pub(crate) fn initial(
    pool: &[PoolArc],
    cores: &[Core],
    ladder_cap: &[u64],
    hub_cap: &[u64; Category::COUNT],
) -> (Vec<bool>, Vec<u32>) {
    let mut on = vec![false; pool.len()];
    let (first, by_class) = by_class_nearest_first(pool, cores.len());
    let mut units: Vec<(i64, u32)> = Vec::new();
    for (k, core) in cores.iter().enumerate() {
        for (_, v, list) in &core.groups {
            units.extend(std::iter::repeat_n((*v, k as u32), list.len()));
        }
    }
    units.sort_unstable();
    let mut hub_left = *hub_cap;
    let mut ladder_left = ladder_cap.to_vec();
    let mut cursor: Vec<usize> = first[..cores.len()].to_vec();
    let mut matched = vec![0u32; cores.len()];
    for &(_, k) in &units {
        let k = k as usize;
        if let Some(c) = cores[k].hub_cat.filter(|&c| hub_left[c] > 0) {
            hub_left[c] -= 1;
            matched[k] += 1;
            continue;
        }
        let end = first[k + 1];
        while cursor[k] < end
            && ladder_left[pool[by_class[cursor[k]] as usize].ladder as usize] == 0
        {
            cursor[k] += 1;
        }
        if cursor[k] < end {
            let p = by_class[cursor[k]] as usize;
            ladder_left[pool[p].ladder as usize] -= 1;
            on[p] = true;
            matched[k] += 1;
        }
    }
    for k in 0..cores.len() {
        for &p in &by_class[first[k]..first[k + 1].min(first[k] + NEAREST)] {
            on[p as usize] = true;
        }
    }
    (on, matched)
}

/// Pool arc indices grouped by class (CSR offsets), nearest first.
fn by_class_nearest_first(pool: &[PoolArc], n_classes: usize) -> (Vec<usize>, Vec<u32>) {
    let mut first = vec![0usize; n_classes + 1];
    for p in pool {
        first[p.class as usize + 1] += 1;
    }
    for k in 0..n_classes {
        first[k + 1] += first[k];
    }
    let mut fill = first.clone();
    // Distances fit in 32 bits (half the equator is 2e7 m), so one u64
    // sorts by distance, then index.
    let mut keys = vec![0u64; pool.len()];
    for (i, p) in pool.iter().enumerate() {
        keys[fill[p.class as usize]] = (u64::from(p.h) << 32) | i as u64;
        fill[p.class as usize] += 1;
    }
    // Sorting is per class, so two threads take half the classes each.
    let mid = n_classes / 2;
    let (left, right) = keys.split_at_mut(first[mid]);
    let sort = |part: &mut [u64], classes: std::ops::Range<usize>, base: usize| {
        for k in classes {
            part[first[k] - base..first[k + 1] - base].sort_unstable();
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| sort(right, mid..n_classes, first[mid]));
        sort(left, 0..mid, 0);
    });
    (first, keys.into_iter().map(|k| k as u32).collect())
}
