//! Shared by the benchmarks.
#![allow(dead_code)]

pub mod county;
/// The tests' fault harness and SMTP server.
#[path = "../../tests/api/helpers/faults.rs"]
pub mod faults;
pub mod history;
pub mod http;
#[path = "../../tests/api/helpers/smtp.rs"]
pub mod smtp;
