//! Queries on households.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::entity::household::{self, Column, Entity as Households};
use crate::domain::RegionPrefix;

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<household::Model>, DbErr> {
    Households::find_by_id(id).one(db).await
}

pub async fn by_id_number(
    db: &impl ConnectionTrait,
    id_number: &str,
) -> Result<Option<household::Model>, DbErr> {
    Households::find()
        .filter(Column::IdNumber.eq(id_number))
        .one(db)
        .await
}

/// The households inside every prefix of `regions`, by id, after `cursor`.
pub async fn list(
    db: &impl ConnectionTrait,
    regions: &[RegionPrefix],
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<household::Model>, DbErr> {
    let mut cond = Condition::all();
    for prefix in regions {
        let (low, high) = prefix.code_range();
        cond = cond
            .add(Column::Region.gte(low))
            .add(Column::Region.lt(high));
    }
    if let Some(after) = after {
        cond = cond.add(Column::Id.gt(after));
    }
    let mut query = Households::find().filter(cond).order_by_asc(Column::Id);
    if limit > 0 {
        query = query.limit(limit);
    }
    query.all(db).await
}

/// Households by `(region, head_name)`, for imports of rows without ID numbers.
pub async fn by_region_and_head(
    db: &impl ConnectionTrait,
    region: &str,
    head_name: &str,
) -> Result<Option<household::Model>, DbErr> {
    Households::find()
        .filter(Column::Region.eq(region))
        .filter(Column::HeadName.eq(head_name))
        .filter(Column::IdNumber.is_null())
        .one(db)
        .await
}
