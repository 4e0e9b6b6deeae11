//! A need as a request or form states it, parsed: what a service may be
//! handed to post or change a need. The rules of each field live with its
//! type (`NeedTitle`, `Urgency`, `Category`); this module names the fields.

use uuid::Uuid;

use super::fields::AllFields;
use super::household::{NeedDescription, NeedTitle, Urgency};
use super::{Category, FieldError};
use crate::i18n::Text;

/// A need to post for a household: every field parsed.
#[derive(Debug, Clone)]
pub struct NewNeed {
    pub household_id: Uuid,
    pub category: Category,
    pub title: NeedTitle,
    pub description: NeedDescription,
    pub urgency: Urgency,
}

/// Changes to an open need: each field parsed, `None` keeps it.
#[derive(Debug, Clone, Default)]
pub struct NeedChanges {
    pub category: Option<Category>,
    pub title: Option<NeedTitle>,
    pub description: Option<NeedDescription>,
    pub urgency: Option<Urgency>,
}

/// A need's fields as a request or a form sends them, before parsing;
/// `None` is a field left out.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeedFields<'a> {
    pub category: Option<&'a str>,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub urgency: Option<i64>,
}

impl NewNeed {
    /// Every field parsed, or every bad field's error under its own name;
    /// a field left out reads as empty.
    pub fn parse(household_id: Option<Uuid>, f: NeedFields<'_>) -> Result<Self, Vec<FieldError>> {
        let (household_id, category, title, description, urgency) = (
            ("household_id", household_of(household_id)),
            ("category", category_of(f.category.unwrap_or(""))),
            ("title", NeedTitle::parse(f.title.unwrap_or(""))),
            (
                "description",
                NeedDescription::parse(f.description.unwrap_or("")),
            ),
            ("urgency", urgency_of(f.urgency.unwrap_or(0))),
        )
            .all()?;
        Ok(Self {
            household_id,
            category,
            title,
            description,
            urgency,
        })
    }
}

impl NeedChanges {
    /// The fields given, each parsed; every bad one's error at once.
    pub fn parse(f: NeedFields<'_>) -> Result<Self, Vec<FieldError>> {
        let (category, title, description, urgency) = (
            ("category", f.category.map(category_of).transpose()),
            ("title", f.title.map(NeedTitle::parse).transpose()),
            (
                "description",
                f.description.map(NeedDescription::parse).transpose(),
            ),
            ("urgency", f.urgency.map(urgency_of).transpose()),
        )
            .all()?;
        Ok(Self {
            category,
            title,
            description,
            urgency,
        })
    }
}

/// A category's code or Chinese name.
pub fn category_of(text: &str) -> Result<Category, Text> {
    text.parse::<Category>().map_err(|_| {
        Text::fixed(
            "类别不存在（见 docs/matching.md 的八个类别）",
            "Unknown category (one of the eight in docs/matching.md)",
        )
    })
}

/// An urgency as a request's number, 1 to 3.
pub fn urgency_of(n: i64) -> Result<Urgency, Text> {
    u8::try_from(n)
        .map_err(|_| Text::fixed("紧急程度为 1 到 3", "urgency is 1 to 3"))
        .and_then(Urgency::try_from)
}

/// The household a need is for, which a new need must name.
pub fn household_of(id: Option<Uuid>) -> Result<Uuid, Text> {
    id.ok_or(Text::fixed("缺少户", "household_id is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_read_as_codes_or_chinese_names_and_nothing_else() {
        assert_eq!(category_of("care"), Ok(Category::Care));
        assert_eq!(category_of("关爱陪伴"), Ok(Category::Care));
        assert!(category_of("").is_err());
        assert!(category_of("help").is_err());
    }

    #[test]
    fn urgency_is_one_to_three() {
        for (n, ok) in [
            (0, false),
            (1, true),
            (3, true),
            (4, false),
            (-1, false),
            (300, false),
        ] {
            assert_eq!(urgency_of(n).is_ok(), ok, "{n}");
        }
    }
}
