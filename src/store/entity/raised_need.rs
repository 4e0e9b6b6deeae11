use sea_orm::entity::prelude::*;

/// A need raised at a visit or a courtyard meeting (migration 000022).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raised_needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub need_id: Uuid,
    pub visit_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
