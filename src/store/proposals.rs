//! Writing a round's proposals: the matches, their first events and their
//! link tokens, one bulk insert per table.

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::bulk::Rows;
use crate::domain::{MatchOrigin, MatchStatus};

/// A round's new proposals, column by column: index `i` of every vector
/// belongs to the same proposal.
#[derive(Debug, Default)]
pub struct Proposals {
    /// The matches' ids.
    pub ids: Vec<Uuid>,
    pub need_ids: Vec<Uuid>,
    pub offer_ids: Vec<Uuid>,
    pub volunteer_ids: Vec<Uuid>,
    /// The hash of each proposal's link token (the plaintext goes only into
    /// the email).
    pub token_hashes: Vec<String>,
}

impl Proposals {
    /// Adds one proposal.
    pub fn push(&mut self, id: Uuid, need: Uuid, offer: Uuid, volunteer: Uuid, token_hash: String) {
        self.ids.push(id);
        self.need_ids.push(need);
        self.offer_ids.push(offer);
        self.volunteer_ids.push(volunteer);
        self.token_hashes.push(token_hash);
    }

    /// How many proposals there are.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// What every proposal of the round shares.
#[derive(Debug, Clone, Copy)]
pub struct RoundStamp {
    /// The round the proposals belong to.
    pub round_id: Uuid,
    /// Who started the round, if a person did.
    pub actor: Option<Uuid>,
    /// When the proposals were made (ms since the epoch).
    pub at: i64,
    /// When they expire unanswered (ms since the epoch).
    pub expires_at: i64,
}

/// Inserts the proposals as `proposed` matches of the round, each with its
/// `proposed` event and its link token.
pub async fn insert(
    db: &impl ConnectionTrait,
    stamp: RoundStamp,
    proposals: Proposals,
) -> Result<(), DbErr> {
    let n = proposals.len();
    let Proposals {
        ids,
        need_ids,
        offer_ids,
        volunteer_ids,
        token_hashes,
    } = proposals;
    Rows::new("matches", n)
        .uuids("id", ids.clone())
        .uuids("need_id", need_ids)
        .uuids("offer_id", offer_ids)
        .uuids("volunteer_id", volunteer_ids)
        .same("origin", MatchOrigin::Round)
        .same("status", MatchStatus::Proposed)
        .same("round_id", Some(stamp.round_id))
        .same("created_at", stamp.at)
        .same("updated_at", stamp.at)
        .same("accepted_at", Option::<i64>::None)
        .same("ended_at", Option::<i64>::None)
        .same("expires_at", Some(stamp.expires_at))
        .insert(db)
        .await?;
    // Each a transition: `kind` is left to the column's default, which
    // spares a value per row.
    Rows::new("match_events", n)
        .uuids("id", (0..n).map(|_| Uuid::now_v7()).collect())
        .uuids("match_id", ids.clone())
        .same("at", stamp.at)
        .same("actor_id", stamp.actor)
        .same("from_status", Option::<MatchStatus>::None)
        .same("to_status", MatchStatus::Proposed)
        .same("note", Some(format!("round {}", stamp.round_id)))
        .insert(db)
        .await?;
    Rows::new("match_tokens", n)
        .texts("token_hash", token_hashes)
        .uuids("match_id", ids)
        .same("expires_at", stamp.expires_at)
        .same("used_at", Option::<i64>::None)
        .insert(db)
        .await?;
    Ok(())
}
