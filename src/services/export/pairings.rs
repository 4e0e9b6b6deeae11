//! The figures of the county's standing help by township, as a CSV (UTF-8
//! with a BOM, rates as fractions), headed in the reader's language.

use super::{defused, in_locale as pick};
use crate::i18n::Locale;
use crate::services::pairing_figures::{PairingFigures, PairingRow};

type Getter = fn(&PairingFigures) -> Option<f64>;

fn count(n: u64) -> Option<f64> {
    Some(n as f64)
}

/// The columns: API name, Chinese and English headings, the value.
const COLUMNS: [(&str, &str, &str, Getter); 18] = [
    ("key_households", "重点户", "Key households", |f| {
        count(f.key_households)
    }),
    (
        "key_households_paired",
        "已结对重点户",
        "Key households paired",
        |f| count(f.key_households_paired),
    ),
    ("paired_rate", "结对率", "Paired rate", |f| f.paired_rate),
    ("helpers", "主体帮扶人", "Main helpers", |f| {
        count(f.helpers)
    }),
    ("liaisons", "帮扶联络员", "Liaisons", |f| {
        count(f.liaisons)
    }),
    ("visits_due", "应走访次数", "Visits due", |f| {
        count(f.visits_due)
    }),
    (
        "visits_done",
        "结对走访次数",
        "Pairing visits done",
        |f| count(f.visits_done),
    ),
    (
        "visits_overdue",
        "走访逾期结对",
        "Pairings overdue for a visit",
        |f| count(f.visits_overdue),
    ),
    (
        "relatives_visits",
        "亲邻返乡走访",
        "Visits home to relatives",
        |f| count(f.relatives_visits),
    ),
    (
        "raised_at_visits",
        "走访提出需求",
        "Needs raised at visits",
        |f| count(f.raised_at_visits),
    ),
    (
        "raised_at_visits_fulfilment_rate",
        "走访需求完成率",
        "Visit needs fulfilment rate",
        |f| f.raised_at_visits_fulfilment_rate,
    ),
    ("meetings", "院落会", "Courtyard meetings", |f| {
        count(f.meetings)
    }),
    (
        "raised_at_meetings",
        "院落会提出需求",
        "Needs raised at meetings",
        |f| count(f.raised_at_meetings),
    ),
    (
        "raised_at_meetings_fulfilment_rate",
        "院落会需求完成率",
        "Meeting needs fulfilment rate",
        |f| f.raised_at_meetings_fulfilment_rate,
    ),
    (
        "pairing_proposals",
        "结对优先推荐",
        "Pairing-first proposals",
        |f| count(f.pairing_proposals),
    ),
    (
        "pairing_match_rate",
        "结对优先接受率",
        "Pairing-first match rate",
        |f| f.pairing_match_rate,
    ),
    ("round_proposals", "轮次推荐", "Round proposals", |f| {
        count(f.round_proposals)
    }),
    (
        "round_match_rate",
        "轮次接受率",
        "Round match rate",
        |f| f.round_match_rate,
    ),
];

/// The rows by township and a total row, as a CSV file's bytes.
pub fn pairings_csv(rows: &[PairingRow], total: &PairingFigures, locale: Locale) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written = write(&mut out, rows, total, locale);
    debug_assert!(written.is_ok(), "writing CSV into memory failed");
    out
}

fn write(
    out: &mut Vec<u8>,
    rows: &[PairingRow],
    total: &PairingFigures,
    locale: Locale,
) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut head = vec![
        pick(locale, "代码", "Code").to_owned(),
        pick(locale, "乡镇", "Township").to_owned(),
    ];
    head.extend(COLUMNS.iter().map(|c| pick(locale, c.1, c.2).to_owned()));
    writer.write_record(head)?;
    let all = rows
        .iter()
        .map(|r| (r.key.as_str(), r.name.as_str(), &r.figures))
        .chain([("total", pick(locale, "合计", "Total"), total)]);
    for (key, name, figures) in all {
        let mut record = vec![key.to_owned(), defused(name)];
        record.extend(
            COLUMNS
                .iter()
                .map(|c| match ((c.3)(figures), c.0.ends_with("rate")) {
                    (Some(v), false) => format!("{}", v as i64),
                    (Some(v), true) => format!("{v}"),
                    (None, _) => String::new(),
                }),
        );
        writer.write_record(record)?;
    }
    writer.flush()?;
    Ok(())
}
