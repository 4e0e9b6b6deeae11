//! The coordinators' list of waiting needs: every open need of a region,
//! filtered by place and category, keyset-paged in either of two orders.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::domain::escalation::EscalationLevel;
use crate::domain::household::Urgency;
use crate::domain::{Category, NeedStatus, RegionPrefix};
use crate::store::entity::need::{Column, Entity as Needs, Model};

/// The order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Longest waiting first: `(posted_at, id)` ascending.
    Waited,
    /// Most urgent first, then longest waiting: `(urgency desc, posted_at, id)`.
    Urgency,
}

/// Where a page starts: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub urgency: i16,
    pub posted_at: i64,
    pub id: Uuid,
}

impl Key {
    pub fn of(n: &Model) -> Self {
        Self {
            urgency: n.urgency,
            posted_at: n.posted_at,
            id: n.id,
        }
    }
}

/// What the list is filtered by: regions (all must hold, none for every
/// region) and a category.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub regions: Vec<RegionPrefix>,
    pub category: Option<Category>,
    /// Escalated needs only: `Some(None)` at any level, `Some(Some(l))` at `l`.
    pub escalation: Option<Option<EscalationLevel>>,
}

fn open(filter: &Filter) -> Select<Needs> {
    let mut query = Needs::find().filter(Column::Status.eq(NeedStatus::Open));
    for prefix in &filter.regions {
        let (low, high) = prefix.code_range();
        query = query
            .filter(Column::Region.gte(low))
            .filter(Column::Region.lt(high));
    }
    if let Some(c) = filter.category {
        query = query.filter(Column::Category.eq(c));
    }
    match filter.escalation {
        None => {}
        Some(None) => query = query.filter(Column::Escalation.is_not_null()),
        Some(Some(level)) => query = query.filter(Column::Escalation.eq(level)),
    }
    query
}

/// Rows after `after` in `order`, at most `limit`.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    order: Order,
    after: Option<Key>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut query = open(filter);
    let later = |k: &Key| {
        Condition::any().add(Column::PostedAt.gt(k.posted_at)).add(
            Condition::all()
                .add(Column::PostedAt.eq(k.posted_at))
                .add(Column::Id.gt(k.id)),
        )
    };
    match order {
        Order::Waited => {
            if let Some(k) = after {
                query = query.filter(later(&k));
            }
            query = query
                .order_by_asc(Column::PostedAt)
                .order_by_asc(Column::Id);
        }
        Order::Urgency => {
            if let Some(k) = after {
                query = query.filter(
                    Condition::any().add(Column::Urgency.lt(k.urgency)).add(
                        Condition::all()
                            .add(Column::Urgency.eq(k.urgency))
                            .add(later(&k)),
                    ),
                );
            }
            query = query
                .order_by_desc(Column::Urgency)
                .order_by_asc(Column::PostedAt)
                .order_by_asc(Column::Id);
        }
    }
    query.limit(limit).all(db).await
}

/// How many rows the filter holds.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    open(filter).count(db).await
}

/// The open needs of one village, as the map shows them.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct VillageWaiting {
    pub region: String,
    pub open: i64,
    /// How many of them are very urgent (紧急).
    pub urgent: i64,
    /// When the longest-waiting of them was posted.
    pub oldest: i64,
}

/// The filter's open needs grouped by village, by code: one grouped
/// statement, never the rows.
pub async fn by_village(
    db: &impl ConnectionTrait,
    filter: &Filter,
) -> Result<Vec<VillageWaiting>, DbErr> {
    let urgent = format!(
        "SUM(CASE WHEN urgency >= {} THEN 1 ELSE 0 END)",
        Urgency::HIGHEST
    );
    open(filter)
        .select_only()
        .column(Column::Region)
        .column_as(Column::Id.count(), "open")
        .column_as(Expr::cust(urgent), "urgent")
        .column_as(Column::PostedAt.min(), "oldest")
        .group_by(Column::Region)
        .order_by_asc(Column::Region)
        .into_model::<VillageWaiting>()
        .all(db)
        .await
}
