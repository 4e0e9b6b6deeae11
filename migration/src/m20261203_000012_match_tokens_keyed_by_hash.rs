//! A link token is found by its hash and by nothing else, so the hash
//! becomes the key of `match_tokens` and the row's own `id` goes.
//!
//! A county's round writes 68,151 tokens in its transaction; each cost an
//! entry in the table, in the `id` key and in the unique hash index. Now a
//! row is one entry of the hash key: on PostgreSQL the hash is the primary
//! key in the unique index's place; on SQLite the table is rebuilt `WITHOUT ROWID`, so the
//! key's b-tree holds the rows themselves. Existing tokens keep working.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite too rebuilds the table in one transaction: a crash halfway
    /// leaves the old table, and every statement sees the one before it.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let statements = [
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_pkey",
                "ALTER TABLE match_tokens DROP COLUMN id",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_pkey PRIMARY KEY (token_hash)",
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_token_hash_key",
            ];
            return crate::on_postgres(manager, statements).await;
        }
        let keyed = Table::create()
            .table(Alias::new(crate::rebuilt(TABLE)))
            .col(string_len(MatchTokens::TokenHash, 64).primary_key())
            .col(uuid(MatchTokens::MatchId))
            .col(big_integer(MatchTokens::ExpiresAt))
            .col(big_integer_null(MatchTokens::UsedAt))
            .to_owned();
        let copy = "token_hash, match_id, expires_at, used_at";
        crate::on_sqlite_rebuild(manager, TABLE, keyed, true, (copy, copy)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let statements = [
                "ALTER TABLE match_tokens ADD COLUMN id uuid",
                "UPDATE match_tokens SET id = gen_random_uuid()",
                "ALTER TABLE match_tokens ALTER COLUMN id SET NOT NULL",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_token_hash_key \
                 UNIQUE (token_hash)",
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_pkey",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_pkey PRIMARY KEY (id)",
            ];
            return crate::on_postgres(manager, statements).await;
        }
        // As migration 000005 made it; the old rows get fresh ids.
        let with_id = Table::create()
            .table(Alias::new(crate::rebuilt(TABLE)))
            .col(uuid(MatchTokens::Id).primary_key())
            .col(uuid(MatchTokens::MatchId))
            .col(string_len_uniq(MatchTokens::TokenHash, 64))
            .col(big_integer(MatchTokens::ExpiresAt))
            .col(big_integer_null(MatchTokens::UsedAt))
            .to_owned();
        let copy = (
            "id, match_id, token_hash, expires_at, used_at",
            "randomblob(16), match_id, token_hash, expires_at, used_at",
        );
        crate::on_sqlite_rebuild(manager, TABLE, with_id, false, copy).await
    }
}

const TABLE: &str = "match_tokens";

#[derive(DeriveIden)]
enum MatchTokens {
    Id,
    MatchId,
    TokenHash,
    ExpiresAt,
    UsedAt,
}
