//! The volunteer says the help was delivered. The match stays `accepted`:
//! only the need's cadre confirms completion, on the household's behalf,
//! and this report is what asks them to.

use uuid::Uuid;

use super::ServiceError;
use super::emails::match_life;
use super::transitions::check_note;
use crate::context::AppContext;
use crate::domain::{Caller, MatchStatus, Role};
use crate::i18n::Text;
use crate::store::{self, entity::matches, now_ms};

/// The volunteer of match `id` reports that the help was delivered, with an
/// optional note (cleaned and bounded as every match note is). In one
/// transaction: a `delivered` event in the match's history and an email to
/// the cadre who posted the need.
///
/// A match the caller may not see is not found; another party's is
/// refused; one that is not `accepted` is a conflict, and nothing changes.
/// A volunteer may report again while the match is accepted (a second
/// visit, a correction): each report is recorded, but the cadre is emailed
/// once per match, by the email's idempotency key.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn report(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    note: Option<&str>,
) -> Result<matches::Model, ServiceError> {
    let note = check_note(note, false, "note")?;
    let now = now_ms();
    let txn = store::begin_write(&ctx.db).await?;
    let (m, n) = super::match_reads::visible_with_need(&txn, caller, id).await?;
    if caller.role != Role::Volunteer || m.volunteer_id != caller.user_id {
        return Err(ServiceError::Forbidden);
    }
    if m.status != MatchStatus::Accepted {
        return Err(ServiceError::Conflict(Text::owned(
            format!("匹配当前为 {}，只有已接受的匹配才能报告送达", m.status),
            format!(
                "The match is {}; only an accepted match can be reported delivered",
                m.status
            ),
        )));
    }
    // A completion or cancellation committed since the read above wins.
    if !store::matches::touch_if(&txn, m.id, MatchStatus::Accepted, now).await? {
        return Err(ServiceError::Conflict(Text::fixed(
            "匹配刚刚已结束",
            "The match has just ended",
        )));
    }
    store::matches::record_delivery(&txn, m.id, caller.user_id, note.as_deref(), now).await?;
    let reported = store::matches::find(&txn, m.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let emailed =
        match_life::delivered(ctx, &txn, &reported, &n, note.as_deref().unwrap_or("")).await?;
    txn.commit().await?;
    if emailed {
        ctx.emails_committed();
    }
    Ok(reported)
}
