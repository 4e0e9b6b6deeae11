//! The pages coordinators steer from: the dashboard's drill-down places,
//! the map of open needs, the waiting needs with their ranked candidates,
//! rounds previewed and run, and the people who stopped answering. Admins,
//! who see the whole county, use them too.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
