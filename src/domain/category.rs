//! The eight help categories of docs/matching.md, and sets of them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::Text;

/// A category of help. The discriminant is the category's position in
/// docs/matching.md's table, which is also its bit in a category bitmask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Category {
    /// 教育助学, remote-capable.
    Education = 0,
    /// 医疗健康, on site only.
    Medical = 1,
    /// 住房安全, on site only.
    Housing = 2,
    /// 生活物资, remote-capable.
    Living = 3,
    /// 产业发展, on site only.
    Production = 4,
    /// 就业帮扶, remote-capable.
    Employment = 5,
    /// 消费帮扶, remote-capable.
    Consumption = 6,
    /// 关爱陪伴, on site only.
    Care = 7,
}

/// A string that is neither a category code nor a category's Chinese name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown category {0:?}")]
pub struct ParseCategoryError(pub String);

impl Category {
    /// How many categories there are.
    pub const COUNT: usize = 8;

    /// Every category, in docs/matching.md's order.
    pub const ALL: [Category; Self::COUNT] = [
        Category::Education,
        Category::Medical,
        Category::Housing,
        Category::Living,
        Category::Production,
        Category::Employment,
        Category::Consumption,
        Category::Care,
    ];

    /// The lowercase code used in files and APIs, e.g. `"education"`.
    pub fn code(self) -> &'static str {
        match self {
            Category::Education => "education",
            Category::Medical => "medical",
            Category::Housing => "housing",
            Category::Living => "living",
            Category::Production => "production",
            Category::Employment => "employment",
            Category::Consumption => "consumption",
            Category::Care => "care",
        }
    }

    /// The Chinese name, e.g. `"教育助学"`.
    pub fn name_zh(self) -> &'static str {
        match self {
            Category::Education => "教育助学",
            Category::Medical => "医疗健康",
            Category::Housing => "住房安全",
            Category::Living => "生活物资",
            Category::Production => "产业发展",
            Category::Employment => "就业帮扶",
            Category::Consumption => "消费帮扶",
            Category::Care => "关爱陪伴",
        }
    }

    /// The English name, e.g. `"Education"`.
    pub fn name_en(self) -> &'static str {
        match self {
            Category::Education => "Education",
            Category::Medical => "Medical care",
            Category::Housing => "Housing safety",
            Category::Living => "Daily necessities",
            Category::Production => "Industry development",
            Category::Employment => "Employment",
            Category::Consumption => "Consumption support",
            Category::Care => "Care and company",
        }
    }

    /// One line on what the category covers, for the people who pick it
    /// (a volunteer's offer form, a cadre's need form).
    pub fn hint(self) -> Text {
        let (zh, en) = match self {
            Category::Education => (
                "学费、书本文具、辅导功课",
                "School fees, books and supplies, tutoring",
            ),
            Category::Medical => (
                "陪同就医、送药、帮助办理医保",
                "Going with them to the doctor, bringing medicine, medical insurance paperwork",
            ),
            Category::Housing => (
                "修缮危房、检查水电、改厕",
                "Repairing unsafe houses, checking wiring and water, toilets",
            ),
            Category::Living => (
                "粮油、衣被、家电等生活用品",
                "Food, clothes and bedding, household appliances",
            ),
            Category::Production => (
                "种养技术、农资、柑橘油茶等产业帮扶",
                "Farming know-how, seeds and tools, help with citrus, camellia or tea",
            ),
            Category::Employment => ("介绍工作、技能培训", "Job referrals, skills training"),
            Category::Consumption => (
                "购买或代销农户的农产品",
                "Buying or selling the households' farm produce",
            ),
            Category::Care => (
                "探望独居老人、留守儿童，陪伴聊天",
                "Visiting elderly people living alone and left-behind children, keeping them company",
            ),
        };
        Text::fixed(zh, en)
    }

    /// Whether this help can be given from anywhere (the remote path).
    pub fn is_remote_capable(self) -> bool {
        matches!(
            self,
            Category::Education | Category::Living | Category::Employment | Category::Consumption
        )
    }

    /// The position in [`Category::ALL`], also the bit in a bitmask.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Category {
    type Err = ParseCategoryError;

    /// Accepts the code (`"care"`) or the Chinese name (`"关爱陪伴"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.code() == s || c.name_zh() == s)
            .ok_or_else(|| ParseCategoryError(s.to_owned()))
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of categories as a bitmask over [`Category::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategorySet(pub u8);

const _: () = assert!(
    Category::COUNT <= u8::BITS as usize,
    "CategorySet needs a bit per category"
);

impl CategorySet {
    /// The remote-capable categories.
    pub const REMOTE_CAPABLE: CategorySet = CategorySet(0b0110_1001);

    /// Whether `c` is in the set.
    pub fn contains(self, c: Category) -> bool {
        self.0 & (1 << c.index()) != 0
    }

    /// Adds `c` to the set.
    pub fn insert(&mut self, c: Category) {
        self.0 |= 1 << c.index();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The categories in both sets.
    pub fn intersect(self, other: CategorySet) -> CategorySet {
        CategorySet(self.0 & other.0)
    }

    /// The categories of `self` that are not in `other`.
    pub fn minus(self, other: CategorySet) -> CategorySet {
        CategorySet(self.0 & !other.0)
    }

    /// The categories in docs/matching.md's order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |&c| self.contains(c))
    }
}

impl FromIterator<Category> for CategorySet {
    fn from_iter<I: IntoIterator<Item = Category>>(iter: I) -> Self {
        let mut set = CategorySet::default();
        for c in iter {
            set.insert(c);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_chinese_names_parse_back_to_the_same_category() {
        for c in Category::ALL {
            assert_eq!(c.code().parse::<Category>(), Ok(c));
            assert_eq!(c.name_zh().parse::<Category>(), Ok(c));
        }
        assert!("Education".parse::<Category>().is_err());
    }

    #[test]
    fn exactly_four_categories_are_remote_capable() {
        let remote: Vec<_> = Category::ALL
            .iter()
            .filter(|c| c.is_remote_capable())
            .collect();
        assert_eq!(remote.len(), 4);
        assert!(!Category::Care.is_remote_capable());
    }

    #[test]
    fn serde_uses_the_lowercase_code() {
        let json = serde_json::to_string(&Category::Consumption).expect("serializes");
        assert_eq!(json, "\"consumption\"");
        let back: Category = serde_json::from_str("\"medical\"").expect("parses");
        assert_eq!(back, Category::Medical);
    }
}
