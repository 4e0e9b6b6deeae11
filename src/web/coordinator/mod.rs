//! The pages coordinators steer from: the waiting needs with their ranked
//! candidates, rounds previewed and run, and the people who stopped
//! answering. Admins, who see the whole county, use them too.

mod followup;
mod map;
mod need;
mod rounds;
mod waiting;

use actix_web::web;

use crate::domain::{Caller, Role};
use crate::web::Site;

/// Who the coordinators' pages serve (`Site::role_guard` on shared paths).
pub const COORDINATORS: &[Role] = &[Role::Coordinator, Role::Admin];

/// The logged-in coordinator or admin; anyone else is refused with the
/// page that says whom it is for.
pub(super) fn coordinator(site: &Site) -> Result<&Caller, actix_web::Error> {
    let caller = site.signed_in()?;
    if COORDINATORS.contains(&caller.role) {
        Ok(caller)
    } else {
        site.only(Role::Coordinator)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    followup::configure(cfg);
    map::configure(cfg);
    rounds::configure(cfg);
    waiting::configure(cfg);
    need::configure(cfg);
}
