//! `/map`: the open needs of the coordinator's region by village — on the
//! map as markers sized by how many wait and coloured by the longest wait,
//! with the volunteers' reach shaded in squares of free places — and,
//! under it, the same figures a level down from the place shown (the
//! townships of a county, the villages of a township), each a link that
//! drills down, so that the page serves without script too. A village on
//! the map opens its waiting needs. `/map/data` is the JSON
//! `assets/open_needs_map.js` draws.
//!
//! Nothing here is a household's or a volunteer's own point: needs stand at
//! their village's point, offers are counted at their grid cell's centre
//! (cells of about 1 km) and shown only as squares of the free places that
//! reach each.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::coordinator;
use crate::domain::geo::GeoPoint;
use crate::domain::grid::{BoundingBox, cell_centre};
use crate::domain::heat::{Reach, heat};
use crate::domain::region::padded_code;
use crate::domain::{Caller, Category, Reach as Scope, RegionPrefix};
use crate::i18n::{self, Locale, Text};
use crate::services::ServiceError;
use crate::services::places::Township;
use crate::services::schedules::days_open;
use crate::store::stats::{waiting_bucket, waiting_bucket_labels};
use crate::store::waiting::{self, Filter};
use crate::store::{self, now_ms};
use crate::web::Site;
use crate::web::need_labels::{category_name, day_count};
use crate::web::page::{PageResult, t};
use crate::web::places::{breadcrumb, my_townships, place_in_reach, region_choices};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/map").route(web::get().to(page)))
        .service(web::resource("/map/data").route(web::get().to(data)));
}

/// The volunteers' reach is shaded in squares of at least this many
/// degrees (the grid's cell), at most this many to a side.
const COVER_MIN_STEP: f64 = 0.01;
const COVER_SIDE: usize = 40;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    /// A county, township or village code.
    place: String,
    /// A category code.
    category: String,
}

/// What the map shows, checked: a place inside the caller's reach (none:
/// everywhere, for an admin) and a category.
struct View {
    shown: Option<RegionPrefix>,
    category: Option<Category>,
}

type Errors = BTreeMap<&'static str, Text>;

impl Params {
    fn check(&self, me: &Caller) -> Result<View, Errors> {
        let mut errors = Errors::new();
        let place = Some(self.place.trim()).filter(|p| !p.is_empty());
        let shown = place_in_reach(place, me).unwrap_or_else(|message| {
            errors.insert("place", message);
            None
        });
        let category = match self.category.trim() {
            "" => None,
            code => code.parse().map_or_else(
                |_| {
                    errors.insert(
                        "category",
                        Text::fixed("请从列表中选择类别", "Pick a category from the list"),
                    );
                    None
                },
                Some,
            ),
        };
        if errors.is_empty() {
            Ok(View { shown, category })
        } else {
            Err(errors)
        }
    }
}

impl View {
    /// `base` for `place` (none: the caller's whole reach), keeping the
    /// category.
    fn link(&self, base: &str, place: Option<&str>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(p) = place {
            s.append_pair("place", p);
        }
        if let Some(c) = self.category {
            s.append_pair("category", c.code());
        }
        let query = s.finish();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    fn shown(&self) -> Option<&str> {
        self.shown.as_ref().map(RegionPrefix::as_str)
    }

    /// Whether `code` lies in the place shown.
    fn holds(&self, code: &str) -> bool {
        self.shown.as_ref().is_none_or(|p| p.contains(code))
    }

    /// Whether the table lists villages (a township or a village is shown)
    /// rather than townships.
    fn by_village(&self) -> bool {
        self.shown().is_some_and(|p| p.len() >= 9)
    }
}

/// A village with open needs.
struct Mark {
    code: String,
    name: String,
    /// The township's significant digits, and its name.
    township: String,
    township_name: String,
    point: Option<GeoPoint>,
    open: i64,
    urgent: i64,
    days: i64,
}

/// "Longest waited N days".
fn longest(days: i64) -> String {
    let n = day_count(days);
    match i18n::current() {
        Locale::ZhCn => format!("最长已等 {n}"),
        Locale::En => format!("longest waited {n}"),
    }
}

/// The villages of `view` with open needs, longest waiting first.
async fn marks(
    site: &Site,
    me: &Caller,
    townships: &[Township],
    view: &View,
    now: i64,
) -> Result<Vec<Mark>, ServiceError> {
    if matches!(me.reach(), Scope::Nowhere) {
        return Ok(Vec::new());
    }
    let filter = Filter {
        regions: view.shown.iter().cloned().collect(),
        category: view.category,
        escalation: None,
    };
    let rows = waiting::by_village(&site.db, &filter).await?;
    let mut known: HashMap<&str, (&str, GeoPoint)> = HashMap::new();
    let mut township_names: HashMap<&str, &str> = HashMap::new();
    for tw in townships {
        township_names.insert(&tw.code, &tw.name);
        for v in &tw.villages {
            known.insert(&v.code, (&v.name, v.point));
        }
    }
    // Names of what the pickers leave out: villages with no point at all.
    let unnamed = rows
        .iter()
        .flat_map(|r| {
            [
                r.region.clone(),
                padded_code(r.region.get(..9).unwrap_or("")),
            ]
        })
        .filter(|c| !known.contains_key(c.as_str()) && !township_names.contains_key(c.as_str()));
    let names = store::regions::names(&site.db, unnamed).await?;
    let name_of = |code: &str| {
        township_names
            .get(code)
            .map(|n| (*n).to_owned())
            .or_else(|| known.get(code).map(|(n, _)| (*n).to_owned()))
            .or_else(|| names.get(code).cloned())
            .unwrap_or_else(|| code.to_owned())
    };
    let mut marks: Vec<Mark> = rows
        .into_iter()
        .map(|r| {
            let township = r.region.get(..9).unwrap_or_default().to_owned();
            Mark {
                name: name_of(&r.region),
                township_name: name_of(&padded_code(&township)),
                township,
                point: known.get(r.region.as_str()).map(|(_, p)| *p),
                open: r.open,
                urgent: r.urgent,
                days: days_open(r.oldest, now),
                code: r.region,
            }
        })
        .collect();
    marks.sort_by(|a, b| b.days.cmp(&a.days).then(b.open.cmp(&a.open)));
    Ok(marks)
}

/// The table under the map: the villages (a township or village shown) or
/// the townships with open needs, longest waiting first, each a link a
/// level down.
fn rows(marks: &[Mark], view: &View) -> Vec<Value> {
    let row = |name: &str, href: String, open: i64, urgent: i64, villages: usize, days: i64| {
        json!({"name": name, "href": href, "open": open, "urgent": urgent,
               "villages": villages, "days": day_count(days),
               "bucket": waiting_bucket(days)})
    };
    if view.by_village() {
        return marks
            .iter()
            .map(|m| {
                let href = view.link("/waiting", Some(&m.code));
                row(&m.name, href, m.open, m.urgent, 1, m.days)
            })
            .collect();
    }
    // Townships in the order of their longest-waiting village.
    let mut order: Vec<&str> = Vec::new();
    let mut sums: HashMap<&str, (&str, i64, i64, usize, i64)> = HashMap::new();
    for m in marks {
        let entry = sums.entry(&m.township).or_insert_with(|| {
            order.push(&m.township);
            (&m.township_name, 0, 0, 0, m.days)
        });
        entry.1 += m.open;
        entry.2 += m.urgent;
        entry.3 += 1;
    }
    order
        .into_iter()
        .map(|code| {
            let (name, open, urgent, villages, days) = sums[code];
            row(
                name,
                view.link("/map", Some(code)),
                open,
                urgent,
                villages,
                days,
            )
        })
        .collect()
}

/// The points of the villages in the place shown: where the map looks.
fn scope_box(townships: &[Township], view: &View) -> Option<BoundingBox> {
    let mut points = townships
        .iter()
        .flat_map(|tw| &tw.villages)
        .filter(|v| view.holds(&v.code))
        .map(|v| v.point);
    let first = points.next()?;
    Some(points.fold(
        BoundingBox {
            min_lat: first.lat,
            max_lat: first.lat,
            min_lon: first.lon,
            max_lon: first.lon,
        },
        |b, p| BoundingBox {
            min_lat: b.min_lat.min(p.lat),
            max_lat: b.max_lat.max(p.lat),
            min_lon: b.min_lon.min(p.lon),
            max_lon: b.max_lon.max(p.lon),
        },
    ))
}

/// Where the volunteers reach in `bbox`: squares of a 30th of its extent
/// (at least a grid cell), each with the free places of the offers whose
/// disc holds its centre, the offers counted at their grid cell's centre.
async fn coverage(
    site: &Site,
    bbox: &BoundingBox,
    view: &View,
    now: i64,
) -> Result<Value, ServiceError> {
    let bit = view
        .category
        .map_or((1i32 << Category::COUNT) - 1, |c| 1i32 << c.index());
    // A margin round the villages, so that the shading has no hard edge
    // at the outermost ones.
    let extent = (bbox.max_lat - bbox.min_lat).max(bbox.max_lon - bbox.min_lon);
    let margin = (extent * 0.15).max(0.02);
    let bbox = &BoundingBox {
        min_lat: bbox.min_lat - margin,
        max_lat: bbox.max_lat + margin,
        min_lon: bbox.min_lon - margin,
        max_lon: bbox.max_lon + margin,
    };
    let cells = store::offers::cover_by_cell(&site.db, now, bit, bbox).await?;
    let reaches: Vec<Reach> = cells
        .iter()
        .map(|c| {
            let (lat, lon) = cell_centre(c.cell);
            Reach {
                at: GeoPoint::new(lat, lon),
                radius_m: c.radius_m,
                free: c.free,
            }
        })
        .collect();
    let h = heat(bbox, COVER_MIN_STEP, COVER_SIDE, &reaches);
    Ok(json!({
        "step": h.step,
        "offers": cells.iter().map(|c| c.offers).sum::<i64>(),
        "squares": h.squares.iter().map(|s| json!({"lat": s.lat, "lon": s.lon, "free": s.free}))
            .collect::<Vec<_>>(),
    }))
}

/// The legend of the markers' colours: the dashboard's waiting buckets.
fn legend() -> Vec<Value> {
    waiting_bucket_labels()
        .into_iter()
        .enumerate()
        .map(|(i, label)| json!({"bucket": i, "label": format!("{label}{}", t(" 天", " days"))}))
        .collect()
}

/// The filter form's choices, as the caller sent them.
fn form(townships: &[Township], me: &Caller, q: &Params, errors: &Errors) -> Value {
    let picked = RegionPrefix::parse(q.place.trim()).map_or_else(|_| String::new(), |p| p.code());
    let category: Option<Category> = q.category.trim().parse().ok();
    let locale = i18n::current();
    json!({
        "places": region_choices(townships, me, &picked),
        "categories": Category::ALL.iter().map(|c| json!({
            "value": c.code(), "label": category_name(*c), "selected": Some(*c) == category,
        })).collect::<Vec<_>>(),
        "errors": errors.iter().map(|(k, v)| (k.to_string(), json!(v.get(locale))))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// `GET /map`: the page.
#[tracing::instrument(skip_all)]
async fn page(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let townships = my_townships(&site, me).await?;
    let mut context = form(&townships, me, &q, &Errors::new());
    let view = match q.check(me) {
        Ok(view) => view,
        Err(errors) => {
            let mut context = form(&townships, me, &q, &errors);
            if let Value::Object(c) = &mut context {
                c.insert("crumbs".to_owned(), json!([]));
                c.insert(
                    "place_name".to_owned(),
                    json!(t("筛选条件有误", "Invalid filter")),
                );
            }
            return Ok(site.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "coordinator/map.html",
                context,
            ));
        }
    };
    let now = now_ms();
    let marks = marks(&site, me, &townships, &view, now)
        .await
        .map_err(|e| site.fail(e))?;
    let crumbs = breadcrumb(&site, me, view.shown.as_ref(), |r| view.link("/map", r))
        .await
        .map_err(|e| site.fail(e))?;
    let place_name = crumbs
        .last()
        .and_then(|c| c["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| t("全部地区", "All regions"));
    let map = &site.settings.map;
    let more = json!({
        "crumbs": crumbs,
        "place_name": place_name,
        "open": marks.iter().map(|m| m.open).sum::<i64>(),
        "urgent": marks.iter().map(|m| m.urgent).sum::<i64>(),
        "villages": marks.len(),
        "longest": marks.first().map(|m| longest(m.days)),
        "unplaced": marks.iter().filter(|m| m.point.is_none()).count(),
        "by_village": view.by_village(),
        "rows": rows(&marks, &view),
        "legend": legend(),
        "data_url": view.link("/map/data", view.shown()),
        "waiting_url": view.link("/waiting", view.shown()),
        "has_map": scope_box(&townships, &view).is_some(),
        "tiles": map.tiles.as_ref().map(|t| t.template.as_str()),
        "attribution": map.tiles.as_ref().map(|t| t.attribution.as_str()),
        "datum": map.datum.as_str(),
    });
    if let (Value::Object(c), Value::Object(m)) = (&mut context, more) {
        c.extend(m);
    }
    Ok(site.render(StatusCode::OK, "coordinator/map.html", context))
}

/// `GET /map/data`: the villages with open needs that have a point, the
/// offers' coverage, the box of the place shown, and a township's other
/// villages.
#[tracing::instrument(skip_all)]
async fn data(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let view = match q.check(me) {
        Ok(view) => view,
        Err(errors) => {
            let locale = i18n::current();
            let errors: serde_json::Map<_, _> = errors
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v.get(locale))))
                .collect();
            return Ok(HttpResponse::BadRequest().json(json!({"errors": errors})));
        }
    };
    let now = now_ms();
    let townships = my_townships(&site, me).await?;
    let marks = marks(&site, me, &townships, &view, now)
        .await
        .map_err(|e| site.fail(e))?;
    let bbox = scope_box(&townships, &view);
    let cover = match &bbox {
        Some(b) if !matches!(me.reach(), Scope::Nowhere) => coverage(&site, b, &view, now)
            .await
            .map_err(|e| site.fail(e))?,
        _ => Value::Null,
    };
    let drill_townships = !view.by_village();
    let villages: Vec<Value> = marks
        .iter()
        .filter_map(|m| {
            let p = m.point?;
            Some(json!({
                "name": m.name, "township": m.township_name,
                "lat": p.lat, "lon": p.lon,
                "open": m.open, "urgent": m.urgent, "longest": longest(m.days),
                "bucket": waiting_bucket(m.days),
                "waiting_url": view.link("/waiting", Some(&m.code)),
                "township_url": drill_townships.then(|| view.link("/map", Some(&m.township))),
            }))
        })
        .collect();
    // A township's other villages, named, so that the map has its bearings
    // without tiles (a county's would crowd it).
    let others: Vec<Value> = if view.by_village() {
        let drawn: HashSet<&str> = marks.iter().map(|m| m.code.as_str()).collect();
        townships
            .iter()
            .flat_map(|tw| &tw.villages)
            .filter(|v| view.holds(&v.code) && !drawn.contains(v.code.as_str()))
            .map(|v| json!({"name": v.name, "lat": v.point.lat, "lon": v.point.lon}))
            .collect()
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({
            "villages": villages,
            "others": others,
            "coverage": cover,
            "bounds": bbox.map(|b| [[b.min_lat, b.min_lon], [b.max_lat, b.max_lon]]),
            "labels": view.by_village(),
        })))
}
