//! Escalation (周调度) and retention (PIPL Art. 47).
//!
//! - `needs` gains its escalation: `escalation` (`township` or `county`, the
//!   highest level reached), `escalated_at` (when it first escalated),
//!   `alerted_at` (the last daily digest that listed it) and `follow_up_at`
//!   (a coordinator's acknowledgement silences re-alerts until then), and
//!   one more figure column derived from its matches like those of
//!   migration 000007: `escalation_to_match_ms`, from escalation to the
//!   first acceptance after it. The figures' covering index is rebuilt to
//!   hold the figure columns the escalation figures read, under a new name
//!   (`idx_needs_figures_v2`): recreated under its old name, SQLite answered
//!   "index already exists" right after dropping it in this migration.
//! - `escalations`: each level a need reached, when and to which region's
//!   coordinators; unique per need and level, so two instances escalating
//!   at once record it once.
//! - `acknowledgements`: what a coordinator said they would do, and when
//!   they will look again.
//! - `households.erased_at` and `users.erased_at`: when a household's or a
//!   volunteer's personal data was erased; the rows stay for the figures.
//! - `idx_needs_open_age`: the open needs by age, for the daily escalation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NEED_COLUMNS: [&str; 5] = [
    "escalation VARCHAR(16) NULL",
    "escalated_at BIGINT NULL",
    "alerted_at BIGINT NULL",
    "follow_up_at BIGINT NULL",
    "escalation_to_match_ms BIGINT NULL",
];

const FIGURES_BEFORE: &str = "CREATE INDEX idx_needs_figures ON needs (region, posted_at, \
    category, status, first_accepted_at, completed_ms, declined_matches, expired_matches, \
    cancelled_matches)";
const FIGURES_AFTER: &str = "CREATE INDEX idx_needs_figures_v2 ON needs (region, posted_at, \
    category, status, first_accepted_at, completed_ms, declined_matches, expired_matches, \
    cancelled_matches, escalation, escalated_at, escalation_to_match_ms)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in NEED_COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE needs ADD COLUMN {column}"))
                .await?;
        }
        for table in ["households", "users"] {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN erased_at BIGINT NULL"
            ))
            .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Escalations::Table)
                    .col(uuid(Escalations::Id).primary_key())
                    .col(uuid(Escalations::NeedId))
                    .col(string_len(Escalations::Level, 16))
                    .col(big_integer(Escalations::At))
                    .col(string_len(Escalations::ToRegion, 12))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Acknowledgements::Table)
                    .col(uuid(Acknowledgements::Id).primary_key())
                    .col(uuid(Acknowledgements::NeedId))
                    .col(uuid(Acknowledgements::ById))
                    .col(big_integer(Acknowledgements::At))
                    .col(text(Acknowledgements::Note))
                    .col(string_len(Acknowledgements::FollowUp, 10))
                    .col(big_integer(Acknowledgements::FollowUpAt))
                    .to_owned(),
            )
            .await?;
        for sql in [
            "CREATE UNIQUE INDEX idx_escalations_need_level ON escalations (need_id, level)",
            "CREATE INDEX idx_escalations_at ON escalations (at)",
            "CREATE INDEX idx_acknowledgements_need ON acknowledgements (need_id, at)",
            "CREATE INDEX idx_needs_open_age ON needs (posted_at) WHERE status = 'open'",
            "DROP INDEX idx_needs_figures",
            FIGURES_AFTER,
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "DROP INDEX idx_needs_figures_v2",
            FIGURES_BEFORE,
            "DROP INDEX idx_needs_open_age",
        ] {
            db.execute_unprepared(sql).await?;
        }
        for table in ["acknowledgements", "escalations"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        for table in ["users", "households"] {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN erased_at"))
                .await?;
        }
        for column in NEED_COLUMNS.iter().rev() {
            let name = column.split(' ').next().unwrap_or_default();
            db.execute_unprepared(&format!("ALTER TABLE needs DROP COLUMN {name}"))
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Escalations {
    Table,
    Id,
    NeedId,
    Level,
    At,
    ToRegion,
}

#[derive(DeriveIden)]
enum Acknowledgements {
    Table,
    Id,
    NeedId,
    ById,
    At,
    Note,
    FollowUp,
    FollowUpAt,
}
