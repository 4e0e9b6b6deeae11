//! A need as the cadre's pages show it: its facts in words and its story
//! as a timeline, told from staff's side. A volunteer is "a volunteer"
//! until they accept (the service gives their name only then).

use serde_json::{Value, json};

use crate::domain::{Caller, MatchEventKind, MatchOrigin, MatchStatus, NeedStatus};
use crate::i18n::{self, Text};
use crate::services::matches::expires_label;
use crate::services::need_stories::{Actor, MatchStory, NeedStory, StoryEvent};
use crate::store::entity::need;
use crate::web::Site;
use crate::web::need_labels::{category_name, urgency_badge};

/// Text in the reader's language, from both.
fn say(zh: String, en: String) -> String {
    Text::owned(zh, en).get(i18n::current()).to_owned()
}

fn iso(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A need's status as words, and its badge's class.
fn status(s: NeedStatus) -> (String, &'static str) {
    let class = match s {
        NeedStatus::Open => "soon",
        NeedStatus::Matched | NeedStatus::Fulfilled => "",
        NeedStatus::Cancelled => "muted",
    };
    (s.label().get(i18n::current()).to_owned(), class)
}

/// The facts of a need, without its story.
pub fn facts(site: &Site, n: &need::Model) -> Value {
    let (urgency, urgency_class) = urgency_badge(n.urgency);
    let (status_label, status_class) = status(n.status);
    json!({
        "id": n.id, "url": format!("/needs/{}", n.id),
        "household_url": format!("/households/{}", n.household_id),
        "title": n.title, "description": n.description,
        "category": category_name(n.category),
        "urgency": urgency, "urgency_class": urgency_class,
        "status": n.status.as_str(), "status_label": status_label, "status_class": status_class,
        "open": n.status == NeedStatus::Open,
        "posted": expires_label(site, n.posted_at),
        "cancel_reason": n.cancel_reason,
        "escalation": overdue_mark(n),
        "follow_up": n.follow_up_at.map(|at| day_label(site, at)),
    })
}

/// The overdue mark of an open need that escalated (周调度): its level's
/// words, or none.
pub fn overdue_mark(n: &need::Model) -> Option<String> {
    n.escalation
        .filter(|_| n.status == NeedStatus::Open)
        .map(|l| l.label().get(i18n::current()).to_owned())
}

/// A day as the reader's pages write it (`2026-12-09`).
fn day_label(site: &Site, at: i64) -> String {
    crate::domain::period::local_date(at, site.settings.timezone).to_string()
}

/// A need with its story: the facts, the timeline, and the match under
/// way (if any) with where to follow it.
pub fn view(site: &Site, me: &Caller, story: &NeedStory) -> Value {
    let n = &story.need;
    let mut lines = vec![line(
        site,
        n.posted_at,
        say("发布需求".into(), "Need posted".into()),
        None,
    )];
    for m in &story.matches {
        for e in &m.events {
            lines.push(event_line(site, me, m, e));
        }
    }
    for (e, place) in &story.escalations {
        let what = say(
            format!("无人承接，上报至{place}协调员"),
            format!("Nobody took it: escalated to the coordinators of {place}"),
        );
        lines.push(line(site, e.at, what, None));
    }
    for (a, name) in &story.acknowledgements {
        let what = say(
            format!("{name} 确认处理，{} 回访", a.follow_up),
            format!("{name} acknowledged it, to look again on {}", a.follow_up),
        );
        lines.push(line(site, a.at, what, Some(&a.note)));
    }
    if n.status == NeedStatus::Cancelled {
        let what = say("需求已取消".into(), "Need cancelled".into());
        lines.push(line(site, n.updated_at, what, n.cancel_reason.as_deref()));
    }
    // Stable: within one instant, the order they were recorded in.
    lines.sort_by_key(|l| l["ms"].as_i64().unwrap_or_default());
    let mut v = facts(site, n);
    v["lines"] = json!(lines);
    v["live"] = live(site, story);
    v
}

fn line(site: &Site, at: i64, what: String, note: Option<&str>) -> Value {
    json!({"ms": at, "at": expires_label(site, at), "iso": iso(at), "what": what, "note": note})
}

/// The volunteer as staff may name them.
fn volunteer(m: &MatchStory) -> (String, String) {
    match &m.volunteer {
        Some(name) => (name.clone(), name.clone()),
        None => ("一位爱心人士".into(), "a volunteer".into()),
    }
}

/// Who moved a match, as the subject of a sentence.
fn who(me: &Caller, m: &MatchStory, by: &Actor) -> Option<(String, String)> {
    match by {
        Actor::Volunteer => Some(volunteer(m)),
        Actor::Staff { id, .. } if *id == me.user_id => Some(("您".into(), "You".into())),
        Actor::Staff { name, .. } if !name.is_empty() => Some((name.clone(), name.clone())),
        Actor::Staff { .. } => Some(("工作人员".into(), "Staff".into())),
        Actor::System => None,
    }
}

fn event_line(site: &Site, me: &Caller, m: &MatchStory, e: &StoryEvent) -> Value {
    use MatchStatus::*;
    let ev = &e.event;
    let (vz, ve) = volunteer(m);
    let by = who(me, m, &e.by);
    let reopened = ("，需求重新待匹配", "; the need is open again");
    let (zh, en) = match (ev.kind, ev.from_status, ev.to_status) {
        (MatchEventKind::Delivered, ..) => (
            format!("{vz}报告帮助已送达，等待确认"),
            format!("{ve} reported the help delivered, to be confirmed"),
        ),
        (_, None, Proposed) => match (m.m.origin, &by) {
            (MatchOrigin::Round, _) => (
                format!("匹配轮次把需求提议给了{vz}"),
                format!("A matching round proposed the need to {ve}"),
            ),
            (_, Some((sz, se))) if e.by != Actor::Volunteer => (
                format!("{sz}把需求提议给了{vz}"),
                format!("{se} proposed the need to {ve}"),
            ),
            _ => (
                format!("需求提议给了{vz}"),
                format!("The need was proposed to {ve}"),
            ),
        },
        (_, None, Accepted) => (format!("{vz}认领了需求"), format!("{ve} claimed the need")),
        (_, None, _) => ("匹配已建立".into(), "A match was made".into()),
        (_, _, Accepted) => (
            format!("{vz}接受了提议"),
            format!("{ve} accepted the proposal"),
        ),
        (_, _, Declined) => (
            format!("{vz}婉拒了提议{}", reopened.0),
            format!("{ve} declined the proposal{}", reopened.1),
        ),
        (_, _, Expired) => (
            format!("提议到期，{vz}未答复{}", reopened.0),
            format!("The proposal to {ve} expired unanswered{}", reopened.1),
        ),
        (_, _, Completed) => match &by {
            Some((sz, se)) => (
                format!("{sz}确认帮助已送达，帮扶完成"),
                format!("{se} confirmed the help arrived: completed"),
            ),
            None => (
                "确认帮助已送达，帮扶完成".into(),
                "The help was confirmed: completed".into(),
            ),
        },
        (_, _, Cancelled) => {
            let (sz, se) = by.unwrap_or(("".into(), "Someone".into()));
            (
                format!("{sz}取消了这次帮扶{}", reopened.0),
                format!("{se} cancelled the match{}", reopened.1),
            )
        }
        (_, _, Proposed) => (
            format!("需求重新提议给了{vz}"),
            format!("The need was proposed again to {ve}"),
        ),
    };
    // A match's first event carries the system's own note (its round),
    // not a person's words.
    let note = ev.from_status.and(ev.note.as_deref());
    line(site, ev.at, say(zh, en), note)
}

/// The match under way, said in a line, with the link to its page.
fn live(site: &Site, story: &NeedStory) -> Value {
    let Some(m) = story
        .matches
        .iter()
        .rev()
        .find(|m| matches!(m.m.status, MatchStatus::Proposed | MatchStatus::Accepted))
    else {
        return Value::Null;
    };
    let (vz, ve) = volunteer(m);
    let delivered = m
        .events
        .iter()
        .any(|e| e.event.kind == MatchEventKind::Delivered);
    let (zh, en) = match (m.m.status, delivered) {
        (MatchStatus::Proposed, _) => {
            let until = m.m.expires_at.map(|at| expires_label(site, at));
            let until = until.unwrap_or_default();
            (
                format!("已提议给{vz}，等待答复（{until} 截止）"),
                format!("Proposed to {ve}, awaiting an answer (until {until})"),
            )
        }
        (_, true) => (
            format!("{vz}已报告送达，请确认帮助是否到位"),
            format!("{ve} reported the help delivered: please confirm it arrived"),
        ),
        (_, false) => (format!("{vz}正在帮扶"), format!("{ve} is helping")),
    };
    json!({
        "url": format!("/matches/{}", m.m.id),
        "text": say(zh, en),
        "to_confirm": delivered && m.m.status == MatchStatus::Accepted,
    })
}
