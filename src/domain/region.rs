//! China's administrative codes as huzhu uses them: 6 county digits, 3
//! township digits and 3 village digits, always stored as 12 digits.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{Lines, clean_text};
use super::vocabulary::words;

/// A full 12-digit region code, e.g. `430525101000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

/// Why a region code or prefix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("a region code is 12 digits")]
    NotTwelveDigits,
    #[error("a region prefix is 6, 9 or 12 digits")]
    BadPrefixLength,
}

impl RegionCode {
    /// Parses exactly 12 ASCII digits.
    pub fn parse(text: &str) -> Result<Self, RegionCodeError> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(RegionCodeError::NotTwelveDigits)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level the code's shape implies: trailing zeros mark a county or a
    /// township.
    pub fn implied_level(&self) -> RegionLevel {
        if self.0.ends_with("000000") {
            RegionLevel::County
        } else if self.0.ends_with("000") {
            RegionLevel::Township
        } else {
            RegionLevel::Village
        }
    }

    /// The code of the enclosing region one level up, when it is a county or
    /// township (a county's parent is outside huzhu's levels).
    pub fn implied_parent(&self) -> Option<RegionCode> {
        match self.implied_level() {
            RegionLevel::County => None,
            RegionLevel::Township => Some(Self(format!("{}000000", &self.0[..6]))),
            RegionLevel::Village => Some(Self(format!("{}000", &self.0[..9]))),
        }
    }

    /// The significant prefix that selects this region and everything in it.
    pub fn prefix(&self) -> RegionPrefix {
        RegionPrefix::from_code(self)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A region filter or a user's reach: the significant digits of a code (6 for a
/// county, 9 for a township, 12 for a village). `430525101000` and `430525101`
/// are the same prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionPrefix(String);

impl RegionPrefix {
    /// Parses 6, 9 or 12 digits; a 12-digit code is reduced to its significant
    /// prefix.
    pub fn parse(text: &str) -> Result<Self, RegionCodeError> {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::BadPrefixLength);
        }
        match text.len() {
            6 | 9 => Ok(Self(text.to_owned())),
            12 => Ok(Self::from_code(&RegionCode(text.to_owned()))),
            _ => Err(RegionCodeError::BadPrefixLength),
        }
    }

    fn from_code(code: &RegionCode) -> Self {
        let significant = match code.implied_level() {
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        };
        Self(code.0[..significant].to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the region the prefix names: the prefix padded with
    /// zeros to 12 digits (`430525` → `430525000000`).
    pub fn code(&self) -> String {
        padded_code(&self.0)
    }

    /// Whether `code` lies inside this prefix.
    pub fn contains(&self, code: &str) -> bool {
        code.starts_with(&self.0)
    }

    /// The half-open range of codes `[low, high)` inside this prefix, for
    /// index range scans (`':'` sorts right after `'9'`).
    pub fn code_range(&self) -> (String, String) {
        (self.0.clone(), format!("{}:", self.0))
    }

    /// Whether two prefixes select any region in common (one contains the other).
    pub fn overlaps(&self, other: &RegionPrefix) -> bool {
        self.0.starts_with(&other.0) || other.0.starts_with(&self.0)
    }
}

/// A stored prefix (6, 9 or 12 digits) padded with zeros to the 12-digit
/// code of the region it names, for looking up that region's row and name.
pub fn padded_code(prefix: &str) -> String {
    format!("{prefix:0<12}")
}

impl fmt::Display for RegionPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

words! {
    /// The administrative level of a region.
    pub enum RegionLevel("region level") {
        County = "county",
        Township = "township",
        Village = "village",
    }
}

impl RegionLevel {
    /// The level spelt exactly `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// A region as huzhu stores it, consistent by construction: its level matches
/// its code's shape and its parent is the enclosing code.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<RegionCode>,
    /// (lat, lon) in WGS84 degrees, where known.
    pub point: Option<(f64, f64)>,
}

/// Why a region row was refused: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFieldError {
    pub field: &'static str,
    pub message: String,
}

fn field_err(field: &'static str, message: impl Into<String>) -> RegionFieldError {
    RegionFieldError {
        field,
        message: message.into(),
    }
}

/// The raw text of one region row, as a CSV file or request gives it.
#[derive(Debug, Clone, Default)]
pub struct RegionInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: &'a str,
    pub parent_code: &'a str,
    pub lat: &'a str,
    pub lon: &'a str,
}

impl Region {
    /// Parses one row, reporting the first problem with its field.
    pub fn parse(input: &RegionInput<'_>) -> Result<Self, RegionFieldError> {
        let code =
            RegionCode::parse(input.code.trim()).map_err(|e| field_err("code", e.to_string()))?;
        // Region names are shown in every page and email about a need.
        let name = clean_text(input.name, Lines::One).map_err(|e| field_err("name", e.en))?;
        if name.is_empty() || name.chars().count() > 100 {
            return Err(field_err("name", "a name is 1 to 100 characters"));
        }
        let level = RegionLevel::parse(input.level.trim())
            .ok_or_else(|| field_err("level", "level is county, township or village"))?;
        if level != code.implied_level() {
            return Err(field_err(
                "level",
                format!(
                    "code {code} is a {}, not a {}",
                    code.implied_level().as_str(),
                    level.as_str()
                ),
            ));
        }
        let parent_code = Self::parse_parent(&code, input.parent_code.trim())?;
        let point = parse_point(input.lat.trim(), input.lon.trim())?;
        Ok(Self {
            code,
            name,
            level,
            parent_code,
            point,
        })
    }

    fn parse_parent(code: &RegionCode, text: &str) -> Result<Option<RegionCode>, RegionFieldError> {
        let parent = if text.is_empty() {
            None
        } else {
            Some(RegionCode::parse(text).map_err(|e| field_err("parent_code", e.to_string()))?)
        };
        match (code.implied_parent(), &parent) {
            (Some(expected), Some(given)) if &expected != given => Err(field_err(
                "parent_code",
                format!("the parent of {code} is {expected}, not {given}"),
            )),
            (Some(expected), None) => Ok(Some(expected)),
            _ => Ok(parent),
        }
    }
}

fn parse_point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, RegionFieldError> {
    match (lat.is_empty(), lon.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Err(field_err("lon", "lon is required when lat is given")),
        (true, false) => Err(field_err("lat", "lat is required when lon is given")),
        (false, false) => {
            let lat_v = parse_degrees(lat, 90.0)
                .ok_or_else(|| field_err("lat", "lat is a number from -90 to 90"))?;
            let lon_v = parse_degrees(lon, 180.0)
                .ok_or_else(|| field_err("lon", "lon is a number from -180 to 180"))?;
            Ok(Some((lat_v, lon_v)))
        }
    }
}

fn parse_degrees(text: &str, bound: f64) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && v.abs() <= bound).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twelve_digit_code_implies_its_level_and_parent() {
        let cases = [
            ("430525000000", RegionLevel::County, None),
            ("430525101000", RegionLevel::Township, Some("430525000000")),
            ("430525101203", RegionLevel::Village, Some("430525101000")),
        ];
        for (text, level, parent) in cases {
            let code = RegionCode::parse(text).expect("valid code");
            assert_eq!(code.implied_level(), level, "{text}");
            assert_eq!(code.implied_parent().map(String::from).as_deref(), parent);
        }
    }

    #[test]
    fn codes_that_are_not_twelve_digits_are_refused() {
        for text in [
            "",
            "43052510100",
            "4305251010000",
            "43052510100a",
            "４３0525101000",
        ] {
            assert!(RegionCode::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_prefix_and_its_padded_code_are_the_same() {
        let a = RegionPrefix::parse("430525101000").expect("valid");
        let b = RegionPrefix::parse("430525101").expect("valid");
        assert_eq!(a, b);
        assert!(a.contains("430525101203"));
        assert!(!a.contains("430525102203"));
        assert!(RegionPrefix::parse("4305").is_err());
        assert_eq!(b.code(), "430525101000");
        assert_eq!(
            RegionPrefix::parse("430525").expect("valid").code(),
            "430525000000"
        );
    }

    #[test]
    fn nested_prefixes_overlap_and_siblings_do_not() {
        let county = RegionPrefix::parse("430525").expect("valid");
        let town = RegionPrefix::parse("430525101").expect("valid");
        let other = RegionPrefix::parse("430525102").expect("valid");
        assert!(county.overlaps(&town) && town.overlaps(&county));
        assert!(!town.overlaps(&other));
    }

    fn input<'a>(
        code: &'a str,
        level: &'a str,
        parent: &'a str,
        lat: &'a str,
        lon: &'a str,
    ) -> RegionInput<'a> {
        RegionInput {
            code,
            name: "某地",
            level,
            parent_code: parent,
            lat,
            lon,
        }
    }

    #[test]
    fn region_rows_are_checked_field_by_field() {
        let cases = [
            (input("43052510100", "township", "", "", ""), Some("code")),
            (input("430525101000", "village", "", "", ""), Some("level")),
            (input("430525101000", "city", "", "", ""), Some("level")),
            (
                input("430525101000", "township", "430526000000", "", ""),
                Some("parent_code"),
            ),
            (
                input("430525101000", "township", "", "27.1", ""),
                Some("lon"),
            ),
            (
                input("430525101000", "township", "", "91", "110"),
                Some("lat"),
            ),
            (
                input("430525101000", "township", "", "27.1", "NaN"),
                Some("lon"),
            ),
            (input("430525101000", "township", "", "27.1", "110.5"), None),
            (
                input("430525000000", "county", "430500000000", "", ""),
                None,
            ),
        ];
        for (row, field) in cases {
            let got = Region::parse(&row).err().map(|e| e.field);
            assert_eq!(got, field, "{row:?}");
        }
    }

    #[test]
    fn a_missing_parent_is_implied_from_the_code() {
        let region = Region::parse(&input("430525101203", "village", "", "", "")).expect("valid");
        assert_eq!(
            region.parent_code.map(String::from).as_deref(),
            Some("430525101000")
        );
    }
}
