//! A volunteer erases their own account (PIPL Art. 47), in one
//! transaction: the account is closed and stops naming or reaching them
//! (placeholder name and address, no phone, no password, no session, no
//! link), their offers are withdrawn, their live matches end — cancelled,
//! or declined while only proposed — so the needs are open again and the
//! cadres are told, and the standing help they gave ends. Matches, events,
//! visits and every figure stay. Staff accounts are deactivated by an
//! admin instead.

use serde_json::json;

use super::emails::{match_life, send};
use super::transitions::{Actor, apply_in};
use super::{ServiceError, passwords, throttle};
use crate::context::AppContext;
use crate::domain::match_status::Transition;
use crate::domain::{AuditAction, Caller, MatchStatus, Role};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::{self, account_erasure as q, now_ms};

/// Why the volunteer's matches and pairings ended.
pub const REASON: Text = Text::fixed("志愿者已注销账户", "The volunteer deleted their account");

/// The name an erased account shows in the history it leaves.
pub const PLACEHOLDER_NAME: &str = "已注销用户";

/// The reason as stored in a match's history or a pairing's end: read by
/// people of either language.
fn stored_reason() -> String {
    format!("{} / {}", REASON.zh, REASON.en)
}

/// The answer to a wrong (or missing) password: beside the field, as any
/// other field's error.
pub fn wrong_password() -> ServiceError {
    ServiceError::field(
        "password",
        Text::fixed("密码不正确", "The password is not correct"),
    )
}

/// Erases the caller's own account after checking their password.
/// Guesses count against the account like failed logins do, so a stolen
/// session cannot try passwords without end.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn erase_own(
    ctx: &AppContext,
    caller: &Caller,
    password: &str,
) -> Result<(), ServiceError> {
    if caller.role != Role::Volunteer {
        return Err(ServiceError::Refused(Text::fixed(
            "工作人员的账号由管理员停用，不能在这里删除",
            "Staff accounts are deactivated by an administrator, not deleted here",
        )));
    }
    let now = now_ms();
    let bucket = throttle::account_bucket("erase", &caller.user_id.to_string());
    let limit = ctx.settings.limits.login_failures_per_account_and_ip;
    let attempt = throttle::hit(&ctx.db, &bucket, limit, now)
        .await?
        .map_err(|retry_after_secs| ServiceError::Throttled { retry_after_secs })?;
    let user = store::accounts::user_by_id(&ctx.db, caller.user_id)
        .await?
        .filter(|u| u.erased_at.is_none())
        .ok_or(ServiceError::Unauthorized)?;
    if password.is_empty()
        || !passwords::verify_password(password.to_owned(), user.password_hash.clone()).await
    {
        return Err(wrong_password());
    }
    throttle::forget(&ctx.db, attempt).await?;
    let txn = store::begin_write(&ctx.db).await?;
    end_matches(ctx, &txn, caller, now).await?;
    for withdrawn in q::withdraw_offers(&txn, user.id, now).await? {
        // A withdrawn offer never serves again: its cover goes with it.
        store::offer_cover::replace(&txn, &withdrawn).await?;
    }
    q::end_standing_help(&txn, user.id, &stored_reason(), now).await?;
    store::staff::spend_match_links(&txn, user.id, now).await?;
    q::delete_sessions_and_links(&txn, user.id).await?;
    q::delete_unsent_emails(&txn, &user.email).await?;
    if !q::erase_user(&txn, user.id, PLACEHOLDER_NAME, now).await? {
        // Erased meanwhile, by a second request of theirs.
        return Err(ServiceError::Unauthorized);
    }
    let subject = vec![user.id.to_string()];
    store::audit::record(&txn, user.id, AuditAction::Erase, "user", subject, now).await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(())
}

/// Ends the volunteer's live matches through their own transitions (an
/// accepted match is cancelled, a proposal declined), with the reason in
/// the history; each cadre whose need reopens gets the cancellation email.
async fn end_matches(
    ctx: &AppContext,
    txn: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    now: i64,
) -> Result<(), ServiceError> {
    let reason = stored_reason();
    for m in q::live_matches(txn, caller.user_id).await? {
        let t = match m.status {
            MatchStatus::Accepted => Transition::Cancel,
            _ => Transition::Decline,
        };
        let actor = Actor::Caller(caller);
        let moved = match apply_in(ctx, txn, actor, m.id, t, Some(&reason), now).await {
            Ok(moved) => moved,
            // Moved meanwhile (completed, expired): nothing left to end.
            Err(ServiceError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        };
        let (_, n) = super::match_reads::with_need(txn, moved.id).await?;
        let parties = match_life::parties(txn, &moved, &n).await?;
        let Some(cadre) = parties.cadre.filter(|c| c.active) else {
            continue;
        };
        let context = json!({
            "title": n.title,
            "reason": REASON.get(cadre.locale),
            "cancelled_by_label": Role::Volunteer.label().get(cadre.locale),
            "match_id": moved.id,
        });
        let event = format!("match:{}:cancelled", moved.id);
        send(ctx, txn, &cadre, EmailKind::MatchCancelled, &event, context).await?;
    }
    Ok(())
}
