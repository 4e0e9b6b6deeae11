//! What the cadre's work list (`/work`) reads.
//!
//! - `work_visits`: when each person last looked at their work list, so
//!   that the page can say what changed since. One row per person who ever
//!   opened it, rewritten on each visit. A table of its own rather than a
//!   column of `users`: the row is written on every visit, and `users` is
//!   read on every request (sessions), so its rows stay as they are.
//! - `idx_match_events_told`: match events by time, but only those a cadre
//!   is told of — every event except a new proposal. "What changed since
//!   my last visit" reads a few days of them, newest first; through the
//!   needs of a county's region it probed 100,000 needs' matches (2 s on
//!   SQLite). A round writes only proposals, so its 68,151 first events
//!   cost the index nothing; the answers, reports and endings that enter
//!   it come one at a time.

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
            .await?;
        // Partial, on both backends; a query uses it when its WHERE holds
        // this same term, written as a literal (`store::work::changes`).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_match_events_told ON match_events (at) \
                 WHERE to_status <> 'proposed'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_match_events_told")
            .await?;
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
