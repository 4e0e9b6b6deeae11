//! Visits to households, drawn after the history: each pairing visited
//! about on its rhythm, with misses (so some are overdue now); cadres'
//! visits to key households; and visits just before a need was posted,
//! which raised it (`raised_needs`). A helper's raised need went through a
//! suggestion the cadre confirmed; a cadre's was posted as the visit was
//! logged. A few of those are 亲邻返乡: a cadre visiting relatives at home.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::draw::Draw;
use super::standing::Standing;
use super::texts;
use crate::domain::pairing::VisitKind;
use crate::domain::time::{DAY_MS, MINUTE_MS};
use crate::store::entity::{household, need, need_suggestion, pairing, raised_need, visit};

/// Chances that a need was raised at a visit just before it was posted:
/// a key household's, and any other household's (by its cadre, or by a
/// cadre who is a relative).
const RAISED_KEY: f64 = 0.35;
const RAISED_CADRE: f64 = 0.015;
const RAISED_RELATIVES: f64 = 0.004;
/// Chance that a pairing's visit of a month was missed.
const MISSED: f64 = 0.1;

/// A visit as drawn, before it becomes a row.
struct Visiting<'a> {
    home: &'a household::Model,
    pairing: Option<Uuid>,
    visitor: Uuid,
    kind: VisitKind,
    relation: Option<&'static str>,
    at: i64,
    notes: &'static str,
    logged: i64,
}

fn row(d: &mut Draw, v: Visiting<'_>) -> visit::Model {
    visit::Model {
        id: d.uuid_at(v.logged),
        household_id: v.home.id,
        region: v.home.region.clone(),
        pairing_id: v.pairing,
        visitor_id: v.visitor,
        kind: v.kind.to_string(),
        relation: v.relation.map(str::to_owned),
        at: v.at,
        notes: v.notes.to_owned(),
        created_at: v.logged,
    }
}

/// When a visit made at `at` was logged: within two days, not after now.
fn logged_after(d: &mut Draw, at: i64) -> i64 {
    (at + d.between(10 * MINUTE_MS, 2 * DAY_MS)).min(d.now)
}

/// The visits, the needs raised at them, and each pairing's last visit.
pub fn draw(
    d: &mut Draw,
    standing: &mut Standing,
    homes: &[household::Model],
    needs: &[need::Model],
    start: i64,
) {
    let homes: HashMap<Uuid, &household::Model> = homes.iter().map(|h| (h.id, h)).collect();
    let mut visits = Vec::new();
    for p in &standing.pairings {
        if let Some(home) = homes.get(&p.household_id) {
            rhythm(d, p, home, &mut visits);
        }
    }
    for k in &standing.keys {
        if let Some(home) = homes.get(&k.household_id) {
            cadre_visits(
                d,
                home,
                k.marked_at.max(start),
                &standing.pairings,
                &mut visits,
            );
        }
    }
    let keys: HashSet<Uuid> = standing.keys.iter().map(|k| k.household_id).collect();
    for n in needs.iter().filter(|n| n.posted_at >= start) {
        let Some(home) = homes.get(&n.household_id) else {
            continue;
        };
        if let Some(v) = raising_visit(d, home, n, keys.contains(&home.id), &standing.pairings) {
            raise(d, n, v, standing);
        }
    }
    standing.visits.extend(visits);
    standing.visits.sort_by_key(|v| (v.at, v.id));
    last_visits(&mut standing.pairings, &standing.visits);
}

/// A pairing's visits by its helper (now and then its liaison), about
/// every rhythm from soon after it began until it ended or now.
fn rhythm(d: &mut Draw, p: &pairing::Model, home: &household::Model, out: &mut Vec<visit::Model>) {
    let until = p.ended_at.unwrap_or(d.now);
    let every = i64::from(p.visit_every_days) * DAY_MS;
    let mut t = p.started_at + d.between(2 * DAY_MS, 10 * DAY_MS);
    while t < until {
        let at = d.working_hours(t, p.started_at);
        if at < until && !d.chance(MISSED) {
            let visitor = match p.liaison_id {
                Some(l) if d.chance(0.25) => l,
                _ => p.helper_id,
            };
            let notes = *d.pick(&texts::PAIRING_VISIT_NOTES);
            let logged = logged_after(d, at);
            out.push(row(
                d,
                Visiting {
                    home,
                    pairing: Some(p.id),
                    visitor,
                    kind: VisitKind::Pairing,
                    relation: None,
                    at,
                    notes,
                    logged,
                },
            ));
        }
        t += every + d.between(-every / 5, every / 5);
    }
}

/// The pairing `visitor` serves in at `at` for this household: the
/// service ties a visit to the pairing when its helper or liaison logs it.
fn pairing_of(
    pairings: &[pairing::Model],
    household: Uuid,
    visitor: Uuid,
    at: i64,
) -> Option<Uuid> {
    pairings
        .iter()
        .find(|p| {
            p.household_id == household
                && p.started_at <= at
                && p.ended_at.is_none_or(|e| at <= e)
                && (p.helper_id == visitor || p.liaison_id == Some(visitor))
        })
        .map(|p| p.id)
}

/// Up to two visits by the key household's cadre since it was marked.
fn cadre_visits(
    d: &mut Draw,
    home: &household::Model,
    since: i64,
    pairings: &[pairing::Model],
    out: &mut Vec<visit::Model>,
) {
    for _ in 0..d.weighted(&[25.0, 45.0, 30.0]) {
        let day = d.between(since, d.now - DAY_MS);
        let at = d.working_hours(day, since);
        if at >= d.now {
            continue;
        }
        let cadre = home.created_by;
        let notes = *d.pick(&texts::CADRE_VISIT_NOTES);
        let logged = logged_after(d, at);
        out.push(row(
            d,
            Visiting {
                home,
                pairing: pairing_of(pairings, home.id, cadre, at),
                visitor: cadre,
                kind: VisitKind::Cadre,
                relation: None,
                at,
                notes,
                logged,
            },
        ));
    }
}

/// Who raised a need at a visit.
enum Raiser {
    /// The household's helper: a suggestion the cadre confirmed.
    Helper(Uuid),
    /// The household's cadre, posting it as the visit was logged.
    Cadre,
    /// The cadre, visiting relatives at home.
    Relatives,
}

/// Perhaps a visit a day or two before `n` was posted, at which it was
/// raised: for a key household often, by its helper when it had one.
fn raising_visit<'a>(
    d: &mut Draw,
    home: &'a household::Model,
    n: &need::Model,
    key: bool,
    pairings: &[pairing::Model],
) -> Option<(Visiting<'a>, Raiser)> {
    let helper = pairings
        .iter()
        .find(|p| {
            p.household_id == home.id
                && p.started_at <= n.posted_at
                && p.ended_at.is_none_or(|e| n.posted_at < e)
        })
        .map(|p| (p.id, p.helper_id));
    let raiser = if key {
        if !d.chance(RAISED_KEY) {
            return None;
        }
        match helper {
            Some((_, h)) if d.chance(0.7) => Raiser::Helper(h),
            _ => Raiser::Cadre,
        }
    } else {
        match d.real(0.0, 1.0) {
            x if x < RAISED_RELATIVES => Raiser::Relatives,
            x if x < RAISED_RELATIVES + RAISED_CADRE => Raiser::Cadre,
            _ => return None,
        }
    };
    let day = n.posted_at - d.between(0, 2 * DAY_MS);
    let mut at = d.working_hours(day, 0);
    if at >= n.posted_at {
        at -= DAY_MS;
    }
    let (visitor, kind, relation, notes) = match raiser {
        Raiser::Helper(h) => (h, VisitKind::Pairing, None, &texts::RAISING_VISIT_NOTES[..]),
        Raiser::Cadre => (
            home.created_by,
            VisitKind::Cadre,
            None,
            &texts::RAISING_VISIT_NOTES[..],
        ),
        Raiser::Relatives => (
            home.created_by,
            VisitKind::Relatives,
            Some(*d.pick(&texts::RELATIONS)),
            &texts::RELATIVES_VISIT_NOTES[..],
        ),
    };
    let pairing = pairing_of(pairings, home.id, visitor, at);
    // A helper's visit counts only while the pairing ran; nobody visits a
    // household before it was registered.
    let fits = at > home.created_at && (!matches!(raiser, Raiser::Helper(_)) || pairing.is_some());
    if !fits {
        return None;
    }
    // A helper's suggestion waited for the cadre; a cadre posted at once.
    let logged = match raiser {
        Raiser::Helper(_) => d.between(at + MINUTE_MS, n.posted_at).min(n.posted_at),
        Raiser::Cadre | Raiser::Relatives => n.posted_at,
    };
    let notes = *d.pick(notes);
    let visiting = Visiting {
        home,
        pairing,
        visitor,
        kind,
        relation,
        at,
        notes,
        logged,
    };
    Some((visiting, raiser))
}

/// Writes a raising visit, ties the need to it, and for a helper's visit
/// the suggestion the cadre confirmed by posting the need.
fn raise(
    d: &mut Draw,
    n: &need::Model,
    (v, raiser): (Visiting<'_>, Raiser),
    standing: &mut Standing,
) {
    let visit = row(d, v);
    standing.raised.push(raised_need::Model {
        need_id: n.id,
        visit_id: Some(visit.id),
        meeting_id: None,
    });
    if let Raiser::Helper(helper) = raiser {
        standing.suggestions.push(need_suggestion::Model {
            id: d.uuid_at(visit.created_at),
            visit_id: visit.id,
            household_id: n.household_id,
            region: n.region.clone(),
            category: n.category,
            title: n.title.clone(),
            description: n.description.clone(),
            urgency: n.urgency,
            status: "confirmed".to_owned(),
            suggested_by: helper,
            created_at: visit.created_at,
            decided_by: Some(n.created_by),
            decided_at: Some(n.posted_at),
            need_id: Some(n.id),
        });
    }
    standing.visits.push(visit);
}

/// Each pairing's latest visit, as the service keeps it.
fn last_visits(pairings: &mut [pairing::Model], visits: &[visit::Model]) {
    let mut last: HashMap<Uuid, i64> = HashMap::new();
    for v in visits {
        if let Some(p) = v.pairing_id {
            let t = last.entry(p).or_insert(v.at);
            *t = (*t).max(v.at);
        }
    }
    for p in pairings {
        p.last_visit_at = last.get(&p.id).copied();
    }
}
