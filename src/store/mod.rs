//! The database: connecting to SQLite or PostgreSQL, sea-orm entities, and the
//! queries, one file per aggregate.

pub mod account_erasure;
pub mod accounts;
pub mod audit;
pub mod bulk;
mod columns;
pub mod entity;
pub mod escalations;
pub mod followup;
pub mod households;
pub mod matches;
pub mod needs;
pub mod offer_cover;
pub mod offers;
pub mod outbox;
pub mod proposals;
pub mod regions;
pub mod retention;
pub mod rounds;
mod sqlite_file;
pub mod staff;
pub mod stats;
pub mod throttle;
pub mod waiting;
pub mod work;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

/// Opens a pool on `url`. SQLite gets WAL, foreign keys, a busy timeout and
/// full fsync on commit, so an acknowledged write survives a crash.
///
/// A request waits at most `wait` for a connection (and PostgreSQL as long
/// to accept a new one): a database that is down or swamped is answered
/// with a 503 in that time, never a hang.
pub async fn connect(url: &str, wait: Duration) -> Result<DatabaseConnection, DbErr> {
    let db = Database::connect(options(url, wait)?).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        check_sqlite_median(&db).await?;
    }
    Ok(db)
}

/// The pool's options for `url` (see [`connect`]).
fn options(url: &str, wait: Duration) -> Result<ConnectOptions, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging_level(log::LevelFilter::Debug)
        .acquire_timeout(wait)
        .connect_timeout(wait);
    if url.starts_with("sqlite:") {
        sqlite_file::create_private(url)
            .map_err(|e| DbErr::Custom(format!("cannot create the database file: {e}")))?;
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // A round writes tens of MiB of pages in one transaction;
                    // with the default 2 MiB cache SQLite spills and re-reads
                    // them over and over. Allocated only as pages are used.
                    .pragma("cache_size", "-65536")
                    // No checkpoint inside a writer's commit: after a round
                    // it copied ~300 MB of WAL back (a second of the round).
                    // `serve` checkpoints in the background instead
                    // (`checkpoint`), and closing the database does too.
                    .pragma("wal_autocheckpoint", "0")
            })
            .map_sqlx_sqlite_before_acquire(|conn, _| {
                Box::pin(async move { Ok(outside_transaction(conn).await) })
            });
    } else {
        options.max_connections(16).min_connections(1);
    }
    Ok(options)
}

/// Whether a pooled SQLite connection is outside any transaction, both as
/// sqlx counts and as SQLite knows; a connection that is not is closed
/// rather than handed out.
///
/// When SQLite rolls a transaction back on its own (`SQLITE_FULL` or
/// `SQLITE_IOERR` in the middle of it: a full disk), sqlx's `ROLLBACK`
/// fails and sqlx goes on counting a transaction that is gone. Its next
/// transaction on that connection is then a `SAVEPOINT`; when that one
/// fails too, `ROLLBACK TO` leaves a real transaction open for good, and
/// every later write on the connection is answered as committed and never
/// is (the fault harness's full disk lost every write after it).
async fn outside_transaction(conn: &mut sea_orm::sqlx::SqliteConnection) -> bool {
    use sea_orm::sqlx::{Connection, Executor};
    // `BEGIN` fails inside a transaction; the probe also runs any rollback
    // queued by a dropped transaction before the count is read.
    let outside = conn.execute("BEGIN").await.is_ok() && conn.execute("ROLLBACK").await.is_ok();
    let counted = conn.is_in_transaction();
    if !outside || counted {
        tracing::warn!(
            counted,
            outside,
            "a SQLite connection left inside a transaction is closed"
        );
        return false;
    }
    true
}

/// Copies what SQLite's WAL holds back into the database file, as far as
/// readers allow, without waiting for them (`PASSIVE`); a no-op on
/// PostgreSQL. Run every few seconds by `serve`, since commits do not.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await?;
    }
    Ok(())
}

/// The figures' medians need SQLite's percentile functions, which its
/// bundled build leaves out unless `LIBSQLITE3_FLAGS` asks for them (the
/// repository's `.cargo/config.toml` does). A build without them is refused
/// at start, not at a coordinator's first report.
async fn check_sqlite_median(db: &DatabaseConnection) -> Result<(), DbErr> {
    let probe = Statement::from_string(DbBackend::Sqlite, "SELECT median(1) AS m");
    match db.query_one_raw(probe).await {
        Ok(_) => Ok(()),
        Err(e) => Err(DbErr::Custom(format!(
            "this SQLite has no median(): build huzhu with \
             LIBSQLITE3_FLAGS=\"-DSQLITE_ENABLE_PERCENTILE\" (as .cargo/config.toml sets) ({e})"
        ))),
    }
}

/// Whether a database error is a unique-constraint violation (a race lost to
/// a concurrent insert of the same key).
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Why the database cannot serve now, when that is why a statement failed:
/// not a fault of the request nor of huzhu, but a state that passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Every connection busy past the wait, or SQLite's write lock held
    /// past its busy timeout: too much at once.
    Busy,
    /// The database does not answer: the connection broke, is refused, or
    /// the server is shutting down or starting.
    Down,
    /// The disk is full: nothing more can be written, reading still works.
    Full,
}

/// The outage behind `e`, if it is one.
pub fn outage(e: &DbErr) -> Option<Outage> {
    use sea_orm::{RuntimeErr, sqlx};
    let sqlx_error = match e {
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) => return Some(Outage::Busy),
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed) => {
            return Some(Outage::Down);
        }
        DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x))
        | DbErr::Conn(RuntimeErr::SqlxError(x)) => x,
        DbErr::Conn(_) => return Some(Outage::Down),
        _ => return None,
    };
    match sqlx_error.as_ref() {
        sqlx::Error::PoolTimedOut => Some(Outage::Busy),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Outage::Down),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The primary result code, whatever the extended one.
                match code.parse::<i32>().ok()? & 0xff {
                    5 | 6 => Some(Outage::Busy), // SQLITE_BUSY, SQLITE_LOCKED
                    13 => Some(Outage::Full),    // SQLITE_FULL
                    10 => Some(Outage::Down),    // SQLITE_IOERR
                    _ => None,
                }
            } else {
                // PostgreSQL's SQLSTATE classes: 08 connection exception,
                // 57P01-57P03 shutting down or starting, 53 insufficient
                // resources (53100 disk full).
                match code.as_ref() {
                    "53100" => Some(Outage::Full),
                    c if c.starts_with("53") => Some(Outage::Busy),
                    c if c.starts_with("08") || c.starts_with("57P") => Some(Outage::Down),
                    _ => None,
                }
            }
        }
        _ => None,
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout
/// instead of failing when a reader tries to upgrade.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// `status = 'value'`, written so that SQLite's planner cannot use an
/// index on `status` (`status || ''` is not the column): for a statement
/// that also names a few ids, the primary key is the way in, and the status
/// index would walk every row of that status instead.
pub fn status_without_index(value: impl Status) -> sea_orm::sea_query::SimpleExpr {
    // A status is one of its enum's fixed words: nothing to quote.
    sea_orm::sea_query::Expr::cust(format!("status || '' = '{}'", value.word()))
}

/// The statuses a `status` column holds, which raw SQL may spell out.
pub trait Status: Copy {
    /// The status as stored.
    fn word(self) -> &'static str;
}

impl Status for crate::domain::NeedStatus {
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Status for crate::domain::OfferStatus {
    fn word(self) -> &'static str {
        self.as_str()
    }
}

/// PostgreSQL: runs `update` (an `UPDATE … RETURNING id` whose parameter
/// `$ids_param` is the array of ids it was asked to change) and returns the
/// ids of that array it did not change. The server answers with the few
/// that missed instead of the tens of thousands that moved.
async fn missed_by_update(
    db: &impl ConnectionTrait,
    update: &str,
    ids_param: usize,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<uuid::Uuid>, DbErr> {
    let sql = format!(
        "WITH moved AS ({update}) \
         SELECT w.id FROM unnest(${ids_param}::uuid[]) AS w(id) EXCEPT SELECT id FROM moved"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<uuid::Uuid>("", "id"))
        .collect()
}

/// The ids of `wanted` that are not among `moved`.
fn missed(wanted: impl Iterator<Item = uuid::Uuid>, moved: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
    let moved: std::collections::HashSet<&uuid::Uuid> = moved.iter().collect();
    wanted.filter(|id| !moved.contains(id)).collect()
}

/// Whether `e` is SQLite's "database is locked" (`SQLITE_BUSY`): another
/// connection held the write lock longer than the busy timeout. Trying
/// again later is the cure.
pub fn is_busy(e: &DbErr) -> bool {
    outage(e) == Some(Outage::Busy)
}

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_without_index_is_its_stored_word_behind_a_concatenation() {
        use sea_orm::sea_query::{Query, SqliteQueryBuilder};
        let sql = Query::select()
            .expr(status_without_index(crate::domain::OfferStatus::Active))
            .to_string(SqliteQueryBuilder);
        assert_eq!(sql, "SELECT status || '' = 'active'");
    }

    #[tokio::test]
    async fn a_write_lock_held_elsewhere_is_busy_and_other_errors_are_not() {
        let dir = tempfile::tempdir().expect("folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let holder = connect(&url, Duration::from_secs(3))
            .await
            .expect("connect");
        holder
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .expect("table");
        let held = begin_write(&holder).await.expect("write lock");
        let mut options = ConnectOptions::new(url);
        options.max_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::ZERO)
        });
        let other = Database::connect(options).await.expect("connect");
        let refused = other
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .expect_err("the lock is held");
        assert!(is_busy(&refused), "{refused:?}");
        let wrong = other
            .execute_unprepared("INSERT INTO missing VALUES (1)")
            .await
            .expect_err("no such table");
        assert!(!is_busy(&wrong));
        held.rollback().await.expect("release");
    }

    #[tokio::test]
    async fn a_full_database_is_an_outage_of_space_and_a_closed_pool_one_of_the_database() {
        let dir = tempfile::tempdir().expect("folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = connect(&url, Duration::from_secs(3))
            .await
            .expect("connect");
        db.execute_unprepared("CREATE TABLE t (x BLOB)")
            .await
            .expect("table");
        // SQLite answers SQLITE_FULL when the file may grow no further, as
        // it does when the disk has no room left. One connection: the
        // limit is a setting of the connection.
        let txn = begin_write(&db).await.expect("begin");
        txn.execute_unprepared("PRAGMA max_page_count = 20")
            .await
            .expect("limit");
        let mut full = None;
        for _ in 0..200 {
            if let Err(e) = txn
                .execute_unprepared("INSERT INTO t VALUES (zeroblob(8000))")
                .await
            {
                full = Some(e);
                break;
            }
        }
        // SQLite rolled the whole transaction back on its own: sqlx's
        // rollback would fail ("no transaction is active").
        drop(txn);
        let full = full.expect("the file filled up");
        assert_eq!(outage(&full), Some(Outage::Full), "{full:?}");
        db.clone().close().await.expect("closed");
        let closed = db
            .execute_unprepared("SELECT 1")
            .await
            .expect_err("the pool is closed");
        assert_eq!(outage(&closed), Some(Outage::Down), "{closed:?}");
    }

    #[tokio::test]
    async fn a_connection_whose_transaction_sqlite_ended_on_its_own_is_not_reused() {
        let dir = tempfile::tempdir().expect("folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        // One connection, so that each transaction would reuse it.
        let mut one = options(&url, Duration::from_secs(3)).expect("options");
        one.max_connections(1);
        let db = Database::connect(one).await.expect("connect");
        db.execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .expect("table");
        // One transaction whose end SQLite decided, as it does after
        // SQLITE_FULL: sqlx still counts it when it is dropped.
        let ended = begin_write(&db).await.expect("begin");
        ended.execute_unprepared("ROLLBACK").await.expect("ended");
        drop(ended);
        // Then, on the same connection if it were reused, a transaction
        // that fails, and one that commits.
        for _ in 0..8 {
            let failing = begin_write(&db).await.expect("begin");
            failing
                .execute_unprepared("INSERT INTO t VALUES (1)")
                .await
                .expect("insert");
            let _ = failing
                .execute_unprepared("INSERT INTO missing VALUES (1)")
                .await;
            drop(failing);
            let committed = begin_write(&db).await.expect("begin");
            committed
                .execute_unprepared("INSERT INTO t VALUES (2)")
                .await
                .expect("insert");
            committed.commit().await.expect("commit");
        }
        // Every committed row is there for another connection to read.
        let other = Database::connect(url).await.expect("connect");
        let row = other
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*) AS n FROM t WHERE x = 2",
            ))
            .await
            .expect("count")
            .expect("row");
        assert_eq!(row.try_get::<i64>("", "n").expect("n"), 8);
    }
}
