//! The admin's pages: staff accounts (invite, change, deactivate) and the
//! county's village list.

mod regions;
mod staff;
mod villages;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    staff::configure(cfg);
    villages::configure(cfg);
}
