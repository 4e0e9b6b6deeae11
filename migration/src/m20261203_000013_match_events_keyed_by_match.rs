//! A match's events are only ever read together, in order, so their key
//! becomes `(match_id, at, id)` and the separate `(match_id, at)` index
//! goes.
//!
//! A county's round writes 68,151 first events in its transaction; each
//! cost an entry in the `id` key and one in the index. Now the key serves
//! the reading: on PostgreSQL the primary key is the composite one; on
//! SQLite the table is rebuilt `WITHOUT ROWID`, so one b-tree holds the
//! rows in the order they are read (it was a table, its `id` key and the
//! index).

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "match_events";

/// Every column, for copying the rows over.
const COLUMNS: &str = "id, match_id, at, actor_id, from_status, to_status, note";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite rebuilds the table in one transaction.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let statements = [
                "ALTER TABLE match_events DROP CONSTRAINT match_events_pkey, \
                 ADD CONSTRAINT match_events_pkey PRIMARY KEY (match_id, at, id)",
                "DROP INDEX idx_match_events_match",
            ];
            return crate::on_postgres(manager, statements).await;
        }
        let keyed = columns(Table::create().table(Alias::new(crate::rebuilt(TABLE))))
            .primary_key(
                Index::create()
                    .col(MatchEvents::MatchId)
                    .col(MatchEvents::At)
                    .col(MatchEvents::Id),
            )
            .to_owned();
        crate::on_sqlite_rebuild(manager, TABLE, keyed, true, (COLUMNS, COLUMNS)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = "CREATE INDEX idx_match_events_match ON match_events (match_id, at)";
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let statements = [
                index,
                "ALTER TABLE match_events DROP CONSTRAINT match_events_pkey, \
                 ADD CONSTRAINT match_events_pkey PRIMARY KEY (id)",
            ];
            return crate::on_postgres(manager, statements).await;
        }
        // As migration 000004 made it.
        let by_id = columns(Table::create().table(Alias::new(crate::rebuilt(TABLE))))
            .primary_key(Index::create().col(MatchEvents::Id))
            .to_owned();
        crate::on_sqlite_rebuild(manager, TABLE, by_id, false, (COLUMNS, COLUMNS)).await?;
        manager.get_connection().execute_unprepared(index).await?;
        Ok(())
    }
}

/// The table's columns and its key to `matches`, as migration 000004 made
/// them; the primary key is the caller's.
fn columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(uuid(MatchEvents::Id))
        .col(uuid(MatchEvents::MatchId))
        .col(big_integer(MatchEvents::At))
        .col(uuid_null(MatchEvents::ActorId))
        .col(string_len_null(MatchEvents::FromStatus, 12))
        .col(string_len(MatchEvents::ToStatus, 12))
        .col(text_null(MatchEvents::Note))
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(crate::rebuilt(TABLE)), MatchEvents::MatchId)
                .to(Matches::Table, Matches::Id),
        )
}

#[derive(DeriveIden)]
enum MatchEvents {
    Id,
    MatchId,
    At,
    ActorId,
    FromStatus,
    ToStatus,
    Note,
}

#[derive(DeriveIden)]
enum Matches {
    Table,
    Id,
}
