//! The navigation each role sees at the top of every page.

use serde_json::{Value, json};

use crate::domain::Role;
use crate::i18n::{self, Text};

/// The sections a role works in: path and name.
fn sections(role: Option<Role>) -> &'static [(&'static str, Text)] {
    const VISITOR: &[(&str, Text)] = &[
        ("/login", Text::fixed("登录", "Log in")),
        ("/register", Text::fixed("注册", "Register")),
    ];
    const VOLUNTEER: &[(&str, Text)] = &[
        ("/needs", Text::fixed("附近需求", "Needs near me")),
        ("/matches", Text::fixed("我的帮扶", "My matches")),
        ("/offers", Text::fixed("我能提供", "My offers")),
        ("/pairings", Text::fixed("结对帮扶", "Standing help")),
    ];
    const CADRE: &[(&str, Text)] = &[
        ("/work", Text::fixed("工作清单", "My work")),
        ("/households", Text::fixed("困难户", "Households")),
        ("/households/import", Text::fixed("导入表格", "Import")),
        ("/pairings", Text::fixed("结对走访", "Pairings")),
        ("/meetings", Text::fixed("院落会", "Meetings")),
        ("/reports", Text::fixed("统计报表", "Reports")),
    ];
    const COORDINATOR: &[(&str, Text)] = &[
        ("/reports", Text::fixed("调度看板", "Dashboard")),
        ("/waiting", Text::fixed("待匹配", "Waiting needs")),
        ("/map", Text::fixed("地图", "Map")),
        ("/rounds", Text::fixed("匹配轮次", "Rounds")),
        ("/followup", Text::fixed("跟进", "Follow-up")),
        ("/staff", Text::fixed("村干部", "Cadres")),
    ];
    const ADMIN: &[(&str, Text)] = &[
        ("/reports", Text::fixed("调度看板", "Dashboard")),
        ("/waiting", Text::fixed("待匹配", "Waiting needs")),
        ("/map", Text::fixed("地图", "Map")),
        ("/rounds", Text::fixed("匹配轮次", "Rounds")),
        ("/followup", Text::fixed("跟进", "Follow-up")),
        ("/staff", Text::fixed("人员", "Staff")),
        ("/villages", Text::fixed("村庄", "Villages")),
    ];
    match role {
        None => VISITOR,
        Some(Role::Volunteer) => VOLUNTEER,
        Some(Role::Cadre) => CADRE,
        Some(Role::Coordinator) => COORDINATOR,
        Some(Role::Admin) => ADMIN,
    }
}

/// The navigation links for `role`, the one holding `here` marked current.
pub fn items(role: Option<Role>, here: &str) -> Vec<Value> {
    let path = here.split('?').next().unwrap_or(here);
    let sections = sections(role);
    // The longest section that holds the path is the current one: the
    // import page is not also "households".
    let current = sections
        .iter()
        .map(|(href, _)| *href)
        .filter(|href| path == *href || path.starts_with(&format!("{href}/")))
        .max_by_key(|href| href.len());
    sections
        .iter()
        .map(|(href, name)| {
            json!({"href": href, "label": name.get(i18n::current()), "current": current == Some(*href)})
        })
        .collect()
}
