//! Points on the earth and the distances between them, exactly as
//! docs/matching.md (and its Python checker) computes them: the matching
//! solver, the nearby search and the offer cover all measure with these.
//! Also the ranges a coordinate sent in a request must lie in.

use super::FieldError;
use super::fields::AllFields;
use crate::i18n::Text;

/// Earth radius of docs/matching.md, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 location in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

impl GeoPoint {
    /// A point from latitude and longitude in degrees.
    pub fn new(lat: f64, lon: f64) -> Self {
        GeoPoint { lat, lon }
    }

    /// A key that is equal exactly when the two coordinates are bit-equal,
    /// which is when every distance from them is equal.
    pub(crate) fn key(self) -> (u64, u64) {
        (self.lat.to_bits(), self.lon.to_bits())
    }
}

/// A latitude sent as a number: finite, from -90 to 90 degrees.
pub fn latitude(degrees: f64) -> Result<f64, Text> {
    (degrees.is_finite() && degrees.abs() <= 90.0)
        .then_some(degrees)
        .ok_or(Text::fixed(
            "纬度应在 -90 到 90 之间",
            "lat is from -90 to 90",
        ))
}

/// A longitude sent as a number: finite, from -180 to 180 degrees.
pub fn longitude(degrees: f64) -> Result<f64, Text> {
    (degrees.is_finite() && degrees.abs() <= 180.0)
        .then_some(degrees)
        .ok_or(Text::fixed(
            "经度应在 -180 到 180 之间",
            "lon is from -180 to 180",
        ))
}

/// A point from a request's optional numbers: both or neither, each in
/// range; the error names the field at fault.
pub fn point_of(lat: Option<f64>, lon: Option<f64>) -> Result<Option<(f64, f64)>, Vec<FieldError>> {
    let one = |field: &str, zh, en| Err(vec![FieldError::new(field, Text::fixed(zh, en))]);
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(_), None) => one("lon", "缺少经度", "lon is required with lat"),
        (None, Some(_)) => one("lat", "缺少纬度", "lat is required with lon"),
        (Some(lat), Some(lon)) => (("lat", latitude(lat)), ("lon", longitude(lon)))
            .all()
            .map(Some),
    }
}

/// Haversine distance in whole metres, `floor(h + 0.5)`.
///
/// The checker squares with `x ** 2`, i.e. libm `pow`, which differs from
/// `x * x` in the last bit for about 0.1 % of inputs. That bit moves `h` by
/// far less than a micrometre, so `x * x` is used unless `h` lies within
/// 1e-4 m of a rounding boundary, where the `pow` form decides.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> i64 {
    haversine_prepared(&Prepared::new(a), &Prepared::new(b))
}

/// A point with its latitude in radians and that latitude's cosine,
/// computed once for many distances (the same operations, so the same bits).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prepared {
    pub lat: f64,
    pub lon: f64,
    phi: f64,
    cos_phi: f64,
}

impl Prepared {
    pub(crate) fn new(p: GeoPoint) -> Self {
        let phi = p.lat.to_radians();
        Prepared {
            lat: p.lat,
            lon: p.lon,
            phi,
            cos_phi: phi.cos(),
        }
    }
}

/// [`haversine_m`] between prepared points.
pub(crate) fn haversine_prepared(a: &Prepared, b: &Prepared) -> i64 {
    let h = haversine_raw(a, b, |x| x * x);
    let frac = (h + 0.5) - (h + 0.5).floor();
    if !(1e-4..=1.0 - 1e-4).contains(&frac) {
        // `black_box` keeps LLVM from folding `powf(x, 2.0)` into `x * x`.
        let two = std::hint::black_box(2.0_f64);
        return (haversine_raw(a, b, |x| x.powf(two)) + 0.5).floor() as i64;
    }
    (h + 0.5).floor() as i64
}

/// The checker's formula, term for term: `dp` is a difference of
/// radians, `dl` the radians of a difference.
fn haversine_raw(a: &Prepared, b: &Prepared, sq: impl Fn(f64) -> f64) -> f64 {
    let dp = b.phi - a.phi;
    let dl = (b.lon - a.lon).to_radians();
    let x = sq((dp / 2.0).sin()) + a.cos_phi * b.cos_phi * sq((dl / 2.0).sin());
    2.0 * EARTH_RADIUS_M * x.sqrt().min(1.0).asin()
}

/// A lower bound, in metres, on the distance of two points whose latitudes
/// differ by `dlat_deg` degrees (a meridian arc is the shortest way between
/// two latitudes). Used to skip far pairs without computing them.
pub(crate) fn lat_gap_m(dlat_deg: f64) -> f64 {
    EARTH_RADIUS_M * dlat_deg.abs().to_radians()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_is_both_coordinates_or_neither_and_each_fault_is_named() {
        assert_eq!(point_of(None, None), Ok(None));
        assert_eq!(point_of(Some(27.1), Some(110.6)), Ok(Some((27.1, 110.6))));
        let fields = |r: Result<_, Vec<FieldError>>| -> Vec<String> {
            r.expect_err("bad").into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(point_of(Some(27.1), None)), ["lon"]);
        assert_eq!(fields(point_of(None, Some(110.6))), ["lat"]);
        assert_eq!(fields(point_of(Some(91.0), Some(181.0))), ["lat", "lon"]);
        assert_eq!(fields(point_of(Some(f64::NAN), Some(110.6))), ["lat"]);
    }

    #[test]
    fn haversine_of_a_point_to_itself_is_zero() {
        let p = GeoPoint::new(27.06, 110.58);
        assert_eq!(haversine_m(p, p), 0);
    }

    #[test]
    fn haversine_matches_the_python_checker() {
        // Values printed by check_matching.haversine_m for the same inputs.
        let seat = GeoPoint::new(27.06, 110.58);
        assert_eq!(haversine_m(seat, GeoPoint::new(27.06, 110.59)), 990);
        assert_eq!(haversine_m(seat, GeoPoint::new(22.543, 114.058)), 612_707);
        assert_eq!(
            haversine_m(GeoPoint::new(0.0, 0.0), GeoPoint::new(0.0, 180.0)),
            20_015_114
        );
    }

    #[test]
    fn haversine_rounds_halves_up() {
        // 1 degree of longitude at the equator is 111 195.08 m.
        let a = GeoPoint::new(0.0, 0.0);
        let d = haversine_m(a, GeoPoint::new(0.0, 1.0));
        assert_eq!(d, 111_195);
    }

    #[test]
    fn coordinates_are_finite_and_within_their_range() {
        let cases = [
            (0.0, true, true),
            (90.0, true, true),
            (-90.0, true, true),
            (90.5, false, true),
            (180.0, false, true),
            (-180.0, false, true),
            (180.01, false, false),
            (f64::NAN, false, false),
            (f64::INFINITY, false, false),
        ];
        for (degrees, lat_ok, lon_ok) in cases {
            assert_eq!(latitude(degrees).is_ok(), lat_ok, "lat {degrees}");
            assert_eq!(longitude(degrees).is_ok(), lon_ok, "lon {degrees}");
        }
    }
}
