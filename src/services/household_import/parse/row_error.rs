//! A bad cell of an uploaded file, named as its owner finds it: the row,
//! the column's header as the file writes it, the cell's text.

use std::fmt;

use super::{Headers, VALUE_CHARS};
use crate::i18n::Text;

/// Why a row (or, on row 1 with field `file`, the whole file) was refused.
#[derive(Clone, PartialEq, Eq)]
pub struct RowError {
    /// Counted as a spreadsheet does: the header is row 1.
    pub row: u64,
    /// The English column name, or `file`.
    pub field: String,
    /// The column's header as the file writes it (`身份证号`, `id_number`),
    /// so that a person finds the column; `None` for the whole file and
    /// for a column the file lacks.
    pub header: Option<String>,
    /// The cell's text, trimmed and cut to [`VALUE_CHARS`]; `None` where no
    /// cell is at fault. Personal data: shown to the file's owner, never
    /// logged (`Debug` leaves it out).
    pub value: Option<String>,
    pub message: Text,
}

impl RowError {
    /// A fault of the whole file.
    pub(super) fn file(message: Text) -> Self {
        Self::in_header(1, "file", None, message)
    }

    /// A fault of the header row: a column missing (no `header`) or twice.
    pub(super) fn in_header(row: u64, field: &str, header: Option<&str>, message: Text) -> Self {
        Self {
            row,
            field: field.to_owned(),
            header: header.map(str::to_owned),
            value: None,
            message,
        }
    }

    /// A bad cell: its row, its column (by English name) with the header
    /// the file gives it, and its text.
    pub fn at_cell(row: u64, field: &str, headers: &Headers, value: &str, message: Text) -> Self {
        Self {
            row,
            field: field.to_owned(),
            header: headers.of(field).map(str::to_owned),
            value: Some(shown_value(value)),
            message,
        }
    }
}

/// Household personal data stays out of logs and panic messages.
impl fmt::Debug for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowError")
            .field("row", &self.row)
            .field("field", &self.field)
            .field("header", &self.header)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// A cell's text as an error repeats it: trimmed, and cut with an
/// ellipsis past [`VALUE_CHARS`].
fn shown_value(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(VALUE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
