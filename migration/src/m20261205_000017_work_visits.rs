//! `work_visits`: when each person last looked at their work list (`/work`),
//! so that the page can say what changed since. One row per person who ever
//! opened it, rewritten on each visit.
//!
//! A table of its own rather than a column of `users`: the row is written
//! on every visit, and `users` is read on every request (sessions), so its
//! rows stay as they are; and the accounts' code keeps its shape.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkVisits::Table)
                    .col(uuid(WorkVisits::UserId).primary_key())
                    // Milliseconds since the Unix epoch, as every stored time.
                    .col(big_integer(WorkVisits::SeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkVisits::Table, WorkVisits::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkVisits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WorkVisits {
    Table,
    UserId,
    SeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
