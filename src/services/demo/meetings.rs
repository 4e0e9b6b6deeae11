//! Courtyard meetings (院落会): one to three in each township over the
//! window, each in one of its villages, held a day or two before some of
//! the village's needs were posted; those needs were raised there.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::draw::{Draw, local_day_start};
use super::places::{TOWNSHIPS, Village};
use super::standing::Standing;
use super::texts;
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::store::entity::{meeting, need, raised_need};

/// Needs raised at a meeting are posted within this long of its day.
const RAISED_WITHIN_MS: i64 = 3 * DAY_MS;
/// The most needs tied to one meeting.
const MOST_RAISED: usize = 6;

/// The meetings and the needs raised at them; `cadres` by township.
pub fn draw(
    d: &mut Draw,
    standing: &mut Standing,
    villages: &[Village],
    cadres: &[Uuid],
    needs: &[need::Model],
    start: i64,
) {
    let mut by_village: HashMap<&str, Vec<&need::Model>> = HashMap::new();
    for n in needs {
        by_village.entry(n.region.as_str()).or_default().push(n);
    }
    let mut linked: HashSet<Uuid> = standing.raised.iter().map(|r| r.need_id).collect();
    for (ti, cadre) in cadres.iter().enumerate().take(TOWNSHIPS.len()) {
        let mut places: Vec<&Village> = villages.iter().filter(|v| v.township == ti).collect();
        for _ in 0..d.between(1, 4) {
            if places.is_empty() {
                break;
            }
            let v = places.swap_remove(d.between(0, places.len() as i64) as usize);
            let village_needs = by_village
                .get(v.code.as_str())
                .map_or(&[][..], Vec::as_slice);
            let (m, raised) = meeting(d, v, *cadre, village_needs, &linked, start);
            for n in raised {
                linked.insert(n);
                standing.raised.push(raised_need::Model {
                    need_id: n,
                    visit_id: None,
                    meeting_id: Some(m.id),
                });
            }
            standing.meetings.push(m);
        }
    }
}

/// A meeting in `v`, on a day shortly before one of its needs (drawn) was
/// posted, with the needs posted within a few days of it not raised
/// elsewhere.
fn meeting(
    d: &mut Draw,
    v: &Village,
    cadre: Uuid,
    needs: &[&need::Model],
    linked: &HashSet<Uuid>,
    start: i64,
) -> (meeting::Model, Vec<Uuid>) {
    let inside: Vec<&&need::Model> = needs
        .iter()
        .filter(|n| n.posted_at >= start + 2 * DAY_MS && n.posted_at < d.now - 2 * DAY_MS)
        .collect();
    let day = if inside.is_empty() {
        start + d.between(0, d.now - start - 2 * DAY_MS)
    } else {
        let posted = d.pick(&inside).posted_at;
        posted - d.between(0, 2 * DAY_MS)
    };
    let held_on = local_day_start(day);
    let mut raised: Vec<&need::Model> = needs
        .iter()
        .copied()
        .filter(|n| n.posted_at >= held_on && n.posted_at < held_on + RAISED_WITHIN_MS)
        .filter(|n| !linked.contains(&n.id))
        .collect();
    raised.sort_by_key(|n| (n.posted_at, n.id));
    raised.truncate(MOST_RAISED);
    // Logged with the first need raised there, or that evening.
    let created_at = raised
        .first()
        .map_or(held_on + 19 * HOUR_MS, |n| n.posted_at)
        .min(d.now);
    let attendance = d.between(10, 41) as i32;
    let notes = *d.pick(&texts::MEETING_NOTES);
    let m = meeting::Model {
        id: d.uuid_at(created_at),
        region: v.code.clone(),
        held_on,
        attendance,
        notes: notes.to_owned(),
        created_by: cadre,
        created_at,
    };
    (m, raised.into_iter().map(|n| n.id).collect())
}
