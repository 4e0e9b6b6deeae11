//! Retention (PIPL Art. 47): which households' personal data is due for
//! erasure, erasing one batch of them, and old emails.
//!
//! A household is due when its data has served its purpose: it is not
//! erased yet, not a key household, none of its needs is live, it has no
//! active pairing, and nothing of it (its own row, its needs, its
//! pairings' ends) changed since `cutoff`. The candidates are found in one
//! set-based statement (aggregates over needs and pairings, anti-joins);
//! each batch's `UPDATE` checks every condition again, so that a need
//! posted or a pairing started meanwhile keeps the household as it is.

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

use super::entity::{household, key_household, need, outbox, pairing, visit};
use crate::domain::NeedStatus;

/// A household due for erasure, as a dry run lists it: nothing personal.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Candidate {
    pub id: Uuid,
    pub region: String,
    pub village: Option<String>,
    pub own: i64,
    pub last_need: Option<i64>,
    pub last_pairing: Option<i64>,
}

impl Candidate {
    /// When anything of the household last happened (ms).
    pub fn last_activity(&self) -> i64 {
        self.own
            .max(self.last_need.unwrap_or(i64::MIN))
            .max(self.last_pairing.unwrap_or(i64::MIN))
    }
}

/// Which of `ids` something keeps from erasure at `cutoff`: a need live or
/// changed since, a pairing active or ended since, a key-household mark.
/// Each is a subquery of its own over the batch's ids (no correlated
/// lookup per household: `needs` has no index on `household_id`), so one
/// statement reads each table once for the whole batch.
fn kept(ids: &[Uuid], cutoff: i64) -> [sea_orm::sea_query::SelectStatement; 3] {
    use sea_orm::Condition;
    let ids = || ids.iter().copied();
    let needs = Query::select()
        .column(need::Column::HouseholdId)
        .from(need::Entity)
        .and_where(need::Column::HouseholdId.is_in(ids()))
        .cond_where(
            Condition::any()
                .add(need::Column::Status.is_in([NeedStatus::Open, NeedStatus::Matched]))
                .add(need::Column::UpdatedAt.gte(cutoff)),
        )
        .to_owned();
    let pairings = Query::select()
        .column(pairing::Column::HouseholdId)
        .from(pairing::Entity)
        .and_where(pairing::Column::HouseholdId.is_in(ids()))
        .cond_where(
            Condition::any()
                .add(pairing::Column::EndedAt.is_null())
                .add(pairing::Column::EndedAt.gte(cutoff)),
        )
        .to_owned();
    let key = Query::select()
        .column(key_household::Column::HouseholdId)
        .from(key_household::Entity)
        .and_where(key_household::Column::HouseholdId.is_in(ids()))
        .to_owned();
    [needs, pairings, key]
}

const KEY: &str = "EXISTS (SELECT 1 FROM key_households k WHERE k.household_id = households.id)";

/// Every household due for erasure at `cutoff` (ms), by id: one statement
/// whatever the county's size.
pub async fn candidates(db: &impl ConnectionTrait, cutoff: i64) -> Result<Vec<Candidate>, DbErr> {
    // `cutoff` is an integer: written into the text, nothing to quote.
    let sql = format!(
        "SELECT households.id AS id, households.region AS region, r.name AS village, \
                households.updated_at AS own, n.last_need AS last_need, \
                p.last_pairing AS last_pairing \
         FROM households \
         LEFT JOIN (SELECT household_id, MAX(updated_at) AS last_need, \
                    SUM(CASE WHEN status IN ('open', 'matched') THEN 1 ELSE 0 END) AS live \
                    FROM needs GROUP BY household_id) n ON n.household_id = households.id \
         LEFT JOIN (SELECT household_id, MAX(ended_at) AS last_pairing, \
                    SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) AS active \
                    FROM pairings GROUP BY household_id) p ON p.household_id = households.id \
         LEFT JOIN regions r ON r.code = households.region \
         WHERE households.erased_at IS NULL AND households.updated_at < {cutoff} \
           AND NOT {KEY} \
           AND COALESCE(n.live, 0) = 0 AND COALESCE(n.last_need, 0) < {cutoff} \
           AND COALESCE(p.active, 0) = 0 AND COALESCE(p.last_pairing, 0) < {cutoff} \
         ORDER BY households.id"
    );
    let backend = db.get_database_backend();
    Candidate::find_by_statement(Statement::from_string(backend, sql))
        .all(db)
        .await
}

/// Erases the personal data of those of `ids` still due at `cutoff`, in the
/// caller's transaction: name, ID number, phone, tags and exact point; the
/// needs keep only their ~1 km rounded point (`rounded`), the visits lose
/// their notes. Returns the ids erased.
pub async fn erase(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    cutoff: i64,
    now: i64,
    rounded: impl Fn(f64, f64) -> (f64, f64, i64),
) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        // Wait for whoever holds these rows (a need being posted, a pairing
        // being made): the UPDATE below, a new statement, then sees what
        // they committed.
        let lock = Query::select()
            .column(household::Column::Id)
            .from(household::Entity)
            .and_where(household::Column::Id.is_in(ids.iter().copied()))
            .lock(sea_orm::sea_query::LockType::Update)
            .to_owned();
        db.execute_raw(backend.build(&lock)).await?;
    }
    let mut update = Query::update()
        .table(household::Entity)
        .value(household::Column::HeadName, "")
        .value(household::Column::IdNumber, Option::<String>::None)
        .value(household::Column::Phone, Option::<String>::None)
        .value(household::Column::Tags, "")
        .value(household::Column::Lat, Option::<f64>::None)
        .value(household::Column::Lon, Option::<f64>::None)
        .value(household::Column::ErasedAt, now)
        .and_where(household::Column::Id.is_in(ids.iter().copied()))
        .and_where(household::Column::ErasedAt.is_null())
        .and_where(household::Column::UpdatedAt.lt(cutoff))
        .returning_col(household::Column::Id)
        .to_owned();
    for keeps in kept(ids, cutoff) {
        update.and_where(household::Column::Id.not_in_subquery(keeps));
    }
    let erased = db
        .query_all_raw(backend.build(&update))
        .await?
        .iter()
        .map(|r| r.try_get::<Uuid>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    if erased.is_empty() {
        return Ok(erased);
    }
    coarsen_needs(db, &erased, rounded).await?;
    let notes = Query::update()
        .table(visit::Entity)
        .value(visit::Column::Notes, "")
        .and_where(visit::Column::HouseholdId.is_in(erased.iter().copied()))
        .and_where(visit::Column::Notes.ne(""))
        .to_owned();
    db.execute_raw(backend.build(&notes)).await?;
    Ok(erased)
}

/// The needs of `households` keep only their rounded point and its cell.
async fn coarsen_needs(
    db: &impl ConnectionTrait,
    households: &[Uuid],
    rounded: impl Fn(f64, f64) -> (f64, f64, i64),
) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct Point {
        id: Uuid,
        lat: f64,
        lon: f64,
    }
    let backend = db.get_database_backend();
    let select = Query::select()
        .columns([need::Column::Id, need::Column::Lat, need::Column::Lon])
        .from(need::Entity)
        .and_where(need::Column::HouseholdId.is_in(households.iter().copied()))
        .and_where(need::Column::Lat.is_not_null())
        .and_where(need::Column::Lon.is_not_null())
        .to_owned();
    let points = Point::find_by_statement(backend.build(&select))
        .all(db)
        .await?;
    let (mut ids, mut lats, mut lons, mut cells) = (vec![], vec![], vec![], vec![]);
    for p in points {
        let (lat, lon, cell) = rounded(p.lat, p.lon);
        if (lat, lon) != (p.lat, p.lon) {
            ids.push(p.id);
            lats.push(lat);
            lons.push(lon);
            cells.push(cell);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    if backend == DbBackend::Postgres {
        // One statement for the batch: the new points travel as arrays.
        let sql = "UPDATE needs SET lat = v.lat, lon = v.lon, cell = v.cell \
                   FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::int8[]) \
                   AS v(id, lat, lon, cell) WHERE needs.id = v.id";
        let values: Vec<Value> = vec![ids.into(), lats.into(), lons.into(), cells.into()];
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        return Ok(());
    }
    // SQLite runs in-process: one prepared statement, many executions.
    for (((id, lat), lon), cell) in ids.into_iter().zip(lats).zip(lons).zip(cells) {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE needs SET lat = ?, lon = ?, cell = ? WHERE id = ?",
            [lat.into(), lon.into(), cell.into(), id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// How many outbox rows, whatever their status, were written before `cutoff`.
pub async fn old_emails(db: &impl ConnectionTrait, cutoff: i64) -> Result<u64, DbErr> {
    use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
    outbox::Entity::find()
        .filter(outbox::Column::CreatedAt.lt(cutoff))
        .count(db)
        .await
}

/// Deletes the outbox rows, whatever their status, written before `cutoff`.
pub async fn delete_old_emails(db: &impl ConnectionTrait, cutoff: i64) -> Result<u64, DbErr> {
    use sea_orm::{EntityTrait, QueryFilter};
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Whether household `id` is erased, read under a share lock on PostgreSQL
/// inside a write transaction: an erasure waits for the caller's commit, or
/// the caller for the erasure's. SQLite's write transactions are one at a
/// time already. `None` when there is no such household.
pub async fn hold_household(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<bool>, DbErr> {
    let backend = db.get_database_backend();
    let mut select = Query::select()
        .column(household::Column::ErasedAt)
        .from(household::Entity)
        .and_where(household::Column::Id.eq(id))
        .to_owned();
    if backend == DbBackend::Postgres {
        select.lock(sea_orm::sea_query::LockType::Share);
    }
    let row = db.query_one_raw(backend.build(&select)).await?;
    row.map(|r| {
        r.try_get::<Option<i64>>("", "erased_at")
            .map(|e| e.is_some())
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::Candidate;

    #[test]
    fn the_last_activity_is_the_latest_of_the_row_its_needs_and_its_pairings() {
        let c = Candidate {
            id: uuid::Uuid::nil(),
            region: String::new(),
            village: None,
            own: 5,
            last_need: Some(9),
            last_pairing: None,
        };
        assert_eq!(c.last_activity(), 9);
    }
}
