//! `import_uploads`: a spreadsheet a cadre has checked on the import page,
//! kept until they confirm the import (or for 30 minutes). A browser cannot
//! send a file again, so the confirmation names the kept file by a token.
//!
//! In the database rather than in one server's memory: the check and the
//! confirmation may reach different instances, or one restarted between
//! them. A row is found by the token's SHA-256 and by its owner; each
//! person keeps one file at most, and rows go when used or expired.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportUploads::Table)
                    .col(string_len(ImportUploads::TokenHash, 64).primary_key())
                    .col(uuid(ImportUploads::UserId))
                    .col(blob(ImportUploads::Bytes))
                    .col(big_integer(ImportUploads::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportUploads::Table, ImportUploads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportUploads::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ImportUploads {
    Table,
    TokenHash,
    UserId,
    Bytes,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
