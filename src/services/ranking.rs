//! Candidates for a need and suggestions for an offer: the eligible pairs of
//! MATCHING.md with a free place, lowest cost first.

use std::collections::HashSet;

use uuid::Uuid;

use super::ServiceError;
use crate::domain::Category;
use crate::domain::grid::BoundingBox;
use crate::matching::{CategorySet, GeoPoint, NeedInput, OfferInput, eligible_cost};
use crate::store::{self, entity::need, entity::offer};

/// A need as the solver sees it.
pub fn need_input(n: &need::Model) -> Option<NeedInput> {
    Some(NeedInput {
        category: n.category.parse::<Category>().ok()?,
        point: n.lat.zip(n.lon).map(|(lat, lon)| GeoPoint::new(lat, lon)),
        urgency: u8::try_from(n.urgency).ok()?,
        posted_at: n.posted_at.div_euclid(1000),
    })
}

/// An offer as the solver sees it (the volunteer key is unused here).
pub fn offer_input(o: &offer::Model) -> OfferInput {
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
pub async fn candidates(
    db: &impl sea_orm::ConnectionTrait,
    need: &need::Model,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<Ranked<offer::Model>>, ServiceError> {
    let Some(input) = need_input(need) else {
        return Ok(Vec::new());
    };
    let now = store::now_ms();
    let as_of = now.div_euclid(1000);
    let bit = 1i32 << input.category.index();
    let excluded: HashSet<Uuid> = store::matches::excluded_volunteers(db, need.id)
        .await?
        .into_iter()
        .collect();
    let mut offers: Vec<offer::Model> = Vec::new();
    if input.category.is_remote_capable() {
        // All remote offers cost the same (distance 0), the least possible:
        // only the first page's worth by id is needed.
        let after_id = after.map(|(_, id)| id);
        let remote_cost =
            eligible_cost(&input, &remote_probe(input.category), as_of).map(|(_, c)| c);
        let skip = after.is_some_and(|(c, _)| Some(c) != remote_cost);
        if !skip {
            let want = limit + 1 + excluded.len() as u64;
            offers.extend(store::offers::remote_matchable(db, now, bit, after_id, want).await?);
        }
    }
    if let Some(point) = input.point {
        let seen: HashSet<Uuid> = offers.iter().map(|o| o.id).collect();
        for radius in store::offers::active_radii(db).await? {
            let bbox = BoundingBox::around(point.lat, point.lon, radius as f64);
            let nearby = store::offers::matchable_in_box(db, now, bit, radius, &bbox).await?;
            offers.extend(nearby.into_iter().filter(|o| !seen.contains(&o.id)));
        }
    }
    let mut ranked: Vec<Ranked<offer::Model>> = offers
        .into_iter()
        .filter(|o| !excluded.contains(&o.volunteer_id))
        .filter_map(|o| {
            let (distance_m, cost) = eligible_cost(&input, &offer_input(&o), as_of)?;
            let past = after.is_none_or(|a| (cost, o.id) > a);
            past.then_some(Ranked {
                item: o,
                distance_m,
                cost,
            })
        })
        .collect();
    ranked.sort_by_key(|r| (r.cost, r.item.id));
    ranked.truncate(limit as usize + 1);
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
