//! Which grid cells an offer's service disc covers, so that "which offers can
//! reach this point" is one indexed lookup of the point's cells instead of a
//! search per radius.
//!
//! One fine grid would need thousands of cells for a 200 km disc, so there
//! are levels: level `k` has square cells of `0.01 × 2^k` degrees, and a
//! disc is covered at the smallest level whose cells are at least as tall as
//! its radius (at most 3 × 3 cells, a few more at high latitudes). A point
//! lies in exactly one cell of each level, so its lookup is [`LEVELS`] keys.

use super::geo::EARTH_RADIUS_M;
use crate::domain::grid::BoundingBox;

/// The number of levels: level 11 has cells of 20.48°, taller than the
/// longest radius (200 km) many times over.
pub const LEVELS: u32 = 12;

/// The most cells one disc is covered with; past that, the next level.
const MAX_CELLS: usize = 64;

/// Metres per degree of latitude on docs/matching.md's sphere.
fn metres_per_degree() -> f64 {
    EARTH_RADIUS_M * std::f64::consts::PI / 180.0
}

fn cell_degrees(level: u32) -> f64 {
    0.01 * f64::from(1u32 << level)
}

/// The row and column of a point's cell at `level`. The same expression for
/// points and box corners: it is monotone, so a point inside a box falls in
/// a cell between the corners' cells.
fn index(level: u32, lat: f64, lon: f64) -> (i64, i64) {
    let size = cell_degrees(level);
    (
        ((lat + 90.0) / size).floor() as i64,
        ((lon + 180.0) / size).floor() as i64,
    )
}

/// One key per (level, row, column); columns stay below 10^5 and rows below
/// 10^5, so keys of different levels never meet.
fn key(level: u32, row: i64, col: i64) -> i64 {
    i64::from(level) * 10_000_000_000 + row * 100_000 + col
}

/// The keys of the cells holding a point, one per level.
#[cfg(test)]
fn point_keys(lat: f64, lon: f64) -> Vec<i64> {
    (0..LEVELS)
        .map(|level| {
            let (row, col) = index(level, lat, lon);
            key(level, row, col)
        })
        .collect()
}

/// The keys of the cells a box touches, at every level: a disc that reaches
/// any point of the box shares one of them with its cover. A box a few
/// hundred metres wide touches a few cells of the finest level and one or
/// two of each coarser one.
pub fn box_keys(bbox: &BoundingBox) -> Vec<i64> {
    let mut keys = Vec::new();
    for level in 0..LEVELS {
        let (row_lo, col_lo) = index(level, bbox.min_lat, bbox.min_lon);
        let (row_hi, col_hi) = index(level, bbox.max_lat, bbox.max_lon);
        for row in row_lo..=row_hi {
            keys.extend((col_lo..=col_hi).map(|col| key(level, row, col)));
        }
    }
    keys
}

/// A disc's cover: the box that holds it and the keys of the cells that
/// box touches.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub bbox: BoundingBox,
    pub keys: Vec<i64>,
}

/// The cells covering every point whose docs/matching.md distance (rounded to the
/// metre) from (lat, lon) is at most `radius_m`.
pub fn disc_cover(lat: f64, lon: f64, radius_m: i64) -> Cover {
    // A distance that rounds down to the radius can be half a metre more.
    let bbox = BoundingBox::around(lat, lon, radius_m as f64 + 1.0);
    let mut level = 0;
    while level + 1 < LEVELS && cell_degrees(level) * metres_per_degree() < radius_m as f64 {
        level += 1;
    }
    loop {
        let (row_lo, col_lo) = index(level, bbox.min_lat, bbox.min_lon);
        let (row_hi, col_hi) = index(level, bbox.max_lat, bbox.max_lon);
        let count = ((row_hi - row_lo + 1) * (col_hi - col_lo + 1)) as usize;
        if count <= MAX_CELLS || level + 1 == LEVELS {
            let keys = (row_lo..=row_hi)
                .flat_map(|row| (col_lo..=col_hi).map(move |col| key(level, row, col)))
                .collect();
            return Cover { bbox, keys };
        }
        level += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::{GeoPoint, haversine_m};
    use rand::{Rng, SeedableRng};

    #[test]
    fn every_point_a_disc_reaches_shares_a_cell_with_its_cover() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..300 {
            let centre = GeoPoint::new(
                rng.random_range(-80.0..80.0),
                rng.random_range(-150.0..150.0),
            );
            let radius_m = *[1, 999, 3_000, 10_000, 50_000, 200_000]
                .get(rng.random_range(0..6))
                .unwrap_or(&1);
            let cover = disc_cover(centre.lat, centre.lon, radius_m);
            assert!(cover.keys.len() <= MAX_CELLS, "{}", cover.keys.len());
            let reach = radius_m as f64 / metres_per_degree() * 1.2;
            for _ in 0..200 {
                let p = GeoPoint::new(
                    centre.lat + rng.random_range(-reach..reach),
                    centre.lon + rng.random_range(-reach..reach) / centre.lat.to_radians().cos(),
                );
                if haversine_m(centre, p) <= radius_m {
                    assert!(
                        cover.bbox.contains(p.lat, p.lon),
                        "{centre:?} {radius_m} {p:?}"
                    );
                    let keys = point_keys(p.lat, p.lon);
                    assert!(
                        keys.iter().any(|k| cover.keys.contains(k)),
                        "{centre:?} {p:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_disc_that_reaches_into_a_box_shares_a_cell_with_the_box() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for _ in 0..2_000 {
            let centre = GeoPoint::new(
                rng.random_range(-70.0..70.0),
                rng.random_range(-150.0..150.0),
            );
            let radius_m = *[1, 999, 3_000, 10_000, 50_000]
                .get(rng.random_range(0..5))
                .unwrap_or(&1);
            let cover = disc_cover(centre.lat, centre.lon, radius_m);
            // A point of the disc, and a box of 800 m around a point near it.
            let reach = radius_m as f64 / metres_per_degree();
            let inside = GeoPoint::new(
                centre.lat + rng.random_range(-reach..=reach) * 0.7,
                centre.lon + rng.random_range(-reach..=reach) * 0.7 / centre.lat.to_radians().cos(),
            );
            if haversine_m(centre, inside) > radius_m {
                continue;
            }
            let near = GeoPoint::new(
                inside.lat + rng.random_range(-0.005..0.005),
                inside.lon + rng.random_range(-0.005..0.005),
            );
            let bbox = BoundingBox::around(near.lat, near.lon, 800.0);
            if !bbox.contains(inside.lat, inside.lon) {
                continue;
            }
            let keys = box_keys(&bbox);
            assert!(keys.len() <= 64, "{}", keys.len());
            assert!(
                keys.iter().any(|k| cover.keys.contains(k)),
                "{centre:?} {radius_m} {near:?}"
            );
        }
    }

    #[test]
    fn a_county_radius_is_covered_by_a_few_cells() {
        for radius_m in [3_000, 10_000, 30_000, 200_000] {
            let cover = disc_cover(27.06, 110.58, radius_m);
            assert!(cover.keys.len() <= 16, "{radius_m}: {}", cover.keys.len());
        }
    }

    #[test]
    fn the_levels_of_a_point_have_distinct_keys() {
        let mut keys = point_keys(-89.99, 179.99);
        keys.dedup();
        assert_eq!(keys.len(), LEVELS as usize);
    }
}
