//! Retention (PIPL Art. 47): personal data leaves when its purpose ended.
//!
//! A household whose needs all ended, with no active pairing and not a key
//! household, has its name, ID number, phone, tags and exact point erased
//! once nothing of it happened for `HUZHU_RETENTION_DAYS`; its needs keep
//! their ~1 km rounded point, its visits lose their notes, and every need,
//! match and figure stays. Emails older than the window go too: outbox rows
//! and the `.eml` files of the mail folder.
//!
//! Daily by [`super::schedules`], now by `huzhu purge`. Batches are
//! separate transactions, each with its audit records, and each re-checks
//! its households, so two instances purging at once erase each household
//! once and a need posted meanwhile keeps its household.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::ServiceError;
use super::nearby::coarse;
use crate::domain::AuditAction;
use crate::domain::grid::cell_of;
use crate::domain::time::DAY_MS;
use crate::settings::Settings;
use crate::store::{self, retention::Candidate};

/// Households erased in one transaction.
pub const BATCH: usize = 1_000;

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct Purge {
    /// The households due (a dry run's list; empty after a real run).
    pub due: Vec<Candidate>,
    pub households_erased: u64,
    pub outbox_rows_deleted: u64,
    pub mail_files_deleted: u64,
    pub batches: usize,
    /// Time spent erasing households, for the per-batch rate.
    pub erasing: Duration,
    pub elapsed: Duration,
}

/// The oldest time (ms) that still counts as recent at `now`.
pub fn cutoff(settings: &Settings, now: i64) -> i64 {
    now - i64::from(settings.retention_days) * DAY_MS
}

/// A need's point as volunteers may know it, and its cell.
fn rounded(lat: f64, lon: f64) -> (f64, f64, i64) {
    let (lat, lon) = (coarse(lat), coarse(lon));
    (lat, lon, cell_of(lat, lon))
}

/// Erases what is past the window at `now`; with `dry_run`, only says what
/// would go. `actor` is who the audit log names (`Uuid::nil()` for the
/// daily job and the command line).
#[tracing::instrument(skip_all, fields(dry_run))]
pub async fn purge(
    db: &DatabaseConnection,
    settings: &Settings,
    now: i64,
    dry_run: bool,
    actor: Uuid,
) -> Result<Purge, ServiceError> {
    let started = Instant::now();
    let cutoff = cutoff(settings, now);
    let due = store::retention::candidates(db, cutoff).await?;
    let mut purge = Purge::default();
    let mail_files = old_mail_files(&settings.mail_dir, cutoff);
    if dry_run {
        purge.outbox_rows_deleted = store::retention::old_emails(db, cutoff).await?;
        purge.mail_files_deleted = mail_files.len() as u64;
        purge.due = due;
        purge.elapsed = started.elapsed();
        return Ok(purge);
    }
    let ids: Vec<Uuid> = due.iter().map(|c| c.id).collect();
    let erasing = Instant::now();
    for batch in ids.chunks(BATCH) {
        let txn = store::begin_write(db).await?;
        let erased = store::retention::erase(&txn, batch, cutoff, now, rounded).await?;
        let subjects = erased.iter().map(Uuid::to_string).collect();
        store::audit::record(&txn, actor, AuditAction::Erase, "household", subjects, now).await?;
        txn.commit().await?;
        purge.households_erased += erased.len() as u64;
        purge.batches += 1;
    }
    purge.erasing = erasing.elapsed();
    purge.outbox_rows_deleted = store::retention::delete_old_emails(db, cutoff).await?;
    for file in mail_files {
        // Another instance may have deleted it first.
        match std::fs::remove_file(&file) {
            Ok(()) => purge.mail_files_deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "an old email file could not be deleted"),
        }
    }
    purge.elapsed = started.elapsed();
    tracing::info!(
        households = purge.households_erased,
        outbox_rows = purge.outbox_rows_deleted,
        mail_files = purge.mail_files_deleted,
        elapsed_ms = purge.elapsed.as_millis() as u64,
        "retention purge"
    );
    Ok(purge)
}

/// The `.eml` files directly in `dir` last written before `cutoff` (ms).
/// A missing folder holds none.
fn old_mail_files(dir: &Path, cutoff: i64) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let cutoff = SystemTime::UNIX_EPOCH + Duration::from_millis(cutoff.max(0) as u64);
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter(|e| {
            e.metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| t < cutoff)
        })
        .map(|e| e.path())
        .collect()
}

/// The daily job: a real purge by the system. Queues no email.
pub async fn daily(
    db: &DatabaseConnection,
    settings: &Settings,
    now: i64,
) -> Result<usize, ServiceError> {
    purge(db, settings, now, false, Uuid::nil()).await?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_keeps_the_point_volunteers_see_and_its_cell() {
        let (lat, lon, cell) = rounded(27.123_456, 111.987_654);
        assert_eq!((lat, lon), (27.12, 111.99));
        assert_eq!(cell, cell_of(27.12, 111.99));
    }

    #[test]
    fn only_old_eml_files_directly_in_the_folder_are_picked() {
        let dir = tempfile::tempdir().expect("folder");
        let old = dir.path().join("old.eml");
        std::fs::write(&old, "x").expect("write");
        std::fs::write(dir.path().join("note.txt"), "x").expect("write");
        std::fs::create_dir(dir.path().join("sub.eml")).expect("dir");
        let past = SystemTime::now() - Duration::from_secs(10 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.set_modified(past))
            .expect("age");
        let now = crate::store::now_ms();
        assert_eq!(old_mail_files(dir.path(), now - 5 * DAY_MS), vec![old]);
        assert!(old_mail_files(&dir.path().join("missing"), now).is_empty());
    }
}
