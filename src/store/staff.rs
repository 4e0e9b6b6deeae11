//! Queries on accounts as the admin's staff pages read and change them.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::entity::user::{self, Column, Entity as Users};
use super::households::escape_like;
use crate::domain::{RegionPrefix, Role};

/// Which accounts a list shows.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Accounts of one of these roles; empty for every role.
    pub roles: Vec<Role>,
    /// Accounts whose region lies inside every one of these prefixes (the
    /// caller's reach, and a filter). Accounts without a region (admins,
    /// volunteers) are left out as soon as one is given.
    pub regions: Vec<RegionPrefix>,
    /// Accounts whose name or email contains this text, case aside.
    pub text: Option<String>,
}

impl UserFilter {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if !self.roles.is_empty() {
            cond = cond.add(Column::Role.is_in(self.roles.iter().copied()));
        }
        for prefix in &self.regions {
            // A stored region is a significant prefix ("430525101"): it lies
            // inside `prefix` when it starts with it. Digits only, so
            // nothing to escape.
            cond = cond.add(Column::Region.starts_with(prefix.as_str()));
        }
        if let Some(text) = &self.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            let like = |column: Column| {
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
            };
            cond = cond.add(
                Condition::any()
                    .add(like(Column::Name))
                    .add(like(Column::EmailKey)),
            );
        }
        cond
    }
}

/// The accounts `filter` lets through, by id (that is, by when they were
/// made), after `after`, at most `limit`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &UserFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    let mut cond = filter.condition();
    if let Some(after) = after {
        cond = cond.add(Column::Id.gt(after));
    }
    Users::find()
        .filter(cond)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The ids of the active admins, their rows locked until the transaction
/// ends (on PostgreSQL; SQLite's write transaction holds the whole
/// database): two admins demoting each other at once cannot both see the
/// other one left.
pub async fn lock_active_admins(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    Users::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Role.eq(Role::Admin))
        .filter(Column::Active.eq(true))
        .order_by_asc(Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(db)
        .await
}

/// What a change writes to an account; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub role: Option<Role>,
    pub region: Option<Option<String>>,
    pub active: Option<bool>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    change: UserUpdate,
    now: i64,
) -> Result<user::Model, DbErr> {
    let mut row = user::ActiveModel {
        id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = change.name {
        row.name = Set(name);
    }
    if let Some(phone) = change.phone {
        row.phone = Set(phone);
    }
    if let Some(role) = change.role {
        row.role = Set(role);
    }
    if let Some(region) = change.region {
        row.region = Set(region);
    }
    if let Some(active) = change.active {
        row.active = Set(active);
    }
    row.update(db).await
}

/// Uses up every unused email link of the matches of volunteer `user_id`
/// (accept, decline, delivered): a deactivated volunteer's links in old
/// emails must not act for them.
pub async fn spend_match_links(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    use super::entity::{match_token, matches};
    let theirs = sea_orm::sea_query::Query::select()
        .column(matches::Column::Id)
        .from(matches::Entity)
        .and_where(matches::Column::VolunteerId.eq(user_id))
        .to_owned();
    match_token::Entity::update_many()
        .col_expr(match_token::Column::UsedAt, Expr::value(now))
        .filter(match_token::Column::UsedAt.is_null())
        .filter(match_token::Column::MatchId.in_subquery(theirs))
        .exec(db)
        .await
        .map(|_| ())
}
