use sea_orm::entity::prelude::*;

use crate::domain::escalation::EscalationLevel;
use crate::domain::{Category, NeedStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
/// The figure columns (`first_accepted_at`, `completed_ms`, `declined_matches`,
/// …) are left out: `store::stats::refresh` alone writes them, and only the
/// figures' queries read them.
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub household_id: Uuid,
    pub region: String,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub urgency: i16,
    pub status: NeedStatus,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub cell: Option<i64>,
    pub cancel_reason: Option<String>,
    pub created_by: Uuid,
    pub posted_at: i64,
    pub updated_at: i64,
    /// The highest level the need escalated to while open (migration 000023).
    pub escalation: Option<EscalationLevel>,
    /// When it first escalated.
    pub escalated_at: Option<i64>,
    /// The last daily digest that listed it.
    pub alerted_at: Option<i64>,
    /// An acknowledgement silences re-alerts until this moment.
    pub follow_up_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
