//! The pages coordinators steer from: the dashboard's drill-down places,
//! the map of open needs, the waiting needs with their ranked candidates,
//! rounds previewed and run, and the people who stopped answering. Admins,
//! who see the whole county, use them too.

use actix_web::web;

use crate::domain::Role;

/// Who the coordinator's pages serve (`Site::role_guard` on shared paths
/// such as `/needs/{id}`).
pub const STEERING: &[Role] = &[Role::Coordinator, Role::Admin];

pub fn configure(_cfg: &mut web::ServiceConfig) {}
