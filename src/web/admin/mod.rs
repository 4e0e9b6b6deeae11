//! The admin's pages: staff accounts (invite, change, deactivate) and the
//! county's village list.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
