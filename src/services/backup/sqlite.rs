//! SQLite: `VACUUM INTO` for the copy, a file renamed into place for the
//! restore.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{ConnectOptions, Connection};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{BackupError, create_new_private, io, sync};

/// The database file a `sqlite:` URL names; in-memory databases have none.
fn database_file(url: &str) -> Result<PathBuf, BackupError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| BackupError::Unusable(format!("HUZHU_DATABASE_URL: {e}")))?;
    let path = options.get_filename();
    let name = path.to_string_lossy();
    let in_memory = name.is_empty() || name == ":memory:" || name.starts_with("file:");
    if in_memory || url.contains("mode=memory") {
        return Err(BackupError::Unusable(
            "HUZHU_DATABASE_URL names an in-memory SQLite database, which has no file to back up or restore into".to_owned(),
        ));
    }
    Ok(path.to_owned())
}

/// Copies the database to the new file `file` through one read
/// transaction; writers go on meanwhile (WAL).
pub(super) async fn backup(url: &str, file: &Path) -> Result<(), BackupError> {
    let source = database_file(url)?;
    if !source.exists() {
        return Err(BackupError::NoDatabase(source));
    }
    // SQLite takes the name as a string; an absolute path is never read
    // as a `file:` URI.
    let target = file
        .to_str()
        .ok_or_else(|| BackupError::Unusable(format!("{} is not a UTF-8 path", file.display())))?;
    create_new_private(file)?;
    let written = async {
        let db = super::open(url).await?;
        // VACUUM INTO accepts an empty file and keeps its permissions.
        let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
        let result = db.execute_unprepared(&sql).await;
        db.close().await.ok();
        result?;
        sync(file)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
    written
}

/// Puts the backup `file` in place of the database `url` names, which must
/// have no tables, and opens it.
pub(super) async fn restore(url: &str, file: &Path) -> Result<DatabaseConnection, BackupError> {
    let target = database_file(url)?;
    if target.exists() {
        refuse_tables(&target).await?;
    }
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    create_folder(&folder)?;
    // Copied beside the target and checked there, then renamed over it: the
    // target is never a half-copied or unreadable database.
    let staging = folder.join(format!(
        ".{}.restoring-{}",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        uuid::Uuid::now_v7().simple()
    ));
    create_new_private(&staging)?;
    let placed = async {
        copy_into(file, &staging)?;
        check_copy(&staging).await?;
        for stale in ["-wal", "-shm"] {
            let mut name = target.clone().into_os_string();
            name.push(stale);
            match std::fs::remove_file(&name) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(format!("cannot remove {name:?}"))(e)),
            }
        }
        std::fs::rename(&staging, &target).map_err(io(format!(
            "cannot move the restored database to {}",
            target.display()
        )))?;
        sync(&target)
    }
    .await;
    if placed.is_err() {
        let _ = std::fs::remove_file(&staging);
    }
    placed?;
    Ok(super::open(url).await?)
}

/// Refuses a database file that has any table (an empty file, or one whose
/// tables were never created, has none).
async fn refuse_tables(path: &Path) -> Result<(), BackupError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| {
            BackupError::NotEmpty(format!("{} cannot be read as SQLite: {e}", path.display()))
        })?;
    let tables: Vec<(String,)> = sea_orm::sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 3",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| BackupError::Unusable(format!("{}: {e}", path.display())))?;
    conn.close().await.ok();
    if tables.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = tables.into_iter().map(|(n,)| n).collect();
    Err(BackupError::NotEmpty(format!(
        "{} has tables: {}…",
        path.display(),
        names.join(", ")
    )))
}

/// Copies `from` into the empty private file `to` and flushes it.
fn copy_into(from: &Path, to: &Path) -> Result<(), BackupError> {
    let mut reader = std::fs::File::open(from).map_err(io(format!("{}", from.display())))?;
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(to)
        .map_err(io(format!("{}", to.display())))?;
    std::io::copy(&mut reader, &mut writer)
        .and_then(|_| writer.sync_all())
        .map_err(io(format!(
            "cannot copy {} to {}",
            from.display(),
            to.display()
        )))
}

/// The copy must be a sound SQLite database that huzhu migrated.
async fn check_copy(path: &Path) -> Result<(), BackupError> {
    let unusable = |e: sea_orm::sqlx::Error| BackupError::Unusable(format!("the backup: {e}"));
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .map_err(unusable)?;
    let checked = async {
        let quick: String = sea_orm::sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&mut conn)
            .await
            .map_err(unusable)?;
        if quick != "ok" {
            return Err(BackupError::Unusable(format!(
                "the backup is damaged: SQLite's check says {quick}"
            )));
        }
        let migrations: i64 = sea_orm::sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(unusable)?;
        if migrations == 0 {
            return Err(BackupError::Unusable(
                "the backup is a SQLite database, but not huzhu's (it has no migrations table)"
                    .to_owned(),
            ));
        }
        Ok(())
    }
    .await;
    conn.close().await.ok();
    checked
}

/// Creates the target's folder, private as `store` makes it, if missing.
fn create_folder(folder: &Path) -> Result<(), BackupError> {
    if folder.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(folder)
        .map_err(io(format!("cannot create {}", folder.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_memory_database_has_no_file_to_back_up() {
        for url in ["sqlite::memory:", "sqlite://huzhu.db?mode=memory"] {
            assert!(database_file(url).is_err(), "{url}");
        }
        assert_eq!(
            database_file("sqlite:///var/lib/huzhu/huzhu.db?mode=rwc").expect("file"),
            PathBuf::from("/var/lib/huzhu/huzhu.db")
        );
    }
}
