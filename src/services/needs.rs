//! Needs: posted by the cadre of a household, listed for volunteers without
//! household data, edited while open, cancelled by the cadre.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

use super::{Fields, ServiceError};
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::grid::cell_of;
use crate::domain::household::{NeedDescription, NeedTitle, Urgency};
use crate::domain::{Category, Lines, NeedStatus, clean_text};
use crate::i18n::Text;
use crate::store::{self, entity::need, now_ms};

/// A need as submitted (create) or changed (patch: `None` keeps).
#[derive(Debug, Default, Clone)]
pub struct NeedInput {
    pub household_id: Option<Uuid>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub urgency: Option<i64>,
}

/// The point of a region (or of the nearest enclosing one that has a point).
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

fn category_of(text: &str) -> Result<Category, Text> {
    text.parse::<Category>().map_err(|_| {
        Text::fixed(
            "类别不存在（见 docs/matching.md 的八个类别）",
            "Unknown category (one of the eight in docs/matching.md)",
        )
    })
}

fn urgency_of(n: i64) -> Result<Urgency, Text> {
    u8::try_from(n)
        .map_err(|_| Text::fixed("紧急程度为 1 到 3", "urgency is 1 to 3"))
        .and_then(Urgency::try_from)
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

fn duplicate(existing: &need::Model) -> ServiceError {
    ServiceError::Conflict(Text::owned(
        format!("该户在此类别已有未完成的需求：{}", existing.id),
        format!(
            "This household already has an open need in this category: {}",
            existing.id
        ),
    ))
}

/// Posts a need for a household in the cadre's region.
pub async fn create(
    ctx: &AppContext,
    caller: &Caller,
    input: NeedInput,
) -> Result<need::Model, ServiceError> {
    let mut fields = Fields::default();
    let household_id = fields.check(
        "household_id",
        input
            .household_id
            .ok_or(Text::fixed("缺少户", "household_id is required")),
    );
    let category = fields.check(
        "category",
        category_of(input.category.as_deref().unwrap_or("")),
    );
    let title = fields.check(
        "title",
        NeedTitle::parse(input.title.as_deref().unwrap_or("")),
    );
    let description = fields.check(
        "description",
        NeedDescription::parse(input.description.as_deref().unwrap_or("")),
    );
    let urgency = fields.check("urgency", urgency_of(input.urgency.unwrap_or(0)));
    fields.finish()?;
    let (Some(household_id), Some(category), Some(title), Some(description), Some(urgency)) =
        (household_id, category, title, description, urgency)
    else {
        return Err(ServiceError::Invalid(Vec::new()));
    };
    let household = store::households::find(&ctx.db, household_id)
        .await?
        .filter(|h| caller.reaches(&h.region))
        .ok_or_else(|| {
            ServiceError::field(
                "household_id",
                Text::fixed("没有这个户", "No such household"),
            )
        })?;
    if let Some(existing) = live_need(&ctx.db, household.id, category).await? {
        return Err(duplicate(&existing));
    }
    let point = match household.lat.zip(household.lon) {
        Some(p) => Some(p),
        None => region_point(&ctx.db, &household.region).await?,
    };
    let now = now_ms();
    let row = need::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(household.id),
        region: Set(household.region.clone()),
        category: Set(category),
        title: Set(title.as_str().to_owned()),
        description: Set(description.as_str().to_owned()),
        urgency: Set(i16::from(urgency.get())),
        status: Set(NeedStatus::Open),
        lat: Set(point.map(|p| p.0)),
        lon: Set(point.map(|p| p.1)),
        cell: Set(point.map(|p| cell_of(p.0, p.1))),
        cancel_reason: Set(None),
        created_by: Set(caller.user_id),
        posted_at: Set(now),
        updated_at: Set(now),
    };
    match row.insert(&ctx.db).await {
        Ok(need) => Ok(need),
        // Lost a race with a concurrent post: the unique index decided.
        Err(e) if store::is_unique_violation(&e) => {
            match live_need(&ctx.db, household.id, category).await? {
                Some(existing) => Err(duplicate(&existing)),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A need the caller may see: staff in reach see any; volunteers open ones
/// (and, later, those matched to them).
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
pub async fn update(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    input: NeedInput,
) -> Result<need::Model, ServiceError> {
    let current = store::needs::find(&ctx.db, id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or(ServiceError::NotFound)?;
    let mut fields = Fields::default();
    let category = match &input.category {
        Some(c) => fields.check("category", category_of(c)),
        None => Some(current.category),
    };
    let title = match &input.title {
        Some(t) => fields
            .check("title", NeedTitle::parse(t))
            .map(|t| t.as_str().to_owned()),
        None => Some(current.title.clone()),
    };
    let description = match &input.description {
        Some(d) => fields
            .check("description", NeedDescription::parse(d))
            .map(|d| d.as_str().to_owned()),
        None => Some(current.description.clone()),
    };
    let urgency = match input.urgency {
        Some(u) => fields
            .check("urgency", urgency_of(u))
            .map(|u| i16::from(u.get())),
        None => Some(current.urgency),
    };
    fields.finish()?;
    let (Some(category), Some(title), Some(description), Some(urgency)) =
        (category, title, description, urgency)
    else {
        return Err(ServiceError::Invalid(Vec::new()));
    };
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
