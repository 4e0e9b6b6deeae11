//! `/waiting`: every open need of the coordinator's region, longest waiting
//! (or most urgent) first, filtered by place and category, keyset-paged;
//! `/waiting/export` is the same filtered list as CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::coordinator;
use crate::domain::escalation::EscalationLevel;
use crate::domain::period::local_date;
use crate::domain::{Caller, Category, Reach, RegionPrefix};
use crate::i18n::{self, Locale};
use crate::services::export::waiting::{WaitingRow, waiting_csv};
use crate::services::matches::expires_label;
use crate::services::schedules::days_open;
use crate::store::entity::need;
use crate::store::waiting::{self, Filter, Key, Order};
use crate::store::{self, now_ms};
use crate::web::Site;
use crate::web::cadre::needs::story::overdue_mark;
use crate::web::need_labels::{category_name, day_count, urgency_badge};
use crate::web::page::{PageResult, t};
use crate::web::places::{my_townships, region_choices};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/waiting").route(web::get().to(list)))
        .service(web::resource("/waiting/export").route(web::get().to(export)));
}

/// Rows on a page.
const PAGE: u64 = 25;
/// Rows in an export at most; the rest are left to a narrower filter.
pub const EXPORT_MAX: u64 = 10_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    /// `waited` (default) or `urgency`.
    sort: String,
    /// A township or village code.
    place: String,
    /// A category code.
    category: String,
    /// `any`, `township` or `county`: escalated needs only.
    escalation: String,
    /// The last row shown: `<urgency>.<posted ms>.<id>`.
    after: String,
}

impl Params {
    fn order(&self) -> Order {
        if self.sort == "urgency" {
            Order::Urgency
        } else {
            Order::Waited
        }
    }

    fn category(&self) -> Option<Category> {
        self.category.parse().ok()
    }

    fn escalation(&self) -> Option<Option<EscalationLevel>> {
        match self.escalation.as_str() {
            "any" => Some(None),
            level => level.parse().ok().map(Some),
        }
    }

    fn place(&self) -> Option<RegionPrefix> {
        RegionPrefix::parse(self.place.trim()).ok()
    }

    /// The filter the caller may read: their region and the place picked
    /// (both must hold, so a place outside their region lists nothing);
    /// none for staff without a region.
    fn filter(&self, me: &Caller) -> Option<Filter> {
        let mut regions = match me.reach() {
            Reach::Everywhere => Vec::new(),
            Reach::Within(prefix) => vec![prefix.clone()],
            Reach::Nowhere => return None,
        };
        regions.extend(self.place());
        Some(Filter {
            regions,
            category: self.category(),
            escalation: self.escalation(),
        })
    }

    /// The filters as a query string (without the cursor).
    fn query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if self.order() == Order::Urgency {
            s.append_pair("sort", "urgency");
        }
        if let Some(p) = self.place() {
            s.append_pair("place", p.as_str());
        }
        if let Some(c) = self.category() {
            s.append_pair("category", c.code());
        }
        match self.escalation() {
            None => {}
            Some(None) => {
                s.append_pair("escalation", "any");
            }
            Some(Some(level)) => {
                s.append_pair("escalation", level.as_str());
            }
        }
        s.finish()
    }
}

/// `<urgency>.<posted ms>.<id>`; one edited by hand starts from the top.
fn cursor(text: &str) -> Option<Key> {
    let mut parts = text.splitn(3, '.');
    Some(Key {
        urgency: parts.next()?.parse().ok()?,
        posted_at: parts.next()?.parse().ok()?,
        id: Uuid::parse_str(parts.next()?).ok()?,
    })
}

fn cursor_text(k: &Key) -> String {
    format!("{}.{}.{}", k.urgency, k.posted_at, k.id)
}

/// "Waited N days" as the list shows it.
fn waited(days: i64) -> String {
    let n = day_count(days);
    match i18n::current() {
        Locale::ZhCn => format!("已等 {n}"),
        Locale::En => format!("waited {n}"),
    }
}

/// `GET /waiting`: a page of the open needs.
#[tracing::instrument(skip_all)]
async fn list(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let now = now_ms();
    let townships = my_townships(&site, me).await?;
    let place = q.place().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let categories: Vec<Value> = Category::ALL
        .iter()
        .map(|c| {
            json!({"value": c.code(), "label": category_name(*c),
                        "selected": q.category() == Some(*c)})
        })
        .collect();
    let sorts = [
        ("waited", t("等待天数", "Days waiting")),
        ("urgency", t("紧急程度", "Urgency")),
    ]
    .map(|(v, l)| {
        json!({"value": v, "label": l,
                             "selected": (v == "urgency") == (q.order() == Order::Urgency)})
    });
    let shown = q.escalation();
    let escalations = [
        (
            "any",
            t("已上报（任一级）", "Escalated (any level)"),
            Some(None),
        ),
        (
            "township",
            t("已上报乡镇", "Escalated to township"),
            Some(Some(EscalationLevel::Township)),
        ),
        (
            "county",
            t("已上报县级", "Escalated to county"),
            Some(Some(EscalationLevel::County)),
        ),
    ]
    .map(|(v, l, e)| json!({"value": v, "label": l, "selected": e == shown}));
    let (rows, total, next) = match q.filter(me) {
        Some(filter) => {
            let after = cursor(&q.after);
            let mut rows = waiting::page(&site.db, &filter, q.order(), after, PAGE + 1)
                .await
                .map_err(|e| site.fail(e.into()))?;
            let next = (rows.len() as u64 > PAGE).then(|| {
                rows.truncate(PAGE as usize);
                rows.last()
                    .map(|n| cursor_text(&Key::of(n)))
                    .unwrap_or_default()
            });
            let total = waiting::count(&site.db, &filter)
                .await
                .map_err(|e| site.fail(e.into()))?;
            (rows, total, next)
        }
        None => (Vec::new(), 0, None),
    };
    let names = store::regions::names(&site.db, rows.iter().map(|n| n.region.clone()))
        .await
        .map_err(|e| site.fail(e.into()))?;
    let items: Vec<Value> = rows
        .iter()
        .map(|n| {
            let (urgency, urgency_class) = urgency_badge(n.urgency);
            json!({
                "url": format!("/needs/{}", n.id), "title": n.title,
                "category": category_name(n.category),
                "urgency": urgency, "urgency_class": urgency_class,
                "village": names.get(&n.region).cloned().unwrap_or_default(),
                "waited": waited(days_open(n.posted_at, now)),
                "escalation": overdue_mark(n),
                "follow_up": n.follow_up_at
                    .filter(|at| *at > now)
                    .map(|at| local_date(at, site.settings.timezone).to_string()),
            })
        })
        .collect();
    let query = q.query();
    let join = |base: &str, extra: &str| match (query.is_empty(), extra.is_empty()) {
        (true, true) => base.to_owned(),
        (true, false) => format!("{base}?{extra}"),
        (false, true) => format!("{base}?{query}"),
        (false, false) => format!("{base}?{query}&{extra}"),
    };
    let next_url = next.map(|c| join("/waiting", &format!("after={c}")));
    let first_url = (!q.after.is_empty()).then(|| join("/waiting", ""));
    Ok(site.render(
        StatusCode::OK,
        "coordinator/waiting.html",
        json!({
            "items": items, "total": total, "next_url": next_url, "first_url": first_url,
            "places": region_choices(&townships, me, &place),
            "categories": categories, "sorts": sorts, "escalations": escalations,
            "export_url": join("/waiting/export", ""),
            "filtered": !query.is_empty(),
        }),
    ))
}

/// `GET /waiting/export`: the filtered list as CSV, longest waiting first
/// (or most urgent), at most `EXPORT_MAX` rows.
#[tracing::instrument(skip_all)]
async fn export(site: Site, q: web::Query<Params>) -> PageResult {
    let me = coordinator(&site)?;
    let now = now_ms();
    let mut rows: Vec<need::Model> = Vec::new();
    if let Some(filter) = q.filter(me) {
        let mut after = None;
        while (rows.len() as u64) < EXPORT_MAX {
            let chunk = waiting::page(&site.db, &filter, q.order(), after, 1000)
                .await
                .map_err(|e| site.fail(e.into()))?;
            let done = chunk.len() < 1000;
            after = chunk.last().map(Key::of);
            rows.extend(chunk);
            if done {
                break;
            }
        }
        rows.truncate(EXPORT_MAX as usize);
    }
    let names = store::regions::names(&site.db, rows.iter().map(|n| n.region.clone()))
        .await
        .map_err(|e| site.fail(e.into()))?;
    let out: Vec<WaitingRow> = rows
        .iter()
        .map(|n| WaitingRow {
            id: n.id.to_string(),
            region: n.region.clone(),
            village: names.get(&n.region).cloned().unwrap_or_default(),
            category: category_name(n.category).to_owned(),
            title: n.title.clone(),
            urgency: urgency_badge(n.urgency).0.unwrap_or_default(),
            posted: expires_label(&site, n.posted_at),
            days_waiting: days_open(n.posted_at, now),
            escalation: overdue_mark(n).unwrap_or_default(),
            follow_up: n
                .follow_up_at
                .map(|at| local_date(at, site.settings.timezone).to_string())
                .unwrap_or_default(),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"waiting-needs.csv\"",
        ))
        .body(waiting_csv(&out, i18n::current())))
}
