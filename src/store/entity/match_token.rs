use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "match_tokens")]
pub struct Model {
    /// The token's SHA-256, which is how a link finds it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub match_id: Uuid,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
