//! The coordinators' map of where volunteers reach: a box cut into equal
//! squares, each counting the free places of the offers whose service disc
//! holds the square's centre. Squares do not overlap, so the map shades
//! each once, and a square no offer reaches is a gap to see.

use super::geo::{GeoPoint, haversine_m};
use super::grid::BoundingBox;

/// Offers that stand together (at a grid cell's centre, never their own
/// points) and go as far: how many free places they have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub at: GeoPoint,
    pub radius_m: i64,
    pub free: i64,
}

/// A square of the heat: its centre and the free places that reach it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Square {
    pub lat: f64,
    pub lon: f64,
    pub free: i64,
}

/// The squares, of side `step` degrees, that some free place reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Heat {
    pub step: f64,
    pub squares: Vec<Square>,
}

/// Metres per degree of latitude on the matching sphere, roughly: only to
/// bound which squares a disc may touch (each is then measured).
const METRES_PER_DEGREE: f64 = 111_000.0;

/// The heat over `bbox` in squares of `step` degrees (on a grid aligned to
/// multiples of `step`), at most `max_side` to a side (the step grows to
/// keep to it).
pub fn heat(bbox: &BoundingBox, step: f64, max_side: usize, reaches: &[Reach]) -> Heat {
    let extent = (bbox.max_lat - bbox.min_lat).max(bbox.max_lon - bbox.min_lon);
    let step = step.max(extent / max_side.max(1) as f64);
    let index = |degrees: f64| (degrees / step).floor() as i64;
    let (lat_lo, lat_hi) = (index(bbox.min_lat), index(bbox.max_lat));
    let (lon_lo, lon_hi) = (index(bbox.min_lon), index(bbox.max_lon));
    let width = (lon_hi - lon_lo + 1) as usize;
    let mut free = vec![0i64; width * (lat_hi - lat_lo + 1) as usize];
    let cos = ((bbox.min_lat.abs().max(bbox.max_lat.abs())).min(89.0))
        .to_radians()
        .cos();
    for r in reaches.iter().filter(|r| r.free > 0) {
        let dlat = r.radius_m as f64 / METRES_PER_DEGREE + step;
        let dlon = dlat / cos;
        for y in index(r.at.lat - dlat).max(lat_lo)..=index(r.at.lat + dlat).min(lat_hi) {
            for x in index(r.at.lon - dlon).max(lon_lo)..=index(r.at.lon + dlon).min(lon_hi) {
                let centre = GeoPoint::new((y as f64 + 0.5) * step, (x as f64 + 0.5) * step);
                if haversine_m(r.at, centre) <= r.radius_m {
                    free[(y - lat_lo) as usize * width + (x - lon_lo) as usize] += r.free;
                }
            }
        }
    }
    let squares = free
        .iter()
        .enumerate()
        .filter(|(_, f)| **f > 0)
        .map(|(i, f)| Square {
            lat: ((i / width) as i64 + lat_lo) as f64 * step + step / 2.0,
            lon: ((i % width) as i64 + lon_lo) as f64 * step + step / 2.0,
            free: *f,
        })
        .collect();
    Heat { step, squares }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn county() -> BoundingBox {
        BoundingBox {
            min_lat: 27.0,
            max_lat: 27.2,
            min_lon: 110.4,
            max_lon: 110.6,
        }
    }

    #[test]
    fn a_square_counts_the_free_places_whose_disc_holds_its_centre() {
        let near = Reach {
            at: GeoPoint::new(27.105, 110.505),
            radius_m: 3_000,
            free: 2,
        };
        let wide = Reach {
            at: GeoPoint::new(27.005, 110.405),
            radius_m: 50_000,
            free: 5,
        };
        let full = Reach { free: 0, ..near };
        let h = heat(&county(), 0.01, 100, &[near, wide, full]);
        assert_eq!(h.step, 0.01);
        // Every square of the box is within 50 km of the wide offers.
        assert_eq!(h.squares.len(), 21 * 21);
        for s in &h.squares {
            let centre = GeoPoint::new(s.lat, s.lon);
            let expected = 5 + if haversine_m(near.at, centre) <= 3_000 {
                2
            } else {
                0
            };
            assert_eq!(s.free, expected, "{s:?}");
        }
        let own = h
            .squares
            .iter()
            .find(|s| (s.lat - 27.105).abs() < 1e-9 && (s.lon - 110.505).abs() < 1e-9)
            .expect("the near offers' own square");
        assert_eq!(own.free, 7);
    }

    #[test]
    fn nothing_reached_leaves_no_square_and_the_step_keeps_to_the_side() {
        let far = Reach {
            at: GeoPoint::new(30.0, 115.0),
            radius_m: 10_000,
            free: 3,
        };
        let h = heat(&county(), 0.001, 20, &[far]);
        assert!(h.squares.is_empty());
        assert!((h.step - 0.01).abs() < 1e-12, "0.2° over 20 squares");
    }
}
