//! Listing needs: newest first, or nearest first around a point, with keyset
//! cursors that return every item once even while needs are being added.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::cursor::{encode_key, parse_key};
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::grid::BoundingBox;
use crate::store::{self, entity::need, needs::NeedFilter};

/// Where a page of needs continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// After `(posted_at, id)`, newest first.
    Posted(i64, Uuid),
    /// After `(distance in metres, id)`, nearest first.
    Distance(i64, Uuid),
}

impl Cursor {
    /// The key cursor (`domain::cursor`) tagged with its order: `p…` or `d…`.
    pub fn encode(&self) -> String {
        match self {
            Self::Posted(t, id) => format!("p{}", encode_key(*t, *id)),
            Self::Distance(d, id) => format!("d{}", encode_key(*d, *id)),
        }
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (kind, key) = text.split_at_checked(1)?;
        let (number, id) = parse_key(key)?;
        match kind {
            "p" => Some(Self::Posted(number, id)),
            "d" if number >= 0 => Some(Self::Distance(number, id)),
            _ => None,
        }
    }
}

/// Rounds a coordinate to 2 decimals (about 1 km): what volunteers see.
pub fn coarse(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Metres as the kilometres people are shown: to 0.1 km.
pub fn shown_km(distance_m: i64) -> f64 {
    (distance_m as f64 / 100.0).round() / 10.0
}

/// A point rounded to 2 decimals: all that a volunteer may learn of a
/// household's place, and a cadre of a volunteer's (PRODUCT.md, Privacy).
pub fn rounded(p: GeoPoint) -> GeoPoint {
    GeoPoint::new(coarse(p.lat), coarse(p.lon))
}

/// How far a rounded point can lie from its exact one: half a hundredth of
/// a degree each way is at most 556 m north–south and as much east–west,
/// 786 m across.
pub const ROUNDING_SLACK_M: f64 = 800.0;

/// A page of needs nearest to `origin` within `within_m`, after `after`.
/// Searches a growing circle until it holds a full page, so that a dense
/// county costs a few cells, not a scan. Returns up to `limit + 1` needs.
#[tracing::instrument(skip_all)]
pub async fn nearest(
    db: &impl sea_orm::ConnectionTrait,
    filter: &NeedFilter,
    origin: GeoPoint,
    within_m: i64,
    after: Option<(i64, Uuid)>,
    limit: u64,
    coarse_points: bool,
) -> Result<Vec<(need::Model, i64)>, ServiceError> {
    // The index holds exact points; the rounded ones are ranked.
    let slack = if coarse_points { ROUNDING_SLACK_M } else { 0.0 };
    let start = after.map_or(0, |(d, _)| d);
    let mut radius = (start + 1_000).min(within_m);
    loop {
        let bbox = BoundingBox::around(origin.lat, origin.lon, radius as f64 + slack);
        let points = store::needs::points_in_box(db, filter, &bbox).await?;
        let mut found: Vec<(i64, Uuid)> = points
            .into_iter()
            .filter_map(|(id, lat, lon)| {
                let exact = GeoPoint::new(lat, lon);
                let point = if coarse_points { rounded(exact) } else { exact };
                let d = haversine_m(origin, point);
                let past_cursor = after.is_none_or(|(ad, aid)| (d, id) > (ad, aid));
                (d <= radius && past_cursor).then_some((d, id))
            })
            .collect();
        if found.len() as u64 > limit || radius >= within_m {
            found.sort_unstable();
            found.truncate(limit as usize + 1);
            let ids: Vec<Uuid> = found.iter().map(|(_, id)| *id).collect();
            let mut rows: std::collections::HashMap<Uuid, need::Model> =
                store::needs::by_ids(db, &ids)
                    .await?
                    .into_iter()
                    .map(|n| (n.id, n))
                    .collect();
            return Ok(found
                .into_iter()
                .filter_map(|(d, id)| Some((rows.remove(&id)?, d)))
                .collect());
        }
        radius = (radius * 4).min(within_m);
    }
}
