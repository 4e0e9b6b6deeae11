//! What coordinators measure (PRODUCT.md): over the needs posted in a period
//! and those needs' matches, the fulfilment rate, the match rate, the match
//! success rate and two medians, overall or by township, village, category
//! or week.

use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::ServiceError;
use super::export::in_locale;
use crate::domain::period::{Week, weeks_between};
use crate::domain::time::HOUR_MS;
use crate::domain::{Category, RegionPrefix};
use crate::i18n::{Locale, Text};
use crate::store::stats::{self as queries, GroupBy, GroupCounts};

pub use crate::store::stats::Scope;

/// The longest weekly breakdown served: ten years.
pub const MAX_WEEKS: usize = 530;

/// The figures of a set of needs. Rates are fractions from 0 to 1, and null
/// where their denominator is zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub needs_posted: i64,
    /// Needs that ever had an accepted match (the county's "docked" needs).
    pub needs_matched: i64,
    pub needs_fulfilled: i64,
    /// Needs still waiting for a match.
    pub needs_open: i64,
    pub needs_cancelled: i64,
    pub matches_completed: i64,
    pub matches_declined: i64,
    pub matches_expired: i64,
    pub matches_cancelled: i64,
    /// needs_matched ÷ needs_posted.
    pub match_rate: Option<f64>,
    /// needs_fulfilled ÷ needs_posted.
    pub fulfilment_rate: Option<f64>,
    /// matches_completed ÷ matches that ended.
    pub match_success_rate: Option<f64>,
    /// Median hours from posting to the first accepted match.
    pub median_hours_to_match: Option<f64>,
    /// Median hours from a match's acceptance to its completion.
    pub median_hours_to_complete: Option<f64>,
    /// Needs escalated (周调度): in all, and those whose highest level was
    /// the township and the county.
    pub needs_escalated: i64,
    pub needs_escalated_township: i64,
    pub needs_escalated_county: i64,
    /// Median hours from a need's escalation to its first acceptance after.
    pub median_hours_escalation_to_match: Option<f64>,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl From<GroupCounts> for Figures {
    fn from(c: GroupCounts) -> Self {
        let ended =
            c.matches_completed + c.matches_declined + c.matches_expired + c.matches_cancelled;
        Self {
            match_rate: ratio(c.needs_matched, c.needs_posted),
            fulfilment_rate: ratio(c.needs_fulfilled, c.needs_posted),
            match_success_rate: ratio(c.matches_completed, ended),
            median_hours_to_match: c.median_ms_to_match.map(|ms| ms / HOUR_MS as f64),
            median_hours_to_complete: c.median_ms_to_complete.map(|ms| ms / HOUR_MS as f64),
            needs_posted: c.needs_posted,
            needs_matched: c.needs_matched,
            needs_fulfilled: c.needs_fulfilled,
            needs_open: c.needs_open,
            needs_cancelled: c.needs_cancelled,
            matches_completed: c.matches_completed,
            matches_declined: c.matches_declined,
            matches_expired: c.matches_expired,
            matches_cancelled: c.matches_cancelled,
            needs_escalated: c.needs_escalated_township + c.needs_escalated_county,
            needs_escalated_township: c.needs_escalated_township,
            needs_escalated_county: c.needs_escalated_county,
            median_hours_escalation_to_match: c
                .median_ms_escalation_to_match
                .map(|ms| ms / HOUR_MS as f64),
        }
    }
}

/// What a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Township,
    Village,
    Category,
    Week,
}

impl Dimension {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "township" => Some(Self::Township),
            "village" => Some(Self::Village),
            "category" => Some(Self::Category),
            "week" => Some(Self::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Township => "township",
            Self::Village => "village",
            Self::Category => "category",
            Self::Week => "week",
        }
    }

    /// The key column's heading.
    pub fn heading(self) -> Text {
        match self {
            Self::Township => Text::fixed("乡镇", "Township"),
            Self::Village => Text::fixed("村", "Village"),
            Self::Category => Text::fixed("类别", "Category"),
            Self::Week => Text::fixed("周", "Week"),
        }
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BreakdownRow {
    /// The township's 9-digit prefix, the village's code, the category code,
    /// or the ISO week (`2026-W49`).
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures of every need in `scope`.
#[tracing::instrument(skip_all)]
pub async fn summary(
    db: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
) -> Result<Figures, ServiceError> {
    let mut groups = queries::counts(db, scope, &GroupBy::All).await?;
    Ok(groups.remove("").unwrap_or_default().into())
}

/// The figures of `scope` by `dimension`, ordered by key. Weeks are every
/// week of the period (or of the needs' span, without one), empty ones too;
/// other dimensions list the groups that have needs.
#[tracing::instrument(skip_all)]
pub async fn breakdown(
    db: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    dimension: Dimension,
    tz: Tz,
    locale: Locale,
) -> Result<Vec<BreakdownRow>, ServiceError> {
    let by = match dimension {
        Dimension::Township => GroupBy::Township,
        Dimension::Village => GroupBy::Village,
        Dimension::Category => GroupBy::Category,
        Dimension::Week => return weekly(db, scope, tz).await,
    };
    let groups = queries::counts(db, scope, &by).await?;
    let codes = groups.keys().map(|k| match dimension {
        Dimension::Township => format!("{k}000"),
        _ => k.clone(),
    });
    let names = match dimension {
        Dimension::Township | Dimension::Village => crate::store::regions::names(db, codes).await?,
        _ => Default::default(),
    };
    Ok(groups
        .into_iter()
        .map(|(key, counts)| {
            let name = match dimension {
                Dimension::Township => names.get(&format!("{key}000")).cloned(),
                Dimension::Category => key
                    .parse::<Category>()
                    .ok()
                    .map(|c| in_locale(locale, c.name_zh(), c.name_en()).to_owned()),
                _ => names.get(&key).cloned(),
            };
            BreakdownRow {
                name: name.unwrap_or_else(|| key.clone()),
                key,
                figures: counts.into(),
            }
        })
        .collect())
}

async fn weekly(
    db: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    tz: Tz,
) -> Result<Vec<BreakdownRow>, ServiceError> {
    let span = match (scope.from, scope.to) {
        (Some(from), Some(to)) => Some((from, to)),
        _ => queries::posted_span(db, scope)
            .await?
            .map(|(lo, hi)| (scope.from.unwrap_or(lo), scope.to.unwrap_or(hi + 1))),
    };
    let Some((from, to)) = span else {
        return Ok(Vec::new());
    };
    let weeks: Vec<Week> = weeks_between(from, to, tz, MAX_WEEKS).ok_or_else(|| {
        ServiceError::field(
            "from",
            Text::owned(
                format!("按周统计最多 {MAX_WEEKS} 周，请缩短时间范围"),
                format!("A weekly breakdown spans at most {MAX_WEEKS} weeks; shorten the period"),
            ),
        )
    })?;
    if weeks.is_empty() {
        return Ok(Vec::new());
    }
    let bounds = weeks.iter().map(|w| (w.key(), w.start, w.end)).collect();
    let mut groups = queries::counts(db, scope, &GroupBy::Week(bounds)).await?;
    Ok(weeks
        .into_iter()
        .map(|w| BreakdownRow {
            figures: groups.remove(&w.key()).unwrap_or_default().into(),
            name: w.label(),
            key: w.key(),
        })
        .collect())
}

/// The scope a caller asks for: their own reach, narrowed by a filter.
pub fn scope_for(
    reach: Option<&RegionPrefix>,
    filter: Option<RegionPrefix>,
    from: Option<i64>,
    to: Option<i64>,
    category: Option<Category>,
) -> Scope {
    Scope {
        regions: reach.cloned().into_iter().chain(filter).collect(),
        from,
        to,
        category,
    }
}
