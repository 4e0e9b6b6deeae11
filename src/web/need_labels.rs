//! A need's category and urgency as the pages word them, in the reader's
//! language: the volunteer's and the cadre's pages must name them alike.

use crate::domain::Category;
use crate::domain::household::Urgency;
use crate::i18n::{self, Locale};

/// A category's name in the reader's language.
pub fn category_name(c: Category) -> &'static str {
    match i18n::current() {
        Locale::ZhCn => c.name_zh(),
        Locale::En => c.name_en(),
    }
}

/// A need's urgency as its badge shows it: the word (none for a level off
/// the scale, which then shows no badge) and the badge's class.
pub fn urgency_badge(level: i16) -> (Option<String>, &'static str) {
    let word = u8::try_from(level)
        .ok()
        .and_then(|u| Urgency::try_from(u).ok())
        .map(|u| u.label().get(i18n::current()).to_owned());
    let class = match level {
        3.. => "urgent",
        2 => "soon",
        _ => "muted",
    };
    (word, class)
}

/// A number of whole days: "40 天", "40 days", "1 day".
pub fn day_count(days: i64) -> String {
    match i18n::current() {
        Locale::ZhCn => format!("{days} 天"),
        Locale::En if days == 1 => "1 day".to_owned(),
        Locale::En => format!("{days} days"),
    }
}
