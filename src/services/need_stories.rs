//! A need's whole story as staff follow it (PRODUCT.md, "Life of a need
//! and a match"): posted; proposed, claimed, accepted, declined, expired;
//! delivered; completed or cancelled — each of its matches with every
//! event, read for a page of needs in a handful of queries. A volunteer
//! is named only once they accepted (PRODUCT.md, Privacy): until then
//! staff learn that a volunteer was asked, not who.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::{ServiceError, households};
use crate::context::AppContext;
use crate::domain::{Caller, Role};
use crate::store::{
    self,
    entity::{acknowledgement, escalation, household, match_event, matches, need},
};

/// Who moved a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The match's own volunteer, named as [`MatchStory::volunteer`] says.
    Volunteer,
    /// A member of staff (a cadre, a coordinator), by name.
    Staff { id: Uuid, name: String },
    /// Nobody: a round made the match, or its deadline passed.
    System,
}

/// One event of a match, with who caused it.
#[derive(Debug, Clone)]
pub struct StoryEvent {
    pub event: match_event::Model,
    pub by: Actor,
}

/// One match of a need, from its proposal (or claim) on.
#[derive(Debug, Clone)]
pub struct MatchStory {
    pub m: matches::Model,
    /// The volunteer's name once they accepted (a claim is accepted at
    /// once); never before, and never for a proposal they let pass.
    pub volunteer: Option<String>,
    pub events: Vec<StoryEvent>,
}

/// A need and its matches, oldest first.
#[derive(Debug, Clone)]
pub struct NeedStory {
    pub need: need::Model,
    pub matches: Vec<MatchStory>,
    /// Each level it escalated to, oldest first: the region's name beside.
    pub escalations: Vec<(escalation::Model, String)>,
    /// Each acknowledgement, oldest first, with the coordinator's name.
    pub acknowledgements: Vec<(acknowledgement::Model, String)>,
}

/// A household as staff see it, and a page of its needs' stories.
#[derive(Debug, Clone)]
pub struct HouseholdStories {
    pub household: household::Model,
    /// Its village's name.
    pub village: String,
    /// Newest first.
    pub needs: Vec<NeedStory>,
    /// The last need shown, when older ones follow: the next page's cursor.
    pub older_than: Option<Uuid>,
}

/// Stories are for staff; a volunteer has their own view of their matches.
fn staff_only(caller: &Caller) -> Result<(), ServiceError> {
    if caller.role == Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Household `id` in the caller's reach (its read audited as
/// `households::get` does) with up to `limit` of its needs' stories,
/// newest first, from just before the need `before`.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn of_household(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<HouseholdStories, ServiceError> {
    let (household, village) = household(ctx, caller, id).await?;
    let mut rows = store::needs::of_household(&ctx.db, household.id, before, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let older_than = rows.last().map(|n| n.id).filter(|_| more);
    Ok(HouseholdStories {
        household,
        village,
        needs: stories(&ctx.db, rows).await?,
        older_than,
    })
}

/// Household `id` in the caller's reach, its read audited as
/// `households::get` does, and its village's name.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn household(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<(household::Model, String), ServiceError> {
    staff_only(caller)?;
    let household = households::get(ctx, caller, id).await?;
    let village = store::regions::find(&ctx.db, &household.region)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    Ok((household, village))
}

/// Need `id`'s story, for staff in its reach; not found otherwise.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn of_need(
    ctx: &AppContext,
    caller: &Caller,
    id: Uuid,
) -> Result<NeedStory, ServiceError> {
    staff_only(caller)?;
    let need = store::needs::find(&ctx.db, id)
        .await?
        .filter(|n| caller.reaches(&n.region))
        .ok_or(ServiceError::NotFound)?;
    stories(&ctx.db, vec![need])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// The stories of `needs`, in their order: their matches, those matches'
/// events and the names that may be shown, in four queries.
async fn stories(
    db: &impl ConnectionTrait,
    needs: Vec<need::Model>,
) -> Result<Vec<NeedStory>, DbErr> {
    let need_ids: Vec<Uuid> = needs.iter().map(|n| n.id).collect();
    let all_matches = store::matches::of_needs(db, &need_ids).await?;
    let match_ids: Vec<Uuid> = all_matches.iter().map(|m| m.id).collect();
    let events = store::matches::events_of(db, &match_ids).await?;
    let volunteer_of: HashMap<Uuid, Uuid> =
        all_matches.iter().map(|m| (m.id, m.volunteer_id)).collect();
    let staff = |e: &match_event::Model| {
        e.actor_id
            .filter(|a| volunteer_of.get(&e.match_id) != Some(a))
    };
    let mut named: Vec<Uuid> = all_matches
        .iter()
        .filter(|m| m.accepted_at.is_some())
        .map(|m| m.volunteer_id)
        .chain(events.iter().filter_map(staff))
        .collect();
    let mut raised: HashMap<Uuid, Vec<escalation::Model>> = HashMap::new();
    let mut acknowledged: HashMap<Uuid, Vec<acknowledgement::Model>> = HashMap::new();
    for n in needs.iter().filter(|n| n.escalation.is_some()) {
        let (r, a) = store::escalations::history(db, n.id).await?;
        named.extend(a.iter().map(|a| a.by_id));
        raised.insert(n.id, r);
        acknowledged.insert(n.id, a);
    }
    let places = store::regions::names(
        db,
        raised
            .values()
            .flatten()
            .map(|e| crate::domain::region::padded_code(&e.to_region)),
    )
    .await?;
    named.sort();
    named.dedup();
    let names = store::accounts::names(db, &named).await?;

    let mut events_of: HashMap<Uuid, Vec<StoryEvent>> = HashMap::new();
    for event in events {
        let by = match (event.actor_id, staff(&event)) {
            (None, _) => Actor::System,
            (Some(_), None) => Actor::Volunteer,
            (Some(_), Some(id)) => Actor::Staff {
                id,
                name: names.get(&id).cloned().unwrap_or_default(),
            },
        };
        events_of
            .entry(event.match_id)
            .or_default()
            .push(StoryEvent { event, by });
    }
    let mut matches_of: HashMap<Uuid, Vec<MatchStory>> = HashMap::new();
    for m in all_matches {
        let volunteer = m
            .accepted_at
            .and_then(|_| names.get(&m.volunteer_id).cloned());
        let events = events_of.remove(&m.id).unwrap_or_default();
        matches_of.entry(m.need_id).or_default().push(MatchStory {
            m,
            volunteer,
            events,
        });
    }
    Ok(needs
        .into_iter()
        .map(|need| NeedStory {
            matches: matches_of.remove(&need.id).unwrap_or_default(),
            escalations: raised
                .remove(&need.id)
                .unwrap_or_default()
                .into_iter()
                .map(|e| {
                    let place = crate::domain::region::padded_code(&e.to_region);
                    (e, places.get(&place).cloned().unwrap_or_default())
                })
                .collect(),
            acknowledgements: acknowledged
                .remove(&need.id)
                .unwrap_or_default()
                .into_iter()
                .map(|a| {
                    let name = names.get(&a.by_id).cloned().unwrap_or_default();
                    (a, name)
                })
                .collect(),
            need,
        })
        .collect())
}
