//! What `huzhu demo` tells its user: what it created, the figures that
//! follow from it, and the demo logins with their passwords.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use super::standing::Standing;
use super::{Built, Options, accounts};
use crate::domain::{NeedStatus, Role};

/// The fresh password of each kind of account.
pub struct Passwords {
    pub admin: String,
    pub coordinator: String,
    pub cadre: String,
    pub volunteer: String,
}

impl Passwords {
    pub fn fresh(mut make: impl FnMut() -> String) -> Self {
        Self {
            admin: make(),
            coordinator: make(),
            cadre: make(),
            volunteer: make(),
        }
    }
}

/// A demo account to log in with.
#[derive(Debug, Clone)]
pub struct Login {
    pub role: String,
    pub email: String,
    pub password: String,
    /// The region prefix and its name, for staff.
    pub region: Option<(String, String)>,
}

/// What the demo created.
#[derive(Debug, Clone)]
pub struct Summary {
    pub seed: u64,
    pub villages: usize,
    pub households: usize,
    pub needs: usize,
    pub volunteers: usize,
    pub offers: usize,
    pub rounds: usize,
    /// Matches by status.
    pub matches: BTreeMap<String, usize>,
    /// Needs by status.
    pub need_status: BTreeMap<String, usize>,
    /// Needs that ever had an accepted match ÷ needs posted.
    pub match_rate: f64,
    /// Needs fulfilled ÷ needs posted.
    pub fulfilment_rate: f64,
    /// The standing help (户帮户亲帮亲).
    pub standing: StandingSummary,
    /// The admin, the coordinator and the cadres.
    pub staff: Vec<Login>,
    /// Every volunteer shares one password; the first and last address.
    pub volunteer_logins: (String, String, String),
    pub elapsed: Duration,
}

/// What the demo created of the standing help.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StandingSummary {
    /// Key households (重点户), and those with an active pairing.
    pub key_households: usize,
    pub paired: usize,
    /// Volunteers who agreed to standing pairings (主体帮扶人).
    pub helpers: usize,
    /// Distinct liaisons (帮扶联络员) of the active pairings.
    pub liaisons: usize,
    pub pairings: usize,
    pub visits: usize,
    pub meetings: usize,
    /// Needs raised at visits and at courtyard meetings.
    pub raised_at_visits: usize,
    pub raised_at_meetings: usize,
}

impl StandingSummary {
    fn of(s: &Standing) -> Self {
        let active = || s.pairings.iter().filter(|p| p.ended_at.is_none());
        let liaisons: HashSet<_> = active().filter_map(|p| p.liaison_id).collect();
        let at_visits = s.raised.iter().filter(|r| r.visit_id.is_some()).count();
        Self {
            key_households: s.keys.len(),
            paired: active().count(),
            helpers: s.helpers.len(),
            liaisons: liaisons.len(),
            pairings: s.pairings.len(),
            visits: s.visits.len(),
            meetings: s.meetings.len(),
            raised_at_visits: at_visits,
            raised_at_meetings: s.raised.len() - at_visits,
        }
    }
}

impl Summary {
    pub(super) fn of(
        built: &Built,
        options: &Options,
        passwords: &Passwords,
        names: &HashMap<String, String>,
        elapsed: Duration,
    ) -> Self {
        let mut matches = BTreeMap::new();
        let mut accepted = HashSet::new();
        for m in &built.history.matches {
            *matches.entry(m.status.to_string()).or_default() += 1;
            if m.accepted_at.is_some() {
                accepted.insert(m.need_id);
            }
        }
        let mut need_status: BTreeMap<String, usize> = BTreeMap::new();
        for n in &built.needs {
            *need_status.entry(n.status.to_string()).or_default() += 1;
        }
        let posted = built.needs.len().max(1) as f64;
        let fulfilled = need_status
            .get(NeedStatus::Fulfilled.as_str())
            .copied()
            .unwrap_or(0);
        let staff = built
            .users
            .iter()
            .filter(|u| u.role != Role::Volunteer)
            .map(|u| Login {
                role: u.role.to_string(),
                email: u.email.clone(),
                password: match u.role {
                    Role::Admin => passwords.admin.clone(),
                    Role::Coordinator => passwords.coordinator.clone(),
                    Role::Cadre | Role::Volunteer => passwords.cadre.clone(),
                },
                region: u.region.as_ref().map(|r| {
                    let name = names
                        .get(&crate::domain::region::padded_code(r))
                        .cloned()
                        .unwrap_or_default();
                    (r.clone(), name)
                }),
            })
            .collect();
        Self {
            seed: options.seed,
            villages: built.regions.len(),
            households: built.households.len(),
            needs: built.needs.len(),
            volunteers: options.volunteers,
            offers: built.offers.len(),
            rounds: built.rounds.len(),
            matches,
            need_status,
            match_rate: accepted.len() as f64 / posted,
            fulfilment_rate: fulfilled as f64 / posted,
            standing: StandingSummary::of(&built.standing),
            staff,
            volunteer_logins: (
                accounts::volunteer_email(1),
                accounts::volunteer_email(options.volunteers),
                passwords.volunteer.clone(),
            ),
            elapsed,
        }
    }
}

fn counts(map: &BTreeMap<String, usize>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "演示数据已写入 / demo county created (seed {}, {:.1} s)",
            self.seed,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  村 villages {} (演示…村), 户 households {}, 需求 needs {}, 爱心人士 volunteers {}, 服务 offers {}, 匹配轮次 rounds {}",
            self.villages, self.households, self.needs, self.volunteers, self.offers, self.rounds
        )?;
        let total: usize = self.matches.values().sum();
        writeln!(f, "  匹配 matches {total}: {}", counts(&self.matches))?;
        writeln!(f, "  需求状态 needs: {}", counts(&self.need_status))?;
        writeln!(
            f,
            "  匹配率 match rate {:.1}%, 完成率 fulfilment rate {:.1}%",
            100.0 * self.match_rate,
            100.0 * self.fulfilment_rate
        )?;
        let s = &self.standing;
        writeln!(
            f,
            "  户帮户亲帮亲 standing help: 重点户 key households {}, 已结对 paired {}, 主体帮扶人 helpers {}, 帮扶联络员 liaisons {}, 结对 pairings {}",
            s.key_households, s.paired, s.helpers, s.liaisons, s.pairings
        )?;
        writeln!(
            f,
            "  走访 visits {}, 院落会 meetings {}, 走访提出需求 needs raised at visits {}, 院落会提出需求 needs raised at meetings {}",
            s.visits, s.meetings, s.raised_at_visits, s.raised_at_meetings
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "演示账号（密码只显示这一次）/ demo logins (passwords are shown only now):"
        )?;
        writeln!(
            f,
            "  {:<12} {:<32} {:<26} region",
            "role", "email", "password"
        )?;
        for login in &self.staff {
            let region = login
                .region
                .as_ref()
                .map(|(code, name)| format!("{code} {name}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {:<12} {:<32} {:<26} {region}",
                login.role, login.email, login.password
            )?;
        }
        let (first, last, password) = &self.volunteer_logins;
        writeln!(
            f,
            "  {:<12} {:<32} {:<26} (… {last}, 共用一个密码 one password for all)",
            Role::Volunteer,
            first,
            password
        )
    }
}
