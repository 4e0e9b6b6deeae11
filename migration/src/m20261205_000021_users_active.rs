//! `users.active`: an admin deactivates a staff account instead of deleting
//! it, so that its history (households registered, needs posted, matches
//! confirmed) keeps its author. A deactivated account cannot log in; its
//! sessions and pending links are ended when it is deactivated.
//!
//! A village list an admin uploads on `/villages` waits for the "apply"
//! in `import_uploads` (migration 000017) like a checked household file:
//! only admins upload villages and only cadres households, so one person
//! never keeps both kinds.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Active)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Active,
}
