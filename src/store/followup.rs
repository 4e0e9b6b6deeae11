//! The people who stopped answering, counted by the database: one grouped
//! statement per list (volunteers who let proposals lapse, offers that
//! never accept, cadres with stale needs), each keyset-paged on its sort
//! key `(count, id)` so that no list is ever read whole.

use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

use super::stats::Sql;
use crate::domain::{MatchOrigin, MatchStatus, NeedStatus, OfferStatus, RegionPrefix};

/// Which proposals the lists cover: made in `[from, to)` on needs inside
/// every one of `regions` (none: every region).
#[derive(Debug, Clone)]
pub struct Window {
    pub regions: Vec<RegionPrefix>,
    pub from: i64,
    pub to: i64,
}

/// A volunteer whose proposals expired or were declined.
#[derive(Debug, Clone, PartialEq)]
pub struct Unanswering {
    pub volunteer_id: Uuid,
    pub name: String,
    pub proposals: i64,
    pub expired: i64,
    pub declined: i64,
    /// When they last accepted or declined one of these proposals.
    pub last_answer: Option<i64>,
}

impl Unanswering {
    /// Expired and declined: the list's sort key.
    pub fn missed(&self) -> i64 {
        self.expired + self.declined
    }
}

/// An active offer with room left whose proposals were never accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct IdleOffer {
    pub offer_id: Uuid,
    pub volunteer_id: Uuid,
    pub name: String,
    pub capacity: i32,
    pub live_matches: i32,
    pub proposals: i64,
    pub expired: i64,
    pub declined: i64,
    pub last_proposed: Option<i64>,
}

/// A cadre who posted needs that are now stale.
#[derive(Debug, Clone, PartialEq)]
pub struct StaleCadre {
    pub cadre_id: Uuid,
    pub name: String,
    pub region: Option<String>,
    pub stale: i64,
    /// When the longest-waiting of them was posted.
    pub oldest: i64,
}

/// `AND n.region` inside each prefix.
fn in_regions(sql: &mut Sql, regions: &[RegionPrefix]) {
    for prefix in regions {
        let (low, high) = prefix.code_range();
        sql.push(" AND n.region >= ")
            .bind(low)
            .push(" AND n.region < ")
            .bind(high);
    }
}

/// The proposals of the window: matches a round or a coordinator made (a
/// claim is the volunteer's own answer), joined to their needs.
/// `join` adds a table to the two.
fn proposals(sql: &mut Sql, window: &Window, join: &str) {
    sql.push(&format!(
        " FROM matches m JOIN needs n ON n.id = m.need_id{join} WHERE m.origin <> "
    ))
    .bind(MatchOrigin::Claim.to_string())
    .push(" AND m.created_at >= ")
    .bind(window.from)
    .push(" AND m.created_at < ")
    .bind(window.to);
    in_regions(sql, &window.regions);
}

/// `HAVING/AND (count < c OR (count = c AND id > i))`: the rows after the
/// cursor, in `count DESC, id ASC` order.
fn after(sql: &mut Sql, count: &str, id: &str, cursor: Option<(i64, Uuid)>) {
    if let Some((c, i)) = cursor {
        sql.push(&format!(" AND ({count} < "))
            .bind(c)
            .push(&format!(" OR ({count} = "))
            .bind(c)
            .push(&format!(" AND {id} > "))
            .bind(i)
            .push("))");
    }
}

fn count_of(status: MatchStatus) -> String {
    format!("COUNT(*) FILTER (WHERE m.status = '{status}')")
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, DbErr> {
    row.try_get("", column)
}

/// Volunteers with expired or declined proposals in the window, the most
/// first, after `cursor` (`(missed, volunteer_id)`), at most `limit`.
pub async fn unanswering(
    db: &impl ConnectionTrait,
    window: &Window,
    cursor: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Unanswering>, DbErr> {
    let (expired, declined) = (
        count_of(MatchStatus::Expired),
        count_of(MatchStatus::Declined),
    );
    let missed = format!("({expired} + {declined})");
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT m.volunteer_id AS id, COUNT(*) AS proposals, {expired} AS expired, \
         {declined} AS declined, MAX(CASE WHEN m.status = '{}' THEN m.ended_at \
         ELSE m.accepted_at END) AS last_answer",
        MatchStatus::Declined
    ));
    proposals(&mut sql, window, "");
    sql.push(&format!(" GROUP BY m.volunteer_id HAVING {missed} > 0"));
    after(&mut sql, &missed, "m.volunteer_id", cursor);
    sql.push(&format!(
        " ORDER BY {missed} DESC, m.volunteer_id ASC LIMIT {limit}"
    ));
    let rows = db.query_all_raw(sql.build()).await?;
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| get(r, "id"))
        .collect::<Result<_, _>>()?;
    let names = super::work::names(db, &ids).await?;
    rows.iter()
        .map(|r| {
            let volunteer_id: Uuid = get(r, "id")?;
            Ok(Unanswering {
                name: names.get(&volunteer_id).cloned().unwrap_or_default(),
                volunteer_id,
                proposals: get(r, "proposals")?,
                expired: get(r, "expired")?,
                declined: get(r, "declined")?,
                last_answer: get(r, "last_answer")?,
            })
        })
        .collect()
}

/// Active offers with free capacity whose proposals in the window were
/// never accepted, the most proposals first, after `cursor`
/// (`(proposals, offer_id)`), at most `limit`.
pub async fn idle_offers(
    db: &impl ConnectionTrait,
    window: &Window,
    cursor: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<IdleOffer>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT o.id AS id, o.volunteer_id AS volunteer_id, o.capacity AS capacity, \
         o.live_matches AS live_matches, COUNT(*) AS proposals, {} AS expired, {} AS declined, \
         MAX(m.created_at) AS last_proposed",
        count_of(MatchStatus::Expired),
        count_of(MatchStatus::Declined),
    ));
    proposals(&mut sql, window, " JOIN offers o ON o.id = m.offer_id");
    sql.push(" AND o.status = ")
        .bind(OfferStatus::Active.to_string())
        .push(" AND o.live_matches < o.capacity");
    sql.push(
        " GROUP BY o.id, o.volunteer_id, o.capacity, o.live_matches \
         HAVING COUNT(m.accepted_at) = 0",
    );
    after(&mut sql, "COUNT(*)", "o.id", cursor);
    sql.push(&format!(" ORDER BY COUNT(*) DESC, o.id ASC LIMIT {limit}"));
    let rows = db.query_all_raw(sql.build()).await?;
    let ids: Vec<Uuid> = rows
        .iter()
        .map(|r| get(r, "volunteer_id"))
        .collect::<Result<_, _>>()?;
    let names = super::work::names(db, &ids).await?;
    rows.iter()
        .map(|r| {
            let volunteer_id: Uuid = get(r, "volunteer_id")?;
            Ok(IdleOffer {
                offer_id: get(r, "id")?,
                name: names.get(&volunteer_id).cloned().unwrap_or_default(),
                volunteer_id,
                capacity: get(r, "capacity")?,
                live_matches: get(r, "live_matches")?,
                proposals: get(r, "proposals")?,
                expired: get(r, "expired")?,
                declined: get(r, "declined")?,
                last_proposed: get(r, "last_proposed")?,
            })
        })
        .collect()
}

/// Cadres by how many of the needs they posted in `regions` are open and
/// were posted before `stale_before`, the most first, after `cursor`
/// (`(stale, cadre_id)`), at most `limit`.
pub async fn stale_cadres(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    stale_before: i64,
    cursor: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<StaleCadre>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT n.created_by AS id, u.name AS name, u.region AS region, COUNT(*) AS stale, \
         MIN(n.posted_at) AS oldest FROM needs n JOIN users u ON u.id = n.created_by \
         WHERE n.status = ",
    )
    .bind(NeedStatus::Open.to_string())
    .push(" AND n.posted_at < ")
    .bind(stale_before);
    in_regions(&mut sql, regions);
    sql.push(" GROUP BY n.created_by, u.name, u.region HAVING COUNT(*) > 0");
    after(&mut sql, "COUNT(*)", "n.created_by", cursor);
    sql.push(&format!(
        " ORDER BY COUNT(*) DESC, n.created_by ASC LIMIT {limit}"
    ));
    db.query_all_raw(sql.build())
        .await?
        .iter()
        .map(|r| {
            Ok(StaleCadre {
                cadre_id: get(r, "id")?,
                name: get(r, "name")?,
                region: get(r, "region")?,
                stale: get(r, "stale")?,
                oldest: get(r, "oldest")?,
            })
        })
        .collect()
}

/// Whether a volunteer had a proposal on a need inside `regions`: the
/// coordinator of those regions may follow them up.
pub async fn volunteer_in(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
    regions: &[RegionPrefix],
) -> Result<bool, DbErr> {
    exists(db, "m.volunteer_id", volunteer, regions).await
}

/// Whether an offer had a proposal on a need inside `regions`.
pub async fn offer_in(
    db: &impl ConnectionTrait,
    offer: Uuid,
    regions: &[RegionPrefix],
) -> Result<bool, DbErr> {
    exists(db, "m.offer_id", offer, regions).await
}

async fn exists(
    db: &impl ConnectionTrait,
    column: &str,
    id: Uuid,
    regions: &[RegionPrefix],
) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT 1 AS found FROM matches m JOIN needs n ON n.id = m.need_id WHERE {column} = "
    ))
    .bind(id);
    in_regions(&mut sql, regions);
    sql.push(" LIMIT 1");
    Ok(db.query_one_raw(sql.build()).await?.is_some())
}
