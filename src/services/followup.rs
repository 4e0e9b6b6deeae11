//! Following up the people who stopped answering (PRODUCT.md, the
//! coordinator's pages): volunteers whose proposals lapse, offers with room
//! that never accept, cadres whose needs went stale — each list inside the
//! coordinator's region — and the two things a coordinator does about
//! them: a nudge by email (at most one per person per day) and pausing an
//! offer.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::ServiceError;
use super::schedules::stale_before;
use super::work_list::regions;
use crate::context::AppContext;
use crate::domain::period::{local_date, local_midnight};
use crate::domain::{Caller, FieldError, Role};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::followup::{self as q, IdleOffer, StaleCadre, Unanswering, Window};
use crate::store::{self, entity::user};

/// The default period: the last four weeks, today included.
pub const DEFAULT_DAYS: i64 = 28;
/// The longest period one may ask for.
pub const MOST_DAYS: i64 = 366;

/// The days whose proposals the lists count: `from` to `to`, both whole
/// local days, `to` included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The last four weeks up to the day holding `now`.
    pub fn default_at(now: i64, tz: Tz) -> Self {
        let to = local_date(now, tz);
        Self {
            from: to - Duration::days(DEFAULT_DAYS - 1),
            to,
        }
    }

    /// A period from a form's `from` and `to` (`YYYY-MM-DD`); a field left
    /// empty keeps the default's day.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: i64,
        tz: Tz,
    ) -> Result<Self, Vec<FieldError>> {
        let default = Self::default_at(now, tz);
        let mut errors = Vec::new();
        let mut day = |field: &str, text: Option<&str>, fallback: NaiveDate| match text
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => fallback,
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    field,
                    Text::fixed(
                        "应为日期，如 2026-12-01",
                        "Expected a date, e.g. 2026-12-01",
                    ),
                ));
                fallback
            }),
        };
        let period = Self {
            from: day("from", from, default.from),
            to: day("to", to, default.to),
        };
        if errors.is_empty() {
            if period.to < period.from {
                errors.push(FieldError::new(
                    "to",
                    Text::fixed("结束日期不能早于开始日期", "The end is before the start"),
                ));
            } else if (period.to - period.from).num_days() >= MOST_DAYS {
                errors.push(FieldError::new(
                    "to",
                    Text::fixed("时间段最长一年", "A period is at most a year"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(period)
        } else {
            Err(errors)
        }
    }

    /// `[start, end)` in milliseconds.
    pub fn span(&self, tz: Tz) -> (i64, i64) {
        (
            local_midnight(self.from, tz),
            local_midnight(self.to + Duration::days(1), tz),
        )
    }

    pub fn is_default(&self, now: i64, tz: Tz) -> bool {
        *self == Self::default_at(now, tz)
    }
}

/// The caller's window over `period`; `None` for staff without a region,
/// whose lists are empty.
fn window(ctx: &AppContext, caller: &Caller, period: &Period) -> Option<Window> {
    let (from, to) = period.span(ctx.settings.timezone);
    regions(caller).map(|regions| Window { regions, from, to })
}

/// Volunteers in reach whose proposals in `period` expired or were
/// declined, the most first.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn unanswering(
    ctx: &AppContext,
    caller: &Caller,
    period: &Period,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Unanswering>, ServiceError> {
    let Some(window) = window(ctx, caller, period) else {
        return Ok(Vec::new());
    };
    Ok(q::unanswering(&ctx.db, &window, after, limit).await?)
}

/// Active offers with room whose proposals in `period` (on needs in reach)
/// were never accepted, the most proposals first.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn idle_offers(
    ctx: &AppContext,
    caller: &Caller,
    period: &Period,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<IdleOffer>, ServiceError> {
    let Some(window) = window(ctx, caller, period) else {
        return Ok(Vec::new());
    };
    Ok(q::idle_offers(&ctx.db, &window, after, limit).await?)
}

/// Cadres by their needs in reach that are stale at `now` — by the rule
/// of the daily reminder and the work list — the most first.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn stale_cadres(
    ctx: &AppContext,
    caller: &Caller,
    now: i64,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<StaleCadre>, ServiceError> {
    let Some(regions) = regions(caller) else {
        return Ok(Vec::new());
    };
    let cutoff = stale_before(&ctx.settings, now);
    Ok(q::stale_cadres(&ctx.db, &regions, cutoff, after, limit).await?)
}

/// Whom a nudge is about, and so what it asks of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// A volunteer whose proposals lapse: please answer them.
    Proposals,
    /// An offer's volunteer who never accepts: answer, or pause the offer.
    Offer,
    /// A cadre with stale needs: check them.
    StaleNeeds,
}

impl Nudge {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "proposals" => Some(Self::Proposals),
            "offer" => Some(Self::Offer),
            "stale" => Some(Self::StaleNeeds),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposals => "proposals",
            Self::Offer => "offer",
            Self::StaleNeeds => "stale",
        }
    }
}

/// Queues a nudge to `person` from `caller`. Returns false when someone
/// already nudged that person today (local time): nothing is sent again.
/// A person outside the caller's lists is not found.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, person = %person))]
pub async fn nudge(
    ctx: &AppContext,
    caller: &Caller,
    person: Uuid,
    about: Nudge,
    now: i64,
) -> Result<bool, ServiceError> {
    let regions = regions(caller).ok_or(ServiceError::NotFound)?;
    let to = user::Entity::find_by_id(person)
        .one(&ctx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let in_reach = match (about, to.role) {
        (Nudge::Proposals | Nudge::Offer, Role::Volunteer) => {
            q::volunteer_in(&ctx.db, person, &regions).await?
        }
        (Nudge::StaleNeeds, Role::Cadre) => to.region.as_deref().is_some_and(|r| caller.reaches(r)),
        _ => false,
    };
    if !in_reach {
        return Err(ServiceError::NotFound);
    }
    let day = local_date(now, ctx.settings.timezone);
    let context = serde_json::json!({
        "reason": about.as_str(),
        "coordinator_name": caller.name,
        "stale_days": ctx.settings.stale_days,
    });
    let txn = store::begin_write(&ctx.db).await?;
    let sent = super::emails::send(
        ctx,
        &txn,
        &to,
        EmailKind::FollowupNudge,
        &format!("nudge:{day}"),
        context,
    )
    .await?;
    txn.commit().await?;
    if sent {
        ctx.emails_committed();
    }
    Ok(sent)
}
