//! The coordinators' figures, aggregated by the database: counts with
//! `GROUP BY`, and exact medians in the same statement (`percentile_cont`
//! on PostgreSQL, `median` on SQLite). Never the rows themselves pulled
//! into memory.
//!
//! Every figure covers the needs posted in a period and those needs'
//! matches, grouped by one key (township, village, category, week, or one
//! group for a summary). A need carries the figures of its own matches
//! (`first_accepted_at`, `completed_ms`, `declined_matches`, …), derived
//! from `matches` by [`refresh`] whenever they change, so every query here
//! reads one covering index of `needs` alone.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use crate::domain::escalation::EscalationLevel;
use crate::domain::time::DAY_MS;
use crate::domain::{Category, MatchStatus, NeedStatus, RegionPrefix};

/// Which needs the figures cover.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Every prefix must contain the need's region (the caller's reach and
    /// the filter).
    pub regions: Vec<RegionPrefix>,
    /// `posted_at` in `[from, to)`, milliseconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub category: Option<Category>,
}

/// What the figures are grouped by.
#[derive(Debug, Clone)]
pub enum GroupBy {
    /// One group, keyed `""`.
    All,
    /// The 9-digit township prefix.
    Township,
    /// The 12-digit code.
    Village,
    Category,
    /// `(key, start, end)` of each week, milliseconds.
    Week(Vec<(String, i64, i64)>),
}

/// The raw counts of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupCounts {
    pub needs_posted: i64,
    pub needs_matched: i64,
    pub needs_fulfilled: i64,
    pub needs_open: i64,
    pub needs_cancelled: i64,
    pub matches_completed: i64,
    pub matches_declined: i64,
    pub matches_expired: i64,
    pub matches_cancelled: i64,
    /// Median milliseconds from posting to the first accepted match.
    pub median_ms_to_match: Option<f64>,
    /// Median milliseconds from acceptance to completion.
    pub median_ms_to_complete: Option<f64>,
    /// Needs whose highest escalation is the township, and the county.
    pub needs_escalated_township: i64,
    pub needs_escalated_county: i64,
    /// Median milliseconds from a need's escalation to its first acceptance
    /// after it.
    pub median_ms_escalation_to_match: Option<f64>,
}

/// A statement under construction, with placeholders in the backend's style.
pub(crate) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    pub(crate) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// `WITH [weeks,] n AS (the scoped needs with their group key k) `.
/// `n` is `NOT MATERIALIZED`: read once, straight from the covering index,
/// never copied into a temporary table first.
fn scoped(backend: DbBackend, scope: &Scope, by: &GroupBy) -> Sql {
    let mut sql = Sql::new(backend);
    sql.push("WITH ");
    let even = even_weeks(by);
    if let (GroupBy::Week(weeks), None) = (by, even) {
        sql.push("weeks (k, lo, hi) AS (VALUES ");
        for (i, (key, lo, hi)) in weeks.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(key.clone())
                .push(", ")
                .bind(*lo)
                .push(", ")
                .bind(*hi)
                .push(")");
        }
        sql.push("), ");
    }
    let key = match by {
        GroupBy::All => "''",
        GroupBy::Township => "SUBSTR(d.region, 1, 9)",
        GroupBy::Village => "d.region",
        GroupBy::Category => "d.category",
        GroupBy::Week(_) if even.is_some() => "",
        GroupBy::Week(_) => "w.k",
    };
    sql.push(
        "n AS NOT MATERIALIZED (SELECT d.status, d.posted_at, d.first_accepted_at, d.completed_ms, \
         d.declined_matches, d.expired_matches, d.cancelled_matches, d.escalation, \
         d.escalation_to_match_ms, ",
    );
    match even {
        // The week's position, by arithmetic: no join at all.
        Some((start, end)) => {
            sql.push("(d.posted_at - ")
                .bind(start)
                .push(&format!(
                    ") / {WEEK_MS} AS k FROM needs d WHERE d.posted_at >= "
                ))
                .bind(start)
                .push(" AND d.posted_at < ")
                .bind(end);
        }
        None => {
            sql.push(key).push(" AS k FROM needs d");
            if matches!(by, GroupBy::Week(_)) {
                sql.push(" JOIN weeks w ON d.posted_at >= w.lo AND d.posted_at < w.hi");
            }
            sql.push(" WHERE 1 = 1");
        }
    }
    for prefix in &scope.regions {
        let (low, high) = prefix.code_range();
        sql.push(" AND d.region >= ")
            .bind(low)
            .push(" AND d.region < ")
            .bind(high);
    }
    if let Some(from) = scope.from {
        sql.push(" AND d.posted_at >= ").bind(from);
    }
    if let Some(to) = scope.to {
        sql.push(" AND d.posted_at < ").bind(to);
    }
    if let Some(category) = &scope.category {
        sql.push(" AND d.category = ").bind(*category);
    }
    sql.push(") ");
    sql
}

const WEEK_MS: i64 = 7 * DAY_MS;

/// `(start, end)` when the weeks follow each other and each lasts exactly
/// seven days (a zone without clock changes in the period, such as
/// Asia/Shanghai): then a need's week is `(posted_at − start) / 7 days`.
fn even_weeks(by: &GroupBy) -> Option<(i64, i64)> {
    let GroupBy::Week(weeks) = by else {
        return None;
    };
    let even = weeks.iter().all(|(_, lo, hi)| hi - lo == WEEK_MS)
        && weeks.windows(2).all(|w| w[0].2 == w[1].1);
    let (first, last) = (weeks.first()?, weeks.last()?);
    even.then_some((first.1, last.2))
}

/// The group a row's key names: for even weeks, the week at that position.
fn group_key(by: &GroupBy, raw: String) -> String {
    match (by, even_weeks(by)) {
        (GroupBy::Week(weeks), Some(_)) => raw
            .parse::<usize>()
            .ok()
            .and_then(|i| weeks.get(i))
            .map_or(raw, |w| w.0.clone()),
        _ => raw,
    }
}

/// The two medians' values: milliseconds to the first acceptance, and from
/// acceptance to completion.
const TO_MATCH: &str = "first_accepted_at - posted_at";
const TO_COMPLETE: &str = "completed_ms";
const ESCALATION_TO_MATCH: &str = "escalation_to_match_ms";

/// Each group's counts: the column, named as the [`GroupCounts`] field it
/// fills, and its aggregate over the scoped needs.
fn counted() -> [(&'static str, String); 11] {
    let in_status = |s: NeedStatus| format!("COUNT(*) FILTER (WHERE status = '{s}')");
    let summed = |column: &str| format!("CAST(SUM({column}) AS BIGINT)");
    [
        ("needs_posted", "COUNT(*)".to_owned()),
        ("needs_matched", "COUNT(first_accepted_at)".to_owned()),
        ("needs_fulfilled", in_status(NeedStatus::Fulfilled)),
        ("needs_open", in_status(NeedStatus::Open)),
        ("needs_cancelled", in_status(NeedStatus::Cancelled)),
        ("matches_completed", "COUNT(completed_ms)".to_owned()),
        ("matches_declined", summed("declined_matches")),
        ("matches_expired", summed("expired_matches")),
        ("matches_cancelled", summed("cancelled_matches")),
        (
            "needs_escalated_township",
            format!(
                "COUNT(*) FILTER (WHERE escalation = '{}')",
                EscalationLevel::Township
            ),
        ),
        (
            "needs_escalated_county",
            format!(
                "COUNT(*) FILTER (WHERE escalation = '{}')",
                EscalationLevel::County
            ),
        ),
    ]
}

/// The exact median of `value` over a group: the continuous 0.5 percentile,
/// the middle value or the mean of the middle two. SQLite's is the
/// `median()` of its percentile extension, compiled in (see
/// `.cargo/config.toml`) and checked at connect by [`crate::store::connect`].
fn median(backend: DbBackend, value: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("percentile_cont(0.5) WITHIN GROUP (ORDER BY {value})"),
        _ => format!("median({value})"),
    }
}

/// The figures of every group that has needs in `scope`: one statement,
/// answering `k`, the [`counted`] columns, `to_match` and `to_complete`.
pub async fn counts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by: &GroupBy,
) -> Result<BTreeMap<String, GroupCounts>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = scoped(backend, scope, by);
    let counts = counted()
        .iter()
        .map(|(column, aggregate)| format!("{aggregate} AS {column}"))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push(&format!(
        "SELECT CAST(n.k AS TEXT) AS k, {counts}, {} AS to_match, {} AS to_complete, \
         {} AS escalation_to_match FROM n GROUP BY n.k",
        median(backend, TO_MATCH),
        median(backend, TO_COMPLETE),
        median(backend, ESCALATION_TO_MATCH),
    ));
    let mut groups: BTreeMap<String, GroupCounts> = BTreeMap::new();
    for row in db.query_all_raw(sql.build()).await? {
        let g = groups
            .entry(group_key(by, row.try_get("", "k")?))
            .or_default();
        g.needs_posted = row.try_get("", "needs_posted")?;
        g.needs_matched = row.try_get("", "needs_matched")?;
        g.needs_fulfilled = row.try_get("", "needs_fulfilled")?;
        g.needs_open = row.try_get("", "needs_open")?;
        g.needs_cancelled = row.try_get("", "needs_cancelled")?;
        g.matches_completed = row.try_get("", "matches_completed")?;
        g.matches_declined = row.try_get("", "matches_declined")?;
        g.matches_expired = row.try_get("", "matches_expired")?;
        g.matches_cancelled = row.try_get("", "matches_cancelled")?;
        g.median_ms_to_match = row.try_get("", "to_match")?;
        g.median_ms_to_complete = row.try_get("", "to_complete")?;
        g.needs_escalated_township = row.try_get("", "needs_escalated_township")?;
        g.needs_escalated_county = row.try_get("", "needs_escalated_county")?;
        g.median_ms_escalation_to_match = row.try_get("", "escalation_to_match")?;
    }
    Ok(groups)
}

/// Derives each need's figure columns from its matches; `None` means every
/// need. Called in the transaction of every change to a need's matches.
pub async fn refresh(db: &impl ConnectionTrait, needs: Option<&[uuid::Uuid]>) -> Result<(), DbErr> {
    let statement = |ids: &[uuid::Uuid]| {
        use MatchStatus::{Cancelled, Completed, Declined, Expired};
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!(
            "UPDATE needs SET \
             first_accepted_at = (SELECT MIN(m.accepted_at) FROM matches m WHERE m.need_id = needs.id), \
             completed_ms = (SELECT MIN(m.ended_at - m.accepted_at) FROM matches m \
               WHERE m.need_id = needs.id AND m.status = '{Completed}'), \
             declined_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = '{Declined}'), \
             expired_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = '{Expired}'), \
             cancelled_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = '{Cancelled}'), \
             escalation_to_match_ms = (SELECT MIN(m.accepted_at) FROM matches m \
               WHERE m.need_id = needs.id AND m.accepted_at >= needs.escalated_at) - escalated_at",
        ));
        if !ids.is_empty() {
            sql.push(" WHERE id IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push(")");
        }
        sql.build()
    };
    match needs {
        None => {
            db.execute_raw(statement(&[])).await?;
        }
        Some(ids) => {
            for chunk in ids.chunks(500) {
                db.execute_raw(statement(chunk)).await?;
            }
        }
    }
    Ok(())
}

/// The earliest and latest `posted_at` in `scope`, if it has needs.
pub async fn posted_span(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Option<(i64, i64)>, DbErr> {
    let mut sql = scoped(db.get_database_backend(), scope, &GroupBy::All);
    sql.push("SELECT MIN(n.posted_at) AS lo, MAX(n.posted_at) AS hi FROM n");
    let Some(row) = db.query_one_raw(sql.build()).await? else {
        return Ok(None);
    };
    let lo: Option<i64> = row.try_get("", "lo")?;
    let hi: Option<i64> = row.try_get("", "hi")?;
    Ok(lo.zip(hi))
}

/// The open needs in `regions` posted before `before`: the needs waiting
/// for a volunteer, as the stale reminder, the digest, the reports and the
/// cadre's work list all count them.
fn waiting(
    regions: &[RegionPrefix],
    before: i64,
) -> sea_orm::Select<crate::store::entity::need::Entity> {
    use crate::store::entity::need::{Column, Entity as Needs};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut query = Needs::find()
        .filter(Column::Status.eq(NeedStatus::Open))
        .filter(Column::PostedAt.lt(before));
    for prefix in regions {
        let (low, high) = prefix.code_range();
        query = query
            .filter(Column::Region.gte(low))
            .filter(Column::Region.lt(high));
    }
    query
}

/// The open needs in `regions` posted before `before`, longest waiting
/// first, at most `limit`, and how many there are in all.
pub async fn longest_waiting(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    before: i64,
    limit: u64,
) -> Result<(Vec<crate::store::entity::need::Model>, u64), DbErr> {
    let total = count_waiting(db, regions, before).await?;
    let rows = waiting_after(db, regions, before, None, limit).await?;
    Ok((rows, total))
}

/// How many open needs in `regions` were posted before `before`.
pub async fn count_waiting(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    before: i64,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    waiting(regions, before).count(db).await
}

/// A page of [`longest_waiting`]: longest waiting first, after the need
/// keyed `after` (`(posted_at, id)`), at most `limit`.
pub async fn waiting_after(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    before: i64,
    after: Option<(i64, uuid::Uuid)>,
    limit: u64,
) -> Result<Vec<crate::store::entity::need::Model>, DbErr> {
    use crate::store::entity::need::Column;
    use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
    let mut query = waiting(regions, before);
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any().add(Column::PostedAt.gt(at)).add(
                Condition::all()
                    .add(Column::PostedAt.eq(at))
                    .add(Column::Id.gt(id)),
            ),
        );
    }
    query
        .order_by_asc(Column::PostedAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The upper bounds, in whole days waited, of the dashboard's waiting-days
/// buckets (0–3, 4–7, 8–14, 15–30); the last bucket is everything longer.
pub const WAITING_BUCKETS: [i64; 4] = [3, 7, 14, 30];

/// The bucket of [`WAITING_BUCKETS`] a need that has waited `days` whole
/// days falls in, as [`waiting_days`] counts it.
pub fn waiting_bucket(days: i64) -> usize {
    WAITING_BUCKETS
        .iter()
        .position(|upper| days <= *upper)
        .unwrap_or(WAITING_BUCKETS.len())
}

/// The buckets' labels: `0–3`, `4–7`, `8–14`, `15–30`, `>30`.
pub fn waiting_bucket_labels() -> Vec<String> {
    let last = WAITING_BUCKETS[WAITING_BUCKETS.len() - 1];
    WAITING_BUCKETS
        .iter()
        .enumerate()
        .map(|(i, upper)| {
            let lower = if i == 0 {
                0
            } else {
                WAITING_BUCKETS[i - 1] + 1
            };
            format!("{lower}–{upper}")
        })
        .chain([format!(">{last}")])
        .collect()
}

/// How many open needs in `regions` (of `category`, if given) have waited
/// each bucket of [`WAITING_BUCKETS`] at `now`, the longest last: one
/// grouped statement over the needs' status index, never the rows.
pub async fn waiting_days(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    category: Option<Category>,
    now: i64,
) -> Result<[i64; WAITING_BUCKETS.len() + 1], DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT CASE");
    for (i, days) in WAITING_BUCKETS.iter().enumerate() {
        // Waited at most `days` whole days: posted after now − (days + 1).
        sql.push(" WHEN posted_at > ")
            .bind(now - (days + 1) * DAY_MS)
            .push(&format!(" THEN {i}"));
    }
    sql.push(&format!(
        " ELSE {} END AS b, COUNT(*) AS n FROM needs WHERE status = '{}'",
        WAITING_BUCKETS.len(),
        NeedStatus::Open
    ));
    for prefix in regions {
        let (low, high) = prefix.code_range();
        sql.push(" AND region >= ")
            .bind(low)
            .push(" AND region < ")
            .bind(high);
    }
    if let Some(category) = category {
        sql.push(" AND category = ").bind(category);
    }
    sql.push(" AND posted_at <= ").bind(now).push(" GROUP BY b");
    let mut buckets = [0; WAITING_BUCKETS.len() + 1];
    for row in db.query_all_raw(sql.build()).await? {
        let bucket: i32 = row.try_get("", "b")?;
        if let Some(slot) = usize::try_from(bucket)
            .ok()
            .and_then(|b| buckets.get_mut(b))
        {
            *slot = row.try_get("", "n")?;
        }
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_falls_in_the_bucket_its_label_names() {
        let labels = waiting_bucket_labels();
        for (days, label) in [
            (0, "0–3"),
            (3, "0–3"),
            (4, "4–7"),
            (7, "4–7"),
            (8, "8–14"),
            (15, "15–30"),
            (30, "15–30"),
            (31, ">30"),
            (900, ">30"),
        ] {
            assert_eq!(labels[waiting_bucket(days)], label, "{days} days");
        }
    }
}
