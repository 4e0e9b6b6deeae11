//! The place select of the staff pages: the counties the caller reaches as
//! a whole, then each township and its villages (`web::places`), as names.

use serde_json::{Value, json};

use crate::domain::Caller;
use crate::web::Site;
use crate::web::page::t;
use crate::web::places::{my_townships, region_choices};

/// The options of a region select, `picked` (a 12-digit code) selected.
pub async fn region_options(
    site: &Site,
    me: &Caller,
    picked: &str,
) -> Result<Vec<Value>, actix_web::Error> {
    let counties = crate::store::regions::list_children(&site.db, None, None, 50)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let whole = t("（全县）", " (whole county)");
    let mut options: Vec<Value> = counties
        .iter()
        .filter(|c| me.reaches(&c.code))
        .map(|c| json!({"value": c.code, "label": format!("{}{whole}", c.name), "selected": c.code == picked}))
        .collect();
    let townships = my_townships(site, me).await?;
    options.extend(region_choices(&townships, me, picked));
    Ok(options)
}
