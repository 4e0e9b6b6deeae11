//! The county's standing help (户帮户亲帮亲), drawn before the history so
//! that a paired household's needs go to its helper first: key households
//! (重点户) with their reasons, the volunteers who agreed to standing
//! pairings, and the pairings themselves. Most key households are paired;
//! a few pairings ended, and some of those households were paired again;
//! about a quarter of the pairings have a liaison. Visits and courtyard
//! meetings are drawn after the history (`visits`, `meetings`), since they
//! point at needs it has settled.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::draw::Draw;
use super::places::Village;
use super::texts;
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::household::{HouseholdTag, parse_tags};
use crate::domain::pairing::DEFAULT_VISIT_EVERY_DAYS;
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::store::entity::{
    household, key_household, meeting, need_suggestion, offer, pairing, raised_need,
    standing_helper, user, visit,
};

/// The real county's standing help: 1,874 key households, 1,237 main
/// helpers (主体帮扶人) and 404 liaisons (帮扶联络员).
const COUNTY_KEY_HOUSEHOLDS: f64 = 1_874.0;
const COUNTY_HELPERS: f64 = 1_237.0;
const COUNTY_LIAISONS: f64 = 404.0;

/// Key households per demo household. The county's key households were
/// 1.8 % of its 104,096 needs; a demo household posts about 1.8 needs, so
/// by households that would be about 3 %. A little less keeps a
/// 2,000-household demo at about 50; helpers and liaisons follow from it
/// by the county's own ratios.
const KEY_SHARE: f64 = 0.025;
/// Key households not paired now (a pairing ended, or none yet).
const UNPAIRED_SHARE: f64 = 0.05;
/// Key households paired again after their first helper stopped.
const REPAIRED_SHARE: f64 = 0.08;
/// Active pairings with a liaison (at least one for each liaison).
const LIAISON_SHARE: f64 = 0.25;
/// Active pairings a helper may have: `HUZHU_PAIRING_LIMIT`'s default.
const PAIRING_LIMIT: usize = 3;
/// A helper farther than this from a household is a stranger there: the
/// household rather gets a helper of its own.
const NEAR_M: i64 = 10_000;
/// Volunteers who registered this long before now may stand by a
/// household: long enough for a pairing with a history.
const SETTLED_MS: i64 = 120 * DAY_MS;

/// The standing help, and (filled after the history) its visits and
/// meetings with the needs raised there.
#[derive(Default)]
pub struct Standing {
    pub keys: Vec<key_household::Model>,
    pub helpers: Vec<standing_helper::Model>,
    pub pairings: Vec<pairing::Model>,
    pub visits: Vec<visit::Model>,
    pub meetings: Vec<meeting::Model>,
    pub raised: Vec<raised_need::Model>,
    pub suggestions: Vec<need_suggestion::Model>,
}

/// When a pairing ran, `[from, until)` (`until` is `i64::MAX` while
/// active), and its helper.
#[derive(Clone, Copy)]
pub struct Span {
    pub from: i64,
    pub until: i64,
    pub helper: Uuid,
}

impl Standing {
    /// Each paired household's pairings.
    pub fn spans(&self) -> HashMap<Uuid, Vec<Span>> {
        let mut out: HashMap<Uuid, Vec<Span>> = HashMap::new();
        for p in &self.pairings {
            out.entry(p.household_id).or_default().push(Span {
                from: p.started_at,
                until: p.ended_at.unwrap_or(i64::MAX),
                helper: p.helper_id,
            });
        }
        out
    }
}

/// What became of a key household's pairing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Story {
    /// Paired with one helper, still.
    Paired,
    /// Its first helper stopped; paired again with another.
    Repaired,
    /// Its pairing ended on the household's side; not paired now.
    Ended,
    /// Marked key, not paired yet.
    Waiting,
}

/// A volunteer who could stand by a household: since when they are
/// registered, and where they help from (their first offer's point).
struct Candidate {
    id: Uuid,
    registered: i64,
    point: GeoPoint,
}

/// A chosen helper: their active pairings now and their ended ones.
struct Helper {
    candidate: usize,
    active: usize,
    former: usize,
}

/// The volunteers who may become helpers or liaisons, and those chosen.
struct Pool {
    candidates: Vec<Candidate>,
    used: HashSet<usize>,
    helpers: Vec<Helper>,
}

impl Pool {
    fn new(volunteers: &[user::Model], offers: &[offer::Model], now: i64) -> Self {
        let mut first: HashMap<Uuid, GeoPoint> = HashMap::new();
        for o in offers {
            first
                .entry(o.volunteer_id)
                .or_insert_with(|| GeoPoint::new(o.lat, o.lon));
        }
        let candidates = volunteers
            .iter()
            .filter(|u| u.created_at < now - SETTLED_MS)
            .filter_map(|u| {
                first.get(&u.id).map(|p| Candidate {
                    id: u.id,
                    registered: u.created_at,
                    point: *p,
                })
            })
            .collect();
        Self {
            candidates,
            used: HashSet::new(),
            helpers: Vec::new(),
        }
    }

    /// A volunteer not yet helping or liaising, one of the three nearest
    /// to `at`.
    fn fresh(&mut self, d: &mut Draw, at: GeoPoint) -> Option<usize> {
        let mut near: Vec<(i64, usize)> = self
            .candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.used.contains(i))
            .map(|(i, c)| (haversine_m(at, c.point), i))
            .collect();
        near.sort_unstable();
        near.truncate(3);
        if near.is_empty() {
            return None;
        }
        let (_, i) = *d.pick(&near);
        self.used.insert(i);
        Some(i)
    }

    /// A new helper near `at`, by index into `helpers`.
    fn new_helper(&mut self, d: &mut Draw, at: GeoPoint) -> Option<usize> {
        let candidate = self.fresh(d, at)?;
        self.helpers.push(Helper {
            candidate,
            active: 0,
            former: 0,
        });
        Some(self.helpers.len() - 1)
    }

    /// The chosen helpers that `fit`, each with how far from `at` they are.
    fn helpers_fitting(
        &self,
        at: GeoPoint,
        fits: impl Fn(&Helper) -> bool,
    ) -> impl Iterator<Item = (usize, i64)> {
        self.helpers
            .iter()
            .enumerate()
            .filter(move |(_, h)| fits(h))
            .map(move |(i, h)| (i, haversine_m(at, self.candidates[h.candidate].point)))
    }

    /// The nearest chosen helper that `fits`.
    fn nearest_helper(&self, at: GeoPoint, fits: impl Fn(&Helper) -> bool) -> Option<usize> {
        self.helpers_fitting(at, fits)
            .min_by_key(|&(i, m)| (m, i))
            .map(|(i, _)| i)
    }

    /// Of the helpers with room near `at`, the one with fewest households.
    fn lightest_near(&self, at: GeoPoint) -> Option<usize> {
        self.helpers_fitting(at, |h| h.active < PAIRING_LIMIT)
            .filter(|&(_, m)| m <= NEAR_M)
            .min_by_key(|&(i, m)| (self.helpers[i].active, m, i))
            .map(|(i, _)| i)
    }

    fn helper(&self, i: usize) -> &Candidate {
        &self.candidates[self.helpers[i].candidate]
    }
}

/// Where a household is: its point, or its village's.
fn point_of(h: &household::Model, villages: &HashMap<&str, GeoPoint>) -> GeoPoint {
    match (h.lat, h.lon) {
        (Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
        _ => villages
            .get(h.region.as_str())
            .copied()
            .unwrap_or(GeoPoint::new(0.0, 0.0)),
    }
}

fn scaled(count: usize, share: f64) -> usize {
    (count as f64 * share).round() as usize
}

/// Key households, helpers and pairings for the demo's households.
pub fn draw(
    d: &mut Draw,
    homes: &[household::Model],
    villages: &[Village],
    volunteers: &[user::Model],
    offers: &[offer::Model],
) -> Standing {
    let places: HashMap<&str, GeoPoint> = villages
        .iter()
        .map(|v| (v.code.as_str(), GeoPoint::new(v.lat, v.lon)))
        .collect();
    let keys = choose_keys(d, homes, scaled(homes.len(), KEY_SHARE));
    let stories = stories(keys.len());
    let mut pool = Pool::new(volunteers, offers, d.now);
    let active: Vec<GeoPoint> = keys
        .iter()
        .zip(&stories)
        .filter(|(_, s)| matches!(s, Story::Paired | Story::Repaired))
        .map(|(h, _)| point_of(h, &places))
        .collect();
    let helpers = scaled(keys.len(), COUNTY_HELPERS / COUNTY_KEY_HOUSEHOLDS);
    let mut current = current_helpers(d, &mut pool, &active, helpers).into_iter();
    let mut out = Standing::default();
    for (h, story) in keys.iter().zip(stories) {
        let marked_at = h.created_at + d.between(HOUR_MS, 10 * DAY_MS);
        out.keys.push(key_household::Model {
            household_id: h.id,
            reason: reason(d, h).to_owned(),
            marked_by: h.created_by,
            marked_at,
        });
        let now_helper = match story {
            Story::Paired | Story::Repaired => current.next().flatten(),
            Story::Ended | Story::Waiting => None,
        };
        let at = point_of(h, &places);
        out.pairings.extend(pairings_of(
            d, &mut pool, h, at, story, marked_at, now_helper,
        ));
    }
    let liaisons = scaled(keys.len(), COUNTY_LIAISONS / COUNTY_KEY_HOUSEHOLDS);
    let points: HashMap<Uuid, GeoPoint> =
        keys.iter().map(|h| (h.id, point_of(h, &places))).collect();
    add_liaisons(d, &mut pool, &mut out.pairings, &points, liaisons);
    out.helpers = pool
        .helpers
        .iter()
        .map(|h| {
            let c = &pool.candidates[h.candidate];
            standing_helper::Model {
                user_id: c.id,
                since: c.registered,
            }
        })
        .collect();
    out
}

/// Households marked key: on the books long enough for a pairing with a
/// history, likelier the more circumstances their cadre recorded.
fn choose_keys(d: &mut Draw, homes: &[household::Model], count: usize) -> Vec<household::Model> {
    let settled = d.now - 100 * DAY_MS;
    let mut weights: Vec<f64> = homes
        .iter()
        .map(|h| {
            if h.created_at < settled {
                1.0 + 2.0 * tags_of(h).len() as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut out = Vec::new();
    while out.len() < count && weights.iter().any(|w| *w > 0.0) {
        let i = d.weighted(&weights);
        // Rounding may land on a weightless last household: draw again.
        if weights[i] > 0.0 {
            weights[i] = 0.0;
            out.push(homes[i].clone());
        }
    }
    out
}

fn tags_of(h: &household::Model) -> Vec<HouseholdTag> {
    parse_tags(&h.tags).unwrap_or_default()
}

/// Why the household is key: one of its own circumstances, or, when its
/// cadre recorded none, most often that it is marginal (边缘户).
fn reason(d: &mut Draw, h: &household::Model) -> &'static str {
    let own = tags_of(h);
    if own.is_empty() {
        let usual = [
            HouseholdTag::Marginal,
            HouseholdTag::NoLabourCapacity,
            HouseholdTag::ChronicIllness,
        ];
        usual[d.weighted(&[60.0, 20.0, 20.0])].code()
    } else {
        d.pick(&own).code()
    }
}

/// The stories of `count` key households in their drawn order: a fixed
/// share each, so that even a small demo has every kind.
fn stories(count: usize) -> Vec<Story> {
    let unpaired = scaled(count, UNPAIRED_SHARE).max(1).min(count);
    let repaired = scaled(count, REPAIRED_SHARE).min(count - unpaired);
    (0..count)
        .map(|i| match i {
            i if i < unpaired && i % 2 == 0 => Story::Ended,
            i if i < unpaired => Story::Waiting,
            i if i < unpaired + repaired => Story::Repaired,
            _ => Story::Paired,
        })
        .collect()
}

/// The helper of each household paired now (by index into the pool's
/// helpers): `target` helpers in all, each with at most the limit. A
/// household shares the least busy helper near it, or takes a new one
/// when none with room is near, and otherwise as often as the helpers
/// still to choose are of the households left.
fn current_helpers(
    d: &mut Draw,
    pool: &mut Pool,
    homes: &[GeoPoint],
    target: usize,
) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(homes.len());
    for (i, at) in homes.iter().enumerate() {
        let left_fresh = target.saturating_sub(pool.helpers.len());
        let near = pool.lightest_near(*at);
        // New helpers spread over the households, so that sharing does too.
        let left_homes = (homes.len() - i) as f64;
        let fresh = left_fresh > 0 && (near.is_none() || d.chance(left_fresh as f64 / left_homes));
        let chosen = if fresh { pool.new_helper(d, *at) } else { near };
        // Far from every helper with room, or out of volunteers: any
        // helper with room, else anyone new.
        let chosen = chosen
            .or_else(|| pool.nearest_helper(*at, |h| h.active < PAIRING_LIMIT))
            .or_else(|| pool.new_helper(d, *at));
        if let Some(k) = chosen {
            pool.helpers[k].active += 1;
        }
        out.push(chosen);
    }
    out
}

/// A pairing's start: a day to two weeks after `not_before`, in working
/// hours, and at least a month before now.
fn start_after(d: &mut Draw, not_before: i64) -> i64 {
    let at = not_before + d.between(DAY_MS, 15 * DAY_MS);
    d.working_hours(at, not_before).min(d.now - 30 * DAY_MS)
}

/// Mostly monthly, as the county asks; some households weekly-ish, a few
/// every two months.
fn visit_every(d: &mut Draw) -> i32 {
    [DEFAULT_VISIT_EVERY_DAYS, 15, 60][d.weighted(&[85.0, 10.0, 5.0])]
}

fn pairing_row(
    d: &mut Draw,
    h: &household::Model,
    helper: Uuid,
    started_at: i64,
    ended: Option<(i64, &str)>,
) -> pairing::Model {
    pairing::Model {
        id: d.uuid_at(started_at),
        household_id: h.id,
        region: h.region.clone(),
        helper_id: helper,
        liaison_id: None,
        created_by: h.created_by,
        started_at,
        ended_at: ended.map(|e| e.0),
        end_reason: ended.map(|e| e.1.to_owned()),
        visit_every_days: visit_every(d),
        last_visit_at: None,
        reminded_due: None,
    }
}

/// A key household's pairings, oldest first, as its story goes.
fn pairings_of(
    d: &mut Draw,
    pool: &mut Pool,
    h: &household::Model,
    at: GeoPoint,
    story: Story,
    marked_at: i64,
    current: Option<usize>,
) -> Vec<pairing::Model> {
    let mut rows = Vec::new();
    let mut free_from = marked_at;
    if matches!(story, Story::Repaired | Story::Ended) {
        // A household paired again got its new helper over a month ago.
        let (reasons, longest, latest): (&[&str], i64, i64) = if story == Story::Repaired {
            (&texts::PAIRING_ENDS_BY_HELPER, 75, 40 * DAY_MS)
        } else {
            (&texts::PAIRING_ENDS_BY_HOUSEHOLD, 120, 3 * DAY_MS)
        };
        // Another helper with room for one more, then as now: the limit
        // held while both ran.
        let now_candidate = current.map(|c| pool.helpers[c].candidate);
        let former = pool
            .nearest_helper(at, |c| {
                c.active + c.former < PAIRING_LIMIT && Some(c.candidate) != now_candidate
            })
            .or_else(|| pool.new_helper(d, at));
        if let Some(f) = former {
            pool.helpers[f].former += 1;
            let started = start_after(d, marked_at.max(pool.helper(f).registered));
            let span = d.between(30, longest + 1) * DAY_MS;
            let ended = d.working_hours(started + span, started).min(d.now - latest);
            if ended > started {
                let reason = *d.pick(reasons);
                rows.push(pairing_row(
                    d,
                    h,
                    pool.helper(f).id,
                    started,
                    Some((ended, reason)),
                ));
                free_from = ended;
            }
        }
    }
    if let Some(c) = current {
        let started = start_after(d, free_from.max(pool.helper(c).registered));
        if started > free_from {
            rows.push(pairing_row(d, h, pool.helper(c).id, started, None));
        }
    }
    rows
}

/// Gives `count` liaisons (the township's cadre, or a volunteer nearby) to
/// about a quarter of the active pairings, preferring one of the same
/// township when a liaison serves more than one.
fn add_liaisons(
    d: &mut Draw,
    pool: &mut Pool,
    pairings: &mut [pairing::Model],
    points: &HashMap<Uuid, GeoPoint>,
    count: usize,
) {
    let mut active: Vec<usize> = (0..pairings.len())
        .filter(|&i| pairings[i].ended_at.is_none())
        .collect();
    let want = count
        .max(scaled(active.len(), LIAISON_SHARE))
        .min(active.len());
    let mut people: Vec<(Uuid, String)> = Vec::new();
    for j in 0..want {
        let pick = active.swap_remove(d.between(0, active.len() as i64) as usize);
        let p = &pairings[pick];
        let township = p.region.get(..9).unwrap_or(&p.region).to_owned();
        let liaison = if j < count {
            new_liaison(d, pool, p, points, &people)
        } else {
            people
                .iter()
                .find(|(_, t)| *t == township)
                .or_else(|| people.first())
                .map(|l| l.0)
        };
        let Some(liaison) = liaison else { continue };
        if !people.iter().any(|(id, _)| *id == liaison) {
            people.push((liaison, township));
        }
        pairings[pick].liaison_id = Some(liaison);
    }
}

/// A liaison not yet serving: the pairing's cadre (who made it) now and
/// then, otherwise a volunteer living near the household.
fn new_liaison(
    d: &mut Draw,
    pool: &mut Pool,
    p: &pairing::Model,
    points: &HashMap<Uuid, GeoPoint>,
    people: &[(Uuid, String)],
) -> Option<Uuid> {
    let cadre_free = !people.iter().any(|(id, _)| *id == p.created_by);
    if cadre_free && d.chance(0.4) {
        return Some(p.created_by);
    }
    let at = points.get(&p.household_id).copied()?;
    match pool.fresh(d, at) {
        Some(i) => Some(pool.candidates[i].id),
        None => cadre_free.then_some(p.created_by),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_story_is_told_and_most_key_households_are_paired() {
        for count in [1, 8, 50, 400] {
            let s = stories(count);
            let paired = s
                .iter()
                .filter(|s| matches!(s, Story::Paired | Story::Repaired))
                .count();
            assert!(paired as f64 >= 0.9 * count as f64 - 1.0, "{count}");
            if count >= 50 {
                for story in [Story::Paired, Story::Repaired, Story::Ended, Story::Waiting] {
                    assert!(s.contains(&story), "{count}");
                }
            }
        }
    }
}
