//! On PostgreSQL, the columns that hold codes rather than words (region
//! codes, categories, statuses, token hashes, idempotency keys) compare
//! byte by byte (`COLLATE "C"`), as SQLite's `BINARY` always does.
//!
//! Under a database's linguistic collation (`C.UTF-8`, `zh_CN.UTF-8`, …)
//! every comparison of such a column goes through the C library's `strcoll`
//! and no sort can use abbreviated keys, though the order of digits,
//! ASCII letters and hex is the same either way. A county's round compares
//! them hundreds of thousands of times as it writes index entries; a
//! breakdown sorts a hundred thousand region codes. The region columns
//! change together, since columns compared with each other must share a
//! collation. Only the indexes on these columns are rebuilt, not the tables.

use sea_orm_migration::prelude::*;

/// `(table, column, varchar length)`.
const COLUMNS: [(&str, &str, u32); 15] = [
    ("regions", "code", 12),
    ("regions", "parent_code", 12),
    ("users", "region", 12),
    ("households", "region", 12),
    ("needs", "region", 12),
    ("needs", "category", 16),
    ("needs", "status", 12),
    ("offers", "status", 12),
    ("matches", "status", 12),
    ("rounds", "region", 12),
    ("round_locks", "region", 12),
    ("match_tokens", "token_hash", 64),
    ("sessions", "token_hash", 64),
    ("link_tokens", "token_hash", 64),
    ("outbox", "idempotency_key", 200),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every column of `COLUMNS` under `collation`, on PostgreSQL.
async fn collate(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    let alters = COLUMNS.iter().map(|(table, column, len)| {
        format!("ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({len}) COLLATE {collation}")
    });
    crate::on_postgres(manager, alters).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        collate(manager, "\"C\"").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        collate(manager, "\"default\"").await
    }
}
