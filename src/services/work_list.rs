//! The cadre's work list, their home page: the needs waiting longest for a
//! volunteer (the stale ones marked by the daily reminder's own rule), the
//! matches waiting for their confirmation, and what happened to matches
//! since they last looked.
//!
//! Scope: every need inside the reader's region (`Caller::reach`), whoever
//! posted it — the stale reminder's scope. A village's or township's cadres
//! share its households and stand in for each other, and the API lets any
//! cadre in reach confirm or cancel a match of those needs; a need posted
//! by a colleague who moved on must not drop out of everyone's list.
//! Staff without a readable region see nothing, never everything.
//!
//! Each section is one query of at most a page of rows (keyset-paged), and
//! then one read each of the pages' needs, villages and people.

use std::collections::HashMap;

use uuid::Uuid;

use super::ServiceError;
use super::schedules::{days_open, stale_before};
use crate::context::AppContext;
use crate::domain::time::DAY_MS;
use crate::domain::{Caller, MatchEventKind, MatchOrigin, MatchStatus, Reach, RegionPrefix};
use crate::store;
use crate::store::entity::{match_event, matches, need};

/// How far back "what changed" looks on someone's first visit.
pub const FIRST_LOOK_BACK_DAYS: i64 = 7;
/// How far back it looks at most, however long ago the last visit was: a
/// month of a county's news is more than anyone reads, and the query
/// reads the whole window for a region where little happened.
pub const MOST_LOOK_BACK_DAYS: i64 = 30;

/// The regions the reader's lists are inside: none for an admin (every
/// region), `None` for someone whose lists are empty.
pub(crate) fn regions(caller: &Caller) -> Option<Vec<RegionPrefix>> {
    match caller.reach() {
        Reach::Everywhere => Some(Vec::new()),
        Reach::Within(prefix) => Some(vec![prefix.clone()]),
        Reach::Nowhere => None,
    }
}

/// The names of the villages of `needs`.
async fn villages<'a>(
    ctx: &AppContext,
    needs: impl Iterator<Item = &'a need::Model>,
) -> Result<HashMap<String, String>, ServiceError> {
    Ok(store::regions::names(&ctx.db, needs.map(|n| n.region.clone())).await?)
}

/// A need waiting for a volunteer.
#[derive(Debug, Clone)]
pub struct WaitingNeed {
    pub need: need::Model,
    pub village_name: String,
    pub days_open: i64,
    /// Open longer than `HUZHU_STALE_DAYS`: what the daily reminder lists.
    pub stale: bool,
}

/// A page of the needs waiting longest, and how many wait in all.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    pub items: Vec<WaitingNeed>,
    pub total: u64,
    pub stale: u64,
}

/// Open needs in reach, longest waiting first, after the need keyed
/// `after` (`(posted_at, id)`), at most `limit`.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn waiting(
    ctx: &AppContext,
    caller: &Caller,
    now: i64,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Waiting, ServiceError> {
    let Some(regions) = regions(caller) else {
        return Ok(Waiting::default());
    };
    let stale_cutoff = stale_before(&ctx.settings, now);
    let rows = store::stats::waiting_after(&ctx.db, &regions, now + 1, after, limit).await?;
    let total = store::stats::count_waiting(&ctx.db, &regions, now + 1).await?;
    let stale = store::stats::count_waiting(&ctx.db, &regions, stale_cutoff).await?;
    let names = villages(ctx, rows.iter()).await?;
    let items = rows
        .into_iter()
        .map(|n| WaitingNeed {
            village_name: names.get(&n.region).cloned().unwrap_or_default(),
            days_open: days_open(n.posted_at, now),
            stale: n.posted_at < stale_cutoff,
            need: n,
        })
        .collect();
    Ok(Waiting {
        items,
        total,
        stale,
    })
}

/// An accepted match waiting for the cadre to confirm the help arrived.
#[derive(Debug, Clone)]
pub struct ToConfirm {
    pub m: matches::Model,
    pub need: need::Model,
    pub village_name: String,
    /// The volunteer's name: they accepted, so the cadre may know it.
    pub volunteer_name: String,
    /// The volunteer's latest delivery report; none when the match is here
    /// because it was accepted long ago.
    pub delivered: Option<match_event::Model>,
    /// Whole days since it was accepted.
    pub days_accepted: i64,
}

/// Accepted matches in reach whose volunteer reported delivery, or that
/// were accepted more than `HUZHU_CONFIRM_AFTER_DAYS` ago: the longest
/// accepted first, after the match keyed `after` (`(accepted_at, id)`).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn to_confirm(
    ctx: &AppContext,
    caller: &Caller,
    now: i64,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<ToConfirm>, ServiceError> {
    let Some(regions) = regions(caller) else {
        return Ok(Vec::new());
    };
    let cutoff = now - i64::from(ctx.settings.confirm_after_days) * DAY_MS;
    let rows = store::work::to_confirm(&ctx.db, &regions, cutoff, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut delivered = store::work::last_deliveries(&ctx.db, &ids).await?;
    let needs = needs_of(ctx, rows.iter().map(|m| m.need_id)).await?;
    let people: Vec<Uuid> = rows.iter().map(|m| m.volunteer_id).collect();
    let names = store::work::names(&ctx.db, &people).await?;
    let places = villages(ctx, needs.values()).await?;
    let mut items = Vec::with_capacity(rows.len());
    for m in rows {
        let Some(n) = needs.get(&m.need_id).cloned() else {
            continue;
        };
        items.push(ToConfirm {
            village_name: places.get(&n.region).cloned().unwrap_or_default(),
            volunteer_name: names.get(&m.volunteer_id).cloned().unwrap_or_default(),
            delivered: delivered.remove(&m.id),
            days_accepted: days_open(m.accepted_at.unwrap_or(m.created_at), now),
            need: n,
            m,
        });
    }
    Ok(items)
}

async fn needs_of(
    ctx: &AppContext,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, need::Model>, ServiceError> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = store::needs::by_ids(&ctx.db, &ids).await?;
    Ok(rows.into_iter().map(|n| (n.id, n)).collect())
}

/// What happened to a match, as the work list tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The volunteer accepted a proposal.
    Accepted,
    /// The volunteer claimed the need: accepted at once.
    Claimed,
    /// The volunteer reported the help delivered.
    Delivered,
    Declined,
    Expired,
    Cancelled,
    Completed,
}

impl ChangeKind {
    /// What `event` of a match made by `origin` was; none for a new
    /// proposal, which is not the cadre's news.
    pub fn of(event: &match_event::Model, origin: MatchOrigin) -> Option<Self> {
        if event.kind == MatchEventKind::Delivered {
            return Some(Self::Delivered);
        }
        Some(match event.to_status {
            MatchStatus::Proposed => return None,
            MatchStatus::Accepted
                if event.from_status.is_none() && origin == MatchOrigin::Claim =>
            {
                Self::Claimed
            }
            MatchStatus::Accepted => Self::Accepted,
            MatchStatus::Declined => Self::Declined,
            MatchStatus::Expired => Self::Expired,
            MatchStatus::Cancelled => Self::Cancelled,
            MatchStatus::Completed => Self::Completed,
        })
    }

    /// Whether the volunteer had accepted by then, so that a cadre may see
    /// their name (PRODUCT.md, Privacy): not for a proposal they declined
    /// or let expire.
    pub fn names_volunteer(self) -> bool {
        !matches!(self, Self::Declined | Self::Expired)
    }
}

/// One change to a match of a need in reach.
#[derive(Debug, Clone)]
pub struct Change {
    pub event: match_event::Model,
    pub kind: ChangeKind,
    pub need_id: Uuid,
    pub need_title: String,
    /// Only once the volunteer had accepted.
    pub volunteer_name: Option<String>,
}

/// Where "what changed" starts: the reader's previous visit, else
/// [`FIRST_LOOK_BACK_DAYS`] before `now`; at most
/// [`MOST_LOOK_BACK_DAYS`] before `now`.
pub fn changes_since(previous_visit: Option<i64>, now: i64) -> i64 {
    previous_visit
        .unwrap_or(now - FIRST_LOOK_BACK_DAYS * DAY_MS)
        .max(now - MOST_LOOK_BACK_DAYS * DAY_MS)
}

/// What happened to matches of needs in reach in `(since, until]`, other
/// than the reader's own moves, newest first, before the event keyed
/// `before` (`(at, id)`).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn changes(
    ctx: &AppContext,
    caller: &Caller,
    window: (i64, i64),
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Change>, ServiceError> {
    let Some(regions) = regions(caller) else {
        return Ok(Vec::new());
    };
    let events =
        store::work::changes(&ctx.db, &regions, window, caller.user_id, before, limit).await?;
    let ids: Vec<Uuid> = events.iter().map(|e| e.match_id).collect();
    let found = store::work::matches_by_ids(&ctx.db, &ids).await?;
    let needs = needs_of(ctx, found.values().map(|m| m.need_id)).await?;
    let people: Vec<Uuid> = found.values().map(|m| m.volunteer_id).collect();
    let names = store::work::names(&ctx.db, &people).await?;
    Ok(events
        .into_iter()
        .filter_map(|event| {
            let m = found.get(&event.match_id)?;
            let n = needs.get(&m.need_id)?;
            let kind = ChangeKind::of(&event, m.origin)?;
            Some(Change {
                kind,
                need_id: n.id,
                need_title: n.title.clone(),
                volunteer_name: kind
                    .names_volunteer()
                    .then(|| names.get(&m.volunteer_id).cloned())
                    .flatten(),
                event,
            })
        })
        .collect())
}

/// Records that the reader opened their work list at `now`; returns when
/// they did before, if ever.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn visit(
    ctx: &AppContext,
    caller: &Caller,
    now: i64,
) -> Result<Option<i64>, ServiceError> {
    let txn = store::begin_write(&ctx.db).await?;
    let previous = store::work::swap_visit(&txn, caller.user_id, now).await?;
    txn.commit().await?;
    Ok(previous)
}
