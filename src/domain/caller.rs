//! Who is asking: the authenticated caller, the regions they reach, and
//! whom they may create. The HTTP layer builds a [`Caller`] from a session;
//! services decide with it.

use uuid::Uuid;

use crate::domain::{RegionPrefix, Role};
use crate::i18n::Locale;

/// The authenticated person making a request. Its `Debug` leaves out the
/// name and the CSRF token, so that a logged caller carries neither.
#[derive(Clone)]
pub struct Caller {
    pub user_id: Uuid,
    /// The account's display name, for the pages' greeting. Never logged.
    pub name: String,
    pub role: Role,
    pub region: Option<RegionPrefix>,
    pub locale: Locale,
    pub session_id: Uuid,
    /// The session's CSRF token, required on unsafe requests that
    /// authenticate with the session cookie.
    pub csrf_token: String,
    pub via_cookie: bool,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("region", &self.region)
            .field("locale", &self.locale)
            .field("session_id", &self.session_id)
            .field("via_cookie", &self.via_cookie)
            .finish_non_exhaustive()
    }
}

/// The regions whose objects a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach<'a> {
    /// Admins: every region.
    Everywhere,
    /// Staff: the regions inside their prefix.
    Within(&'a RegionPrefix),
    /// Volunteers, and staff whose stored region is missing or unreadable:
    /// no region at all. Never widened to everything.
    Nowhere,
}

impl Caller {
    /// The regions the caller reaches, for list filters: a missing region
    /// means nothing, not everything.
    pub fn reach(&self) -> Reach<'_> {
        match (self.role, &self.region) {
            (Role::Admin, _) => Reach::Everywhere,
            (Role::Cadre | Role::Coordinator, Some(prefix)) => Reach::Within(prefix),
            _ => Reach::Nowhere,
        }
    }

    /// Whether the caller may act on an object in `region_code`. Admins reach
    /// everything; staff their region prefix; volunteers no region.
    pub fn reaches(&self, region_code: &str) -> bool {
        match self.reach() {
            Reach::Everywhere => true,
            Reach::Within(prefix) => prefix.contains(region_code),
            Reach::Nowhere => false,
        }
    }

    /// Whether the caller is a cadre or coordinator whose stored region is
    /// missing or does not parse: their lists are built from that region, so
    /// they are refused rather than shown every region (see `needs_region`).
    pub fn is_staff_without_region(&self) -> bool {
        matches!(self.role, Role::Cadre | Role::Coordinator) && self.region.is_none()
    }
}

/// Roles whose members the caller may create: admins any, coordinators
/// cadres (inside their region).
pub fn may_create(creator: Role, role: Role) -> bool {
    match creator {
        Role::Admin => true,
        Role::Coordinator => role == Role::Cadre,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::{Admin, Cadre, Coordinator};

    #[test]
    fn staff_reach_their_prefix_and_admins_everything() {
        let caller = |role, region: Option<&str>| Caller {
            user_id: Uuid::nil(),
            name: String::new(),
            role,
            region: region.map(|r| RegionPrefix::parse(r).expect("prefix")),
            locale: Locale::ZhCn,
            session_id: Uuid::nil(),
            csrf_token: String::new(),
            via_cookie: false,
        };
        let township = "430525101000";
        assert!(caller(Admin, None).reaches(township));
        assert!(caller(Cadre, Some("430525101")).reaches("430525101203"));
        assert!(!caller(Cadre, Some("430525102")).reaches("430525101203"));
        assert!(caller(Coordinator, Some("430525")).reaches(township));
        assert!(!caller(Role::Volunteer, None).reaches(township));
    }

    #[test]
    fn coordinators_create_only_cadres() {
        assert!(may_create(Coordinator, Cadre));
        assert!(!may_create(Coordinator, Coordinator));
        assert!(!may_create(Coordinator, Admin));
        assert!(may_create(Admin, Coordinator));
        assert!(!may_create(Cadre, Cadre));
    }

    #[test]
    fn staff_without_a_region_reach_nothing() {
        let lost = Caller {
            user_id: Uuid::nil(),
            name: String::new(),
            role: Cadre,
            region: None,
            locale: Locale::ZhCn,
            session_id: Uuid::nil(),
            csrf_token: String::new(),
            via_cookie: false,
        };
        assert_eq!(lost.reach(), Reach::Nowhere);
        assert!(lost.is_staff_without_region());
        assert!(!lost.reaches("430525101203"));
    }
}
