//! Shared by the benchmarks.
#![allow(dead_code)]

pub mod county;
pub mod history;
pub mod http;
