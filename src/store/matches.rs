//! Queries on matches.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::entity::matches::{Column, Entity as Matches};
use crate::domain::{MatchEventKind, MatchStatus};

/// Statuses of a match that ended without the help arriving: its volunteer
/// is never proposed that need again.
pub const ENDED_UNFULFILLED: [MatchStatus; 3] = [
    MatchStatus::Declined,
    MatchStatus::Expired,
    MatchStatus::Cancelled,
];

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

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel, QueryOrder};

use super::entity::{match_event, match_token, matches};

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<matches::Model>, DbErr> {
    Matches::find_by_id(id).one(db).await
}

pub async fn insert(db: &impl ConnectionTrait, row: matches::ActiveModel) -> Result<(), DbErr> {
    Matches::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Moves a match from `from` to `to` if it is still `from` (and, for a
/// proposal being answered, not past its deadline). Returns whether it moved.
pub async fn transition(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: MatchStatus,
    to: MatchStatus,
    now: i64,
    unexpired: bool,
) -> Result<bool, DbErr> {
    let mut update = Matches::update_many()
        .col_expr(Column::Status, Expr::value(to))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if to == MatchStatus::Accepted {
        update = update.col_expr(Column::AcceptedAt, Expr::value(now));
    } else {
        update = update.col_expr(Column::EndedAt, Expr::value(now));
    }
    let mut query = update
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(from));
    if unexpired {
        query = query.filter(Column::ExpiresAt.gt(now));
    }
    Ok(query.exec(db).await?.rows_affected == 1)
}

/// Appends a transition to a match's history.
pub async fn record_event(
    db: &impl ConnectionTrait,
    match_id: Uuid,
    actor: Option<Uuid>,
    from: Option<MatchStatus>,
    to: MatchStatus,
    note: Option<&str>,
    at: i64,
) -> Result<(), DbErr> {
    append(
        db,
        match_event::Model {
            id: Uuid::now_v7(),
            match_id,
            at,
            actor_id: actor,
            kind: MatchEventKind::Transition,
            from_status: from,
            to_status: to,
            note: note.map(str::to_owned),
        },
    )
    .await
}

/// Appends the volunteer's report that the help was delivered to the
/// history of an accepted match, which stays accepted.
pub async fn record_delivery(
    db: &impl ConnectionTrait,
    match_id: Uuid,
    volunteer: Uuid,
    note: Option<&str>,
    at: i64,
) -> Result<(), DbErr> {
    append(
        db,
        match_event::Model {
            id: Uuid::now_v7(),
            match_id,
            at,
            actor_id: Some(volunteer),
            kind: MatchEventKind::Delivered,
            from_status: Some(MatchStatus::Accepted),
            to_status: MatchStatus::Accepted,
            note: note.map(str::to_owned),
        },
    )
    .await
}

async fn append(db: &impl ConnectionTrait, event: match_event::Model) -> Result<(), DbErr> {
    // A model's values are all "unchanged"; reset marks them set, so that
    // every column is inserted.
    match_event::Entity::insert(event.into_active_model().reset_all())
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Marks a match updated if it is still `status`; returns whether it was.
/// The conditional update also holds the row until the transaction ends,
/// so that a transition racing it waits and then sees what it wrote.
pub async fn touch_if(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: MatchStatus,
    now: i64,
) -> Result<bool, DbErr> {
    let result = Matches::update_many()
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(status))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Up to `limit` events of a match in the order they happened, from just
/// after `after` (the `(at, id)` of the last event already read). That is
/// the table's key, so each page is one range read however long the
/// history grows.
pub async fn events(
    db: &impl ConnectionTrait,
    match_id: Uuid,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<match_event::Model>, DbErr> {
    use match_event::Column as E;
    let mut query = match_event::Entity::find().filter(E::MatchId.eq(match_id));
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any()
                .add(E::At.gt(at))
                .add(Condition::all().add(E::At.eq(at)).add(E::Id.gt(id))),
        );
    }
    query
        .order_by_asc(E::At)
        .order_by_asc(E::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn insert_token(
    db: &impl ConnectionTrait,
    match_id: Uuid,
    token_hash: String,
    expires_at: i64,
) -> Result<(), DbErr> {
    match_token::Entity::insert(match_token::ActiveModel {
        match_id: Set(match_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// The match of an unused, unexpired link token.
pub async fn token_match(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<Option<Uuid>, DbErr> {
    Ok(match_token::Entity::find()
        .filter(match_token::Column::TokenHash.eq(token_hash))
        .filter(match_token::Column::UsedAt.is_null())
        .filter(match_token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|t| t.match_id))
}

/// Uses up a link token of match `match_id`; returns whether this call did.
pub async fn consume_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
    match_id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let result = match_token::Entity::update_many()
        .col_expr(match_token::Column::UsedAt, Expr::value(now))
        .filter(match_token::Column::TokenHash.eq(token_hash))
        .filter(match_token::Column::MatchId.eq(match_id))
        .filter(match_token::Column::UsedAt.is_null())
        .filter(match_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Proposals past their deadline, oldest first.
pub async fn overdue(
    db: &impl ConnectionTrait,
    now: i64,
    limit: u64,
) -> Result<Vec<matches::Model>, DbErr> {
    Matches::find()
        .filter(Column::Status.eq(MatchStatus::Proposed))
        .filter(Column::ExpiresAt.lte(now))
        .order_by_asc(Column::ExpiresAt)
        .limit(limit)
        .all(db)
        .await
}

/// Proposals whose deadline is within `window_ms` and were made more than
/// `window_ms` before it (a reminder makes sense).
pub async fn due_for_reminder(
    db: &impl ConnectionTrait,
    now: i64,
    window_ms: i64,
) -> Result<Vec<matches::Model>, DbErr> {
    let rows = Matches::find()
        .filter(Column::Status.eq(MatchStatus::Proposed))
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::ExpiresAt.lte(now + window_ms))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|m| m.expires_at.is_some_and(|e| e - m.created_at > window_ms))
        .collect())
}

/// Which matches a list shows.
#[derive(Debug, Default, Clone)]
pub struct MatchFilter {
    /// Only matches in one of these statuses (any when empty).
    pub statuses: Vec<MatchStatus>,
    pub need: Option<Uuid>,
    pub offer: Option<Uuid>,
    /// Only this volunteer's.
    pub volunteer: Option<Uuid>,
    /// Only matches of needs inside these prefixes.
    pub regions: Vec<crate::domain::RegionPrefix>,
    /// Newest first (ids descending, `after` the last id read), instead of
    /// oldest first.
    pub newest_first: bool,
}

/// Matches by id after `after`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &MatchFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<matches::Model>, DbErr> {
    use super::entity::{need, offer};
    use sea_orm::sea_query::Query;
    let mut query = Matches::find();
    if !filter.statuses.is_empty() {
        query = query.filter(Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(need) = filter.need {
        query = query.filter(Column::NeedId.eq(need));
    }
    if let Some(offer) = filter.offer {
        // Through its volunteer's matches: no index holds offers' matches
        // (a round would write 68k entries into it).
        let volunteer = Query::select()
            .column(offer::Column::VolunteerId)
            .from(offer::Entity)
            .and_where(offer::Column::Id.eq(offer))
            .to_owned();
        query = query
            .filter(Column::VolunteerId.in_subquery(volunteer))
            .filter(Column::OfferId.eq(offer));
    }
    if let Some(volunteer) = filter.volunteer {
        query = query.filter(Column::VolunteerId.eq(volunteer));
    }
    for prefix in &filter.regions {
        let (low, high) = prefix.code_range();
        let needs_in = Query::select()
            .column(need::Column::Id)
            .from(need::Entity)
            .and_where(need::Column::Region.gte(low))
            .and_where(need::Column::Region.lt(high))
            .to_owned();
        query = query.filter(Column::NeedId.in_subquery(needs_in));
    }
    query = match (after, filter.newest_first) {
        (Some(after), false) => query.filter(Column::Id.gt(after)),
        (Some(after), true) => query.filter(Column::Id.lt(after)),
        (None, _) => query,
    };
    let query = if filter.newest_first {
        query.order_by_desc(Column::Id)
    } else {
        query.order_by_asc(Column::Id)
    };
    query.limit(limit).all(db).await
}

/// How many matches a volunteer has in each status: a few rows of the
/// `(volunteer_id, status)` index.
pub async fn count_by_status(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
) -> Result<Vec<(MatchStatus, i64)>, DbErr> {
    Matches::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .filter(Column::VolunteerId.eq(volunteer))
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await
}

/// (need, volunteer) pairs among `needs` whose matches ended unfulfilled.
pub async fn excluded_pairs(
    db: &impl ConnectionTrait,
    needs: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let mut pairs = Vec::new();
    // Under both SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    for chunk in needs.chunks(30_000) {
        let rows: Vec<(Uuid, Uuid)> = Matches::find()
            .select_only()
            .column(Column::NeedId)
            .column(Column::VolunteerId)
            .filter(Column::NeedId.is_in(chunk.iter().copied()))
            .filter(Column::Status.is_in(ENDED_UNFULFILLED))
            .into_tuple()
            .all(db)
            .await?;
        pairs.extend(rows);
    }
    Ok(pairs)
}

/// Every match of these needs, in the order they were made.
pub async fn of_needs(
    db: &impl ConnectionTrait,
    needs: &[Uuid],
) -> Result<Vec<matches::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in needs.chunks(500) {
        found.extend(
            Matches::find()
                .filter(Column::NeedId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    found.sort_by_key(|m| (m.created_at, m.id));
    Ok(found)
}

/// Every event of these matches, in the order they happened.
pub async fn events_of(
    db: &impl ConnectionTrait,
    match_ids: &[Uuid],
) -> Result<Vec<match_event::Model>, DbErr> {
    use match_event::Column as E;
    let mut found = Vec::new();
    for chunk in match_ids.chunks(500) {
        found.extend(
            match_event::Entity::find()
                .filter(E::MatchId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    found.sort_by_key(|e| (e.at, e.id));
    Ok(found)
}
