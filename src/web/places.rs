//! The village picker every form that places something shares: the
//! villages of `services::places`, grouped by township, as the
//! `<select data-region-picker>` of the templates shows them.

use serde_json::{Value, json};

use crate::domain::Caller;
use crate::services::places::{self, Township};
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
