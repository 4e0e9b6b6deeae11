//! The cadre's pages: their work list, households, needs with their story,
//! matches to confirm, and the village spreadsheet.

pub(super) mod household_page;
mod households;
mod import;
mod matches;
pub(super) mod needs;
mod work;

use actix_web::web;

use crate::domain::Role;

/// Who the cadre's pages serve (`Site::role_guard` on shared paths).
pub const CADRE: &[Role] = &[Role::Cadre];

pub fn configure(cfg: &mut web::ServiceConfig) {
    work::configure(cfg);
    // The import's fixed paths before `/households/{id}`.
    import::configure(cfg);
    households::configure(cfg);
    // After the households' fixed paths (`/households/new`).
    household_page::configure(cfg);
    needs::configure(cfg);
    matches::configure(cfg);
}
