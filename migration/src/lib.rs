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
mod m20261203_000013_match_events_keyed_by_match;
mod m20261203_000014_no_index_on_match_offer;
mod m20261203_000015_offers_keep_half_their_pages_free;
mod m20261204_000016_match_event_kinds;
mod m20261205_000017_import_uploads;
mod m20261205_000018_work_list;
mod m20261205_000021_users_active;
mod m20261206_000022_pairings_visits_meetings;
mod m20261206_000023_escalation_and_retention;
mod m20261206_000024_needs_by_household;

/// Runs `statements` in order on PostgreSQL; on SQLite, nothing (for the
/// migrations whose change only PostgreSQL needs).
async fn on_postgres<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    statements: impl IntoIterator<Item = S>,
) -> Result<(), DbErr> {
    let statements: Vec<String> = statements
        .into_iter()
        .map(|s| s.as_ref().to_owned())
        .collect();
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

/// SQLite cannot change a table's key in place: `on_sqlite_rebuild` makes
/// `table` anew from `create` (a `CREATE TABLE` of `rebuilt(table)`, with
/// `without_rowid` when the key's b-tree should hold the rows themselves),
/// copies every row (`SELECT values` into `columns`), and puts the new
/// table in the old one's place. Run it inside the migration's transaction.
async fn on_sqlite_rebuild(
    manager: &SchemaManager<'_>,
    table: &str,
    create: TableCreateStatement,
    without_rowid: bool,
    (columns, values): (&str, &str),
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let create = manager.get_database_backend().build(&create).sql;
    let create = if without_rowid {
        format!("{create} WITHOUT ROWID")
    } else {
        create
    };
    let new = rebuilt(table);
    for sql in [
        create,
        format!("INSERT INTO {new} ({columns}) SELECT {values} FROM {table}"),
        format!("DROP TABLE {table}"),
        format!("ALTER TABLE {new} RENAME TO {table}"),
    ] {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Where `on_sqlite_rebuild` builds `table` anew.
fn rebuilt(table: &str) -> String {
    format!("{table}_rebuilt")
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
            Box::new(m20261203_000013_match_events_keyed_by_match::Migration),
            Box::new(m20261203_000014_no_index_on_match_offer::Migration),
            Box::new(m20261203_000015_offers_keep_half_their_pages_free::Migration),
            Box::new(m20261204_000016_match_event_kinds::Migration),
            Box::new(m20261205_000017_import_uploads::Migration),
            Box::new(m20261205_000018_work_list::Migration),
            Box::new(m20261205_000021_users_active::Migration),
            Box::new(m20261206_000022_pairings_visits_meetings::Migration),
            Box::new(m20261206_000023_escalation_and_retention::Migration),
            Box::new(m20261206_000024_needs_by_household::Migration),
        ]
    }
}
