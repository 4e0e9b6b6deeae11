//! The figures of the county's standing help, over a region and a period:
//! key households paired, visits owed and done, needs raised at visits and
//! courtyard meetings and how many were fulfilled, and how often a helper
//! took a pairing-first proposal against how often a round's was taken.
//!
//! Read in a few plain queries and added up here: a county has thousands
//! of key households and tens of thousands of visits, not millions.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ServiceError;
use super::stats::Scope;
use super::visits::{FollowUp, follow_up};
use crate::domain::pairing::{next_visit_due, visits_owed};
use crate::domain::{MatchOrigin, RegionPrefix};
use crate::store::entity::{meeting, need, pairing, raised_need, visit};

/// A rate, or none when there is nothing to divide by.
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The figures of one region (the whole scope, or a township's row).
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
pub struct PairingFigures {
    /// Key households (重点户) now.
    pub key_households: u64,
    /// Of those, with an active pairing now.
    pub key_households_paired: u64,
    /// key_households_paired ÷ key_households.
    pub paired_rate: Option<f64>,
    /// Distinct main helpers and liaisons of the active pairings.
    pub helpers: u64,
    pub liaisons: u64,
    /// Visits the pairings owed in the period: one per whole rhythm.
    pub visits_due: u64,
    /// Pairing visits logged in the period.
    pub visits_done: u64,
    /// Active pairings whose next visit is past due now.
    pub visits_overdue: u64,
    /// Cadres' visits and 亲邻返乡 visits in the period.
    pub cadre_visits: u64,
    pub relatives_visits: u64,
    /// Needs raised at visits in the period, and how they stand.
    pub raised_at_visits: u64,
    pub raised_at_visits_fulfilled: u64,
    pub raised_at_visits_fulfilment_rate: Option<f64>,
    /// Courtyard meetings held in the period, their attendance, the needs
    /// raised there and how they stand.
    pub meetings: u64,
    pub meeting_attendance: u64,
    pub raised_at_meetings: u64,
    pub raised_at_meetings_matched: u64,
    pub raised_at_meetings_fulfilled: u64,
    pub raised_at_meetings_fulfilment_rate: Option<f64>,
    /// Pairing-first proposals made in the period, those accepted, the rate.
    pub pairing_proposals: u64,
    pub pairing_accepted: u64,
    pub pairing_match_rate: Option<f64>,
    /// Round proposals made in the period, those accepted, the rate.
    pub round_proposals: u64,
    pub round_accepted: u64,
    pub round_match_rate: Option<f64>,
}

impl PairingFigures {
    fn finish(&mut self) {
        self.paired_rate = rate(self.key_households_paired, self.key_households);
        self.raised_at_visits_fulfilment_rate =
            rate(self.raised_at_visits_fulfilled, self.raised_at_visits);
        self.raised_at_meetings_fulfilment_rate =
            rate(self.raised_at_meetings_fulfilled, self.raised_at_meetings);
        self.pairing_match_rate = rate(self.pairing_accepted, self.pairing_proposals);
        self.round_match_rate = rate(self.round_accepted, self.round_proposals);
    }
}

/// A township's row of the figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PairingRow {
    /// The township's code.
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: PairingFigures,
}

/// Where a region code's figures are added: the whole, and its township's row.
struct Tally {
    scope: Vec<RegionPrefix>,
    total: PairingFigures,
    rows: BTreeMap<String, PairingFigures>,
}

impl Tally {
    fn inside(&self, code: &str) -> bool {
        self.scope.iter().all(|p| p.contains(code))
    }

    /// Adds `f` to the whole and to `code`'s township, when inside the scope.
    fn add(&mut self, code: &str, f: impl Fn(&mut PairingFigures)) {
        if !self.inside(code) {
            return;
        }
        f(&mut self.total);
        let township = code.get(..9).unwrap_or(code).to_owned();
        f(self.rows.entry(township).or_default());
    }
}

fn period(scope: &Scope, now: i64) -> (i64, i64) {
    (scope.from.unwrap_or(0), scope.to.unwrap_or(now))
}

/// Whether any key household lies inside `scope`'s regions: the pages and
/// the digest show the standing help only where there is some, and skip
/// reading a county's matches for it elsewhere.
pub async fn any_key_household(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<bool, ServiceError> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT h.region FROM key_households k JOIN households h ON h.id = k.household_id",
        ))
        .await?;
    for r in rows {
        let region: String = r.try_get_by_index(0)?;
        if scope.regions.iter().all(|p| p.contains(&region)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The figures over `scope` (its regions and period; a missing end is now),
/// and the same by township.
#[tracing::instrument(skip_all)]
pub async fn figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    now: i64,
) -> Result<(PairingFigures, Vec<PairingRow>), ServiceError> {
    let (from, to) = period(scope, now);
    let mut tally = Tally {
        scope: scope.regions.clone(),
        total: PairingFigures::default(),
        rows: BTreeMap::new(),
    };

    let keys = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT k.household_id, h.region FROM key_households k \
             JOIN households h ON h.id = k.household_id",
        ))
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<Uuid>(0)?,
                r.try_get_by_index::<String>(1)?,
            ))
        })
        .collect::<Result<Vec<(Uuid, String)>, sea_orm::DbErr>>()?;
    let pairings = pairing::Entity::find().all(db).await?;
    let active: Vec<&pairing::Model> = pairings.iter().filter(|p| p.ended_at.is_none()).collect();
    let paired: HashSet<Uuid> = active.iter().map(|p| p.household_id).collect();
    for (h, region) in &keys {
        let is_paired = paired.contains(h);
        tally.add(region, |f| {
            f.key_households += 1;
            f.key_households_paired += u64::from(is_paired);
        });
    }
    let mut helpers: BTreeMap<String, HashSet<Uuid>> = BTreeMap::new();
    let mut liaisons: BTreeMap<String, HashSet<Uuid>> = BTreeMap::new();
    for p in &pairings {
        let owed = visits_owed((p.started_at, p.ended_at), p.visit_every_days, (from, to)) as u64;
        let overdue = p.ended_at.is_none()
            && next_visit_due(p.started_at, p.last_visit_at, p.visit_every_days) < now;
        tally.add(&p.region, |f| {
            f.visits_due += owed;
            f.visits_overdue += u64::from(overdue);
        });
        if p.ended_at.is_none() && tally.inside(&p.region) {
            let township = p.region.get(..9).unwrap_or(&p.region).to_owned();
            for key in [String::new(), township] {
                helpers.entry(key.clone()).or_default().insert(p.helper_id);
                if let Some(l) = p.liaison_id {
                    liaisons.entry(key).or_default().insert(l);
                }
            }
        }
    }
    let count = |sets: &BTreeMap<String, HashSet<Uuid>>, key: &str| {
        sets.get(key).map_or(0, |s| s.len() as u64)
    };
    tally.total.helpers = count(&helpers, "");
    tally.total.liaisons = count(&liaisons, "");
    for (township, f) in tally.rows.iter_mut() {
        f.helpers = count(&helpers, township);
        f.liaisons = count(&liaisons, township);
    }

    let visits: Vec<(Uuid, String, String)> = visit::Entity::find()
        .select_only()
        .column(visit::Column::Id)
        .column(visit::Column::Region)
        .column(visit::Column::Kind)
        .filter(visit::Column::At.gte(from))
        .filter(visit::Column::At.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let mut visit_region = std::collections::HashMap::new();
    for (id, region, kind) in &visits {
        visit_region.insert(*id, region.clone());
        tally.add(region, |f| match kind.as_str() {
            "pairing" => f.visits_done += 1,
            "cadre" => f.cadre_visits += 1,
            _ => f.relatives_visits += 1,
        });
    }
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::HeldOn.gte(from))
        .filter(meeting::Column::HeldOn.lt(to))
        .all(db)
        .await?;
    for m in &meetings {
        tally.add(&m.region, |f| {
            f.meetings += 1;
            f.meeting_attendance += u64::from(m.attendance.max(0) as u32);
        });
    }
    // The needs raised at those visits and meetings, by where each stands.
    let raised = raised_need::Entity::find().all(db).await?;
    let meeting_ids: HashSet<Uuid> = meetings.iter().map(|m| m.id).collect();
    let mut by_region: BTreeMap<(String, bool), Vec<Uuid>> = BTreeMap::new();
    let regions: std::collections::HashMap<Uuid, String> = need_regions(db, &raised).await?;
    for r in &raised {
        let at_meeting = r.meeting_id.is_some_and(|m| meeting_ids.contains(&m));
        let at_visit = r.visit_id.is_some_and(|v| visit_region.contains_key(&v));
        if !(at_meeting || at_visit) {
            continue;
        }
        if let Some(region) = regions.get(&r.need_id) {
            by_region
                .entry((region.clone(), at_meeting))
                .or_default()
                .push(r.need_id);
        }
    }
    for ((region, at_meeting), ids) in by_region {
        let FollowUp {
            posted,
            matched,
            fulfilled,
            ..
        } = follow_up(db, &ids).await?;
        tally.add(&region, |f| {
            if at_meeting {
                f.raised_at_meetings += posted;
                f.raised_at_meetings_matched += matched;
                f.raised_at_meetings_fulfilled += fulfilled;
            } else {
                f.raised_at_visits += posted;
                f.raised_at_visits_fulfilled += fulfilled;
            }
        });
    }
    for (region, origin, proposed, accepted) in proposals(db, (from, to)).await? {
        tally.add(&region, |f| match origin {
            MatchOrigin::Pairing => {
                f.pairing_proposals += proposed;
                f.pairing_accepted += accepted;
            }
            _ => {
                f.round_proposals += proposed;
                f.round_accepted += accepted;
            }
        });
    }

    tally.total.finish();
    let names = crate::store::regions::names(
        db,
        tally
            .rows
            .keys()
            .map(|t| crate::domain::region::padded_code(t)),
    )
    .await?;
    let rows = tally
        .rows
        .into_iter()
        .map(|(key, mut figures)| {
            figures.finish();
            PairingRow {
                name: names
                    .get(&crate::domain::region::padded_code(&key))
                    .cloned()
                    .unwrap_or_else(|| key.clone()),
                key,
                figures,
            }
        })
        .collect();
    Ok((tally.total, rows))
}

async fn need_regions(
    db: &impl ConnectionTrait,
    raised: &[raised_need::Model],
) -> Result<std::collections::HashMap<Uuid, String>, ServiceError> {
    let ids: Vec<Uuid> = raised.iter().map(|r| r.need_id).collect();
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, String)> = need::Entity::find()
            .select_only()
            .column(need::Column::Id)
            .column(need::Column::Region)
            .filter(need::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Pairing-first and round proposals made in `[from, to)`, by the need's
/// village: `(village, origin, proposed, accepted)`.
async fn proposals(
    db: &impl ConnectionTrait,
    (from, to): (i64, i64),
) -> Result<Vec<(String, MatchOrigin, u64, u64)>, ServiceError> {
    let backend = db.get_database_backend();
    let sql = "SELECT n.region, m.origin, COUNT(*), \
               SUM(CASE WHEN m.accepted_at IS NOT NULL THEN 1 ELSE 0 END) \
               FROM matches m JOIN needs n ON n.id = m.need_id \
               WHERE m.origin IN ('pairing', 'round') AND m.created_at >= $1 AND m.created_at < $2 \
               GROUP BY n.region, m.origin";
    let sql = if backend == sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    let rows = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            &sql,
            [from.into(), to.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let region: String = r.try_get_by_index(0)?;
        let origin: String = r.try_get_by_index(1)?;
        let proposed: i64 = r.try_get_by_index(2)?;
        let accepted: i64 = r.try_get_by_index(3)?;
        let Ok(origin) = origin.parse::<MatchOrigin>() else {
            continue;
        };
        out.push((
            region,
            origin,
            proposed.max(0) as u64,
            accepted.max(0) as u64,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_divide_only_what_there_is() {
        let mut f = PairingFigures {
            key_households: 4,
            key_households_paired: 3,
            pairing_proposals: 0,
            ..PairingFigures::default()
        };
        f.finish();
        assert_eq!(f.paired_rate, Some(0.75));
        assert_eq!(f.pairing_match_rate, None);
    }
}
