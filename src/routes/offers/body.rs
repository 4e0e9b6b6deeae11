//! The body of `POST /offers` and `PATCH /offers/{id}`, and how it becomes
//! a checked [`NewOffer`] or [`OfferChanges`]: each field by the rule of
//! `domain::offer`, every bad field reported at once.

use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::domain::fields::{AllFields, both};
use crate::domain::offer::{
    self, AvailableUntil, Capacity, NewOffer, OfferChanges, PointChange, Radius,
};
use crate::i18n::Text;
use crate::routes::households::present;
use crate::store::now_ms;

#[derive(Deserialize, ToSchema)]
pub struct OfferBody {
    /// 1 to 8 category codes.
    pub categories: Option<Vec<String>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// More than 0 and at most 200 km; a number or a decimal string.
    #[schema(value_type = Option<f64>)]
    pub radius_km: Option<Box<RawValue>>,
    pub remote: Option<bool>,
    /// 1 to 50 needs at once.
    #[serde(default, deserialize_with = "crate::routes::extract::whole")]
    pub capacity: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    pub available_until: Option<Option<String>>,
}

/// The text of a radius sent as a JSON number or as a string of one. Read
/// from the text, so that 2.3 stays 2.3 and not 2.2999…. A value that is no
/// number at all is refused alone, before any other field is looked at, as
/// the API always has.
pub(super) fn radius_text(raw: Option<&RawValue>) -> Result<Option<&str>, Vec<FieldError>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = raw.get().trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.starts_with('-')
        || text.is_empty()
        || !text
            .bytes()
            .all(|c| c.is_ascii_digit() || b".eE+-".contains(&c))
    {
        Err(vec![FieldError::new(
            "radius_km",
            Text::fixed("服务半径应为数字", "radius_km is a number"),
        )])
    } else {
        Ok(Some(text))
    }
}

/// `available_until` as sent: a time, `null` or nothing.
fn until(text: Option<String>, now: i64) -> Result<Option<AvailableUntil>, Text> {
    text.map(|t| AvailableUntil::parse(&t, now)).transpose()
}

impl TryFrom<OfferBody> for NewOffer {
    type Error = Vec<FieldError>;

    /// Every field but `remote` and `available_until` is needed; one left
    /// out is refused with the same reason as one out of range.
    fn try_from(b: OfferBody) -> Result<Self, Vec<FieldError>> {
        let radius = radius_text(b.radius_km.as_deref())?;
        let categories = offer::categories(b.categories.as_deref().unwrap_or_default());
        let point = offer::point(b.lat, b.lon);
        let rest = (
            ("radius_km", Radius::parse(radius.unwrap_or_default())),
            (
                "capacity",
                Capacity::try_from(b.capacity.unwrap_or_default()),
            ),
            (
                "available_until",
                until(b.available_until.flatten(), now_ms()),
            ),
        )
            .all();
        let (categories, (point, (radius, capacity, available_until))) =
            both(categories, both(point, rest))?;
        Ok(Self {
            categories,
            point,
            radius,
            remote: b.remote.unwrap_or(false),
            capacity,
            available_until,
        })
    }
}

impl TryFrom<OfferBody> for OfferChanges {
    type Error = Vec<FieldError>;

    /// Each field sent is checked; one left out keeps what is stored.
    fn try_from(b: OfferBody) -> Result<Self, Vec<FieldError>> {
        let radius = radius_text(b.radius_km.as_deref())?;
        let categories = b.categories.as_deref().map(offer::categories).transpose();
        let point = PointChange::parse(b.lat, b.lon);
        let now = now_ms();
        let rest = (
            ("radius_km", radius.map(Radius::parse).transpose()),
            ("capacity", b.capacity.map(Capacity::try_from).transpose()),
            (
                "available_until",
                b.available_until.map(|t| until(t, now)).transpose(),
            ),
        )
            .all();
        let (categories, (point, (radius, capacity, available_until))) =
            both(categories, both(point, rest))?;
        Ok(Self {
            categories,
            point,
            radius,
            remote: b.remote,
            capacity,
            available_until,
        })
    }
}
