use sea_orm::entity::prelude::*;

/// One cell of an offer's service disc for one category it serves on site.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_cover")]
pub struct Model {
    /// The category's index in docs/matching.md's order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub category: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cell: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: Uuid,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i64,
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
