//! The mainland resident ID card number (GB 11643-1999).

use std::fmt;

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};

use crate::i18n::Text;

/// An 18-character resident ID card number: 17 digits and an ISO 7064
/// MOD 11-2 check character (a digit or `X`, stored upper-case), with a real
/// birth date in characters 7 to 14. Personal data: never printed by
/// `Debug`, and shown to non-cadres only [`masked`](IdNumber::masked).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// The weights of the 17 digits in the check sum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character by the weighted sum's remainder modulo 11.
const CHECK: [u8; 11] = *b"10X98765432";

impl IdNumber {
    /// Parses against today's date in China (a birth date may not be later).
    pub fn parse(text: &str) -> Result<Self, Text> {
        // China has one time zone, UTC+8, and no daylight saving.
        let today = FixedOffset::east_opt(8 * 3600)
            .map(|tz| Utc::now().with_timezone(&tz).date_naive())
            .unwrap_or_else(|| Utc::now().date_naive());
        Self::parse_as_of(text, today)
    }

    /// Parses as [`parse`](IdNumber::parse) does, with `today` as the latest
    /// possible birth date.
    pub fn parse_as_of(text: &str, today: NaiveDate) -> Result<Self, Text> {
        let text = text.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !well_formed {
            return Err(Text::fixed(
                "身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）",
                "An ID number is 18 characters: 17 digits and a check character (a digit or X)",
            ));
        }
        if !birth_date_is_valid(&text[6..14], today) {
            return Err(Text::fixed(
                "身份证号中的出生日期（第 7 到 14 位）不是有效日期",
                "The birth date in the ID number (characters 7 to 14) is not a valid date",
            ));
        }
        let sum: u32 = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != bytes[17] {
            return Err(Text::fixed(
                "身份证号校验位不正确，请核对号码",
                "The ID number's check character is wrong; please check the number",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but its first 3 and last 2 characters replaced by
    /// `*`, for people who may see that a number exists but not what it is.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 5), &self.0[n - 2..])
    }
}

/// Whether `digits` (YYYYMMDD, all ASCII digits) is a calendar date from
/// 1900 up to `today`.
fn birth_date_is_valid(digits: &str, today: NaiveDate) -> bool {
    let (Ok(year), Ok(month), Ok(day)) = (
        digits[..4].parse::<i32>(),
        digits[4..6].parse::<u32>(),
        digits[6..].parse::<u32>(),
    ) else {
        return false;
    };
    NaiveDate::from_ymd_opt(year, month, day)
        .is_some_and(|date| date.year() >= 1900 && date <= today)
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdNumber(<hidden>)")
    }
}
