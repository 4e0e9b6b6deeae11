//! The need form's fields as a page sends them, and its choices: the
//! categories with what each covers, the urgency as words.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::household::Urgency;
use crate::domain::need::NeedFields;
use crate::domain::{Category, FieldError};
use crate::i18n::{self, Locale, Text};
use crate::store::entity::need;
use crate::web::form::Errors;
use crate::web::page::t;

/// What the need form posts; a field missing from a crafted request reads
/// as left empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NeedForm {
    pub(super) csrf_token: String,
    /// A category's code.
    pub(super) category: String,
    pub(super) title: String,
    pub(super) description: String,
    /// `1`, `2` or `3`.
    pub(super) urgency: String,
}

impl NeedForm {
    /// A new need's form: of normal urgency until the cadre says otherwise.
    pub(super) fn blank() -> Self {
        Self {
            urgency: "1".to_owned(),
            ..Self::default()
        }
    }

    pub(super) fn of(n: &need::Model) -> Self {
        Self {
            csrf_token: String::new(),
            category: n.category.code().to_owned(),
            title: n.title.clone(),
            description: n.description.clone(),
            urgency: n.urgency.to_string(),
        }
    }

    /// Every field, as the API's body would state it.
    pub(super) fn fields(&self) -> NeedFields<'_> {
        NeedFields {
            category: Some(&self.category),
            title: Some(&self.title),
            description: Some(&self.description),
            // Not a number is out of range, with the same message.
            urgency: Some(self.urgency.trim().parse().unwrap_or(0)),
        }
    }

    /// The domain's errors as the form shows them: a category left
    /// unpicked is asked for rather than called unknown.
    pub(super) fn errors(&self, mut errors: Vec<FieldError>) -> Errors {
        for e in &mut errors {
            if e.field == "category" && self.category.trim().is_empty() {
                e.message = Text::fixed("请选择类别", "Choose a category");
            }
        }
        Errors::from(errors)
    }
}

/// The category select (names in the reader's language, the Chinese one
/// too in English) and what each category covers.
pub(super) fn categories(picked: &str) -> (Vec<Value>, Vec<Value>) {
    let locale = i18n::current();
    let label = |c: Category| match locale {
        Locale::ZhCn => c.name_zh().to_owned(),
        Locale::En => format!("{} ({})", c.name_en(), c.name_zh()),
    };
    let options = Category::ALL
        .into_iter()
        .map(|c| json!({"value": c.code(), "label": label(c), "selected": c.code() == picked}))
        .collect();
    let hints = Category::ALL
        .into_iter()
        .map(|c| json!({"name": label(c), "hint": c.hint().get(locale)}))
        .collect();
    (options, hints)
}

/// The urgency as words, with what each means for matching.
pub(super) fn urgencies(picked: &str) -> Vec<Value> {
    let hints = [
        t("按等待先后匹配", "Matched in the order needs wait"),
        t("比一般的需求先匹配", "Matched before normal needs"),
        t(
            "最先匹配：危及安全或基本生活的需求",
            "Matched first: for needs that threaten safety or daily living",
        ),
    ];
    (1..=3u8)
        .zip(hints)
        .filter_map(|(n, hint)| {
            let label = Urgency::try_from(n)
                .ok()?
                .label()
                .get(i18n::current())
                .to_owned();
            Some(json!({"value": n.to_string(), "label": label, "hint": hint,
                        "checked": picked.trim() == n.to_string()}))
        })
        .collect()
}
