//! Files people download: the household list (which the import reads back)
//! and the coordinators' figures, as CSV for scripts and as workbooks for
//! Excel and WPS, in the reader's language.

pub mod figures;
pub mod followup;
pub mod households;
pub mod pairings;

use crate::i18n::Locale;

/// The text of `locale`'s language.
pub fn in_locale(locale: Locale, zh: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
    }
}

/// Excel runs a cell starting with `=`, `+`, `-` or `@` as a formula; a
/// leading apostrophe shows the text as typed instead.
pub fn defused(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// How many character cells `text` takes: Chinese and other wide
/// characters take two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
        .sum()
}
pub mod waiting;
