//! Needs: posted by the cadre of a household, listed for volunteers without
//! household data, edited while open, cancelled by the cadre.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

use super::ServiceError;
use crate::context::AppContext;
use crate::domain::grid::cell_of;
use crate::domain::need::{NeedChanges, NewNeed};
use crate::domain::{Caller, Category, Lines, NeedStatus, clean_text};
use crate::i18n::Text;
use crate::store::{self, entity::need, now_ms};

/// The point of a region (or of the nearest enclosing one that has a point).
#[tracing::instrument(skip_all)]
pub async fn region_point(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<(f64, f64)>, DbErr> {
    let mut code = code.to_owned();
    loop {
        let Some(region) = store::regions::find(db, &code).await? else {
            return Ok(None);
        };
        if let (Some(lat), Some(lon)) = (region.lat, region.lon) {
            return Ok(Some((lat, lon)));
        }
        match region.parent_code.filter(|p| p != &code) {
            Some(parent) => code = parent,
            None => return Ok(None),
        }
    }
}

/// The need of a household that would conflict with a new one.
async fn live_need(
    db: &impl ConnectionTrait,
    household: Uuid,
    category: Category,
) -> Result<Option<need::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    need::Entity::find()
        .filter(need::Column::HouseholdId.eq(household))
        .filter(need::Column::Category.eq(category))
        .filter(store::needs::live())
        .one(db)
        .await
}

/// The duplicate guard's answer: a household has at most one open (or
/// matched) need a category, and this is the one it has.
fn duplicate(existing: &need::Model) -> ServiceError {
    ServiceError::Duplicate {
        existing: existing.id,
        why: Text::owned(
            format!("该户在此类别已有未完成的需求：{}", existing.id),
            format!(
                "This household already has an open need in this category: {}",
                existing.id
            ),
        ),
    }
}

/// Posts a need for a household in the cadre's region.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    new: NewNeed,
) -> Result<need::Model, ServiceError> {
    let category = new.category;
    let household = store::households::find(&ctx.db, new.household_id)
        .await?
        .filter(|h| caller.reaches(&h.region))
        .ok_or_else(|| {
            ServiceError::field(
                "household_id",
                Text::fixed("没有这个户", "No such household"),
            )
        })?;
    let txn = store::begin_write(&ctx.db).await?;
    let posted = post_in(ctx, &txn, &household, &new, caller.user_id, now_ms()).await;
    let posted = match posted {
        Ok(n) => txn.commit().await.map(|()| n).map_err(ServiceError::from),
        Err(e) => Err(e),
    };
    match posted {
        Ok(n) => {
            ctx.emails_committed();
            Ok(n)
        }
        // Lost a race with a concurrent post: the unique index decided.
        Err(ServiceError::Db(e)) if store::is_unique_violation(&e) => {
            match live_need(&ctx.db, household.id, category).await? {
                Some(existing) => Err(duplicate(&existing)),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e),
    }
}

/// Posts `new` for household `h` in `txn`, refused as a duplicate like any
/// other post, and, pairing first, proposes it to the household's helper
/// in the same transaction: no round or claim can take it in between.
/// The need as it stands after; the caller commits, then wakes the mailer.
pub async fn post_in(
    ctx: &AppContext,
    txn: &impl ConnectionTrait,
    h: &crate::store::entity::household::Model,
    new: &NewNeed,
    by: Uuid,
    now: i64,
) -> Result<need::Model, ServiceError> {
    super::households::hold_unerased(txn, h.id).await?;
    if let Some(existing) = live_need(txn, h.id, new.category).await? {
        return Err(duplicate(&existing));
    }
    let point = match h.lat.zip(h.lon) {
        Some(p) => Some(p),
        None => region_point(txn, &h.region).await?,
    };
    let posted = open_row(new, &h.region, point, by, now).insert(txn).await?;
    if super::pairings::offer_first_in(ctx, txn, &posted)
        .await?
        .is_none()
    {
        return Ok(posted);
    }
    Ok(store::needs::find(txn, posted.id).await?.unwrap_or(posted))
}

/// The row of a need posted open: by the API, or by a spreadsheet import.
pub fn open_row(
    new: &NewNeed,
    region: &str,
    point: Option<(f64, f64)>,
    created_by: Uuid,
    now: i64,
) -> need::ActiveModel {
    need::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(new.household_id),
        region: Set(region.to_owned()),
        category: Set(new.category),
        title: Set(new.title.as_str().to_owned()),
        description: Set(new.description.as_str().to_owned()),
        urgency: Set(i16::from(new.urgency.get())),
        status: Set(NeedStatus::Open),
        lat: Set(point.map(|p| p.0)),
        lon: Set(point.map(|p| p.1)),
        cell: Set(point.map(|p| cell_of(p.0, p.1))),
        cancel_reason: Set(None),
        created_by: Set(created_by),
        posted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A need the caller may see: staff in reach see any; volunteers open ones
/// (and, later, those matched to them).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn visible(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<need::Model, ServiceError> {
    let need = store::needs::find(&ctx.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let visible = if caller.role == crate::domain::Role::Volunteer {
        need.status == NeedStatus::Open
            || store::matches::volunteer_has_match(&ctx.db, caller.user_id, id).await?
    } else {
        caller.reaches(&need.region)
    };
    if visible {
        Ok(need)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Changes an open need's fields (the cadre's, in reach).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn update(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    changes: NeedChanges,
) -> Result<need::Model, ServiceError> {
    let current = store::needs::find(&ctx.db, id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or(ServiceError::NotFound)?;
    let category = changes.category.unwrap_or(current.category);
    let title = changes
        .title
        .map_or(current.title.clone(), |t| t.as_str().to_owned());
    let description = changes
        .description
        .map_or(current.description.clone(), |d| d.as_str().to_owned());
    let urgency = changes
        .urgency
        .map_or(current.urgency, |u| i16::from(u.get()));
    if category != current.category
        && let Some(existing) = live_need(&ctx.db, current.household_id, category).await?
    {
        return Err(duplicate(&existing));
    }
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let result = need::Entity::update_many()
        .col_expr(need::Column::Category, Expr::value(category))
        .col_expr(need::Column::Title, Expr::value(title))
        .col_expr(need::Column::Description, Expr::value(description))
        .col_expr(need::Column::Urgency, Expr::value(urgency))
        .col_expr(need::Column::UpdatedAt, Expr::value(now_ms()))
        .filter(need::Column::Id.eq(id))
        .filter(need::Column::Status.eq(NeedStatus::Open))
        .exec(&ctx.db)
        .await
        .map_err(|e| {
            if store::is_unique_violation(&e) {
                not_open()
            } else {
                e.into()
            }
        })?;
    if result.rows_affected == 0 {
        return Err(not_open());
    }
    store::needs::find(&ctx.db, id)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn not_open() -> ServiceError {
    ServiceError::Conflict(Text::fixed(
        "需求已不是待匹配状态，不能修改",
        "The need is no longer open and cannot change",
    ))
}

/// Cancels an open need, with a reason.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn cancel(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    reason: &str,
) -> Result<need::Model, ServiceError> {
    let need = store::needs::find(&ctx.db, id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or(ServiceError::NotFound)?;
    let reason = clean_text(reason, Lines::Many).map_err(|e| ServiceError::field("reason", e))?;
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ServiceError::field(
            "reason",
            Text::fixed(
                "请填写 1 到 1000 字的原因",
                "A reason of 1 to 1000 characters is required",
            ),
        ));
    }
    if !store::needs::transition(
        &ctx.db,
        need.id,
        &[NeedStatus::Open],
        NeedStatus::Cancelled,
        now_ms(),
        Some(&reason),
    )
    .await?
    {
        return Err(ServiceError::Conflict(Text::fixed(
            "只有待匹配的需求可以取消；已匹配的请先取消匹配",
            "Only an open need can be cancelled; cancel its match first",
        )));
    }
    store::needs::find(&ctx.db, id)
        .await?
        .ok_or(ServiceError::NotFound)
}
