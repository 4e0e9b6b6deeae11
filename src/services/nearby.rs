//! Listing needs: newest first, or nearest first around a point, with keyset
//! cursors that return every item once even while needs are being added.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::cursor::{encode_key, parse_key};
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::grid::BoundingBox;
use crate::domain::{Caller, NeedStatus, Role};
use crate::i18n::Text;
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

    /// A `cursor=` this service wrote, or the one answer to any other.
    pub fn parse(text: &str) -> Result<Self, ServiceError> {
        Self::decode(text)
            .ok_or_else(|| ServiceError::field("cursor", Text::fixed("游标无效", "Invalid cursor")))
    }
}

/// A `within_km=`: more than 0 and at most 500.
pub fn check_within(within_km: f64) -> Result<f64, ServiceError> {
    if within_km.is_finite() && within_km > 0.0 && within_km <= 500.0 {
        Ok(within_km)
    } else {
        Err(ServiceError::field(
            "within_km",
            Text::fixed(
                "within_km 应大于 0 且不超过 500",
                "within_km is more than 0 and at most 500",
            ),
        ))
    }
}

/// How a list of needs is ordered.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// Newest first.
    Newest,
    /// Nearest to `origin` first, only those within `within_km` (more than
    /// 0, at most 500), each with its distance.
    Nearest { origin: GeoPoint, within_km: f64 },
}

/// A page of needs, each with its distance in metres in the nearest-first
/// order, and where the next page starts.
pub struct NeedPage {
    pub items: Vec<(need::Model, Option<i64>)>,
    pub next_cursor: Option<String>,
}

/// The needs `caller` may list, in `order`, after `after`, up to `limit`:
/// the one listing of `GET /api/v1/needs` and the volunteers' pages.
/// Volunteers see open needs only, at their rounded points (distances and
/// order too); staff see the needs in their reach at their exact points.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    mut filter: NeedFilter,
    order: Order,
    after: Option<Cursor>,
    limit: u64,
) -> Result<NeedPage, ServiceError> {
    let public = caller.role == Role::Volunteer;
    if public {
        filter.statuses = vec![NeedStatus::Open];
    } else {
        filter.regions.extend(caller.region.clone());
    }
    let rows: Vec<(need::Model, Option<i64>)> = match order {
        Order::Nearest { origin, within_km } => {
            check_within(within_km)?;
            let after = match after {
                Some(Cursor::Distance(d, id)) => Some((d, id)),
                Some(Cursor::Posted(..)) => return Err(other_order()),
                None => None,
            };
            let within_m = (within_km * 1000.0) as i64;
            nearest(db, &filter, origin, within_m, after, limit, public)
                .await?
                .into_iter()
                .map(|(n, d)| (n, Some(d)))
                .collect()
        }
        Order::Newest => {
            let after = match after {
                Some(Cursor::Posted(t, id)) => Some((t, id)),
                Some(Cursor::Distance(..)) => return Err(other_order()),
                None => None,
            };
            store::needs::newest(db, &filter, after, limit + 1)
                .await?
                .into_iter()
                .map(|n| (n, None))
                .collect()
        }
    };
    Ok(page_of(rows, limit))
}

fn other_order() -> ServiceError {
    ServiceError::field(
        "cursor",
        Text::fixed("游标与排序不符", "The cursor belongs to another order"),
    )
}

/// Up to `limit + 1` rows as a page: the extra row only says that another
/// page exists.
fn page_of(mut rows: Vec<(need::Model, Option<i64>)>, limit: u64) -> NeedPage {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().filter(|_| more).map(|(n, d)| match d {
        Some(d) => Cursor::Distance(*d, n.id).encode(),
        None => Cursor::Posted(n.posted_at, n.id).encode(),
    });
    NeedPage {
        items: rows,
        next_cursor,
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
