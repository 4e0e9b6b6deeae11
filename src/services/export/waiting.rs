//! The coordinators' waiting needs as CSV: the rows `/waiting` lists, with
//! the same filters, in the reader's language.

use super::{defused, in_locale};
use crate::i18n::Locale;

/// A waiting need as the export writes it.
pub struct WaitingRow {
    pub id: String,
    pub region: String,
    pub village: String,
    pub category: String,
    pub title: String,
    pub urgency: String,
    pub posted: String,
    pub days_waiting: i64,
    /// The overdue mark (周调度), empty when the need has not escalated.
    pub escalation: String,
    /// The follow-up day an acknowledgement set, if any.
    pub follow_up: String,
}

const HEADERS: [(&str, &str); 10] = [
    ("编号", "ID"),
    ("地区代码", "Region code"),
    ("村", "Village"),
    ("类别", "Category"),
    ("标题", "Title"),
    ("紧急程度", "Urgency"),
    ("发布时间", "Posted"),
    ("已等天数", "Days waiting"),
    ("上报", "Escalation"),
    ("回访日期", "Follow-up"),
];

/// A CSV in UTF-8 with a BOM, as the household export writes one.
pub fn waiting_csv(rows: &[WaitingRow], locale: Locale) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written = write_csv(&mut out, rows, locale);
    debug_assert!(written.is_ok(), "writing CSV into memory failed");
    out
}

fn write_csv(out: &mut Vec<u8>, rows: &[WaitingRow], locale: Locale) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(HEADERS.iter().map(|&(zh, en)| in_locale(locale, zh, en)))?;
    for r in rows {
        writer.write_record([
            r.id.clone(),
            r.region.clone(),
            defused(&r.village),
            r.category.clone(),
            defused(&r.title),
            r.urgency.clone(),
            r.posted.clone(),
            r.days_waiting.to_string(),
            r.escalation.clone(),
            r.follow_up.clone(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
