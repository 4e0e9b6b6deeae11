//! The dashboard's filters: a period (this week, the last four weeks — the
//! default —, this quarter, or custom dates), a category and a place picked
//! by name. Read from the query string, checked, and turned into the
//! figures' scope; every link the page makes (drilling down, the
//! breadcrumb, the exports) keeps them.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::period::{Week, local_date, parse_instant, weeks_between};
use crate::domain::{Caller, Category, RegionPrefix};
use crate::i18n::Text;
use crate::services::stats::{self, MAX_WEEKS, Scope};
use crate::web::places::place_in_reach;

/// The query string as sent: empty fields mean "not given".
#[derive(Debug, Default, Deserialize)]
pub struct Raw {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub category: Option<String>,
    pub region: Option<String>,
    /// An ISO week (`2026-W48`), as the weekly digest links it.
    pub week: Option<String>,
}

impl Raw {
    pub fn parse(query: &str) -> Self {
        let raw: Self = serde_urlencoded::from_str(query).unwrap_or_default();
        let keep = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            period: keep(raw.period),
            from: keep(raw.from),
            to: keep(raw.to),
            category: keep(raw.category),
            region: keep(raw.region),
            week: keep(raw.week),
        }
    }
}

/// The periods the picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    ThisWeek,
    FourWeeks,
    Quarter,
    Custom,
}

impl Period {
    pub const ALL: [Self; 4] = [Self::ThisWeek, Self::FourWeeks, Self::Quarter, Self::Custom];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThisWeek => "week",
            Self::FourWeeks => "4w",
            Self::Quarter => "quarter",
            Self::Custom => "custom",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn label(self) -> Text {
        match self {
            Self::ThisWeek => Text::fixed("本周", "This week"),
            Self::FourWeeks => Text::fixed("最近 4 周", "Last 4 weeks"),
            Self::Quarter => Text::fixed("本季度", "This quarter"),
            Self::Custom => Text::fixed("自定日期", "Custom dates"),
        }
    }

    /// `[from, to)` of a preset period holding `now`, in local dates
    /// (`to` exclusive); `None` for custom.
    pub fn dates(self, now: i64, tz: Tz) -> Option<(NaiveDate, NaiveDate)> {
        let monday = Week::holding(now, tz).monday;
        let next_monday = monday + Duration::days(7);
        match self {
            Self::ThisWeek => Some((monday, next_monday)),
            Self::FourWeeks => Some((monday - Duration::days(21), next_monday)),
            Self::Quarter => {
                let today = local_date(now, tz);
                let first_month = (today.month0() / 3) * 3 + 1;
                let start = NaiveDate::from_ymd_opt(today.year(), first_month, 1)?;
                let end = match first_month {
                    10 => NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?,
                    m => NaiveDate::from_ymd_opt(today.year(), m + 3, 1)?,
                };
                Some((start, end))
            }
            Self::Custom => None,
        }
    }
}

/// The filters, checked.
#[derive(Debug, Clone)]
pub struct Filters {
    pub period: Period,
    /// The period's dates as the form and the exports show them.
    pub from: String,
    pub to: String,
    pub category: Option<Category>,
    /// The place looked at: the filter, else the caller's region (none for
    /// an admin's whole service).
    pub shown: Option<RegionPrefix>,
    pub scope: Scope,
}

/// Field name → message, shown beside each field.
pub type Errors = BTreeMap<&'static str, Text>;

fn date(text: &str, tz: Tz) -> Option<i64> {
    // A date picker sends `YYYY-MM-DD`; a digest link may send a week.
    parse_instant(text, tz).ok()
}

/// Checks `raw` for `caller` at `now`: the filters, or every field's message.
pub fn check(raw: &Raw, caller: &Caller, now: i64, tz: Tz) -> Result<Filters, Errors> {
    let mut errors = Errors::new();
    let week = raw.week.as_deref().and_then(|w| Week::parse_key(w, tz));
    if raw.week.is_some() && week.is_none() {
        errors.insert(
            "week",
            Text::fixed(
                "应为 ISO 周，如 2026-W48",
                "Expected an ISO week, e.g. 2026-W48",
            ),
        );
    }
    let period = match raw.period.as_deref() {
        Some(text) => Period::parse(text).unwrap_or_else(|| {
            errors.insert("period", Text::fixed("未知的时间段", "Unknown period"));
            Period::FourWeeks
        }),
        None if raw.from.is_some() || raw.to.is_some() || week.is_some() => Period::Custom,
        None => Period::FourWeeks,
    };
    let (from, to) = match (period.dates(now, tz), &week) {
        (Some((from, to)), _) => (from.to_string(), to.to_string()),
        (None, Some(w)) if raw.from.is_none() && raw.to.is_none() => (
            w.monday.to_string(),
            (w.monday + Duration::days(7)).to_string(),
        ),
        (None, _) => (
            raw.from.clone().unwrap_or_default(),
            raw.to.clone().unwrap_or_default(),
        ),
    };
    let bad_date = || {
        Text::fixed(
            "请选择日期，如 2026-12-01",
            "Choose a date, e.g. 2026-12-01",
        )
    };
    let from_ms = date(&from, tz);
    let to_ms = date(&to, tz);
    if from_ms.is_none() {
        errors.insert("from", bad_date());
    }
    if to_ms.is_none() {
        errors.insert("to", bad_date());
    }
    if let (Some(f), Some(t)) = (from_ms, to_ms) {
        if f >= t {
            errors.insert(
                "to",
                Text::fixed("结束日期应晚于开始日期", "The end must be after the start"),
            );
        } else if weeks_between(f, t, tz, MAX_WEEKS).is_none() {
            errors.insert(
                "from",
                Text::owned(
                    format!("时间段最长 {MAX_WEEKS} 周，请缩短"),
                    format!("A period spans at most {MAX_WEEKS} weeks; shorten it"),
                ),
            );
        }
    }
    let category = raw.category.as_deref().and_then(|c| {
        let parsed = c.parse::<Category>().ok();
        if parsed.is_none() {
            errors.insert("category", Text::fixed("未知的类别", "Unknown category"));
        }
        parsed
    });
    let shown = place(raw.region.as_deref(), caller, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let scope = stats::scope_for(
        caller.region.as_ref(),
        shown.clone().filter(|s| Some(s) != caller.region.as_ref()),
        from_ms,
        to_ms,
        category,
    );
    Ok(Filters {
        period,
        from,
        to,
        category,
        shown,
        scope,
    })
}

/// The place the region filter names (see `places::place_in_reach`); a
/// refused one is marked and the caller's whole region shown.
fn place(text: Option<&str>, caller: &Caller, errors: &mut Errors) -> Option<RegionPrefix> {
    place_in_reach(text, caller).unwrap_or_else(|message| {
        errors.insert("region", message);
        caller.region.clone()
    })
}

impl Filters {
    /// The query string of the period and the category, without the place.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("period", self.period.as_str().to_owned())];
        if self.period == Period::Custom {
            pairs.push(("from", self.from.clone()));
            pairs.push(("to", self.to.clone()));
        }
        if let Some(c) = self.category {
            pairs.push(("category", c.code().to_owned()));
        }
        pairs
    }

    /// The dashboard of `region` (none: the caller's whole reach), with
    /// the same period and category.
    pub fn link(&self, region: Option<&str>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            s.append_pair(k, &v);
        }
        if let Some(r) = region {
            s.append_pair("region", r);
        }
        format!("/reports?{}", s.finish())
    }

    /// The API's query for the same figures (the exports): dates, category
    /// and place.
    pub fn api_query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("from", &self.from)
            .append_pair("to", &self.to);
        if let Some(c) = self.category {
            s.append_pair("category", c.code());
        }
        if let Some(r) = &self.shown {
            s.append_pair("region", r.as_str());
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn at(date: &str) -> i64 {
        parse_instant(&format!("{date}T10:00:00+08:00"), TZ).expect("a time")
    }

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn preset_periods_end_after_this_week_or_quarter() {
        // Saturday 5 December 2026.
        let now = at("2026-12-05");
        let cases = [
            (Period::ThisWeek, ("2026-11-30", "2026-12-07")),
            (Period::FourWeeks, ("2026-11-09", "2026-12-07")),
            (Period::Quarter, ("2026-10-01", "2027-01-01")),
        ];
        for (period, (from, to)) in cases {
            assert_eq!(period.dates(now, TZ), Some((d(from), d(to))), "{period:?}");
        }
        assert_eq!(
            Period::Quarter.dates(at("2026-02-14"), TZ),
            Some((d("2026-01-01"), d("2026-04-01")))
        );
        assert_eq!(Period::Custom.dates(now, TZ), None);
    }
}
