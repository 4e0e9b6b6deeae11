//! Groups offers into nodes that every need sees alike.

use crate::matching::fxhash::{FxHashMap, FxHashSet};
use crate::matching::types::{CategorySet, OfferInput};

use super::ladders::{Ladder, LadderKey};

/// Offers merged into one node of the network.
pub(crate) struct OfferNode {
    /// Offer indices, ascending.
    pub offers: Vec<u32>,
    /// Categories it serves by the remote path.
    pub remote_cats: CategorySet,
    /// Whether some need point lies within its radius for an on-site
    /// category; if not, every offer here is alike whatever its place.
    pub onsite: bool,
    /// Offers of a volunteer named in an exclusion stay alone.
    pub special: bool,
}

/// All offer nodes, in order of their first offer.
pub(crate) struct OfferNodes {
    pub list: Vec<OfferNode>,
}

#[derive(Hash, PartialEq, Eq)]
enum Key {
    Alone(usize),
    /// Point bits, radius, categories, remote.
    Full((u64, u64), i64, CategorySet, bool),
    /// Reached only through the hubs of these categories.
    HubOnly(CategorySet),
}

/// Whether the offer reaches some need point on site.
fn reaches_on_site(o: &OfferInput, ladders: &[Ladder], index: &FxHashMap<LadderKey, u32>) -> bool {
    o.onsite_cats().iter().any(|c| {
        let l = &ladders[index[&(o.point.key(), c)] as usize];
        l.dmin <= o.radius_m
    })
}

/// Groups the offers with capacity. Offers that reach nobody on site and
/// serve nobody remotely are left out: they cannot be matched.
pub(crate) fn offer_nodes(
    offers: &[OfferInput],
    ladders: &[Ladder],
    index: &FxHashMap<LadderKey, u32>,
    special_vols: &FxHashSet<u64>,
) -> OfferNodes {
    let mut list: Vec<OfferNode> = Vec::new();
    let mut by_key: FxHashMap<Key, usize> = FxHashMap::default();
    for (j, o) in offers.iter().enumerate() {
        if o.capacity == 0 {
            continue;
        }
        let onsite = reaches_on_site(o, ladders, index);
        let remote_cats = o.remote_cats();
        let special = special_vols.contains(&o.volunteer);
        let key = if special {
            Key::Alone(j)
        } else if onsite {
            Key::Full(o.point.key(), o.radius_m, o.categories, o.remote)
        } else if !remote_cats.is_empty() {
            Key::HubOnly(remote_cats)
        } else {
            continue;
        };
        if special && !onsite && remote_cats.is_empty() {
            continue;
        }
        let k = *by_key.entry(key).or_insert_with(|| {
            list.push(OfferNode {
                offers: Vec::new(),
                remote_cats,
                onsite,
                special,
            });
            list.len() - 1
        });
        list[k].offers.push(j as u32);
    }
    OfferNodes { list }
}
