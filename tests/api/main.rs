//! huzhu's integration tests: one binary, the real server, a real database
//! (SQLite by default, PostgreSQL with `HUZHU_TEST_DATABASE_URL`).

mod helpers;

mod accounts;
mod browser;
mod cadre_households;
mod cadre_import;
mod cadre_journey;
mod cadre_needs;
mod cadre_work;
mod candidates;
mod cli;
mod coordinator_dashboard;
mod coordinator_followup;
mod coordinator_map;
mod coordinator_needs;
mod coordinator_rounds;
mod demo;
mod digests;
mod docs;
mod errors;
mod imports;
mod language;
mod location_privacy;
mod mail;
mod matches;
mod migrations;
mod nearby;
mod needs;
mod offers;
mod operations;
mod pages;
mod policy;
mod privacy;
mod regions;
mod rounds;
mod schedules;
mod smtp_sink;
mod solver_cli;
mod staff;
mod staff_pages;
mod stats;
mod volunteer_journey;
mod volunteer_matches;
mod volunteer_needs;
mod volunteer_offers;
