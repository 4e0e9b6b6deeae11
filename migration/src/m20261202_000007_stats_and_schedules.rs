//! What the coordinators' figures and the scheduled emails need.
//!
//! - Covering indexes, so that a county's figures are read from two index
//!   ranges (needs by region and posting time, their matches by need)
//!   without touching the tables' rows. The new matches index starts with
//!   `need_id`, so it replaces the plain one.
//! - `job_runs`: one row per scheduled job and period (the weekly digest of
//!   week `2026-W49`, the stale-need reminders of a day). Its primary key
//!   lets exactly one instance run a period's job, once, even across
//!   restarts and several instances.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .if_not_exists()
                    .col(string_len(JobRuns::Job, 32))
                    .col(string_len(JobRuns::Period, 16))
                    .col(big_integer(JobRuns::RanAt))
                    .primary_key(Index::create().col(JobRuns::Job).col(JobRuns::Period))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            "CREATE INDEX idx_needs_region_posted ON needs (region, posted_at, category, status, id)",
            "CREATE INDEX idx_matches_need_figures ON matches (need_id, status, accepted_at, ended_at)",
            "DROP INDEX idx_matches_need",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "CREATE INDEX idx_matches_need ON matches (need_id)",
            "DROP INDEX idx_matches_need_figures",
            "DROP INDEX idx_needs_region_posted",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Job,
    Period,
    RanAt,
}
