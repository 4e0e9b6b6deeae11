use sea_orm::entity::prelude::*;

/// A coordinator's acknowledgement of an escalated need (migration 000023).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "acknowledgements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub need_id: Uuid,
    pub by_id: Uuid,
    pub at: i64,
    pub note: String,
    /// `YYYY-MM-DD`, as the coordinator gave it.
    pub follow_up: String,
    pub follow_up_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
