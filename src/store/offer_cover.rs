//! The cells each offer's service disc covers, per category it serves on
//! site (see `domain::cover`). Written in the offer's own transaction
//! whenever its categories, point, radius or remote flag change.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::entity::offer;
use super::entity::offer_cover::{self, Column, Entity as Cover};
use crate::domain::cover::{box_keys, disc_cover};
use crate::domain::grid::BoundingBox;
use crate::domain::{Category, OfferStatus};
use crate::matching::CategorySet;

/// Rows inserted per statement: 10 values each, well under SQLite's limit.
const CHUNK: usize = 1_000;

/// An offer whose disc may reach a point: its id, point and radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub offer_id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i64,
}

/// The rows of one offer. A remote offer needs none for remote-capable
/// categories (its distance is 0 there), and a withdrawn one none at all.
fn rows_of(o: &offer::Model) -> Vec<offer_cover::ActiveModel> {
    if o.status == OfferStatus::Withdrawn {
        return Vec::new();
    }
    let on_site: Vec<Category> = CategorySet(o.categories as u8)
        .iter()
        .filter(|c| !(o.remote && c.is_remote_capable()))
        .collect();
    if on_site.is_empty() {
        return Vec::new();
    }
    let cover = disc_cover(o.lat, o.lon, o.radius_m);
    let mut rows = Vec::with_capacity(on_site.len() * cover.keys.len());
    for category in on_site {
        for &cell in &cover.keys {
            rows.push(offer_cover::ActiveModel {
                category: Set(category.index() as i16),
                cell: Set(cell),
                offer_id: Set(o.id),
                lat: Set(o.lat),
                lon: Set(o.lon),
                radius_m: Set(o.radius_m),
                min_lat: Set(cover.bbox.min_lat),
                max_lat: Set(cover.bbox.max_lat),
                min_lon: Set(cover.bbox.min_lon),
                max_lon: Set(cover.bbox.max_lon),
            });
        }
    }
    rows
}

/// Covers new offers.
pub async fn insert(db: &impl ConnectionTrait, offers: &[offer::Model]) -> Result<(), DbErr> {
    let rows: Vec<offer_cover::ActiveModel> = offers.iter().flat_map(rows_of).collect();
    for chunk in rows.chunks(CHUNK) {
        Cover::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Replaces an offer's rows after it changed.
pub async fn replace(db: &impl ConnectionTrait, o: &offer::Model) -> Result<(), DbErr> {
    Cover::delete_many()
        .filter(Column::OfferId.eq(o.id))
        .exec(db)
        .await?;
    insert(db, std::slice::from_ref(o)).await
}

/// The offers of `category` whose disc's box meets `bbox`: a superset of
/// those that reach any point of it, one row each. A point is a box of no
/// size, and lies in one cell of the one level its disc is covered at.
pub async fn reaching(
    db: &impl ConnectionTrait,
    category: Category,
    bbox: &BoundingBox,
) -> Result<Vec<Reach>, DbErr> {
    let rows: Vec<(Uuid, f64, f64, i64)> = Cover::find()
        .select_only()
        .columns([Column::OfferId, Column::Lat, Column::Lon, Column::RadiusM])
        .filter(Column::Category.eq(category.index() as i16))
        .filter(Column::Cell.is_in(box_keys(bbox)))
        .filter(Column::MinLat.lte(bbox.max_lat))
        .filter(Column::MaxLat.gte(bbox.min_lat))
        .filter(Column::MinLon.lte(bbox.max_lon))
        .filter(Column::MaxLon.gte(bbox.min_lon))
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    Ok(rows
        .into_iter()
        .filter(|(offer_id, ..)| seen.insert(*offer_id))
        .map(|(offer_id, lat, lon, radius_m)| Reach {
            offer_id,
            lat,
            lon,
            radius_m,
        })
        .collect())
}
