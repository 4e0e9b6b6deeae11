//! Six months of the county's life: every need, in the order it was
//! posted, is claimed, proposed by a round or by hand, answered, completed,
//! cancelled or left waiting. Offers' places are booked as time intervals,
//! so a capacity is never exceeded at any moment, and a volunteer whose
//! match with a need ended unfulfilled is never given it again. A need of
//! a paired key household is first proposed to its helper, the moment it
//! is posted (pairing first), as the service does.

use std::collections::HashMap;

use uuid::Uuid;

use super::accounts::Staff;
use super::draw::Draw;
use super::lifecycle::{self, Odds, Plan, Who};
use super::rounds::Schedule;
use super::standing::Span;
use super::texts;
use crate::domain::time::{DAY_MS, MINUTE_MS};
use crate::domain::{Category, MatchEventKind, MatchOrigin, MatchStatus, NeedStatus};
use crate::matching::{CategorySet, NeedInput, eligible_cost};
use crate::services::ranking;
use crate::services::tokens::token_hash;
use crate::store::entity::{match_event, match_token, matches, need, offer};

/// An offer and the times its places are taken.
pub struct Slot {
    pub offer: offer::Model,
    /// `[from, until)` of each match; `until` is `i64::MAX` while live.
    pub busy: Vec<(i64, i64)>,
}

impl Slot {
    /// Places taken at `t`.
    pub fn taken_at(&self, t: i64) -> usize {
        self.busy.iter().filter(|(s, e)| *s <= t && t < *e).count()
    }

    /// Whether a place is free during all of `[from, until)`: the count of
    /// taken places only rises where an interval starts.
    fn free_during(&self, from: i64, until: i64) -> bool {
        let cap = self.offer.capacity as usize;
        std::iter::once(from)
            .chain(
                self.busy
                    .iter()
                    .map(|b| b.0)
                    .filter(|s| *s > from && *s < until),
            )
            .all(|t| self.taken_at(t) < cap)
    }
}

/// What the history wrote.
#[derive(Default)]
pub struct Written {
    pub matches: Vec<matches::Model>,
    pub events: Vec<match_event::Model>,
    pub tokens: Vec<match_token::Model>,
    /// Per need (by index), the spans during which it was open.
    pub open_spans: Vec<Vec<(i64, i64)>>,
}

/// The world the needs live in.
pub struct World<'a> {
    pub slots: Vec<Slot>,
    pub staff: &'a Staff,
    pub vigour: HashMap<String, f64>,
    pub schedule: &'a Schedule,
    pub ttl: i64,
    /// Each paired household's pairings.
    pub pairings: HashMap<Uuid, Vec<Span>>,
}

impl World<'_> {
    /// The helper of `household`'s pairing active at `t`, if any.
    fn helper_at(&self, household: Uuid, t: i64) -> Option<Uuid> {
        self.pairings
            .get(&household)?
            .iter()
            .find(|s| s.from <= t && t < s.until)
            .map(|s| s.helper)
    }
}

/// How keen people are on each category: remote help is easiest to give.
fn category_factor(c: Category) -> f64 {
    match c {
        Category::Consumption | Category::Living => 1.1,
        Category::Education => 1.05,
        Category::Care | Category::Employment => 0.97,
        Category::Medical | Category::Production => 0.9,
        Category::Housing => 0.8,
    }
}

/// Lives through every need (sorted by `posted_at`), changing their status
/// and the offers' places.
pub fn live(d: &mut Draw, world: &mut World<'_>, needs: &mut [need::Model]) -> Written {
    let mut by_category: [Vec<usize>; Category::COUNT] = Default::default();
    for (i, s) in world.slots.iter().enumerate() {
        for c in CategorySet(s.offer.categories as u8).iter() {
            by_category[c.index()].push(i);
        }
    }
    let mut out = Written::default();
    for n in needs.iter_mut() {
        let spans = need_life(d, world, &by_category, n, &mut out);
        out.open_spans.push(spans);
    }
    for s in &mut world.slots {
        s.offer.live_matches = s.busy.iter().filter(|b| b.1 == i64::MAX).count() as i32;
    }
    out
}

fn need_life(
    d: &mut Draw,
    world: &mut World<'_>,
    by_category: &[Vec<usize>; Category::COUNT],
    n: &mut need::Model,
    out: &mut Written,
) -> Vec<(i64, i64)> {
    let category = n.category;
    let odds = Odds {
        vigour: world.vigour.get(&n.region).copied().unwrap_or(1.0),
        category,
    };
    let interest = (0.74 * odds.vigour * category_factor(category)).clamp(0.35, 0.97);
    let Some(input) = ranking::need_input(n) else {
        return vec![(n.posted_at, d.now)];
    };
    let mut spans = Vec::new();
    let mut open_since = n.posted_at;
    let mut excluded: Vec<Uuid> = Vec::new();
    if let Some(helper) = world.helper_at(n.household_id, n.posted_at) {
        spans.push((open_since, n.posted_at));
        match ask_helper(d, world, n, helper, odds, out) {
            Some(reopened) => {
                excluded.push(helper);
                open_since = reopened;
            }
            None => return spans,
        }
    }
    for _ in 0..4 {
        if !d.chance(interest) {
            break;
        }
        // Claim, round, manual, in `MatchOrigin::ALL`'s order.
        let origin = MatchOrigin::ALL[d.weighted(&[35.0, 55.0, 10.0])];
        let (at, round) = match origin {
            MatchOrigin::Claim => {
                let wait = MINUTE_MS * 20 + d.exp_ms(3.0 * DAY_MS as f64 / odds.vigour);
                (d.working_hours(open_since + wait, open_since), None)
            }
            MatchOrigin::Round => match world.schedule.next_after(open_since + 30 * MINUTE_MS) {
                Some(r) => (r.created_at, Some(r)),
                None => break,
            },
            MatchOrigin::Manual => {
                let wait = d.between(DAY_MS, 7 * DAY_MS);
                (d.working_hours(open_since + wait, open_since), None)
            }
            // Not among the weights above: drawn once, as the need is posted.
            MatchOrigin::Pairing => break,
        };
        if at >= d.now {
            break;
        }
        let plan = lifecycle::draw(d, origin, at, world.ttl, odds);
        let Some(slot) = choose(
            d,
            world,
            &by_category[category.index()],
            &input,
            &plan,
            &excluded,
        ) else {
            // Nobody eligible had a free place then; the need keeps waiting.
            continue;
        };
        spans.push((open_since, at));
        let round_id = round.map(|r| (r.id, r.started_by));
        write(d, world, slot, n, &plan, round_id, out);
        match after(n, &plan) {
            Some(reopened) => {
                excluded.push(world.slots[slot].offer.volunteer_id);
                open_since = reopened;
            }
            None => return spans,
        }
    }
    // Nobody is taking it: after a while some cadres withdraw the need.
    let wait = d.between(10 * DAY_MS, 60 * DAY_MS);
    let cancel_at = d.working_hours(open_since + wait, open_since);
    if cancel_at < d.now && d.chance(0.25) {
        n.status = NeedStatus::Cancelled;
        n.cancel_reason = Some((*d.pick(&texts::NEED_CANCEL_REASONS)).to_owned());
        n.updated_at = cancel_at;
        spans.push((open_since, cancel_at));
    } else {
        spans.push((open_since, d.now));
    }
    spans
}

/// Pairing first: the household's helper is asked the moment the need is
/// posted. The moment the need was open again, if it was.
fn ask_helper(
    d: &mut Draw,
    world: &World<'_>,
    n: &mut need::Model,
    helper: Uuid,
    odds: Odds,
    out: &mut Written,
) -> Option<i64> {
    let plan = lifecycle::draw(d, MatchOrigin::Pairing, n.posted_at, world.ttl, odds);
    record(
        d,
        world.staff.coordinator,
        n,
        &plan,
        None,
        (None, helper),
        out,
    );
    after(n, &plan)
}

/// Sets the need's status after `plan`; the moment it was open again when
/// the match ended without help.
fn after(n: &mut need::Model, plan: &Plan) -> Option<i64> {
    n.updated_at = plan.created_at;
    match plan.status {
        MatchStatus::Proposed | MatchStatus::Accepted => {
            n.status = NeedStatus::Matched;
            None
        }
        MatchStatus::Completed => {
            n.status = NeedStatus::Fulfilled;
            n.updated_at = plan.updated_at();
            None
        }
        _ => {
            n.updated_at = plan.updated_at();
            Some(n.updated_at)
        }
    }
}

/// An eligible offer, existing and free for the plan's whole span, of a
/// volunteer not excluded; nearer ones are likelier.
fn choose(
    d: &mut Draw,
    world: &World<'_>,
    candidates: &[usize],
    need: &NeedInput,
    plan: &Plan,
    excluded: &[Uuid],
) -> Option<usize> {
    let (from, until) = (plan.created_at, plan.busy_until());
    let mut found: Vec<(usize, f64)> = Vec::new();
    for &i in candidates {
        let s = &world.slots[i];
        if s.offer.created_at > from || excluded.contains(&s.offer.volunteer_id) {
            continue;
        }
        let input = ranking::offer_input(&s.offer);
        let Some((distance, _)) = eligible_cost(need, &input, from / 1000) else {
            continue;
        };
        if s.free_during(from, until) {
            found.push((i, 1.0 / (1.0 + distance as f64 / 1000.0).powf(1.5)));
        }
    }
    if found.is_empty() {
        return None;
    }
    let weights: Vec<f64> = found.iter().map(|f| f.1).collect();
    Some(found[d.weighted(&weights)].0)
}

fn write(
    d: &mut Draw,
    world: &mut World<'_>,
    slot: usize,
    n: &need::Model,
    plan: &Plan,
    round: Option<(Uuid, Option<Uuid>)>,
    out: &mut Written,
) {
    let s = &mut world.slots[slot];
    s.busy.push((plan.created_at, plan.busy_until()));
    s.offer.updated_at = s
        .offer
        .updated_at
        .max(plan.ended_at.unwrap_or(plan.created_at));
    let taker = (Some(s.offer.id), s.offer.volunteer_id);
    record(d, world.staff.coordinator, n, plan, round, taker, out);
}

/// Writes the match of `plan` taken by `(offer, volunteer)` (no offer for
/// a helper's), its events, and its link token.
fn record(
    d: &mut Draw,
    coordinator: Uuid,
    n: &need::Model,
    plan: &Plan,
    round: Option<(Uuid, Option<Uuid>)>,
    (offer_id, volunteer): (Option<Uuid>, Uuid),
    out: &mut Written,
) {
    let id = d.uuid_at(plan.created_at);
    out.matches.push(matches::Model {
        id,
        need_id: n.id,
        offer_id,
        volunteer_id: volunteer,
        origin: plan.origin,
        status: plan.status,
        round_id: round.map(|r| r.0),
        created_at: plan.created_at,
        updated_at: plan.updated_at(),
        accepted_at: plan.accepted_at,
        ended_at: plan.ended_at,
        expires_at: plan.expires_at,
    });
    let mut link_used = None;
    for step in &plan.steps {
        let actor = match step.who {
            Who::Volunteer => Some(volunteer),
            Who::Cadre => Some(n.created_by),
            Who::Coordinator => Some(coordinator),
            Who::Round => round.and_then(|r| r.1),
            Who::Link | Who::System => None,
        };
        if step.who == Who::Link {
            link_used = Some(step.at);
        }
        let note = match step.who {
            Who::Round => round.map(|r| format!("round {}", r.0)),
            _ => step.note.clone(),
        };
        out.events.push(match_event::Model {
            id: d.uuid_at(step.at),
            match_id: id,
            at: step.at,
            actor_id: actor,
            kind: MatchEventKind::Transition,
            from_status: step.from,
            to_status: step.to,
            note,
        });
    }
    // A proposal's email carried a link; its hash is all that is stored.
    if let Some(expires_at) = plan.expires_at {
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut d.rng, &mut secret);
        out.tokens.push(match_token::Model {
            match_id: id,
            token_hash: token_hash(&hex::encode(secret)),
            expires_at,
            used_at: link_used,
        });
    }
}
