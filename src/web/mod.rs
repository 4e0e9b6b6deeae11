//! Server-rendered pages: the home page, login and logout with a session
//! cookie, and the pages behind the links in account emails. Every form
//! carries a CSRF token; pages are in the language the browser asks for.

mod account_pages;
mod assets;
pub mod headers;
mod match_links;
mod page;
mod reports;

use actix_web::web;

pub use page::{Pages, Site};

pub fn configure(cfg: &mut web::ServiceConfig) {
    account_pages::configure(cfg);
    assets::configure(cfg);
    match_links::configure(cfg);
    reports::configure(cfg);
}
