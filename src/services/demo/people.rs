//! Invented people: Chinese names, valid ID-card numbers, obviously made-up
//! mobile numbers, and the households of the demo villages with the needs
//! their cadres post.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use super::draw::Draw;
use super::places::Village;
use super::texts;
use crate::domain::grid::cell_of;
use crate::domain::household::{HouseholdTag, join_tags};
use crate::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::domain::{Category, NeedStatus};
use crate::store::entity::{household, need};

const SURNAMES: [&str; 24] = [
    "王", "李", "刘", "陈", "杨", "张", "周", "黄", "曾", "肖", "邓", "谢", "尹", "罗", "彭", "戴",
    "唐", "胡", "向", "袁", "蒋", "龙", "伍", "申",
];
const GIVEN: [&str; 40] = [
    "建国", "秀英", "桂兰", "志强", "春花", "德明", "冬梅", "国平", "玉兰", "海波", "小军", "金凤",
    "永红", "丽华", "光辉", "淑芬", "文华", "爱民", "翠英", "长生", "满秀", "新民", "月娥", "家福",
    "伟", "芳", "勇", "敏", "静", "磊", "军", "霞", "斌", "娟", "涛", "燕", "明", "红", "平", "艳",
];

/// A person's name, e.g. 曾德明.
pub fn name(d: &mut Draw) -> String {
    format!("{}{}", d.pick(&SURNAMES), d.pick(&GIVEN))
}

/// A mobile number that passes the mainland check but is plainly made up:
/// 199 0000 and four digits.
pub fn phone(d: &mut Draw) -> String {
    format!("1990000{:04}", d.between(0, 10_000))
}

/// The weights of the GB 11643 check sum and its check characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// A GB 11643 number registered in the county, born on `birth`, unique in
/// `seen`. The sequence's last digit is odd for men.
pub fn id_number(d: &mut Draw, birth: NaiveDate, male: bool, seen: &mut HashSet<String>) -> String {
    loop {
        let seq = d.between(0, 500) * 2 + i64::from(male);
        let body = format!("430525{}{seq:03}", birth.format("%Y%m%d"));
        let sum: u32 = body
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let id = format!("{body}{}", CHECK[(sum % 11) as usize] as char);
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// How often each category is posted, in [`Category::ALL`]'s order.
const CATEGORY_WEIGHTS: [f64; Category::COUNT] = [14.0, 14.0, 8.0, 20.0, 14.0, 10.0, 12.0, 8.0];

/// The households of the villages (`total` in all, at least five per
/// village) with their needs, still all `open`.
pub fn households(
    d: &mut Draw,
    villages: &[Village],
    cadres: &[Uuid],
    total: usize,
    window_ms: i64,
) -> (Vec<household::Model>, Vec<need::Model>) {
    let weights: Vec<f64> = villages
        .iter()
        .map(|v| super::places::TOWNSHIPS[v.township].weight * d.real(0.6, 1.4))
        .collect();
    let spare = total.saturating_sub(5 * villages.len());
    let mut counts: Vec<usize> = vec![5; villages.len()];
    for _ in 0..spare {
        counts[d.weighted(&weights)] += 1;
    }
    let mut seen = HashSet::new();
    let (mut homes, mut needs) = (Vec::new(), Vec::new());
    for (v, count) in villages.iter().zip(counts) {
        let cadre = cadres[v.township];
        for _ in 0..count {
            let mut posted: Vec<i64> = Vec::new();
            for _ in 0..needs_per_household(d) {
                let at = d.now - d.between(HOUR_MS, window_ms);
                posted.push(d.working_hours(at, 0).min(d.now - MINUTE_MS));
            }
            posted.sort_unstable();
            let created = posted[0] - d.between(DAY_MS, 25 * DAY_MS);
            let home = household(d, v, cadre, created, &mut seen);
            let categories = categories_for(d, &home.tags, posted.len());
            for (at, c) in posted.into_iter().zip(categories) {
                needs.push(new_need(d, &home, v, c, at));
            }
            homes.push(home);
        }
    }
    (homes, needs)
}

fn needs_per_household(d: &mut Draw) -> usize {
    [1, 2, 3, 4][d.weighted(&[45.0, 35.0, 15.0, 5.0])]
}

fn household(
    d: &mut Draw,
    v: &Village,
    cadre: Uuid,
    created: i64,
    seen: &mut HashSet<String>,
) -> household::Model {
    let mut tags = Vec::new();
    let tag_weights = [30.0, 15.0, 15.0, 20.0, 10.0, 15.0];
    for _ in 0..d.weighted(&[35.0, 45.0, 20.0]) {
        let tag = HouseholdTag::ALL[d.weighted(&tag_weights)];
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let alone = tags.contains(&HouseholdTag::ElderlyAlone);
    let age = if alone {
        d.between(66, 90)
    } else {
        d.between(28, 82)
    };
    let today = chrono::DateTime::from_timestamp_millis(d.now)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let birth = NaiveDate::from_ymd_opt(today.year() - age as i32, 1, 1).unwrap_or(today)
        + Duration::days(d.between(0, 365));
    let male = d.chance(0.7);
    let members = if alone {
        1
    } else if tags.contains(&HouseholdTag::LeftBehindChild) {
        d.between(2, 7)
    } else {
        d.between(1, 7)
    } as i32;
    let point = d.chance(0.95).then(|| d.near(v.lat, v.lon, 2.0));
    let phone = d.chance(0.85).then(|| phone(d));
    household::Model {
        id: d.uuid_at(created),
        region: v.code.clone(),
        head_name: name(d),
        id_number: Some(id_number(d, birth, male, seen)),
        phone,
        members,
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        tags: join_tags(&tags),
        created_by: cadre,
        created_at: created,
        updated_at: created,
        erased_at: None,
    }
}

/// `count` distinct categories, leaning to what the household's tags call
/// for (the database allows one open need per household and category).
fn categories_for(d: &mut Draw, tags: &str, count: usize) -> Vec<Category> {
    let mut weights = CATEGORY_WEIGHTS;
    for (tag, category) in [
        ("chronic_illness", Category::Medical),
        ("disability", Category::Care),
        ("elderly_alone", Category::Care),
        ("left_behind_child", Category::Education),
        ("no_labour_capacity", Category::Living),
    ] {
        if tags.contains(tag) {
            weights[category.index()] *= 2.5;
        }
    }
    let mut out = Vec::new();
    while out.len() < count {
        let i = d.weighted(&weights);
        weights[i] = 0.0;
        out.push(Category::ALL[i]);
    }
    out
}

fn new_need(
    d: &mut Draw,
    home: &household::Model,
    v: &Village,
    c: Category,
    posted: i64,
) -> need::Model {
    let (title, description) = texts::need_text(d, c);
    let urgent = matches!(c, Category::Medical | Category::Housing);
    let urgency = d.weighted(if urgent {
        &[35.0, 40.0, 25.0]
    } else {
        &[55.0, 33.0, 12.0]
    }) as i16
        + 1;
    // A household without a point is placed at its village, as a need
    // posted through the API would be.
    let point = home.lat.zip(home.lon).unwrap_or((v.lat, v.lon));
    need::Model {
        id: d.uuid_at(posted),
        household_id: home.id,
        region: home.region.clone(),
        category: c,
        title: title.to_owned(),
        description: description.to_owned(),
        urgency,
        status: NeedStatus::Open,
        lat: Some(point.0),
        lon: Some(point.1),
        cell: Some(cell_of(point.0, point.1)),
        cancel_reason: None,
        created_by: home.created_by,
        posted_at: posted,
        updated_at: posted,
        escalation: None,
        escalated_at: None,
        alerted_at: None,
        follow_up_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::household::IdNumber;

    #[test]
    fn id_numbers_are_valid_and_unique() {
        let mut d = Draw::new(5, 0);
        let mut seen = HashSet::new();
        let birth = NaiveDate::from_ymd_opt(1961, 3, 9).unwrap_or_default();
        for i in 0..300 {
            let id = id_number(&mut d, birth, i % 2 == 0, &mut seen);
            assert!(IdNumber::parse(&id).is_ok(), "{id}");
        }
        assert_eq!(seen.len(), 300);
    }

    #[test]
    fn phones_are_valid_mainland_mobiles() {
        let mut d = Draw::new(5, 0);
        for _ in 0..50 {
            assert!(crate::domain::Phone::parse(&phone(&mut d)).is_ok());
        }
    }
}
