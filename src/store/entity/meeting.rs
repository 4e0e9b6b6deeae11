use sea_orm::entity::prelude::*;

/// A courtyard meeting (院落会) (migration 000022).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region: String,
    /// Local midnight of the day it was held, in milliseconds.
    pub held_on: i64,
    pub attendance: i32,
    pub notes: String,
    pub created_by: Uuid,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
