use sea_orm::entity::prelude::*;

use crate::domain::Role;
use crate::i18n::Locale;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email_key: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub region: Option<String>,
    pub locale: Locale,
    pub verified: bool,
    pub password_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// False once an admin deactivated the account: it cannot log in.
    pub active: bool,
    /// When the volunteer erased the account (migration 000023).
    pub erased_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
