//! Whether an offer may take a need now, and if not, why: the one rule a
//! volunteer's claim and a coordinator's proposal apply (through
//! `matches::check_pair`), and that the need's page explains offer by offer.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ranking::{self, Sight};
use super::{ServiceError, nearby};
use crate::domain::geo::haversine_m;
use crate::domain::{Caller, NeedStatus, OfferStatus};
use crate::i18n::Text;
use crate::matching::{NeedInput, OfferInput, eligible_cost};
use crate::store::{self, entity::need, entity::offer};

/// Why an offer cannot take a need now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// The need has been taken or has ended.
    NeedNotOpen,
    Paused,
    Withdrawn,
    /// Past the offer's `available_until`.
    Expired,
    /// The offer does not give help of the need's category.
    Category,
    /// The need lies beyond the offer's radius (distances as the reader
    /// sees the need's point).
    TooFar {
        distance_m: i64,
        radius_m: i64,
    },
    /// The need has no place, and the offer does not help remotely.
    NoPlace,
    /// A match of this volunteer with this need ended unfulfilled.
    EndedBefore,
    /// Every place of the offer is taken by a live match.
    Full,
}

impl Unfit {
    /// The reason as a person reads it (also the API's 409 detail).
    pub fn text(self) -> Text {
        match self {
            Self::NeedNotOpen => Text::fixed("需求已不是待匹配状态", "The need is no longer open"),
            Self::Paused => Text::fixed("该服务已暂停", "The offer is paused"),
            Self::Withdrawn => Text::fixed("该服务已撤回", "The offer is withdrawn"),
            Self::Expired => Text::fixed(
                "该服务已过了可提供帮助的日期",
                "The offer is past its available-until date",
            ),
            Self::Category => Text::fixed(
                "该服务不包含这个需求的类别",
                "The offer does not cover this need's category",
            ),
            Self::TooFar {
                distance_m,
                radius_m,
            } => {
                let (d, r) = (nearby::shown_km(distance_m), nearby::shown_km(radius_m));
                Text::owned(
                    format!("距离 {d} 公里，超出服务半径 {r} 公里"),
                    format!("{d} km away, beyond the offer's {r} km radius"),
                )
            }
            Self::NoPlace => Text::fixed(
                "这个需求没有位置，只有可远程的服务能认领",
                "This need has no place; only an offer that helps remotely can take it",
            ),
            Self::EndedBefore => Text::fixed(
                "此前的匹配已结束，不能再次匹配",
                "An earlier match of this pair ended; it is not made again",
            ),
            Self::Full => Text::fixed("该服务名额已满", "The offer has no free place"),
        }
    }
}

/// Why `o` cannot take `n` at `now` (ms), or `None` when it can: matchable,
/// eligible per docs/matching.md with the need's point seen with `sight`
/// (a volunteer is judged on the rounded point they were shown, so that the
/// answer tells nothing finer), not a pair whose match ended unfulfilled
/// (`ended_before`), and with a free place.
pub fn unfit(
    n: &need::Model,
    o: &offer::Model,
    sight: Sight,
    now: i64,
    ended_before: bool,
) -> Option<Unfit> {
    if n.status != NeedStatus::Open {
        return Some(Unfit::NeedNotOpen);
    }
    match o.status {
        OfferStatus::Active => {}
        OfferStatus::Paused => return Some(Unfit::Paused),
        OfferStatus::Withdrawn => return Some(Unfit::Withdrawn),
    }
    if o.available_until.is_some_and(|u| u <= now) {
        return Some(Unfit::Expired);
    }
    let seen = ranking::need_input(n).map(|mut ni| {
        ni.point = ni.point.map(|p| sight.point(p));
        ni
    });
    let offer = ranking::offer_input(o);
    let eligible = seen
        .as_ref()
        .and_then(|ni| eligible_cost(ni, &offer, now.div_euclid(1000)));
    if eligible.is_none() {
        return Some(why_not_eligible(seen.as_ref(), &offer));
    }
    if ended_before {
        return Some(Unfit::EndedBefore);
    }
    (o.live_matches >= o.capacity).then_some(Unfit::Full)
}

/// Which part of docs/matching.md's eligibility `eligible_cost` refused.
fn why_not_eligible(need: Option<&NeedInput>, offer: &OfferInput) -> Unfit {
    match need {
        Some(n) if !offer.categories.contains(n.category) => Unfit::Category,
        Some(NeedInput { point: Some(p), .. }) => Unfit::TooFar {
            distance_m: haversine_m(*p, offer.point),
            radius_m: offer.radius_m,
        },
        _ => Unfit::NoPlace,
    }
}

/// One of the caller's offers, judged for a need.
pub struct OfferFit {
    pub offer: offer::Model,
    /// From the need's rounded point; `None` for a need without a place.
    pub distance_m: Option<i64>,
    pub unfit: Option<Unfit>,
}

/// The caller's offers that are not withdrawn, by id, each with whether it
/// may claim `n` and its distance as the volunteer sees it: the rule and
/// the sight of a claim.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, need_id = %n.id))]
pub async fn my_offers_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    n: &need::Model,
) -> Result<Vec<OfferFit>, ServiceError> {
    let offers = mine(db, caller.user_id).await?;
    let ended_before = store::matches::excluded_volunteers(db, n.id)
        .await?
        .contains(&caller.user_id);
    let now = store::now_ms();
    let point = n
        .lat
        .zip(n.lon)
        .map(|(lat, lon)| Sight::Rounded.point(crate::domain::geo::GeoPoint::new(lat, lon)));
    Ok(offers
        .into_iter()
        .map(|o| OfferFit {
            distance_m: point
                .map(|p| haversine_m(p, crate::domain::geo::GeoPoint::new(o.lat, o.lon))),
            unfit: unfit(n, &o, Sight::Rounded, now, ended_before),
            offer: o,
        })
        .collect())
}

/// The most offers one volunteer is shown at once; far beyond any real one.
pub const MY_OFFERS_MAX: u64 = 100;

/// A volunteer's offers that are not withdrawn, by id (oldest first).
pub async fn mine(
    db: &impl ConnectionTrait,
    volunteer: Uuid,
) -> Result<Vec<offer::Model>, ServiceError> {
    Ok(
        store::offers::list(db, Some(volunteer), None, MY_OFFERS_MAX)
            .await?
            .into_iter()
            .filter(|o| o.status != OfferStatus::Withdrawn)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Category;
    use crate::domain::geo::GeoPoint;

    const NOW: i64 = 1_700_000_000_000;

    fn need(status: NeedStatus, point: Option<(f64, f64)>) -> need::Model {
        need::Model {
            id: Uuid::nil(),
            household_id: Uuid::nil(),
            region: "430525101001".to_owned(),
            category: Category::Living,
            title: "t".to_owned(),
            description: String::new(),
            urgency: 2,
            status,
            lat: point.map(|p| p.0),
            lon: point.map(|p| p.1),
            cell: None,
            cancel_reason: None,
            created_by: Uuid::nil(),
            posted_at: NOW - 1000,
            updated_at: NOW - 1000,
            escalation: None,
            escalated_at: None,
            alerted_at: None,
            follow_up_at: None,
        }
    }

    fn offer(categories: &[Category], radius_m: i64) -> offer::Model {
        offer::Model {
            id: Uuid::nil(),
            volunteer_id: Uuid::nil(),
            categories: i32::from(
                categories
                    .iter()
                    .copied()
                    .collect::<crate::domain::CategorySet>()
                    .0,
            ),
            lat: 27.10,
            lon: 110.55,
            cell: 0,
            radius_km: (radius_m / 1000).to_string(),
            radius_m,
            remote: false,
            capacity: 1,
            live_matches: 0,
            status: OfferStatus::Active,
            available_until: None,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn each_reason_is_told_and_a_fitting_offer_has_none() {
        // 0.2 degrees north: about 22 km.
        let near = need(NeedStatus::Open, Some((27.10, 110.55)));
        let far = need(NeedStatus::Open, Some((27.30, 110.55)));
        let living = offer(&[Category::Living], 10_000);
        let mut paused = living.clone();
        paused.status = OfferStatus::Paused;
        let mut expired = living.clone();
        expired.available_until = Some(NOW - 1);
        let mut full = living.clone();
        full.live_matches = 1;
        let far_reason = unfit(&far, &living, Sight::Rounded, NOW, false);
        let cases = [
            (
                need(NeedStatus::Matched, Some((27.1, 110.55))),
                &living,
                false,
                Some(Unfit::NeedNotOpen),
            ),
            (near.clone(), &paused, false, Some(Unfit::Paused)),
            (near.clone(), &expired, false, Some(Unfit::Expired)),
            (
                near.clone(),
                &offer(&[Category::Medical], 10_000),
                false,
                Some(Unfit::Category),
            ),
            (
                need(NeedStatus::Open, None),
                &living,
                false,
                Some(Unfit::NoPlace),
            ),
            (near.clone(), &living, true, Some(Unfit::EndedBefore)),
            (near.clone(), &full, false, Some(Unfit::Full)),
            (near.clone(), &living, false, None),
        ];
        for (n, o, ended, expected) in cases {
            assert_eq!(unfit(&n, o, Sight::Rounded, NOW, ended), expected, "{n:?}");
        }
        let Some(Unfit::TooFar {
            distance_m,
            radius_m,
        }) = far_reason
        else {
            panic!("{far_reason:?}");
        };
        assert_eq!(radius_m, 10_000);
        let expected = haversine_m(GeoPoint::new(27.30, 110.55), GeoPoint::new(27.10, 110.55));
        assert_eq!(distance_m, expected);
        assert!(
            Unfit::TooFar {
                distance_m,
                radius_m
            }
            .text()
            .get(crate::i18n::Locale::En)
            .contains("22.2 km")
        );
    }
}
