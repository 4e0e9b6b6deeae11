//! What the household pages show: a household as a row of the list (its
//! village, size, tags in words and its needs at a glance), the tags as
//! checkboxes, and the villages to search by.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::household::{HouseholdTag, parse_tags};
use crate::i18n;
use crate::services::households::NeedCounts;
use crate::store::entity::household;
use crate::web::page::t;

/// A stored household's tags, in the reader's language.
fn tag_labels(tags: &str) -> Vec<String> {
    let locale = i18n::current();
    parse_tags(tags)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.label().get(locale).to_owned())
        .collect()
}

/// One household as a row of the list.
pub fn row(
    h: &household::Model,
    villages: &HashMap<String, String>,
    needs: &HashMap<Uuid, NeedCounts>,
) -> Value {
    json!({
        "id": h.id,
        "name": crate::domain::household::shown_name(&h.head_name, crate::i18n::current()),
        "erased": h.erased_at.is_some(),
        "village": villages.get(&h.region).cloned().unwrap_or_else(|| h.region.clone()),
        "members": h.members,
        "tags": tag_labels(&h.tags),
        "needs": needs.get(&h.id).copied().unwrap_or_default(),
    })
}

/// The tag checkboxes: every tag of the closed vocabulary, in the
/// reader's language (with the Chinese name beside the English one).
pub fn tag_choices(ticked: &[String]) -> Vec<Value> {
    HouseholdTag::ALL
        .into_iter()
        .map(|tag| {
            let label = tag.label();
            let name = match i18n::current() {
                i18n::Locale::ZhCn => label.zh.to_string(),
                i18n::Locale::En => format!("{} ({})", label.en, label.zh),
            };
            json!({
                "value": tag.code(),
                "label": name,
                "hint": hint(tag),
                "checked": ticked.iter().any(|c| c == tag.code()),
            })
        })
        .collect()
}

/// What a tag is for, where its name alone may leave a cadre unsure.
fn hint(tag: HouseholdTag) -> String {
    match tag {
        HouseholdTag::Marginal => t(
            "刚过贫困线、容易返贫的户",
            "Just above the poverty line, at risk of falling back",
        ),
        HouseholdTag::NoLabourCapacity => t(
            "家中没有能干活挣钱的人",
            "Nobody in the household able to work",
        ),
        _ => String::new(),
    }
}
