//! The SQLite database file holds every household's personal data: huzhu
//! creates it readable and writable by its own user alone (0600), in a
//! folder only that user can enter (0700) when huzhu makes the folder.
//! SQLite gives the `-wal` and `-shm` files the main file's permissions, so
//! they follow.

use std::path::Path;

/// Creates the file a `sqlite:` URL names, private, unless it exists or the
/// URL opens no file of its own (in memory, or read-only).
#[cfg(unix)]
pub fn create_private(url: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let Some(path) = file_to_create(url) else {
        return Ok(());
    };
    match std::fs::metadata(&path) {
        Ok(meta) => {
            // Someone else's choice for an existing file is theirs to
            // change; say so rather than chmod behind their back.
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the SQLite database can be read by other users of this machine: chmod 600 it"
                );
            }
            return Ok(());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let missing_folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists());
    if let Some(folder) = missing_folder {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)?;
    }
    // An empty file is an empty database to SQLite.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(_) => Ok(()),
        // Another process created it meanwhile: it is theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
pub fn create_private(_url: &str) -> std::io::Result<()> {
    Ok(())
}

/// The path of the database file a `sqlite:` URL would create, if any.
fn file_to_create(url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    // A URL sqlx refuses is reported by the connection itself.
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mode = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "mode")
        .map(|(_, v)| v.into_owned());
    if matches!(mode.as_deref(), Some("memory" | "ro")) {
        return None;
    }
    let path: &Path = options.get_filename();
    let name = path.to_string_lossy();
    // `sqlite::memory:` becomes a `file:` URI name, never a file on disk.
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
        return None;
    }
    Some(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_of_files_on_disk_name_a_file_to_create() {
        assert_eq!(
            file_to_create("sqlite://data/huzhu.db?mode=rwc"),
            Some("data/huzhu.db".into())
        );
        assert_eq!(
            file_to_create("sqlite:///var/lib/huzhu/huzhu.db"),
            Some("/var/lib/huzhu/huzhu.db".into())
        );
        for url in [
            "sqlite::memory:",
            "sqlite://huzhu.db?mode=memory",
            "sqlite://huzhu.db?mode=ro",
        ] {
            assert_eq!(file_to_create(url), None, "{url}");
        }
    }
}
