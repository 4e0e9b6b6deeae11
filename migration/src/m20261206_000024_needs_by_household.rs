//! `idx_needs_household_id`: a household's needs, every status, newest id
//! first. Migration 000009 dropped the plain index when a household's needs
//! were only ever looked up live (the partial `idx_needs_one_live_per_category`
//! serves those). Since then a household's page lists all its needs'
//! stories, and the retention purge checks each household's needs, ended
//! ones too: without this index each of those read the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX idx_needs_household_id ON needs (household_id, id)")
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_needs_household_id")
            .await
            .map(|_| ())
    }
}
