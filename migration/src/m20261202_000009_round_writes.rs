//! Cheaper writes for a matching round, which updates tens of thousands of
//! offers at once (their `live_matches`).
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
            for table in ["offers", "needs"] {
                db.execute_unprepared(&format!("ALTER TABLE {table} SET (fillfactor = 80)"))
                    .await?;
            }
        }
        for index in DROPPED {
            db.execute_unprepared(&format!("DROP INDEX {}", index.0))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, definition) in DROPPED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {definition}"))
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in ["offers", "needs"] {
                db.execute_unprepared(&format!("ALTER TABLE {table} RESET (fillfactor)"))
                    .await?;
            }
        }
        Ok(())
    }
}
