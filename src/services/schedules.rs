//! Emails on a calendar, in `HUZHU_TIMEZONE`: every coordinator's weekly
//! digest (周调度) on Monday at 08:00, and every cadre's reminder of their
//! stale needs at 08:00 each day.
//!
//! Each email's idempotency key names its period (`weekly:2026-W49`,
//! `stale:2026-12-02`) and its recipient, so however many instances run and
//! however often they restart, a coordinator gets one digest a week and a
//! cadre one reminder a day. A `job_runs` row then marks the period done, so
//! later ticks skip it without reading anything else.

use chrono::Duration;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::ServiceError;
use super::stats::{self, Figures};
use crate::context::AppContext;
use crate::domain::period::{Week, local_date, local_midnight};
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::domain::{RegionPrefix, Role};
use crate::i18n::Locale;
use crate::mail::{EmailKind, IdempotencyKey};
use crate::settings::Settings;
use crate::store::entity::{job_run, need, user};
use crate::store::{self, now_ms};

/// The hour of the day, local time, at which scheduled emails go out.
pub const SEND_HOUR: i64 = 8;
/// Needs listed in one email; the rest are counted.
const LISTED: u64 = 20;

/// Queues whatever scheduled emails are due at `now` and not yet queued.
/// Returns how many emails were queued.
#[tracing::instrument(skip_all)]
pub async fn run_due(ctx: &AppContext, now: i64) -> Result<usize, ServiceError> {
    let tz = ctx.settings.timezone;
    let mut queued = 0;
    let week = Week::holding(now, tz);
    if now >= week.start + SEND_HOUR * HOUR_MS {
        queued += once(
            ctx,
            "weekly_digest",
            &week.key(),
            weekly_digests(ctx, &week, now),
        )
        .await?;
    }
    let today = local_date(now, tz);
    if now >= local_midnight(today, tz) + SEND_HOUR * HOUR_MS {
        let period = today.to_string();
        queued += once(
            ctx,
            "escalations",
            &period,
            super::escalations::daily(ctx, &period, now),
        )
        .await?;
        queued += once(
            ctx,
            "stale_needs",
            &period,
            stale_reminders(ctx, &period, now),
        )
        .await?;
        queued += once(ctx, "visits_due", &period, visit_reminders(ctx, now)).await?;
        let retention = super::retention::daily(&ctx.db, &ctx.settings, now);
        queued += once(ctx, "retention", &period, retention).await?;
    }
    Ok(queued)
}

/// Runs `work` unless `job` is recorded done for `period`, then records it.
async fn once(
    ctx: &AppContext,
    job: &str,
    period: &str,
    work: impl Future<Output = Result<usize, ServiceError>>,
) -> Result<usize, ServiceError> {
    let done = job_run::Entity::find_by_id((job.to_owned(), period.to_owned()))
        .one(&ctx.db)
        .await?
        .is_some();
    if done {
        return Ok(0);
    }
    let queued = work.await?;
    job_run::Entity::insert(job_run::ActiveModel {
        job: Set(job.to_owned()),
        period: Set(period.to_owned()),
        ran_at: Set(now_ms()),
    })
    .on_conflict(
        OnConflict::columns([job_run::Column::Job, job_run::Column::Period])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;
    if queued > 0 {
        ctx.emails_committed();
    }
    Ok(queued)
}

async fn staff(db: &impl ConnectionTrait, role: Role) -> Result<Vec<user::Model>, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(role))
        .filter(user::Column::Verified.eq(true))
        .all(db)
        .await?)
}

fn reach(u: &user::Model) -> Vec<RegionPrefix> {
    u.region
        .as_deref()
        .and_then(|r| RegionPrefix::parse(r).ok())
        .into_iter()
        .collect()
}

/// `0.652` as `65.2%`, and a dash where there is nothing to divide.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn week_figures(f: &Figures) -> Value {
    json!({
        "needs_posted": f.needs_posted,
        "needs_matched": f.needs_matched,
        "needs_fulfilled": f.needs_fulfilled,
        "match_rate": percent(f.match_rate),
        "fulfilment_rate": percent(f.fulfilment_rate),
        "match_success_rate": percent(f.match_success_rate),
        "needs_escalated": f.needs_escalated,
        "needs_escalated_county": f.needs_escalated_county,
        "median_hours_escalation_to_match": f
            .median_hours_escalation_to_match
            .map_or_else(|| "—".to_owned(), |h| format!("{h:.1}")),
    })
}

fn base(ctx: &AppContext) -> String {
    ctx.public_url.as_str().trim_end_matches('/').to_owned()
}

/// A need as the scheduled emails list it: `url` opens its village's
/// report, where the waiting needs are listed (the coordinators' digest);
/// `id` gives the need's own page (the cadres' reminder).
fn listed(
    ctx: &AppContext,
    n: &need::Model,
    names: &std::collections::HashMap<String, String>,
    now: i64,
    locale: Locale,
) -> Value {
    let category = n.category;
    json!({
        "title": n.title,
        "village_name": names.get(&n.region).cloned().unwrap_or_else(|| n.region.clone()),
        "category_label": match locale {
            Locale::ZhCn => category.name_zh(),
            Locale::En => category.name_en(),
        },
        "id": n.id,
        "days_open": days_open(n.posted_at, now),
        "url": format!("{}/reports?region={}#waiting", base(ctx), n.region),
    })
}

/// One digest per coordinator: last week's figures of their region against
/// the week before, and the five needs that have waited longest.
async fn weekly_digests(ctx: &AppContext, week: &Week, now: i64) -> Result<usize, ServiceError> {
    let tz = ctx.settings.timezone;
    let (last, before) = (week.previous(tz), week.previous(tz).previous(tz));
    let event = format!("weekly:{}", week.key());
    let mut queued = 0;
    for coordinator in staff(&ctx.db, Role::Coordinator).await? {
        let regions = reach(&coordinator);
        // No readable region is no figures at all, not the whole database's.
        if regions.is_empty() {
            continue;
        }
        let key = IdempotencyKey::new(&event, &coordinator.id.to_string());
        if store::outbox::has_key(&ctx.db, key.as_str()).await? {
            continue;
        }
        let figures = |w: &Week| stats::Scope {
            regions: regions.clone(),
            from: Some(w.start),
            to: Some(w.end),
            category: None,
        };
        let this_week = stats::summary(&ctx.db, &figures(&last)).await?;
        let last_week = stats::summary(&ctx.db, &figures(&before)).await?;
        let (waiting, _) = store::stats::longest_waiting(&ctx.db, &regions, now, 5).await?;
        let standing =
            if super::pairing_figures::any_key_household(&ctx.db, &figures(&last)).await? {
                Some(
                    super::pairing_figures::figures(&ctx.db, &figures(&last), now)
                        .await?
                        .0,
                )
            } else {
                None
            };
        let region_code =
            crate::domain::region::padded_code(coordinator.region.as_deref().unwrap_or_default());
        let mut names = store::regions::names(
            &ctx.db,
            waiting
                .iter()
                .map(|n| n.region.clone())
                .chain([region_code.clone()]),
        )
        .await?;
        let locale = coordinator.locale;
        let context = json!({
            "region_name": names.remove(&region_code).unwrap_or(region_code.clone()),
            "week_label": last.label(),
            "this_week": week_figures(&this_week),
            "last_week": week_figures(&last_week),
            "pairings": standing.as_ref().map_or(Value::Null, pairing_lines),
            "longest_waiting": waiting.iter().map(|n| listed(ctx, n, &names, now, locale)).collect::<Vec<_>>(),
            "report_url": format!("{}/reports?region={}&week={}", base(ctx), coordinator.region.clone().unwrap_or_default(), last.key()),
        });
        let txn = store::begin_write(&ctx.db).await?;
        let sent = super::emails::send(
            ctx,
            &txn,
            &coordinator,
            EmailKind::WeeklyDigest,
            &event,
            context,
        )
        .await?;
        txn.commit().await?;
        queued += usize::from(sent);
    }
    Ok(queued)
}

/// The standing help's week for the digest; none where the region has no
/// key household, so that the digest says nothing of what is not done there.
fn pairing_lines(f: &super::pairing_figures::PairingFigures) -> Value {
    if f.key_households == 0 {
        return Value::Null;
    }
    let fulfilled = f.raised_at_visits_fulfilled + f.raised_at_meetings_fulfilled;
    json!({
        "key_households": f.key_households,
        "key_households_paired": f.key_households_paired,
        "paired_rate": percent(f.paired_rate),
        "visits_due": f.visits_due,
        "visits_done": f.visits_done,
        "visits_overdue": f.visits_overdue,
        "raised": f.raised_at_visits + f.raised_at_meetings,
        "raised_fulfilled": fulfilled,
        "pairing_match_rate": percent(f.pairing_match_rate),
        "round_match_rate": percent(f.round_match_rate),
    })
}

/// The stale rule: an open need posted before this moment is stale at
/// `now` — open for longer than `HUZHU_STALE_DAYS`. The daily reminder and
/// the cadre's work list both ask it.
pub fn stale_before(settings: &Settings, now: i64) -> i64 {
    now - Duration::days(i64::from(settings.stale_days)).num_milliseconds()
}

/// Whole days a need posted at `posted_at` has waited at `now`.
pub fn days_open(posted_at: i64, now: i64) -> i64 {
    (now - posted_at).div_euclid(DAY_MS)
}

/// One reminder per cadre who has needs in their region open for longer
/// than `HUZHU_STALE_DAYS`.
async fn stale_reminders(ctx: &AppContext, day: &str, now: i64) -> Result<usize, ServiceError> {
    let days = i64::from(ctx.settings.stale_days);
    let cutoff = stale_before(&ctx.settings, now);
    let event = format!("stale:{day}");
    let mut queued = 0;
    for cadre in staff(&ctx.db, Role::Cadre).await? {
        let regions = reach(&cadre);
        if regions.is_empty() {
            continue;
        }
        let key = IdempotencyKey::new(&event, &cadre.id.to_string());
        if store::outbox::has_key(&ctx.db, key.as_str()).await? {
            continue;
        }
        let (needs, total) =
            store::stats::longest_waiting(&ctx.db, &regions, cutoff, LISTED).await?;
        if needs.is_empty() {
            continue;
        }
        let names = store::regions::names(&ctx.db, needs.iter().map(|n| n.region.clone())).await?;
        let locale = cadre.locale;
        let context = json!({
            "days": days,
            "count": total,
            "needs": needs.iter().map(|n| listed(ctx, n, &names, now, locale)).collect::<Vec<_>>(),
        });
        let txn = store::begin_write(&ctx.db).await?;
        let sent =
            super::emails::send(ctx, &txn, &cadre, EmailKind::StaleNeeds, &event, context).await?;
        txn.commit().await?;
        queued += usize::from(sent);
    }
    Ok(queued)
}

/// One reminder per due visit: each active pairing whose next visit is due
/// by `now` and whose helper was not yet reminded of that due date. The
/// email's key names the pairing and the due time, so two instances, or a
/// rerun after a crash, queue it once; `reminded_due` then skips it.
async fn visit_reminders(ctx: &AppContext, now: i64) -> Result<usize, ServiceError> {
    use crate::domain::pairing::next_visit_due;
    use crate::store::entity::pairing;
    let tz = ctx.settings.timezone;
    let active = pairing::Entity::find()
        .filter(pairing::Column::EndedAt.is_null())
        .all(&ctx.db)
        .await?;
    let due: Vec<(pairing::Model, i64)> = active
        .into_iter()
        .map(|p| {
            let due = next_visit_due(p.started_at, p.last_visit_at, p.visit_every_days);
            (p, due)
        })
        .filter(|(p, due)| *due <= now && p.reminded_due.is_none_or(|r| r < *due))
        .collect();
    let views =
        super::pairings::views(&ctx.db, due.iter().map(|(p, _)| p.clone()).collect()).await?;
    let mut queued = 0;
    for ((p, due), view) in due.into_iter().zip(views) {
        let Some(helper) = store::accounts::user_by_id(&ctx.db, p.helper_id)
            .await?
            .filter(|u| u.active)
        else {
            continue;
        };
        let context = json!({
            "household_name": view.household_name,
            "village_name": view.village_name,
            "every_days": p.visit_every_days,
            "last_visit": p.last_visit_at.map(|at| local_date(at, tz).to_string()),
            "due_on": local_date(due, tz).to_string(),
            "pairing_url": format!("{}/pairings/{}", base(ctx), p.id),
        });
        let txn = store::begin_write(&ctx.db).await?;
        let sent = super::emails::send(
            ctx,
            &txn,
            &helper,
            EmailKind::VisitDue,
            &format!("visit_due:{}:{due}", p.id),
            context,
        )
        .await?;
        pairing::Entity::update_many()
            .col_expr(
                pairing::Column::RemindedDue,
                sea_orm::sea_query::Expr::value(due),
            )
            .filter(pairing::Column::Id.eq(p.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        queued += usize::from(sent);
    }
    Ok(queued)
}
