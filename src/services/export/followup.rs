//! The follow-up lists as CSV files (UTF-8 with a BOM, so Excel and WPS
//! read the Chinese right), in the reader's language: one file per list,
//! with the same figures as the page.

use chrono_tz::Tz;

use super::{defused, in_locale as pick};
use crate::domain::period::local_date;
use crate::i18n::Locale;
use crate::store::followup::{IdleOffer, StaleCadre, Unanswering};

/// `missed ÷ proposals` as a fraction, as the figures' CSV gives rates.
pub fn rate(missed: i64, proposals: i64) -> Option<f64> {
    (proposals > 0).then(|| missed as f64 / proposals as f64)
}

fn day(ms: Option<i64>, tz: Tz) -> String {
    ms.map(|ms| local_date(ms, tz).to_string())
        .unwrap_or_default()
}

fn table(headings: Vec<&str>, rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written = (|| -> csv::Result<()> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(headings)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
        Ok(())
    })();
    debug_assert!(written.is_ok(), "writing CSV into memory failed");
    out
}

pub fn volunteers_csv(rows: &[Unanswering], locale: Locale, tz: Tz) -> Vec<u8> {
    let p = |zh, en| pick(locale, zh, en);
    table(
        vec![
            p("爱心人士", "Volunteer"),
            p("推荐数", "Proposals"),
            p("过期", "Expired"),
            p("婉拒", "Declined"),
            p("未成比例", "Missed rate"),
            p("最近答复", "Last answer"),
        ],
        rows.iter().map(|r| {
            vec![
                defused(&r.name),
                r.proposals.to_string(),
                r.expired.to_string(),
                r.declined.to_string(),
                rate(r.missed(), r.proposals).map_or_else(String::new, |r| format!("{r}")),
                day(r.last_answer, tz),
            ]
        }),
    )
}

pub fn offers_csv(rows: &[IdleOffer], locale: Locale, tz: Tz) -> Vec<u8> {
    let p = |zh, en| pick(locale, zh, en);
    table(
        vec![
            p("服务编号", "Offer id"),
            p("爱心人士", "Volunteer"),
            p("空余名额", "Free places"),
            p("推荐数", "Proposals"),
            p("过期", "Expired"),
            p("婉拒", "Declined"),
            p("最近推荐", "Last proposed"),
        ],
        rows.iter().map(|r| {
            vec![
                r.offer_id.to_string(),
                defused(&r.name),
                (r.capacity - r.live_matches).max(0).to_string(),
                r.proposals.to_string(),
                r.expired.to_string(),
                r.declined.to_string(),
                day(r.last_proposed, tz),
            ]
        }),
    )
}

pub fn cadres_csv(rows: &[StaleCadre], locale: Locale, tz: Tz) -> Vec<u8> {
    let p = |zh, en| pick(locale, zh, en);
    table(
        vec![
            p("帮扶干部", "Cadre"),
            p("负责地区代码", "Region code"),
            p("超期需求", "Stale needs"),
            p("最早发布", "Oldest posted"),
        ],
        rows.iter().map(|r| {
            vec![
                defused(&r.name),
                r.region.clone().unwrap_or_default(),
                r.stale.to_string(),
                day(Some(r.oldest), tz),
            ]
        }),
    )
}
