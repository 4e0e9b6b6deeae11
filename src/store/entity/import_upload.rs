use sea_orm::entity::prelude::*;

/// A checked spreadsheet waiting for its owner to confirm the import.
#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_uploads")]
pub struct Model {
    /// The token's SHA-256, which is how the confirmation finds it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub user_id: Uuid,
    /// The file as uploaded: household personal data, never logged.
    #[sea_orm(column_type = "Blob")]
    pub bytes: Vec<u8>,
    pub expires_at: i64,
}

/// The file's bytes stay out of logs and panic messages.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportUpload")
            .field("user_id", &self.user_id)
            .field("bytes", &self.bytes.len())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
