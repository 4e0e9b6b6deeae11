//! The database schema of huzhu, one migration per file, each with a real `down`.
//!
//! The same migrations run on SQLite (the embedded default) and PostgreSQL, so
//! they use only portable column types; anything backend-specific is guarded.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_regions;

/// Applies huzhu's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261130_000001_create_regions::Migration)]
    }
}
