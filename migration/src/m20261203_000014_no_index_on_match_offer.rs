//! `idx_matches_offer` goes: every proposal of a round paid an entry in it
//! (68,151 for a county), for one filter of the match list. An offer's
//! matches are its volunteer's matches of that offer, which
//! `idx_matches_volunteer` finds among the few a volunteer has.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_matches_offer")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX idx_matches_offer ON matches (offer_id, status)")
            .await?;
        Ok(())
    }
}
