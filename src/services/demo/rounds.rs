//! The county's matching rounds: the coordinator runs one every Monday
//! morning and a scheduled one runs every Thursday. Each round's row is
//! filled in after the history, from what was open and free at its start.

use std::collections::HashMap;

use uuid::Uuid;

use super::draw::{Draw, local_week_start};
use super::history::{Slot, Written};
use super::places::COUNTY;
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::matching::eligible_cost;
use crate::services::ranking;
use crate::store::entity::{need, round};

/// When a round ran and who started it.
#[derive(Clone, Copy)]
pub struct RoundSlot {
    pub id: Uuid,
    pub started_at: i64,
    /// When its proposals were written.
    pub created_at: i64,
    pub finished_at: i64,
    pub solve_ms: i64,
    pub started_by: Option<Uuid>,
}

/// Every round between `start` and `now`, in time order.
pub struct Schedule(Vec<RoundSlot>);

impl Schedule {
    pub fn new(d: &mut Draw, start: i64, coordinator: Uuid) -> Self {
        let mut rounds = Vec::new();
        let mut week = local_week_start(start);
        while week < d.now {
            // Monday and Thursday, 10:00 China time (the week starts 00:00).
            for (day, by) in [(0, Some(coordinator)), (3, None)] {
                let started_at = week + day * DAY_MS + 10 * HOUR_MS + d.between(0, 20_000);
                let solve_ms = d.between(30, 400);
                let created_at = started_at + solve_ms + d.between(20, 200);
                let finished_at = created_at + d.between(50, 600);
                if started_at >= start && finished_at < d.now {
                    rounds.push(RoundSlot {
                        id: d.uuid_at(started_at),
                        started_at,
                        created_at,
                        finished_at,
                        solve_ms,
                        started_by: by,
                    });
                }
            }
            week += 7 * DAY_MS;
        }
        // A county that opens the demo on a Sunday still has proposals
        // waiting for an answer: when the last round is a day old, the
        // coordinator ran one more this morning, two hours ago.
        let last = rounds.last().map_or(start, |r| r.finished_at);
        let started_at = d.now - 2 * HOUR_MS;
        if d.now - last > DAY_MS && started_at > last {
            let solve_ms = d.between(30, 400);
            let created_at = started_at + solve_ms + d.between(20, 200);
            rounds.push(RoundSlot {
                id: d.uuid_at(started_at),
                started_at,
                created_at,
                finished_at: created_at + d.between(50, 600),
                solve_ms,
                started_by: Some(coordinator),
            });
        }
        Self(rounds)
    }

    /// The first round that starts at or after `t`.
    pub fn next_after(&self, t: i64) -> Option<RoundSlot> {
        let i = self.0.partition_point(|r| r.started_at < t);
        self.0.get(i).copied()
    }

    /// The `rounds` rows: the needs open and the offers with a free place at
    /// the round's start, and what it matched at what cost.
    pub fn rows(
        &self,
        needs: &[need::Model],
        slots: &[Slot],
        written: &Written,
    ) -> Vec<round::Model> {
        let need_index: HashMap<_, _> = needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
        let offer_index: HashMap<_, _> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.offer.id, i))
            .collect();
        let mut made: HashMap<Uuid, (i32, i64)> = HashMap::new();
        for m in &written.matches {
            let (Some(round), Some(&ni), Some(&oi)) = (
                m.round_id,
                need_index.get(&m.need_id),
                m.offer_id.and_then(|o| offer_index.get(&o)),
            ) else {
                continue;
            };
            let cost = pair_cost(&needs[ni], &slots[oi], m.created_at / 1000);
            let entry = made.entry(round).or_default();
            entry.0 += 1;
            entry.1 += cost;
        }
        self.0
            .iter()
            .map(|r| {
                let t = r.started_at;
                let open = written
                    .open_spans
                    .iter()
                    .filter(|spans| spans.iter().any(|(s, e)| *s <= t && t < *e))
                    .count();
                let free = slots
                    .iter()
                    .filter(|s| s.offer.created_at <= t)
                    .filter(|s| s.taken_at(t) < s.offer.capacity as usize)
                    .count();
                let (matched, total_cost) = made.get(&r.id).copied().unwrap_or_default();
                round::Model {
                    id: r.id,
                    region: COUNTY.to_owned(),
                    needs_considered: open as i32,
                    offers_considered: free as i32,
                    matched,
                    total_cost,
                    solve_ms: r.solve_ms,
                    started_by: r.started_by,
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                }
            })
            .collect()
    }
}

/// docs/matching.md's cost of a pair as of `as_of` seconds (0 if ineligible,
/// which the history never lets happen).
fn pair_cost(n: &need::Model, s: &Slot, as_of: i64) -> i64 {
    ranking::need_input(n)
        .and_then(|need| eligible_cost(&need, &ranking::offer_input(&s.offer), as_of))
        .map_or(0, |(_, cost)| cost)
}
