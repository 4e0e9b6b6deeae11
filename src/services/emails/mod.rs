//! Emailing a user: the one way services queue an email to a person, in
//! their language, keyed by the event and the person so it is sent once;
//! `match_life` composes the emails of a match's life with it.

use sea_orm::ConnectionTrait;
use serde_json::Value;

pub mod match_life;

use crate::context::AppContext;
use crate::i18n::Locale;
use crate::mail::{self, EmailKind, IdempotencyKey, Recipient};
use crate::services::ServiceError;
use crate::store::entity::user;

/// A user as an email recipient.
pub fn recipient(u: &user::Model) -> Recipient {
    recipient_of(u.email.clone(), u.name.clone(), u.locale)
}

/// An account's address from its columns, in its stored locale.
pub fn recipient_of(email: String, name: String, locale: Locale) -> Recipient {
    Recipient {
        email,
        name,
        locale,
    }
}

/// Renders `kind` for `to` and queues it in `db` (the caller's transaction)
/// under (`event`, user). Returns false when that email was queued before.
pub async fn send(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    to: &user::Model,
    kind: EmailKind,
    event: &str,
    context: Value,
) -> Result<bool, ServiceError> {
    let email = ctx
        .templates
        .compose(kind, &recipient(to), ctx.public_url.as_str(), context)
        .map_err(|e| ServiceError::Internal(e.into()))?;
    Ok(mail::enqueue(db, &IdempotencyKey::new(event, &to.id.to_string()), &email).await?)
}
