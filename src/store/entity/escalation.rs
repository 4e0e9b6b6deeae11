use sea_orm::entity::prelude::*;

use crate::domain::escalation::EscalationLevel;

/// A level a need escalated to, when, and whose coordinators (the region
/// code) it reached (migration 000023).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub need_id: Uuid,
    pub level: EscalationLevel,
    pub at: i64,
    pub to_region: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
