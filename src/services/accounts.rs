//! Creating accounts: volunteers register themselves and verify their
//! address; staff are invited by an admin or coordinator; scripts create
//! accounts from the command line.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, passwords, tokens};
use crate::context::AppContext;
use crate::domain::caller::{self, Caller};
use crate::domain::new_account::{Assignment, NewAccount, NewVolunteer, Profile};
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::domain::{LinkPurpose, Password, Role};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::{self, accounts as q, entity::link_token, entity::user, now_ms};

pub const VERIFY_TTL_MS: i64 = 48 * HOUR_MS;
pub const INVITE_TTL_MS: i64 = 7 * DAY_MS;
pub const RESET_TTL_MS: i64 = HOUR_MS;

/// The row of a new account, as every way of making one stores it; the
/// demo builds its county's accounts with it too.
pub(super) fn new_user(
    id: Uuid,
    profile: &Profile,
    assignment: &Assignment,
    verified: bool,
    hash: Option<String>,
    at: i64,
) -> user::Model {
    user::Model {
        id,
        email_key: profile.email.key(),
        email: profile.email.as_str().to_owned(),
        name: profile.name.as_str().to_owned(),
        phone: profile.phone.as_ref().map(|ph| ph.as_str().to_owned()),
        role: assignment.role(),
        region: assignment.region().map(|r| r.as_str().to_owned()),
        locale: profile.locale,
        verified,
        password_hash: hash,
        created_at: at,
        updated_at: at,
        active: true,
        erased_at: None,
    }
}

/// [`new_user`] with a fresh id, to insert.
fn user_row(
    profile: &Profile,
    assignment: &Assignment,
    verified: bool,
    hash: Option<String>,
    now: i64,
) -> user::ActiveModel {
    new_user(Uuid::now_v7(), profile, assignment, verified, hash, now)
        .into_active_model()
        .reset_all()
}

fn email_taken() -> ServiceError {
    ServiceError::Conflict(Text::fixed(
        "该邮箱已注册",
        "This email address is already registered",
    ))
}

/// Issues a single-use link token for `user_id` and returns the token.
pub(super) async fn issue_link(
    db: &impl sea_orm::ConnectionTrait,
    user_id: Uuid,
    purpose: LinkPurpose,
    ttl_ms: i64,
    now: i64,
) -> Result<String, ServiceError> {
    let token = tokens::new_token();
    q::insert_link_token(
        db,
        link_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            purpose: Set(purpose),
            token_hash: Set(tokens::token_hash(&token)),
            created_at: Set(now),
            expires_at: Set(now + ttl_ms),
            used_at: Set(None),
        },
    )
    .await?;
    Ok(token)
}

/// A link into the web pages, ending in `?token=…`.
pub(super) fn link(ctx: &AppContext, path: &str, token: &str) -> String {
    format!(
        "{}{path}?token={token}",
        ctx.public_url.as_str().trim_end_matches('/')
    )
}

/// A registration let through the limit per address: what [`register`]
/// takes. Counted before the registration is read, so that every attempt
/// counts, a malformed one too, and a place over its limit hears 429
/// whatever it sent.
pub struct Admitted(());

/// Counts a registration from `ip` against its limit.
#[tracing::instrument(skip_all)]
pub async fn admit_registration(ctx: &AppContext, ip: &str) -> Result<Admitted, ServiceError> {
    let limits = &ctx.settings.limits;
    let bucket = super::throttle::ip_bucket("register", ip);
    super::throttle::hit(&ctx.db, &bucket, limits.registrations_per_ip, now_ms())
        .await?
        .map_err(|retry_after_secs| ServiceError::Throttled { retry_after_secs })?;
    Ok(Admitted(()))
}

/// Registers a volunteer and sends the verification email. An address that
/// already has an account gets the same answer as a new one (login and
/// forgot-password hide which addresses exist; this must not tell either),
/// and its owner an email instead; nothing is created or changed.
#[tracing::instrument(skip_all)]
pub async fn register(
    ctx: &AppContext,
    _admitted: Admitted,
    volunteer: NewVolunteer,
) -> Result<user::Model, ServiceError> {
    let NewVolunteer { profile, password } = volunteer;
    // Hashed whether or not the address is taken, so that both answers
    // take as long.
    let hash = passwords::hash_password(password.expose().to_owned()).await?;
    let now = now_ms();
    if let Some(owner) = q::user_by_email_key(&ctx.db, &profile.email.key()).await? {
        return taken(ctx, &owner, &profile, now).await;
    }
    let txn = store::begin_write(&ctx.db).await?;
    let row = user_row(&profile, &Assignment::VOLUNTEER, false, Some(hash), now);
    let user = match q::insert_user(&txn, row).await {
        Ok(user) => user,
        // Registered a moment ago by a concurrent request: taken after all.
        Err(e) if store::is_unique_violation(&e) => {
            txn.rollback().await?;
            let owner = q::user_by_email_key(&ctx.db, &profile.email.key())
                .await?
                .ok_or_else(email_taken)?;
            return taken(ctx, &owner, &profile, now).await;
        }
        Err(e) => return Err(e.into()),
    };
    let token = issue_link(&txn, user.id, LinkPurpose::Verify, VERIFY_TTL_MS, now).await?;
    let context = json!({"verify_url": link(ctx, "/verify", &token), "expires_hours": 48});
    super::emails::send(
        ctx,
        &txn,
        &user,
        EmailKind::VerifyEmail,
        &format!("verify:{}", tokens::token_hash(&token)),
        context,
    )
    .await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(user)
}

/// A registration with `owner`'s address: tells the owner (at most as often
/// as reset links are sent, so that nobody can flood a mailbox through this
/// form), with a way to log in or choose a new password, and answers with
/// the account the registration would have made, which is never stored.
async fn taken(
    ctx: &AppContext,
    owner: &user::Model,
    profile: &Profile,
    now: i64,
) -> Result<user::Model, ServiceError> {
    let unsaved = new_user(
        Uuid::now_v7(),
        profile,
        &Assignment::VOLUNTEER,
        false,
        None,
        now,
    );
    // A deactivated account gets no link to choose a password.
    if !owner.active {
        return Ok(unsaved);
    }
    let bucket = super::throttle::account_bucket("register-taken", &owner.email_key);
    let limit = ctx.settings.limits.resets_per_account;
    if super::throttle::hit(&ctx.db, &bucket, limit, now)
        .await?
        .is_err()
    {
        return Ok(unsaved);
    }
    let txn = store::begin_write(&ctx.db).await?;
    let token = issue_link(&txn, owner.id, LinkPurpose::Reset, RESET_TTL_MS, now).await?;
    let context = json!({
        "login_url": format!("{}/login", ctx.public_url.as_str().trim_end_matches('/')),
        "reset_url": link(ctx, "/password", &token),
        "expires_minutes": RESET_TTL_MS / MINUTE_MS,
    });
    super::emails::send(
        ctx,
        &txn,
        owner,
        EmailKind::RegistrationAttempt,
        &format!("register-taken:{}", tokens::token_hash(&token)),
        context,
    )
    .await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(unsaved)
}

/// Marks the address of a verification token's user as verified.
#[tracing::instrument(skip_all)]
pub async fn verify(db: &DatabaseConnection, token: &str) -> Result<(), ServiceError> {
    let now = now_ms();
    let txn = store::begin_write(db).await?;
    let user_id = q::consume_link_token(
        &txn,
        &tokens::token_hash(token),
        &[LinkPurpose::Verify],
        now,
    )
    .await?
    .ok_or_else(invalid_token)?;
    q::set_verified(&txn, user_id, now).await?;
    txn.commit().await?;
    Ok(())
}

pub(super) fn invalid_token() -> ServiceError {
    ServiceError::field(
        "token",
        Text::fixed(
            "链接无效、已使用或已过期",
            "The link is invalid, used or expired",
        ),
    )
}

/// Refuses a caller who may not create accounts of `role`: admins create
/// any, coordinators cadres.
pub fn may_invite(caller: &Caller, role: Role) -> Result<(), ServiceError> {
    if caller::may_create(caller.role, role) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// An admin or coordinator invites a staff member, who sets a password from
/// the invitation email.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn invite(
    ctx: &AppContext,
    caller: &Caller,
    account: NewAccount,
) -> Result<user::Model, ServiceError> {
    let NewAccount {
        profile,
        assignment,
    } = account;
    may_invite(caller, assignment.role())?;
    let region_name = match assignment.region() {
        Some(prefix) => {
            let code = prefix.code();
            // A region out of reach is answered like one that does not exist.
            if caller.role != Role::Admin && !caller.reaches(&code) {
                return Err(ServiceError::field(
                    "region",
                    Text::fixed("没有这个地区", "No such region"),
                ));
            }
            let region = store::regions::find(&ctx.db, &code).await?.ok_or_else(|| {
                ServiceError::field("region", Text::fixed("没有这个地区", "No such region"))
            })?;
            region.name
        }
        None => String::new(),
    };
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let user = q::insert_user(&txn, user_row(&profile, &assignment, false, None, now))
        .await
        .map_err(super::unique_as(email_taken))?;
    let token = issue_link(&txn, user.id, LinkPurpose::Invite, INVITE_TTL_MS, now).await?;
    let inviter = q::user_by_id(&txn, caller.user_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let context = json!({
        "inviter_name": inviter,
        "role_label": assignment.role().label().get(profile.locale),
        "region_name": region_name,
        "set_password_url": link(ctx, "/password", &token),
        "expires_days": 7,
    });
    super::emails::send(
        ctx,
        &txn,
        &user,
        EmailKind::Invitation,
        &format!("invite:{}", user.id),
        context,
    )
    .await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(user)
}

/// Creates a verified account with a password, for `huzhu user create`.
#[tracing::instrument(skip_all)]
pub async fn create_with_password(
    db: &DatabaseConnection,
    account: NewAccount,
    password: Password,
) -> Result<user::Model, ServiceError> {
    let NewAccount {
        profile,
        assignment,
    } = account;
    if let Some(prefix) = assignment.region() {
        let code = prefix.code();
        if store::regions::find(db, &code).await?.is_none() {
            return Err(ServiceError::field(
                "region",
                Text::fixed("没有这个地区", "No such region"),
            ));
        }
    }
    let hash = passwords::hash_password(password.expose().to_owned()).await?;
    let txn = store::begin_write(db).await?;
    let user = q::insert_user(
        &txn,
        user_row(&profile, &assignment, true, Some(hash), now_ms()),
    )
    .await
    .map_err(super::unique_as(email_taken))?;
    txn.commit().await?;
    Ok(user)
}
