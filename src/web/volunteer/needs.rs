//! "Needs near me": the open needs within a distance of one of the
//! volunteer's offers, or of a village they pick, nearest first — as a list
//! here, on a map (`needs/map.rs`), and one by one with its claim form
//! (`needs/claim.rs`). The list is `GET /api/v1/needs?near=` itself
//! (`services::nearby::list`): the same rounded points, distances and
//! cursors.

mod claim;
mod map;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::geo::GeoPoint;
use crate::domain::household::Urgency;
use crate::domain::time::DAY_MS;
use crate::domain::{Caller, Category, CategorySet, NeedStatus, OfferStatus, Role};
use crate::i18n::{self, Locale, Text};
use crate::services::nearby::{self, Cursor, NeedPage, Order};
use crate::services::{ServiceError, eligibility, places};
use crate::store::{self, entity::need, entity::offer, needs::NeedFilter};
use crate::web::Site;
use crate::web::need_labels::category_name;
use crate::web::page::PageResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The map's paths before `/needs/{id}`, which would take them.
    cfg.service(web::resource("/needs").route(web::get().to(list)));
    map::configure(cfg);
    claim::configure(cfg);
}

/// How many needs a page of the list shows.
const PAGE: u64 = 20;

/// The distances a volunteer picks from, in km.
const DISTANCES: [u32; 4] = [5, 10, 20, 50];

/// The distance around a picked village, when none is chosen.
const VILLAGE_KM: f64 = 10.0;

/// The filters of the list and the map, as their form sends them (an empty
/// field means "not chosen").
#[derive(Debug, Default, Deserialize)]
pub struct NearQuery {
    offer: Option<String>,
    place: Option<String>,
    km: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Where distances are measured from.
enum Origin {
    Offer(offer::Model),
    /// A village picked by name: its code and name.
    Village(String, String),
    /// No offer yet and no village picked.
    Nowhere,
}

/// The filters read, checked and completed with their defaults.
struct Around {
    /// The volunteer's offers that are not withdrawn, oldest first.
    offers: Vec<offer::Model>,
    origin: Origin,
    point: Option<GeoPoint>,
    km: f64,
    category: Option<Category>,
    cursor: Option<Cursor>,
}

impl Around {
    fn offer_id(&self) -> Option<Uuid> {
        match &self.origin {
            Origin::Offer(o) => Some(o.id),
            _ => None,
        }
    }

    /// The offers the filters and the map show: the active ones and the one
    /// measured from (even paused), each with its label, numbered among all
    /// the volunteer's, and whether it is the one measured from.
    fn shown_offers(&self) -> impl Iterator<Item = (&offer::Model, String, bool)> {
        let current = self.offer_id();
        self.offers
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.status == OfferStatus::Active || Some(o.id) == current)
            .map(move |(i, o)| (o, offer_label(i + 1, o), Some(o.id) == current))
    }

    /// A link to `path` with these filters, but `km`, `category` and
    /// `cursor` as given.
    fn url(&self, path: &str, km: f64, category: Option<Category>, cursor: Option<&str>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        match &self.origin {
            Origin::Offer(o) => {
                s.append_pair("offer", &o.id.to_string());
            }
            Origin::Village(code, _) => {
                s.append_pair("place", code);
            }
            Origin::Nowhere => {}
        }
        s.append_pair("km", &km_text(km));
        if let Some(c) = category {
            s.append_pair("category", c.code());
        }
        if let Some(c) = cursor {
            s.append_pair("cursor", c);
        }
        format!("{path}?{}", s.finish())
    }

    /// A link to `path` with these filters, from the first page.
    fn here(&self, path: &str) -> String {
        self.url(path, self.km, self.category, None)
    }

    /// The open needs around the origin, nearest first.
    async fn needs(&self, site: &Site, me: &Caller, limit: u64) -> Result<NeedPage, ServiceError> {
        let Some(origin) = self.point else {
            return Ok(NeedPage {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        let filter = NeedFilter {
            statuses: vec![NeedStatus::Open],
            category: self.category,
            regions: Vec::new(),
            escalation: None,
        };
        let order = Order::Nearest {
            origin,
            within_km: self.km,
        };
        nearby::list(&site.db, me, filter, order, self.cursor, limit).await
    }
}

/// Metres as the kilometres shown, in words: "2.9 公里".
pub fn km_of(distance_m: i64) -> String {
    let km = nearby::shown_km(distance_m);
    match i18n::current() {
        Locale::ZhCn => format!("{km} 公里"),
        Locale::En => format!("{km} km"),
    }
}

fn km_text(km: f64) -> String {
    format!("{}", (km * 10.0).round() / 10.0)
}

fn invalid(field: &str, zh: &'static str, en: &'static str) -> ServiceError {
    ServiceError::field(field, Text::fixed(zh, en))
}

/// Reads the filters: a picked village wins over an offer; without either,
/// the first active offer (else the first one).
async fn around(site: &Site, me: &Caller, q: &NearQuery) -> Result<Around, ServiceError> {
    let offers = eligibility::mine(&site.db, me.user_id).await?;
    let no_village = || invalid("place", "没有这个村", "No such village");
    let mut point = None;
    let origin = if let Some(code) = given(&q.place) {
        point = places::village_point_of(&site.db, code).await?;
        let village = store::regions::find(&site.db, code).await?;
        let village = village.filter(|_| point.is_some()).ok_or_else(no_village)?;
        Origin::Village(village.code, village.name)
    } else if let Some(id) = given(&q.offer) {
        let id = Uuid::parse_str(id).map_err(|_| ServiceError::NotFound)?;
        let offer = offers.iter().find(|o| o.id == id);
        Origin::Offer(offer.cloned().ok_or(ServiceError::NotFound)?)
    } else {
        let first = offers
            .iter()
            .find(|o| o.status == OfferStatus::Active)
            .or(offers.first());
        first.cloned().map_or(Origin::Nowhere, Origin::Offer)
    };
    if let Origin::Offer(o) = &origin {
        point = Some(GeoPoint::new(o.lat, o.lon));
    }
    let km = match given(&q.km) {
        Some(text) => text
            .parse::<f64>()
            .map_err(|_| invalid("km", "距离应为公里数", "The distance is a number of km"))?,
        None => match &origin {
            Origin::Offer(o) => o.radius_m as f64 / 1000.0,
            _ => VILLAGE_KM,
        },
    };
    let category = given(&q.category)
        .map(|c| c.parse::<Category>())
        .transpose()
        .map_err(|_| invalid("category", "类别不存在", "Unknown category"))?;
    let cursor = given(&q.cursor).map(Cursor::parse).transpose()?;
    Ok(Around {
        offers,
        origin,
        point,
        km,
        category,
        cursor,
    })
}

/// An offer as the volunteer recognises it among theirs: its number, its
/// categories and its radius.
pub fn offer_label(number: usize, o: &offer::Model) -> String {
    let zh = i18n::current() == Locale::ZhCn;
    let names: Vec<&str> = CategorySet(o.categories as u8)
        .iter()
        .map(category_name)
        .collect();
    let mut label = if zh {
        format!(
            "服务 {number} · {} · {} 公里",
            names.join("、"),
            o.radius_km
        )
    } else {
        format!("Offer {number} · {} · {} km", names.join(", "), o.radius_km)
    };
    if o.status == OfferStatus::Paused {
        label.push_str(if zh { "（已暂停）" } else { " (paused)" });
    }
    label
}

/// Urgency as a word, and the badge's class.
pub fn urgency(level: i16) -> (String, &'static str) {
    let word = Urgency::try_from(u8::try_from(level).unwrap_or(1))
        .map(|u| u.label().get(i18n::current()).to_owned())
        .unwrap_or_default();
    let class = match level {
        3 => "urgent",
        2 => "soon",
        _ => "",
    };
    (word, class)
}

/// "等了 3 天" since the need was posted.
pub fn waiting(posted_at: i64) -> String {
    let days = (store::now_ms() - posted_at).max(0) / DAY_MS;
    match (i18n::current(), days) {
        (Locale::ZhCn, 0) => "今天发布".to_owned(),
        (Locale::ZhCn, d) => format!("等了 {d} 天"),
        (Locale::En, 0) => "posted today".to_owned(),
        (Locale::En, 1) => "waiting 1 day".to_owned(),
        (Locale::En, d) => format!("waiting {d} days"),
    }
}

/// A need as the volunteer's pages show it: what PRODUCT.md lets them see
/// before acceptance, at its rounded point.
pub fn need_item(n: &need::Model, village: &str, distance_m: Option<i64>, link: &str) -> Value {
    let (urgency_label, urgency_class) = urgency(n.urgency);
    let point = n
        .lat
        .zip(n.lon)
        .map(|(lat, lon)| nearby::rounded(GeoPoint::new(lat, lon)));
    json!({
        "id": n.id,
        "url": link,
        "title": n.title,
        "description": n.description,
        "category": category_name(n.category),
        "urgency": n.urgency,
        "urgency_label": urgency_label,
        "urgency_class": urgency_class,
        "village": village,
        "distance_km": distance_m.map(nearby::shown_km),
        "distance": distance_m.map(km_of),
        "waiting": waiting(n.posted_at),
        "lat": point.map(|p| p.lat),
        "lon": point.map(|p| p.lon),
    })
}

/// A need's page, its claim form set to the offer the list measures from.
fn need_link(a: &Around, id: Uuid) -> String {
    match a.offer_id() {
        Some(offer) => format!("/needs/{id}?offer={offer}"),
        None => format!("/needs/{id}"),
    }
}

/// The needs of `page` as [`need_item`]s, each with its village's name
/// and a link to its page.
async fn need_items(site: &Site, a: &Around, page: &NeedPage) -> Result<Vec<Value>, ServiceError> {
    let codes = page.items.iter().map(|(n, _)| n.region.clone());
    let names = store::regions::names(&site.db, codes).await?;
    Ok(page
        .items
        .iter()
        .map(|(n, d)| {
            let village = names.get(&n.region).map_or("", String::as_str);
            need_item(n, village, *d, &need_link(a, n.id))
        })
        .collect())
}

/// The filter form's fields, for `volunteer/need_filters.html`.
async fn filters(site: &Site, a: &Around) -> Result<Value, ServiceError> {
    let offers: Vec<Value> = a
        .shown_offers()
        .map(|(o, label, current)| json!({"value": o.id, "label": label, "selected": current}))
        .collect();
    let place = match &a.origin {
        Origin::Village(code, _) => Some(code.as_str()),
        _ => None,
    };
    let villages: Vec<Value> = places::townships(&site.db)
        .await?
        .into_iter()
        .map(|t| {
            let options: Vec<Value> = t
                .villages
                .iter()
                .map(|v| json!({"value": v.code, "label": v.name, "selected": Some(v.code.as_str()) == place}))
                .collect();
            json!({"label": t.name, "options": options})
        })
        .collect();
    let mut kms: Vec<f64> = DISTANCES.iter().map(|&d| f64::from(d)).collect();
    if !kms.contains(&a.km) {
        kms.push(a.km);
        kms.sort_by(f64::total_cmp);
    }
    let distances: Vec<Value> = kms
        .iter()
        .map(|&km| {
            let text = km_text(km);
            let label = match i18n::current() {
                Locale::ZhCn => format!("{text} 公里内"),
                Locale::En => format!("within {text} km"),
            };
            json!({"value": text, "label": label, "selected": km == a.km})
        })
        .collect();
    let categories: Vec<Value> = Category::ALL
        .iter()
        .map(|&c| json!({"value": c.code(), "label": category_name(c), "selected": Some(c) == a.category}))
        .collect();
    Ok(json!({
        "offers": offers,
        "villages": villages,
        "distances": distances,
        "categories": categories,
    }))
}

/// Where the origin is, in words: "服务 1 …" or the village's name.
fn origin_label(a: &Around) -> Option<String> {
    match &a.origin {
        Origin::Offer(o) => {
            let number = a.offers.iter().position(|x| x.id == o.id).unwrap_or(0) + 1;
            Some(offer_label(number, o))
        }
        Origin::Village(_, name) => Some(name.clone()),
        Origin::Nowhere => None,
    }
}

/// The next larger distance to suggest when nothing is near.
fn larger(km: f64) -> Option<u32> {
    DISTANCES.into_iter().find(|&d| f64::from(d) > km)
}

async fn list(site: Site, q: web::Query<NearQuery>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let a = around(&site, me, &q).await.map_err(|e| site.fail(e))?;
    let page = a.needs(&site, me, PAGE).await.map_err(|e| site.fail(e))?;
    let items = need_items(&site, &a, &page)
        .await
        .map_err(|e| site.fail(e))?;
    let next_url = page
        .next_cursor
        .as_deref()
        .map(|c| a.url("/needs", a.km, a.category, Some(c)));
    let first_url = a.cursor.map(|_| a.here("/needs"));
    let larger = larger(a.km);
    let context = json!({
        "filters": filters(&site, &a).await.map_err(|e| site.fail(e))?,
        "action": "/needs",
        "origin": origin_label(&a),
        "has_offers": !a.offers.is_empty(),
        "placed": a.point.is_some(),
        "km": km_text(a.km),
        "category": a.category.map(category_name),
        "all_categories_url": a.category.map(|_| a.url("/needs", a.km, None, None)),
        "items": items,
        "next_url": next_url,
        "first_url": first_url,
        "larger_km": larger,
        "larger_url": larger.map(|km| a.url("/needs", f64::from(km), a.category, None)),
        "map_url": a.here("/needs/map"),
    });
    Ok(site.render(StatusCode::OK, "volunteer/needs.html", context))
}
