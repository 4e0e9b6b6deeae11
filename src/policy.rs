//! Authorization in one place: who may call each route, and which objects a
//! caller can reach. A route without a rule here is refused (and the policy
//! test, which walks the OpenAPI document, fails).

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use uuid::Uuid;

use crate::domain::{RegionPrefix, Role};
use crate::i18n::Locale;

/// The authenticated person making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
    pub region: Option<RegionPrefix>,
    pub locale: Locale,
    pub session_id: Uuid,
    /// The session's CSRF token, required on unsafe requests that
    /// authenticate with the session cookie.
    pub csrf_token: String,
    pub via_cookie: bool,
}

impl Caller {
    /// Whether the caller may act on an object in `region_code`. Admins reach
    /// everything; staff their region prefix; volunteers no region.
    pub fn reaches(&self, region_code: &str) -> bool {
        match (self.role, &self.region) {
            (Role::Admin, _) => true,
            (Role::Cadre | Role::Coordinator, Some(prefix)) => prefix.contains(region_code),
            _ => false,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// No login needed.
    Anyone,
    /// Any logged-in user.
    AnyUser,
    /// Logged-in users with one of these roles.
    Roles(&'static [Role]),
}

impl Allow {
    pub fn permits(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Self::Anyone, _) => true,
            (Self::AnyUser, Some(_)) => true,
            (Self::Roles(roles), Some(role)) => roles.contains(&role),
            _ => false,
        }
    }
}

use Role::{Admin, Cadre, Coordinator, Volunteer};

const STAFF_ADMIN: &[Role] = &[Admin, Coordinator];
const STAFF: &[Role] = &[Cadre, Coordinator, Admin];
const CADRE: &[Role] = &[Cadre];
const MATCHERS: &[Role] = &[Cadre, Coordinator, Admin];
const VOLUNTEER: &[Role] = &[Volunteer];
const OFFER_READERS: &[Role] = &[Volunteer, Coordinator, Admin];

/// Every route of the service and who may call it.
pub const RULES: &[(&str, &str, Allow)] = &[
    ("GET", "/healthz", Allow::Anyone),
    ("GET", "/readyz", Allow::Anyone),
    ("GET", "/metrics", Allow::Anyone),
    ("GET", "/docs", Allow::Anyone),
    ("GET", "/docs/{tail}*", Allow::Anyone),
    ("GET", "/api/v1/openapi.json", Allow::Anyone),
    // Web pages check their own forms' CSRF tokens.
    ("GET", "/", Allow::Anyone),
    ("GET", "/login", Allow::Anyone),
    ("POST", "/login", Allow::Anyone),
    ("POST", "/logout", Allow::Anyone),
    ("GET", "/verify", Allow::Anyone),
    ("POST", "/verify", Allow::Anyone),
    ("GET", "/password", Allow::Anyone),
    ("POST", "/password", Allow::Anyone),
    // Sends visitors to /login and volunteers a refusal itself.
    ("GET", "/reports", Allow::Anyone),
    ("GET", "/api/v1/regions", Allow::Anyone),
    ("GET", "/api/v1/regions/{code}", Allow::Anyone),
    ("POST", "/api/v1/auth/register", Allow::Anyone),
    ("POST", "/api/v1/auth/verify", Allow::Anyone),
    ("POST", "/api/v1/auth/login", Allow::Anyone),
    ("POST", "/api/v1/auth/forgot", Allow::Anyone),
    ("POST", "/api/v1/auth/password", Allow::Anyone),
    ("POST", "/api/v1/auth/logout", Allow::AnyUser),
    ("GET", "/api/v1/me", Allow::AnyUser),
    ("POST", "/api/v1/users", Allow::Roles(STAFF_ADMIN)),
    ("POST", "/api/v1/households", Allow::Roles(STAFF)),
    ("GET", "/api/v1/households", Allow::Roles(STAFF)),
    ("GET", "/api/v1/households/export", Allow::Roles(STAFF)),
    ("GET", "/api/v1/households/{id}", Allow::Roles(STAFF)),
    ("PATCH", "/api/v1/households/{id}", Allow::Roles(STAFF)),
    ("POST", "/api/v1/imports/households", Allow::Roles(STAFF)),
    ("POST", "/api/v1/needs", Allow::Roles(CADRE)),
    ("GET", "/api/v1/needs", Allow::AnyUser),
    ("GET", "/api/v1/needs/{id}", Allow::AnyUser),
    ("PATCH", "/api/v1/needs/{id}", Allow::Roles(CADRE)),
    ("POST", "/api/v1/needs/{id}/cancel", Allow::Roles(CADRE)),
    (
        "GET",
        "/api/v1/needs/{id}/candidates",
        Allow::Roles(MATCHERS),
    ),
    ("POST", "/api/v1/offers", Allow::Roles(VOLUNTEER)),
    ("GET", "/api/v1/offers", Allow::Roles(OFFER_READERS)),
    ("GET", "/api/v1/offers/{id}", Allow::Roles(OFFER_READERS)),
    ("PATCH", "/api/v1/offers/{id}", Allow::Roles(VOLUNTEER)),
    ("POST", "/api/v1/offers/{id}/pause", Allow::Roles(VOLUNTEER)),
    (
        "POST",
        "/api/v1/offers/{id}/resume",
        Allow::Roles(VOLUNTEER),
    ),
    (
        "POST",
        "/api/v1/offers/{id}/withdraw",
        Allow::Roles(VOLUNTEER),
    ),
    (
        "GET",
        "/api/v1/offers/{id}/suggestions",
        Allow::Roles(VOLUNTEER),
    ),
    ("POST", "/api/v1/needs/{id}/claim", Allow::Roles(VOLUNTEER)),
    ("POST", "/api/v1/matches", Allow::Roles(STAFF_ADMIN)),
    ("GET", "/api/v1/matches", Allow::AnyUser),
    ("GET", "/api/v1/matches/{id}", Allow::AnyUser),
    ("GET", "/api/v1/matches/{id}/events", Allow::AnyUser),
    (
        "POST",
        "/api/v1/matches/{id}/accept",
        Allow::Roles(VOLUNTEER),
    ),
    (
        "POST",
        "/api/v1/matches/{id}/decline",
        Allow::Roles(VOLUNTEER),
    ),
    ("POST", "/api/v1/matches/{id}/complete", Allow::Roles(CADRE)),
    ("POST", "/api/v1/matches/{id}/cancel", Allow::AnyUser),
    ("GET", "/m/{token}/{action}", Allow::Anyone),
    ("POST", "/m/{token}/{action}", Allow::Anyone),
    ("POST", "/api/v1/rounds", Allow::Roles(STAFF_ADMIN)),
    ("GET", "/api/v1/rounds", Allow::Roles(MATCHERS)),
    ("GET", "/api/v1/rounds/{id}", Allow::Roles(MATCHERS)),
    ("GET", "/api/v1/stats/summary", Allow::Roles(STAFF)),
    ("GET", "/api/v1/stats/breakdown", Allow::Roles(STAFF)),
    ("GET", "/api/v1/stats/export", Allow::Roles(STAFF)),
];

/// Roles whose members the caller may create: admins any, coordinators
/// cadres (inside their region).
pub fn may_create(creator: Role, role: Role) -> bool {
    match creator {
        Admin => true,
        Coordinator => role == Cadre,
        _ => false,
    }
}

/// What the policy says of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A rule names this method and path.
    Rule(Allow),
    /// Some rule names the path, for another method: let routing answer 405.
    OtherMethod,
    /// No rule names the path.
    Unknown,
}

/// The rules' patterns, compiled once.
static COMPILED: std::sync::LazyLock<Vec<(&'static str, ResourceDef, Allow)>> =
    std::sync::LazyLock::new(|| {
        RULES
            .iter()
            .map(|(method, pattern, allow)| (*method, ResourceDef::new(*pattern), *allow))
            .collect()
    });

/// Looks up the rule for a request.
pub fn decide(method: &Method, path: &str) -> Decision {
    let mut path_known = false;
    for (rule_method, pattern, allow) in COMPILED.iter() {
        if pattern.is_match(path) {
            if method.as_str() == *rule_method || (method == Method::HEAD && *rule_method == "GET")
            {
                return Decision::Rule(*allow);
            }
            path_known = true;
        }
    }
    if path_known {
        Decision::OtherMethod
    } else {
        Decision::Unknown
    }
}

/// Whether a documented operation needs a login, for the OpenAPI document.
pub fn needs_login(method: &str, pattern: &str) -> bool {
    RULES.iter().any(|(m, p, allow)| {
        m.eq_ignore_ascii_case(method) && *p == pattern && *allow != Allow::Anyone
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_reach_their_prefix_and_admins_everything() {
        let caller = |role, region: Option<&str>| Caller {
            user_id: Uuid::nil(),
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
    fn rules_are_found_by_pattern_and_method() {
        assert_eq!(
            decide(&Method::GET, "/api/v1/regions/430525000000"),
            Decision::Rule(Allow::Anyone)
        );
        assert_eq!(
            decide(&Method::DELETE, "/api/v1/regions"),
            Decision::OtherMethod
        );
        assert_eq!(decide(&Method::GET, "/api/v1/nothing"), Decision::Unknown);
        assert_eq!(
            decide(&Method::GET, "/docs/index.css"),
            Decision::Rule(Allow::Anyone)
        );
        assert_eq!(
            decide(&Method::POST, "/api/v1/users"),
            Decision::Rule(Allow::Roles(STAFF_ADMIN))
        );
    }

    #[test]
    fn coordinators_create_only_cadres() {
        assert!(may_create(Coordinator, Cadre));
        assert!(!may_create(Coordinator, Coordinator));
        assert!(!may_create(Coordinator, Admin));
        assert!(may_create(Admin, Coordinator));
        assert!(!may_create(Cadre, Cadre));
    }
}
