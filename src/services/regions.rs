//! Loading regions: the built-in Dongkou set and county CSV files.

use std::io::Read;

use sea_orm::{DatabaseConnection, DbErr};

use crate::domain::region::{Region, RegionInput};
use crate::store;

/// Dongkou County and its townships, embedded in the binary.
const BUILTIN_REGIONS: &str = include_str!("../../data/dongkou_regions.csv");

/// A problem with one line of a region file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line as an editor counts it (the header is line 1).
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// Why a region file was not loaded. Nothing is written in either case.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}", describe(.0))]
    Invalid(Vec<LineError>),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

fn describe(errors: &[LineError]) -> String {
    errors
        .iter()
        .map(|e| format!("line {}: {}: {}", e.line, e.field, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

const REQUIRED: [&str; 4] = ["code", "name", "level", "parent_code"];

/// Parses a region CSV (`code,name,level,parent_code[,lat,lon]`, UTF-8 with or
/// without a BOM), collecting every bad line.
pub fn parse_csv(reader: impl Read) -> Result<Vec<Region>, Vec<LineError>> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header_error = |message: String| {
        vec![LineError {
            line: 1,
            field: "header".to_owned(),
            message,
        }]
    };
    let headers = csv
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    let index_of = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|c| index_of(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(header_error(format!(
            "missing columns: {}",
            missing.join(", ")
        )));
    }
    let columns: Vec<Option<usize>> = ["code", "name", "level", "parent_code", "lat", "lon"]
        .iter()
        .map(|c| index_of(c))
        .collect();
    let mut regions = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in csv.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(LineError {
                    line,
                    field: "row".to_owned(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| columns[i].and_then(|c| record.get(c)).unwrap_or("");
        let input = RegionInput {
            code: cell(0),
            name: cell(1),
            level: cell(2),
            parent_code: cell(3),
            lat: cell(4),
            lon: cell(5),
        };
        match Region::parse(&input) {
            Ok(region) => match seen.insert(region.code.clone(), line) {
                Some(first) => errors.push(LineError {
                    line,
                    field: "code".to_owned(),
                    message: format!("code {} already appears on line {first}", region.code),
                }),
                None => regions.push(region),
            },
            Err(e) => errors.push(LineError {
                line,
                field: e.field.to_owned(),
                message: e.message,
            }),
        }
    }
    if errors.is_empty() {
        Ok(regions)
    } else {
        Err(errors)
    }
}

/// Upserts every region of a CSV file in one transaction, or none of them.
pub async fn load_csv(db: &DatabaseConnection, reader: impl Read) -> Result<usize, LoadError> {
    let regions = parse_csv(reader).map_err(LoadError::Invalid)?;
    let txn = store::begin_write(db).await?;
    store::regions::upsert(&txn, &regions, true).await?;
    txn.commit().await?;
    Ok(regions.len())
}

/// Adds the built-in regions that are missing, leaving loaded ones untouched.
pub async fn ensure_builtin(db: &DatabaseConnection) -> Result<(), LoadError> {
    let regions = parse_csv(BUILTIN_REGIONS.as_bytes()).map_err(LoadError::Invalid)?;
    let txn = store::begin_write(db).await?;
    store::regions::upsert(&txn, &regions, false).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_set_is_dongkou_and_its_23_townships() {
        let regions = parse_csv(BUILTIN_REGIONS.as_bytes()).expect("built-in set is valid");
        assert_eq!(regions.len(), 24);
        assert!(regions.iter().any(|r| r.name == "𦰡溪瑶族乡"));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "\u{feff}code,name,level,parent_code\n\
                    430525000000,洞口县,county,430500000000\n\
                    4305251,坏,township,430525000000\n\
                    430525101000,好,township,430525000000\n\
                    430525101000,重复,township,430525000000\n";
        let errors = parse_csv(text.as_bytes()).expect_err("bad lines");
        let lines: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(lines, vec![(3, "code"), (5, "code")]);
    }

    #[test]
    fn a_file_without_the_required_columns_is_refused() {
        let errors = parse_csv("code,name\n1,2\n".as_bytes()).expect_err("bad header");
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("level"));
    }
}
