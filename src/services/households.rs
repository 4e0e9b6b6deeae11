//! Households: registered by the cadres of their region, read by staff in
//! reach. Every read of a household's personal data by anyone but a cadre is
//! written to the audit log.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use uuid::Uuid;

use super::{Fields, ServiceError};
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::household::{HouseholdTag, IdNumber, Members, join_tags, parse_tags};
use crate::domain::{AuditAction, PersonName, Phone, RegionCode, Role};
use crate::i18n::Text;
use crate::store::{self, entity::household, now_ms};

/// A household as submitted (create) or changed (patch: `None` keeps).
#[derive(Debug, Default, Clone)]
pub struct HouseholdInput {
    pub region: Option<String>,
    pub head_name: Option<String>,
    /// `Some(None)` clears.
    pub id_number: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub members: Option<i64>,
    pub point: Option<(Option<f64>, Option<f64>)>,
    pub tags: Option<Vec<String>>,
}

/// Checks a pair of coordinates from JSON: both or neither, in range.
pub fn check_point(
    fields: &mut Fields,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Option<Option<(f64, f64)>> {
    match (lat, lon) {
        (None, None) => Some(None),
        (Some(_), None) => fields.check(
            "lon",
            Err(Text::fixed("缺少经度", "lon is required with lat")),
        ),
        (None, Some(_)) => fields.check(
            "lat",
            Err(Text::fixed("缺少纬度", "lat is required with lon")),
        ),
        (Some(lat), Some(lon)) => {
            let lat_ok = fields.check(
                "lat",
                (lat.is_finite() && lat.abs() <= 90.0)
                    .then_some(lat)
                    .ok_or(Text::fixed(
                        "纬度应在 -90 到 90 之间",
                        "lat is from -90 to 90",
                    )),
            );
            let lon_ok = fields.check(
                "lon",
                (lon.is_finite() && lon.abs() <= 180.0)
                    .then_some(lon)
                    .ok_or(Text::fixed(
                        "经度应在 -180 到 180 之间",
                        "lon is from -180 to 180",
                    )),
            );
            Some(Some((lat_ok?, lon_ok?)))
        }
    }
}

/// Records that `caller` read the personal data of these households, unless
/// the caller is a cadre (whose work it is): every row or none, in one
/// transaction, before the data is handed out.
pub async fn audit_reads(
    db: &DatabaseConnection,
    caller: &Caller,
    action: AuditAction,
    ids: &[Uuid],
) -> Result<(), ServiceError> {
    if caller.role == Role::Cadre || ids.is_empty() {
        return Ok(());
    }
    let subjects = ids.iter().map(Uuid::to_string).collect();
    let txn = store::begin_write(db).await?;
    store::audit::record(
        &txn,
        caller.user_id,
        action,
        "household",
        subjects,
        now_ms(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The region a household may be registered in: existing, and in reach.
async fn region_in_reach(
    ctx: &AppContext,
    caller: &Caller,
    text: &str,
    fields: &mut Fields,
) -> Result<Option<String>, ServiceError> {
    let Some(code) = fields.check(
        "region",
        RegionCode::parse(text)
            .map_err(|_| Text::fixed("地区代码为 12 位数字", "region is a 12-digit code")),
    ) else {
        return Ok(None);
    };
    let known = store::regions::find(&ctx.db, code.as_str())
        .await?
        .is_some();
    if !known || !caller.reaches(code.as_str()) {
        fields.check::<()>(
            "region",
            Err(Text::fixed(
                "没有这个地区，或不在您负责的范围内",
                "No such region in your reach",
            )),
        );
        return Ok(None);
    }
    Ok(Some(code.as_str().to_owned()))
}

fn parse_optional<T>(
    fields: &mut Fields,
    field: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Text>,
) -> Option<Option<T>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Some(None),
        Some(v) => fields.check(field, parse(v)).map(Some),
    }
}

/// Registers a household.
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    input: HouseholdInput,
) -> Result<household::Model, ServiceError> {
    let mut fields = Fields::default();
    let region = match &input.region {
        Some(r) => region_in_reach(ctx, caller, r, &mut fields).await?,
        None => fields.check("region", Err(Text::fixed("缺少地区", "region is required"))),
    };
    let head = fields.check(
        "head_name",
        PersonName::parse(input.head_name.as_deref().unwrap_or("")),
    );
    let id_number = parse_optional(
        &mut fields,
        "id_number",
        input.id_number.clone().flatten().as_deref(),
        IdNumber::parse,
    );
    let phone = parse_optional(
        &mut fields,
        "phone",
        input.phone.clone().flatten().as_deref(),
        Phone::parse,
    );
    let members = fields.check("members", members_of(input.members.unwrap_or(0)));
    let (lat, lon) = input.point.unwrap_or((None, None));
    let point = check_point(&mut fields, lat, lon);
    let tags = fields.check("tags", tags_of(input.tags.as_deref().unwrap_or(&[])));
    fields.finish()?;
    let (
        Some(region),
        Some(head),
        Some(id_number),
        Some(phone),
        Some(members),
        Some(point),
        Some(tags),
    ) = (region, head, id_number, phone, members, point, tags)
    else {
        return Err(ServiceError::Invalid(Vec::new()));
    };
    let now = now_ms();
    let row = household::ActiveModel {
        id: Set(Uuid::now_v7()),
        region: Set(region),
        head_name: Set(head.as_str().to_owned()),
        id_number: Set(id_number.map(|i| i.as_str().to_owned())),
        phone: Set(phone.map(|p| p.as_str().to_owned())),
        members: Set(i32::from(members.get())),
        lat: Set(point.map(|p| p.0)),
        lon: Set(point.map(|p| p.1)),
        tags: Set(join_tags(&tags)),
        created_by: Set(caller.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row.insert(&ctx.db).await.map_err(super::unique_as(|| {
        ServiceError::Conflict(Text::fixed(
            "已有身份证号相同的户",
            "A household with this ID number exists",
        ))
    }))
}

fn members_of(n: i64) -> Result<Members, Text> {
    u16::try_from(n)
        .map_err(|_| {
            Text::fixed(
                "人口为 1 到 30 的整数",
                "members is a whole number from 1 to 30",
            )
        })
        .and_then(Members::try_from)
}

fn tags_of(tags: &[String]) -> Result<Vec<HouseholdTag>, Text> {
    parse_tags(&tags.join(";"))
}

/// One household in the caller's reach (404 otherwise), audited.
pub async fn get(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<household::Model, ServiceError> {
    let household = store::households::find(&ctx.db, id)
        .await?
        .filter(|h| caller.reaches(&h.region))
        .ok_or(ServiceError::NotFound)?;
    audit_reads(&ctx.db, caller, AuditAction::Read, &[household.id]).await?;
    Ok(household)
}

/// Changes some fields of a household; its live needs move with it.
pub async fn update(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    input: HouseholdInput,
) -> Result<household::Model, ServiceError> {
    let current = get(ctx, caller, id).await?;
    let mut fields = Fields::default();
    let region = match &input.region {
        Some(r) => region_in_reach(ctx, caller, r, &mut fields).await?,
        None => Some(current.region.clone()),
    };
    let head = match &input.head_name {
        Some(h) => fields
            .check("head_name", PersonName::parse(h))
            .map(|n| n.as_str().to_owned()),
        None => Some(current.head_name.clone()),
    };
    let id_number = match &input.id_number {
        Some(v) => parse_optional(&mut fields, "id_number", v.as_deref(), IdNumber::parse)
            .map(|o| o.map(|i| i.as_str().to_owned())),
        None => Some(current.id_number.clone()),
    };
    let phone = match &input.phone {
        Some(v) => parse_optional(&mut fields, "phone", v.as_deref(), Phone::parse)
            .map(|o| o.map(|p| p.as_str().to_owned())),
        None => Some(current.phone.clone()),
    };
    let members = match input.members {
        Some(n) => fields
            .check("members", members_of(n))
            .map(|m| i32::from(m.get())),
        None => Some(current.members),
    };
    let point = match input.point {
        Some((lat, lon)) => check_point(&mut fields, lat, lon),
        None => Some(current.lat.zip(current.lon)),
    };
    let tags = match &input.tags {
        Some(t) => fields.check("tags", tags_of(t)).map(|t| join_tags(&t)),
        None => Some(current.tags.clone()),
    };
    fields.finish()?;
    let (
        Some(region),
        Some(head),
        Some(id_number),
        Some(phone),
        Some(members),
        Some(point),
        Some(tags),
    ) = (region, head, id_number, phone, members, point, tags)
    else {
        return Err(ServiceError::Invalid(Vec::new()));
    };
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let changed = household::ActiveModel {
        id: Set(id),
        region: Set(region.clone()),
        head_name: Set(head),
        id_number: Set(id_number),
        phone: Set(phone),
        members: Set(members),
        lat: Set(point.map(|p| p.0)),
        lon: Set(point.map(|p| p.1)),
        tags: Set(tags),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(super::unique_as(|| {
        ServiceError::Conflict(Text::fixed(
            "已有身份证号相同的户",
            "A household with this ID number exists",
        ))
    }))?;
    let need_point = match point {
        Some(p) => Some(p),
        None => super::needs::region_point(&txn, &region).await?,
    };
    store::needs::follow_household(&txn, id, &region, need_point, now).await?;
    txn.commit().await?;
    Ok(changed)
}

/// A page of the households inside the caller's reach (and `filter`),
/// audited; up to `limit + 1` rows, the last only telling that more follow.
pub async fn list(
    ctx: &AppContext,
    caller: &Caller,
    filter: Option<crate::domain::RegionPrefix>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<household::Model>, ServiceError> {
    let mut regions: Vec<_> = caller.region.iter().cloned().collect();
    regions.extend(filter);
    // One more than the page, to tell whether another page follows.
    let rows = store::households::list(&ctx.db, &regions, after, limit + 1).await?;
    let ids: Vec<Uuid> = rows.iter().take(limit as usize).map(|h| h.id).collect();
    audit_reads(&ctx.db, caller, AuditAction::List, &ids).await?;
    Ok(rows)
}

/// Every household in the caller's reach, for a file, audited.
pub async fn export_rows(
    ctx: &AppContext,
    caller: &Caller,
) -> Result<Vec<super::export::households::HouseholdExportRow>, ServiceError> {
    let regions: Vec<_> = caller.region.iter().cloned().collect();
    let rows = store::households::list(&ctx.db, &regions, None, 0).await?;
    let names = store::regions::names(&ctx.db, rows.iter().map(|h| h.region.clone())).await?;
    let ids: Vec<Uuid> = rows.iter().map(|h| h.id).collect();
    audit_reads(&ctx.db, caller, AuditAction::Export, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|h| super::export::households::HouseholdExportRow {
            region_name: names.get(&h.region).cloned().unwrap_or_default(),
            region: h.region,
            head_name: h.head_name,
            id_number: h.id_number,
            phone: h.phone,
            members: h.members,
            lat: h.lat,
            lon: h.lon,
            tags: parse_tags(&h.tags).unwrap_or_default(),
        })
        .collect())
}
