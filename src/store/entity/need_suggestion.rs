use sea_orm::entity::prelude::*;

use crate::domain::Category;

/// A need a helper raised at a visit, for the cadre to confirm (migration 000022).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "need_suggestions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub visit_id: Uuid,
    pub household_id: Uuid,
    pub region: String,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub urgency: i16,
    /// `pending`, `confirmed` or `dismissed`.
    pub status: String,
    pub suggested_by: Uuid,
    pub created_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub need_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
