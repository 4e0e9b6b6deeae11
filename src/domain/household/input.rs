//! A household as a request or form states it, parsed: what a service may
//! be handed to register or change a household. Whether its region exists
//! and lies in the caller's reach needs the database, and stays the
//! service's check.

use super::{HouseholdTag, IdNumber, Members, parse_tags};
use crate::domain::fields::AllFields;
use crate::domain::geo::point_of;
use crate::domain::{FieldError, PersonName, Phone, RegionCode};
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

/// A household's fields as a request or a form sends them, not yet
/// parsed: the API's JSON body and the cadre's form both become this, so
/// one rule reads them. `None` is a field left out; `Some(None)` a field
/// sent empty (null), which clears an optional one in a change.
#[derive(Default)]
pub struct HouseholdFields {
    pub region: Option<String>,
    pub head_name: Option<String>,
    pub id_number: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub members: Option<i64>,
    pub lat: Option<Option<f64>>,
    pub lon: Option<Option<f64>>,
    pub tags: Option<Vec<String>>,
}

impl TryFrom<HouseholdFields> for NewHousehold {
    type Error = Vec<FieldError>;

    /// Every field parsed at once, each bad one named.
    fn try_from(f: HouseholdFields) -> Result<Self, Vec<FieldError>> {
        let (region, head_name, id_number, phone, members, point, tags) = (
            ("region", required_region(f.region.as_deref())),
            (
                "head_name",
                PersonName::parse(f.head_name.as_deref().unwrap_or("")),
            ),
            (
                "id_number",
                optional(f.id_number.flatten().as_deref(), IdNumber::parse),
            ),
            (
                "phone",
                optional(f.phone.flatten().as_deref(), Phone::parse),
            ),
            ("members", members_of(f.members.unwrap_or(0))),
            point_of(f.lat.flatten(), f.lon.flatten()),
            ("tags", tags_of(f.tags.as_deref().unwrap_or(&[]))),
        )
            .all()?;
        Ok(Self {
            region,
            head_name,
            id_number,
            phone,
            members,
            point,
            tags,
        })
    }
}

impl TryFrom<HouseholdFields> for HouseholdChanges {
    type Error = Vec<FieldError>;

    /// A change names only what changes; each named field must parse, and
    /// an empty one clears an optional field.
    fn try_from(f: HouseholdFields) -> Result<Self, Vec<FieldError>> {
        let point = match (f.lat.is_some() || f.lon.is_some(), f.lat, f.lon) {
            (true, lat, lon) => point_of(lat.flatten(), lon.flatten()).map(Some),
            (false, ..) => Ok(None),
        };
        let (region, head_name, id_number, phone, members, point, tags) = (
            ("region", f.region.as_deref().map(region_of).transpose()),
            (
                "head_name",
                f.head_name.as_deref().map(PersonName::parse).transpose(),
            ),
            ("id_number", optional_change(f.id_number, IdNumber::parse)),
            ("phone", optional_change(f.phone, Phone::parse)),
            ("members", f.members.map(members_of).transpose()),
            point,
            ("tags", f.tags.as_deref().map(tags_of).transpose()),
        )
            .all()?;
        Ok(Self {
            region,
            head_name,
            id_number,
            phone,
            members,
            point,
            tags,
        })
    }
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

/// The longest text a search by head's name takes.
const NAME_SEARCH_CHARS: usize = 50;

/// A search by head's name as typed: blank is no search, and a search is
/// at most 50 characters (no name is longer).
pub fn name_search(text: &str) -> Result<Option<String>, Text> {
    let text = text.trim();
    if text.chars().count() > NAME_SEARCH_CHARS {
        return Err(Text::fixed(
            "搜索的姓名最多 50 个字",
            "A name to search for is at most 50 characters",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
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

    #[test]
    fn a_name_search_is_trimmed_blank_is_none_and_a_long_one_refused() {
        assert_eq!(name_search(" 王 "), Ok(Some("王".to_owned())));
        assert_eq!(name_search("  "), Ok(None));
        assert!(name_search(&"王".repeat(51)).is_err());
    }
}
