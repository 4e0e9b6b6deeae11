//! Logging in and out, resolving a token to its caller, and setting a
//! password from an invitation or reset link.

use sea_orm::{ActiveValue::Set, DatabaseConnection};
use serde_json::json;
use uuid::Uuid;

use super::accounts::{RESET_TTL_MS, invalid_token, issue_link, link};
use super::emails::send;
use super::{ServiceError, passwords, throttle, tokens};
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::time::{DAY_MS, MINUTE_MS};
use crate::domain::{EmailAddress, LinkPurpose, Password, RegionPrefix, Role};
use crate::mail::{EmailKind, IdempotencyKey};
use crate::store::{self, accounts as q, entity::session, entity::user, now_ms};

/// Sessions last 30 days from their last use.
pub const SESSION_TTL_MS: i64 = 30 * DAY_MS;
/// How stale `last_used_at` may get before a request slides the expiry.
const TOUCH_EVERY_MS: i64 = 5 * MINUTE_MS;

/// A new session: the bearer token (shown once) and its CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: user::Model,
}

fn throttled(retry_after_secs: u64) -> ServiceError {
    ServiceError::Throttled { retry_after_secs }
}

/// Checks email and password. Unknown email and wrong password fail alike,
/// in comparable time. Failures are counted three ways (limits in
/// `Settings::limits`): per account and address, so that whoever guesses
/// from one place locks out only that place and never the owner elsewhere;
/// per address, against one place trying many accounts; and per account
/// from everywhere, a much higher ceiling against guessing from many
/// places, which pauses the account's logins and emails its owner once.
#[tracing::instrument(skip_all)]
pub async fn login(
    ctx: &AppContext,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<NewSession, ServiceError> {
    let (db, limits) = (&ctx.db, &ctx.settings.limits);
    let now = now_ms();
    let key = EmailAddress::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    // In this order, each refusal returning before the next count: attempts
    // refused for one place never add up towards the account's ceiling.
    let pair_bucket = throttle::account_ip_bucket("login", &key, ip);
    throttle::hit(
        db,
        &pair_bucket,
        limits.login_failures_per_account_and_ip,
        now,
    )
    .await?
    .map_err(throttled)?;
    let ip_limit = limits.login_failures_per_ip;
    let ip_event = throttle::hit(db, &throttle::ip_bucket("login", ip), ip_limit, now)
        .await?
        .map_err(throttled)?;
    let ceiling = limits.login_failures_per_account;
    let account_bucket = throttle::account_bucket("login", &key);
    let account_event = match throttle::hit(db, &account_bucket, ceiling, now).await? {
        Ok(event) => event,
        Err(retry_after_secs) => {
            tell_owner_of_lock(ctx, &key, retry_after_secs, now).await?;
            return Err(throttled(retry_after_secs));
        }
    };
    let user = q::user_by_email_key(db, &key).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = passwords::verify_password(password.to_owned(), hash).await;
    // A failure stays counted in every bucket; a success forgets its own
    // attempt, and the earlier failures from this place (typos). A
    // deactivated account fails as a wrong password does: the answer does
    // not tell that the address has an account.
    let Some(user) = user.filter(|u| matches && u.active) else {
        return Err(ServiceError::Unauthorized);
    };
    throttle::clear(db, &pair_bucket).await?;
    throttle::forget(db, ip_event).await?;
    throttle::forget(db, account_event).await?;
    if !user.verified {
        return Err(ServiceError::Forbidden);
    }
    let token = tokens::new_token();
    let csrf_token = tokens::new_token();
    q::insert_session(
        db,
        session::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            token_hash: Set(tokens::token_hash(&token)),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(now),
            last_used_at: Set(now),
            expires_at: Set(now + SESSION_TTL_MS),
            revoked_at: Set(None),
        },
    )
    .await?;
    Ok(NewSession {
        token,
        csrf_token,
        user,
    })
}

/// Emails the owner of the account `key` (if there is one) that its logins
/// are paused for `retry_after_secs`: once per lock, however many attempts
/// it refuses.
async fn tell_owner_of_lock(
    ctx: &AppContext,
    key: &str,
    retry_after_secs: u64,
    now: i64,
) -> Result<(), ServiceError> {
    let Some(owner) = q::user_by_email_key(&ctx.db, key).await? else {
        return Ok(());
    };
    let ceiling = ctx.settings.limits.login_failures_per_account;
    let lock_bucket = throttle::account_bucket("login-locked", key);
    let lock = throttle::lock_id(&ctx.db, &lock_bucket, ceiling.window_ms, now).await?;
    let event = format!("login-locked:{lock}");
    let idempotency = IdempotencyKey::new(&event, &owner.id.to_string());
    if store::outbox::has_key(&ctx.db, idempotency.as_str()).await? {
        return Ok(());
    }
    let context = json!({
        "login_url": format!("{}/login", ctx.public_url.as_str().trim_end_matches('/')),
        "failures": ceiling.max,
        "minutes": retry_after_secs.div_ceil(60),
    });
    if send(
        ctx,
        &ctx.db,
        &owner,
        EmailKind::LoginLocked,
        &event,
        context,
    )
    .await?
    {
        ctx.emails_committed();
    }
    Ok(())
}

/// The caller a bearer or cookie token belongs to, sliding its expiry.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
    via_cookie: bool,
) -> Result<Option<Caller>, ServiceError> {
    let now = now_ms();
    let Some((session, user)) = q::live_session(db, &tokens::token_hash(token), now).await? else {
        return Ok(None);
    };
    // Deactivation revokes the sessions too; this holds even for one
    // that slipped in between.
    if !user.active {
        return Ok(None);
    }
    if now - session.last_used_at > TOUCH_EVERY_MS
        && let Err(e) = q::touch_session(db, session.id, now, now + SESSION_TTL_MS).await
    {
        // Reading goes on when nothing can be written (a full disk): the
        // session is only not extended this time.
        match crate::store::outage(&e) {
            Some(outage) => tracing::warn!(?outage, "a session could not be extended"),
            None => return Err(e.into()),
        }
    }
    Ok(Some(Caller {
        user_id: user.id,
        name: user.name.clone(),
        role: user.role,
        region: user
            .region
            .as_deref()
            .and_then(|r| RegionPrefix::parse(r).ok()),
        locale: user.locale,
        session_id: session.id,
        csrf_token: session.csrf_token,
        via_cookie,
    }))
}

/// Remembers the language the person picked on a page: their pages and
/// their emails speak it from now on.
#[tracing::instrument(skip_all, fields(user = %user_id))]
pub async fn set_locale(
    db: &DatabaseConnection,
    user_id: Uuid,
    locale: crate::i18n::Locale,
) -> Result<(), ServiceError> {
    q::set_locale(db, user_id, locale, now_ms()).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn logout(db: &DatabaseConnection, caller: &Caller) -> Result<(), ServiceError> {
    q::revoke_session(db, caller.session_id, now_ms()).await?;
    Ok(())
}

/// Sends a reset link if the address has an account; answers the same
/// either way, so that it reveals nothing.
#[tracing::instrument(skip_all)]
pub async fn forgot(ctx: &AppContext, email: &str, ip: &str) -> Result<(), ServiceError> {
    let now = now_ms();
    let ip_bucket = throttle::ip_bucket("forgot", ip);
    let limits = &ctx.settings.limits;
    throttle::hit(&ctx.db, &ip_bucket, limits.resets_per_ip, now)
        .await?
        .map_err(throttled)?;
    let Ok(address) = EmailAddress::parse(email) else {
        return Ok(());
    };
    let account_bucket = throttle::account_bucket("forgot", &address.key());
    // Over the account's limit, answer as for any address: no email.
    if throttle::hit(&ctx.db, &account_bucket, limits.resets_per_account, now)
        .await?
        .is_err()
    {
        return Ok(());
    }
    let Some(user) = q::user_by_email_key(&ctx.db, &address.key())
        .await?
        .filter(|u| u.active)
    else {
        return Ok(());
    };
    let txn = store::begin_write(&ctx.db).await?;
    let token = issue_link(&txn, user.id, LinkPurpose::Reset, RESET_TTL_MS, now).await?;
    let context = json!({"reset_url": link(ctx, "/password", &token), "expires_minutes": 60});
    send(
        ctx,
        &txn,
        &user,
        EmailKind::PasswordReset,
        &format!("reset:{}", tokens::token_hash(&token)),
        context,
    )
    .await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(())
}

/// The links that set a password.
const PASSWORD_LINKS: [LinkPurpose; 2] = [LinkPurpose::Invite, LinkPurpose::Reset];

/// Sets a password from an invitation or reset token (single use), spends
/// the account's other such tokens, and ends every session of the account.
#[tracing::instrument(skip_all)]
pub async fn set_password(
    db: &DatabaseConnection,
    token: &str,
    password: &str,
) -> Result<(), ServiceError> {
    let now = now_ms();
    let hash = tokens::token_hash(token);
    let user = match q::pending_link_user(db, &hash, &PASSWORD_LINKS, now).await? {
        Some(user) if user.active => user,
        _ => return Err(invalid_token()),
    };
    let password = Password::parse(password, &user.email, &user.name)
        .map_err(|message| ServiceError::field("password", message))?;
    let password_hash = passwords::hash_password(password.expose().to_owned()).await?;
    let txn = store::begin_write(db).await?;
    // Used up here, atomically: of two requests with one token, one wins.
    let consumed = q::consume_link_token(&txn, &hash, &PASSWORD_LINKS, now).await?;
    if consumed != Some(user.id) {
        return Err(invalid_token());
    }
    // Every other reset or invitation link of the account dies with this
    // one: a link forgotten in a mailbox must not set another password.
    q::spend_user_links(&txn, user.id, &PASSWORD_LINKS, now).await?;
    q::set_password(&txn, user.id, password_hash, now).await?;
    q::revoke_user_sessions(&txn, user.id, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The staff member with this email as a caller, for commands that act in
/// their name (no session).
#[tracing::instrument(skip_all)]
pub async fn caller_for_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Caller, ServiceError> {
    let key = EmailAddress::parse(email)
        .map_err(|m| ServiceError::field("cadre", m))?
        .key();
    let user = q::user_by_email_key(db, &key)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if user.role == Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    Ok(Caller {
        user_id: user.id,
        name: user.name.clone(),
        role: user.role,
        region: user
            .region
            .as_deref()
            .and_then(|r| RegionPrefix::parse(r).ok()),
        locale: user.locale,
        session_id: Uuid::nil(),
        csrf_token: String::new(),
        via_cookie: false,
    })
}
