//! The cadre's home page, `/work`: the needs waiting longest (the stale
//! ones marked), the matches waiting for their confirmation, and what
//! changed since their last visit — each section a page of the
//! `work_list` service, with a "more" link to that section alone, paged
//! by its keyset. Opening the page itself (not a section's further pages)
//! is a visit: the next one tells what happened after it.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::matches::change_text;
use crate::domain::Role;
use crate::i18n::{self, Locale};
use crate::services::matches::expires_label;
use crate::services::work_list::{self, Change, ToConfirm, WaitingNeed};
use crate::store::now_ms;
use crate::web::Site;
use crate::web::need_labels::{category_name, urgency_badge};
use crate::web::page::PageResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/work").route(web::get().to(show)));
}

/// Items in a section: a page stays far below 60 KB.
const PAGE: usize = 20;

#[derive(Deserialize)]
struct Params {
    /// One section alone, paged: `waiting`, `confirm` or `changes`.
    section: Option<String>,
    /// The last item shown, `<ms>.<id>`.
    after: Option<String>,
    /// The changes' window, fixed while paging through them.
    since: Option<i64>,
    until: Option<i64>,
}

/// `<ms>.<id>`, a keyset cursor; one edited by hand starts from the top.
fn cursor(text: Option<&str>) -> Option<(i64, Uuid)> {
    let (at, id) = text?.split_once('.')?;
    Some((at.parse().ok()?, Uuid::parse_str(id).ok()?))
}

/// The rows past the page, cut off; the cursor of the page's last row.
fn page_of<T>(rows: &mut Vec<T>, key: impl Fn(&T) -> (i64, Uuid)) -> Option<String> {
    (rows.len() > PAGE).then(|| {
        rows.truncate(PAGE);
        let (at, id) = rows.last().map(&key).unwrap_or_default();
        format!("{at}.{id}")
    })
}

/// `GET /work` (all three sections; a visit) or
/// `GET /work?section=…&after=…` (one section, a further page).
async fn show(site: Site, q: web::Query<Params>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let now = now_ms();
    let section = q
        .section
        .as_deref()
        .filter(|s| ["waiting", "confirm", "changes"].contains(s));
    let after = cursor(q.after.as_deref());
    let wants = |s: &str| section.is_none_or(|only| only == s);
    let fail = |e| site.fail(e);
    let mut context = serde_json::Map::new();
    context.insert("section".into(), json!(section));
    context.insert("stale_days".into(), json!(site.settings.stale_days));
    context.insert(
        "confirm_days".into(),
        json!(site.settings.confirm_after_days),
    );
    if section.is_none() {
        let standing = crate::web::pairings::work_counts(&site, me)
            .await
            .map_err(fail)?;
        context.insert("standing".into(), standing);
    }
    if wants("waiting") {
        let limit = PAGE as u64 + 1;
        let mut w = work_list::waiting(&site, me, now, after, limit)
            .await
            .map_err(fail)?;
        let next = page_of(&mut w.items, |i| (i.need.posted_at, i.need.id))
            .map(|c| format!("/work?section=waiting&after={c}"));
        let items: Vec<Value> = w.items.iter().map(waiting_item).collect();
        context.insert(
            "waiting".into(),
            json!({"items": items, "total": w.total, "stale": w.stale, "next": next}),
        );
    }
    if wants("confirm") {
        let limit = PAGE as u64 + 1;
        let mut rows = work_list::to_confirm(&site, me, now, after, limit)
            .await
            .map_err(fail)?;
        let next = page_of(&mut rows, |c| (c.m.accepted_at.unwrap_or_default(), c.m.id))
            .map(|c| format!("/work?section=confirm&after={c}"));
        let items: Vec<Value> = rows.iter().map(|c| confirm_item(&site, c)).collect();
        context.insert("confirm".into(), json!({"items": items, "next": next}));
    }
    if wants("changes") {
        let (since, until, previous) = match section {
            // A further page of the window the visit showed.
            Some(_) => {
                let since = q.since.unwrap_or(now);
                (
                    work_list::changes_since(Some(since), now),
                    q.until.unwrap_or(now),
                    Some(since),
                )
            }
            None => {
                let previous = work_list::visit(&site, me, now).await.map_err(fail)?;
                (work_list::changes_since(previous, now), now, previous)
            }
        };
        let limit = PAGE as u64 + 1;
        let mut rows = work_list::changes(&site, me, (since, until), after, limit)
            .await
            .map_err(fail)?;
        let next = page_of(&mut rows, |c| (c.event.at, c.event.id))
            .map(|c| format!("/work?section=changes&since={since}&until={until}&after={c}"));
        let items: Vec<Value> = rows.iter().map(|c| change_item(&site, c)).collect();
        // A last visit longer ago than the window shows: say so.
        let capped = previous.is_some_and(|at| at < since);
        context.insert(
            "changes".into(),
            json!({"items": items, "next": next, "capped": capped,
                   "since": previous.map(|at| expires_label(&site, at))}),
        );
    }
    Ok(site.render(StatusCode::OK, "cadre/work.html", Value::Object(context)))
}

/// "Waited N days", and whether that is stale, as the list shows it.
fn waited(days: i64, stale: bool) -> String {
    match (i18n::current(), stale) {
        (Locale::ZhCn, false) if days == 0 => "今天发布".to_owned(),
        (Locale::En, false) if days == 0 => "posted today".to_owned(),
        (Locale::ZhCn, false) => format!("已等 {days} 天"),
        (Locale::ZhCn, true) => format!("已等 {days} 天 · 超期"),
        (Locale::En, false) => format!("waited {days} d"),
        (Locale::En, true) => format!("waited {days} d · overdue"),
    }
}

fn waiting_item(w: &WaitingNeed) -> Value {
    let n = &w.need;
    let (urgency, urgency_class) = urgency_badge(n.urgency);
    json!({
        "url": format!("/needs/{}", n.id), "title": n.title, "category": category_name(n.category),
        "urgency": urgency, "urgency_class": urgency_class,
        "village": w.village_name, "waited": waited(w.days_open, w.stale), "stale": w.stale,
        "escalation": super::needs::story::overdue_mark(n),
    })
}

fn confirm_item(site: &Site, c: &ToConfirm) -> Value {
    let locale = i18n::current();
    let why = match (&c.delivered, locale) {
        (Some(e), Locale::ZhCn) => format!("{} 报告已送达", expires_label(site, e.at)),
        (Some(e), Locale::En) => format!("reported delivered {}", expires_label(site, e.at)),
        (None, Locale::ZhCn) => format!("接受已 {} 天，未报告送达", c.days_accepted),
        (None, Locale::En) => format!("accepted {} d ago, no delivery report", c.days_accepted),
    };
    json!({
        "url": format!("/matches/{}", c.m.id), "title": c.need.title,
        "category": category_name(c.need.category), "village": c.village_name,
        "volunteer": c.volunteer_name, "why": why, "reported": c.delivered.is_some(),
        "note": c.delivered.as_ref().and_then(|e| e.note.clone()),
    })
}

fn change_item(site: &Site, c: &Change) -> Value {
    json!({
        "url": format!("/matches/{}", c.event.match_id), "title": c.need_title,
        "what": change_text(c.kind, c.volunteer_name.as_deref()),
        "at": expires_label(site, c.event.at), "note": c.event.from_status.and(c.event.note.clone()),
    })
}
