//! The parts of an account, each parsed once at the edge: email address,
//! person name, mainland mobile phone, role, password.

use std::fmt;

use super::text::{Lines, clean_text};
use super::vocabulary::words;
use crate::i18n::Text;

/// An email address as a person typed it, with a lower-cased key that makes
/// uniqueness case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, Text> {
        let bad = || Text::fixed("邮箱地址格式不正确", "Not a valid email address");
        let text = text.trim();
        let (local, domain) = text.rsplit_once('@').ok_or_else(bad)?;
        let valid = text.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c))
            && !local.contains('@')
            && clean_text(text, Lines::One).is_ok();
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity of the address.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name: 1 to 100 characters on one line, see
/// [`clean_text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(text: &str) -> Result<Self, Text> {
        let text = clean_text(text, Lines::One)?;
        let count = text.chars().count();
        if count == 0 || count > 100 {
            Err(Text::fixed(
                "姓名为 1 到 100 个字符",
                "A name is 1 to 100 characters",
            ))
        } else {
            Ok(Self(text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland China mobile number, stored as its 11 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts `13812345678`, `+86 138 1234 5678`, `138-1234-5678`.
    pub fn parse(text: &str) -> Result<Self, Text> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(Text::fixed(
                "手机号应为 11 位中国大陆手机号码",
                "A phone is an 11-digit mainland China mobile number",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

words! {
    /// What a user may do.
    pub enum Role("role") {
        Volunteer = "volunteer",
        Cadre = "cadre",
        Coordinator = "coordinator",
        Admin = "admin",
    }
}

impl Role {
    /// The role spelt exactly `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }

    /// The role's name as people read it.
    pub fn label(self) -> Text {
        match self {
            Self::Volunteer => Text::fixed("爱心人士", "volunteer"),
            Self::Cadre => Text::fixed("帮扶干部", "cadre"),
            Self::Coordinator => Text::fixed("协调员", "coordinator"),
            Self::Admin => Text::fixed("管理员", "administrator"),
        }
    }

    /// Staff act within a region; volunteers do not have one.
    pub fn needs_region(self) -> bool {
        matches!(self, Self::Cadre | Self::Coordinator)
    }
}

words! {
    /// What a single-use link emailed to a person is for.
    pub enum LinkPurpose("link purpose") {
        /// Confirms the address of a new account.
        Verify = "verify",
        /// Sets a new password.
        Reset = "reset",
        /// Lets an invited staff member set their first password.
        Invite = "invite",
    }
}

/// Passwords that are refused however long they are.
const COMMON_PASSWORDS: &str = include_str!("../../data/common_passwords.txt");

/// A password that meets the policy: 10 to 128 characters, not a common one,
/// not the person's own email or name. Never printed.
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

impl Password {
    pub fn parse(text: &str, email: &str, name: &str) -> Result<Self, Text> {
        let count = text.chars().count();
        if count < 10 {
            return Err(Text::fixed(
                "密码至少 10 个字符",
                "A password has at least 10 characters",
            ));
        }
        if count > 128 {
            return Err(Text::fixed(
                "密码最多 128 个字符",
                "A password has at most 128 characters",
            ));
        }
        let lower = text.to_lowercase();
        let local = email.split('@').next().unwrap_or("").to_lowercase();
        let is_common = COMMON_PASSWORDS.lines().any(|p| p.trim() == lower);
        let is_personal = lower == email.to_lowercase()
            || (!local.is_empty() && lower == local)
            || lower == name.trim().to_lowercase();
        let one_char = text.chars().all(|c| text.starts_with(c));
        if is_common || is_personal || one_char {
            return Err(Text::fixed(
                "这个密码太常见或太容易猜到，请换一个",
                "This password is too common or too easy to guess; choose another",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_and_keyed_case_insensitively() {
        let email = EmailAddress::parse("  Li.Ming@Example.ORG ").expect("valid");
        assert_eq!(email.as_str(), "Li.Ming@Example.ORG");
        assert_eq!(email.key(), "li.ming@example.org");
        for bad in [
            "",
            "no-at",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@example.org.",
            "<a>@x.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mainland_mobile_numbers_in_common_spellings_are_accepted() {
        for (text, digits) in [
            ("13812345678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("0086-199-0000-1111", "19900001111"),
        ] {
            assert_eq!(Phone::parse(text).expect(text).as_str(), digits);
        }
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "010-12345678",
            "1381234567x",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_long_uncommon_and_not_personal() {
        let cases = [
            ("short", false),
            ("1234567890", false),
            ("qwertyuiop", false),
            ("woaini1314520", false),
            ("aaaaaaaaaaaa", false),
            ("liming@example.org", false),
            ("liming", false),
            ("柚子树下的老房子要修", true),
            ("correct horse battery", true),
        ];
        for (password, ok) in cases {
            let result = Password::parse(password, "liming@example.org", "李明");
            assert_eq!(result.is_ok(), ok, "{password}");
        }
        assert!(
            format!(
                "{:?}",
                Password::parse("correct horse battery", "a@b.cn", "x")
            )
            .contains("hidden")
        );
    }
}
