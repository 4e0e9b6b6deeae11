//! A 0.01-degree grid over the globe, so that "near me" questions become
//! index lookups of a few cells instead of scans.

use super::geo::EARTH_RADIUS_M;

/// Cells per degree.
const PER_DEGREE: f64 = 100.0;
const LON_CELLS: i64 = 360 * 100 + 1;

/// The cell holding a point.
pub fn cell_of(lat: f64, lon: f64) -> i64 {
    let lat_i = (lat * PER_DEGREE).floor() as i64 + 90 * 100;
    let lon_i = (lon * PER_DEGREE).floor() as i64 + 180 * 100;
    lat_i * LON_CELLS + lon_i
}

/// The centre of a cell, as (lat, lon).
pub fn cell_centre(cell: i64) -> (f64, f64) {
    let lat_i = cell.div_euclid(LON_CELLS) - 90 * 100;
    let lon_i = cell.rem_euclid(LON_CELLS) - 180 * 100;
    (
        (lat_i as f64 + 0.5) / PER_DEGREE,
        (lon_i as f64 + 0.5) / PER_DEGREE,
    )
}

/// A latitude/longitude box, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    /// A box that holds every point within `radius_m` of (lat, lon), on
    /// docs/matching.md's sphere, with a little slack against rounding.
    pub fn around(lat: f64, lon: f64, radius_m: f64) -> Self {
        let slack = 1.001;
        let dlat = (radius_m * slack / EARTH_RADIUS_M).to_degrees();
        let max_abs_lat = (lat.abs() + dlat).min(89.9);
        let dlon = (dlat / max_abs_lat.to_radians().cos()).min(180.0);
        Self {
            min_lat: (lat - dlat).max(-90.0),
            max_lat: (lat + dlat).min(90.0),
            min_lon: (lon - dlon).max(-180.0),
            max_lon: (lon + dlon).min(180.0),
        }
    }

    /// The cells the box touches, or `None` when there are more than `max`.
    pub fn cells(&self, max: usize) -> Option<Vec<i64>> {
        let lat_lo = (self.min_lat * PER_DEGREE).floor() as i64;
        let lat_hi = (self.max_lat * PER_DEGREE).floor() as i64;
        let lon_lo = (self.min_lon * PER_DEGREE).floor() as i64;
        let lon_hi = (self.max_lon * PER_DEGREE).floor() as i64;
        let count = ((lat_hi - lat_lo + 1) * (lon_hi - lon_lo + 1)) as usize;
        if count > max {
            return None;
        }
        let mut cells = Vec::with_capacity(count);
        for lat_i in lat_lo..=lat_hi {
            for lon_i in lon_lo..=lon_hi {
                cells.push((lat_i + 90 * 100) * LON_CELLS + lon_i + 180 * 100);
            }
        }
        Some(cells)
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::{GeoPoint, haversine_m};

    #[test]
    fn a_cell_centre_lies_in_its_cell_within_half_a_cell_of_the_point() {
        for (lat, lon) in [
            (27.0612, 110.5793),
            (-33.87, 151.21),
            (0.004, -0.004),
            (89.99, 179.99),
        ] {
            let (c_lat, c_lon) = cell_centre(cell_of(lat, lon));
            assert_eq!(cell_of(c_lat, c_lon), cell_of(lat, lon));
            assert!((c_lat - lat).abs() <= 0.005 + 1e-9, "{lat} → {c_lat}");
            assert!((c_lon - lon).abs() <= 0.005 + 1e-9, "{lon} → {c_lon}");
        }
    }

    #[test]
    fn every_point_within_the_radius_lies_in_a_cell_of_the_box() {
        let (lat, lon) = (27.06, 110.58);
        let radius = 10_000.0;
        let bbox = BoundingBox::around(lat, lon, radius);
        let cells = bbox.cells(10_000).expect("few cells");
        let centre = GeoPoint::new(lat, lon);
        for i in 0..400 {
            for j in 0..400 {
                let p = GeoPoint::new(lat - 0.2 + i as f64 * 0.001, lon - 0.2 + j as f64 * 0.001);
                if haversine_m(centre, p) as f64 <= radius {
                    assert!(bbox.contains(p.lat, p.lon), "{p:?}");
                    assert!(cells.contains(&cell_of(p.lat, p.lon)), "{p:?}");
                }
            }
        }
    }

    #[test]
    fn a_huge_box_declines_to_list_its_cells() {
        assert!(
            BoundingBox::around(27.0, 110.0, 500_000.0)
                .cells(2_000)
                .is_none()
        );
    }
}
