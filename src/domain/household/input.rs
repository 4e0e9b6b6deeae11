//! A household as a request or form states it, parsed: what a service may
//! be handed to register or change a household. Whether its region exists
//! and lies in the caller's reach needs the database, and stays the
//! service's check.

use super::{HouseholdTag, IdNumber, Members, parse_tags};
use crate::domain::{PersonName, Phone, RegionCode};
use crate::i18n::Text;

/// A household to register: every field parsed.
#[derive(Clone)]
pub struct NewHousehold {
    pub region: RegionCode,
    pub head_name: PersonName,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub members: Members,
    /// (lat, lon) in WGS84 degrees.
    pub point: Option<(f64, f64)>,
    pub tags: Vec<HouseholdTag>,
}

/// Changes to a household: each field parsed, `None` keeps it, and
/// `Some(None)` clears an optional one.
#[derive(Clone, Default)]
pub struct HouseholdChanges {
    pub region: Option<RegionCode>,
    pub head_name: Option<PersonName>,
    pub id_number: Option<Option<IdNumber>>,
    pub phone: Option<Option<Phone>>,
    pub members: Option<Members>,
    pub point: Option<Option<(f64, f64)>>,
    pub tags: Option<Vec<HouseholdTag>>,
}

/// Household personal data stays out of logs and panic messages.
impl std::fmt::Debug for NewHousehold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewHousehold")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for HouseholdChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HouseholdChanges")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// A region code as a request names it.
pub fn region_of(text: &str) -> Result<RegionCode, Text> {
    RegionCode::parse(text)
        .map_err(|_| Text::fixed("地区代码为 12 位数字", "region is a 12-digit code"))
}

/// The region a new household must name.
pub fn required_region(text: Option<&str>) -> Result<RegionCode, Text> {
    match text {
        Some(text) => region_of(text),
        None => Err(Text::fixed("缺少地区", "region is required")),
    }
}

/// The number of members, 1 to 30.
pub fn members_of(n: i64) -> Result<Members, Text> {
    u16::try_from(n)
        .map_err(|_| {
            Text::fixed(
                "人口为 1 到 30 的整数",
                "members is a whole number from 1 to 30",
            )
        })
        .and_then(Members::try_from)
}

/// Tags from the closed vocabulary.
pub fn tags_of(tags: &[String]) -> Result<Vec<HouseholdTag>, Text> {
    parse_tags(&tags.join(";"))
}

/// An optional text field: blank is none, anything else must parse.
pub fn optional<T>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Text>,
) -> Result<Option<T>, Text> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some),
    }
}

/// A change to an optional text field: absent keeps it, null or blank
/// clears it, anything else must parse.
pub fn optional_change<T>(
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, Text>,
) -> Result<Option<Option<T>>, Text> {
    value.map(|v| optional(v.as_deref(), parse)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_optional_field_is_none_and_a_bad_one_an_error() {
        assert_eq!(
            optional(Some("  "), Phone::parse).map(|p| p.is_none()),
            Ok(true)
        );
        assert_eq!(optional(None, Phone::parse).map(|p| p.is_none()), Ok(true));
        assert!(optional(Some("12"), Phone::parse).is_err());
    }
}
