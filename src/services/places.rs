//! Places picked by name instead of typed as coordinates: the villages of
//! the region tree, grouped by township, each standing for a point — its
//! own, or else its township's. A village with neither is not offered, as
//! nothing could be placed there. The offer form picks from these.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::geo::GeoPoint;
use crate::domain::{Caller, RegionCode, RegionLevel};
use crate::store::{self, entity::region};

/// A village a person may pick.
#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    pub code: String,
    pub name: String,
    /// Where an offer placed at this village stands.
    pub point: GeoPoint,
    /// Whether `point` is the township's, the village having none of its own.
    pub township_point: bool,
}

/// A township and its pickable villages, by code.
#[derive(Debug, Clone, PartialEq)]
pub struct Township {
    pub code: String,
    /// The township's name, after its county's when the tree holds several
    /// counties (two may have townships of the same name).
    pub name: String,
    pub villages: Vec<Village>,
}

fn point(r: &region::Model) -> Option<GeoPoint> {
    Some(GeoPoint::new(r.lat?, r.lon?))
}

/// The point a village stands for: its own, else its township's.
fn village_point(
    village: &region::Model,
    by_code: &HashMap<&str, &region::Model>,
) -> Option<(GeoPoint, bool)> {
    if let Some(p) = point(village) {
        return Some((p, false));
    }
    let township = by_code.get(village.parent_code.as_deref()?)?;
    point(township).map(|p| (p, true))
}

/// Every township with at least one pickable village, by code.
#[tracing::instrument(skip_all)]
pub async fn townships(db: &impl ConnectionTrait) -> Result<Vec<Township>, DbErr> {
    let tree = store::regions::tree(db).await?;
    let by_code: HashMap<&str, &region::Model> =
        tree.iter().map(|r| (r.code.as_str(), r)).collect();
    let counties = tree
        .iter()
        .filter(|r| r.level == RegionLevel::County)
        .count();
    let mut townships: Vec<Township> = Vec::new();
    for village in tree.iter().filter(|r| r.level == RegionLevel::Village) {
        let Some((point, township_point)) = village_point(village, &by_code) else {
            continue;
        };
        let parent = village.parent_code.as_deref().unwrap_or_default();
        if townships.last().is_none_or(|t| t.code != parent) {
            let township = by_code.get(parent);
            let own = township.map_or(parent, |t| t.name.as_str());
            let name = match township
                .and_then(|t| by_code.get(t.parent_code.as_deref()?))
                .filter(|_| counties > 1)
            {
                Some(county) => format!("{} {own}", county.name),
                None => own.to_owned(),
            };
            townships.push(Township {
                code: parent.to_owned(),
                name,
                villages: Vec::new(),
            });
        }
        if let Some(last) = townships.last_mut() {
            last.villages.push(Village {
                code: village.code.clone(),
                name: village.name.clone(),
                point,
                township_point,
            });
        }
    }
    Ok(townships)
}

/// The villages of `townships` that `caller` reaches, by township (a
/// township left with none is dropped): where a cadre may place a
/// household.
pub fn within_reach(townships: Vec<Township>, caller: &Caller) -> Vec<Township> {
    townships
        .into_iter()
        .filter_map(|mut t| {
            t.villages.retain(|v| caller.reaches(&v.code));
            (!t.villages.is_empty()).then_some(t)
        })
        .collect()
}

/// The names of the regions `codes`, by code (a code of no region is left
/// out).
#[tracing::instrument(skip_all)]
pub async fn names(
    db: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, String>, DbErr> {
    store::regions::names(db, codes).await
}

/// The point of the village `code`, as [`townships`] offers it; `None` for
/// a code that is no pickable village.
#[tracing::instrument(skip_all)]
pub async fn village_point_of(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<GeoPoint>, DbErr> {
    let Ok(code) = RegionCode::parse(code.trim()) else {
        return Ok(None);
    };
    let Some(village) = store::regions::find(db, code.as_str())
        .await?
        .filter(|r| r.level == RegionLevel::Village)
    else {
        return Ok(None);
    };
    if let Some(p) = point(&village) {
        return Ok(Some(p));
    }
    let Some(parent) = village.parent_code.as_deref() else {
        return Ok(None);
    };
    Ok(store::regions::find(db, parent)
        .await?
        .as_ref()
        .and_then(point))
}

/// The name of the place at each of `points` that stands exactly on a
/// village's point (or, for villages without one, their township's): what
/// an offer placed by picking a village shows. Points placed by a person's
/// location or a tap on the map have none.
#[tracing::instrument(skip_all)]
pub async fn names_at(
    db: &impl ConnectionTrait,
    points: &[GeoPoint],
) -> Result<HashMap<(u64, u64), String>, DbErr> {
    let pairs: Vec<(f64, f64)> = points.iter().map(|p| (p.lat, p.lon)).collect();
    let mut names = HashMap::new();
    // Villages first: their name is the more precise one.
    let mut rows = store::regions::at_points(db, &pairs).await?;
    rows.sort_by_key(|r| r.level != RegionLevel::Village);
    for r in rows.iter().filter(|r| r.level != RegionLevel::County) {
        if let Some(p) = point(r) {
            names.entry(p.key()).or_insert_with(|| r.name.clone());
        }
    }
    Ok(names)
}
