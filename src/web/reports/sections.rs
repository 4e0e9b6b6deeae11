//! The dashboard's charts and tables, from the figures: weekly lines,
//! match rate by place (worst first, each place a link one level down),
//! the category mix, the waiting days of open needs, and the rows of the
//! tables beneath them.

use serde_json::{Value, json};

use crate::services::stats::{BreakdownRow, Figures};
use crate::store::stats::waiting_bucket_labels;
use crate::web::charts::{self, Bar, Frame, Series};
use crate::web::page::t;

/// The most places a chart draws; the table below lists them all.
pub const MAX_BARS: usize = 40;

pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_owned(), |h| format!("{h:.1}"))
}

pub fn figures(f: &Figures) -> Value {
    json!({
        "needs_posted": f.needs_posted, "needs_matched": f.needs_matched,
        "needs_fulfilled": f.needs_fulfilled, "needs_open": f.needs_open,
        "matches_completed": f.matches_completed, "matches_declined": f.matches_declined,
        "matches_expired": f.matches_expired, "matches_cancelled": f.matches_cancelled,
        "match_rate": percent(f.match_rate), "fulfilment_rate": percent(f.fulfilment_rate),
        "match_success_rate": percent(f.match_success_rate),
        "median_hours_to_match": hours(f.median_hours_to_match),
        "median_hours_to_complete": hours(f.median_hours_to_complete),
        "needs_escalated": f.needs_escalated,
        "needs_escalated_county": f.needs_escalated_county,
        "median_hours_escalation_to_match": hours(f.median_hours_escalation_to_match),
        // Bar lengths, in percent of the track.
        "match_bar": f.match_rate.unwrap_or(0.0) * 100.0,
        "fulfil_bar": f.fulfilment_rate.unwrap_or(0.0) * 100.0,
    })
}

/// A table's rows; `link` gives the drill-down of a row's key, if any.
pub fn rows(rows: &[BreakdownRow], link: impl Fn(&str) -> Option<String>) -> Vec<Value> {
    rows.iter()
        .map(|r| json!({"key": r.key, "name": r.name, "href": link(&r.key), "figures": figures(&r.figures)}))
        .collect()
}

/// Posted, matched and fulfilled needs per week, as lines.
pub fn weekly(weeks: &[BreakdownRow]) -> String {
    // `2026-11-30 ~ 2026-12-06` → `11-30`, the week's Monday.
    let labels: Vec<String> = weeks
        .iter()
        .map(|w| w.name.get(5..10).unwrap_or(&w.key).to_owned())
        .collect();
    let line = |name: String, class, value: fn(&Figures) -> i64| Series {
        name,
        class,
        values: weeks.iter().map(|w| value(&w.figures) as f64).collect(),
    };
    let series = [
        line(t("发布", "posted"), "posted", |f| f.needs_posted),
        line(t("已对接", "matched"), "matched", |f| f.needs_matched),
        line(t("已完成", "fulfilled"), "fulfilled", |f| {
            f.needs_fulfilled
        }),
    ];
    let title = t(
        "每周发布、对接、完成的需求（按发布周）",
        "Needs posted, matched and fulfilled per week (by week posted)",
    );
    let frame = Frame {
        title: &title,
        unit: &t("件", "needs"),
        empty: &t("这段时间没有需求。", "No needs in this period."),
    };
    charts::line_chart(&frame, &labels, &series)
}

/// Match rate by place, worst first (places without needs are not rows).
pub fn match_rate_by_place(
    places: &[BreakdownRow],
    place_heading: &str,
    link: impl Fn(&str) -> Option<String>,
) -> String {
    let mut sorted: Vec<&BreakdownRow> = places.iter().collect();
    sorted.sort_by(|a, b| {
        let rate = |r: &BreakdownRow| r.figures.match_rate.unwrap_or(0.0);
        rate(a).total_cmp(&rate(b)).then_with(|| a.key.cmp(&b.key))
    });
    let bars: Vec<Bar> = sorted
        .iter()
        .take(MAX_BARS)
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.figures.match_rate.unwrap_or(0.0) * 100.0,
            shown: format!(
                "{} ({}/{})",
                percent(r.figures.match_rate),
                r.figures.needs_matched,
                r.figures.needs_posted
            ),
            href: link(&r.key),
        })
        .collect();
    let title = format!(
        "{}{place_heading}{}",
        t("各", "Match rate by "),
        t("对接率（由低到高）", ", lowest first")
    );
    let frame = Frame {
        title: &title,
        unit: &t("对接率 %", "match rate %"),
        empty: &t("这段时间没有需求。", "No needs in this period."),
    };
    charts::bar_chart(&frame, &bars, Some(100.0))
}

/// Needs posted by category, most first, with each one's share.
pub fn category_mix(categories: &[BreakdownRow]) -> String {
    let total: i64 = categories.iter().map(|c| c.figures.needs_posted).sum();
    let mut sorted: Vec<&BreakdownRow> = categories.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.figures.needs_posted));
    let bars: Vec<Bar> = sorted
        .iter()
        .map(|c| Bar {
            label: c.name.clone(),
            value: c.figures.needs_posted as f64,
            shown: format!(
                "{} ({:.0}%)",
                c.figures.needs_posted,
                c.figures.needs_posted as f64 * 100.0 / total.max(1) as f64
            ),
            href: None,
        })
        .collect();
    let title = t("各类别发布的需求", "Needs posted by category");
    let frame = Frame {
        title: &title,
        unit: &t("件", "needs"),
        empty: &t("这段时间没有需求。", "No needs in this period."),
    };
    charts::bar_chart(&frame, &bars, None)
}

/// How long the open needs have waited, by bucket of days.
pub fn waiting_days(buckets: &[i64]) -> String {
    let labels = waiting_bucket_labels();
    let bars: Vec<Bar> = labels
        .into_iter()
        .zip(buckets)
        .map(|(label, n)| Bar {
            label: format!("{label}{}", t("天", "d")),
            value: *n as f64,
            shown: n.to_string(),
            href: None,
        })
        .collect();
    let title = t("待对接需求已等待的天数", "Days the open needs have waited");
    let frame = Frame {
        title: &title,
        unit: &t("件", "needs"),
        empty: "",
    };
    charts::column_chart(&frame, &bars)
}

/// The standing help's figures in the period (户帮户亲帮亲); none where the
/// region has no key household.
pub fn standing_help(f: &crate::services::pairing_figures::PairingFigures) -> Value {
    if f.key_households == 0 {
        return Value::Null;
    }
    json!({
        "key_households": f.key_households,
        "paired": f.key_households_paired,
        "paired_rate": percent(f.paired_rate),
        "helpers": f.helpers,
        "liaisons": f.liaisons,
        "visits_due": f.visits_due,
        "visits_done": f.visits_done,
        "visits_overdue": f.visits_overdue,
        "relatives_visits": f.relatives_visits,
        "raised_at_visits": f.raised_at_visits,
        "visits_fulfilment": percent(f.raised_at_visits_fulfilment_rate),
        "meetings": f.meetings,
        "raised_at_meetings": f.raised_at_meetings,
        "meetings_fulfilment": percent(f.raised_at_meetings_fulfilment_rate),
        "pairing_proposals": f.pairing_proposals,
        "pairing_match_rate": percent(f.pairing_match_rate),
        "round_proposals": f.round_proposals,
        "round_match_rate": percent(f.round_match_rate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_buckets_are_labelled_by_their_days() {
        let svg = waiting_days(&[1, 2, 3, 4, 5]);
        for label in ["0–3", "4–7", "8–14", "15–30", "&gt;30"] {
            assert!(svg.contains(label), "{label}: {svg}");
        }
    }
}
