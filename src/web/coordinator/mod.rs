//! The pages coordinators steer from: the dashboard's drill-down places,
//! the map of open needs, the waiting needs with their ranked candidates,
//! rounds previewed and run, and the people who stopped answering. Admins,
//! who see the whole county, use them too.

mod rounds;

use actix_web::web;

mod followup;

pub fn configure(cfg: &mut web::ServiceConfig) {
    followup::configure(cfg);
    rounds::configure(cfg);
}
