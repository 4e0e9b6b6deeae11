//! Storage and indexes for a county's scale: a matching round changes tens
//! of thousands of needs and offers at once, and "near me" must answer in
//! milliseconds among a hundred thousand needs.
//!
//! - On PostgreSQL, offers' pages keep a fifth free, so that an update of
//!   columns no index holds (`live_matches`, `updated_at`) stays on its page
//!   and touches no index (a "HOT" update). Pages written before this keep
//!   their layout until they are rewritten.
//! - Indexes no query needs any more, which every write paid for (a round
//!   changes the status of tens of thousands of needs, and each change
//!   writes an entry into every index of `needs`):
//!   `idx_offers_radius_lat` served candidates before `offer_cover` did;
//!   `idx_needs_household` is covered by `idx_needs_one_live_per_category`
//!   (a household's needs are only ever looked up live);
//!   `idx_needs_status_region` by `idx_needs_figures` (region first) and
//!   `idx_needs_posted` (status alone selects most of the table anyway).
//! - `idx_needs_cell_points` replaces `idx_needs_cell` and also holds each
//!   need's point and id, so that "near me" reads the points of a few cells
//!   from the index alone, without visiting a thousand table rows.

use sea_orm_migration::prelude::*;

/// The dropped indexes, with what re-creates them.
const DROPPED: [(&str, &str); 3] = [
    ("idx_offers_radius_lat", "offers (radius_m, lat)"),
    ("idx_needs_household", "needs (household_id)"),
    (
        "idx_needs_status_region",
        "needs (status, region, posted_at)",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE offers SET (fillfactor = 80)")
                .await?;
        }
        for index in DROPPED {
            db.execute_unprepared(&format!("DROP INDEX {}", index.0))
                .await?;
        }
        db.execute_unprepared(
            "CREATE INDEX idx_needs_cell_points ON needs (cell, status, lat, lon, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_needs_cell").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX idx_needs_cell ON needs (cell, status)")
            .await?;
        db.execute_unprepared("DROP INDEX idx_needs_cell_points")
            .await?;
        for (name, definition) in DROPPED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {definition}"))
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE offers RESET (fillfactor)")
                .await?;
        }
        Ok(())
    }
}
