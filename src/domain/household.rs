//! A household and its needs as a cadre records them: the head's ID-card
//! number, the household's tags, its size, and a need's title, description
//! and urgency. Each type parses once at the edge and reports why it refused,
//! in both languages, without repeating the personal data it was given.

mod id_number;
pub mod input;
mod tag;
#[cfg(test)]
mod tests;

pub use id_number::IdNumber;
pub use tag::{HouseholdTag, join_tags, parse_tags};

use super::text::{Lines, clean_text};
use crate::i18n::{Locale, Text};

/// What stands where an erased household's head's name was (PIPL Art. 47).
pub const ERASED: Text = Text::fixed("个人信息已删除", "Personal data erased");

/// The head's name as people are shown it: an erased household (its name
/// emptied; a name is never empty otherwise) says that it was erased
/// instead of a blank.
pub fn shown_name(head_name: &str, locale: Locale) -> String {
    if head_name.is_empty() {
        ERASED.get(locale).to_owned()
    } else {
        head_name.to_owned()
    }
}

/// How many people live in the household: 1 to 30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Members(u16);

impl Members {
    const MAX: u16 = 30;

    /// Parses a whole number from 1 to 30.
    pub fn parse(text: &str) -> Result<Self, Text> {
        text.trim()
            .parse::<u16>()
            .map_err(|_| Self::range_error())
            .and_then(Self::try_from)
    }

    pub fn get(self) -> u16 {
        self.0
    }

    fn range_error() -> Text {
        Text::fixed(
            "人口为 1 到 30 的整数",
            "Members is a whole number from 1 to 30",
        )
    }
}

impl TryFrom<u16> for Members {
    type Error = Text;
    fn try_from(value: u16) -> Result<Self, Text> {
        if (1..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Self::range_error())
        }
    }
}

/// How urgent a need is: 1 (一般) to 3 (紧急, the most urgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Urgency(u8);

impl Urgency {
    /// The Chinese words a cadre writes in a spreadsheet, by level.
    const WORDS: [&'static str; 3] = ["一般", "较急", "紧急"];

    /// Accepts `1`, `2`, `3` or the words 一般, 较急, 紧急.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = text.trim();
        let from_word = Self::WORDS.iter().position(|w| *w == text);
        match from_word {
            Some(i) => Ok(Self(i as u8 + 1)),
            None => text
                .parse::<u8>()
                .map_err(|_| Self::range_error())
                .and_then(Self::try_from),
        }
    }

    /// The highest level, 紧急 (very urgent).
    pub const HIGHEST: u8 = 3;

    /// 1, 2 or 3.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The level as people read it.
    pub fn label(self) -> Text {
        match self.0 {
            1 => Text::fixed("一般", "normal"),
            2 => Text::fixed("较急", "urgent"),
            _ => Text::fixed("紧急", "very urgent"),
        }
    }

    fn range_error() -> Text {
        Text::fixed(
            "紧急程度为 1、2、3 或 一般、较急、紧急",
            "Urgency is 1, 2, 3 (most urgent) or 一般, 较急, 紧急",
        )
    }
}

impl TryFrom<u8> for Urgency {
    type Error = Text;
    fn try_from(value: u8) -> Result<Self, Text> {
        if (1..=3).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Self::range_error())
        }
    }
}

/// A need's title: 1 to 200 characters after trimming, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedTitle(String);

impl NeedTitle {
    const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = clean_text(text, Lines::One)?;
        let count = text.chars().count();
        if count == 0 || count > Self::MAX_CHARS {
            return Err(Text::fixed(
                "标题为 1 到 200 个字符",
                "A title is 1 to 200 characters",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A need's description: up to 4,000 characters after trimming; line breaks
/// (normalised to `\n`) and tabs are kept, see [`clean_text`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeedDescription(String);

impl NeedDescription {
    const MAX_CHARS: usize = 4000;

    pub fn parse(text: &str) -> Result<Self, Text> {
        // Counted after line breaks are normalised, so that the limit means
        // the same whichever system the text came from.
        let text = clean_text(text, Lines::Many)?;
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Text::fixed(
                "描述最多 4000 个字符",
                "A description is at most 4,000 characters",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an optional (lat, lon) pair in WGS84 degrees. Both empty is no
/// point; one without the other is an error on the missing one. The error
/// names the field (`"lat"` or `"lon"`).
pub fn parse_point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, (&'static str, Text)> {
    let (lat, lon) = (lat.trim(), lon.trim());
    match (lat.is_empty(), lon.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Err((
            "lon",
            Text::fixed(
                "填写纬度时也须填写经度",
                "lon is required when lat is given",
            ),
        )),
        (true, false) => Err((
            "lat",
            Text::fixed(
                "填写经度时也须填写纬度",
                "lat is required when lon is given",
            ),
        )),
        (false, false) => {
            let lat_v = parse_degrees(lat, 90.0).ok_or((
                "lat",
                Text::fixed("纬度为 -90 到 90 的数", "lat is a number from -90 to 90"),
            ))?;
            let lon_v = parse_degrees(lon, 180.0).ok_or((
                "lon",
                Text::fixed(
                    "经度为 -180 到 180 的数",
                    "lon is a number from -180 to 180",
                ),
            ))?;
            Ok(Some((lat_v, lon_v)))
        }
    }
}

fn parse_degrees(text: &str, bound: f64) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && v.abs() <= bound).then_some(v)
}
