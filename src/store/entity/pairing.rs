use sea_orm::entity::prelude::*;

/// A key household's standing pairing with its main helper (migration 000022).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pairings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub household_id: Uuid,
    /// The household's village, for the staff's region filters.
    pub region: String,
    pub helper_id: Uuid,
    pub liaison_id: Option<Uuid>,
    pub created_by: Uuid,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub visit_every_days: i32,
    pub last_visit_at: Option<i64>,
    /// The due time of the last visit reminder queued.
    pub reminded_due: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
