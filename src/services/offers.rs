//! Offers: what a volunteer can give, where, how far and how many at once.

use sea_orm::{ActiveModelTrait, IntoActiveModel};
use uuid::Uuid;

use super::ServiceError;
use crate::context::AppContext;
use crate::domain::geo::GeoPoint;
use crate::domain::grid::cell_of;
use crate::domain::offer::{AvailableUntil, Capacity, NewOffer, OfferChanges};
use crate::domain::{Caller, CategorySet, OfferStatus, Role};
use crate::i18n::Text;
use crate::store::{self, entity::offer, now_ms};

/// The row of a new offer, as [`create`] stores it; the demo builds its
/// county's offers with it too, so that they are stored alike.
pub(super) fn new_row(id: Uuid, volunteer: Uuid, new: NewOffer, at: i64) -> offer::Model {
    let NewOffer {
        categories,
        point,
        radius,
        remote,
        capacity,
        available_until,
    } = new;
    offer::Model {
        id,
        volunteer_id: volunteer,
        categories: i32::from(categories.0),
        lat: point.lat,
        lon: point.lon,
        cell: cell_of(point.lat, point.lon),
        radius_km: radius.as_str().to_owned(),
        radius_m: radius.metres(),
        remote,
        capacity: capacity.get(),
        live_matches: 0,
        status: OfferStatus::Active,
        available_until: available_until.map(AvailableUntil::millis),
        created_at: at,
        updated_at: at,
    }
}

/// A volunteer posts an offer.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    new: NewOffer,
) -> Result<offer::Model, ServiceError> {
    let row = new_row(Uuid::now_v7(), caller.user_id, new, now_ms());
    let txn = store::begin_write(&ctx.db).await?;
    let offer = row.into_active_model().reset_all().insert(&txn).await?;
    store::offer_cover::insert(&txn, std::slice::from_ref(&offer)).await?;
    txn.commit().await?;
    Ok(offer)
}

/// Up to `limit` offers the caller may see, by id after `after`: their own,
/// or every offer for coordinators and admins.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
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
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
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
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
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

/// The caller's own offer, not withdrawn: what [`update`] changes. Looked
/// up before the changes are read, so that an offer the caller cannot
/// change answers 404 or 409 whatever the request holds.
pub struct Editable(offer::Model);

/// The caller's offer, if they may change it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn editable(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<Editable, ServiceError> {
    let current = owned(ctx, caller, id).await?;
    if current.status == OfferStatus::Withdrawn {
        return Err(ServiceError::Conflict(Text::fixed(
            "已撤回的服务不能修改",
            "A withdrawn offer cannot change",
        )));
    }
    Ok(Editable(current))
}

/// Changes an offer's fields; what is not changed stays as stored, and
/// capacity cannot drop below the offer's live matches.
#[tracing::instrument(skip_all)]
pub async fn update(
    ctx: &AppContext,
    offer: Editable,
    changes: OfferChanges,
) -> Result<offer::Model, ServiceError> {
    let Editable(current) = offer;
    let id = current.id;
    let now = now_ms();
    let categories = changes
        .categories
        .unwrap_or(CategorySet(current.categories as u8));
    let point = changes
        .point
        .applied_to(GeoPoint::new(current.lat, current.lon));
    let (radius_km, radius_m) = match changes.radius {
        Some(r) => (r.as_str().to_owned(), r.metres()),
        None => (current.radius_km.clone(), current.radius_m),
    };
    let remote = changes.remote.unwrap_or(current.remote);
    let capacity = changes.capacity.map_or(current.capacity, Capacity::get);
    let until = match changes.available_until {
        Some(until) => until.map(AvailableUntil::millis),
        None => current.available_until,
    };
    if capacity < current.live_matches {
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
            Expr::value(i32::from(categories.0)),
        )
        .col_expr(offer::Column::Lat, Expr::value(point.lat))
        .col_expr(offer::Column::Lon, Expr::value(point.lon))
        .col_expr(
            offer::Column::Cell,
            Expr::value(cell_of(point.lat, point.lon)),
        )
        .col_expr(offer::Column::RadiusKm, Expr::value(radius_km))
        .col_expr(offer::Column::RadiusM, Expr::value(radius_m))
        .col_expr(offer::Column::Remote, Expr::value(remote))
        .col_expr(offer::Column::Capacity, Expr::value(capacity))
        .col_expr(offer::Column::AvailableUntil, Expr::value(until))
        .col_expr(offer::Column::UpdatedAt, Expr::value(now))
        .filter(offer::Column::Id.eq(id))
        .filter(offer::Column::Status.ne(OfferStatus::Withdrawn))
        .filter(Expr::col(offer::Column::LiveMatches).lte(capacity))
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

/// The offer whose status the caller may change to `to`: their own; and
/// for a pause, also one a coordinator or admin follows up — an offer
/// proposed on needs in the coordinator's region (any, for an admin).
async fn changeable(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    to: OfferStatus,
) -> Result<offer::Model, ServiceError> {
    let staff = matches!(caller.role, Role::Coordinator | Role::Admin);
    if !(staff && to == OfferStatus::Paused) {
        return owned(ctx, caller, id).await;
    }
    let regions = super::work_list::regions(caller).ok_or(ServiceError::NotFound)?;
    let offer = store::offers::find(&ctx.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let reached = regions.is_empty() || store::followup::offer_in(&ctx.db, id, &regions).await?;
    if reached {
        Ok(offer)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Moves an offer between `active`, `paused` and `withdrawn` (final).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn set_status(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    to: OfferStatus,
) -> Result<offer::Model, ServiceError> {
    use OfferStatus::{Active, Paused, Withdrawn};
    let current = changeable(ctx, caller, id, to).await?;
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
