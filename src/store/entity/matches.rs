use sea_orm::entity::prelude::*;

use crate::domain::{MatchOrigin, MatchStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub need_id: Uuid,
    /// None for a pairing-first proposal, made to the household's helper.
    pub offer_id: Option<Uuid>,
    pub volunteer_id: Uuid,
    pub origin: MatchOrigin,
    pub status: MatchStatus,
    pub round_id: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub expires_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
