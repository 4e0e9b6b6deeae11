//! Queries on needs.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entity::need::{self, Column, Entity as Needs};
use crate::domain::escalation::EscalationLevel;
use crate::domain::grid::BoundingBox;
use crate::domain::{Category, NeedStatus, RegionPrefix};

/// Which needs a list shows.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    /// Empty means every status.
    pub statuses: Vec<NeedStatus>,
    pub category: Option<Category>,
    /// Needs inside this prefix (a staff member's reach, or a filter).
    pub regions: Vec<RegionPrefix>,
    /// Needs escalated: `Some(None)` at any level, `Some(Some(l))` at `l`.
    pub escalation: Option<Option<EscalationLevel>>,
}

impl NeedFilter {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if !self.statuses.is_empty() {
            cond = cond.add(Column::Status.is_in(self.statuses.iter().copied()));
        }
        if let Some(category) = &self.category {
            cond = cond.add(Column::Category.eq(*category));
        }
        match self.escalation {
            None => {}
            Some(None) => cond = cond.add(Column::Escalation.is_not_null()),
            Some(Some(level)) => cond = cond.add(Column::Escalation.eq(level)),
        }
        for prefix in &self.regions {
            let (low, high) = prefix.code_range();
            cond = cond
                .add(Column::Region.gte(low))
                .add(Column::Region.lt(high));
        }
        cond
    }
}

/// The needs that are live (`open` or `matched`), in the very words of the
/// partial index `idx_needs_one_live_per_category`: a planner uses that
/// index for a household's live needs only when it can see the query asks
/// for what the index holds, which bound parameters would hide.
pub fn live() -> sea_orm::sea_query::SimpleExpr {
    let [open, matched] = NeedStatus::LIVE;
    Expr::cust(format!("status IN ('{open}', '{matched}')"))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<need::Model>, DbErr> {
    Needs::find_by_id(id).one(db).await
}

/// Newest first, after the `(posted_at, id)` cursor.
pub async fn newest(
    db: &impl ConnectionTrait,
    filter: &NeedFilter,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<need::Model>, DbErr> {
    let mut query = Needs::find().filter(filter.condition());
    if let Some((posted_at, id)) = after {
        query = query.filter(
            Condition::any().add(Column::PostedAt.lt(posted_at)).add(
                Condition::all()
                    .add(Column::PostedAt.eq(posted_at))
                    .add(Column::Id.lt(id)),
            ),
        );
    }
    query
        .order_by_desc(Column::PostedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Needs whose point lies in the box, looked up by grid cell when the box
/// has few cells.
fn in_box(bbox: &BoundingBox) -> Condition {
    let mut cond = Condition::all()
        .add(Column::Lat.between(bbox.min_lat, bbox.max_lat))
        .add(Column::Lon.between(bbox.min_lon, bbox.max_lon));
    if let Some(cells) = bbox.cells(4_000) {
        cond = cond.add(Column::Cell.is_in(cells));
    }
    cond
}

/// Moves the open and matched needs of a household with it.
pub async fn follow_household(
    db: &impl ConnectionTrait,
    household_id: Uuid,
    region: &str,
    point: Option<(f64, f64)>,
    now: i64,
) -> Result<(), DbErr> {
    Needs::update_many()
        .col_expr(Column::Region, Expr::value(region.to_owned()))
        .col_expr(Column::Lat, Expr::value(point.map(|p| p.0)))
        .col_expr(Column::Lon, Expr::value(point.map(|p| p.1)))
        .col_expr(
            Column::Cell,
            Expr::value(point.map(|p| crate::domain::grid::cell_of(p.0, p.1))),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::HouseholdId.eq(household_id))
        .filter(live())
        .exec(db)
        .await
        .map(|_| ())
}

/// Changes a need's status only if it is still `from`; returns whether it did.
pub async fn transition(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &[NeedStatus],
    to: NeedStatus,
    now: i64,
    reason: Option<&str>,
) -> Result<bool, DbErr> {
    let mut update = Needs::update_many()
        .col_expr(Column::Status, Expr::value(to))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if let Some(reason) = reason {
        update = update.col_expr(Column::CancelReason, Expr::value(reason.to_owned()));
    }
    let result = update
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What ranking an open need for an offer weighs, without the rest of the
/// row: a county holds tens of thousands of open needs, and a page shows
/// fifty of them.
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct RankNeed {
    pub id: Uuid,
    pub category: Category,
    pub urgency: i16,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub posted_at: i64,
}

/// Open needs of one urgency in `categories`, wherever they are, or only
/// inside `bbox`.
pub async fn open_to_rank(
    db: &impl ConnectionTrait,
    categories: &[Category],
    urgency: i16,
    bbox: Option<&BoundingBox>,
) -> Result<Vec<RankNeed>, DbErr> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let mut cond = Condition::all()
        .add(Column::Status.eq(NeedStatus::Open))
        .add(Column::Urgency.eq(urgency))
        .add(Column::Category.is_in(categories.iter().copied()));
    if let Some(bbox) = bbox {
        cond = cond.add(in_box(bbox));
    }
    Needs::find()
        .select_only()
        .columns([
            Column::Id,
            Column::Category,
            Column::Urgency,
            Column::Lat,
            Column::Lon,
            Column::PostedAt,
        ])
        .filter(cond)
        .into_model::<RankNeed>()
        .all(db)
        .await
}

/// Moves the needs among `ids` that are still `from` to `to`; returns the
/// ids that did not move (usually none).
pub async fn transition_many(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    from: NeedStatus,
    to: NeedStatus,
    now: i64,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::DbBackend;
    use sea_orm::sea_query::Query;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // One statement with the ids as one array, whatever their number.
        return super::missed_by_update(
            db,
            "UPDATE needs SET status = $1, updated_at = $2 \
             WHERE id = ANY($3) AND status = $4 RETURNING id",
            3,
            vec![to.into(), now.into(), ids.to_vec().into(), from.into()],
        )
        .await;
    }
    let mut moved = Vec::with_capacity(ids.len());
    // Large chunks (well under SQLite's 32,766 variables): fewer statements.
    for chunk in ids.chunks(10_000) {
        let update = Query::update()
            .table(Needs)
            .value(Column::Status, to)
            .value(Column::UpdatedAt, now)
            .and_where(Column::Id.is_in(chunk.iter().copied()))
            .and_where(super::status_without_index(from))
            .returning_col(Column::Id)
            .to_owned();
        for row in db
            .query_all_raw(db.get_database_backend().build(&update))
            .await?
        {
            moved.push(row.try_get::<Uuid>("", "id")?);
        }
    }
    Ok(super::missed(ids.iter().copied(), &moved))
}

/// What a round reads of an open need: what the solver weighs and what
/// its proposal email shows, without the rest of the row (at county scale
/// decoding whole rows was a good part of a round).
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct RoundNeed {
    pub id: Uuid,
    pub region: String,
    pub category: Category,
    pub title: String,
    pub urgency: i16,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub posted_at: i64,
}

/// Every open need inside a prefix, by id.
pub async fn open_in(
    db: &impl ConnectionTrait,
    prefix: &RegionPrefix,
) -> Result<Vec<RoundNeed>, DbErr> {
    let filter = NeedFilter {
        statuses: vec![NeedStatus::Open],
        category: None,
        regions: vec![prefix.clone()],
        escalation: None,
    };
    let mut cond = filter.condition();
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite
        && holds_most_needs(db, prefix).await?
    {
        // SQLite walks the table in id order, which needs no sort: through
        // the region index a county's round paid a random lookup per row
        // and a sort of them all (0.28 s against 0.11 s for 104,096 needs).
        // The unary `+` keeps the region out of the planner's reach.
        let (low, high) = prefix.code_range();
        cond = Condition::all()
            .add(Column::Status.eq(NeedStatus::Open))
            .add(Expr::cust_with_values(
                "+region >= ? AND +region < ?",
                [low, high],
            ));
    }
    Needs::find()
        .select_only()
        .columns([
            Column::Id,
            Column::Region,
            Column::Category,
            Column::Title,
            Column::Urgency,
            Column::Lat,
            Column::Lon,
            Column::PostedAt,
        ])
        .filter(cond)
        .order_by_asc(Column::Id)
        .into_model::<RoundNeed>()
        .all(db)
        .await
}

/// Whether at least half of all needs lie inside `prefix` (a count over
/// the region index, milliseconds for a county; needs are never deleted,
/// so the largest rowid is how many there are).
async fn holds_most_needs(db: &impl ConnectionTrait, prefix: &RegionPrefix) -> Result<bool, DbErr> {
    let (low, high) = prefix.code_range();
    let count = sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Sqlite,
        "SELECT (SELECT count(*) FROM needs WHERE region >= ? AND region < ?) * 2 \
         >= (SELECT coalesce(max(rowid), 0) FROM needs) AS most",
        [low.into(), high.into()],
    );
    match db.query_one_raw(count).await? {
        Some(row) => row.try_get::<bool>("", "most"),
        None => Ok(false),
    }
}

/// The ids and points of the filter's needs in the box: what a "near me"
/// search ranks, without reading whole rows.
pub async fn points_in_box(
    db: &impl ConnectionTrait,
    filter: &NeedFilter,
    bbox: &BoundingBox,
) -> Result<Vec<(Uuid, f64, f64)>, DbErr> {
    let cond = filter.condition().add(in_box(bbox));
    Needs::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Lat)
        .column(Column::Lon)
        .filter(cond)
        .into_tuple()
        .all(db)
        .await
}

/// Whole needs by id, in no particular order.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<need::Model>, DbErr> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        found.extend(
            Needs::find()
                .filter(Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// How many needs each of `households` has in each status, as
/// `(household, status, count)`: the needs at a glance of a page of
/// households, in one query.
pub async fn status_counts(
    db: &impl ConnectionTrait,
    households: &[Uuid],
) -> Result<Vec<(Uuid, NeedStatus, i64)>, DbErr> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    Needs::find()
        .select_only()
        .column(Column::HouseholdId)
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .filter(Column::HouseholdId.is_in(households.iter().copied()))
        .group_by(Column::HouseholdId)
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// A household's needs, newest first (ids are UUIDv7: posting order),
/// from just before the need `before`.
pub async fn of_household(
    db: &impl ConnectionTrait,
    household: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<need::Model>, DbErr> {
    let mut query = Needs::find().filter(Column::HouseholdId.eq(household));
    if let Some(before) = before {
        query = query.filter(Column::Id.lt(before));
    }
    query.order_by_desc(Column::Id).limit(limit).all(db).await
}

/// Open needs of households with an active pairing, posted since it began,
/// that were never put to its helper: what pairing first has yet to do
/// (`services::pairings::catch_up`). At most 500 a call, oldest first.
pub async fn unoffered_to_helpers(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT n.id FROM needs n \
               JOIN pairings p ON p.household_id = n.household_id AND p.ended_at IS NULL \
               WHERE n.status = 'open' AND n.posted_at >= p.started_at \
               AND NOT EXISTS (SELECT 1 FROM matches m \
                               WHERE m.need_id = n.id AND m.volunteer_id = p.helper_id) \
               ORDER BY n.posted_at LIMIT 500";
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await?;
    rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait};

    use super::*;

    #[test]
    fn live_needs_are_asked_for_in_the_words_of_the_partial_index() {
        // The predicate of `idx_needs_one_live_per_category` (migration 000004).
        let sql = Needs::find()
            .filter(live())
            .build(DbBackend::Postgres)
            .to_string();
        assert!(
            sql.ends_with("WHERE status IN ('open', 'matched')"),
            "{sql}"
        );
    }
}
