//! Plain types that parse and enforce huzhu's rules. No IO, no actix, no sea-orm.

pub mod account;
pub mod region;

pub use account::{EmailAddress, Password, PersonName, Phone, Role};
pub use region::{Region, RegionCode, RegionCodeError, RegionInput, RegionLevel, RegionPrefix};

use crate::i18n::Text;

/// One invalid field of a request, named as the request spells it
/// (`title`, `categories[1]`), with the reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        Self {
            field: field.into(),
            message,
        }
    }
}
