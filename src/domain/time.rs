//! Lengths of time. Timestamps in huzhu are unix milliseconds (`now_ms`),
//! except in the solver, whose `as_of` and `posted_at` are unix seconds as
//! in docs/matching.md.
//!
//! A day here is 24 hours: calendar days and weeks in a zone with clock
//! changes are measured with [`super::period`] instead.

/// Milliseconds in a minute.
pub const MINUTE_MS: i64 = 60_000;

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Milliseconds in a day of 24 hours.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Seconds in a day of 24 hours: the solver's unit of waiting.
pub const DAY_SECS: i64 = 86_400;
