//! On-site reach between need classes and offer points.
//!
//! A *ladder* is one offer point and one on-site category; its rungs are
//! the distinct radii of the offers there. A need class at distance `h`
//! enters the ladder at the smallest radius `>= h` and can climb to every
//! larger one for free, so it needs one arc per ladder instead of one per
//! offer class.

use crate::domain::Category;
use crate::domain::geo::{GeoPoint, Prepared, haversine_prepared, lat_gap_m};
use crate::matching::fxhash::FxHashMap;
use crate::matching::types::OfferInput;

use super::PoolArc;

/// One (offer point, category) ladder.
pub(crate) struct Ladder {
    pub point: GeoPoint,
    pub category: Category,
    /// Distinct radii of the offers on it, ascending.
    pub radii: Vec<i64>,
    /// The smallest distance to any need point of the category.
    pub dmin: i64,
}

/// A need point of one category: coordinates and whose it is.
#[derive(Clone, Copy)]
pub(crate) struct NeedPoint {
    pub point: Prepared,
    /// A need class index, or `u32::MAX` for a point only used for `dmin`.
    pub class: u32,
}

/// The ladders of all offers with capacity, keyed by (point, category).
pub(crate) fn build_ladders(offers: &[OfferInput]) -> (Vec<Ladder>, FxHashMap<LadderKey, u32>) {
    let mut ladders: Vec<Ladder> = Vec::new();
    let mut index = FxHashMap::default();
    for o in offers.iter().filter(|o| o.capacity > 0) {
        for c in o.onsite_cats().iter() {
            let id = *index.entry((o.point.key(), c)).or_insert_with(|| {
                ladders.push(Ladder {
                    point: o.point,
                    category: c,
                    radii: Vec::new(),
                    dmin: i64::MAX,
                });
                (ladders.len() - 1) as u32
            });
            ladders[id as usize].radii.push(o.radius_m);
        }
    }
    for l in &mut ladders {
        l.radii.sort_unstable();
        l.radii.dedup();
    }
    (ladders, index)
}

/// Ladder key: the offer point's bits and the category.
pub(crate) type LadderKey = ((u64, u64), Category);

/// Finds every (need class, ladder) pair within the ladder's largest
/// radius (as pool arcs, rung still unset) and sets each ladder's `dmin`. `points[c]` are the need points of
/// category `c`; they are sorted here by latitude for a band search. The
/// ladders are split between two threads; the result is in ladder order,
/// whatever the thread count.
pub(crate) fn reach(
    ladders: &mut [Ladder],
    points: &mut [Vec<NeedPoint>; Category::COUNT],
) -> Vec<PoolArc> {
    for p in points.iter_mut() {
        p.sort_by(|a, b| {
            a.point
                .lat
                .total_cmp(&b.point.lat)
                .then(a.class.cmp(&b.class))
        });
    }
    let points = &*points;
    let half = ladders.len() / 2;
    let (left, right) = ladders.split_at_mut(half);
    let (mut out, tail) = std::thread::scope(|s| {
        let t = s.spawn(|| reach_range(right, half, points));
        (
            reach_range(left, 0, points),
            t.join().expect("reach thread"),
        )
    });
    out.extend(tail);
    out
}

/// [`reach`] for `ladders`, the first of which has id `first_id`.
fn reach_range(
    ladders: &mut [Ladder],
    first_id: usize,
    points: &[Vec<NeedPoint>; Category::COUNT],
) -> Vec<PoolArc> {
    let mut out = Vec::new();
    for (k, l) in ladders.iter_mut().enumerate() {
        let pts = &points[l.category.index()];
        let q = Prepared::new(l.point);
        let rmax = *l.radii.last().expect("a ladder has a radius");
        // The lat gap is a lower bound on the distance; 1 m of slack covers
        // rounding to whole metres.
        let reach_m = rmax as f64 + 1.0;
        let lo = pts.partition_point(|p| {
            p.point.lat < l.point.lat && lat_gap_m(l.point.lat - p.point.lat) > reach_m
        });
        for p in &pts[lo..] {
            if p.point.lat > l.point.lat && lat_gap_m(p.point.lat - l.point.lat) > reach_m {
                break;
            }
            let h = haversine_prepared(&p.point, &q);
            if h > rmax {
                continue;
            }
            l.dmin = l.dmin.min(h);
            if p.class != u32::MAX {
                // Distances fit in 32 bits: half the equator is 2e7 m.
                let ladder = (first_id + k) as u32;
                out.push(PoolArc {
                    class: p.class,
                    ladder,
                    rung: 0,
                    h: h as u32,
                });
            }
        }
    }
    out
}
