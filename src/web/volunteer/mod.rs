//! The volunteer's pages: their offers, the needs near them (list and map)
//! with claiming, and their matches.

mod account;
mod matches;
mod needs;
mod offers;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    offers::configure(cfg);
    needs::configure(cfg);
    matches::configure(cfg);
    account::configure(cfg);
}
