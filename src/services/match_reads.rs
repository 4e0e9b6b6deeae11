//! Reading matches: which matches a caller may see (the volunteer of a match,
//! and staff whose region holds its need), their list and their history,
//! and a volunteer's own matches as they may see them.
//! A match the caller may not see is not found, so that its existence does
//! not leak.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use uuid::Uuid;

use super::emails::match_life;
use super::{ServiceError, ranking};
use crate::domain::{Caller, Category, MatchStatus, RegionPrefix, Role};
use crate::store::entity::{match_event, matches, need, offer};
use crate::store::{self, matches::MatchFilter};

/// Whether the caller is a party to (or staff over) the match.
pub fn may_see(caller: &Caller, m: &matches::Model, n: &need::Model) -> bool {
    match caller.role {
        Role::Volunteer => m.volunteer_id == caller.user_id,
        _ => caller.reaches(&n.region),
    }
}

/// Match `id` and its need; not found when either is missing.
pub async fn with_need(
    db: &impl sea_orm::ConnectionTrait,
    id: Uuid,
) -> Result<(matches::Model, need::Model), ServiceError> {
    let m = store::matches::find(db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let n = store::needs::find(db, m.need_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((m, n))
}

/// Match `id` and its need, if the caller may see the match.
pub async fn visible_with_need(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(matches::Model, need::Model), ServiceError> {
    let (m, n) = with_need(db, id).await?;
    if may_see(caller, &m, &n) {
        Ok((m, n))
    } else {
        Err(ServiceError::NotFound)
    }
}

/// One match, if the caller may see it.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn visible(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<matches::Model, ServiceError> {
    Ok(visible_with_need(db, caller, id).await?.0)
}

/// What a caller asks of the match list; their own scope is added to it.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Only these statuses (any when empty).
    pub statuses: Vec<MatchStatus>,
    pub need: Option<Uuid>,
    pub offer: Option<Uuid>,
    /// Only matches of needs inside this prefix.
    pub region: Option<RegionPrefix>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

/// Up to `limit` of the matches the caller is party to or oversees, by id
/// after `after` (before it, newest first): a volunteer's own, staff's
/// inside their region.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    query: ListQuery,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<matches::Model>, ServiceError> {
    let filter = MatchFilter {
        statuses: query.statuses,
        need: query.need,
        offer: query.offer,
        volunteer: (caller.role == Role::Volunteer).then_some(caller.user_id),
        regions: caller.region.iter().cloned().chain(query.region).collect(),
        newest_first: query.newest_first,
    };
    Ok(store::matches::list(db, &filter, after, limit).await?)
}

/// Up to `limit` events of a match the caller may see, oldest first, after
/// the event keyed `after` (`(at, id)`).
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn events(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<match_event::Model>, ServiceError> {
    let m = visible(db, caller, id).await?;
    Ok(store::matches::events(db, m.id, after, limit).await?)
}

/// What a volunteer sees of the need of one of their matches (PRODUCT.md,
/// Privacy): what an open need shows, never household data, and the
/// distance from their offer to the need's ~1 km rounded point.
#[derive(Debug, Clone)]
pub struct SeenNeed {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub urgency: i16,
    pub village_name: String,
    /// In metres; `None` on the remote path or without a point.
    pub distance_m: Option<i64>,
}

/// Whom a volunteer contacts about an accepted match: the cadre who
/// posted the need, as the claim-confirmed email names them.
#[derive(Debug, Clone)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
}

/// One of a volunteer's matches as they see it.
#[derive(Debug, Clone)]
pub struct VolunteerMatch {
    pub m: matches::Model,
    pub need: SeenNeed,
    /// Only once the match is accepted (and after it completed).
    pub contact: Option<Contact>,
}

/// How many of their matches a volunteer has in each status.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn volunteer_counts(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
) -> Result<HashMap<MatchStatus, u64>, ServiceError> {
    let rows = store::matches::count_by_status(db, caller.user_id).await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Up to `limit` of the volunteer's own matches in `statuses`, as they see
/// them; oldest first (the nearest deadline first for proposals) or
/// newest first, after the match `after`.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn volunteer_list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    statuses: &[MatchStatus],
    newest_first: bool,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<VolunteerMatch>, ServiceError> {
    if caller.role != Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    let query = ListQuery {
        statuses: statuses.to_vec(),
        newest_first,
        ..ListQuery::default()
    };
    let rows = list(db, caller, query, after, limit).await?;
    let need_ids: Vec<Uuid> = rows.iter().map(|m| m.need_id).collect();
    let needs: HashMap<Uuid, need::Model> = store::needs::by_ids(db, &need_ids)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let names = store::regions::names(db, needs.values().map(|n| n.region.clone())).await?;
    // A volunteer has a few offers: each is read once.
    let mut offers: HashMap<Uuid, Option<offer::Model>> = HashMap::new();
    for id in rows.iter().filter_map(|m| m.offer_id) {
        if let Entry::Vacant(slot) = offers.entry(id) {
            slot.insert(store::offers::find(db, id).await?);
        }
    }
    let mut seen = Vec::with_capacity(rows.len());
    for m in rows {
        let Some(n) = needs.get(&m.need_id) else {
            continue;
        };
        let o = m
            .offer_id
            .and_then(|id| offers.get(&id))
            .and_then(Option::as_ref);
        let village = names.get(&n.region).cloned().unwrap_or_default();
        let contact = contact(db, caller, &m, n).await?;
        let need = seen_need(n, o, village);
        seen.push(VolunteerMatch { m, need, contact });
    }
    Ok(seen)
}

/// One of the volunteer's own matches as they see it; another's is not found.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn volunteer_match(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<VolunteerMatch, ServiceError> {
    if caller.role != Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    let m = visible(db, caller, id).await?;
    let n = store::needs::find(db, m.need_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let o = match m.offer_id {
        Some(id) => store::offers::find(db, id).await?,
        None => None,
    };
    let village = store::regions::find(db, &n.region)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let contact = contact(db, caller, &m, &n).await?;
    let need = seen_need(&n, o.as_ref(), village);
    Ok(VolunteerMatch { m, need, contact })
}

/// The cadre's name and phone, for the match's own volunteer once it is
/// accepted or completed (PRODUCT.md, Privacy); nobody else, and not
/// before.
pub async fn contact(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    m: &matches::Model,
    n: &need::Model,
) -> Result<Option<Contact>, ServiceError> {
    let theirs = caller.role == Role::Volunteer && m.volunteer_id == caller.user_id;
    if !theirs || !matches!(m.status, MatchStatus::Accepted | MatchStatus::Completed) {
        return Ok(None);
    }
    let p = match_life::parties(db, m, n).await?;
    Ok(p.cadre.map(|c| Contact {
        name: c.name,
        phone: c.phone,
    }))
}

fn seen_need(n: &need::Model, o: Option<&offer::Model>, village_name: String) -> SeenNeed {
    let distance_m = o
        .zip(ranking::need_input(n))
        .map(|(o, ni)| ranking::shown_distance_m(&ni, &ranking::offer_input(o)))
        .filter(|d| *d > 0);
    SeenNeed {
        title: n.title.clone(),
        description: n.description.clone(),
        category: n.category,
        urgency: n.urgency,
        village_name,
        distance_m,
    }
}

/// Whom a cadre contacts about a match: its volunteer, once they accepted
/// (PRODUCT.md: the accepted email gives the same).
#[derive(Debug, Clone)]
pub struct VolunteerContact {
    pub name: String,
    pub phone: Option<String>,
    pub email: String,
}

/// One match as staff over its need see it on its page.
#[derive(Debug, Clone)]
pub struct StaffMatch {
    pub m: matches::Model,
    pub need: need::Model,
    pub village_name: String,
    /// Only once the volunteer accepted (and after, however it ended): a
    /// proposal they declined or let expire names nobody.
    pub volunteer: Option<VolunteerContact>,
}

/// A match of a need in the staff member's reach, with its need, village
/// and, once accepted, its volunteer's contact; another is not found.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, id = %id))]
pub async fn staff_match(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<StaffMatch, ServiceError> {
    if caller.role == Role::Volunteer {
        return Err(ServiceError::Forbidden);
    }
    let (m, n) = visible_with_need(db, caller, id).await?;
    let p = match_life::parties(db, &m, &n).await?;
    let volunteer = m.accepted_at.is_some().then_some(VolunteerContact {
        name: p.volunteer.name,
        phone: p.volunteer.phone,
        email: p.volunteer.email,
    });
    Ok(StaffMatch {
        m,
        need: n,
        village_name: p.village_name,
        volunteer,
    })
}
