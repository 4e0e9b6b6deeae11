//! On PostgreSQL, offers' pages keep half their space free (fillfactor 50,
//! from 80), so that a round's update of their places stays on the page and
//! touches no index (a "HOT" update).
//!
//! A county's round takes places of 48,626 of its 92,507 offers, about
//! half of every page. With a fifth of each page free, only half of those
//! updates fit on their page (24,596 were HOT); the others wrote an entry
//! into each of the table's four indexes. Pages written before this keep
//! their layout until they are rewritten.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let fillfactor = "ALTER TABLE offers SET (fillfactor = 50)";
        crate::on_postgres(manager, [fillfactor]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let fillfactor = "ALTER TABLE offers SET (fillfactor = 80)";
        crate::on_postgres(manager, [fillfactor]).await
    }
}
