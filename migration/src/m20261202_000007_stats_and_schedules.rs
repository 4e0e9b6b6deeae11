//! What the coordinators' figures and the scheduled emails need.
//!
//! - Each need carries the figures of its own matches: when it was first
//!   accepted, how long its completing match took from acceptance, and how
//!   many of its matches were declined, expired or cancelled. They are
//!   derived from `matches` by one statement (`store::stats::refresh`) in
//!   the transaction of every change to a need's matches, so a county's
//!   figures are one range scan of one covering index instead of a join of
//!   100,000 needs with 100,000 matches. `up` fills them for existing rows.
//! - `job_runs`: one row per scheduled job and period (the weekly digest of
//!   week `2026-W49`, the stale-need reminders of a day), so that later
//!   ticks skip a period that is done.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 5] = [
    "first_accepted_at BIGINT NULL",
    "completed_ms BIGINT NULL",
    "declined_matches INTEGER NOT NULL DEFAULT 0",
    "expired_matches INTEGER NOT NULL DEFAULT 0",
    "cancelled_matches INTEGER NOT NULL DEFAULT 0",
];

/// The same derivation as `store::stats::refresh`, for the rows that exist.
const FILL: &str = "UPDATE needs SET \
    first_accepted_at = (SELECT MIN(m.accepted_at) FROM matches m WHERE m.need_id = needs.id), \
    completed_ms = (SELECT MIN(m.ended_at - m.accepted_at) FROM matches m \
        WHERE m.need_id = needs.id AND m.status = 'completed'), \
    declined_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = 'declined'), \
    expired_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = 'expired'), \
    cancelled_matches = (SELECT COUNT(*) FROM matches m WHERE m.need_id = needs.id AND m.status = 'cancelled')";

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
        for column in COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE needs ADD COLUMN {column}"))
                .await?;
        }
        for sql in [
            FILL,
            "CREATE INDEX idx_needs_figures ON needs (region, posted_at, category, status, \
             first_accepted_at, completed_ms, declined_matches, expired_matches, cancelled_matches)",
            // Serves the derivation; starts with need_id, so it replaces the plain index.
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
            "DROP INDEX idx_needs_figures",
        ] {
            db.execute_unprepared(sql).await?;
        }
        for column in COLUMNS.iter().rev() {
            let name = column.split(' ').next().unwrap_or_default();
            db.execute_unprepared(&format!("ALTER TABLE needs DROP COLUMN {name}"))
                .await?;
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
