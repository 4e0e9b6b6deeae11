//! PostgreSQL: `pg_dump --format=custom` and `pg_restore`, run directly
//! (never through a shell) with the connection in `PG*` variables, so the
//! password is in no command line that `ps` shows.

use std::path::Path;
use std::process::Output;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::process::Command;

use super::{BackupError, create_new_private, sync};

const INSTALL: &str = "Install the PostgreSQL client tools of the server's major version \
    (Debian and Ubuntu: apt-get install postgresql-client)";

/// Dumps the database to the new file `file`.
pub(super) async fn backup(url: &str, file: &Path) -> Result<(), BackupError> {
    let tool = tool_major("pg_dump", || {
        format!(
            "{INSTALL}, or run it yourself wherever it is: \
             pg_dump --format=custom --file {} \"$HUZHU_DATABASE_URL\"",
            file.display()
        )
    })
    .await?;
    let db = super::open(url).await?;
    let server = server_major(&db).await;
    db.close().await.ok();
    let server = server?;
    if tool < server {
        return Err(BackupError::Unusable(format!(
            "pg_dump {tool} cannot dump a PostgreSQL {server} server: install the client tools \
             of version {server} or later (Debian: apt-get install postgresql-client-{server})"
        )));
    }
    create_new_private(file)?;
    let dumped = async {
        let mut command = Command::new("pg_dump");
        command.arg("--format=custom").arg("--file").arg(file);
        connection_env(&mut command, url)?;
        run("pg_dump", command).await?;
        sync(file)
    }
    .await;
    if dumped.is_err() {
        let _ = std::fs::remove_file(file);
    }
    dumped
}

/// Restores `file` into the database `url` names, which must have no
/// table in its `public` schema; in one transaction, so that a failure
/// leaves it empty.
pub(super) async fn restore(url: &str, file: &Path) -> Result<DatabaseConnection, BackupError> {
    tool_major("pg_restore", || {
        format!(
            "{INSTALL}, or run it yourself wherever it is: \
             pg_restore --no-owner --no-privileges --single-transaction --dbname \"$HUZHU_DATABASE_URL\" {}",
            file.display()
        )
    })
    .await?;
    let db = super::open(url).await?;
    if let Err(e) = refuse_tables(&db).await {
        db.close().await.ok();
        return Err(e);
    }
    let mut command = Command::new("pg_restore");
    // Owners and grants name roles of the old server, which this one may
    // lack: the restoring user owns everything.
    command
        .args(["--no-owner", "--no-privileges", "--single-transaction"])
        .arg("--dbname")
        .arg(database_name(url)?)
        .arg(file);
    connection_env(&mut command, url)?;
    run("pg_restore", command).await?;
    Ok(db)
}

/// Refuses a database with any table in `public`.
async fn refuse_tables(db: &DatabaseConnection) -> Result<(), BackupError> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name LIMIT 3",
        ))
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let names = rows
        .iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect::<Result<Vec<_>, _>>()?;
    Err(BackupError::NotEmpty(format!(
        "its public schema has tables: {}…",
        names.join(", ")
    )))
}

async fn server_major(db: &DatabaseConnection) -> Result<u32, BackupError> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('server_version_num')::int AS v",
        ))
        .await?
        .ok_or_else(|| BackupError::Unusable("the server did not say its version".to_owned()))?;
    let number: i32 = row.try_get("", "v")?;
    Ok(number as u32 / 10_000)
}

/// The major version of a client tool, or why it cannot be run.
async fn tool_major(tool: &'static str, hint: impl FnOnce() -> String) -> Result<u32, BackupError> {
    let output = match Command::new(tool).arg("--version").output().await {
        Ok(output) if output.status.success() => output,
        _ => {
            return Err(BackupError::ToolMissing { tool, hint: hint() });
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    major_of(&text)
        .ok_or_else(|| BackupError::Unusable(format!("cannot read {tool}'s version from {text:?}")))
}

/// `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → 15.
fn major_of(version: &str) -> Option<u32> {
    version
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

async fn run(tool: &'static str, mut command: Command) -> Result<(), BackupError> {
    command.stdin(std::process::Stdio::null());
    let Output { status, stderr, .. } =
        command
            .output()
            .await
            .map_err(|_| BackupError::ToolMissing {
                tool,
                hint: INSTALL.to_owned(),
            })?;
    if status.success() {
        return Ok(());
    }
    Err(BackupError::ToolFailed {
        tool,
        status,
        stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
    })
}

fn database_name(url: &str) -> Result<String, BackupError> {
    options(url)?
        .get_database()
        .map(str::to_owned)
        .ok_or_else(|| {
            BackupError::Unusable("HUZHU_DATABASE_URL names no database (…/NAME)".to_owned())
        })
}

fn options(url: &str) -> Result<PgConnectOptions, BackupError> {
    url.parse()
        .map_err(|e| BackupError::Unusable(format!("HUZHU_DATABASE_URL: {e}")))
}

/// The connection huzhu itself makes, as the `PG*` variables libpq reads.
/// sqlx and libpq fill what the URL leaves out from the same variables,
/// but not always alike (a missing host is a socket to libpq and
/// `localhost` to sqlx), so everything is spelt out.
fn connection_env(command: &mut Command, url: &str) -> Result<(), BackupError> {
    for (name, value) in connection_vars(url)? {
        command.env(name, value);
    }
    Ok(())
}

fn connection_vars(url: &str) -> Result<Vec<(&'static str, String)>, BackupError> {
    let options = options(url)?;
    let mut vars = vec![
        (
            "PGHOST",
            match options.get_socket() {
                Some(socket) => socket.display().to_string(),
                None => options.get_host().to_owned(),
            },
        ),
        ("PGPORT", options.get_port().to_string()),
        ("PGUSER", options.get_username().to_owned()),
        ("PGSSLMODE", ssl_mode(options.get_ssl_mode()).to_owned()),
    ];
    if let Some(name) = options.get_database() {
        vars.push(("PGDATABASE", name.to_owned()));
    }
    let parsed = url::Url::parse(url)
        .map_err(|e| BackupError::Unusable(format!("HUZHU_DATABASE_URL: {e}")))?;
    if let Some(password) = parsed.password() {
        let password = percent_encoding::percent_decode_str(password)
            .decode_utf8()
            .map_err(|_| BackupError::Unusable("the database password is not UTF-8".to_owned()))?;
        vars.push(("PGPASSWORD", password.into_owned()));
    }
    for (key, value) in parsed.query_pairs() {
        let name = match key.as_ref() {
            "sslrootcert" | "ssl-root-cert" => "PGSSLROOTCERT",
            "sslcert" | "ssl-cert" => "PGSSLCERT",
            "sslkey" | "ssl-key" => "PGSSLKEY",
            _ => continue,
        };
        vars.push((name, value.into_owned()));
    }
    Ok(vars)
}

fn ssl_mode(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_goes_to_the_tools_as_variables_with_the_password_decoded() {
        let vars = connection_vars(
            "postgres://huzhu:p%40ss%2Bword@db.example.org:6543/huzhu_prod?sslmode=require",
        )
        .expect("vars");
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("PGHOST"), Some("db.example.org"));
        assert_eq!(get("PGPORT"), Some("6543"));
        assert_eq!(get("PGUSER"), Some("huzhu"));
        assert_eq!(get("PGDATABASE"), Some("huzhu_prod"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss+word"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
    }

    #[test]
    fn a_tools_major_version_is_read_from_its_banner() {
        assert_eq!(
            major_of("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(major_of("pg_restore (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(major_of("pg_dump"), None);
    }
}
