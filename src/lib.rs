//! huzhu (互助): matching the needs of poor households with the help
//! volunteers offer, and following each match until the help has arrived.

pub mod cli;
pub mod context;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod matching;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod services;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
