use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "households")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region: String,
    pub head_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub members: i32,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub tags: String,
    pub created_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
    /// When its personal data was erased (migration 000023).
    pub erased_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
