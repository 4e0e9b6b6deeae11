//! A county's village list uploaded from the admin's `/villages` page: the
//! same CSV as `huzhu regions load`, read by the same parser, previewed
//! (what is added, what changes, how many stay as they are, every bad line)
//! before it is applied in one transaction, and the tree of counts after.

use std::collections::{BTreeMap, HashMap};

use sea_orm::DatabaseConnection;

use super::ServiceError;
use super::household_import::pending;
use super::regions::{LineError, parse_csv};
use crate::domain::region::Region;
use crate::domain::{AuditAction, Caller, RegionLevel};
use crate::store::{self, entity::region, now_ms};

/// The most regions one file may hold: a county has a few hundred villages;
/// a province's list would be a mistake here.
pub const MAX_REGIONS: usize = 20_000;

/// One region of a file that adds or changes one stored.
#[derive(Debug, Clone)]
pub struct Difference {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// The stored name, for a change.
    pub was: Option<String>,
}

/// What applying a file would do.
#[derive(Debug, Default)]
pub struct Preview {
    pub added: Vec<Difference>,
    pub changed: Vec<Difference>,
    pub unchanged: usize,
}

fn same(stored: &region::Model, r: &Region) -> bool {
    stored.name == r.name
        && stored.level == r.level
        && stored.parent_code.as_deref() == r.parent_code.as_ref().map(|c| c.as_str())
        && (stored.lat, stored.lon) == (r.point.map(|p| p.0), r.point.map(|p| p.1))
}

/// Parses `bytes` and checks what the parser cannot alone: each region's
/// parent is in the file or already stored.
fn parse(
    bytes: &[u8],
    stored: &HashMap<String, region::Model>,
) -> Result<Vec<Region>, Vec<LineError>> {
    let regions = parse_csv(bytes)?;
    if regions.len() > MAX_REGIONS {
        return Err(vec![LineError {
            line: 1,
            field: "file".to_owned(),
            message: format!("more than {MAX_REGIONS} regions in one file"),
        }]);
    }
    let in_file: std::collections::HashSet<&str> =
        regions.iter().map(|r| r.code.as_str()).collect();
    // The line of each region: the parser keeps the file's order, header on
    // line 1 (a file with quoted line breaks is rare enough to count so).
    let errors: Vec<LineError> = regions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.level != RegionLevel::County)
        .filter_map(|(i, r)| {
            let parent = r.parent_code.as_ref()?.as_str();
            (!in_file.contains(parent) && !stored.contains_key(parent)).then(|| LineError {
                line: i as u64 + 2,
                field: "parent_code".to_owned(),
                message: format!("parent {parent} is neither in the file nor loaded"),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(regions)
    } else {
        Err(errors)
    }
}

async fn stored(db: &DatabaseConnection) -> Result<HashMap<String, region::Model>, ServiceError> {
    let all = store::regions::tree(db).await?;
    Ok(all.into_iter().map(|r| (r.code.clone(), r)).collect())
}

/// What the file would add and change; nothing is written.
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn preview(
    db: &DatabaseConnection,
    bytes: &[u8],
) -> Result<Result<Preview, Vec<LineError>>, ServiceError> {
    let stored = stored(db).await?;
    let regions = match parse(bytes, &stored) {
        Ok(regions) => regions,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut preview = Preview::default();
    for r in &regions {
        let difference = |was: Option<String>| Difference {
            code: r.code.as_str().to_owned(),
            name: r.name.clone(),
            level: r.level,
            was,
        };
        match stored.get(r.code.as_str()) {
            None => preview.added.push(difference(None)),
            Some(s) if same(s, r) => preview.unchanged += 1,
            Some(s) => preview.changed.push(difference(Some(s.name.clone()))),
        }
    }
    Ok(Ok(preview))
}

/// Applies the file kept under `token` (checked by [`preview`]): every
/// region added or updated in one transaction, audited, the kept file
/// forgotten in it. Lines that became bad since (a parent removed) are
/// returned and nothing is written.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn apply(
    db: &DatabaseConnection,
    caller: &Caller,
    token: &str,
) -> Result<Result<usize, Vec<LineError>>, ServiceError> {
    let bytes = pending::kept(db, caller, token).await?;
    let stored = stored(db).await?;
    let regions = match parse(&bytes, &stored) {
        Ok(regions) => regions,
        Err(errors) => return Ok(Err(errors)),
    };
    let txn = store::begin_write(db).await?;
    pending::spend(&txn, caller, token).await?;
    store::regions::upsert(&txn, &regions, true).await?;
    let codes = regions.iter().map(|r| r.code.as_str().to_owned()).collect();
    store::audit::record(
        &txn,
        caller.user_id,
        AuditAction::LoadRegions,
        "region",
        codes,
        now_ms(),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(regions.len()))
}

/// A county's townships, each with how many villages it has.
#[derive(Debug, Clone)]
pub struct CountyTree {
    pub code: String,
    pub name: String,
    pub townships: Vec<(String, String, usize)>,
    pub villages: usize,
}

/// The counties loaded, their townships and each one's village count.
pub async fn tree(db: &DatabaseConnection) -> Result<Vec<CountyTree>, ServiceError> {
    let all = store::regions::tree(db).await?;
    let mut villages: HashMap<&str, usize> = HashMap::new();
    for r in all.iter().filter(|r| r.level == RegionLevel::Village) {
        if let Some(parent) = r.parent_code.as_deref() {
            *villages.entry(parent).or_default() += 1;
        }
    }
    let mut counties: BTreeMap<&str, CountyTree> = all
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .map(|c| {
            let tree = CountyTree {
                code: c.code.clone(),
                name: c.name.clone(),
                townships: Vec::new(),
                villages: 0,
            };
            (c.code.as_str(), tree)
        })
        .collect();
    for t in all.iter().filter(|r| r.level == RegionLevel::Township) {
        let Some(county) = t.parent_code.as_deref().and_then(|p| counties.get_mut(p)) else {
            continue;
        };
        let n = villages.get(t.code.as_str()).copied().unwrap_or(0);
        county.villages += n;
        county.townships.push((t.code.clone(), t.name.clone(), n));
    }
    Ok(counties.into_values().collect())
}
