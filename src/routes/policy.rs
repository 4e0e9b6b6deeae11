//! Authorization of routes in one place: who may call each route. A route
//! without a rule here is refused (and the policy test, which walks the
//! OpenAPI document, fails). Which objects a caller reaches is the domain's
//! rule (`domain::caller`).

use actix_web::dev::ResourceDef;
use actix_web::http::Method;

use crate::domain::Role;

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
const COORDINATOR: &[Role] = &[Coordinator];
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
    ("GET", "/assets/{file}", Allow::Anyone),
    ("GET", "/assets/images/{file}", Allow::Anyone),
    ("GET", "/lang/{locale}", Allow::Anyone),
    ("GET", "/login", Allow::Anyone),
    ("POST", "/login", Allow::Anyone),
    ("POST", "/logout", Allow::Anyone),
    ("GET", "/register", Allow::Anyone),
    ("POST", "/register", Allow::Anyone),
    ("GET", "/forgot", Allow::Anyone),
    ("POST", "/forgot", Allow::Anyone),
    // The volunteer's pages send visitors to /login and others a refusal
    // themselves (`Site::only`).
    ("GET", "/account", Allow::Anyone),
    ("GET", "/account/delete", Allow::Anyone),
    ("POST", "/account/delete", Allow::Anyone),
    ("GET", "/offers", Allow::Anyone),
    ("GET", "/offers/new", Allow::Anyone),
    ("POST", "/offers/new", Allow::Anyone),
    ("GET", "/offers/{id}", Allow::Anyone),
    ("POST", "/offers/{id}", Allow::Anyone),
    ("POST", "/offers/{id}/{action}", Allow::Anyone),
    ("GET", "/needs", Allow::Anyone),
    ("GET", "/needs/map", Allow::Anyone),
    ("GET", "/needs/map/data", Allow::Anyone),
    ("GET", "/needs/{id}", Allow::Anyone),
    ("POST", "/needs/{id}/claim", Allow::Anyone),
    // The cadre's pages, likewise (`Site::only(Role::Cadre)`). `/needs/{id}`
    // and `/matches/{id}` serve staff and volunteers each their own page.
    ("GET", "/work", Allow::Anyone),
    // The standing help's pages check their own roles (cadre, helper).
    ("GET", "/pairings", Allow::Anyone),
    ("POST", "/pairings/standing", Allow::Anyone),
    ("GET", "/pairings/{id}", Allow::Anyone),
    ("POST", "/pairings/{id}/end", Allow::Anyone),
    ("POST", "/households/{id}/key", Allow::Anyone),
    ("POST", "/households/{id}/unkey", Allow::Anyone),
    ("POST", "/households/{id}/pair", Allow::Anyone),
    ("GET", "/visits/new", Allow::Anyone),
    ("POST", "/visits/new", Allow::Anyone),
    ("GET", "/suggestions", Allow::Anyone),
    ("POST", "/suggestions/{id}/{answer}", Allow::Anyone),
    ("GET", "/meetings", Allow::Anyone),
    ("GET", "/meetings/new", Allow::Anyone),
    ("POST", "/meetings/new", Allow::Anyone),
    ("GET", "/meetings/{id}", Allow::Anyone),
    ("GET", "/households", Allow::Anyone),
    ("GET", "/households/new", Allow::Anyone),
    ("POST", "/households/new", Allow::Anyone),
    ("GET", "/households/import", Allow::Anyone),
    ("POST", "/households/import", Allow::Anyone),
    ("GET", "/households/template.xlsx", Allow::Anyone),
    ("GET", "/households/{id}", Allow::Anyone),
    ("GET", "/households/{id}/edit", Allow::Anyone),
    ("POST", "/households/{id}/edit", Allow::Anyone),
    ("GET", "/households/{id}/needs/new", Allow::Anyone),
    ("POST", "/households/{id}/needs/new", Allow::Anyone),
    ("GET", "/needs/{id}/edit", Allow::Anyone),
    ("POST", "/needs/{id}/edit", Allow::Anyone),
    ("POST", "/needs/{id}/cancel", Allow::Anyone),
    ("POST", "/needs/{id}/acknowledge", Allow::Anyone),
    ("GET", "/matches", Allow::Anyone),
    ("GET", "/matches/{id}", Allow::Anyone),
    ("POST", "/matches/{id}/{action}", Allow::Anyone),
    ("GET", "/verify", Allow::Anyone),
    ("POST", "/verify", Allow::Anyone),
    ("GET", "/password", Allow::Anyone),
    ("POST", "/password", Allow::Anyone),
    // Sends visitors to /login and volunteers a refusal itself.
    ("GET", "/reports", Allow::Anyone),
    // The coordinator's follow-up page refuses others itself.
    ("GET", "/followup", Allow::Anyone),
    ("GET", "/followup.csv", Allow::Anyone),
    ("POST", "/followup/nudge", Allow::Anyone),
    ("POST", "/followup/offers/{id}/pause", Allow::Anyone),
    // The admin's pages (coordinators: /staff for their cadres), likewise.
    ("GET", "/staff", Allow::Anyone),
    ("GET", "/staff/new", Allow::Anyone),
    ("POST", "/staff/new", Allow::Anyone),
    ("GET", "/staff/{id}", Allow::Anyone),
    ("POST", "/staff/{id}", Allow::Anyone),
    ("GET", "/staff/{id}/active", Allow::Anyone),
    ("POST", "/staff/{id}/active", Allow::Anyone),
    ("GET", "/villages", Allow::Anyone),
    ("POST", "/villages", Allow::Anyone),
    ("POST", "/villages/apply", Allow::Anyone),
    // The rounds' pages refuse all but coordinators and admins themselves.
    ("GET", "/rounds", Allow::Anyone),
    ("POST", "/rounds", Allow::Anyone),
    ("GET", "/rounds.csv", Allow::Anyone),
    ("GET", "/rounds/preview", Allow::Anyone),
    ("GET", "/rounds/{id}", Allow::Anyone),
    // The coordinators' pages, likewise (`web::coordinator`).
    ("GET", "/waiting", Allow::Anyone),
    ("GET", "/waiting/export", Allow::Anyone),
    ("GET", "/map", Allow::Anyone),
    ("GET", "/map/data", Allow::Anyone),
    ("POST", "/needs/{id}/propose", Allow::Anyone),
    ("GET", "/api/v1/regions", Allow::Anyone),
    ("GET", "/api/v1/regions/{code}", Allow::Anyone),
    ("POST", "/api/v1/auth/register", Allow::Anyone),
    ("POST", "/api/v1/auth/verify", Allow::Anyone),
    ("POST", "/api/v1/auth/login", Allow::Anyone),
    ("POST", "/api/v1/auth/forgot", Allow::Anyone),
    ("POST", "/api/v1/auth/password", Allow::Anyone),
    ("POST", "/api/v1/auth/logout", Allow::AnyUser),
    ("GET", "/api/v1/me", Allow::AnyUser),
    ("DELETE", "/api/v1/me", Allow::Roles(VOLUNTEER)),
    ("POST", "/api/v1/users", Allow::Roles(STAFF_ADMIN)),
    ("GET", "/api/v1/users", Allow::Roles(STAFF_ADMIN)),
    ("PATCH", "/api/v1/users/{id}", Allow::Roles(STAFF_ADMIN)),
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
        "POST",
        "/api/v1/needs/{id}/acknowledge",
        Allow::Roles(COORDINATOR),
    ),
    (
        "GET",
        "/api/v1/needs/{id}/candidates",
        Allow::Roles(MATCHERS),
    ),
    ("POST", "/api/v1/offers", Allow::Roles(VOLUNTEER)),
    ("GET", "/api/v1/offers", Allow::Roles(OFFER_READERS)),
    ("GET", "/api/v1/offers/{id}", Allow::Roles(OFFER_READERS)),
    ("PATCH", "/api/v1/offers/{id}", Allow::Roles(VOLUNTEER)),
    // Coordinators and admins pause offers they follow up, too.
    (
        "POST",
        "/api/v1/offers/{id}/pause",
        Allow::Roles(OFFER_READERS),
    ),
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
    ("POST", "/api/v1/households/{id}/key", Allow::Roles(CADRE)),
    ("DELETE", "/api/v1/households/{id}/key", Allow::Roles(CADRE)),
    ("PUT", "/api/v1/me/standing", Allow::Roles(VOLUNTEER)),
    ("GET", "/api/v1/helpers", Allow::Roles(STAFF)),
    ("POST", "/api/v1/pairings", Allow::Roles(CADRE)),
    ("GET", "/api/v1/pairings", Allow::AnyUser),
    ("GET", "/api/v1/pairings/{id}", Allow::AnyUser),
    ("POST", "/api/v1/pairings/{id}/end", Allow::Roles(CADRE)),
    (
        "POST",
        "/api/v1/visits",
        Allow::Roles(&[Volunteer, Cadre, Coordinator]),
    ),
    ("GET", "/api/v1/visits", Allow::AnyUser),
    ("GET", "/api/v1/suggestions", Allow::Roles(CADRE)),
    (
        "POST",
        "/api/v1/suggestions/{id}/confirm",
        Allow::Roles(CADRE),
    ),
    (
        "POST",
        "/api/v1/suggestions/{id}/dismiss",
        Allow::Roles(CADRE),
    ),
    ("POST", "/api/v1/meetings", Allow::Roles(CADRE)),
    ("GET", "/api/v1/meetings", Allow::Roles(STAFF)),
    ("GET", "/api/v1/meetings/{id}", Allow::Roles(STAFF)),
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
    (
        "POST",
        "/api/v1/matches/{id}/delivered",
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
    ("GET", "/api/v1/stats/pairings", Allow::Roles(STAFF)),
    ("GET", "/api/v1/stats/pairings/export", Allow::Roles(STAFF)),
];

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

/// Routes behind a login that a cadre or coordinator without a readable
/// region may still call: their own account and logging out read no
/// region's data, and let them see why everything else is refused.
const WITHOUT_REGION: &[(&str, &str)] = &[("GET", "/api/v1/me"), ("POST", "/api/v1/auth/logout")];

/// Pages open to anyone that show a logged-in caller their region's data.
const REGIONAL_PAGES: &[(&str, &str)] = &[
    ("GET", "/reports"),
    ("GET", "/followup"),
    ("GET", "/followup.csv"),
    ("POST", "/followup/nudge"),
];

/// Whether a request reads or changes data by the caller's region, so that
/// a cadre or coordinator without one is refused it (their lists would
/// otherwise be filtered by no region, i.e. show every region). Every route
/// behind a login counts unless listed in `WITHOUT_REGION`: a route added
/// later is refused to them until someone decides otherwise.
pub fn needs_region(method: &Method, path: &str) -> bool {
    let listed = |list: &[(&str, &str)]| {
        list.iter().any(|(m, p)| {
            *p == path && (method.as_str() == *m || (method == Method::HEAD && *m == "GET"))
        })
    };
    match decide(method, path) {
        Decision::Rule(Allow::Anyone) => listed(REGIONAL_PAGES),
        Decision::Rule(_) => !listed(WITHOUT_REGION),
        Decision::OtherMethod | Decision::Unknown => false,
    }
}

/// Why a logged-in caller is refused a route, where a bare 403 would leave
/// them guessing what to do instead.
pub fn refusal(method: &Method, path: &str) -> Option<crate::i18n::Text> {
    (method == Method::DELETE && path == "/api/v1/me").then(|| {
        crate::i18n::Text::fixed(
            "工作人员的账号由管理员停用，不能在这里删除",
            "Staff accounts are deactivated by an administrator, not deleted here",
        )
    })
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
    fn routes_behind_a_login_need_a_region_except_the_account_itself() {
        for (method, path) in [
            (Method::GET, "/api/v1/households"),
            (Method::GET, "/api/v1/needs"),
            (
                Method::GET,
                "/api/v1/rounds/0190d1c4-0000-7000-8000-000000000000",
            ),
            (Method::GET, "/reports"),
        ] {
            assert!(needs_region(&method, path), "{method} {path}");
        }
        for (method, path) in [
            (Method::GET, "/api/v1/me"),
            (Method::POST, "/api/v1/auth/logout"),
            (Method::GET, "/login"),
            (Method::POST, "/logout"),
            (Method::GET, "/m/0000/accept"),
        ] {
            assert!(!needs_region(&method, path), "{method} {path}");
        }
    }
}
