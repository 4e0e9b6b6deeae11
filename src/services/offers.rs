//! Offers: what a volunteer can give, where, how far and how many at once.

use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use uuid::Uuid;

use super::{Fields, ServiceError};
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::Category;
use crate::domain::grid::cell_of;
use crate::domain::{OfferStatus, Role};
use crate::i18n::Text;
use crate::matching::{CategorySet, Decimal};
use crate::store::{self, entity::offer, now_ms};

/// An offer as submitted (create) or changed (patch: `None` keeps).
#[derive(Debug, Default, Clone)]
pub struct OfferInput {
    pub categories: Option<Vec<String>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The radius as written, so that it is read exactly.
    pub radius_km: Option<String>,
    pub remote: Option<bool>,
    pub capacity: Option<i64>,
    /// `Some(None)` clears.
    pub available_until: Option<Option<String>>,
}

fn categories_of(fields: &mut Fields, list: &[String]) -> Option<CategorySet> {
    if list.is_empty() || list.len() > Category::COUNT {
        return fields.check(
            "categories",
            Err(Text::fixed(
                "类别为 1 到 8 个",
                "categories holds 1 to 8 categories",
            )),
        );
    }
    let mut set = CategorySet::default();
    let mut ok = true;
    for (i, text) in list.iter().enumerate() {
        match text.parse::<Category>() {
            Ok(c) if !set.contains(c) => set.insert(c),
            Ok(_) => {
                ok &= fields
                    .check::<()>(
                        &format!("categories[{i}]"),
                        Err(Text::fixed("类别重复", "Repeated category")),
                    )
                    .is_some()
            }
            Err(_) => {
                ok &= fields
                    .check::<()>(
                        &format!("categories[{i}]"),
                        Err(Text::fixed("类别不存在", "Unknown category")),
                    )
                    .is_some()
            }
        }
    }
    ok.then_some(set)
}

fn radius_of(text: &str) -> Result<(String, i64), Text> {
    let bad = || {
        Text::fixed(
            "服务半径应大于 0 且不超过 200 公里",
            "radius_km is more than 0 and at most 200",
        )
    };
    if text.trim().starts_with('+') {
        return Err(bad());
    }
    let radius = Decimal::parse(text).map_err(|_| bad())?;
    // Exact, so 200.0001 (200 000 m and a bit) is over the limit too.
    match radius.floor_scaled(3) {
        Some((metres @ 1..200_000, _)) | Some((metres @ 200_000, true)) => {
            Ok((text.trim().to_owned(), metres))
        }
        _ => Err(bad()),
    }
}

fn capacity_of(n: i64) -> Result<i32, Text> {
    if (1..=50).contains(&n) {
        Ok(n as i32)
    } else {
        Err(Text::fixed("容量为 1 到 50", "capacity is 1 to 50"))
    }
}

fn until_of(text: &str, now: i64) -> Result<i64, Text> {
    let at = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| {
            Text::fixed(
                "截止时间为 RFC 3339 格式",
                "available_until is an RFC 3339 time",
            )
        })?
        .timestamp_millis();
    if at <= now {
        Err(Text::fixed(
            "截止时间应在将来",
            "available_until is in the future",
        ))
    } else {
        Ok(at)
    }
}

struct Parsed {
    categories: CategorySet,
    point: (f64, f64),
    radius: (String, i64),
    remote: bool,
    capacity: i32,
    until: Option<i64>,
}

fn parse(
    input: &OfferInput,
    current: Option<&offer::Model>,
    now: i64,
) -> Result<Parsed, ServiceError> {
    let mut fields = Fields::default();
    let categories = match (&input.categories, current) {
        (Some(list), _) => categories_of(&mut fields, list),
        (None, Some(c)) => Some(CategorySet(c.categories as u8)),
        (None, None) => categories_of(&mut fields, &[]),
    };
    let lat = input.lat.or(current.map(|c| c.lat));
    let lon = input.lon.or(current.map(|c| c.lon));
    let point = super::households::check_point(&mut fields, lat, lon).and_then(|p| {
        p.or_else(|| {
            fields.check(
                "lat",
                Err(Text::fixed("缺少位置", "lat and lon are required")),
            )
        })
    });
    let radius = match (&input.radius_km, current) {
        (Some(r), _) => fields.check("radius_km", radius_of(r)),
        (None, Some(c)) => Some((c.radius_km.clone(), c.radius_m)),
        (None, None) => fields.check("radius_km", radius_of("")),
    };
    let capacity = match (input.capacity, current) {
        (Some(n), _) => fields.check("capacity", capacity_of(n)),
        (None, Some(c)) => Some(c.capacity),
        (None, None) => fields.check("capacity", capacity_of(0)),
    };
    let until = match (&input.available_until, current) {
        (Some(Some(t)), _) => fields.check("available_until", until_of(t, now)).map(Some),
        (Some(None), _) => Some(None),
        (None, Some(c)) => Some(c.available_until),
        (None, None) => Some(None),
    };
    let remote = input.remote.or(current.map(|c| c.remote)).unwrap_or(false);
    fields.finish()?;
    match (categories, point, radius, capacity, until) {
        (Some(categories), Some(point), Some(radius), Some(capacity), Some(until)) => Ok(Parsed {
            categories,
            point,
            radius,
            remote,
            capacity,
            until,
        }),
        _ => Err(ServiceError::Invalid(Vec::new())),
    }
}

/// A volunteer posts an offer.
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    input: OfferInput,
) -> Result<offer::Model, ServiceError> {
    let now = now_ms();
    let p = parse(&input, None, now)?;
    let row = offer::ActiveModel {
        id: Set(Uuid::now_v7()),
        volunteer_id: Set(caller.user_id),
        categories: Set(i32::from(p.categories.0)),
        lat: Set(p.point.0),
        lon: Set(p.point.1),
        cell: Set(cell_of(p.point.0, p.point.1)),
        radius_km: Set(p.radius.0),
        radius_m: Set(p.radius.1),
        remote: Set(p.remote),
        capacity: Set(p.capacity),
        live_matches: Set(0),
        status: Set(OfferStatus::Active),
        available_until: Set(p.until),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = store::begin_write(&ctx.db).await?;
    let offer = row.insert(&txn).await?;
    store::offer_cover::insert(&txn, std::slice::from_ref(&offer)).await?;
    txn.commit().await?;
    Ok(offer)
}

/// Up to `limit` offers the caller may see, by id after `after`: their own,
/// or every offer for coordinators and admins.
pub async fn list(
    ctx: &AppContext,
    caller: &Caller,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<offer::Model>, ServiceError> {
    let own = matches!(caller.role, Role::Volunteer | Role::Cadre).then_some(caller.user_id);
    Ok(store::offers::list(&ctx.db, own, after, limit).await?)
}

/// An offer the caller may see: the owner's, or any for coordinators and admins.
pub async fn visible(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<offer::Model, ServiceError> {
    let offer = store::offers::find(&ctx.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let staff = matches!(caller.role, Role::Coordinator | Role::Admin);
    if offer.volunteer_id == caller.user_id || staff {
        Ok(offer)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The caller's own offer (404 for anyone else's).
pub async fn owned(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<offer::Model, ServiceError> {
    store::offers::find(&ctx.db, id)
        .await?
        .filter(|o| o.volunteer_id == caller.user_id)
        .ok_or(ServiceError::NotFound)
}

/// Changes an offer's fields; capacity cannot drop below its live matches.
pub async fn update(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    input: OfferInput,
) -> Result<offer::Model, ServiceError> {
    let current = owned(ctx, caller, id).await?;
    if current.status == OfferStatus::Withdrawn {
        return Err(ServiceError::Conflict(Text::fixed(
            "已撤回的服务不能修改",
            "A withdrawn offer cannot change",
        )));
    }
    let now = now_ms();
    let p = parse(&input, Some(&current), now)?;
    if p.capacity < current.live_matches {
        return Err(ServiceError::field(
            "capacity",
            Text::fixed(
                "容量不能小于当前进行中的匹配数",
                "capacity cannot be below the live matches",
            ),
        ));
    }
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let txn = store::begin_write(&ctx.db).await?;
    let result = offer::Entity::update_many()
        .col_expr(
            offer::Column::Categories,
            Expr::value(i32::from(p.categories.0)),
        )
        .col_expr(offer::Column::Lat, Expr::value(p.point.0))
        .col_expr(offer::Column::Lon, Expr::value(p.point.1))
        .col_expr(
            offer::Column::Cell,
            Expr::value(cell_of(p.point.0, p.point.1)),
        )
        .col_expr(offer::Column::RadiusKm, Expr::value(p.radius.0))
        .col_expr(offer::Column::RadiusM, Expr::value(p.radius.1))
        .col_expr(offer::Column::Remote, Expr::value(p.remote))
        .col_expr(offer::Column::Capacity, Expr::value(p.capacity))
        .col_expr(offer::Column::AvailableUntil, Expr::value(p.until))
        .col_expr(offer::Column::UpdatedAt, Expr::value(now))
        .filter(offer::Column::Id.eq(id))
        .filter(offer::Column::Status.ne(OfferStatus::Withdrawn))
        .filter(Expr::col(offer::Column::LiveMatches).lte(p.capacity))
        .exec(&txn)
        .await?;
    let updated = store::offers::find(&txn, id).await?;
    let (1, Some(updated)) = (result.rows_affected, updated) else {
        return Err(ServiceError::Conflict(Text::fixed(
            "服务已变化，请重试",
            "The offer changed meanwhile; try again",
        )));
    };
    store::offer_cover::replace(&txn, &updated).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves an offer between `active`, `paused` and `withdrawn` (final).
pub async fn set_status(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    to: OfferStatus,
) -> Result<offer::Model, ServiceError> {
    use OfferStatus::{Active, Paused, Withdrawn};
    let current = owned(ctx, caller, id).await?;
    let from: &[OfferStatus] = match to {
        Paused => &[Active],
        Active => &[Paused],
        Withdrawn => &[Active, Paused],
    };
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let txn = store::begin_write(&ctx.db).await?;
    let result = offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(to))
        .col_expr(offer::Column::UpdatedAt, Expr::value(now_ms()))
        .filter(offer::Column::Id.eq(current.id))
        .filter(offer::Column::Status.is_in(from.iter().copied()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(ServiceError::Conflict(Text::owned(
            format!("服务当前为 {}，不能改为 {to}", current.status),
            format!("The offer is {} and cannot become {to}", current.status),
        )));
    }
    let updated = store::offers::find(&txn, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if to == Withdrawn {
        // A withdrawn offer never serves again: its cover goes with it.
        store::offer_cover::replace(&txn, &updated).await?;
    }
    txn.commit().await?;
    Ok(updated)
}
