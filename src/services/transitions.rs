//! A match moving through its life: accept, decline, complete, cancel, and
//! expiry of unanswered proposals (with a reminder a day before). Each move
//! is one transaction: the match, its need, its offer's place, its history
//! and its emails change together or not at all.

use uuid::Uuid;

use super::ServiceError;
use super::emails::match_life;
use crate::context::AppContext;
use crate::domain::Caller;
use crate::domain::match_status::Transition;
use crate::domain::time::DAY_MS;
use crate::domain::{Lines, NeedStatus, Role, clean_text};
use crate::i18n::Text;
use crate::mail::EmailKind;
use crate::store::{self, entity::matches, now_ms};

/// Who moves a match.
#[derive(Clone, Copy)]
pub enum Actor<'a> {
    /// A logged-in person.
    Caller(&'a Caller),
    /// The volunteer, through the link of a proposal email: the hash of its
    /// single-use token, which the answer spends in its own transaction, so
    /// that an answer that fails leaves the link working.
    Link { token_hash: &'a str },
    /// The expiry job.
    System,
}

impl Actor<'_> {
    fn id(&self) -> Option<Uuid> {
        match self {
            Self::Caller(c) => Some(c.user_id),
            _ => None,
        }
    }
}

fn conflict(zh: &'static str, en: &'static str) -> ServiceError {
    ServiceError::Conflict(Text::fixed(zh, en))
}

/// Whether `actor` may make `t` on match `m` of need in `region`.
fn allowed(actor: Actor<'_>, t: Transition, m: &matches::Model, region: &str) -> bool {
    match (actor, t) {
        (Actor::System, Transition::Expire) => true,
        (Actor::Link { .. }, Transition::Accept | Transition::Decline) => true,
        (Actor::Caller(c), Transition::Accept | Transition::Decline) => {
            c.role == Role::Volunteer && m.volunteer_id == c.user_id
        }
        (Actor::Caller(c), Transition::Complete) => c.role == Role::Cadre && c.reaches(region),
        (Actor::Caller(c), Transition::Cancel) => match c.role {
            Role::Volunteer => m.volunteer_id == c.user_id,
            _ => c.reaches(region),
        },
        _ => false,
    }
}

/// Checks a free-text note: `required` ones need 1 character, all at most
/// 1000; its characters as in every multi-line text.
pub(super) fn check_note(
    note: Option<&str>,
    required: bool,
    field: &str,
) -> Result<Option<String>, ServiceError> {
    let note = note
        .map(|n| clean_text(n, Lines::Many))
        .transpose()
        .map_err(|e| ServiceError::field(field, e))?
        .filter(|n| !n.is_empty());
    match note {
        None if required => Err(ServiceError::field(
            field,
            Text::fixed("请填写原因", "A reason is required"),
        )),
        Some(n) if n.chars().count() > 1000 => Err(ServiceError::field(
            field,
            Text::fixed("最多 1000 字", "At most 1000 characters"),
        )),
        other => Ok(other),
    }
}

/// Moves match `id` by `t`, as `actor`, with an optional note (a cancel's
/// reason is required).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn apply(
    ctx: &AppContext,
    actor: Actor<'_>,
    id: Uuid,
    t: Transition,
    note: Option<&str>,
) -> Result<matches::Model, ServiceError> {
    let note = check_note(
        note,
        t == Transition::Cancel,
        if t == Transition::Complete {
            "note"
        } else {
            "reason"
        },
    )?;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let moved = apply_in(ctx, &txn, actor, id, t, note.as_deref(), now).await?;
    txn.commit().await?;
    ctx.emails_committed();
    Ok(moved)
}

/// [`apply`] inside the caller's transaction, with the note checked: the
/// caller commits, then wakes the mailer. An account's erasure cancels its
/// matches so, in its own transaction.
pub(super) async fn apply_in(
    ctx: &AppContext,
    txn: &impl sea_orm::ConnectionTrait,
    actor: Actor<'_>,
    id: Uuid,
    t: Transition,
    note: Option<&str>,
    now: i64,
) -> Result<matches::Model, ServiceError> {
    if let Actor::Link { token_hash } = actor
        && !store::matches::consume_token(txn, token_hash, id, now).await?
    {
        return Err(conflict(
            "链接已使用或已过期",
            "The link was used or has expired",
        ));
    }
    let (m, n) = super::match_reads::with_need(txn, id).await?;
    if let Actor::Caller(c) = actor
        && !super::match_reads::may_see(c, &m, &n)
    {
        return Err(ServiceError::NotFound);
    }
    if !allowed(actor, t, &m, &n.region) {
        return Err(ServiceError::Forbidden);
    }
    let (from, to) = t.edge();
    if m.status != from {
        return Err(ServiceError::Conflict(Text::owned(
            format!("匹配当前为 {}，不能执行此操作", m.status),
            format!("The match is {} and cannot be moved this way", m.status),
        )));
    }
    let answering = matches!(t, Transition::Accept | Transition::Decline);
    if !store::matches::transition(txn, m.id, from, to, now, answering).await? {
        return Err(conflict(
            "提议已过期或已被处理",
            "The proposal has expired or was already answered",
        ));
    }
    if let Some(need_status) = t.need_status() {
        store::needs::transition(txn, n.id, &[NeedStatus::Matched], need_status, now, None).await?;
    }
    if let (true, Some(offer)) = (t.frees_place(), m.offer_id) {
        store::offers::release(txn, offer, now).await?;
    }
    store::matches::record_event(txn, m.id, actor.id(), Some(from), to, note, now).await?;
    store::stats::refresh(txn, Some(&[n.id])).await?;
    let moved = store::matches::find(txn, m.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    match t {
        Transition::Accept => match_life::accepted(ctx, txn, &moved, &n, false).await?,
        Transition::Complete => {
            match_life::completed(ctx, txn, &moved, &n, note.unwrap_or("")).await?
        }
        Transition::Cancel => {
            let (label, by_volunteer) = match actor {
                Actor::Caller(c) => (c.role.label(), c.user_id == m.volunteer_id),
                _ => (Text::fixed("系统", "the system"), false),
            };
            match_life::cancelled(
                ctx,
                txn,
                &moved,
                &n,
                label,
                by_volunteer,
                note.unwrap_or(""),
            )
            .await?;
        }
        Transition::Decline | Transition::Expire => {}
    }
    Ok(moved)
}

/// Expires overdue proposals and reminds volunteers a day before a deadline.
/// Safe to run on several instances at once: each move is conditional, and
/// a reminder is one email per proposal by its idempotency key.
#[tracing::instrument(skip_all)]
pub async fn tick(ctx: &AppContext) -> Result<usize, ServiceError> {
    let now = now_ms();
    let mut moved = 0;
    for m in store::matches::overdue(&ctx.db, now, 500).await? {
        match apply(ctx, Actor::System, m.id, Transition::Expire, None).await {
            Ok(_) => moved += 1,
            Err(ServiceError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let day = DAY_MS;
    for m in store::matches::due_for_reminder(&ctx.db, now, day).await? {
        remind(ctx, &m).await?;
    }
    // An expiry above may have reopened a need; pairing first is no longer
    // its due, as its helper's match ended. What this catches is a posted
    // need that missed its helper (a spreadsheet's, or a cut-short post).
    moved += super::pairings::catch_up(ctx).await?;
    Ok(moved)
}

async fn remind(ctx: &AppContext, m: &matches::Model) -> Result<(), ServiceError> {
    let key = crate::mail::IdempotencyKey::new(
        &format!("match:{}:reminder", m.id),
        &m.volunteer_id.to_string(),
    );
    if store::outbox::has_key(&ctx.db, key.as_str()).await? {
        return Ok(());
    }
    let Some(n) = store::needs::find(&ctx.db, m.need_id).await? else {
        return Ok(());
    };
    let txn = store::begin_write(&ctx.db).await?;
    let p = match_life::parties(&txn, m, &n).await?;
    let locale = p.volunteer.locale;
    // A fresh link: the proposal's own was sent and is stored only hashed.
    let token = super::tokens::new_token();
    store::matches::insert_token(
        &txn,
        m.id,
        super::tokens::token_hash(&token),
        m.expires_at.unwrap_or(now_ms()),
    )
    .await?;
    let item =
        super::matches::proposal_item((&n).into(), m.id, &p.village_name, &token, locale, None);
    let context = serde_json::json!({
        "title": n.title, "category_label": item["category_label"], "village_name": p.village_name,
        "token": token, "match_id": m.id,
        "expires_at": super::matches::expires_label(ctx, m.expires_at.unwrap_or(0)),
    });
    let event = format!("match:{}:reminder", m.id);
    if super::emails::send(
        ctx,
        &txn,
        &p.volunteer,
        EmailKind::ProposalReminder,
        &event,
        context,
    )
    .await?
    {
        txn.commit().await?;
        ctx.emails_committed();
    } else {
        // Reminded already: keep no unused token.
        txn.rollback().await?;
    }
    Ok(())
}
