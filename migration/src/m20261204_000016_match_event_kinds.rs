//! A match's history holds more than its transitions: the volunteer's
//! reports that the help was delivered, which leave the match `accepted`.
//! Each event now says which it is in `kind` (`transition` or `delivered`).
//!
//! Every event written before was a transition, and a round's bulk insert
//! of first events leaves the column to its default, so the default is
//! `transition`. A report is the one event whose `from` and `to` are the
//! same status: `up` reads that back into `kind`, so that a `down` and an
//! `up` again lose no report.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MatchEvents::Table)
                    .add_column(string_len(MatchEvents::Kind, 12).default("transition"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE match_events SET kind = 'delivered' WHERE from_status = to_status",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MatchEvents::Table)
                    .drop_column(MatchEvents::Kind)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum MatchEvents {
    Table,
    Kind,
}
