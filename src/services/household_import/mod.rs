//! Importing a village's spreadsheet: every row checked (`parse`, pure),
//! then every household and need written in one transaction, or nothing at
//! all (here). A file's faults are [`RowError`]s that name the row, the
//! column as the file heads it and the cell's text; the API reports them as
//! field errors, the import page as a table.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::services::ServiceError;
pub mod parse;
pub mod pending;
mod regions;
pub mod template;

use crate::domain::Caller;
use crate::domain::Category;
use crate::domain::FieldError;
use crate::domain::household::input::NewHousehold;
use crate::domain::need::NewNeed;
use crate::i18n::Text;
use crate::store::is_unique_violation;
use crate::store::{self, entity::household, entity::need, entity::region, now_ms};
use parse::{Headers, ImportRow, MAX_ERRORS, Parsed, RowError, parse_file};
use regions::Places;

/// What an import created (or, in a dry run, would create).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub created_households: usize,
    pub created_needs: usize,
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The file's faults, row by row (up to [`MAX_ERRORS`]).
    Rows(Vec<RowError>),
    /// Anything else: a conflict, the database.
    Service(ServiceError),
}

impl From<DbErr> for ImportError {
    fn from(e: DbErr) -> Self {
        Self::Service(e.into())
    }
}

impl From<ServiceError> for ImportError {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

impl From<ImportError> for ServiceError {
    /// The rows' faults as the API's field errors, each with its row.
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Rows(rows) => Self::Invalid(rows.into_iter().map(field_error).collect()),
            ImportError::Service(e) => e,
        }
    }
}

/// Parses and writes an uploaded file for `caller`.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, dry_run))]
pub async fn import(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    bytes: &[u8],
    dry_run: bool,
    progress: &dyn Fn(usize, usize),
) -> Result<ImportSummary, ServiceError> {
    let parsed = parse_file(bytes).map_err(ImportError::Rows)?;
    let txn = store::begin_write(db).await?;
    let summary = write(&txn, caller, parsed, progress).await?;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(summary)
}

/// The dry run of [`import`], its faults kept as rows: what importing
/// `bytes` would create, or every bad row.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn check(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    bytes: &[u8],
) -> Result<ImportSummary, ImportError> {
    let parsed = parse_file(bytes).map_err(ImportError::Rows)?;
    let txn = store::begin_write(db).await?;
    let summary = write(&txn, caller, parsed, &|_, _| {}).await;
    txn.rollback().await?;
    summary
}

fn field_error(error: RowError) -> FieldError {
    FieldError::at_row(error.row, error.field, error.message)
}

fn row_error(
    row: &ImportRow,
    field: &str,
    headers: &Headers,
    value: &str,
    message: Text,
) -> RowError {
    RowError::at_cell(row.row, field, headers, value, message)
}

/// Existing households the rows (each with its region) refer to, by
/// household key.
async fn existing(
    db: &impl ConnectionTrait,
    rows: &[(&ImportRow, &region::Model)],
) -> Result<HashMap<String, household::Model>, DbErr> {
    let mut by_key = HashMap::new();
    let ids: HashSet<String> = rows
        .iter()
        .filter_map(|(r, _)| r.id_number.as_ref().map(|i| i.as_str().to_owned()))
        .collect();
    let ids: Vec<String> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        let found = household::Entity::find()
            .filter(household::Column::IdNumber.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        by_key.extend(
            found
                .into_iter()
                .filter_map(|h| Some((format!("id:{}", h.id_number.clone()?), h))),
        );
    }
    let regions: HashSet<String> = rows
        .iter()
        .filter(|(r, _)| r.id_number.is_none())
        .map(|(_, region)| region.code.clone())
        .collect();
    let regions: Vec<String> = regions.into_iter().collect();
    for chunk in regions.chunks(500) {
        let found = household::Entity::find()
            .filter(household::Column::Region.is_in(chunk.iter().cloned()))
            .filter(household::Column::IdNumber.is_null())
            .all(db)
            .await?;
        by_key.extend(
            found
                .into_iter()
                .map(|h| (format!("name:{}:{}", h.region, h.head_name), h)),
        );
    }
    Ok(by_key)
}

fn key_of(row: &ImportRow, region: &str) -> String {
    match &row.id_number {
        Some(id) => format!("id:{}", id.as_str()),
        None => format!("name:{}:{}", region, row.head_name.as_str()),
    }
}

/// The live (open or matched) needs of existing households, as (household, category).
async fn live_needs(
    db: &impl ConnectionTrait,
    households: &[Uuid],
) -> Result<HashSet<(Uuid, Category)>, DbErr> {
    let mut live = HashSet::new();
    for chunk in households.chunks(500) {
        let found = need::Entity::find()
            .filter(need::Column::HouseholdId.is_in(chunk.iter().copied()))
            .filter(crate::store::needs::live())
            .all(db)
            .await?;
        live.extend(found.into_iter().map(|n| (n.household_id, n.category)));
    }
    Ok(live)
}

/// Checks the rows against the database and writes them, or reports every
/// bad row at once: those the file alone shows and those it takes the
/// database to see (an unknown region, one out of reach, a taken slot).
async fn write(
    db: &impl ConnectionTrait,
    caller: &Caller,
    parsed: Parsed,
    progress: &dyn Fn(usize, usize),
) -> Result<ImportSummary, ImportError> {
    let places = Places::look_up(db, caller, &parsed).await?;
    let headers = &parsed.headers;
    let mut errors = Vec::new();
    let mut located = Vec::with_capacity(parsed.rows.len());
    for row in &parsed.rows {
        match places.resolve(caller, &row.region) {
            Ok(region) => located.push((row, region)),
            Err(message) => errors.push(row_error(
                row,
                "region",
                headers,
                row.region.as_str(),
                message,
            )),
        }
    }
    let existing = existing(db, &located).await?;
    let existing_ids: Vec<Uuid> = existing.values().map(|h| h.id).collect();
    let mut live = live_needs(db, &existing_ids).await?;
    let now = now_ms();
    let mut new_households: Vec<household::ActiveModel> = Vec::new();
    let mut household_of: HashMap<String, (Uuid, Option<(f64, f64)>)> = HashMap::new();
    let mut new_needs: Vec<need::ActiveModel> = Vec::new();
    for (row, region) in located {
        let key = key_of(row, &region.code);
        let (household_id, point) = match (household_of.get(&key), existing.get(&key)) {
            (Some(found), _) => *found,
            (None, Some(h)) if caller.reaches(&h.region) => (h.id, h.lat.zip(h.lon)),
            (None, Some(_)) => {
                let id = row.id_number.as_ref().map_or("", |i| i.as_str());
                let message = Text::fixed(
                    "此身份证号的户不在您负责的范围内",
                    "This ID number belongs to a household outside your reach",
                );
                errors.push(row_error(row, "id_number", headers, id, message));
                continue;
            }
            (None, None) => {
                let id = Uuid::now_v7();
                let code = crate::domain::RegionCode::parse(&region.code)
                    .map_err(|_| anyhow::anyhow!("a stored region code does not parse"))
                    .map_err(ServiceError::from)?;
                let new = NewHousehold {
                    region: code,
                    head_name: row.head_name.clone(),
                    id_number: row.id_number.clone(),
                    phone: row.phone.clone(),
                    members: row.members,
                    point: row.point,
                    tags: row.tags.clone(),
                };
                new_households.push(super::households::new_row(id, &new, caller.user_id, now));
                (id, row.point)
            }
        };
        household_of.insert(key, (household_id, point));
        if !live.insert((household_id, row.category)) {
            let message = Text::fixed(
                "该户在此类别已有未完成的需求",
                "This household already has an open need in this category",
            );
            let value = category_as_written(row.category, headers);
            errors.push(row_error(row, "category", headers, value, message));
            continue;
        }
        let point = point.or(region.lat.zip(region.lon));
        let need = NewNeed {
            household_id,
            category: row.category,
            title: row.title.clone(),
            description: row.description.clone(),
            urgency: row.urgency,
        };
        new_needs.push(super::needs::open_row(
            &need,
            &region.code,
            point,
            caller.user_id,
            now,
        ));
    }
    for (row, place) in &parsed.refused_regions {
        if let Err(message) = places.resolve(caller, place) {
            errors.push(RowError::at_cell(
                *row,
                "region",
                headers,
                place.as_str(),
                message,
            ));
        }
    }
    errors.extend(parsed.errors);
    if !errors.is_empty() {
        // By row, as the file reads; within a row the region comes first, as
        // its column does.
        errors.sort_by_key(|e| e.row);
        errors.truncate(MAX_ERRORS);
        return Err(ImportError::Rows(errors));
    }
    let summary = ImportSummary {
        created_households: new_households.len(),
        created_needs: new_needs.len(),
    };
    let total = summary.created_households + summary.created_needs;
    let mut done = 0;
    for chunk in new_households.chunks(400) {
        household::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .map_err(conflict)?;
        done += chunk.len();
        progress(done, total);
    }
    for chunk in new_needs.chunks(400) {
        need::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .map_err(conflict)?;
        done += chunk.len();
        progress(done, total);
    }
    Ok(summary)
}

/// A category as the file most likely wrote it: in the language of its
/// header (the row keeps the category, not the cell's text).
fn category_as_written(category: Category, headers: &Headers) -> &'static str {
    match headers.of("category") {
        Some(header) if header.is_ascii() => category.code(),
        _ => category.name_zh(),
    }
}

/// A concurrent writer took an ID number or a need slot meanwhile.
fn conflict(err: DbErr) -> ServiceError {
    if is_unique_violation(&err) {
        ServiceError::Conflict(Text::fixed(
            "导入期间数据已变化，请重试",
            "The data changed during the import; try again",
        ))
    } else {
        err.into()
    }
}
