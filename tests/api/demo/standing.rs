//! The demo's standing help (户帮户亲帮亲) checked row by row: the rules
//! of pairings, visits and courtyard meetings as SQL that must find
//! nothing, pairing first in the history, and the real county's
//! proportions of key households, helpers and liaisons.

use std::collections::{HashMap, HashSet};

use huzhu::domain::Role;
use huzhu::domain::household::HouseholdTag;
use huzhu::domain::pairing::next_visit_due;
use huzhu::store::entity::{pairing, visit};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::Value;

use super::fill;
use super::invariants::count;
use crate::helpers::spawn_app;

/// The real county: key households, main helpers and liaisons.
const COUNTY: (f64, f64, f64) = (1_874.0, 1_237.0, 404.0);
/// Three days: needs raised at a meeting are posted within them.
const RAISED_WITHIN_MS: i64 = 3 * 86_400_000;

/// Each query counts the rows that break the rule named beside it.
fn rules(now: i64) -> Vec<(&'static str, String)> {
    let reasons: Vec<String> = HouseholdTag::ALL
        .iter()
        .map(|t| format!("'{}'", t.code()))
        .collect();
    let running =
        "p.started_at <= n.posted_at AND (p.ended_at IS NULL OR p.ended_at > n.posted_at)";
    vec![
        ("a pairing's household is key, marked before the pairing began",
            "SELECT COUNT(*) FROM pairings p LEFT JOIN key_households k ON k.household_id = p.household_id \
             WHERE k.household_id IS NULL OR k.marked_at > p.started_at".into()),
        ("a key household's reason is a tag's code", format!(
            "SELECT COUNT(*) FROM key_households WHERE reason NOT IN ({})", reasons.join(", "))),
        ("no household has two active pairings",
            "SELECT COUNT(*) FROM (SELECT household_id FROM pairings WHERE ended_at IS NULL \
             GROUP BY household_id HAVING COUNT(*) > 1) x".into()),
        ("a household's pairings follow one another",
            "SELECT COUNT(*) FROM pairings a JOIN pairings b ON a.household_id = b.household_id AND a.id <> b.id \
             WHERE a.started_at <= b.started_at AND (a.ended_at IS NULL OR a.ended_at > b.started_at)".into()),
        ("no helper has more than 3 active pairings",
            "SELECT COUNT(*) FROM (SELECT helper_id FROM pairings WHERE ended_at IS NULL \
             GROUP BY helper_id HAVING COUNT(*) > 3) x".into()),
        ("a helper is a volunteer who agreed to standing pairings before the pairing began",
            "SELECT COUNT(*) FROM pairings p JOIN users u ON u.id = p.helper_id \
             LEFT JOIN standing_helpers s ON s.user_id = p.helper_id \
             WHERE u.role <> 'volunteer' OR s.user_id IS NULL OR s.since > p.started_at".into()),
        ("a liaison is a volunteer or a cadre, not the helper",
            "SELECT COUNT(*) FROM pairings p JOIN users u ON u.id = p.liaison_id \
             WHERE u.role NOT IN ('volunteer', 'cadre') OR p.liaison_id = p.helper_id".into()),
        ("a pairing is in its household's village, made by its cadre, ended only with a reason", format!(
            "SELECT COUNT(*) FROM pairings p JOIN households h ON h.id = p.household_id \
             WHERE p.region <> h.region OR p.created_by <> h.created_by \
             OR (p.ended_at IS NULL) <> (p.end_reason IS NULL) OR p.ended_at <= p.started_at \
             OR p.started_at > {now} OR p.reminded_due IS NOT NULL \
             OR p.visit_every_days NOT BETWEEN 7 AND 365")),
        ("a pairing's last visit is its latest visit",
            "SELECT COUNT(*) FROM pairings p WHERE COALESCE(p.last_visit_at, -1) <> \
             COALESCE((SELECT MAX(v.at) FROM visits v WHERE v.pairing_id = p.id), -1)".into()),
        ("a visit's pairing is its household's, running then, and its visitor serves in it",
            "SELECT COUNT(*) FROM visits v LEFT JOIN pairings p ON p.id = v.pairing_id \
             WHERE v.pairing_id IS NOT NULL AND (p.id IS NULL OR p.household_id <> v.household_id \
             OR v.at < p.started_at OR v.at > COALESCE(p.ended_at, v.at) \
             OR v.visitor_id NOT IN (p.helper_id, COALESCE(p.liaison_id, p.helper_id)))".into()),
        ("a pairing visit has its pairing",
            "SELECT COUNT(*) FROM visits WHERE kind = 'pairing' AND pairing_id IS NULL".into()),
        ("a visit is of a known kind, and only 亲邻返乡 names a relation",
            "SELECT COUNT(*) FROM visits WHERE kind NOT IN ('pairing', 'cadre', 'relatives') \
             OR (kind = 'relatives') <> (relation IS NOT NULL)".into()),
        ("a visit is in its household's village, after it was registered, logged after it, not later than now", format!(
            "SELECT COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id \
             WHERE v.region <> h.region OR v.at < h.created_at OR v.created_at < v.at \
             OR v.created_at > {now}")),
        ("a cadre's visit and a visit home to relatives are a cadre's in reach",
            "SELECT COUNT(*) FROM visits v JOIN users u ON u.id = v.visitor_id \
             WHERE v.kind IN ('cadre', 'relatives') AND (u.role <> 'cadre' OR v.region NOT LIKE u.region || '%')".into()),
        ("a need raised at a visit is its household's, posted after it",
            "SELECT COUNT(*) FROM raised_needs r JOIN visits v ON v.id = r.visit_id \
             JOIN needs n ON n.id = r.need_id WHERE n.household_id <> v.household_id OR n.posted_at < v.at".into()),
        ("a need raised at a meeting is its village's, posted within three days of it", format!(
            "SELECT COUNT(*) FROM raised_needs r JOIN meetings m ON m.id = r.meeting_id \
             JOIN needs n ON n.id = r.need_id WHERE n.region <> m.region OR n.posted_at < m.held_on \
             OR n.posted_at >= m.held_on + {RAISED_WITHIN_MS}")),
        ("a raised need was raised at one visit or one meeting, which exists",
            "SELECT COUNT(*) FROM raised_needs r WHERE (r.visit_id IS NULL) = (r.meeting_id IS NULL) \
             OR (r.visit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = r.visit_id)) \
             OR (r.meeting_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM meetings m WHERE m.id = r.meeting_id))".into()),
        ("a meeting is held in a village by its cadre, 10 to 40 attending, logged after", format!(
            "SELECT COUNT(*) FROM meetings m JOIN users u ON u.id = m.created_by \
             LEFT JOIN regions r ON r.code = m.region AND r.level = 'village' \
             WHERE r.code IS NULL OR u.role <> 'cadre' OR m.region NOT LIKE u.region || '%' \
             OR m.attendance NOT BETWEEN 10 AND 40 OR m.created_at < m.held_on OR m.created_at > {now}")),
        ("a helper's suggestion was confirmed as the need raised at their visit",
            "SELECT COUNT(*) FROM need_suggestions s LEFT JOIN raised_needs r \
             ON r.need_id = s.need_id AND r.visit_id = s.visit_id \
             WHERE s.status <> 'confirmed' OR r.need_id IS NULL OR s.decided_at < s.created_at".into()),
        ("a need raised at a volunteer's visit went through a suggestion",
            "SELECT COUNT(*) FROM raised_needs r JOIN visits v ON v.id = r.visit_id \
             JOIN users u ON u.id = v.visitor_id WHERE u.role = 'volunteer' \
             AND NOT EXISTS (SELECT 1 FROM need_suggestions s WHERE s.need_id = r.need_id)".into()),
        ("exactly the pairing-first matches have no offer",
            "SELECT COUNT(*) FROM matches WHERE (offer_id IS NULL) <> (origin = 'pairing')".into()),
        ("pairing first goes to the helper of the pairing running as the need was posted, at once", format!(
            "SELECT COUNT(*) FROM matches m JOIN needs n ON n.id = m.need_id WHERE m.origin = 'pairing' \
             AND (m.created_at <> n.posted_at OR NOT EXISTS (SELECT 1 FROM pairings p \
             WHERE p.household_id = n.household_id AND p.helper_id = m.volunteer_id AND {running}))")),
        ("every need posted while a pairing ran was put to its helper first", format!(
            "SELECT COUNT(*) FROM needs n JOIN pairings p ON p.household_id = n.household_id AND {running} \
             WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.need_id = n.id \
             AND m.origin = 'pairing' AND m.volunteer_id = p.helper_id)")),
    ]
}

fn near(value: f64, expected: f64, tolerance: f64) -> bool {
    (value - expected).abs() <= tolerance
}

#[tokio::test]
async fn the_demo_pairs_key_households_in_the_county_proportions_and_keeps_every_rule() {
    let app = spawn_app().await;
    let summary = fill(&app).await;
    let db = &app.context.db;
    let now = huzhu::store::now_ms();
    let mut broken = Vec::new();
    for (rule, sql) in rules(now) {
        let n = count(db, &sql).await;
        if n != 0 {
            broken.push(format!("{rule}: {n} rows"));
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    // The rules can see a broken row: break two and look.
    for sql in [
        "UPDATE pairings SET last_visit_at = NULL WHERE id = \
         (SELECT pairing_id FROM visits WHERE pairing_id IS NOT NULL ORDER BY id LIMIT 1)",
        "UPDATE matches SET origin = 'manual' WHERE id = \
         (SELECT id FROM matches WHERE origin = 'pairing' ORDER BY id LIMIT 1)",
    ] {
        db.execute_unprepared(sql).await.expect("break a row");
    }
    let mut seen = Vec::new();
    for (rule, sql) in rules(now) {
        if rule.contains("latest visit") || rule.contains("have no offer") {
            seen.push(count(db, &sql).await);
        }
    }
    assert_eq!(seen, [1, 1]);
    let waiting = huzhu::store::needs::unoffered_to_helpers(db)
        .await
        .expect("query");
    assert!(waiting.is_empty(), "pairing first has nothing to catch up");

    let pairings = pairing::Entity::find().all(db).await.expect("pairings");
    let active: Vec<&pairing::Model> = pairings.iter().filter(|p| p.ended_at.is_none()).collect();
    let keys = count(db, "SELECT COUNT(*) FROM key_households").await as f64;
    let helpers: HashSet<_> = active.iter().map(|p| p.helper_id).collect();
    let liaisons: HashSet<_> = active.iter().filter_map(|p| p.liaison_id).collect();
    let (k, h, l) = COUNTY;
    assert!(
        (40.0..=60.0).contains(&keys),
        "{keys} key households of 2,000"
    );
    let ratio = |n: usize| n as f64 / keys;
    assert!(
        near(ratio(helpers.len()), h / k, 0.08),
        "{} helpers",
        helpers.len()
    );
    assert!(
        near(ratio(liaisons.len()), l / k, 0.06),
        "{} liaisons",
        liaisons.len()
    );
    let paired = ratio(active.len());
    assert!(
        (0.9..1.0).contains(&paired),
        "{paired} of key households paired"
    );
    let per_helper = active.len() as f64 / helpers.len() as f64;
    assert!(
        (1.2..=1.8).contains(&per_helper),
        "{per_helper} households a helper"
    );
    let with_liaison = active.iter().filter(|p| p.liaison_id.is_some()).count() as f64;
    assert!(
        near(with_liaison / active.len() as f64, 0.25, 0.1),
        "{with_liaison} with a liaison"
    );
    let ended: Vec<_> = pairings.iter().filter(|p| p.ended_at.is_some()).collect();
    let repaired = ended
        .iter()
        .filter(|e| active.iter().any(|p| p.household_id == e.household_id))
        .count();
    assert!(
        repaired >= 1 && repaired < ended.len(),
        "{} ended, {repaired} paired again",
        ended.len()
    );
    let overdue = active
        .iter()
        .filter(|p| next_visit_due(p.started_at, p.last_visit_at, p.visit_every_days) < now)
        .count();
    assert!(
        overdue >= 1 && overdue * 3 < active.len(),
        "{overdue} overdue"
    );

    let visits = visit::Entity::find().all(db).await.expect("visits");
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for v in &visits {
        *kinds.entry(v.kind.as_str()).or_default() += 1;
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(
        kinds["pairing"] > kinds["cadre"] && kinds["cadre"] > kinds["relatives"],
        "{kinds:?}"
    );
    let meetings = count(
        db,
        "SELECT COUNT(*) FROM (SELECT SUBSTR(region, 1, 9) t, COUNT(*) c FROM meetings \
         GROUP BY SUBSTR(region, 1, 9) HAVING COUNT(*) BETWEEN 1 AND 3) x",
    )
    .await;
    assert_eq!(meetings, 23, "one to three meetings in every township");

    let s = &summary.standing;
    assert_eq!(
        (s.key_households, s.paired, s.liaisons, s.pairings, s.visits),
        (
            keys as usize,
            active.len(),
            liaisons.len(),
            pairings.len(),
            visits.len()
        )
    );
    assert_eq!(
        s.helpers as i64,
        count(db, "SELECT COUNT(*) FROM standing_helpers").await
    );
    assert!(s.helpers >= helpers.len());

    // The county's figures of all of it are non-zero.
    let token = app
        .login(&app.create_user(Role::Coordinator, Some("430525")).await)
        .await;
    let response = app.get_with("/api/v1/stats/pairings", &token).await;
    assert_eq!(response.status().as_u16(), 200);
    let figures: Value = response.json().await.expect("JSON");
    for figure in [
        "key_households_paired",
        "helpers",
        "liaisons",
        "visits_due",
        "visits_done",
        "visits_overdue",
        "cadre_visits",
        "relatives_visits",
        "raised_at_visits",
        "raised_at_visits_fulfilled",
        "meetings",
        "meeting_attendance",
        "raised_at_meetings",
        "raised_at_meetings_fulfilled",
        "pairing_proposals",
        "pairing_accepted",
    ] {
        assert!(
            figures[figure].as_u64() > Some(0),
            "{figure}: {}",
            figures[figure]
        );
    }
    assert_eq!(
        figures["raised_at_visits"].as_u64(),
        Some(s.raised_at_visits as u64)
    );
    assert_eq!(
        figures["raised_at_meetings"].as_u64(),
        Some(s.raised_at_meetings as u64)
    );
}
