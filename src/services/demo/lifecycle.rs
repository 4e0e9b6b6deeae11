//! The life of one demo match, as PRODUCT.md draws it: when it was made,
//! answered, completed or cancelled, by whom, and with what note. Times are
//! drawn here; which offer takes the need is decided by the history.

use super::draw::Draw;
use super::texts;
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::domain::{Category, MatchOrigin, MatchStatus};

/// Who made a step; the history turns it into an account id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The volunteer, logged in.
    Volunteer,
    /// The volunteer through the signed link of an email (no account id).
    Link,
    /// The cadre of the need's household.
    Cadre,
    Coordinator,
    /// Whoever started the round (the coordinator, or nobody for a
    /// scheduled one).
    Round,
    /// The expiry job.
    System,
}

/// One transition of the match.
pub struct Step {
    pub at: i64,
    pub who: Who,
    pub from: Option<MatchStatus>,
    pub to: MatchStatus,
    pub note: Option<String>,
}

/// A match's whole drawn life up to now.
pub struct Plan {
    pub origin: MatchOrigin,
    pub status: MatchStatus,
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub steps: Vec<Step>,
}

impl Plan {
    /// Until when the match holds its offer's place.
    pub fn busy_until(&self) -> i64 {
        self.ended_at.unwrap_or(i64::MAX)
    }

    pub fn updated_at(&self) -> i64 {
        self.steps.last().map_or(self.created_at, |s| s.at)
    }
}

/// How the chances of a match are bent for its place and category.
#[derive(Clone, Copy)]
pub struct Odds {
    /// Around 1: the village's vigour.
    pub vigour: f64,
    pub category: Category,
}

impl Odds {
    /// A helper knows the household they stand by: they say yes more
    /// often than a stranger asked by a round or a coordinator.
    fn accept(self, origin: MatchOrigin) -> f64 {
        let base = if origin == MatchOrigin::Pairing {
            0.8
        } else {
            0.64
        };
        (base * self.vigour).clamp(0.3, 0.92)
    }

    fn complete(self) -> f64 {
        let base = match self.category {
            Category::Housing => 0.78,
            Category::Production | Category::Employment => 0.84,
            _ => 0.9,
        };
        (base * self.vigour.sqrt()).clamp(0.5, 0.97)
    }

    /// How long the help takes once agreed, in days.
    fn days_to_complete(self, d: &mut Draw) -> i64 {
        let (lo, hi) = match self.category {
            Category::Education => (3, 20),
            Category::Medical => (2, 14),
            Category::Housing => (10, 45),
            Category::Living => (1, 7),
            Category::Production => (7, 40),
            Category::Employment => (5, 30),
            Category::Consumption => (2, 12),
            Category::Care => (2, 14),
        };
        d.between(lo, hi + 1)
    }
}

/// The life of a match made at `at` by `origin`, cut off at `d.now`.
/// Proposals wait `ttl` for an answer.
pub fn draw(d: &mut Draw, origin: MatchOrigin, at: i64, ttl: i64, odds: Odds) -> Plan {
    use MatchStatus::{Accepted, Declined, Expired, Proposed};
    let mut plan = Plan {
        origin,
        status: Accepted,
        created_at: at,
        accepted_at: None,
        ended_at: None,
        expires_at: None,
        steps: Vec::new(),
    };
    if origin == MatchOrigin::Claim {
        plan.steps
            .push(step(at, Who::Volunteer, None, Accepted, None));
        plan.accepted_at = Some(at);
        settle(d, &mut plan, at, odds);
        return plan;
    }
    let maker = match origin {
        MatchOrigin::Round => Who::Round,
        // Pairing first: the service proposes as the need is posted.
        MatchOrigin::Pairing => Who::System,
        MatchOrigin::Claim | MatchOrigin::Manual => Who::Coordinator,
    };
    plan.status = Proposed;
    plan.steps.push(step(at, maker, None, Proposed, None));
    let expires = at + ttl;
    plan.expires_at = Some(expires);
    let answer = (at + MINUTE_MS * 20 + d.exp_ms(16.0 * HOUR_MS as f64)).min(expires - MINUTE_MS);
    let who = if d.chance(0.5) {
        Who::Volunteer
    } else {
        Who::Link
    };
    let roll = d.real(0.0, 1.0);
    let accept = odds.accept(origin);
    if roll < accept {
        if answer < d.now {
            plan.steps
                .push(step(answer, who, Some(Proposed), Accepted, None));
            plan.status = Accepted;
            plan.accepted_at = Some(answer);
            settle(d, &mut plan, answer, odds);
        }
    } else if roll < accept + 0.17 {
        if answer < d.now {
            let note = d.pick(&texts::DECLINE_NOTES).map(str::to_owned);
            end(&mut plan, step(answer, who, Some(Proposed), Declined, note));
        }
    } else {
        // The expiry job runs every few seconds.
        let expired = expires + d.between(0, MINUTE_MS);
        if expired < d.now {
            end(
                &mut plan,
                step(expired, Who::System, Some(Proposed), Expired, None),
            );
        }
    }
    plan
}

/// An accepted match either completes, is cancelled, or is still under way.
fn settle(d: &mut Draw, plan: &mut Plan, accepted: i64, odds: Odds) {
    use MatchStatus::{Accepted, Cancelled, Completed};
    let days = odds.days_to_complete(d);
    let done = d.working_hours(accepted + days * DAY_MS, accepted);
    if d.chance(odds.complete()) {
        if done < d.now {
            let note = d.pick(&texts::COMPLETE_NOTES).map(str::to_owned);
            end(
                plan,
                step(done, Who::Cadre, Some(Accepted), Completed, note),
            );
        }
        return;
    }
    let wait = d.between(DAY_MS, (days + 1) * DAY_MS);
    let at = d.working_hours(accepted + wait, accepted);
    if at >= d.now {
        return;
    }
    let (who, reasons): (Who, &[&str]) = match d.weighted(&[50.0, 35.0, 15.0]) {
        0 => (Who::Cadre, &texts::CANCEL_BY_CADRE),
        1 => (Who::Volunteer, &texts::CANCEL_BY_VOLUNTEER),
        _ => (Who::Coordinator, &texts::CANCEL_BY_COORDINATOR),
    };
    let reason = (*d.pick(reasons)).to_owned();
    end(plan, step(at, who, Some(Accepted), Cancelled, Some(reason)));
}

fn step(
    at: i64,
    who: Who,
    from: Option<MatchStatus>,
    to: MatchStatus,
    note: Option<String>,
) -> Step {
    Step {
        at,
        who,
        from,
        to,
        note,
    }
}

fn end(plan: &mut Plan, last: Step) {
    plan.status = last.to;
    plan.ended_at = Some(last.at);
    plan.steps.push(last);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::match_status::is_live;

    #[test]
    fn every_drawn_life_follows_the_state_machine_in_time_order() {
        let mut d = Draw::new(11, 200 * DAY_MS);
        let odds = Odds {
            vigour: 1.0,
            category: Category::Housing,
        };
        for i in 0..2_000 {
            let origin = MatchOrigin::ALL[i % MatchOrigin::ALL.len()];
            let at = (i as i64 % 200) * DAY_MS;
            let plan = draw(&mut d, origin, at, 72 * HOUR_MS, odds);
            let mut status = None;
            let mut last = at;
            for s in &plan.steps {
                assert_eq!(s.from, status, "{origin}");
                assert!(s.at >= last && s.at < d.now);
                status = Some(s.to);
                last = s.at;
            }
            assert_eq!(status, Some(plan.status));
            let live = is_live(plan.status);
            assert_eq!(plan.ended_at.is_none(), live);
            assert_eq!(plan.expires_at.is_some(), origin.proposes());
            if plan.status == MatchStatus::Proposed {
                assert!(plan.expires_at.is_some_and(|e| e > d.now - MINUTE_MS));
            }
        }
    }
}
