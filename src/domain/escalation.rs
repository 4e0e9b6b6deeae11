//! Escalation (周调度): the level an open need has reached by its age, and
//! a coordinator's acknowledgement as a request states it. No IO here.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::period::{local_date, local_midnight};
use super::time::DAY_MS;
use super::vocabulary::words;
use super::{FieldError, Lines, clean_text};
use crate::i18n::Text;

words! {
    /// Whose coordinators an open need has been brought to.
    pub enum EscalationLevel("escalation level") {
        /// The coordinators of the need's township.
        Township = "township",
        /// The coordinators of the need's county.
        County = "county",
    }
}

impl EscalationLevel {
    /// The length of the region code whose coordinators this level reaches:
    /// the township's 9 digits, the county's 6.
    pub fn code_len(self) -> usize {
        match self {
            Self::Township => 9,
            Self::County => 6,
        }
    }

    /// The overdue mark as staff read it.
    pub fn label(self) -> Text {
        match self {
            Self::Township => Text::fixed("已上报乡镇", "Escalated to township"),
            Self::County => Text::fixed("已上报县级", "Escalated to county"),
        }
    }

    /// Higher is further up the chain.
    fn rank(self) -> u8 {
        match self {
            Self::Township => 1,
            Self::County => 2,
        }
    }

    /// Whether `self` is above `other` (`None` is below every level).
    pub fn above(self, other: Option<Self>) -> bool {
        other.is_none_or(|o| self.rank() > o.rank())
    }
}

/// The ages at which open needs escalate (`HUZHU_ESCALATE_*_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ages {
    pub township_days: u32,
    pub county_days: u32,
}

/// The most urgent needs (urgency 3) escalate at half the ages.
const URGENT: i16 = 3;

impl Ages {
    /// How long a need of `urgency` waits before reaching `level`, in ms.
    pub fn wait_ms(&self, level: EscalationLevel, urgency: i16) -> i64 {
        let days = match level {
            EscalationLevel::Township => self.township_days,
            EscalationLevel::County => self.county_days,
        };
        let ms = i64::from(days) * DAY_MS;
        if urgency >= URGENT { ms / 2 } else { ms }
    }

    /// The highest level an open need posted at `posted_at` has reached at
    /// `now`: none before the township age.
    pub fn level_at(&self, posted_at: i64, urgency: i16, now: i64) -> Option<EscalationLevel> {
        let age = now - posted_at;
        [EscalationLevel::County, EscalationLevel::Township]
            .into_iter()
            .find(|l| age > self.wait_ms(*l, urgency))
    }

    /// Needs of `urgency` posted before this moment have reached `level`.
    pub fn posted_before(&self, level: EscalationLevel, urgency: i16, now: i64) -> i64 {
        now - self.wait_ms(level, urgency)
    }
}

/// The furthest a follow-up date may lie ahead.
pub const MAX_FOLLOW_UP_DAYS: i64 = 90;
/// The longest note, in characters.
const MAX_NOTE: usize = 1000;

/// A coordinator's acknowledgement of an escalated need: what they will
/// do, and the day they will look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub note: String,
    pub follow_up: NaiveDate,
    /// Local midnight of `follow_up`, ms: re-alerts are silent until then.
    pub follow_up_at: i64,
}

impl Acknowledgement {
    /// `note`: 1–1000 characters; `follow_up`: `YYYY-MM-DD`, after today
    /// and at most 90 days ahead, in `tz`.
    pub fn parse(note: &str, follow_up: &str, tz: Tz, now: i64) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let note = match clean_text(note, Lines::Many) {
            Ok(n) if n.is_empty() => {
                errors.push(FieldError::new(
                    "note",
                    Text::fixed("请写明将如何处理", "Say what will be done"),
                ));
                None
            }
            Ok(n) if n.chars().count() > MAX_NOTE => {
                errors.push(FieldError::new(
                    "note",
                    Text::fixed("不能超过 1000 个字", "at most 1000 characters"),
                ));
                None
            }
            Ok(n) => Some(n),
            Err(m) => {
                errors.push(FieldError::new("note", m));
                None
            }
        };
        let today = local_date(now, tz);
        let day = match NaiveDate::parse_from_str(follow_up.trim(), "%Y-%m-%d") {
            Ok(d) if d > today && (d - today).num_days() <= MAX_FOLLOW_UP_DAYS => Some(d),
            Ok(_) => {
                errors.push(FieldError::new(
                    "follow_up",
                    Text::fixed(
                        "回访日期应在明天到 90 天之内",
                        "the follow-up date is from tomorrow to 90 days ahead",
                    ),
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "follow_up",
                    Text::fixed("日期格式应为 2026-12-01", "a date like 2026-12-01"),
                ));
                None
            }
        };
        match (note, day) {
            (Some(note), Some(follow_up)) if errors.is_empty() => Ok(Self {
                note,
                follow_up,
                follow_up_at: local_midnight(follow_up, tz),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGES: Ages = Ages {
        township_days: 7,
        county_days: 21,
    };

    #[test]
    fn levels_come_with_age_and_twice_as_fast_for_the_most_urgent() {
        let t0 = 1_000 * DAY_MS;
        let at = |days: f64| t0 + (days * DAY_MS as f64) as i64;
        assert_eq!(
            AGES.level_at(t0, 2, at(7.0)),
            None,
            "exactly 7 days is not longer"
        );
        assert_eq!(
            AGES.level_at(t0, 2, at(7.01)),
            Some(EscalationLevel::Township)
        );
        assert_eq!(
            AGES.level_at(t0, 2, at(21.01)),
            Some(EscalationLevel::County)
        );
        assert_eq!(AGES.level_at(t0, 3, at(3.4)), None);
        assert_eq!(
            AGES.level_at(t0, 3, at(3.51)),
            Some(EscalationLevel::Township)
        );
        assert_eq!(
            AGES.level_at(t0, 3, at(10.51)),
            Some(EscalationLevel::County)
        );
        assert_eq!(
            AGES.level_at(t0, 1, at(20.0)),
            Some(EscalationLevel::Township)
        );
        assert_eq!(
            AGES.posted_before(EscalationLevel::County, 3, at(30.0)),
            at(19.5)
        );
    }

    #[test]
    fn levels_order_up_the_chain() {
        use EscalationLevel::{County, Township};
        assert!(Township.above(None) && County.above(Some(Township)));
        assert!(!Township.above(Some(Township)) && !Township.above(Some(County)));
        assert_eq!((Township.code_len(), County.code_len()), (9, 6));
    }

    #[test]
    fn an_acknowledgement_needs_a_note_and_a_day_ahead() {
        let tz: Tz = "Asia/Shanghai".parse().expect("zone");
        // 2026-12-06 10:00 in Shanghai.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00+08:00")
            .expect("time")
            .timestamp_millis();
        let ok = Acknowledgement::parse(" 周三入户 ", "2026-12-09", tz, now).expect("valid");
        assert_eq!(ok.note, "周三入户");
        assert_eq!(
            ok.follow_up_at,
            chrono::DateTime::parse_from_rfc3339("2026-12-09T00:00:00+08:00")
                .expect("time")
                .timestamp_millis()
        );
        let fields = |r: Result<Acknowledgement, Vec<FieldError>>| {
            r.expect_err("invalid")
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Acknowledgement::parse("", "2026-12-06", tz, now)),
            ["note", "follow_up"]
        );
        assert_eq!(
            fields(Acknowledgement::parse("x", "2027-03-07", tz, now)),
            ["follow_up"]
        );
        assert!(Acknowledgement::parse("x", "2027-03-06", tz, now).is_ok());
        assert_eq!(
            fields(Acknowledgement::parse("x", "12/09", tz, now)),
            ["follow_up"]
        );
        assert_eq!(
            fields(Acknowledgement::parse(
                &"长".repeat(1001),
                "2026-12-07",
                tz,
                now
            )),
            ["note"]
        );
    }
}
