//! The database schema of huzhu, one migration per file, each with a real `down`.
//!
//! The same migrations run on SQLite (the embedded default) and PostgreSQL, so
//! they use only portable column types; anything backend-specific is guarded.
//! Times are stored as milliseconds since the Unix epoch (BIGINT), which both
//! backends compare and bucket the same way.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_regions;
mod m20261130_000002_create_outbox;
mod m20261130_000003_create_accounts;
mod m20261130_000004_create_households_needs_offers;
mod m20261130_000005_create_rounds;
mod m20261202_000006_create_offer_cover;
mod m20261202_000007_stats_and_schedules;
mod m20261202_000008_outbox_payload;
mod m20261202_000009_county_scale_indexes;
mod m20261203_000010_round_writes_without_fk_triggers;
mod m20261203_000011_codes_compare_bytewise;
mod m20261203_000012_match_tokens_keyed_by_hash;

/// Runs `statements` in order on PostgreSQL; on SQLite, nothing (for the
/// migrations whose change only PostgreSQL needs).
async fn on_postgres(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

/// Applies huzhu's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_create_regions::Migration),
            Box::new(m20261130_000002_create_outbox::Migration),
            Box::new(m20261130_000003_create_accounts::Migration),
            Box::new(m20261130_000004_create_households_needs_offers::Migration),
            Box::new(m20261130_000005_create_rounds::Migration),
            Box::new(m20261202_000006_create_offer_cover::Migration),
            Box::new(m20261202_000007_stats_and_schedules::Migration),
            Box::new(m20261202_000008_outbox_payload::Migration),
            Box::new(m20261202_000009_county_scale_indexes::Migration),
            Box::new(m20261203_000010_round_writes_without_fk_triggers::Migration),
            Box::new(m20261203_000011_codes_compare_bytewise::Migration),
            Box::new(m20261203_000012_match_tokens_keyed_by_hash::Migration),
        ]
    }
}
