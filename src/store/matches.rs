//! Queries on matches.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::entity::matches::{Column, Entity as Matches};

/// Statuses of a match that ended without the help arriving: its volunteer
/// is never proposed that need again.
pub const ENDED_UNFULFILLED: [&str; 3] = ["declined", "expired", "cancelled"];

/// Whether the volunteer has (or had) a match with the need.
pub async fn volunteer_has_match(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
    need: Uuid,
) -> Result<bool, DbErr> {
    let n = Matches::find()
        .filter(Column::VolunteerId.eq(volunteer))
        .filter(Column::NeedId.eq(need))
        .count(db)
        .await?;
    Ok(n > 0)
}

/// The volunteers whose matches with `need` ended unfulfilled.
pub async fn excluded_volunteers(
    db: &impl ConnectionTrait,
    need: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Matches::find()
        .select_only()
        .column(Column::VolunteerId)
        .filter(Column::NeedId.eq(need))
        .filter(Column::Status.is_in(ENDED_UNFULFILLED))
        .into_tuple()
        .all(db)
        .await
}

/// The needs whose matches with `volunteer` ended unfulfilled.
pub async fn excluded_needs(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Matches::find()
        .select_only()
        .column(Column::NeedId)
        .filter(Column::VolunteerId.eq(volunteer))
        .filter(Column::Status.is_in(ENDED_UNFULFILLED))
        .into_tuple()
        .all(db)
        .await
}
