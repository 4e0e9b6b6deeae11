//! `huzhu demo`: fills an empty database with a believable county, so that
//! a newcomer sees a live system. Dongkou's real townships get invented
//! villages (演示…村) with points; about 2,000 households post needs over six
//! months; about 1,500 volunteers offer help; and the needs live through
//! claims, rounds, proposals, answers, completions, cancellations and
//! expiries as PRODUCT.md draws them. Key households (重点户) have standing
//! helpers who are asked first, visit them and raise needs there, and
//! villages hold courtyard meetings (户帮户亲帮亲, scaled from the real
//! county). One seeded RNG draws everything, so a
//! seed gives the same county relative to the moment it runs; only the
//! passwords are fresh randomness, printed once.
//!
//! No email is queued: every address is under `demo.invalid`.

mod accounts;
mod draw;
mod escalations;
mod history;
mod lifecycle;
mod meetings;
mod people;
mod places;
mod report;
mod rounds;
mod standing;
mod texts;
mod visits;
mod write;

use std::collections::HashMap;

use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};
use sea_orm::{PaginatorTrait, QueryFilter};

pub use report::{Login, StandingSummary, Summary};

use self::draw::Draw;
use crate::domain::RegionLevel;
use crate::domain::escalation::Ages;
use crate::domain::time::DAY_MS;
use crate::services::passwords;
use crate::store::{self, entity};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// The moment the history ends, milliseconds since the epoch.
    pub now_ms: i64,
    /// How long a proposal waits for an answer (`HUZHU_PROPOSAL_TTL_HOURS`).
    pub proposal_ttl_ms: i64,
    pub households: usize,
    pub volunteers: usize,
    /// The ages at which open needs escalate (`HUZHU_ESCALATE_*_DAYS`).
    pub ages: Ages,
}

impl Options {
    /// The demo county as issue #8 describes it, ending now.
    pub fn new(seed: u64, proposal_ttl_ms: i64) -> Self {
        Self {
            seed,
            now_ms: store::now_ms(),
            proposal_ttl_ms,
            households: 2_000,
            volunteers: 1_500,
            ages: Ages {
                township_days: 7,
                county_days: 21,
            },
        }
    }
}

/// How far back the history goes: 26 weeks.
const WINDOW_MS: i64 = 182 * DAY_MS;

/// Why the demo wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// What the database already holds, in Chinese and in English.
    #[error(
        "数据库不是空的（已有 {zh}），演示数据只写入空数据库 / the database is not empty (it has {en}); the demo only fills an empty one"
    )]
    NotEmpty { zh: String, en: String },
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Everything the demo inserts.
pub struct Built {
    regions: Vec<entity::region::Model>,
    users: Vec<entity::user::Model>,
    households: Vec<entity::household::Model>,
    needs: Vec<entity::need::Model>,
    offers: Vec<entity::offer::Model>,
    rounds: Vec<entity::round::Model>,
    history: history::Written,
    standing: standing::Standing,
}

/// Fills the database, all in one transaction, or refuses a database that
/// has accounts, households, needs, offers or villages of the county.
pub async fn run(db: &DatabaseConnection, options: &Options) -> Result<Summary, DemoError> {
    let started = std::time::Instant::now();
    // Refuse before the slow part; checked again inside the transaction.
    refuse_unless_empty(db).await?;
    let passwords = report::Passwords::fresh(|| fresh_password(&mut rand::rng()));
    let (admin, coordinator, cadre, volunteer) = tokio::try_join!(
        passwords::hash_password(passwords.admin.clone()),
        passwords::hash_password(passwords.coordinator.clone()),
        passwords::hash_password(passwords.cadre.clone()),
        passwords::hash_password(passwords.volunteer.clone()),
    )?;
    let hashes = accounts::Hashes {
        admin,
        coordinator,
        cadre,
        volunteer,
    };
    let opts = options.clone();
    let built = tokio::task::spawn_blocking(move || build(&opts, &hashes))
        .await
        .map_err(|e| DemoError::Internal(e.into()))?;
    let txn = store::begin_write(db).await?;
    // A concurrent run that committed first is seen here, or makes these
    // inserts fail on the unique email of the demo admin.
    refuse_unless_empty(&txn).await?;
    write::all(&txn, &built).await?;
    // The needs' figure columns, from the history just written.
    store::stats::refresh(&txn, None).await?;
    // The escalations its history would have had, and their figures.
    let escalated = escalations::replay(&txn, &options.ages, options.now_ms).await?;
    store::stats::refresh(&txn, Some(&escalated)).await?;
    txn.commit().await?;
    let names = store::regions::names(
        db,
        built
            .users
            .iter()
            .filter_map(|u| u.region.clone())
            .map(|r| crate::domain::region::padded_code(&r)),
    )
    .await?;
    Ok(Summary::of(
        &built,
        options,
        &passwords,
        &names,
        started.elapsed(),
    ))
}

/// A readable password of 80 random bits, e.g. `demo-k3f9-x2m7-q8d1-…`.
fn fresh_password(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    format!("demo-{}", groups.join("-"))
}

/// Refuses unless the tables the demo fills are empty (the built-in
/// regions are always there) and the county has no villages of its own.
async fn refuse_unless_empty(db: &impl ConnectionTrait) -> Result<(), DemoError> {
    use entity::{household, need, offer, region, user};
    let found = [
        (user::Entity::find().count(db).await?, "个账号", "accounts"),
        (
            household::Entity::find().count(db).await?,
            "户",
            "households",
        ),
        (need::Entity::find().count(db).await?, "条需求", "needs"),
        (offer::Entity::find().count(db).await?, "项服务", "offers"),
        (
            region::Entity::find()
                .filter(region::Column::Level.eq(RegionLevel::Village))
                .filter(region::Column::Code.starts_with(places::COUNTY))
                .count(db)
                .await?,
            "个村",
            "villages",
        ),
    ];
    let present: Vec<_> = found.iter().filter(|(n, _, _)| *n > 0).collect();
    if present.is_empty() {
        return Ok(());
    }
    let list = |text: &dyn Fn(&(u64, &str, &str)) -> String, sep: &str| {
        present
            .iter()
            .map(|f| text(f))
            .collect::<Vec<_>>()
            .join(sep)
    };
    Err(DemoError::NotEmpty {
        zh: list(&|(n, zh, _)| format!("{n} {zh}"), "、"),
        en: list(&|(n, _, en)| format!("{n} {en}"), ", "),
    })
}

/// Draws the whole county. Pure: the same options give the same rows.
fn build(options: &Options, hashes: &accounts::Hashes) -> Built {
    let mut d = Draw::new(options.seed, options.now_ms);
    let start = options.now_ms - WINDOW_MS;
    let villages = places::villages(&mut d);
    let (staff, mut users) = accounts::staff(&mut d, hashes, start);
    let (homes, mut needs) = people::households(
        &mut d,
        &villages,
        &staff.cadres,
        options.households,
        WINDOW_MS,
    );
    let (volunteers, offers) = accounts::volunteers(&mut d, hashes, options.volunteers, start);
    // Before the history: a paired household's needs go to its helper first.
    let mut standing = standing::draw(&mut d, &homes, &villages, &volunteers, &offers);
    users.extend(volunteers);
    needs.sort_by_key(|n| (n.posted_at, n.id));
    let schedule = rounds::Schedule::new(&mut d, start, staff.coordinator);
    let mut world = history::World {
        slots: offers
            .into_iter()
            .map(|offer| history::Slot {
                offer,
                busy: Vec::new(),
            })
            .collect(),
        staff: &staff,
        vigour: villages
            .iter()
            .map(|v| (v.code.clone(), v.vigour))
            .collect::<HashMap<_, _>>(),
        schedule: &schedule,
        ttl: options.proposal_ttl_ms,
        pairings: standing.spans(),
    };
    let history = history::live(&mut d, &mut world, &mut needs);
    let rounds = schedule.rows(&needs, &world.slots, &history);
    visits::draw(&mut d, &mut standing, &homes, &needs, start);
    meetings::draw(
        &mut d,
        &mut standing,
        &villages,
        &staff.cadres,
        &needs,
        start,
    );
    Built {
        regions: places::region_rows(&villages),
        users,
        households: homes,
        needs,
        offers: world.slots.into_iter().map(|s| s.offer).collect(),
        rounds,
        history,
        standing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_moment_give_the_same_county() {
        let hashes = || accounts::Hashes {
            admin: "a".into(),
            coordinator: "c".into(),
            cadre: "k".into(),
            volunteer: "v".into(),
        };
        let options = Options {
            households: 300,
            volunteers: 200,
            ..Options::new(8, 72 * crate::domain::time::HOUR_MS)
        };
        let (a, b) = (build(&options, &hashes()), build(&options, &hashes()));
        assert_eq!(a.needs, b.needs);
        assert_eq!(a.history.matches, b.history.matches);
        assert_eq!(a.history.events, b.history.events);
        assert_eq!(a.standing.pairings, b.standing.pairings);
        assert_eq!(a.standing.visits, b.standing.visits);
        assert_eq!(a.standing.raised, b.standing.raised);
        let other = build(&Options { seed: 9, ..options }, &hashes());
        assert_ne!(a.needs, other.needs);
    }
}
