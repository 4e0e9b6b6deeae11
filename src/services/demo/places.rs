//! Dongkou's real townships with invented centres, and invented villages
//! whose names say they are demo data (演示…村), each with a point.

use super::draw::Draw;
use crate::domain::RegionLevel;
use crate::store::entity::region;

/// A township: its 3 digits, its share of households, and an invented
/// centre inside the county (the built-in rows have no points).
pub struct Township {
    pub digits: &'static str,
    pub weight: f64,
    pub lat: f64,
    pub lon: f64,
}

const fn t(digits: &'static str, weight: f64, lat: f64, lon: f64) -> Township {
    Township {
        digits,
        weight,
        lat,
        lon,
    }
}

/// The 23 townships of `data/dongkou_regions.csv`. The centres are made up
/// for the demo (roughly west to east across the county), not surveyed.
pub const TOWNSHIPS: [Township; 23] = [
    t("001", 0.6, 27.062, 110.575),
    t("002", 0.6, 27.048, 110.603),
    t("003", 0.5, 27.078, 110.552),
    t("101", 1.2, 27.003, 110.382),
    t("102", 1.0, 27.021, 110.497),
    t("103", 1.4, 27.198, 110.702),
    t("104", 1.2, 27.141, 110.681),
    t("105", 1.1, 27.162, 110.561),
    t("106", 1.2, 27.083, 110.758),
    t("107", 1.1, 27.232, 110.603),
    t("108", 1.0, 27.181, 110.802),
    t("109", 0.9, 27.262, 110.741),
    t("110", 1.0, 27.102, 110.451),
    t("111", 0.9, 27.121, 110.832),
    t("112", 0.9, 27.291, 110.652),
    t("113", 1.0, 26.982, 110.622),
    t("114", 0.9, 26.951, 110.481),
    t("201", 0.7, 26.931, 110.331),
    t("202", 0.8, 26.979, 110.252),
    t("203", 0.8, 27.051, 110.298),
    t("205", 0.7, 26.902, 110.553),
    t("211", 0.7, 27.049, 110.701),
    t("212", 0.8, 26.881, 110.402),
];

/// The county's prefix and code.
pub const COUNTY: &str = "430525";

/// The township's 12-digit code.
pub fn township_code(tw: &Township) -> String {
    format!("{COUNTY}{}000", tw.digits)
}

/// The first characters of invented village names (the county's trees,
/// crops and landscape) and their endings.
const FIRSTS: [&str; 24] = [
    "桔", "茶", "枫", "竹", "杉", "梅", "桃", "松", "柳", "荷", "石", "龙", "凤", "金", "银", "青",
    "白", "红", "双", "新", "高", "长", "清", "油",
];
const ENDINGS: [&str; 12] = [
    "园", "山", "溪", "坪", "湾", "塘", "冲", "岭", "田", "桥", "林", "岩",
];

/// An invented village.
pub struct Village {
    pub code: String,
    pub name: String,
    /// Index into [`TOWNSHIPS`].
    pub township: usize,
    pub lat: f64,
    pub lon: f64,
    /// How lively its cadre and volunteers are: scales the chances of the
    /// history, so that places differ in their figures.
    pub vigour: f64,
}

/// Four to seven villages per township, names unique in the county.
pub fn villages(d: &mut Draw) -> Vec<Village> {
    let mut names: Vec<String> = FIRSTS
        .iter()
        .flat_map(|f| ENDINGS.iter().map(move |e| format!("{f}{e}")))
        .collect();
    let mut out = Vec::new();
    for (ti, tw) in TOWNSHIPS.iter().enumerate() {
        let count = d.between(4, 8);
        let town_vigour = d.real(0.8, 1.15);
        for v in 0..count {
            let word = names.swap_remove(d.between(0, names.len() as i64) as usize);
            let (lat, lon) = d.near(tw.lat, tw.lon, 6.0);
            out.push(Village {
                code: format!("{COUNTY}{}{:03}", tw.digits, 201 + v),
                name: format!("演示{word}村"),
                township: ti,
                lat,
                lon,
                vigour: town_vigour * d.real(0.88, 1.12),
            });
        }
    }
    out
}

/// The `regions` rows of the villages.
pub fn region_rows(villages: &[Village]) -> Vec<region::Model> {
    villages
        .iter()
        .map(|v| region::Model {
            code: v.code.clone(),
            name: v.name.clone(),
            level: RegionLevel::Village,
            parent_code: Some(township_code(&TOWNSHIPS[v.township])),
            lat: Some(v.lat),
            lon: Some(v.lon),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_townships_are_the_builtin_ones() {
        let builtin = include_str!("../../../data/dongkou_regions.csv");
        for tw in &TOWNSHIPS {
            assert!(builtin.contains(&township_code(tw)), "{}", tw.digits);
        }
        assert_eq!(builtin.matches(",township,").count(), TOWNSHIPS.len());
    }

    #[test]
    fn villages_have_unique_codes_and_names_that_say_demo() {
        let villages = villages(&mut Draw::new(3, 0));
        let mut codes: Vec<_> = villages.iter().map(|v| &v.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), villages.len());
        assert!(villages.iter().all(|v| v.name.starts_with("演示")));
        assert!(villages.iter().all(|v| v.code.len() == 12));
    }
}
