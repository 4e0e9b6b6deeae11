//! Server-rendered pages, phone first: accounts (register, login, the
//! pages behind account emails), the volunteer's offers, needs near them
//! and matches, and the reports. One layout with the role's navigation and
//! a 中文 / English switch; every form carries a CSRF token, posts and
//! redirects, and shows the API's own field messages beside its fields.
//! Pages work without script; `assets/huzhu.js` and the map only enhance.

mod account_pages;
mod admin;
mod assets;
mod cadre;
mod charts;
mod coordinator;
mod flash;
mod form;
pub mod headers;
mod lang;
mod match_links;
mod meetings;
mod nav;
mod need_labels;
mod page;
mod pairings;
mod places;
mod reports;
mod volunteer;

use actix_web::web;

pub use page::{Pages, Site};

pub fn configure(cfg: &mut web::ServiceConfig) {
    account_pages::configure(cfg);
    assets::configure(cfg);
    lang::configure(cfg);
    // Staff pages before the volunteer's: `/needs/{id}` and `/matches/{id}`
    // are each role's own page, told apart by a role guard.
    cadre::configure(cfg);
    coordinator::configure(cfg);
    admin::configure(cfg);
    pairings::configure(cfg);
    meetings::configure(cfg);
    volunteer::configure(cfg);
    match_links::configure(cfg);
    reports::configure(cfg);
}
