//! Candidates for a need and suggestions for an offer: the eligible pairs of
//! docs/matching.md with a free place, lowest cost first.
//!
//! What a reader sees of the other side's point is a privacy rule
//! (PRODUCT.md): a volunteer learns a household's ~1 km rounded point, and
//! a cadre a volunteer's, nothing finer. So for them the whole ranking —
//! which pairs are eligible, their distances, their order and the cursor —
//! is computed on the rounded point, so that two points that round alike
//! give the same answer to any question; a volunteer who moves their offer
//! metre by metre learns nothing more. Coordinators and admins rank on
//! exact points, as the solver does, and see the cost.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::ServiceError;
use super::nearby::{ROUNDING_SLACK_M, rounded};
use crate::domain::geo::{GeoPoint, haversine_m};
use crate::domain::grid::BoundingBox;
use crate::domain::{Category, Role};
use crate::matching::{CategorySet, MAX_DAYS_WEIGHED, NeedInput, OfferInput, eligible_cost};
use crate::store::{self, entity::need, entity::offer};

/// How finely a reader may see the other side's point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Coordinators and admins: exact points, and the cost.
    Exact,
    /// Volunteers of households, cadres of volunteers: rounded points only.
    Rounded,
}

impl Sight {
    /// How a role sees the points of offers it ranks.
    pub fn of_offers_for(role: Role) -> Self {
        match role {
            Role::Coordinator | Role::Admin => Self::Exact,
            Role::Volunteer | Role::Cadre => Self::Rounded,
        }
    }

    /// A point as this sight sees it.
    pub fn point(self, p: GeoPoint) -> GeoPoint {
        match self {
            Self::Exact => p,
            Self::Rounded => rounded(p),
        }
    }

    /// How far a rounded point may be from the exact one an index holds.
    fn slack_m(self) -> f64 {
        match self {
            Self::Exact => 0.0,
            Self::Rounded => ROUNDING_SLACK_M,
        }
    }
}

/// The distance a volunteer is shown for a pair: from the need's rounded
/// point to the offer's, or 0 on the remote path or without a point.
pub fn shown_distance_m(need: &NeedInput, offer: &OfferInput) -> i64 {
    let remote = offer.remote && need.category.is_remote_capable();
    match need.point {
        Some(p) if !remote => haversine_m(rounded(p), offer.point),
        _ => 0,
    }
}

/// A need as the solver sees it.
pub fn need_input(n: &need::Model) -> Option<NeedInput> {
    need_input_of(n.category, n.lat.zip(n.lon), n.urgency, n.posted_at)
}

/// A need as the solver sees it, from the fields it weighs.
fn need_input_of(
    category: Category,
    point: Option<(f64, f64)>,
    urgency: i16,
    posted_at_ms: i64,
) -> Option<NeedInput> {
    Some(NeedInput {
        category,
        point: point.map(|(lat, lon)| GeoPoint::new(lat, lon)),
        urgency: u8::try_from(urgency).ok()?,
        posted_at: posted_at_ms.div_euclid(1000),
    })
}

/// A need as a round reads it, as the solver sees it.
pub fn round_need_input(n: &store::needs::RoundNeed) -> Option<NeedInput> {
    need_input_of(n.category, n.lat.zip(n.lon), n.urgency, n.posted_at)
}

/// An offer as the solver sees it (the volunteer key is unused here).
pub fn offer_input(o: &offer::Model) -> OfferInput {
    round_offer_input(&store::offers::RoundOffer::from(o))
}

/// An offer as a round reads it, as the solver sees it.
pub fn round_offer_input(o: &store::offers::RoundOffer) -> OfferInput {
    OfferInput {
        categories: CategorySet(o.categories as u8),
        point: GeoPoint::new(o.lat, o.lon),
        radius_m: o.radius_m,
        remote: o.remote,
        capacity: u32::try_from(o.capacity - o.live_matches).unwrap_or(0),
        volunteer: 0,
    }
}

/// A ranked pair: the other side, its distance in metres and the cost.
pub struct Ranked<T> {
    pub item: T,
    pub distance_m: i64,
    pub cost: i64,
}

/// Eligible offers with a free place for `need`, by (cost, offer id), after
/// `after`; up to `limit + 1`. Offers' points are seen with `sight`.
///
/// Remote offers (distance 0, the least cost) come by id from one index;
/// on-site offers from the cells of `offer_cover` near the need's point,
/// measured here and read from `offers` only as far as the page needs.
#[tracing::instrument(skip_all)]
pub async fn candidates(
    db: &impl sea_orm::ConnectionTrait,
    need: &need::Model,
    sight: Sight,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    let Some(input) = need_input(need) else {
        return Ok(Vec::new());
    };
    let excluded: HashSet<Uuid> = store::matches::excluded_volunteers(db, need.id)
        .await?
        .into_iter()
        .collect();
    let now = store::now_ms();
    let ask = Ask {
        input: &input,
        now,
        as_of: now.div_euclid(1000),
        bit: 1i32 << input.category.index(),
        after,
        want: limit as usize + 1,
        excluded: &excluded,
        sight,
    };
    let mut ranked = if input.category.is_remote_capable() {
        remote_candidates(db, &ask).await?
    } else {
        Vec::new()
    };
    if let Some(point) = input.point {
        if ranked.len() >= ask.want {
            // A full page of remote offers at the least cost: only an on-site
            // offer at distance 0 can still tie with them (and win on id).
            ranked.extend(at_distance_zero(db, &ask, point).await?);
        } else {
            ranked.extend(on_site_candidates(db, &ask, point).await?);
        }
    }
    ranked.sort_by_key(|r| (r.cost, r.item.id));
    ranked.truncate(ask.want);
    Ok(ranked)
}

/// What a candidates query asks, passed to its parts.
struct Ask<'a> {
    input: &'a NeedInput,
    now: i64,
    as_of: i64,
    bit: i32,
    after: Option<(i64, Uuid)>,
    want: usize,
    excluded: &'a HashSet<Uuid>,
    sight: Sight,
}

impl Ask<'_> {
    /// The pair as docs/matching.md ranks it, if eligible, free and past the cursor.
    fn rank(&self, o: offer::Model) -> Option<Ranked<offer::Model>> {
        if self.excluded.contains(&o.volunteer_id) {
            return None;
        }
        let mut seen = offer_input(&o);
        seen.point = self.sight.point(seen.point);
        let (distance_m, cost) = eligible_cost(self.input, &seen, self.as_of)?;
        let past = self.after.is_none_or(|a| (cost, o.id) > a);
        past.then_some(Ranked {
            item: o,
            distance_m,
            cost,
        })
    }
}

/// Remote offers all cost the same for a need: the first page by id.
async fn remote_candidates(
    db: &impl sea_orm::ConnectionTrait,
    ask: &Ask<'_>,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    let probe = remote_probe(ask.input.category);
    let Some((_, remote_cost)) = eligible_cost(ask.input, &probe, ask.as_of) else {
        return Ok(Vec::new());
    };
    let after_id = match ask.after {
        Some((cost, id)) if cost == remote_cost => Some(id),
        Some((cost, _)) if cost > remote_cost => return Ok(Vec::new()),
        _ => None,
    };
    let want = (ask.want + ask.excluded.len()) as u64;
    let offers = store::offers::remote_matchable(db, ask.now, ask.bit, after_id, want).await?;
    Ok(offers.into_iter().filter_map(|o| ask.rank(o)).collect())
}

/// Matchable on-site offers at the need's very point (distance rounds to 0).
async fn at_distance_zero(
    db: &impl sea_orm::ConnectionTrait,
    ask: &Ask<'_>,
    point: GeoPoint,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    let bbox = BoundingBox::around(point.lat, point.lon, 1.0 + ask.sight.slack_m());
    let Some(cells) = bbox.cells(16) else {
        return on_site_candidates(db, ask, point).await;
    };
    let offers =
        store::offers::matchable_on_site_in_cells(db, ask.now, ask.bit, &cells, &bbox).await?;
    Ok(offers
        .into_iter()
        .filter_map(|o| ask.rank(o))
        .filter(|r| r.distance_m == 0)
        .collect())
}

/// On-site offers whose disc (as seen) holds the need's point, nearest
/// first; their rows are read in that order only until the page is full.
async fn on_site_candidates(
    db: &impl sea_orm::ConnectionTrait,
    ask: &Ask<'_>,
    point: GeoPoint,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    // Seen rounded, an offer reaches the need when its exact disc reaches
    // within the slack of the need's point.
    let near = BoundingBox::around(point.lat, point.lon, ask.sight.slack_m());
    let reach = store::offer_cover::reaching(db, ask.input.category, &near).await?;
    let mut order: Vec<(i64, Uuid)> = reach
        .into_iter()
        .filter_map(|r| {
            let offer = OfferInput {
                categories: std::iter::once(ask.input.category).collect(),
                point: ask.sight.point(GeoPoint::new(r.lat, r.lon)),
                radius_m: r.radius_m,
                remote: false,
                capacity: 1,
                volunteer: 0,
            };
            let (_, cost) = eligible_cost(ask.input, &offer, ask.as_of)?;
            let past = ask.after.is_none_or(|a| (cost, r.offer_id) > a);
            past.then_some((cost, r.offer_id))
        })
        .collect();
    order.sort_unstable();
    let mut ranked = Vec::with_capacity(ask.want);
    for chunk in order.chunks(ask.want.max(64)) {
        let ids: Vec<Uuid> = chunk.iter().map(|(_, id)| *id).collect();
        let mut rows: HashMap<Uuid, offer::Model> =
            store::offers::matchable_by_ids(db, ask.now, ask.bit, &ids)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
        // Ranked from the row itself: it is the truth if the offer just moved.
        ranked.extend(
            ids.iter()
                .filter_map(|id| rows.remove(id))
                .filter_map(|o| ask.rank(o)),
        );
        if ranked.len() >= ask.want {
            break;
        }
    }
    Ok(ranked)
}

/// A remote offer of one category at an arbitrary point: its cost for a need
/// is the need's remote cost.
fn remote_probe(category: Category) -> OfferInput {
    OfferInput {
        categories: std::iter::once(category).collect(),
        point: GeoPoint::new(0.0, 0.0),
        radius_m: 1,
        remote: true,
        capacity: 1,
        volunteer: 0,
    }
}

/// Open needs eligible for `offer`, by (cost, need id), after `after`; up
/// to `limit + 1`. Only the offer's owner asks, so needs are seen at their
/// rounded points: eligibility, distance, order and cursor alike.
///
/// Ranked on the few columns that decide it, then only the page's rows are
/// read whole.
#[tracing::instrument(skip_all)]
pub async fn suggestions(
    db: &impl sea_orm::ConnectionTrait,
    offer: &offer::Model,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Ranked<need::Model>>, ServiceError> {
    let input = offer_input(offer);
    let as_of = store::now_ms().div_euclid(1000);
    let excluded: HashSet<Uuid> = store::matches::excluded_needs(db, offer.volunteer_id)
        .await?
        .into_iter()
        .collect();
    let remote: Vec<Category> = input
        .categories
        .iter()
        .filter(|c| offer.remote && c.is_remote_capable())
        .collect();
    let on_site: Vec<Category> = input
        .categories
        .iter()
        .filter(|c| !(offer.remote && c.is_remote_capable()))
        .collect();
    let reach = BoundingBox::around(
        offer.lat,
        offer.lon,
        offer.radius_m as f64 + ROUNDING_SLACK_M,
    );
    // A step of urgency outweighs the longest reach and a year's waiting,
    // so every need of one urgency ranks before every need of the next:
    // the tiers are read most urgent first, until the page is full. The
    // cursor's own tier is where reading starts.
    let tiers_apart = offer.radius_m + 1_000 * MAX_DAYS_WEIGHED < 1_000_000;
    let from = after.map_or(3, |(cost, _)| (500_000 - cost).div_euclid(1_000_000));
    let mut order: Vec<(i64, Uuid, i64)> = Vec::new();
    for urgency in (1..=3i16)
        .rev()
        .filter(|&u| !tiers_apart || i64::from(u) <= from)
    {
        let mut needs = store::needs::open_to_rank(db, &remote, urgency, None).await?;
        needs.extend(store::needs::open_to_rank(db, &on_site, urgency, Some(&reach)).await?);
        order.extend(
            needs
                .into_iter()
                .filter(|n| !excluded.contains(&n.id))
                .filter_map(|n| {
                    let point = n.lat.zip(n.lon).map(|(lat, lon)| {
                        let r = rounded(GeoPoint::new(lat, lon));
                        (r.lat, r.lon)
                    });
                    let seen = need_input_of(n.category, point, n.urgency, n.posted_at)?;
                    let (distance_m, cost) = eligible_cost(&seen, &input, as_of)?;
                    let past = after.is_none_or(|a| (cost, n.id) > a);
                    past.then_some((cost, n.id, distance_m))
                }),
        );
        if tiers_apart && order.len() > limit as usize {
            break;
        }
    }
    order.sort_unstable();
    order.truncate(limit as usize + 1);
    let ids: Vec<Uuid> = order.iter().map(|(_, id, _)| *id).collect();
    let mut rows: HashMap<Uuid, need::Model> = store::needs::by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    Ok(order
        .into_iter()
        .filter_map(|(cost, id, distance_m)| {
            Some(Ranked {
                item: rows.remove(&id)?,
                distance_m,
                cost,
            })
        })
        .collect())
}
