//! Queries on households.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
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

/// Which households a list shows.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// Households inside every one of these prefixes (a staff member's
    /// reach, and a filter).
    pub regions: Vec<RegionPrefix>,
    /// Households whose head's name contains this text, case aside.
    pub name_contains: Option<String>,
}

impl HouseholdFilter {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        for prefix in &self.regions {
            let (low, high) = prefix.code_range();
            cond = cond
                .add(Column::Region.gte(low))
                .add(Column::Region.lt(high));
        }
        if let Some(text) = &self.name_contains {
            // The text is matched as typed: `%` and `_` are no wildcards.
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            cond = cond.add(
                Expr::expr(Func::lower(Expr::col(Column::HeadName)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            );
        }
        cond
    }
}

/// `text` with LIKE's wildcards and its escape character escaped.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The households `filter` lets through, by id, after `cursor`; every one
/// when `limit` is 0.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &HouseholdFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<household::Model>, DbErr> {
    let mut cond = filter.condition();
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

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn wildcards_typed_in_a_search_are_matched_as_themselves() {
        assert_eq!(escape_like("王%_\\"), "王\\%\\_\\\\");
        assert_eq!(escape_like("王大山"), "王大山");
    }
}
