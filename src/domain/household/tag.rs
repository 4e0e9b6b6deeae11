//! The circumstances a cadre records about a household. Health tags are
//! personal data: volunteers never see them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::Text;

/// A circumstance of a household; files and APIs spell it by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HouseholdTag {
    /// 慢性病
    ChronicIllness,
    /// 残疾
    Disability,
    /// 独居老人
    ElderlyAlone,
    /// 留守儿童
    LeftBehindChild,
    /// 无劳动能力
    NoLabourCapacity,
    /// 边缘户: just above the poverty line and at risk of falling back.
    Marginal,
}

impl HouseholdTag {
    pub const ALL: [HouseholdTag; 6] = [
        Self::ChronicIllness,
        Self::Disability,
        Self::ElderlyAlone,
        Self::LeftBehindChild,
        Self::NoLabourCapacity,
        Self::Marginal,
    ];

    /// The code used in files, APIs and the database, e.g. `"elderly_alone"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ChronicIllness => "chronic_illness",
            Self::Disability => "disability",
            Self::ElderlyAlone => "elderly_alone",
            Self::LeftBehindChild => "left_behind_child",
            Self::NoLabourCapacity => "no_labour_capacity",
            Self::Marginal => "marginal",
        }
    }

    /// The tag as people read it.
    pub fn label(self) -> Text {
        match self {
            Self::ChronicIllness => Text::fixed("慢性病", "Chronic illness"),
            Self::Disability => Text::fixed("残疾", "Disability"),
            Self::ElderlyAlone => Text::fixed("独居老人", "Elderly living alone"),
            Self::LeftBehindChild => Text::fixed("留守儿童", "Left-behind child"),
            Self::NoLabourCapacity => Text::fixed("无劳动能力", "No labour capacity"),
            Self::Marginal => Text::fixed("边缘户", "Marginal household"),
        }
    }

    /// Accepts the code, the Chinese label, or (so that an English export
    /// can be imported again) the English label in any case.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|t| {
                let label = t.label();
                t.code() == text || label.zh == text || label.en.eq_ignore_ascii_case(text)
            })
            .ok_or_else(|| {
                // Echo enough to find the typo, not a whole pasted paragraph.
                let text: String = text.chars().take(20).collect();
                let zh: Vec<_> = Self::ALL.iter().map(|t| t.label().zh).collect();
                let en: Vec<_> = Self::ALL.iter().map(|t| t.code()).collect();
                Text::owned(
                    format!("未知标签「{text}」，可用：{}", zh.join("、")),
                    format!("Unknown tag {text:?}; tags are {}", en.join(", ")),
                )
            })
    }
}

/// Parses a list of tags joined by `;` (also `；`, `、`, `,` or `，`, as
/// people type them). Empty text is no tags; duplicates are dropped and the
/// first-seen order kept. The first unknown tag is the error.
pub fn parse_tags(text: &str) -> Result<Vec<HouseholdTag>, Text> {
    let mut tags = Vec::new();
    for part in text.split([';', '；', '、', ',', '，']) {
        if part.trim().is_empty() {
            continue;
        }
        let tag = HouseholdTag::parse(part)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// The codes joined by `;`, as the database and CSV files store them.
pub fn join_tags(tags: &[HouseholdTag]) -> String {
    tags.iter().map(|t| t.code()).collect::<Vec<_>>().join(";")
}

impl fmt::Display for HouseholdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for HouseholdTag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for HouseholdTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.en))
    }
}
