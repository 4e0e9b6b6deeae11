//! The county's standing help (户帮户亲帮亲), parsed: pairings, visits and
//! courtyard meetings as their requests state them. No IO here; the
//! services decide who may do what.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use uuid::Uuid;

use super::need::{NeedFields, NewNeed};
use super::period::local_midnight;
use super::time::DAY_MS;
use super::vocabulary::words;
use super::{FieldError, Lines, clean_text};
use crate::i18n::Text;

/// Days between a pairing's visits when the cadre names none: monthly.
pub const DEFAULT_VISIT_EVERY_DAYS: i32 = 30;
/// Needs one visit or one meeting may raise.
pub const MAX_RAISED: usize = 50;
/// The longest notes of a visit or a meeting, in characters.
const MAX_NOTES: usize = 4000;

words! {
    /// Who visited, and why.
    pub enum VisitKind("visit kind") {
        /// The household's helper or liaison, on the pairing's rhythm.
        Pairing = "pairing",
        /// A cadre's visit.
        Cadre = "cadre",
        /// 亲邻返乡: staff visiting relatives' households at home.
        Relatives = "relatives",
    }
}

impl VisitKind {
    pub fn label(self) -> Text {
        match self {
            Self::Pairing => Text::fixed("结对走访", "Pairing visit"),
            Self::Cadre => Text::fixed("干部走访", "Cadre's visit"),
            Self::Relatives => Text::fixed("亲邻返乡", "Visit home to relatives"),
        }
    }
}

fn field(name: &str, zh: &'static str, en: &'static str) -> FieldError {
    FieldError::new(name, Text::fixed(zh, en))
}

/// Free text of at most `max` characters, on one line or many.
fn text_of(name: &str, text: &str, lines: Lines, max: usize) -> Result<String, FieldError> {
    let text = clean_text(text, lines).map_err(|m| FieldError::new(name, m))?;
    if text.chars().count() > max {
        return Err(FieldError::new(
            name,
            Text::owned(
                format!("不能超过 {max} 个字"),
                format!("at most {max} characters"),
            ),
        ));
    }
    Ok(text)
}

/// A reason a person gives (ending a pairing): one line, 1–200 characters.
pub fn reason_of(name: &str, text: &str) -> Result<String, FieldError> {
    let text = text_of(name, text, Lines::One, 200)?;
    if text.is_empty() {
        return Err(field(name, "请填写原因", "Give a reason"));
    }
    Ok(text)
}

/// Notes of a visit or a meeting: many lines, may be empty.
pub fn notes_of(text: &str) -> Result<String, FieldError> {
    text_of("notes", text, Lines::Many, MAX_NOTES)
}

/// A pairing's visit rhythm in days: 7 to 365, monthly when left out.
pub fn visit_every_of(days: Option<i64>) -> Result<i32, FieldError> {
    match days {
        None => Ok(DEFAULT_VISIT_EVERY_DAYS),
        Some(d) if (7..=365).contains(&d) => Ok(d as i32),
        Some(_) => Err(field(
            "visit_every_days",
            "走访间隔为 7 到 365 天",
            "visit_every_days is a whole number from 7 to 365",
        )),
    }
}

/// How many came to a meeting: 1 to 10,000; `None` (left out, or not a
/// number on a page) is refused with the same message.
pub fn attendance_of(n: Option<i64>) -> Result<i32, FieldError> {
    match n {
        Some(n) if (1..=10_000).contains(&n) => Ok(n as i32),
        _ => Err(field(
            "attendance",
            "到会人数为 1 到 10000 的整数",
            "attendance is a whole number from 1 to 10000",
        )),
    }
}

/// Renames the errors of `list[k]` (the k-th row a person filled in) to
/// `list[row]`, the row of the page's form it came from (`rows[k]`).
pub fn name_by_row(list: &str, mut e: FieldError, rows: &[usize]) -> FieldError {
    let renamed = e
        .field
        .strip_prefix(list)
        .and_then(|rest| rest.strip_prefix('['))
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(k, field)| Some((*rows.get(k.parse::<usize>().ok()?)?, field)))
        .map(|(row, field)| format!("{list}[{row}].{field}"));
    if let Some(name) = renamed {
        e.field = name;
    }
    e
}

/// A day, `YYYY-MM-DD`, or a moment, RFC 3339, as milliseconds: a day is
/// its local midnight in `tz`. Not after `now` plus a day (clocks and
/// time zones differ a little), not before 2000.
pub fn moment_of(name: &str, text: &str, tz: Tz, now: i64) -> Result<i64, FieldError> {
    let text = text.trim();
    let ms = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Some(local_midnight(day, tz))
    } else if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        Some(t.timestamp_millis())
    } else {
        // A page's `datetime-local` field: local time, without a zone.
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_millis())
    };
    let Some(ms) = ms else {
        return Err(field(
            name,
            "日期格式应为 2026-12-01",
            "a date like 2026-12-01",
        ));
    };
    // 2000-01-01
    if ms < 946_684_800_000 || ms > now + DAY_MS {
        return Err(field(
            name,
            "日期不能在将来，也不能早于 2000 年",
            "the date cannot be in the future or before 2000",
        ));
    }
    Ok(ms)
}

/// A visit's own fields as a request or a page sends them; empty is left out.
#[derive(Debug, Clone, Copy, Default)]
pub struct VisitFields<'a> {
    pub at: &'a str,
    pub kind: &'a str,
    pub relation: &'a str,
    pub notes: &'a str,
}

/// A visit's own fields, parsed (its raised needs are parsed beside).
#[derive(Debug, Clone)]
pub struct VisitHead {
    pub at: i64,
    pub kind: VisitKind,
    pub relation: Option<String>,
    pub notes: String,
}

impl VisitHead {
    /// Every field parsed, or each bad one's error; `errors` gathers them
    /// with the caller's own (the raised needs').
    pub fn parse(
        f: VisitFields<'_>,
        tz: Tz,
        now: i64,
        errors: &mut Vec<FieldError>,
    ) -> Option<Self> {
        let at = moment_of("at", f.at, tz, now).map_err(|e| errors.push(e));
        let kind = f.kind.trim().parse::<VisitKind>().map_err(|_| {
            errors.push(field(
                "kind",
                "请选择走访类型：结对走访（pairing）、干部走访（cadre）或亲邻返乡（relatives）",
                "Choose the kind of visit: pairing, cadre or relatives",
            ))
        });
        let relation = match f.relation.trim() {
            "" => Ok(None),
            r => reason_of("relation", r)
                .map(Some)
                .map_err(|e| errors.push(e)),
        };
        let notes = notes_of(f.notes).map_err(|e| errors.push(e));
        Some(Self {
            at: at.ok()?,
            kind: kind.ok()?,
            relation: relation.ok()?,
            notes: notes.ok()?,
        })
    }
}

/// A courtyard meeting's own fields as a request or a page sends them.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeetingFields<'a> {
    pub region: &'a str,
    pub held_on: &'a str,
    pub attendance: Option<i64>,
    pub notes: &'a str,
}

/// A meeting's own fields, parsed (its needs are parsed beside).
#[derive(Debug, Clone)]
pub struct MeetingHead {
    pub region: String,
    pub held_on: i64,
    pub attendance: i32,
    pub notes: String,
}

impl MeetingHead {
    /// Every field parsed, or each bad one's error gathered in `errors`.
    pub fn parse(
        f: MeetingFields<'_>,
        tz: Tz,
        now: i64,
        errors: &mut Vec<FieldError>,
    ) -> Option<Self> {
        let region = super::RegionCode::parse(f.region.trim()).map_err(|_| {
            errors.push(field(
                "region",
                "请选择村或村民小组",
                "Choose a village or village group",
            ))
        });
        let held_on = moment_of("held_on", f.held_on, tz, now).map_err(|e| errors.push(e));
        let attendance = attendance_of(f.attendance).map_err(|e| errors.push(e));
        let notes = notes_of(f.notes).map_err(|e| errors.push(e));
        Some(Self {
            region: region.ok()?.as_str().to_owned(),
            held_on: held_on.ok()?,
            attendance: attendance.ok()?,
            notes: notes.ok()?,
        })
    }
}

/// The needs raised at a visit or a meeting, each parsed, or every bad
/// field's error named `raised[i].field` (`needs[i].field` for meetings).
pub fn raised_of<'a>(
    list: &str,
    items: impl IntoIterator<Item = (Option<Uuid>, NeedFields<'a>)>,
) -> Result<Vec<NewNeed>, Vec<FieldError>> {
    let mut needs = Vec::new();
    let mut errors = Vec::new();
    for (i, (household, fields)) in items.into_iter().enumerate() {
        if i >= MAX_RAISED {
            errors.push(FieldError::new(
                list,
                Text::owned(
                    format!("一次最多 {MAX_RAISED} 项需求"),
                    format!("at most {MAX_RAISED} needs at once"),
                ),
            ));
            break;
        }
        match NewNeed::parse(household, fields) {
            Ok(n) => needs.push(n),
            Err(es) => errors.extend(es.into_iter().map(|mut e| {
                e.field = format!("{list}[{i}].{}", e.field);
                e
            })),
        }
    }
    if errors.is_empty() {
        Ok(needs)
    } else {
        Err(errors)
    }
}

/// When a pairing's next visit is due: its rhythm after the last visit,
/// or after its start when nobody has visited yet.
pub fn next_visit_due(started_at: i64, last_visit_at: Option<i64>, every_days: i32) -> i64 {
    last_visit_at.unwrap_or(started_at).max(started_at) + i64::from(every_days) * DAY_MS
}

/// The visits a pairing owed in `[from, to)`: one per whole rhythm of the
/// time it was active in that window.
pub fn visits_owed(
    (started_at, ended_at): (i64, Option<i64>),
    every_days: i32,
    (from, to): (i64, i64),
) -> i64 {
    let start = started_at.max(from);
    let end = ended_at.unwrap_or(to).min(to);
    if end <= start || every_days <= 0 {
        return 0;
    }
    (end - start) / (i64::from(every_days) * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_is_due_one_rhythm_after_the_last_or_the_start() {
        assert_eq!(next_visit_due(0, None, 30), 30 * DAY_MS);
        assert_eq!(next_visit_due(0, Some(5 * DAY_MS), 30), 35 * DAY_MS);
        // A visit logged before the pairing began does not pull it earlier.
        assert_eq!(next_visit_due(10 * DAY_MS, Some(0), 7), 17 * DAY_MS);
    }

    #[test]
    fn visits_owed_count_whole_rhythms_inside_the_window() {
        let month = (0, 90 * DAY_MS);
        assert_eq!(visits_owed((0, None), 30, month), 3);
        assert_eq!(visits_owed((0, Some(45 * DAY_MS)), 30, month), 1);
        assert_eq!(visits_owed((100 * DAY_MS, None), 30, month), 0);
        assert_eq!(visits_owed((-10 * DAY_MS, None), 7, (0, 14 * DAY_MS)), 2);
    }

    #[test]
    fn moments_are_days_or_instants_and_never_in_the_future() {
        let tz: Tz = "Asia/Shanghai".parse().expect("tz");
        let now = 1_796_000_000_000;
        let day = moment_of("at", "2026-11-02", tz, now).expect("a day");
        assert_eq!(day, 1_793_548_800_000);
        assert!(moment_of("at", "2026-11-02T10:00:00+08:00", tz, now).is_ok());
        assert!(moment_of("at", "2099-01-01", tz, now).is_err());
        assert!(moment_of("at", "1999-12-31", tz, now).is_err());
        assert!(moment_of("at", "yesterday", tz, now).is_err());
        assert!(visit_every_of(Some(6)).is_err());
        assert_eq!(visit_every_of(None), Ok(30));
        assert!(reason_of("reason", "  ").is_err());
        assert!(attendance_of(Some(0)).is_err() && attendance_of(None).is_err());
        assert_eq!(attendance_of(Some(23)), Ok(23));
    }

    #[test]
    fn a_filled_rows_error_is_named_by_the_forms_own_row() {
        let e = FieldError::new("needs[1].title", Text::fixed("", ""));
        assert_eq!(name_by_row("needs", e, &[0, 3]).field, "needs[3].title");
        let e = FieldError::new("notes", Text::fixed("", ""));
        assert_eq!(name_by_row("needs", e, &[0, 3]).field, "notes");
    }
}
