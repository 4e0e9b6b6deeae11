//! A change an admin (or a coordinator, for their cadres) makes to an
//! existing account, parsed once at the edge: only the fields given, each
//! by the rule of its type in [`super::account`].

use super::fields::AllFields;
use super::{FieldError, PersonName, Phone, RegionPrefix, Role};
use crate::i18n::Text;

/// The fields of a change; `None` leaves the field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    pub name: Option<PersonName>,
    /// `Some(None)` removes the phone number (a blank one was sent).
    pub phone: Option<Option<Phone>>,
    pub role: Option<Role>,
    pub region: Option<RegionPrefix>,
    pub active: Option<bool>,
}

impl AccountChange {
    /// Checks every field given, naming each error by its field.
    pub fn parse(
        name: Option<&str>,
        phone: Option<&str>,
        role: Option<&str>,
        region: Option<&str>,
        active: Option<bool>,
    ) -> Result<Self, Vec<FieldError>> {
        let name = name.map(PersonName::parse).transpose();
        let phone = match phone {
            Some(p) if p.trim().is_empty() => Ok(Some(None)),
            Some(p) => Phone::parse(p).map(|p| Some(Some(p))),
            None => Ok(None),
        };
        let role = role
            .map(|r| {
                Role::parse(r).ok_or(Text::fixed(
                    "角色为 volunteer、cadre、coordinator 或 admin",
                    "role is volunteer, cadre, coordinator or admin",
                ))
            })
            .transpose();
        let region = region
            .map(|r| {
                RegionPrefix::parse(r)
                    .map_err(|_| Text::fixed("地区代码格式不正确", "Not a region code"))
            })
            .transpose();
        let (name, phone, role, region) = (
            ("name", name),
            ("phone", phone),
            ("role", role),
            ("region", region),
        )
            .all()?;
        Ok(Self {
            name,
            phone,
            role,
            region,
            active,
        })
    }

    /// Whether the change touches who the person is or where they act (as
    /// opposed to only whether they may log in).
    pub fn changes_account(&self) -> bool {
        self.name.is_some() || self.phone.is_some() || self.role.is_some() || self.region.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_and_a_blank_phone_removes_it() {
        let errors = AccountChange::parse(Some(""), Some("12"), Some("boss"), Some("43x"), None)
            .expect_err("four bad fields");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "role", "region"]);
        let change =
            AccountChange::parse(None, Some(" "), Some("cadre"), None, Some(false)).expect("valid");
        assert_eq!(change.phone, Some(None));
        assert_eq!(change.role, Some(Role::Cadre));
        assert!(change.changes_account());
        assert!(!AccountChange::default().changes_account());
    }
}
