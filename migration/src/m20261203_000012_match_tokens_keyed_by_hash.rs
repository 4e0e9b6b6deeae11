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
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for sql in [
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_pkey",
                "ALTER TABLE match_tokens DROP COLUMN id",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_pkey PRIMARY KEY (token_hash)",
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_token_hash_key",
            ] {
                db.execute_unprepared(sql).await?;
            }
            return Ok(());
        }
        let keyed = Table::create()
            .table(Alias::new(REBUILT))
            .col(string_len(MatchTokens::TokenHash, 64).primary_key())
            .col(uuid(MatchTokens::MatchId))
            .col(big_integer(MatchTokens::ExpiresAt))
            .col(big_integer_null(MatchTokens::UsedAt))
            .to_owned();
        let create = manager.get_database_backend().build(&keyed);
        db.execute_unprepared(&format!("{} WITHOUT ROWID", create.sql))
            .await?;
        rebuild(
            manager,
            "token_hash, match_id, expires_at, used_at",
            "token_hash, match_id, expires_at, used_at",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for sql in [
                "ALTER TABLE match_tokens ADD COLUMN id uuid",
                "UPDATE match_tokens SET id = gen_random_uuid()",
                "ALTER TABLE match_tokens ALTER COLUMN id SET NOT NULL",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_token_hash_key \
                 UNIQUE (token_hash)",
                "ALTER TABLE match_tokens DROP CONSTRAINT match_tokens_pkey",
                "ALTER TABLE match_tokens ADD CONSTRAINT match_tokens_pkey PRIMARY KEY (id)",
            ] {
                db.execute_unprepared(sql).await?;
            }
            return Ok(());
        }
        // As migration 000005 made it; the old rows get fresh ids.
        let with_id = Table::create()
            .table(Alias::new(REBUILT))
            .col(uuid(MatchTokens::Id).primary_key())
            .col(uuid(MatchTokens::MatchId))
            .col(string_len_uniq(MatchTokens::TokenHash, 64))
            .col(big_integer(MatchTokens::ExpiresAt))
            .col(big_integer_null(MatchTokens::UsedAt))
            .to_owned();
        manager.create_table(with_id).await?;
        rebuild(
            manager,
            "id, match_id, token_hash, expires_at, used_at",
            "randomblob(16), match_id, token_hash, expires_at, used_at",
        )
        .await
    }
}

/// Where SQLite builds the new table before it takes the old one's name.
const REBUILT: &str = "match_tokens_rebuilt";

/// SQLite: fills `REBUILT` (`columns`) from `match_tokens`
/// (`values`), then puts it in the old table's place.
async fn rebuild(manager: &SchemaManager<'_>, columns: &str, values: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "INSERT INTO {REBUILT} ({columns}) SELECT {values} FROM match_tokens"
    ))
    .await?;
    db.execute_unprepared("DROP TABLE match_tokens").await?;
    db.execute_unprepared(&format!("ALTER TABLE {REBUILT} RENAME TO match_tokens"))
        .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum MatchTokens {
    Id,
    MatchId,
    TokenHash,
    ExpiresAt,
    UsedAt,
}
