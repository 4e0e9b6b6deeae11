//! Property tests: the solver against the reference on random small
//! instances, plus feasibility of every returned matching.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use crate::domain::Category;
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::time::DAY_SECS;

use super::reference::optimum;
use super::solve;
use super::types::{CategorySet, NeedInput, OfferInput, Solution, eligible_cost};

const AS_OF: i64 = 1_593_561_600;

/// A random instance: needs, offers, exclusions.
#[derive(Debug, Clone)]
struct Case {
    needs: Vec<NeedInput>,
    offers: Vec<OfferInput>,
    excluded: HashSet<(usize, u64)>,
}

/// Points from a small pool, so that many coincide: some a few hundred
/// metres apart, some hundreds of kilometres, so that distances can
/// outweigh urgency and a cheaper matching can be a smaller one.
fn point(pool: u8) -> impl Strategy<Value = GeoPoint> {
    (0..pool, any::<bool>()).prop_map(|(k, far)| {
        let (k, s) = (f64::from(k), if far { 8.0 } else { 0.01 });
        GeoPoint::new(27.06 + s * (k * 0.7).sin(), 110.58 + s * (k * 1.3).cos())
    })
}

fn need() -> impl Strategy<Value = NeedInput> {
    let days = prop_oneof![Just(0i64), Just(3), 0i64..5, -2i64..400, -3000i64..-900];
    (
        0..8usize,
        prop::option::weighted(0.85, point(6)),
        1u8..=3,
        days,
        0i64..DAY_SECS,
    )
        .prop_map(|(c, point, urgency, days, secs)| NeedInput {
            category: Category::ALL[c],
            point,
            urgency,
            posted_at: AS_OF - days * DAY_SECS - secs,
        })
}

fn offer() -> impl Strategy<Value = OfferInput> {
    let radius = prop_oneof![
        Just(0i64),
        0i64..3_000,
        Just(1_000),
        Just(2_500),
        0i64..2_000_000
    ];
    (
        1u8..=255,
        point(6),
        radius,
        any::<bool>(),
        1u32..=3,
        0u64..4,
    )
        .prop_map(
            |(cats, point, radius_m, remote, capacity, volunteer)| OfferInput {
                categories: CategorySet(cats),
                point,
                radius_m,
                remote,
                capacity,
                volunteer,
            },
        )
}

fn case() -> impl Strategy<Value = Case> {
    sized_case(9, 7)
}

/// Instances with up to `n` needs and `m` offers.
fn sized_case(n: usize, m: usize) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(need(), 0..n),
        prop::collection::vec(offer(), 0..m),
        any::<u64>(),
        0u8..4,
    )
        .prop_map(|(needs, mut offers, seed, tweak)| {
            // Put some radii exactly on a need's distance, the boundary case.
            let first_point = needs.iter().find_map(|n| n.point);
            if let Some(p) = first_point.filter(|_| tweak == 1 && !offers.is_empty()) {
                let k = seed as usize % offers.len();
                let o = &mut offers[k];
                o.radius_m = haversine_m(p, o.point);
            }
            let mut excluded = HashSet::new();
            if tweak >= 2 {
                for k in 0..needs.len() {
                    if (seed >> (k % 64)) & 3 == 0 {
                        excluded.insert((k, (seed >> ((k + 7) % 60)) % 4));
                    }
                }
            }
            Case {
                needs,
                offers,
                excluded,
            }
        })
}

/// Every pair eligible, not excluded; needs once; capacities kept; the
/// reported totals are those of the pairs.
fn assert_feasible(c: &Case, sol: &Solution) {
    let mut seen = HashSet::new();
    let mut load: HashMap<usize, u32> = HashMap::new();
    let mut total = 0;
    for &(i, j) in &sol.pairs {
        assert!(seen.insert(i), "need {i} matched twice");
        *load.entry(j).or_default() += 1;
        assert!(load[&j] <= c.offers[j].capacity, "offer {j} over capacity");
        assert!(
            !c.excluded.contains(&(i, c.offers[j].volunteer)),
            "excluded pair {i},{j}"
        );
        let (_, cost) = eligible_cost(&c.needs[i], &c.offers[j], AS_OF).expect("eligible pair");
        total += cost;
    }
    assert_eq!(sol.matched, sol.pairs.len());
    assert_eq!(sol.total_cost, total);
    assert!(sol.pairs.windows(2).all(|w| w[0] < w[1]), "pairs sorted");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn solver_finds_the_reference_optimum(c in case()) {
        let sol = solve(&c.needs, &c.offers, AS_OF, &c.excluded);
        assert_feasible(&c, &sol);
        let (matched, cost) = optimum(&c.needs, &c.offers, AS_OF, &c.excluded);
        prop_assert_eq!((sol.matched, sol.total_cost), (matched, cost));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    // Larger instances make the greedy start wrong more often, which
    // exercises the pricing rounds and the release of frozen needs.
    #[test]
    fn solver_finds_the_reference_optimum_on_larger_instances(c in sized_case(60, 25)) {
        let sol = solve(&c.needs, &c.offers, AS_OF, &c.excluded);
        assert_feasible(&c, &sol);
        let (matched, cost) = optimum(&c.needs, &c.offers, AS_OF, &c.excluded);
        prop_assert_eq!((sol.matched, sol.total_cost), (matched, cost));
    }
}

#[test]
fn the_same_input_gives_the_same_pairs() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..50 {
        let c = case().new_tree(&mut runner).expect("a case").current();
        let a = solve(&c.needs, &c.offers, AS_OF, &c.excluded);
        let b = solve(&c.needs, &c.offers, AS_OF, &c.excluded);
        assert_eq!(a, b);
    }
}

#[test]
fn an_empty_side_matches_nothing() {
    let n = NeedInput {
        category: Category::Care,
        point: None,
        urgency: 3,
        posted_at: AS_OF,
    };
    assert_eq!(solve(&[n], &[], AS_OF, &HashSet::new()).matched, 0);
    assert_eq!(solve(&[], &[], AS_OF, &HashSet::new()), Solution::default());
}

#[test]
fn a_need_without_a_point_is_served_only_remotely() {
    let p = GeoPoint::new(27.0, 110.0);
    let need = |c| NeedInput {
        category: c,
        point: None,
        urgency: 1,
        posted_at: AS_OF,
    };
    let offer = OfferInput {
        categories: [Category::Care, Category::Living].into_iter().collect(),
        point: p,
        radius_m: 50_000,
        remote: true,
        capacity: 5,
        volunteer: 1,
    };
    let sol = solve(
        &[need(Category::Care), need(Category::Living)],
        &[offer],
        AS_OF,
        &HashSet::new(),
    );
    assert_eq!(sol.pairs, vec![(1, 0)]);
    assert_eq!(sol.total_cost, -1_000_000);
}

#[test]
fn needs_the_greedy_start_leaves_out_are_still_matched() {
    // Two urgent needs reach both offers and greedily take the nearer one,
    // X, which is the only one the two other needs reach. The optimum
    // sends the urgent needs to Y and matches all four.
    let care = |lat: f64, urgency: u8, days: i64| NeedInput {
        category: Category::Care,
        point: Some(GeoPoint::new(lat, 110.0)),
        urgency,
        posted_at: AS_OF - days * DAY_SECS,
    };
    let offer = |lat: f64, radius_m: i64, volunteer: u64| OfferInput {
        categories: [Category::Care].into_iter().collect(),
        point: GeoPoint::new(lat, 110.0),
        radius_m,
        remote: false,
        capacity: 2,
        volunteer,
    };
    let needs = [
        care(27.01, 3, 1),
        care(27.01, 3, 2),
        care(26.98, 1, 3),
        care(26.98, 1, 4),
    ];
    let offers = [offer(27.0, 5_000, 1), offer(27.03, 4_000, 2)];
    let sol = solve(&needs, &offers, AS_OF, &HashSet::new());
    assert_eq!(sol.pairs, vec![(0, 1), (1, 1), (2, 0), (3, 0)]);
    let (matched, cost) = optimum(&needs, &offers, AS_OF, &HashSet::new());
    assert_eq!((sol.matched, sol.total_cost), (matched, cost));
}
