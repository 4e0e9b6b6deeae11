//! The village picker every form that places something shares: the
//! villages of `services::places`, grouped by township, as the
//! `<select data-region-picker>` of the templates shows them.

use serde_json::{Value, json};

use crate::services::places::Township;
use crate::web::page::t;

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
