//! The volunteer's matches: proposals to answer (with their deadline),
//! accepted matches with the cadre to call, and the history, as tabs of
//! one list; one match's page (`one`) with its answers, cancel, "I have
//! delivered the help" and its timeline. The emails' links land here:
//! `/matches?tab=proposed` and `/matches/{id}`.

mod one;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::{MatchStatus, Role};
use crate::i18n::{self, Locale, Text};
use crate::services::match_reads::{self, VolunteerMatch};
use crate::services::{matches::expires_label, nearby};
use crate::store::now_ms;
use crate::web::Site;
use crate::web::need_labels::{category_name, urgency_badge};
use crate::web::page::{PageResult, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/matches").route(web::get().to(list)));
    one::configure(cfg);
}

/// Matches on one page of a tab: a page stays far below 60 KB.
const PAGE: usize = 20;

/// The three lists of "my matches".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Proposed,
    Accepted,
    History,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::Proposed, Tab::Accepted, Tab::History];

    fn key(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::History => "history",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tab| tab.key() == key)
    }

    fn statuses(self) -> &'static [MatchStatus] {
        use MatchStatus::*;
        match self {
            Self::Proposed => &[Proposed],
            Self::Accepted => &[Accepted],
            Self::History => &[Completed, Declined, Expired, Cancelled],
        }
    }

    fn of(status: MatchStatus) -> Self {
        Self::ALL
            .into_iter()
            .find(|tab| tab.statuses().contains(&status))
            .unwrap_or(Self::History)
    }

    fn label(self) -> Text {
        match self {
            Self::Proposed => Text::fixed("待答复", "To answer"),
            Self::Accepted => Text::fixed("进行中", "Under way"),
            Self::History => Text::fixed("已结束", "History"),
        }
    }

    /// What to do when the tab is empty, and a link to do it.
    fn empty(self) -> (Text, &'static str, Text) {
        let text = match self {
            Self::Proposed => Text::fixed(
                "现在没有等您答复的提议。有适合您的需求时，我们会发邮件通知您；您也可以去看看附近的需求，直接认领一项。",
                "No proposals are waiting for your answer. We email you when a need fits your offer; you can also browse the needs near you and claim one.",
            ),
            Self::Accepted => Text::fixed(
                "您现在没有进行中的帮扶。在附近的需求里认领一项，或接受一项提议，它就会出现在这里。",
                "You have no match under way. Claim a need near you, or accept a proposal, and it shows here.",
            ),
            Self::History => Text::fixed(
                "还没有结束的帮扶。完成、婉拒、过期或取消的帮扶会列在这里。",
                "Nothing has ended yet. Completed, declined, expired and cancelled matches are listed here.",
            ),
        };
        (
            text,
            "/needs",
            Text::fixed("看看附近的需求", "See needs near me"),
        )
    }
}

#[derive(Deserialize)]
struct ListParams {
    tab: Option<String>,
    cursor: Option<String>,
}

/// `GET /matches?tab=proposed|accepted|history&cursor=`: one tab of the
/// volunteer's matches; without a tab, the proposals when there are any.
async fn list(site: Site, q: web::Query<ListParams>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let counts = match_reads::volunteer_counts(&site.db, me)
        .await
        .map_err(|e| site.fail(e))?;
    let count = |tab: Tab| -> u64 {
        let of = |s: &MatchStatus| counts.get(s).copied().unwrap_or(0);
        tab.statuses().iter().map(of).sum()
    };
    let default = if count(Tab::Proposed) > 0 {
        Tab::Proposed
    } else {
        Tab::Accepted
    };
    let tab = q.tab.as_deref().and_then(Tab::parse).unwrap_or(default);
    // A cursor that is not an id (edited by hand) starts from the top.
    let after = q.cursor.as_deref().and_then(|c| Uuid::parse_str(c).ok());
    let newest_first = tab == Tab::History;
    let mut rows = match_reads::volunteer_list(
        &site.db,
        me,
        tab.statuses(),
        newest_first,
        after,
        PAGE as u64 + 1,
    )
    .await
    .map_err(|e| site.fail(e))?;
    let next_url = (rows.len() > PAGE).then(|| {
        rows.truncate(PAGE);
        let last = rows.last().map(|v| v.m.id).unwrap_or_default();
        format!("/matches?tab={}&cursor={last}", tab.key())
    });
    let locale = i18n::current();
    let tabs: Vec<Value> = Tab::ALL
        .into_iter()
        .map(|each| {
            json!({"href": format!("/matches?tab={}", each.key()), "label": each.label().get(locale),
                   "count": count(each), "current": each == tab})
        })
        .collect();
    let (empty, empty_url, empty_label) = tab.empty();
    let items: Vec<Value> = rows.iter().map(|v| item(&site, v)).collect();
    Ok(site.render(
        StatusCode::OK,
        "volunteer/matches.html",
        json!({
            "tab": tab.key(), "tabs": tabs, "items": items,
            "next_url": next_url, "first_url": after.map(|_| format!("/matches?tab={}", tab.key())),
            "empty": empty.get(locale), "empty_url": empty_url, "empty_label": empty_label.get(locale),
        }),
    ))
}

/// A match as the list and the match's page show it.
fn item(site: &Site, v: &VolunteerMatch) -> Value {
    let locale = i18n::current();
    let (m, n) = (&v.m, &v.need);
    let (urgency, urgency_class) = urgency_badge(n.urgency);
    let deadline = m
        .expires_at
        .filter(|_| m.status == MatchStatus::Proposed)
        .map(|at| deadline(site, at));
    json!({
        "id": m.id, "url": format!("/matches/{}", m.id),
        "title": n.title, "description": n.description,
        "category": category_name(n.category),
        "urgency": urgency, "urgency_class": urgency_class,
        "village": n.village_name,
        "distance": n.distance_m.map(|d| distance_text(nearby::shown_km(d), locale)),
        "status": m.status.as_str(), "status_label": m.status.label().get(locale),
        "date": expires_label(site, m.updated_at).split(' ').next().unwrap_or_default(),
        "deadline": deadline,
        "contact": v.contact.as_ref().map(|c| json!({
            "name": c.name, "phone": c.phone,
            "tel": c.phone.as_deref().map(crate::web::page::tel),
        })),
    })
}

fn distance_text(km: f64, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("距您 {km:.1} 公里"),
        Locale::En => format!("{km:.1} km away"),
    }
}

/// A proposal's deadline: the instant for the countdown script, the time
/// left as the page first shows it (the script's words, so nothing jumps),
/// whether it passed, and the local time it falls at.
fn deadline(site: &Site, at_ms: i64) -> Value {
    let left = at_ms - now_ms();
    let text = if left <= 0 {
        t("已到期", "expired")
    } else {
        let (h, m) = (left / 3_600_000, left % 3_600_000 / 60_000);
        match i18n::current() {
            Locale::ZhCn => format!("还剩 {h} 小时 {m} 分"),
            Locale::En => format!("{h} h {m} min left"),
        }
    };
    json!({"iso": iso(at_ms), "left": text, "passed": left <= 0, "at": expires_label(site, at_ms)})
}

fn iso(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
