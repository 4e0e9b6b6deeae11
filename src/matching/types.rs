//! The solver's inputs and output, and the cost of a single pair.

pub use crate::domain::category::CategorySet;

use crate::domain::Category;
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::time::DAY_SECS;

/// A need as the solver sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeedInput {
    /// The one category of help needed.
    pub category: Category,
    /// Where; `None` when unknown, and then only the remote path can serve it.
    pub point: Option<GeoPoint>,
    /// 1, 2 or 3 (most urgent).
    pub urgency: u8,
    /// When it was posted, unix seconds.
    pub posted_at: i64,
}

/// An offer as the solver sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OfferInput {
    /// The categories the volunteer helps with.
    pub categories: CategorySet,
    /// Where the volunteer is.
    pub point: GeoPoint,
    /// `floor(1000 * radius_km)`, see [`super::radius_m_from_decimal`].
    pub radius_m: i64,
    /// Whether the volunteer also helps remotely.
    pub remote: bool,
    /// How many needs this offer takes at most.
    pub capacity: u32,
    /// The volunteer, for exclusions; one volunteer may have several offers.
    pub volunteer: u64,
}

impl OfferInput {
    /// Categories served by the remote path (distance 0).
    pub(crate) fn remote_cats(&self) -> CategorySet {
        if self.remote {
            self.categories.intersect(CategorySet::REMOTE_CAPABLE)
        } else {
            CategorySet::default()
        }
    }

    /// Categories served only on site (within the radius).
    pub(crate) fn onsite_cats(&self) -> CategorySet {
        self.categories.minus(self.remote_cats())
    }
}

/// The solver's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Solution {
    /// `(need index, offer index)`, sorted.
    pub pairs: Vec<(usize, usize)>,
    /// `pairs.len()`.
    pub matched: usize,
    /// The sum of `cost(i, j)` over the pairs.
    pub total_cost: i64,
}

/// The most days of waiting the cost weighs.
pub const MAX_DAYS_WEIGHED: i64 = 365;

/// `a_i = min(365, floor((as_of - posted_at) / 1 day))`. A need posted
/// after `as_of` has waited a negative number of days, as in docs/matching.md.
pub fn days_waited(posted_at: i64, as_of: i64) -> i64 {
    as_of
        .saturating_sub(posted_at)
        .div_euclid(DAY_SECS)
        .min(MAX_DAYS_WEIGHED)
}

/// The need's own part of every pair cost, `-1e6 * u - 1000 * a`.
pub(crate) fn need_value(need: &NeedInput, as_of: i64) -> i64 {
    -1_000_000 * i64::from(need.urgency) - 1_000 * days_waited(need.posted_at, as_of)
}

/// `Some((d, cost))` when the pair is eligible, per docs/matching.md.
pub fn eligible_cost(need: &NeedInput, offer: &OfferInput, as_of: i64) -> Option<(i64, i64)> {
    let c = need.category;
    if !offer.categories.contains(c) {
        return None;
    }
    let d = if offer.remote && c.is_remote_capable() {
        0
    } else {
        let h = haversine_m(need.point?, offer.point);
        if h > offer.radius_m {
            return None;
        }
        h
    };
    Some((d, d + need_value(need, as_of)))
}
