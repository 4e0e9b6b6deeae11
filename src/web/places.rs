//! The village picker every form that places something shares: the
//! villages of `services::places`, grouped by township, as the
//! `<select data-region-picker>` of the templates shows them.

use serde_json::{Value, json};

use crate::domain::region::padded_code;
use crate::domain::{Caller, RegionPrefix};
use crate::i18n::Text;
use crate::services::ServiceError;
use crate::services::places::{self, Township};
use crate::store;
use crate::web::page::{Site, t};

/// The village select's groups: a township and its villages, each with
/// the point it stands for (for the map) and whether it is the one picked.
pub fn village_groups(townships: &[Township], picked: &str) -> Vec<Value> {
    let township_place = t("（按乡镇位置）", " (township's place)");
    townships
        .iter()
        .map(|tw| {
            let options: Vec<Value> = tw
                .villages
                .iter()
                .map(|v| {
                    let label = if v.township_point {
                        format!("{}{township_place}", v.name)
                    } else {
                        v.name.clone()
                    };
                    json!({"value": v.code, "label": label, "name": v.name,
                           "lat": v.point.lat, "lon": v.point.lon,
                           "selected": v.code == picked})
                })
                .collect();
            json!({"label": tw.name, "options": options})
        })
        .collect()
}

/// A place filter's select (with `macros.select` and an empty "all"
/// option): each township the caller reaches as a whole, then its
/// villages; `picked` is the region filtered by.
pub fn region_choices(townships: &[Township], caller: &Caller, picked: &str) -> Vec<Value> {
    let whole = t("（全镇）", " (whole township)");
    townships
        .iter()
        .map(|tw| {
            let mut options = Vec::with_capacity(tw.villages.len() + 1);
            if caller.reaches(&tw.code) {
                options.push(json!({
                    "value": tw.code,
                    "label": format!("{}{whole}", tw.name),
                    "selected": tw.code == picked,
                }));
            }
            options.extend(
                tw.villages.iter().map(
                    |v| json!({"value": v.code, "label": v.name, "selected": v.code == picked}),
                ),
            );
            json!({"label": tw.name, "options": options})
        })
        .collect()
}

/// The townships and villages `caller` reaches, for the pickers above.
pub async fn my_townships(site: &Site, caller: &Caller) -> Result<Vec<Township>, actix_web::Error> {
    let all = places::townships(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))?;
    Ok(places::within_reach(all, caller))
}

/// The place a filter names inside the caller's reach: none named is their
/// whole region (none: everywhere); a place around their region is their
/// region; one beside it, or not a place at all, is refused.
pub fn place_in_reach(text: Option<&str>, caller: &Caller) -> Result<Option<RegionPrefix>, Text> {
    let reach = caller.region.clone();
    let Some(text) = text else {
        return Ok(reach);
    };
    let asked = RegionPrefix::parse(text)
        .map_err(|_| Text::fixed("请从列表中选择地点", "Pick a place from the list"))?;
    match &reach {
        None => Ok(Some(asked)),
        Some(mine) if mine.contains(asked.as_str()) => Ok(Some(asked)),
        Some(mine) if asked.contains(mine.as_str()) => Ok(reach),
        Some(_) => Err(Text::fixed(
            "这个地点不在您负责的范围内",
            "This place is outside your region",
        )),
    }
}

/// The breadcrumb from the top of the caller's reach down to `shown`:
/// each level's name, linked by `link` (given `None` for "all regions",
/// shown to staff without a region).
pub async fn breadcrumb(
    site: &Site,
    caller: &Caller,
    shown: Option<&RegionPrefix>,
    link: impl Fn(Option<&str>) -> String,
) -> Result<Vec<Value>, ServiceError> {
    let top = caller.region.as_ref().map_or(0, |r| r.as_str().len());
    let shown = shown.map_or("", RegionPrefix::as_str);
    let levels: Vec<&str> = [6, 9, 12]
        .into_iter()
        .filter(|n| *n >= top && *n <= shown.len())
        .filter_map(|n| shown.get(..n))
        .collect();
    let names = store::regions::names(&site.db, levels.iter().map(|l| padded_code(l))).await?;
    let mut crumbs = Vec::new();
    if caller.region.is_none() {
        crumbs.push(json!({"name": t("全部地区", "All regions"), "href": link(None)}));
    }
    for level in levels {
        let name = names
            .get(&padded_code(level))
            .cloned()
            .unwrap_or_else(|| level.to_owned());
        crumbs.push(json!({"name": name, "href": link(Some(level))}));
    }
    Ok(crumbs)
}
