//! What the offer pages show: an offer as a card of facts in words, and the
//! form's choices (categories with what each means, villages by township).

use chrono_tz::Tz;
use serde_json::{Value, json};

use super::form::{OfferForm, day_of};
use crate::domain::{Category, CategorySet, OfferStatus};
use crate::i18n::{self, Locale};
use crate::services::places::Township;
use crate::store::entity::offer;
use crate::web::need_labels::category_name;
use crate::web::page::t;

/// An offer's status as words, and the badge that shows it.
fn status(s: OfferStatus) -> (String, &'static str) {
    match s {
        OfferStatus::Active => (t("接受匹配中", "Open to matches"), ""),
        OfferStatus::Paused => (t("已暂停", "Paused"), "soon"),
        OfferStatus::Withdrawn => (t("已撤回", "Withdrawn"), "muted"),
    }
}

/// "My location", for an offer that stands on no village's point.
pub fn my_location() -> String {
    t("我的位置", "My location")
}

/// One offer as its card shows it; `place` is the name of the village it
/// stands on, if any.
pub fn card(o: &offer::Model, place: Option<&str>, tz: Tz, now: i64) -> Value {
    let (status, badge) = status(o.status);
    json!({
        "id": o.id,
        "categories": CategorySet(o.categories as u8).iter().map(category_name).collect::<Vec<_>>(),
        "place": place.map_or_else(my_location, str::to_owned),
        "radius_km": o.radius_km,
        "remote": o.remote,
        "until": o.available_until.map(|ms| day_of(ms, tz)),
        "past_end": o.status == OfferStatus::Active && o.available_until.is_some_and(|ms| ms <= now),
        "status": status,
        "badge": badge,
        "live": o.live_matches,
        "capacity": o.capacity,
        "active": o.status == OfferStatus::Active,
        "paused": o.status == OfferStatus::Paused,
        "withdrawn": o.status == OfferStatus::Withdrawn,
    })
}

/// The category checkboxes: each name, what it covers, and whether it can
/// be given from afar.
pub fn category_choices(form: &OfferForm) -> Vec<Value> {
    let locale = i18n::current();
    Category::ALL
        .into_iter()
        .map(|c| {
            let name = match locale {
                Locale::ZhCn => c.name_zh().to_owned(),
                Locale::En => format!("{} ({})", c.name_en(), c.name_zh()),
            };
            let remote = if c.is_remote_capable() {
                t("可远程", "can be remote")
            } else {
                t("需上门", "on site")
            };
            json!({
                "value": c.code(),
                "label": name,
                "hint": format!("{} · {remote}", c.hint().get(locale)),
                "checked": form.categories.iter().any(|v| v == c.code()),
            })
        })
        .collect()
}

pub use crate::web::places::village_groups;

/// The name of the village `code`, if it is offered.
pub fn village_name<'a>(townships: &'a [Township], code: &str) -> Option<&'a str> {
    townships
        .iter()
        .flat_map(|t| &t.villages)
        .find(|v| v.code == code)
        .map(|v| v.name.as_str())
}

/// The village an offer stands on: the one whose own point is the
/// offer's, to show it picked on the edit form.
pub fn village_at(townships: &[Township], lat: f64, lon: f64) -> Option<String> {
    townships
        .iter()
        .flat_map(|t| &t.villages)
        .find(|v| !v.township_point && v.point.lat == lat && v.point.lon == lon)
        .map(|v| v.code.clone())
}

/// Which place the form will use, in words: the point the script set, the
/// picked village, or (editing) the place the offer has now.
pub fn place_used(form: &OfferForm, townships: &[Township], current: Option<&str>) -> String {
    if form.has_point() {
        return format!(
            "{}{}",
            t("将使用：", "Using: "),
            t(
                "我的位置或地图上点选的位置",
                "my location, or the point tapped on the map"
            )
        );
    }
    if let Some(name) = village_name(townships, &form.village) {
        return format!("{}{name}", t("将使用：", "Using: "));
    }
    match current {
        Some(place) => format!(
            "{}{place}",
            t("保持当前位置：", "Keeping the current place: ")
        ),
        None => t("还没有选择地点", "No place chosen yet"),
    }
}
