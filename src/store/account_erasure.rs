//! The writes of a volunteer erasing their own account, each in the
//! caller's transaction. History (matches, events, visits, figures) stays;
//! what named or reached the person goes.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entity::{link_token, matches, offer, outbox, pairing, session, standing_helper, user};
use crate::domain::{MatchStatus, OfferStatus, OutboxStatus};

/// The address an erased account keeps: unique, and no mailbox's.
pub fn placeholder_email(id: Uuid) -> String {
    format!("deleted-{id}@invalid")
}

/// Replaces the account's name, email, phone and password and closes it,
/// unless it is erased already. Returns whether this call erased it.
pub async fn erase_user(
    db: &impl ConnectionTrait,
    id: Uuid,
    placeholder_name: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let email = placeholder_email(id);
    let result = user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::value(placeholder_name))
        .col_expr(user::Column::Email, Expr::value(email.clone()))
        .col_expr(user::Column::EmailKey, Expr::value(email))
        .col_expr(user::Column::Phone, Expr::value(Option::<String>::None))
        .col_expr(
            user::Column::PasswordHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user::Column::Active, Expr::value(false))
        .col_expr(user::Column::ErasedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes the account's sessions and its email links (verify, invite,
/// reset): nothing of them can act for it again.
pub async fn delete_sessions_and_links(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id))
        .exec(db)
        .await?;
    link_token::Entity::delete_many()
        .filter(link_token::Column::UserId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Withdraws the volunteer's offers that still serve; returns them as they
/// now are.
pub async fn withdraw_offers(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
    now: i64,
) -> Result<Vec<offer::Model>, DbErr> {
    let serving = offer::Entity::find()
        .filter(offer::Column::VolunteerId.eq(volunteer))
        .filter(offer::Column::Status.is_in([OfferStatus::Active, OfferStatus::Paused]))
        .all(db)
        .await?;
    if serving.is_empty() {
        return Ok(serving);
    }
    offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(OfferStatus::Withdrawn))
        .col_expr(offer::Column::UpdatedAt, Expr::value(now))
        .filter(offer::Column::Id.is_in(serving.iter().map(|o| o.id)))
        .exec(db)
        .await?;
    Ok(serving
        .into_iter()
        .map(|o| offer::Model {
            status: OfferStatus::Withdrawn,
            updated_at: now,
            ..o
        })
        .collect())
}

/// The volunteer's live matches (proposed or accepted).
pub async fn live_matches(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
) -> Result<Vec<matches::Model>, DbErr> {
    matches::Entity::find()
        .filter(matches::Column::VolunteerId.eq(volunteer))
        .filter(matches::Column::Status.is_in([MatchStatus::Proposed, MatchStatus::Accepted]))
        .all(db)
        .await
}

/// Ends the standing help the volunteer gives: their agreement goes, the
/// pairings where they are the main helper end with `reason`, and they are
/// no longer liaison anywhere. Returns how many pairings ended.
pub async fn end_standing_help(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
    reason: &str,
    now: i64,
) -> Result<u64, DbErr> {
    standing_helper::Entity::delete_many()
        .filter(standing_helper::Column::UserId.eq(volunteer))
        .exec(db)
        .await?;
    let ended = pairing::Entity::update_many()
        .col_expr(pairing::Column::EndedAt, Expr::value(now))
        .col_expr(pairing::Column::EndReason, Expr::value(reason))
        .filter(pairing::Column::HelperId.eq(volunteer))
        .filter(pairing::Column::EndedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    pairing::Entity::update_many()
        .col_expr(
            pairing::Column::LiaisonId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(pairing::Column::LiaisonId.eq(volunteer))
        .exec(db)
        .await?;
    Ok(ended)
}

/// Deletes the emails to `email` not sent yet: they would reach a person
/// who left.
pub async fn delete_unsent_emails(db: &impl ConnectionTrait, email: &str) -> Result<u64, DbErr> {
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::RecipientEmail.eq(email))
        .filter(outbox::Column::Status.ne(OutboxStatus::Sent))
        .exec(db)
        .await?
        .rows_affected)
}
