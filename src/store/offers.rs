//! Queries on offers. `live_matches` counts an offer's proposed and accepted
//! matches; it only rises through `reserve`, which refuses to pass capacity.

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entity::offer::{self, Column, Entity as Offers};
use crate::domain::OfferStatus;
use crate::domain::grid::BoundingBox;

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<offer::Model>, DbErr> {
    Offers::find_by_id(id).one(db).await
}

/// Offers by id after `cursor`; only `volunteer`'s when given.
pub async fn list(
    db: &impl ConnectionTrait,
    volunteer: Option<Uuid>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<offer::Model>, DbErr> {
    let mut query = Offers::find();
    if let Some(volunteer) = volunteer {
        query = query.filter(Column::VolunteerId.eq(volunteer));
    }
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    query.order_by_asc(Column::Id).limit(limit).all(db).await
}

/// Offers that can take a need now: active, not past `available_until`,
/// with a free place, offering `category_bit`.
fn matchable(now: i64, category_bit: i32) -> Condition {
    matchable_with(Column::Status.eq(OfferStatus::Active), now, category_bit)
}

/// `matchable`, with `active` tested as given.
fn matchable_with(active: SimpleExpr, now: i64, category_bit: i32) -> Condition {
    Condition::all()
        .add(active)
        .add(
            Condition::any()
                .add(Column::AvailableUntil.is_null())
                .add(Column::AvailableUntil.gt(now)),
        )
        .add(Expr::col(Column::LiveMatches).lt(Expr::col(Column::Capacity)))
        .add(Expr::col(Column::Categories).bit_and(category_bit).ne(0))
}

/// Matchable remote offers of a category, by id, after `cursor`.
pub async fn remote_matchable(
    db: &impl ConnectionTrait,
    now: i64,
    category_bit: i32,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<offer::Model>, DbErr> {
    let mut cond = matchable(now, category_bit).add(Column::Remote.eq(true));
    if let Some(after) = after {
        cond = cond.add(Column::Id.gt(after));
    }
    Offers::find()
        .filter(cond)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The matchable offers of a category among `ids` (in no order).
pub async fn matchable_by_ids(
    db: &impl ConnectionTrait,
    now: i64,
    category_bit: i32,
    ids: &[Uuid],
) -> Result<Vec<offer::Model>, DbErr> {
    let cond = matchable_with(
        super::status_without_index(OfferStatus::Active),
        now,
        category_bit,
    )
    .add(Column::Id.is_in(ids.iter().copied()));
    Offers::find().filter(cond).all(db).await
}

/// Matchable on-site (not remote) offers of a category located in the
/// box, found through the grid cells it touches (the caller measures).
pub async fn matchable_on_site_in_cells(
    db: &impl ConnectionTrait,
    now: i64,
    category_bit: i32,
    cells: &[i64],
    bbox: &BoundingBox,
) -> Result<Vec<offer::Model>, DbErr> {
    let cond = matchable(now, category_bit)
        .add(Column::Remote.eq(false))
        .add(Column::Cell.is_in(cells.iter().copied()))
        .add(Column::Lat.between(bbox.min_lat, bbox.max_lat))
        .add(Column::Lon.between(bbox.min_lon, bbox.max_lon));
    Offers::find().filter(cond).all(db).await
}

/// Takes one place of an offer if it still has one; returns whether it did.
pub async fn reserve(db: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<bool, DbErr> {
    let result = Offers::update_many()
        .col_expr(Column::LiveMatches, Expr::col(Column::LiveMatches).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Expr::col(Column::LiveMatches).lt(Expr::col(Column::Capacity)))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives a place back when a live match ends.
pub async fn release(db: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<(), DbErr> {
    Offers::update_many()
        .col_expr(Column::LiveMatches, Expr::col(Column::LiveMatches).sub(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::LiveMatches.gt(0))
        .exec(db)
        .await
        .map(|_| ())
}

/// What a round reads of a matchable offer: what the solver weighs.
#[derive(Debug, Clone, Copy, PartialEq, sea_orm::FromQueryResult)]
pub struct RoundOffer {
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub categories: i32,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i64,
    pub remote: bool,
    pub capacity: i32,
    pub live_matches: i32,
}

impl From<&offer::Model> for RoundOffer {
    fn from(o: &offer::Model) -> Self {
        Self {
            id: o.id,
            volunteer_id: o.volunteer_id,
            categories: o.categories,
            lat: o.lat,
            lon: o.lon,
            radius_m: o.radius_m,
            remote: o.remote,
            capacity: o.capacity,
            live_matches: o.live_matches,
        }
    }
}

/// Every offer that can take a need now, by id.
pub async fn all_matchable(db: &impl ConnectionTrait, now: i64) -> Result<Vec<RoundOffer>, DbErr> {
    // SQLite walks the table in id order, which needs no sort, instead of
    // the status index and a sort of what it finds: a round reads nearly
    // every offer (0.14 s against 0.06 s for 92,507 offers).
    let active = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => super::status_without_index(OfferStatus::Active),
        _ => Column::Status.eq(OfferStatus::Active),
    };
    let cond = Condition::all()
        .add(active)
        .add(
            Condition::any()
                .add(Column::AvailableUntil.is_null())
                .add(Column::AvailableUntil.gt(now)),
        )
        .add(Expr::col(Column::LiveMatches).lt(Expr::col(Column::Capacity)));
    Offers::find()
        .select_only()
        .columns([
            Column::Id,
            Column::VolunteerId,
            Column::Categories,
            Column::Lat,
            Column::Lon,
            Column::RadiusM,
            Column::Remote,
            Column::Capacity,
            Column::LiveMatches,
        ])
        .filter(cond)
        .order_by_asc(Column::Id)
        .into_model::<RoundOffer>()
        .all(db)
        .await
}

/// Takes the given number of places of each offer that still has them;
/// returns the ids of the offers that did not (usually none).
pub async fn reserve_many(
    db: &impl ConnectionTrait,
    wanted: &[(Uuid, i32)],
    now: i64,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::DbBackend;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // One statement: the offers and their places as two arrays.
        let (ids, places): (Vec<Uuid>, Vec<i32>) = wanted.iter().copied().unzip();
        return super::missed_by_update(
            db,
            "UPDATE offers SET live_matches = offers.live_matches + u.places, updated_at = $1 \
             FROM unnest($2::uuid[], $3::int4[]) AS u(id, places) \
             WHERE offers.id = u.id AND offers.live_matches + u.places <= offers.capacity \
             RETURNING offers.id",
            2,
            vec![now.into(), ids.into(), places.into()],
        )
        .await;
    }
    let mut by_places: std::collections::BTreeMap<i32, Vec<Uuid>> = Default::default();
    for &(id, places) in wanted {
        by_places.entry(places).or_default().push(id);
    }
    let mut reserved = Vec::with_capacity(wanted.len());
    for (places, mut ids) in by_places {
        // In id order the updates walk the table and its indexes in order.
        ids.sort_unstable();
        reserved.extend(reserve_each(db, &ids, places, now).await?);
    }
    Ok(super::missed(wanted.iter().map(|(id, _)| *id), &reserved))
}

/// Takes `places` places of each offer in `ids` that still has them; returns
/// the ids that did.
async fn reserve_each(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    places: i32,
    now: i64,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::sea_query::Query;
    let mut reserved = Vec::with_capacity(ids.len());
    // Large chunks (well under SQLite's 32,766 variables): fewer statements.
    for chunk in ids.chunks(10_000) {
        let update = Query::update()
            .table(Offers)
            .value(
                Column::LiveMatches,
                Expr::col(Column::LiveMatches).add(places),
            )
            .value(Column::UpdatedAt, now)
            .and_where(Column::Id.is_in(chunk.iter().copied()))
            .and_where(
                Expr::col(Column::LiveMatches)
                    .add(places)
                    .lte(Expr::col(Column::Capacity)),
            )
            .returning_col(Column::Id)
            .to_owned();
        for row in db
            .query_all_raw(db.get_database_backend().build(&update))
            .await?
        {
            reserved.push(row.try_get::<Uuid>("", "id")?);
        }
    }
    Ok(reserved)
}

/// The matchable offers standing in one grid cell and going as far, as
/// the coordinators' map counts them: never one offer's own point.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct CellCover {
    pub cell: i64,
    pub radius_m: i64,
    pub offers: i64,
    /// Places still free across them.
    pub free: i64,
}

/// The offers that can take a need of `category_bit` now and whose service
/// disc may reach into `bbox`, grouped by the grid cell they stand in and
/// their radius: one grouped statement over the matchable offers.
pub async fn cover_by_cell(
    db: &impl ConnectionTrait,
    now: i64,
    category_bit: i32,
    bbox: &BoundingBox,
) -> Result<Vec<CellCover>, DbErr> {
    use sea_orm::sea_query::Func;
    // Degrees per metre of latitude, and of longitude at the box's highest
    // latitude (where a metre spans the most degrees).
    let lat_deg = 1.0 / 111_000.0;
    let widest = bbox.min_lat.abs().max(bbox.max_lat.abs()).min(89.0);
    let lon_deg = lat_deg / widest.to_radians().cos();
    let reach = |per: f64| Expr::col(Column::RadiusM).mul(per);
    let cond = matchable(now, category_bit)
        .add(Expr::col(Column::Lat).add(reach(lat_deg)).gte(bbox.min_lat))
        .add(Expr::col(Column::Lat).sub(reach(lat_deg)).lte(bbox.max_lat))
        .add(Expr::col(Column::Lon).add(reach(lon_deg)).gte(bbox.min_lon))
        .add(Expr::col(Column::Lon).sub(reach(lon_deg)).lte(bbox.max_lon));
    let free = SimpleExpr::from(Func::sum(
        Expr::col(Column::Capacity).sub(Expr::col(Column::LiveMatches)),
    ));
    Offers::find()
        .select_only()
        .column(Column::Cell)
        .column(Column::RadiusM)
        .column_as(Column::Id.count(), "offers")
        .column_as(free, "free")
        .filter(cond)
        .group_by(Column::Cell)
        .group_by(Column::RadiusM)
        .order_by_asc(Column::Cell)
        .order_by_asc(Column::RadiusM)
        .into_model::<CellCover>()
        .all(db)
        .await
}
