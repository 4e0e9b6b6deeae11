//! Plain types that parse and enforce huzhu's rules. No IO, no actix, no sea-orm.

pub mod region;

pub use region::{Region, RegionCode, RegionCodeError, RegionInput, RegionLevel, RegionPrefix};
