use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region: String,
    pub needs_considered: i32,
    pub offers_considered: i32,
    pub matched: i32,
    pub total_cost: i64,
    pub solve_ms: i64,
    pub started_by: Option<Uuid>,
    pub started_at: i64,
    pub finished_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
