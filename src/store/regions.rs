//! Queries on the `regions` table.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::region::{self, Entity as Regions};
use crate::domain::region::{Region, RegionLevel};

/// One region by its 12-digit code.
pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<region::Model>, DbErr> {
    Regions::find_by_id(code.to_owned()).one(db).await
}

/// The children of `parent` (or, without one, the counties), ordered by code,
/// after `cursor`, at most `limit`.
pub async fn list_children(
    db: &impl ConnectionTrait,
    parent: Option<&str>,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Vec<region::Model>, DbErr> {
    let mut query = Regions::find();
    query = match parent {
        Some(p) => query.filter(region::Column::ParentCode.eq(p)),
        None => query.filter(region::Column::Level.eq(RegionLevel::County)),
    };
    if let Some(after) = cursor {
        query = query.filter(region::Column::Code.gt(after));
    }
    query
        .order_by_asc(region::Column::Code)
        .limit(limit)
        .all(db)
        .await
}

fn active_model(r: &Region) -> region::ActiveModel {
    region::ActiveModel {
        code: Set(r.code.as_str().to_owned()),
        name: Set(r.name.clone()),
        level: Set(r.level),
        parent_code: Set(r.parent_code.as_ref().map(|c| c.as_str().to_owned())),
        lat: Set(r.point.map(|p| p.0)),
        lon: Set(r.point.map(|p| p.1)),
    }
}

/// Inserts the regions, or updates those whose code exists (`replace`), or
/// leaves existing ones as they are (`!replace`, for the built-in set, which
/// must not undo a county's own corrections).
pub async fn upsert(
    db: &impl ConnectionTrait,
    rows: &[Region],
    replace: bool,
) -> Result<(), DbErr> {
    let mut on_conflict = OnConflict::column(region::Column::Code);
    if replace {
        on_conflict.update_columns([
            region::Column::Name,
            region::Column::Level,
            region::Column::ParentCode,
            region::Column::Lat,
            region::Column::Lon,
        ]);
    } else {
        on_conflict.do_nothing();
    }
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for chunk in rows.chunks(500) {
        let result = Regions::insert_many(chunk.iter().map(active_model))
            .on_conflict(on_conflict.clone())
            .exec(db)
            .await;
        match result {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The names of these regions, by code.
pub async fn names(
    db: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort();
    codes.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in codes.chunks(500) {
        let rows = Regions::find()
            .filter(region::Column::Code.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        names.extend(rows.into_iter().map(|r| (r.code, r.name)));
    }
    Ok(names)
}

/// Every county, township and village, by code: the tree a place is picked
/// from. A county holds a few hundred villages, so one query serves a form.
pub async fn tree(db: &impl ConnectionTrait) -> Result<Vec<region::Model>, DbErr> {
    Regions::find()
        .order_by_asc(region::Column::Code)
        .all(db)
        .await
}

/// The regions whose point is exactly one of `points` (an offer placed at
/// a village stands on the village's own point), by code.
pub async fn at_points(
    db: &impl ConnectionTrait,
    points: &[(f64, f64)],
) -> Result<Vec<region::Model>, DbErr> {
    use sea_orm::Condition;
    if points.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Condition::any();
    for &(lat, lon) in points {
        any = any.add(
            Condition::all()
                .add(region::Column::Lat.eq(lat))
                .add(region::Column::Lon.eq(lon)),
        );
    }
    Regions::find()
        .filter(any)
        .order_by_asc(region::Column::Code)
        .all(db)
        .await
}

/// The villages whose point lies in `bbox`, by code: the names a map of
/// that area shows.
pub async fn villages_in_box(
    db: &impl ConnectionTrait,
    bbox: &crate::domain::grid::BoundingBox,
) -> Result<Vec<region::Model>, DbErr> {
    Regions::find()
        .filter(region::Column::Level.eq(RegionLevel::Village))
        .filter(region::Column::Lat.between(bbox.min_lat, bbox.max_lat))
        .filter(region::Column::Lon.between(bbox.min_lon, bbox.max_lon))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await
}
