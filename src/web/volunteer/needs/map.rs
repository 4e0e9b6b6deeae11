//! The needs near me on a map: the page (the filters, the map's box and,
//! under it, the nearest needs as a list, so that the page serves without
//! script too) and the JSON `assets/map.js` draws — open needs at their
//! rounded points, the volunteer's offers with their radius, and the
//! villages' names, which carry the geography when no tiles are configured.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::{NearQuery, Origin, around, filters, km_text, need_items, origin_label};
use crate::domain::Role;
use crate::domain::grid::BoundingBox;
use crate::store;
use crate::web::Site;
use crate::web::page::PageResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/needs/map").route(web::get().to(page)))
        .service(web::resource("/needs/map/data").route(web::get().to(data)));
}

/// The most needs one map shows: the nearest (the API's largest page).
const MAP_MAX: u64 = 500;

/// The needs listed under the map.
const LISTED: u64 = 10;

async fn page(site: Site, q: web::Query<NearQuery>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let mut a = around(&site, me, &q).await.map_err(|e| site.fail(e))?;
    a.cursor = None;
    let nearest = a.needs(&site, me, LISTED).await.map_err(|e| site.fail(e))?;
    let items = need_items(&site, &a, &nearest)
        .await
        .map_err(|e| site.fail(e))?;
    let map = &site.settings.map;
    let context = json!({
        "filters": filters(&site, &a).await.map_err(|e| site.fail(e))?,
        "action": "/needs/map",
        "origin": origin_label(&a),
        "has_offers": !a.offers.is_empty(),
        "placed": a.point.is_some(),
        "km": km_text(a.km),
        "items": items,
        "more": nearest.next_cursor.is_some(),
        "data_url": a.here("/needs/map/data"),
        "list_url": a.here("/needs"),
        "tiles": map.tiles.as_ref().map(|t| t.template.as_str()),
        "attribution": map.tiles.as_ref().map(|t| t.attribution.as_str()),
        "datum": map.datum.as_str(),
    });
    Ok(site.render(StatusCode::OK, "volunteer/map.html", context))
}

async fn data(site: Site, q: web::Query<NearQuery>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let mut a = around(&site, me, &q).await.map_err(|e| site.fail(e))?;
    a.cursor = None;
    let found = a
        .needs(&site, me, MAP_MAX)
        .await
        .map_err(|e| site.fail(e))?;
    let needs = need_items(&site, &a, &found)
        .await
        .map_err(|e| site.fail(e))?;
    let offers: Vec<Value> = a
        .shown_offers()
        .map(|(o, label, current)| {
            json!({"lat": o.lat, "lon": o.lon, "radius_m": o.radius_m,
                   "label": label, "current": current})
        })
        .collect();
    let villages: Vec<Value> = match a.point {
        Some(p) => {
            let bbox = BoundingBox::around(p.lat, p.lon, a.km * 1000.0);
            store::regions::villages_in_box(&site.db, &bbox)
                .await
                .map_err(|e| site.fail(e.into()))?
                .into_iter()
                .filter_map(|v| Some(json!({"name": v.name, "lat": v.lat?, "lon": v.lon?})))
                .collect()
        }
        None => Vec::new(),
    };
    let origin = a.point.map(|p| json!({"lat": p.lat, "lon": p.lon}));
    let label = matches!(a.origin, Origin::Village(..)).then(|| origin_label(&a));
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({
            "origin": origin,
            "origin_label": label.flatten(),
            "km": a.km,
            "needs": needs,
            "more": found.next_cursor.is_some(),
            "offers": offers,
            "villages": villages,
        })))
}
