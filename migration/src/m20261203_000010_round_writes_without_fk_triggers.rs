//! On PostgreSQL, the foreign keys of `matches` (to `needs` and `offers`)
//! and of `match_events` (to `matches`) are dropped.
//!
//! PostgreSQL checks each such key with a trigger that looks up and
//! share-locks the referenced row, one row at a time: a county's round of
//! 68,151 proposals spent 1.2 s in the two triggers of `matches` and 0.6 s
//! in that of `match_events`, a sixth of the round. Neither check can fail:
//! every statement that writes a match first moves its need (`open` to
//! `matched`) and takes a place of its offer by a conditional update in the
//! same transaction, which proves both rows exist and locks them; every
//! event is written in the transaction of its match; and huzhu deletes no
//! need, offer or match. SQLite keeps its keys: there a check is an index
//! probe inside the process, and dropping one would mean rebuilding the table.

use sea_orm_migration::prelude::*;

/// The keys, as `(table, constraint, definition)`.
const KEYS: [(&str, &str, &str); 3] = [
    (
        "matches",
        "matches_need_id_fkey",
        "FOREIGN KEY (need_id) REFERENCES needs (id)",
    ),
    (
        "matches",
        "matches_offer_id_fkey",
        "FOREIGN KEY (offer_id) REFERENCES offers (id)",
    ),
    (
        "match_events",
        "match_events_match_id_fkey",
        "FOREIGN KEY (match_id) REFERENCES matches (id)",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drops = KEYS
            .iter()
            .map(|(table, name, _)| format!("ALTER TABLE {table} DROP CONSTRAINT {name}"));
        crate::on_postgres(manager, drops).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let adds = KEYS.iter().map(|(table, name, definition)| {
            format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        });
        crate::on_postgres(manager, adds).await
    }
}
