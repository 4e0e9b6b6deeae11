//! Backups while the service runs, and restoring one into an empty
//! database: `huzhu backup FILE` and `huzhu restore FILE`.
//!
//! SQLite copies itself with `VACUUM INTO` (one read transaction: a
//! consistent snapshot, writers carry on); PostgreSQL is dumped by
//! `pg_dump --format=custom` (one repeatable-read snapshot) and restored by
//! `pg_restore`. A backup file holds every household's personal data: it is
//! created readable by huzhu's user alone, and never over an existing file.
//! A restore goes into a database with no tables at all, so that it can
//! never mix two histories or overwrite one, and then brings the schema up
//! to this version's migrations.

mod postgres;
mod sqlite;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

/// What a backup file holds, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A SQLite database file (`SQLite format 3\0`).
    Sqlite,
    /// A `pg_dump --format=custom` archive (`PGDMP`).
    PgDump,
}

impl Format {
    /// The format of a file starting with `head`, if it is one of ours.
    pub fn of(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"SQLite format 3\0") {
            Some(Self::Sqlite)
        } else if head.starts_with(b"PGDMP") {
            Some(Self::PgDump)
        } else {
            None
        }
    }

    /// The format a database URL backs up to.
    fn of_url(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite
        } else {
            Self::PgDump
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Sqlite => "a SQLite backup",
            Self::PgDump => "a PostgreSQL backup (pg_dump custom format)",
        }
    }

    /// The kind of file, as the commands report it.
    fn kind(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite database",
            Self::PgDump => "pg_dump custom format",
        }
    }

    fn database(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::PgDump => "PostgreSQL",
        }
    }
}

/// Why a backup or restore did not happen. Nothing is left half-written:
/// a failed backup removes its file, a failed restore leaves the target
/// empty.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "{0} already exists: a backup never overwrites a file; choose a new name (e.g. with the date) or move the old one away"
    )]
    FileExists(PathBuf),
    #[error("there is no database at {0}: check HUZHU_DATABASE_URL")]
    NoDatabase(PathBuf),
    #[error(
        "the target database is not empty ({0}); restore only into a new, empty database: \
         a SQLite file that does not exist yet, or a PostgreSQL database just made with createdb"
    )]
    NotEmpty(String),
    #[error(
        "{file} is {found}, but HUZHU_DATABASE_URL names a {target} database: restore it into a {found_db} database"
    )]
    Mismatch {
        file: PathBuf,
        found: &'static str,
        found_db: &'static str,
        target: &'static str,
    },
    #[error(
        "{0} is not a huzhu backup: neither a SQLite database nor a pg_dump custom-format archive"
    )]
    UnknownFormat(PathBuf),
    #[error("{0}")]
    Unusable(String),
    #[error("{tool} is not installed or not on PATH. {hint}")]
    ToolMissing { tool: &'static str, hint: String },
    #[error("{tool} failed ({status}): {stderr}")]
    ToolFailed {
        tool: &'static str,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// A backup written.
#[derive(Debug)]
pub struct Written {
    pub file: PathBuf,
    pub format: Format,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "backup written to {}: {}, {}, in {:.3}s",
            self.file.display(),
            size(self.bytes),
            self.format.kind(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// A backup restored.
#[derive(Debug)]
pub struct Restored {
    pub file: PathBuf,
    pub format: Format,
    pub bytes: u64,
    /// Migrations newer than the backup, applied after it was restored.
    pub migrations_applied: usize,
    pub elapsed: Duration,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "restored {} ({}, {}) and applied {} newer migrations in {:.3}s",
            self.file.display(),
            self.format.kind(),
            size(self.bytes),
            self.migrations_applied,
            self.elapsed.as_secs_f64()
        )
    }
}

fn size(bytes: u64) -> String {
    format!(
        "{:.1} MiB ({bytes} bytes)",
        bytes as f64 / (1024.0 * 1024.0)
    )
}

/// Writes a consistent copy of the database at `url` to the new file
/// `file`, while the service may go on writing.
#[tracing::instrument(skip_all)]
pub async fn backup(url: &str, file: &Path) -> Result<Written, BackupError> {
    let started = Instant::now();
    let file = std::path::absolute(file).map_err(io(format!("{}", file.display())))?;
    let format = Format::of_url(url);
    match format {
        Format::Sqlite => sqlite::backup(url, &file).await?,
        Format::PgDump => postgres::backup(url, &file).await?,
    }
    let bytes = std::fs::metadata(&file)
        .map_err(io(format!("{}", file.display())))?
        .len();
    Ok(Written {
        file,
        format,
        bytes,
        elapsed: started.elapsed(),
    })
}

/// Restores the backup `file` into the empty database at `url`, then
/// applies the migrations this version has and the backup lacks.
#[tracing::instrument(skip_all)]
pub async fn restore(url: &str, file: &Path) -> Result<Restored, BackupError> {
    let started = Instant::now();
    let format = format_of(file)?;
    let target = Format::of_url(url);
    if format != target {
        return Err(BackupError::Mismatch {
            file: file.to_owned(),
            found: format.describe(),
            found_db: format.database(),
            target: target.database(),
        });
    }
    let bytes = std::fs::metadata(file)
        .map_err(io(format!("{}", file.display())))?
        .len();
    let db = match format {
        Format::Sqlite => sqlite::restore(url, file).await?,
        Format::PgDump => postgres::restore(url, file).await?,
    };
    let migrations_applied = migrate(&db).await;
    db.close().await.ok();
    Ok(Restored {
        file: file.to_owned(),
        format,
        bytes,
        migrations_applied: migrations_applied?,
        elapsed: started.elapsed(),
    })
}

/// One connection of its own to the database at `url`: a backup or a
/// restore needs no pool, and SQLite must not create a missing file.
async fn open(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging_level(log::LevelFilter::Debug);
    if url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(false)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    }
    sea_orm::Database::connect(options).await
}

/// Brings a restored database up to this version's schema.
async fn migrate(db: &DatabaseConnection) -> Result<usize, BackupError> {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Migrator::up(db, None).await?;
    Ok(pending)
}

/// The format of the backup `file`, refusing anything else.
fn format_of(file: &Path) -> Result<Format, BackupError> {
    let mut head = [0u8; 16];
    let mut reader = std::fs::File::open(file).map_err(io(format!("{}", file.display())))?;
    let mut read = 0;
    while read < head.len() {
        match reader.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(io(format!("{}", file.display()))(e)),
        }
    }
    Format::of(&head[..read]).ok_or_else(|| BackupError::UnknownFormat(file.to_owned()))
}

/// Creates `file` empty and private (0600), refusing one that exists; the
/// backup is then written into it.
fn create_new_private(file: &Path) -> Result<(), BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(BackupError::FileExists(file.to_owned()))
        }
        Err(e) => Err(io(format!("cannot create {}", file.display()))(e)),
    }
}

/// Flushes `file` and the folder that names it to disk, so that a backup
/// reported written survives a crash.
fn sync(file: &Path) -> Result<(), BackupError> {
    let what = || format!("cannot flush {} to disk", file.display());
    std::fs::File::open(file)
        .and_then(|f| f.sync_all())
        .map_err(io(what()))?;
    #[cfg(unix)]
    if let Some(folder) = file.parent() {
        std::fs::File::open(folder)
            .and_then(|f| f.sync_all())
            .map_err(io(what()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_known_by_its_first_bytes() {
        let cases: [(&[u8], Option<Format>); 5] = [
            (b"SQLite format 3\0\x10\x00", Some(Format::Sqlite)),
            (b"PGDMP\x01\x0f\x00", Some(Format::PgDump)),
            (b"SQLite format 3", None),
            (b"--\n-- PostgreSQL database dump", None),
            (b"", None),
        ];
        for (head, format) in cases {
            assert_eq!(Format::of(head), format, "{head:?}");
        }
    }

    #[test]
    fn a_backup_never_replaces_an_existing_file() {
        let dir = tempfile::tempdir().expect("folder");
        let file = dir.path().join("huzhu.backup");
        std::fs::write(&file, b"yesterday").expect("write");
        let refused = create_new_private(&file).expect_err("exists");
        assert!(matches!(refused, BackupError::FileExists(_)), "{refused}");
        assert_eq!(std::fs::read(&file).expect("read"), b"yesterday");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_backup_file_is_readable_by_its_owner_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("folder");
        let file = dir.path().join("huzhu.backup");
        create_new_private(&file).expect("created");
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
