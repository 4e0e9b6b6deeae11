use sea_orm::entity::prelude::*;

/// A visit to a household (migration 000022).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub household_id: Uuid,
    pub region: String,
    pub pairing_id: Option<Uuid>,
    pub visitor_id: Uuid,
    pub kind: String,
    pub relation: Option<String>,
    pub at: i64,
    pub notes: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
