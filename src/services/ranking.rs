//! Candidates for a need and suggestions for an offer: the eligible pairs of
//! MATCHING.md with a free place, lowest cost first.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::ServiceError;
use crate::domain::Category;
use crate::domain::grid::BoundingBox;
use crate::matching::{CategorySet, GeoPoint, NeedInput, OfferInput, eligible_cost};
use crate::store::{self, entity::need, entity::offer};

/// A need as the solver sees it.
pub fn need_input(n: &need::Model) -> Option<NeedInput> {
    need_input_of(&n.category, n.lat.zip(n.lon), n.urgency, n.posted_at)
}

/// A need as the solver sees it, from the fields it weighs.
fn need_input_of(
    category: &str,
    point: Option<(f64, f64)>,
    urgency: i16,
    posted_at_ms: i64,
) -> Option<NeedInput> {
    Some(NeedInput {
        category: category.parse::<Category>().ok()?,
        point: point.map(|(lat, lon)| GeoPoint::new(lat, lon)),
        urgency: u8::try_from(urgency).ok()?,
        posted_at: posted_at_ms.div_euclid(1000),
    })
}

/// A need as a round reads it, as the solver sees it.
pub fn round_need_input(n: &store::needs::RoundNeed) -> Option<NeedInput> {
    need_input_of(&n.category, n.lat.zip(n.lon), n.urgency, n.posted_at)
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
/// `after`; up to `limit + 1`.
///
/// Remote offers (distance 0, the least cost) come by id from one index;
/// on-site offers from the cells of `offer_cover` holding the need's point,
/// measured here and read from `offers` only as far as the page needs.
pub async fn candidates(
    db: &impl sea_orm::ConnectionTrait,
    need: &need::Model,
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
}

impl Ask<'_> {
    /// The pair as MATCHING.md ranks it, if eligible, free and past the cursor.
    fn rank(&self, o: offer::Model) -> Option<Ranked<offer::Model>> {
        if self.excluded.contains(&o.volunteer_id) {
            return None;
        }
        let (distance_m, cost) = eligible_cost(self.input, &offer_input(&o), self.as_of)?;
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
    let bbox = BoundingBox::around(point.lat, point.lon, 1.0);
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

/// On-site offers whose disc holds the need's point, nearest first; their
/// rows are read in that order only until the page is full.
async fn on_site_candidates(
    db: &impl sea_orm::ConnectionTrait,
    ask: &Ask<'_>,
    point: GeoPoint,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    let reach = store::offer_cover::reaching(db, ask.input.category, point.lat, point.lon).await?;
    let mut order: Vec<(i64, Uuid)> = reach
        .into_iter()
        .filter_map(|r| {
            let offer = OfferInput {
                categories: std::iter::once(ask.input.category).collect(),
                point: GeoPoint::new(r.lat, r.lon),
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

/// Open needs eligible for `offer`, by (cost, need id), after `after`; up to
/// `limit + 1`.
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
    let remote_cats: Vec<String> = if offer.remote {
        input
            .categories
            .iter()
            .filter(|c| c.is_remote_capable())
            .map(|c| c.code().to_owned())
            .collect()
    } else {
        Vec::new()
    };
    let mut needs = store::needs::open_in_categories(db, &remote_cats).await?;
    let radius_box = BoundingBox::around(offer.lat, offer.lon, offer.radius_m as f64);
    let seen: HashSet<Uuid> = needs.iter().map(|n| n.id).collect();
    let filter = store::needs::NeedFilter {
        statuses: vec!["open"],
        ..Default::default()
    };
    let nearby = store::needs::in_box(db, &filter, &radius_box).await?;
    needs.extend(nearby.into_iter().filter(|n| !seen.contains(&n.id)));
    let mut ranked: Vec<Ranked<need::Model>> = needs
        .into_iter()
        .filter(|n| !excluded.contains(&n.id))
        .filter_map(|n| {
            let (distance_m, cost) = eligible_cost(&need_input(&n)?, &input, as_of)?;
            let past = after.is_none_or(|a| (cost, n.id) > a);
            past.then_some(Ranked {
                item: n,
                distance_m,
                cost,
            })
        })
        .collect();
    ranked.sort_by_key(|r| (r.cost, r.item.id));
    ranked.truncate(limit as usize + 1);
    Ok(ranked)
}
