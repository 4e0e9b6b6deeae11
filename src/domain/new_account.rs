//! A new account as a form or a command gives it: who it is for, what they
//! may do and where, and a volunteer's password. Each part parses by the
//! rule of its type in [`super::account`], with errors named as the API
//! names its fields; the accounts service takes only what passed.

use super::fields::AllFields;
use super::{EmailAddress, FieldError, Password, PersonName, Phone, RegionPrefix, Role};
use crate::i18n::{Locale, Text};

/// Who an account is for, and how and in which language to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub email: EmailAddress,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub locale: Locale,
}

impl Profile {
    /// Checks every field, naming each error by its field. A blank phone is
    /// none; no locale is zh-CN.
    pub fn parse(
        email: &str,
        name: &str,
        phone: Option<&str>,
        locale: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let phone = match phone.filter(|p| !p.trim().is_empty()) {
            Some(p) => Phone::parse(p).map(Some),
            None => Ok(None),
        };
        let locale = match locale {
            Some(tag) => {
                Locale::parse(tag).ok_or(Text::fixed("语言为 zh-CN 或 en", "locale is zh-CN or en"))
            }
            None => Ok(Locale::default()),
        };
        let (email, name, phone, locale) = (
            ("email", EmailAddress::parse(email)),
            ("name", PersonName::parse(name)),
            ("phone", phone),
            ("locale", locale),
        )
            .all()?;
        Ok(Self {
            email,
            name,
            phone,
            locale,
        })
    }
}

/// What an account may do and where: cadres and coordinators act within a
/// region, the other roles everywhere or nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    role: Role,
    region: Option<RegionPrefix>,
}

impl Assignment {
    /// A volunteer's, who has no region.
    pub const VOLUNTEER: Self = Self {
        role: Role::Volunteer,
        region: None,
    };

    /// Checks the region the role needs, as the `region` field; a region
    /// given for a role without one is not kept.
    pub fn parse(role: Role, region: Option<&str>) -> Result<Self, Text> {
        let region = match (role.needs_region(), region) {
            (true, Some(r)) => Some(
                RegionPrefix::parse(r)
                    .map_err(|_| Text::fixed("地区代码格式不正确", "Not a region code"))?,
            ),
            (true, None) => {
                return Err(Text::fixed(
                    "帮扶干部和协调员必须指定地区",
                    "Cadres and coordinators need a region",
                ));
            }
            (false, _) => None,
        };
        Ok(Self { role, region })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// Where a cadre or coordinator acts; `None` for the other roles.
    pub fn region(&self) -> Option<&RegionPrefix> {
        self.region.as_ref()
    }
}

/// A volunteer registering: who they are and the password they chose.
#[derive(Debug)]
pub struct NewVolunteer {
    pub profile: Profile,
    pub password: Password,
}

/// An account an admin or coordinator invites, or a command creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub profile: Profile,
    pub assignment: Assignment,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Email, name, phone, locale, and the fields refused.
    type Case<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a [&'a str],
    );

    #[test]
    fn a_profile_reports_every_bad_field_by_name() {
        let cases: [Case; 6] = [
            ("li@example.org", "李明", None, None, &[]),
            ("li@example.org", "李明", Some("  "), Some("en-GB"), &[]),
            ("nope", "李明", None, None, &["email"]),
            (
                "li@example.org",
                "",
                Some("12345"),
                None,
                &["name", "phone"],
            ),
            ("li@example.org", "李明", None, Some("fr"), &["locale"]),
            (
                "",
                "",
                Some("1"),
                Some("xx"),
                &["email", "name", "phone", "locale"],
            ),
        ];
        for (email, name, phone, locale, bad) in cases {
            let named: Vec<String> = match Profile::parse(email, name, phone, locale) {
                Ok(_) => Vec::new(),
                Err(errors) => errors.into_iter().map(|e| e.field).collect(),
            };
            assert_eq!(named, bad, "{email:?} {name:?} {phone:?} {locale:?}");
        }
    }

    #[test]
    fn a_profile_keeps_the_defaults_and_the_parsed_forms() {
        let p = Profile::parse(
            " Li@Example.org ",
            " 李明 ",
            Some("+86 138 1234 5678"),
            None,
        )
        .expect("valid");
        assert_eq!(p.email.as_str(), "Li@Example.org");
        assert_eq!(p.name.as_str(), "李明");
        assert_eq!(p.phone.as_ref().map(Phone::as_str), Some("13812345678"));
        assert_eq!(p.locale, Locale::ZhCn);
    }

    #[test]
    fn cadres_and_coordinators_need_a_region_and_the_others_keep_none() {
        let cases = [
            (Role::Cadre, Some("430525101"), Ok(Some("430525101"))),
            (Role::Coordinator, Some("430525000000"), Ok(Some("430525"))),
            (
                Role::Cadre,
                None,
                Err("Cadres and coordinators need a region"),
            ),
            (Role::Coordinator, Some("4305"), Err("Not a region code")),
            (Role::Admin, Some("4305"), Ok(None)),
            (Role::Volunteer, None, Ok(None)),
        ];
        for (role, region, expected) in cases {
            let got = Assignment::parse(role, region)
                .map(|a| a.region().map(|r| r.as_str().to_owned()))
                .map_err(|m| m.en.into_owned());
            let expected = expected
                .map(|r| r.map(str::to_owned))
                .map_err(str::to_owned);
            assert_eq!(got, expected, "{role} {region:?}");
        }
    }
}
