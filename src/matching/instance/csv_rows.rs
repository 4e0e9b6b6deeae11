//! Rows of needs.csv and offers.csv (see [`super`]): each field
//! parsed into the solver's types, a bad one reported with file, line and
//! field.

use std::fs::File;
use std::path::Path;

use crate::domain::Category;
use crate::domain::geo::GeoPoint;
use crate::matching::radius::radius_m_from_decimal;
use crate::matching::types::{CategorySet, NeedInput, OfferInput};

use super::{Instance, InstanceError, parse_time};

/// A CSV reader over `path` whose header must be `expected`.
fn open_csv(path: &Path, expected: &[&str]) -> Result<csv::Reader<File>, InstanceError> {
    let file = File::open(path).map_err(|source| InstanceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let got = rdr.byte_headers().map_err(|source| InstanceError::Csv {
        path: path.to_owned(),
        source,
    })?;
    let got: Vec<String> = got
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    if got != expected {
        return Err(InstanceError::Header {
            path: path.to_owned(),
            expected: expected.join(","),
            got: got.join(","),
        });
    }
    Ok(rdr)
}

/// Parses field `k` of a record, naming file, line and field on failure.
struct Row<'a> {
    path: &'a Path,
    line: u64,
    rec: &'a csv::ByteRecord,
    names: &'a [&'static str],
}

impl Row<'_> {
    fn text(&self, k: usize) -> Result<&str, InstanceError> {
        let raw = self.rec.get(k).unwrap_or_default();
        std::str::from_utf8(raw)
            .map(str::trim)
            .map_err(|e| self.bad(k, "", e))
    }

    fn parse<T: std::str::FromStr>(&self, k: usize) -> Result<T, InstanceError>
    where
        T::Err: std::fmt::Display,
    {
        let s = self.text(k)?;
        s.parse().map_err(|e| self.bad(k, s, e))
    }

    fn bad(&self, k: usize, value: &str, reason: impl std::fmt::Display) -> InstanceError {
        InstanceError::Field {
            path: self.path.to_owned(),
            line: self.line,
            field: self.names[k],
            value: value.to_owned(),
            reason: reason.to_string(),
        }
    }
}

const NEED_FIELDS: [&str; 7] = [
    "id",
    "category",
    "region",
    "lat",
    "lon",
    "urgency",
    "posted_at",
];
const OFFER_FIELDS: [&str; 7] = [
    "id",
    "categories",
    "lat",
    "lon",
    "radius_km",
    "remote",
    "capacity",
];

pub(super) fn read_needs(path: &Path, inst: &mut Instance) -> Result<(), InstanceError> {
    let mut rdr = open_csv(path, &NEED_FIELDS)?;
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|source| InstanceError::Csv {
            path: path.to_owned(),
            source,
        })?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let row = Row {
            path,
            line,
            rec: &rec,
            names: &NEED_FIELDS,
        };
        let urgency: u8 = row.parse(5)?;
        if !(1..=3).contains(&urgency) {
            return Err(row.bad(5, row.text(5)?, "urgency must be 1, 2 or 3"));
        }
        let posted = row.text(6)?;
        inst.needs.push(NeedInput {
            category: row.parse::<Category>(1)?,
            point: Some(GeoPoint::new(row.parse(3)?, row.parse(4)?)),
            urgency,
            posted_at: parse_time(posted).map_err(|e| row.bad(6, posted, e))?,
        });
        inst.need_ids.push(row.text(0)?.to_owned());
    }
    Ok(())
}

pub(super) fn read_offers(path: &Path, inst: &mut Instance) -> Result<(), InstanceError> {
    let mut rdr = open_csv(path, &OFFER_FIELDS)?;
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|source| InstanceError::Csv {
            path: path.to_owned(),
            source,
        })?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let row = Row {
            path,
            line,
            rec: &rec,
            names: &OFFER_FIELDS,
        };
        let cats_text = row.text(1)?;
        let mut categories = CategorySet::default();
        for c in cats_text
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            categories.insert(c.parse().map_err(|e| row.bad(1, cats_text, e))?);
        }
        if categories.is_empty() {
            return Err(row.bad(1, cats_text, "no category"));
        }
        let radius_text = row.text(4)?;
        let remote = match row.text(5)? {
            "true" => true,
            "false" => false,
            other => return Err(row.bad(5, other, "remote must be true or false")),
        };
        let capacity: u32 = row.parse(6)?;
        if capacity < 1 {
            return Err(row.bad(6, row.text(6)?, "capacity must be >= 1"));
        }
        inst.offers.push(OfferInput {
            categories,
            point: GeoPoint::new(row.parse(2)?, row.parse(3)?),
            radius_m: radius_m_from_decimal(radius_text).map_err(|e| row.bad(4, radius_text, e))?,
            remote,
            capacity,
            volunteer: inst.offers.len() as u64,
        });
        inst.offer_ids.push(row.text(0)?.to_owned());
    }
    Ok(())
}
