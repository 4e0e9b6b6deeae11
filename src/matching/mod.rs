//! The matching problem of MATCHING.md: eligibility, distance and cost of a
//! pair. (The solver itself joins this module.)

// Parts of these serve the solver, which joins this module next.
#[allow(dead_code)]
mod geo;
#[allow(dead_code)]
mod types;

pub use geo::{EARTH_RADIUS_M, GeoPoint, RadiusError, haversine_m, radius_m_from_decimal};
pub use types::{CategorySet, NeedInput, OfferInput, Solution, days_waited, eligible_cost};
