//! The emails of a match's life, each in its recipient's language.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::send;
use crate::context::AppContext;
use crate::domain::Category;
use crate::i18n::{Locale, Text};
use crate::mail::EmailKind;
use crate::services::ServiceError;
use crate::store::{self, entity::matches, entity::need, entity::user};

/// The people and places an email about a match names.
pub struct Parties {
    pub volunteer: user::Model,
    pub cadre: Option<user::Model>,
    pub village_name: String,
}

pub async fn parties(
    db: &impl ConnectionTrait,
    m: &matches::Model,
    n: &need::Model,
) -> Result<Parties, ServiceError> {
    let volunteer = store::accounts::user_by_id(db, m.volunteer_id).await?;
    let volunteer = volunteer.ok_or(ServiceError::NotFound)?;
    let household = store::households::find(db, n.household_id).await?;
    let cadre = match household {
        Some(h) => store::accounts::user_by_id(db, h.created_by).await?,
        None => None,
    };
    let village_name = store::regions::find(db, &n.region)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok(Parties {
        volunteer,
        cadre,
        village_name,
    })
}

/// A category's name in `locale`.
pub fn category_label(c: Category, locale: Locale) -> String {
    Text::fixed(c.name_zh(), c.name_en()).get(locale).to_owned()
}

/// After an accept or a claim: each side gets the other's contact.
pub async fn accepted(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    m: &matches::Model,
    n: &need::Model,
    claimed: bool,
) -> Result<(), ServiceError> {
    let p = parties(db, m, n).await?;
    let event = format!("match:{}:accepted", m.id);
    let v_locale = p.volunteer.locale;
    if let Some(cadre) = &p.cadre {
        let context = json!({
            "title": n.title, "category_label": category_label(n.category, v_locale), "village_name": p.village_name,
            "cadre_name": cadre.name, "cadre_phone": cadre.phone.clone().unwrap_or_default(),
            "match_id": m.id, "claimed": claimed,
        });
        send(
            ctx,
            db,
            &p.volunteer,
            EmailKind::ClaimConfirmed,
            &event,
            context,
        )
        .await?;
        let context = json!({
            "title": n.title, "claimed": claimed, "volunteer_name": p.volunteer.name,
            "volunteer_email": p.volunteer.email, "volunteer_phone": p.volunteer.phone.clone().unwrap_or_default(),
            "match_id": m.id,
        });
        send(
            ctx,
            db,
            cadre,
            EmailKind::CadreMatchAccepted,
            &event,
            context,
        )
        .await?;
    }
    Ok(())
}

/// After a cancellation: the volunteer is told, unless they cancelled.
pub async fn cancelled(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    m: &matches::Model,
    n: &need::Model,
    by: Text,
    by_volunteer: bool,
    reason: &str,
) -> Result<(), ServiceError> {
    if by_volunteer {
        return Ok(());
    }
    let p = parties(db, m, n).await?;
    let locale = p.volunteer.locale;
    let context = json!({
        "title": n.title, "reason": reason, "cancelled_by_label": by.get(locale), "match_id": m.id,
    });
    send(
        ctx,
        db,
        &p.volunteer,
        EmailKind::MatchCancelled,
        &format!("match:{}:cancelled", m.id),
        context,
    )
    .await
    .map(|_| ())
}

/// After the cadre confirmed the help arrived: thanks to the volunteer.
pub async fn completed(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    m: &matches::Model,
    n: &need::Model,
    note: &str,
) -> Result<(), ServiceError> {
    let p = parties(db, m, n).await?;
    let context =
        json!({"title": n.title, "village_name": p.village_name, "note": note, "match_id": m.id});
    send(
        ctx,
        db,
        &p.volunteer,
        EmailKind::MatchCompletedThanks,
        &format!("match:{}:completed", m.id),
        context,
    )
    .await
    .map(|_| ())
}

/// After the volunteer said the help was delivered: the cadre who posted
/// the need is asked to confirm it, in their language. Once per match,
/// however often the volunteer reports: returns whether this report queued
/// the email (false also when the cadre's account is gone).
pub async fn delivered(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    m: &matches::Model,
    n: &need::Model,
    note: &str,
) -> Result<bool, ServiceError> {
    let Some(cadre) = store::accounts::user_by_id(db, n.created_by).await? else {
        return Ok(false);
    };
    let p = parties(db, m, n).await?;
    let context = json!({
        "title": n.title, "category_label": category_label(n.category, cadre.locale),
        "village_name": p.village_name, "volunteer_name": p.volunteer.name, "note": note,
        "match_id": m.id,
    });
    send(
        ctx,
        db,
        &cadre,
        EmailKind::CadreMatchDelivered,
        &format!("match:{}:delivered", m.id),
        context,
    )
    .await
}
