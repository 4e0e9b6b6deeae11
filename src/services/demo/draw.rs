//! The seeded randomness of the demo: every draw comes from one RNG, so a
//! seed gives the same county relative to the moment it is generated.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::domain::time::{DAY_MS, HOUR_MS};

/// China has one time zone, UTC+8, without daylight saving.
const LOCAL_OFFSET_MS: i64 = 8 * HOUR_MS;

/// The RNG and the moment the demo is generated at.
pub struct Draw {
    pub rng: StdRng,
    pub now: i64,
}

impl Draw {
    pub fn new(seed: u64, now: i64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            now,
        }
    }

    /// A UUIDv7 whose time part is `at_ms`, so that ids sort by creation
    /// time as the service's own do, with seeded random bits.
    pub fn uuid_at(&mut self, at_ms: i64) -> Uuid {
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        uuid::Builder::from_unix_timestamp_millis(at_ms.max(0) as u64, &random).into_uuid()
    }

    /// True with probability `p` (clamped to 0..=1).
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform integer in `lo..hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }

    /// A uniform real in `lo..hi`.
    pub fn real(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }

    /// An index drawn with probability proportional to its weight.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.real(0.0, total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.between(0, items.len() as i64) as usize]
    }

    /// An exponential delay with this mean, in milliseconds.
    pub fn exp_ms(&mut self, mean_ms: f64) -> i64 {
        let u: f64 = self.real(f64::EPSILON, 1.0);
        (-u.ln() * mean_ms) as i64
    }

    /// A point about `spread_km` (uniformly in a disc) around (lat, lon).
    pub fn near(&mut self, lat: f64, lon: f64, spread_km: f64) -> (f64, f64) {
        let r = spread_km * self.real(0.0, 1.0).sqrt();
        let angle = self.real(0.0, std::f64::consts::TAU);
        let dlat = r * angle.sin() / 111.2;
        let dlon = r * angle.cos() / (111.2 * lat.to_radians().cos());
        (round6(lat + dlat), round6(lon + dlon))
    }

    /// `at` moved to a random working hour (8:00 to 19:59, China time) of
    /// its own day, or of the next day when that would not be after `after`.
    pub fn working_hours(&mut self, at: i64, after: i64) -> i64 {
        let moved = local_day_start(at) + self.between(8 * HOUR_MS, 20 * HOUR_MS);
        if moved > after { moved } else { moved + DAY_MS }
    }
}

/// Degrees to six decimals (about 10 cm), as people copy them from a map.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Local (China) midnight of the day of `at`.
pub fn local_day_start(at: i64) -> i64 {
    (at + LOCAL_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - LOCAL_OFFSET_MS
}

/// The start of the local (China) week of `at`: Monday 00:00 UTC+8.
pub fn local_week_start(at: i64) -> i64 {
    let local_days = (at + LOCAL_OFFSET_MS).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: Monday is three days later.
    let monday = local_days - (local_days - 4).rem_euclid(7);
    monday * DAY_MS - LOCAL_OFFSET_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_ids_and_times() {
        let mut a = Draw::new(8, 1_780_000_000_000);
        let mut b = Draw::new(8, 1_780_000_000_000);
        assert_eq!(a.uuid_at(5), b.uuid_at(5));
        assert_eq!(a.working_hours(0, 0), b.working_hours(0, 0));
    }

    #[test]
    fn working_hours_fall_between_eight_and_eight_china_time() {
        let mut d = Draw::new(1, 0);
        for i in 0..500 {
            let at = d.working_hours(i * 7 * HOUR_MS, i * 7 * HOUR_MS);
            let hour = (at + LOCAL_OFFSET_MS).rem_euclid(DAY_MS) / HOUR_MS;
            assert!((8..20).contains(&hour), "{hour}");
            assert!(at > i * 7 * HOUR_MS);
        }
    }

    #[test]
    fn a_local_week_starts_on_monday_midnight_in_china() {
        // 2026-11-30 is a Monday; 00:00 in China is 16:00 UTC the day before.
        let monday = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00+08:00")
            .map(|t| t.timestamp_millis())
            .unwrap_or_default();
        assert_eq!(local_week_start(monday + 3 * DAY_MS + 5 * HOUR_MS), monday);
        assert_eq!(local_week_start(monday), monday);
        assert_eq!(local_week_start(monday - 1), monday - 7 * DAY_MS);
    }
}
