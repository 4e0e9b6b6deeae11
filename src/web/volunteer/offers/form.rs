//! The offer form as a page sends it, and how it becomes the API's own
//! [`NewOffer`] or [`OfferChanges`]: each field through `domain::offer`'s
//! parser, every bad field reported at once, under the name of the field
//! it is shown beside. The place is a picked village (its point) or a
//! point the page's script filled in (the person's location, a tap on the
//! map), the point winning when both are sent.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::AppContext;
use crate::domain::fields::{AllFields, both};
use crate::domain::offer::{
    self, AvailableUntil, Capacity, NewOffer, OfferChanges, PointChange, Radius,
};
use crate::domain::{CategorySet, FieldError};
use crate::i18n::Text;
use crate::services::{ServiceError, places};
use crate::store::{entity::offer as stored, now_ms};

/// What the offer form posts. Every field may be missing from a crafted
/// request; it then reads as left empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OfferForm {
    pub csrf_token: String,
    /// The ticked categories' codes.
    pub categories: Vec<String>,
    /// A village's region code.
    pub village: String,
    /// Filled in by the page's script only.
    pub lat: String,
    pub lon: String,
    pub radius_km: String,
    /// `yes` or `no`.
    pub remote: String,
    pub capacity: String,
    /// `YYYY-MM-DD`, the last day the offer is matched; empty for no end.
    pub available_until: String,
}

impl OfferForm {
    /// The form of a stored offer, to edit it: its place left as stored
    /// unless the person picks another (`village`: the one it stands on).
    pub fn of(o: &stored::Model, village: Option<String>, tz: Tz) -> Self {
        let categories = CategorySet(o.categories as u8)
            .iter()
            .map(|c| c.code().to_owned())
            .collect();
        Self {
            csrf_token: String::new(),
            categories,
            village: village.unwrap_or_default(),
            lat: String::new(),
            lon: String::new(),
            radius_km: o.radius_km.clone(),
            remote: if o.remote { "yes" } else { "no" }.to_owned(),
            capacity: o.capacity.to_string(),
            available_until: o
                .available_until
                .map(|ms| day_of(ms, tz))
                .unwrap_or_default(),
        }
    }

    /// A new offer's form: one household, 10 km, on site.
    pub fn blank() -> Self {
        Self {
            radius_km: "10".to_owned(),
            remote: "no".to_owned(),
            capacity: "1".to_owned(),
            ..Self::default()
        }
    }

    /// Whether the script set a point, which then wins over the village.
    pub fn has_point(&self) -> bool {
        !self.lat.trim().is_empty() || !self.lon.trim().is_empty()
    }

    /// The values typed, to show the form again.
    pub fn values(&self) -> Value {
        json!({
            "categories": self.categories, "village": self.village,
            "lat": self.lat, "lon": self.lon, "radius_km": self.radius_km,
            "remote": self.remote == "yes", "capacity": self.capacity,
            "available_until": self.available_until,
        })
    }
}

/// The date, in the county's time zone, of a time in milliseconds.
pub fn day_of(ms: i64, tz: Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn place_error(message: Text) -> Vec<FieldError> {
    vec![FieldError::new("place", message)]
}

/// The point the form names, if any: the script's, else the village's.
async fn point(ctx: &AppContext, form: &OfferForm) -> Result<Option<(f64, f64)>, ServiceError> {
    if form.has_point() {
        let number = |t: &str| t.trim().parse::<f64>().ok();
        return match (number(&form.lat), number(&form.lon)) {
            (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
            _ => Err(ServiceError::Invalid(place_error(Text::fixed(
                "位置无效，请重新选择",
                "That position is not valid; please choose again",
            )))),
        };
    }
    if form.village.trim().is_empty() {
        return Ok(None);
    }
    match places::village_point_of(&ctx.db, &form.village).await? {
        Some(p) => Ok(Some((p.lat, p.lon))),
        None => Err(ServiceError::Invalid(place_error(Text::fixed(
            "没有这个村的位置，请重新选择",
            "That village has no known place; please choose another",
        )))),
    }
}

/// The domain's errors under the names of the form's fields: a point's
/// `lat` or `lon` beside the place, a category's `categories[2]` beside
/// the categories.
fn beside_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if e.field == "lat" || e.field == "lon" {
                e.field = "place".to_owned();
            } else if e.field.starts_with("categories[") {
                e.field = "categories".to_owned();
            }
            e
        })
        .collect()
}

/// `YYYY-MM-DD` as the end of that day in the county, then the API's rule
/// (it must be in the future).
fn until(text: &str, tz: Tz) -> Result<Option<AvailableUntil>, Text> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Text::fixed(
            "日期格式为 年-月-日，例如 2030-06-30",
            "Write the date as year-month-day, e.g. 2030-06-30",
        )
    })?;
    let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
    let at = tz
        .from_local_datetime(&day.and_time(end))
        .latest()
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    AvailableUntil::parse(&at, now_ms()).map(Some)
}

fn capacity(text: &str) -> Result<Capacity, Text> {
    // Not a whole number is out of range too, with the same message.
    Capacity::try_from(text.trim().parse::<i64>().unwrap_or(0))
}

/// Every field of the form checked at once, the place as `point` read it.
struct Checked<P> {
    categories: CategorySet,
    point: P,
    radius: Radius,
    capacity: Capacity,
    available_until: Option<AvailableUntil>,
}

fn check<P>(
    ctx: &AppContext,
    form: &OfferForm,
    point: Result<P, Vec<FieldError>>,
) -> Result<Checked<P>, ServiceError> {
    let rest = (
        ("radius_km", Radius::parse(&form.radius_km)),
        ("capacity", capacity(&form.capacity)),
        (
            "available_until",
            until(&form.available_until, ctx.settings.timezone),
        ),
    )
        .all();
    let (categories, (point, (radius, capacity, available_until))) =
        both(offer::categories(&form.categories), both(point, rest))
            .map_err(|e| ServiceError::Invalid(beside_fields(e)))?;
    Ok(Checked {
        categories,
        point,
        radius,
        capacity,
        available_until,
    })
}

/// The form as a new offer, which needs a place.
pub async fn new_offer(ctx: &AppContext, form: &OfferForm) -> Result<NewOffer, ServiceError> {
    let point = match point(ctx, form).await {
        Ok(Some((lat, lon))) => offer::point(Some(lat), Some(lon)),
        Ok(None) => Err(place_error(Text::fixed(
            "请选择村，或使用您的位置",
            "Pick a village, or use your location",
        ))),
        Err(ServiceError::Invalid(e)) => Err(e),
        Err(e) => return Err(e),
    };
    let c = check(ctx, form, point)?;
    Ok(NewOffer {
        categories: c.categories,
        point: c.point,
        radius: c.radius,
        remote: form.remote == "yes",
        capacity: c.capacity,
        available_until: c.available_until,
    })
}

/// The form as changes to a stored offer: the form sends every field, so
/// every field is set, but for a place left unpicked, which stays; an
/// empty date takes the end away.
pub async fn changes(ctx: &AppContext, form: &OfferForm) -> Result<OfferChanges, ServiceError> {
    let point = match point(ctx, form).await {
        Ok(Some((lat, lon))) => PointChange::parse(Some(lat), Some(lon)),
        Ok(None) => Ok(PointChange::default()),
        Err(ServiceError::Invalid(e)) => Err(e),
        Err(e) => return Err(e),
    };
    let c = check(ctx, form, point)?;
    Ok(OfferChanges {
        categories: Some(c.categories),
        point: c.point,
        radius: Some(c.radius),
        remote: Some(form.remote == "yes"),
        capacity: Some(c.capacity),
        available_until: Some(c.available_until),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_midnight_in_the_county_and_must_be_ahead() {
        let tz = chrono_tz::Asia::Shanghai;
        let end = until("2999-06-30", tz)
            .expect("a future day")
            .expect("an end");
        assert_eq!(day_of(end.millis(), tz), "2999-06-30");
        assert!(until("2000-01-01", tz).is_err(), "a past day");
        assert!(until("30/06/2999", tz).is_err(), "not year-month-day");
        assert_eq!(until(" ", tz), Ok(None));
    }

    #[test]
    fn capacity_that_is_no_whole_number_is_out_of_range() {
        assert_eq!(capacity("3").map(Capacity::get), Ok(3));
        for bad in ["", "0", "2.5", "abc", "51"] {
            assert!(capacity(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn errors_land_beside_the_fields_the_form_shows() {
        let fields: Vec<String> = beside_fields(vec![
            FieldError::new("lat", Text::fixed("", "")),
            FieldError::new("categories[1]", Text::fixed("", "")),
            FieldError::new("capacity", Text::fixed("", "")),
        ])
        .into_iter()
        .map(|e| e.field)
        .collect();
        assert_eq!(fields, ["place", "categories", "capacity"]);
    }
}
