//! The demo's history checked row by row: the rules of PRODUCT.md's life
//! cycle as SQL that must find nothing, docs/matching.md's eligibility and the
//! capacities over time in Rust, and the coverage the figures need.

use std::collections::{BTreeMap, HashMap, HashSet};

use huzhu::domain::household::{IdNumber, parse_tags};
use huzhu::domain::{Category, MatchStatus, NeedStatus, Phone};
use huzhu::matching::eligible_cost;
use huzhu::services::ranking::{need_input, offer_input};
use huzhu::store::entity::{household, matches, need, offer};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};

use super::fill;
use crate::helpers::spawn_app;

const LIVE: &str = "('proposed', 'accepted')";

/// Each query counts the rows that break the rule named beside it.
fn rules() -> Vec<(&'static str, String)> {
    vec![
        ("an offer's live_matches is its live matches, within capacity", format!(
            "SELECT COUNT(*) FROM offers o WHERE o.live_matches > o.capacity OR o.live_matches <> \
             (SELECT COUNT(*) FROM matches m WHERE m.offer_id = o.id AND m.status IN {LIVE})")),
        ("at most one live match per need", format!(
            "SELECT COUNT(*) FROM (SELECT need_id FROM matches WHERE status IN {LIVE} \
             GROUP BY need_id HAVING COUNT(*) > 1) x")),
        ("a need is matched exactly while it has a live match", format!(
            "SELECT COUNT(*) FROM needs n WHERE (n.status = 'matched') <> \
             EXISTS (SELECT 1 FROM matches m WHERE m.need_id = n.id AND m.status IN {LIVE})")),
        ("a need is fulfilled exactly when a match completed", 
            "SELECT COUNT(*) FROM needs n WHERE (n.status = 'fulfilled') <> \
             EXISTS (SELECT 1 FROM matches m WHERE m.need_id = n.id AND m.status = 'completed')".into()),
        ("a need is cancelled exactly when it has a reason",
            "SELECT COUNT(*) FROM needs WHERE (status = 'cancelled') <> (cancel_reason IS NOT NULL)".into()),
        ("statuses are the known ones",
            "SELECT COUNT(*) FROM needs WHERE status NOT IN ('open', 'matched', 'fulfilled', 'cancelled')".into()),
        ("a match is live exactly while it has not ended", format!(
            "SELECT COUNT(*) FROM matches WHERE (status IN {LIVE}) = (ended_at IS NOT NULL)")),
        ("a match was accepted exactly when its status says so",
            "SELECT COUNT(*) FROM matches WHERE (accepted_at IS NULL) <> \
             (status IN ('proposed', 'declined', 'expired'))".into()),
        ("claims are accepted at once, proposals expire after the TTL",
            "SELECT COUNT(*) FROM matches WHERE (origin = 'claim' AND \
             (accepted_at <> created_at OR expires_at IS NOT NULL)) OR \
             (origin <> 'claim' AND expires_at <> created_at + 259200000)".into()),
        ("a live proposal has not run out", format!(
            "SELECT COUNT(*) FROM matches WHERE status = 'proposed' AND expires_at < {}",
            huzhu::store::now_ms() - 120_000)),
        ("times follow each other",
            "SELECT COUNT(*) FROM matches m JOIN needs n ON n.id = m.need_id \
             JOIN offers o ON o.id = m.offer_id WHERE m.created_at < n.posted_at \
             OR m.created_at < o.created_at OR m.accepted_at < m.created_at \
             OR m.ended_at < COALESCE(m.accepted_at, m.created_at) OR m.updated_at < m.created_at".into()),
        ("a match's volunteer is its offer's",
            "SELECT COUNT(*) FROM matches m JOIN offers o ON o.id = m.offer_id \
             WHERE m.volunteer_id <> o.volunteer_id".into()),
        ("a need's matches follow one another", 
            "SELECT COUNT(*) FROM matches a JOIN matches b ON a.need_id = b.need_id AND a.id <> b.id \
             WHERE a.created_at <= b.created_at AND (a.ended_at IS NULL OR a.ended_at > b.created_at)".into()),
        ("no volunteer is given the same need again",
            "SELECT COUNT(*) FROM (SELECT need_id, volunteer_id FROM matches \
             GROUP BY need_id, volunteer_id HAVING COUNT(*) > 1) x".into()),
        ("every match has one event per step, the last its status",
            "SELECT COUNT(*) FROM matches m WHERE (SELECT COUNT(*) FROM match_events e WHERE e.match_id = m.id) <> \
             1 + CASE WHEN m.origin <> 'claim' AND m.accepted_at IS NOT NULL THEN 1 ELSE 0 END \
             + CASE WHEN m.ended_at IS NOT NULL THEN 1 ELSE 0 END \
             OR m.status <> (SELECT e.to_status FROM match_events e WHERE e.match_id = m.id \
             ORDER BY e.at DESC, e.id DESC LIMIT 1)".into()),
        ("a match's first event creates it as its origin says",
            "SELECT COUNT(*) FROM match_events e JOIN matches m ON m.id = e.match_id \
             WHERE e.from_status IS NULL AND (e.at <> m.created_at OR e.to_status <> \
             CASE WHEN m.origin = 'claim' THEN 'accepted' ELSE 'proposed' END)".into()),
        ("a cancelled match has a reason",
            "SELECT COUNT(*) FROM match_events WHERE to_status = 'cancelled' AND note IS NULL".into()),
        ("round matches have a round, and a round counts its matches",
            "SELECT COUNT(*) FROM matches WHERE (origin = 'round') <> (round_id IS NOT NULL)".into()),
        ("a round's matched is its matches",
            "SELECT COUNT(*) FROM rounds r WHERE r.matched <> \
             (SELECT COUNT(*) FROM matches m WHERE m.round_id = r.id)".into()),
        ("every proposal has its link token",
            "SELECT COUNT(*) FROM matches m WHERE m.origin <> 'claim' AND NOT EXISTS \
             (SELECT 1 FROM match_tokens t WHERE t.match_id = m.id)".into()),
        ("a need is its household's, posted by its township's cadre",
            "SELECT COUNT(*) FROM needs n JOIN households h ON h.id = n.household_id \
             JOIN users u ON u.id = n.created_by WHERE n.region <> h.region \
             OR n.posted_at < h.created_at OR u.role <> 'cadre' OR n.region NOT LIKE u.region || '%'".into()),
        ("every village has needs",
            "SELECT COUNT(*) FROM regions r WHERE r.level = 'village' AND \
             NOT EXISTS (SELECT 1 FROM needs n WHERE n.region = r.code)".into()),
        ("villages say they are demo data",
            "SELECT COUNT(*) FROM regions WHERE level = 'village' AND name NOT LIKE '演示%'".into()),
        ("every account is verified, under demo.invalid",
            "SELECT COUNT(*) FROM users WHERE verified = false OR email NOT LIKE '%@demo.invalid'".into()),
        ("no email is queued", "SELECT COUNT(*) FROM outbox".into()),
        ("a need's escalation is the highest level it recorded",
            "SELECT COUNT(*) FROM needs n WHERE COALESCE(n.escalation, '') <> COALESCE((SELECT \
             CASE MAX(CASE WHEN e.level = 'county' THEN 2 ELSE 1 END) WHEN 2 THEN 'county' WHEN 1 THEN 'township' END \
             FROM escalations e WHERE e.need_id = n.id), '')".into()),
        ("a need escalates at its first level's event, to its own township or county",
            "SELECT COUNT(*) FROM escalations e JOIN needs n ON n.id = e.need_id \
             WHERE e.at < n.escalated_at OR e.at < n.posted_at OR n.region NOT LIKE e.to_region || '%' \
             OR LENGTH(e.to_region) <> CASE e.level WHEN 'county' THEN 6 ELSE 9 END".into()),
        ("no need escalates before its age (half for the most urgent)",
            "SELECT COUNT(*) FROM escalations e JOIN needs n ON n.id = e.need_id WHERE e.at - n.posted_at <= \
             CASE e.level WHEN 'county' THEN 21 ELSE 7 END * 86400000 / CASE WHEN n.urgency >= 3 THEN 2 ELSE 1 END".into()),
    ]
}

pub(super) async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

#[tokio::test]
async fn the_demo_history_keeps_every_rule_of_the_life_of_a_need_and_a_match() {
    let app = spawn_app().await;
    fill(&app).await;
    let db = &app.context.db;
    let mut broken = Vec::new();
    for (rule, sql) in rules() {
        let n = count(db, &sql).await;
        if n != 0 {
            broken.push(format!("{rule}: {n} rows"));
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    // The rules can see a broken row: break one of each kind and look.
    let rules = rules();
    db.execute_unprepared(
        "UPDATE offers SET live_matches = capacity + 1 WHERE id = (SELECT id FROM offers ORDER BY id LIMIT 1)",
    )
    .await
    .expect("break an offer");
    db.execute_unprepared(
        "UPDATE needs SET status = 'open' WHERE id = \
         (SELECT id FROM needs WHERE status = 'fulfilled' ORDER BY id LIMIT 1)",
    )
    .await
    .expect("break a need");
    assert_eq!(count(db, &rules[0].1).await, 1, "{}", rules[0].0);
    assert_eq!(count(db, &rules[3].1).await, 1, "{}", rules[3].0);

    let needs: HashMap<_, _> = need::Entity::find()
        .all(db)
        .await
        .expect("needs")
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let offers: HashMap<_, _> = offer::Entity::find()
        .all(db)
        .await
        .expect("offers")
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let all = matches::Entity::find().all(db).await.expect("matches");
    let mut busy: HashMap<_, Vec<(i64, i64)>> = HashMap::new();
    for m in &all {
        // A pairing-first proposal goes to a helper, not to an offer's place.
        let Some(offer_id) = m.offer_id else {
            continue;
        };
        let (n, o) = (&needs[&m.need_id], &offers[&offer_id]);
        let pair =
            need_input(n).and_then(|ni| eligible_cost(&ni, &offer_input(o), m.created_at / 1000));
        assert!(pair.is_some(), "match {} is not an eligible pair", m.id);
        busy.entry(offer_id)
            .or_default()
            .push((m.created_at, m.ended_at.unwrap_or(i64::MAX)));
    }
    for (offer_id, spans) in busy {
        let peak = spans
            .iter()
            .map(|(s, _)| spans.iter().filter(|(a, b)| a <= s && s < b).count())
            .max();
        let capacity = offers[&offer_id].capacity as usize;
        assert!(
            peak.unwrap_or(0) <= capacity,
            "offer {offer_id} over capacity at some time"
        );
    }
}

#[tokio::test]
async fn the_demo_covers_every_category_township_and_week_with_county_like_rates() {
    let app = spawn_app().await;
    let summary = fill(&app).await;
    let db = &app.context.db;
    let homes = household::Entity::find().all(db).await.expect("households");
    assert_eq!(homes.len(), 2_000);
    for h in &homes {
        assert!(
            IdNumber::parse(h.id_number.as_deref().unwrap_or("")).is_ok(),
            "ID of {}",
            h.id
        );
        assert!(h.phone.as_deref().is_none_or(|p| Phone::parse(p).is_ok()));
        assert!(parse_tags(&h.tags).is_ok() && (1..=30).contains(&h.members));
    }
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM users WHERE role = 'volunteer'").await,
        1_500
    );
    let needs = need::Entity::find().all(db).await.expect("needs");
    assert!(
        (3_000..4_500).contains(&needs.len()),
        "{} needs",
        needs.len()
    );
    let all = matches::Entity::find().all(db).await.expect("matches");
    let statuses: HashSet<&str> = all.iter().map(|m| m.status.as_str()).collect();
    let origins: HashSet<&str> = all.iter().map(|m| m.origin.as_str()).collect();
    assert_eq!(statuses.len(), 6, "{statuses:?}");
    // Claims, rounds, coordinators' proposals and pairing first.
    assert_eq!(origins.len(), 4, "{origins:?}");
    assert!(count(db, "SELECT COUNT(*) FROM rounds").await >= 50);
    // Some needs waited long enough to climb, some all the way.
    let county = count(db, "SELECT COUNT(*) FROM needs WHERE escalation = 'county'").await;
    let township = count(
        db,
        "SELECT COUNT(*) FROM needs WHERE escalation = 'township'",
    )
    .await;
    assert!(
        county > 0 && township > 0,
        "{township} township, {county} county"
    );

    // Per breakdown key: needs posted, fulfilled, ever accepted; matches
    // completed and ended. Every figure of every key must be non-zero.
    let by_need: HashMap<_, _> = needs.iter().map(|n| (n.id, n)).collect();
    let now = huzhu::store::now_ms();
    let week = |at: i64| (now - at) / (7 * 86_400_000);
    let keys = |n: &need::Model| {
        [
            format!("township {}", &n.region[..9]),
            format!("village {}", n.region),
            format!("category {}", n.category),
            format!("week {}", week(n.posted_at)),
        ]
    };
    let mut figures: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let accepted: HashSet<_> = all
        .iter()
        .filter(|m| m.accepted_at.is_some())
        .map(|m| m.need_id)
        .collect();
    for n in &needs {
        for key in keys(n) {
            let f = figures.entry(key).or_default();
            f[0] += usize::from(n.status == NeedStatus::Fulfilled);
            f[1] += usize::from(accepted.contains(&n.id));
        }
    }
    for m in all.iter().filter(|m| m.ended_at.is_some()) {
        for key in keys(by_need[&m.need_id]) {
            let f = figures.entry(key).or_default();
            f[2] += usize::from(m.status == MatchStatus::Completed);
            f[3] += usize::from(m.status != MatchStatus::Completed);
        }
    }
    let categories = figures.keys().filter(|k| k.starts_with("category")).count();
    let townships = figures.keys().filter(|k| k.starts_with("township")).count();
    assert_eq!((categories, townships), (Category::ALL.len(), 23));
    let weeks = figures.keys().filter(|k| k.starts_with("week")).count();
    assert!(weeks >= 26, "{weeks} weeks");
    // The newest week has had no time to finish anything yet. A small
    // village may have had no failure: its success rate is 100 %.
    let zero: Vec<_> = figures
        .iter()
        .filter(|(k, _)| k.as_str() != "week 0" && k.as_str() != "week 26")
        .filter(|(k, f)| f[..3].contains(&0) || (!k.starts_with("village") && f[3] == 0))
        .collect();
    assert!(zero.is_empty(), "figures with a zero: {zero:?}");

    assert!(
        (0.58..0.72).contains(&summary.match_rate),
        "match rate {}",
        summary.match_rate
    );
    assert!(
        (0.45..0.7).contains(&summary.fulfilment_rate),
        "fulfilment {}",
        summary.fulfilment_rate
    );
    let rates: Vec<f64> = figures
        .iter()
        .filter(|(k, _)| k.starts_with("township"))
        .map(|(_, f)| f[2] as f64 / (f[2] + f[3]) as f64)
        .collect();
    let spread = rates.iter().cloned().fold(f64::MIN, f64::max)
        - rates.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 0.1,
        "success rates differ between townships: {rates:?}"
    );
}
