use sea_orm::entity::prelude::*;

use crate::domain::{MatchEventKind, MatchStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "match_events")]
pub struct Model {
    /// Unique by itself; the table's key is `(match_id, at, id)`, the order
    /// a match's events are read in (migration 000013).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub match_id: Uuid,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    /// A transition, or a delivery report (migration 000016).
    pub kind: MatchEventKind,
    pub from_status: Option<MatchStatus>,
    pub to_status: MatchStatus,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
