//! An offer as a volunteer writes it: what they give, where, how far they
//! go, how many needs at once and until when. Each field parses once at the
//! edge (the API, and the pages that will post the same form), with the
//! errors named as the request names its fields; the offers service takes
//! only what passed, as a [`NewOffer`] or [`OfferChanges`].

use super::decimal::Decimal;
use super::fields::AllFields;
use super::geo::{GeoPoint, latitude, longitude, point_of};
use super::{Category, CategorySet, FieldError};
use crate::i18n::Text;

#[cfg(test)]
mod tests;

/// A new offer, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOffer {
    pub categories: CategorySet,
    pub point: GeoPoint,
    pub radius: Radius,
    /// Whether the volunteer also helps from afar, in the categories that allow it.
    pub remote: bool,
    pub capacity: Capacity,
    pub available_until: Option<AvailableUntil>,
}

/// Changes to an offer, each checked; `None` keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferChanges {
    pub categories: Option<CategorySet>,
    pub point: PointChange,
    pub radius: Option<Radius>,
    pub remote: Option<bool>,
    pub capacity: Option<Capacity>,
    /// `Some(None)` takes the end away.
    pub available_until: Option<Option<AvailableUntil>>,
}

/// The categories an offer gives: 1 to 8, each a code or a Chinese name,
/// none twice. A list of the wrong length is refused as `categories`; a bad
/// entry by its place, `categories[1]`, every bad entry at once.
pub fn categories<S: AsRef<str>>(list: &[S]) -> Result<CategorySet, Vec<FieldError>> {
    if list.is_empty() || list.len() > Category::COUNT {
        return Err(vec![FieldError::new(
            "categories",
            Text::fixed("类别为 1 到 8 个", "categories holds 1 to 8 categories"),
        )]);
    }
    let mut set = CategorySet::default();
    let mut errors = Vec::new();
    for (i, text) in list.iter().enumerate() {
        let refused = match text.as_ref().parse::<Category>() {
            Ok(c) if !set.contains(c) => {
                set.insert(c);
                continue;
            }
            Ok(_) => Text::fixed("类别重复", "Repeated category"),
            Err(_) => Text::fixed("类别不存在", "Unknown category"),
        };
        errors.push(FieldError::new(format!("categories[{i}]"), refused));
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

/// Where a new offer is: both coordinates, each in range. Without one, the
/// error names the one missing; without both, `lat`.
pub fn point(lat: Option<f64>, lon: Option<f64>) -> Result<GeoPoint, Vec<FieldError>> {
    match point_of(lat, lon)? {
        Some((lat, lon)) => Ok(GeoPoint::new(lat, lon)),
        None => Err(vec![FieldError::new(
            "lat",
            Text::fixed("缺少位置", "lat and lon are required"),
        )]),
    }
}

/// A move of an offer: either coordinate, both or neither, each in range.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PointChange {
    lat: Option<f64>,
    lon: Option<f64>,
}

impl PointChange {
    /// Checks the coordinates that were sent.
    pub fn parse(lat: Option<f64>, lon: Option<f64>) -> Result<Self, Vec<FieldError>> {
        let (lat, lon) = (
            ("lat", lat.map(latitude).transpose()),
            ("lon", lon.map(longitude).transpose()),
        )
            .all()?;
        Ok(Self { lat, lon })
    }

    /// The point after the move: a coordinate not sent stays as stored, so
    /// that a volunteer may send the one that changed.
    pub fn applied_to(self, stored: GeoPoint) -> GeoPoint {
        GeoPoint::new(
            self.lat.unwrap_or(stored.lat),
            self.lon.unwrap_or(stored.lon),
        )
    }
}

/// How far a volunteer goes: more than 0 and at most 200 km. Kept as
/// written (`2.3`, not 2.2999…), with the whole metres that matching
/// compares distances with, computed exactly from that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Radius {
    text: String,
    metres: i64,
}

impl Radius {
    /// The greatest radius, in metres.
    const MAX_M: i64 = 200_000;

    /// Reads a decimal number of kilometres, without a sign.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let bad = || {
            Text::fixed(
                "服务半径应大于 0 且不超过 200 公里",
                "radius_km is more than 0 and at most 200",
            )
        };
        let text = text.trim();
        if text.starts_with('+') {
            return Err(bad());
        }
        let radius = Decimal::parse(text).map_err(|_| bad())?;
        // Exact, so 200.0001 (200 000 m and a bit) is over the limit too.
        match radius.floor_scaled(3) {
            Some((metres @ 1..Self::MAX_M, _)) | Some((metres @ Self::MAX_M, true)) => Ok(Self {
                text: text.to_owned(),
                metres,
            }),
            _ => Err(bad()),
        }
    }

    /// The radius as written, trimmed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `floor(1000 × radius_km)`.
    pub fn metres(&self) -> i64 {
        self.metres
    }
}

/// How many needs an offer takes at once: 1 to 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Capacity(i32);

impl Capacity {
    pub fn get(self) -> i32 {
        self.0
    }
}

impl TryFrom<i64> for Capacity {
    type Error = Text;
    fn try_from(n: i64) -> Result<Self, Text> {
        match i32::try_from(n) {
            Ok(n @ 1..=50) => Ok(Self(n)),
            _ => Err(Text::fixed("容量为 1 到 50", "capacity is 1 to 50")),
        }
    }
}

/// When an offer stops being matched, in milliseconds since the epoch: an
/// RFC 3339 time after the moment it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AvailableUntil(i64);

impl AvailableUntil {
    /// Reads `text`, refusing a time that is not after `now` (milliseconds).
    pub fn parse(text: &str, now: i64) -> Result<Self, Text> {
        let at = chrono::DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| {
                Text::fixed(
                    "截止时间为 RFC 3339 格式",
                    "available_until is an RFC 3339 time",
                )
            })?
            .timestamp_millis();
        if at <= now {
            Err(Text::fixed(
                "截止时间应在将来",
                "available_until is in the future",
            ))
        } else {
            Ok(Self(at))
        }
    }

    pub fn millis(self) -> i64 {
        self.0
    }
}
