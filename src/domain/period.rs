//! Instants and weeks as coordinators speak of them: a plain date is
//! midnight in the service's time zone, and a week starts on Monday 00:00
//! there (周一).

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Neither an RFC 3339 time nor a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date or time")]
pub struct InstantError;

/// Parses `2026-11-30` (midnight in `tz`) or `2026-11-30T08:00:00+08:00`
/// into milliseconds since the epoch.
pub fn parse_instant(text: &str, tz: Tz) -> Result<i64, InstantError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| InstantError)?;
    if date.year() < 1970 || date.year() > 9999 {
        return Err(InstantError);
    }
    Ok(local_midnight(date, tz))
}

/// Midnight of `date` in `tz`; where a clock change skips midnight, the
/// first instant of the day.
pub fn local_midnight(date: NaiveDate, tz: Tz) -> i64 {
    let mut local: NaiveDateTime = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A gap is at most a few hours; step forward until the clock exists.
    for _ in 0..48 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.timestamp_millis(),
            LocalResult::None => local += Duration::minutes(30),
        }
    }
    date.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp_millis()
}

/// The local date of an instant.
pub fn local_date(ms: i64, tz: Tz) -> NaiveDate {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// The Monday that starts the week holding `ms`, in `tz`.
pub fn week_monday(ms: i64, tz: Tz) -> NaiveDate {
    let date = local_date(ms, tz);
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// One calendar week: `[start, end)` in milliseconds, from Monday 00:00.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub monday: NaiveDate,
    pub start: i64,
    pub end: i64,
}

impl Week {
    /// The week holding `ms`.
    pub fn holding(ms: i64, tz: Tz) -> Self {
        Self::of_monday(week_monday(ms, tz), tz)
    }

    fn of_monday(monday: NaiveDate, tz: Tz) -> Self {
        Self {
            monday,
            start: local_midnight(monday, tz),
            end: local_midnight(monday + Duration::days(7), tz),
        }
    }

    /// The week of an ISO key such as `2026-W49`.
    pub fn parse_key(text: &str, tz: Tz) -> Option<Self> {
        let (year, week) = text.trim().split_once("-W")?;
        let monday = NaiveDate::from_isoywd_opt(
            year.parse().ok().filter(|y| (1970..=9999).contains(y))?,
            week.parse().ok()?,
            chrono::Weekday::Mon,
        )?;
        Some(Self::of_monday(monday, tz))
    }

    /// The week before this one.
    pub fn previous(&self, tz: Tz) -> Self {
        Self::of_monday(self.monday - Duration::days(7), tz)
    }

    /// ISO 8601 week key, e.g. `2026-W49`; sorts in time order.
    pub fn key(&self) -> String {
        let iso = self.monday.iso_week();
        format!("{}-W{:02}", iso.year(), iso.week())
    }

    /// `2026-11-30 ~ 2026-12-06`.
    pub fn label(&self) -> String {
        let sunday = self.monday + Duration::days(6);
        format!("{} ~ {}", self.monday, sunday)
    }
}

/// The weeks that overlap `[from, to)`, in order; `None` when there are
/// more than `max`.
pub fn weeks_between(from: i64, to: i64, tz: Tz, max: usize) -> Option<Vec<Week>> {
    let mut weeks = Vec::new();
    if from >= to {
        return Some(weeks);
    }
    let mut week = Week::holding(from, tz);
    while week.start < to {
        if weeks.len() == max {
            return None;
        }
        let next = Week::of_monday(week.monday + Duration::days(7), tz);
        weeks.push(week);
        week = next;
    }
    Some(weeks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{DAY_MS, HOUR_MS};
    use chrono_tz::{Asia::Shanghai, Europe::Berlin};

    fn utc(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .expect("valid")
            .timestamp_millis()
    }

    #[test]
    fn a_plain_date_is_midnight_in_the_service_zone() {
        assert_eq!(
            parse_instant("2026-12-01", Shanghai),
            Ok(utc("2026-11-30T16:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-01T08:00:00+08:00", Berlin),
            Ok(utc("2026-12-01T00:00:00Z"))
        );
    }

    #[test]
    fn malformed_instants_are_refused() {
        for text in [
            "",
            "2026-13-01",
            "yesterday",
            "2026-12-01T25:00",
            "0100-01-01",
        ] {
            assert_eq!(parse_instant(text, Shanghai), Err(InstantError), "{text}");
        }
    }

    #[test]
    fn a_week_runs_from_monday_midnight_local() {
        // Monday 2026-11-30 00:30 in Shanghai is still Sunday in UTC.
        let week = Week::holding(utc("2026-11-29T16:30:00Z"), Shanghai);
        assert_eq!(week.key(), "2026-W49");
        assert_eq!(week.start, utc("2026-11-29T16:00:00Z"));
        assert_eq!(week.end, utc("2026-12-06T16:00:00Z"));
        assert_eq!(week.previous(Shanghai).key(), "2026-W48");
        assert_eq!(week.label(), "2026-11-30 ~ 2026-12-06");
        assert_eq!(Week::parse_key("2026-W49", Shanghai), Some(week));
        for bad in ["2026-W54", "2026W49", "W49", "1900-W01", "2026-W"] {
            assert_eq!(Week::parse_key(bad, Shanghai), None, "{bad}");
        }
    }

    #[test]
    fn a_week_across_a_clock_change_is_shorter() {
        let week = Week::holding(utc("2026-03-25T12:00:00Z"), Berlin);
        assert_eq!(week.end - week.start, 7 * DAY_MS - HOUR_MS);
    }

    #[test]
    fn weeks_between_covers_the_range_and_stops_at_the_cap() {
        let from = utc("2026-11-01T00:00:00Z");
        let to = utc("2026-12-01T00:00:00Z");
        let weeks = weeks_between(from, to, Shanghai, 100).expect("few");
        assert_eq!(weeks.len(), 6);
        assert!(weeks[0].start <= from && weeks[5].end >= to);
        assert!(weeks.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(weeks_between(from, to, Shanghai, 5), None);
        assert_eq!(weeks_between(to, from, Shanghai, 4), Some(vec![]));
    }
}
