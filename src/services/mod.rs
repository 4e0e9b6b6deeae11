//! Use cases. Each state change is one transaction that also writes its
//! emails to the outbox; handlers and commands call these.

pub mod account_erasure;
pub mod accounts;
pub mod backup;
pub mod delivery;
pub mod demo;
pub mod eligibility;
pub mod emails;
pub mod escalations;
pub mod export;
pub mod followup;
pub mod household_import;
pub mod households;
pub mod match_reads;
pub mod matches;
pub mod nearby;
pub mod need_stories;
pub mod needs;
pub mod offers;
pub mod pairing_figures;
pub mod pairings;
pub mod passwords;
pub mod places;
pub mod ranking;
pub mod regions;
pub mod retention;
pub mod round_history;
pub mod round_lock;
pub mod round_preview;
pub mod round_solve;
pub mod rounds;
pub mod schedules;
pub mod sessions;
pub mod staff;
pub mod stats;
pub mod throttle;
pub mod tokens;
pub mod transitions;
pub mod village_list;
pub mod visits;
pub mod work_list;

use crate::domain::FieldError;
use crate::i18n::Text;

/// Why a use case refused or failed; mapped to HTTP in `error.rs` alone.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("conflict")]
    Conflict(Text),
    /// A conflict with one item that already exists (a household's open
    /// need of the same category): named, so that the API can give its id
    /// and a page can link to it.
    #[error("conflict with an existing item")]
    Duplicate { existing: uuid::Uuid, why: Text },
    /// Also for what the caller may not see.
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// Not allowed, saying why and what to do instead.
    #[error("not allowed: {0:?}")]
    Refused(Text),
    #[error("not authenticated")]
    Unauthorized,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    /// The database outage behind this error, if that is what it is.
    pub fn outage(&self) -> Option<crate::store::Outage> {
        match self {
            Self::Db(e) => crate::store::outage(e),
            Self::Internal(e) => e
                .downcast_ref::<sea_orm::DbErr>()
                .and_then(crate::store::outage),
            _ => None,
        }
    }

    pub fn field(field: &str, message: Text) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

/// Maps a unique-constraint violation (a race lost to a concurrent insert
/// of the same key) to `conflict`, and any other database error to itself.
pub fn unique_as(
    conflict: impl FnOnce() -> ServiceError,
) -> impl FnOnce(sea_orm::DbErr) -> ServiceError {
    move |e| {
        if crate::store::is_unique_violation(&e) {
            conflict()
        } else {
            e.into()
        }
    }
}
