//! Plain types that parse and enforce huzhu's rules. No IO, no actix, no sea-orm.

pub mod account;
pub mod account_change;
pub mod audit;
pub mod caller;
pub mod category;
pub mod cover;
pub mod cursor;
pub mod decimal;
pub mod escalation;
pub mod fields;
pub mod geo;
pub mod grid;
pub mod heat;
pub mod household;
pub mod match_status;
pub mod need;
pub mod new_account;
pub mod offer;
pub mod pairing;
pub mod period;
pub mod region;
pub mod status;
pub mod text;
pub mod time;
pub mod vocabulary;

pub use account::{EmailAddress, LinkPurpose, Password, PersonName, Phone, Role};
pub use audit::AuditAction;
pub use caller::{Caller, Reach};
pub use category::{Category, CategorySet};
pub use match_status::{MatchEventKind, MatchOrigin, MatchStatus};
pub use region::{Region, RegionCode, RegionCodeError, RegionInput, RegionLevel, RegionPrefix};
pub use status::{NeedStatus, OfferStatus, OutboxStatus};
pub use text::{Lines, clean_text};

use crate::i18n::Text;

/// One invalid field of a request, named as the request spells it
/// (`title`, `categories[1]`), with the reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The spreadsheet row, for errors in an uploaded file.
    pub row: Option<u64>,
    pub field: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        Self {
            row: None,
            field: field.into(),
            message,
        }
    }

    /// An error in row `row` of an uploaded file (the header is row 1).
    pub fn at_row(row: u64, field: impl Into<String>, message: Text) -> Self {
        Self {
            row: Some(row),
            ..Self::new(field, message)
        }
    }
}
