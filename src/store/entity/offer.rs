use sea_orm::entity::prelude::*;

use crate::domain::OfferStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub categories: i32,
    pub lat: f64,
    pub lon: f64,
    pub cell: i64,
    pub radius_km: String,
    pub radius_m: i64,
    pub remote: bool,
    pub capacity: i32,
    pub live_matches: i32,
    pub status: OfferStatus,
    pub available_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
