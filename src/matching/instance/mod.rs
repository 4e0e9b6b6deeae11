//! The CSV instance format of docs/matching.md: read needs.csv, offers.csv and
//! meta.json, write matches.csv, and [`run`] the three in a row.

mod csv_rows;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use self::csv_rows::{read_needs, read_offers};
use super::types::{NeedInput, OfferInput, Solution};

/// What can go wrong reading or writing an instance.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The CSV layer failed (bad UTF-8, wrong number of fields, ...).
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    /// The header row is not the one docs/matching.md prescribes.
    #[error("{path}: header must be {expected}, got {got}")]
    Header {
        path: PathBuf,
        expected: String,
        got: String,
    },
    /// One field of one row is malformed.
    #[error("{path} line {line}: field {field}: {reason}: {value:?}")]
    Field {
        path: PathBuf,
        line: u64,
        field: &'static str,
        value: String,
        reason: String,
    },
    /// meta.json is malformed.
    #[error("{path}: {reason}")]
    Meta { path: PathBuf, reason: String },
}

/// A parsed instance; `need_ids[i]` / `offer_ids[j]` name `needs[i]` /
/// `offers[j]`.
#[derive(Debug, Default)]
pub struct Instance {
    /// The `id` column of needs.csv.
    pub need_ids: Vec<String>,
    /// The needs, in file order.
    pub needs: Vec<NeedInput>,
    /// The `id` column of offers.csv.
    pub offer_ids: Vec<String>,
    /// The offers, in file order; each offer is its own volunteer.
    pub offers: Vec<OfferInput>,
    /// `as_of`, unix seconds.
    pub as_of: i64,
}

/// What [`run`] did and how long each phase took.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Needs read.
    pub needs: usize,
    /// Offers read.
    pub offers: usize,
    /// `|M|`.
    pub matched: usize,
    /// `Σ cost` over the matching.
    pub total_cost: i64,
    /// Reading the three files.
    pub parse: Duration,
    /// [`super::solve`].
    pub solve: Duration,
    /// Writing matches.csv.
    pub write: Duration,
    /// All three.
    pub total: Duration,
}

/// Parses the instance in `dir`, solves it, writes `out` (matches.csv).
pub fn run(instance_dir: &Path, out: &Path) -> Result<RunSummary, InstanceError> {
    let t0 = Instant::now();
    let inst = read_instance(instance_dir)?;
    let t1 = Instant::now();
    let sol = super::solve(&inst.needs, &inst.offers, inst.as_of, &HashSet::new());
    let t2 = Instant::now();
    write_matches(out, &inst, &sol)?;
    let t3 = Instant::now();
    Ok(RunSummary {
        needs: inst.needs.len(),
        offers: inst.offers.len(),
        matched: sol.matched,
        total_cost: sol.total_cost,
        parse: t1 - t0,
        solve: t2 - t1,
        write: t3 - t2,
        total: t3 - t0,
    })
}

/// Reads needs.csv, offers.csv and meta.json from `dir`.
pub fn read_instance(dir: &Path) -> Result<Instance, InstanceError> {
    let as_of = read_meta(&dir.join("meta.json"))?;
    let mut inst = Instance {
        as_of,
        ..Instance::default()
    };
    let mut offers = Instance::default();
    // The two files are independent: read them side by side.
    let (needs_res, offers_res) = std::thread::scope(|s| {
        let t = s.spawn(|| read_offers(&dir.join("offers.csv"), &mut offers));
        (
            read_needs(&dir.join("needs.csv"), &mut inst),
            t.join().expect("offers thread"),
        )
    });
    needs_res?;
    offers_res?;
    inst.offers = offers.offers;
    inst.offer_ids = offers.offer_ids;
    Ok(inst)
}

fn read_meta(path: &Path) -> Result<i64, InstanceError> {
    let meta_err = |reason: String| InstanceError::Meta {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|source| InstanceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| meta_err(e.to_string()))?;
    let s = v
        .get("as_of")
        .and_then(|s| s.as_str())
        .ok_or_else(|| meta_err("no string as_of".into()))?;
    parse_time(s).map_err(|e| meta_err(format!("as_of: {e}")))
}

/// RFC 3339 with an offset (or `Z`) → unix seconds. Sub-second parts are
/// dropped: the service keeps whole seconds.
pub fn parse_time(s: &str) -> Result<i64, chrono::ParseError> {
    Ok(chrono::DateTime::parse_from_rfc3339(s.trim())?.timestamp())
}

/// Writes `need_id,offer_id` rows for the pairs of `sol`.
pub fn write_matches(out: &Path, inst: &Instance, sol: &Solution) -> Result<(), InstanceError> {
    let io = |source| InstanceError::Io {
        path: out.to_owned(),
        source,
    };
    let mut w = BufWriter::with_capacity(1 << 16, File::create(out).map_err(io)?);
    w.write_all(b"need_id,offer_id\n").map_err(io)?;
    for &(i, j) in &sol.pairs {
        writeln!(w, "{},{}", inst.need_ids[i], inst.offer_ids[j]).map_err(io)?;
    }
    w.flush().map_err(io)
}
