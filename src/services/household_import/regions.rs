//! Where a file's rows are: region codes looked up as they are, region
//! names found among the regions the caller reaches — a cadre thinks of
//! their villages by name, and a name need only be unambiguous there.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::parse::{Parsed, Place};
use crate::domain::{Caller, Reach};
use crate::i18n::Text;
use crate::store::entity::region;

/// The most regions a caller's reach lists (a county has a few hundred).
const MAX_LISTED: u64 = 5_000;

/// The regions a file names, by code and by name.
pub(super) struct Places {
    by_code: HashMap<String, region::Model>,
    /// Regions in the caller's reach with a name the file uses.
    by_name: HashMap<String, Vec<region::Model>>,
}

impl Places {
    /// Looks up every code and name the file's rows give.
    pub async fn look_up(
        db: &impl ConnectionTrait,
        caller: &Caller,
        parsed: &Parsed,
    ) -> Result<Self, DbErr> {
        let places = parsed
            .rows
            .iter()
            .map(|r| &r.region)
            .chain(parsed.refused_regions.iter().map(|(_, place)| place));
        let (mut codes, mut names) = (Vec::new(), Vec::new());
        for place in places {
            match place {
                Place::Code(code) => codes.push(code.as_str().to_owned()),
                Place::Name(name) => names.push(name.clone()),
            }
        }
        for list in [&mut codes, &mut names] {
            list.sort();
            list.dedup();
        }
        let mut by_code = HashMap::new();
        for chunk in codes.chunks(500) {
            let found = region::Entity::find()
                .filter(region::Column::Code.is_in(chunk.iter().cloned()))
                .all(db)
                .await?;
            by_code.extend(found.into_iter().map(|r| (r.code.clone(), r)));
        }
        let mut by_name: HashMap<String, Vec<region::Model>> = HashMap::new();
        for chunk in names.chunks(500) {
            let query = region::Entity::find()
                .filter(region::Column::Name.is_in(chunk.iter().cloned()))
                .order_by_asc(region::Column::Code);
            let Some(query) = within_reach(query, caller) else {
                break;
            };
            for r in query.all(db).await? {
                by_name.entry(r.name.clone()).or_default().push(r);
            }
        }
        Ok(Self { by_code, by_name })
    }

    /// The region `place` names in the caller's reach, or why there is none.
    pub fn resolve(&self, caller: &Caller, place: &Place) -> Result<&region::Model, Text> {
        match place {
            Place::Code(code) => self
                .by_code
                .get(code.as_str())
                .filter(|r| caller.reaches(&r.code))
                .ok_or_else(out_of_reach),
            Place::Name(name) => match self.by_name.get(name).map(Vec::as_slice) {
                Some([only]) => Ok(only),
                Some(several) if !several.is_empty() => Err(ambiguous(name, several)),
                _ => Err(no_such_name(name)),
            },
        }
    }
}

/// Every region the caller reaches, by code (townships before their
/// villages), for the template's list of villages and their codes.
pub async fn in_reach(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> Result<Vec<region::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let query = region::Entity::find()
        .order_by_asc(region::Column::Code)
        .limit(MAX_LISTED);
    match within_reach(query, caller) {
        Some(query) => query.all(db).await,
        None => Ok(Vec::new()),
    }
}

/// `query` narrowed to the caller's reach by code range; `None` for a
/// caller who reaches no region.
fn within_reach(
    query: sea_orm::Select<region::Entity>,
    caller: &Caller,
) -> Option<sea_orm::Select<region::Entity>> {
    match caller.reach() {
        Reach::Everywhere => Some(query),
        Reach::Within(prefix) => {
            let (low, high) = prefix.code_range();
            Some(
                query
                    .filter(region::Column::Code.gte(low))
                    .filter(region::Column::Code.lt(high)),
            )
        }
        Reach::Nowhere => None,
    }
}

pub(super) fn out_of_reach() -> Text {
    Text::fixed(
        "没有这个地区，或不在您负责的范围内",
        "No such region in your reach",
    )
}

fn no_such_name(name: &str) -> Text {
    Text::owned(
        format!("您负责的范围内没有叫「{name}」的村或乡镇；请核对名称，或改填 12 位地区代码"),
        format!(
            "No village or township called {name:?} in your reach; check the name, or write its 12-digit code"
        ),
    )
}

fn ambiguous(name: &str, several: &[region::Model]) -> Text {
    let codes: Vec<&str> = several.iter().take(3).map(|r| r.code.as_str()).collect();
    let codes = codes.join(", ");
    Text::owned(
        format!(
            "您负责的范围内有 {} 个地方叫「{name}」（{codes}）；请改填地区代码",
            several.len()
        ),
        format!(
            "{} places in your reach are called {name:?} ({codes}); write the region code instead",
            several.len()
        ),
    )
}
