//! A breakdown as a file: a CSV (UTF-8 with a BOM, rates as fractions) or a
//! workbook a cadre is glad to get: a styled, frozen header in the reader's
//! language, rates as percentages, and a second sheet with the summary.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::{defused, display_width, in_locale as pick};
use crate::i18n::Locale;
use crate::services::stats::{BreakdownRow, Dimension, Figures};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Count,
    Rate,
    Hours,
}

type Getter = fn(&Figures) -> Option<f64>;

/// The figure columns, in API.md's order, with their headings.
const COLUMNS: [(&str, &str, &str, Kind, Getter); 17] = [
    (
        "needs_posted",
        "发布需求",
        "Needs posted",
        Kind::Count,
        |f| Some(f.needs_posted as f64),
    ),
    (
        "needs_matched",
        "已对接需求",
        "Needs matched",
        Kind::Count,
        |f| Some(f.needs_matched as f64),
    ),
    (
        "needs_fulfilled",
        "已完成需求",
        "Needs fulfilled",
        Kind::Count,
        |f| Some(f.needs_fulfilled as f64),
    ),
    (
        "needs_open",
        "待对接需求",
        "Needs open",
        Kind::Count,
        |f| Some(f.needs_open as f64),
    ),
    (
        "matches_completed",
        "完成的匹配",
        "Matches completed",
        Kind::Count,
        |f| Some(f.matches_completed as f64),
    ),
    (
        "matches_declined",
        "被拒绝的匹配",
        "Matches declined",
        Kind::Count,
        |f| Some(f.matches_declined as f64),
    ),
    (
        "matches_expired",
        "过期的匹配",
        "Matches expired",
        Kind::Count,
        |f| Some(f.matches_expired as f64),
    ),
    (
        "matches_cancelled",
        "取消的匹配",
        "Matches cancelled",
        Kind::Count,
        |f| Some(f.matches_cancelled as f64),
    ),
    ("match_rate", "对接率", "Match rate", Kind::Rate, |f| {
        f.match_rate
    }),
    (
        "fulfilment_rate",
        "完成率",
        "Fulfilment rate",
        Kind::Rate,
        |f| f.fulfilment_rate,
    ),
    (
        "match_success_rate",
        "匹配成功率",
        "Match success rate",
        Kind::Rate,
        |f| f.match_success_rate,
    ),
    (
        "median_hours_to_match",
        "对接用时中位数（小时）",
        "Median hours to match",
        Kind::Hours,
        |f| f.median_hours_to_match,
    ),
    (
        "median_hours_to_complete",
        "完成用时中位数（小时）",
        "Median hours to complete",
        Kind::Hours,
        |f| f.median_hours_to_complete,
    ),
    (
        "needs_escalated",
        "上报的需求",
        "Needs escalated",
        Kind::Count,
        |f| Some(f.needs_escalated as f64),
    ),
    (
        "needs_escalated_township",
        "上报至乡镇",
        "Escalated to township",
        Kind::Count,
        |f| Some(f.needs_escalated_township as f64),
    ),
    (
        "needs_escalated_county",
        "上报至县级",
        "Escalated to county",
        Kind::Count,
        |f| Some(f.needs_escalated_county as f64),
    ),
    (
        "median_hours_escalation_to_match",
        "上报后对接用时中位数（小时）",
        "Median hours from escalation to match",
        Kind::Hours,
        |f| f.median_hours_escalation_to_match,
    ),
];

fn headings(dimension: Dimension, locale: Locale) -> Vec<String> {
    let key = dimension.heading().get(locale).to_owned();
    let name = pick(locale, "名称", "Name").to_owned();
    let mut out = vec![format!("{key}{}", pick(locale, "代码", " key")), name];
    out.extend(COLUMNS.iter().map(|c| pick(locale, c.1, c.2).to_owned()));
    out
}

/// The CSV: one row per group, then a total row keyed `total`.
pub fn breakdown_csv(
    dimension: Dimension,
    rows: &[BreakdownRow],
    summary: &Figures,
    locale: Locale,
) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written = write_csv(&mut out, dimension, rows, summary, locale);
    debug_assert!(written.is_ok(), "writing CSV into memory failed");
    out
}

fn write_csv(
    out: &mut Vec<u8>,
    dimension: Dimension,
    rows: &[BreakdownRow],
    summary: &Figures,
    locale: Locale,
) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(headings(dimension, locale))?;
    let total = pick(locale, "合计", "Total");
    let all = rows
        .iter()
        .map(|r| (r.key.as_str(), r.name.as_str(), &r.figures))
        .chain([("total", total, summary)]);
    for (key, name, figures) in all {
        let mut record = vec![key.to_owned(), defused(name)];
        record.extend(COLUMNS.iter().map(|c| match (c.4)(figures) {
            Some(v) if c.3 == Kind::Count => format!("{}", v as i64),
            Some(v) => format!("{v}"),
            None => String::new(),
        }));
        writer.write_record(record)?;
    }
    writer.flush()?;
    Ok(())
}

/// The workbook: the breakdown on the first sheet, the summary on the second.
pub fn breakdown_xlsx(
    dimension: Dimension,
    rows: &[BreakdownRow],
    summary: &Figures,
    locale: Locale,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let formats = Formats {
        rate: Format::new().set_num_format("0.0%"),
        hours: Format::new().set_num_format("0.0"),
        count: Format::new().set_num_format("0"),
    };
    let text = Format::new().set_num_format("@");

    let sheet = book.add_worksheet();
    let title = dimension.heading().get(locale).to_owned();
    sheet.set_name(format!("{}{title}", pick(locale, "按", "By ")))?;
    for (col, name) in headings(dimension, locale).iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &head)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string_with_format(r, 0, &row.key, &text)?;
        sheet.write_string(r, 1, &row.name)?;
        for (c, column) in COLUMNS.iter().enumerate() {
            if let Some(v) = (column.4)(&row.figures) {
                sheet.write_number_with_format(r, c as u16 + 2, v, formats.of(column.3))?;
            }
        }
    }
    sheet.set_row_height(0, 32)?;
    sheet.set_freeze_panes(1, 2)?;
    sheet.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 + 1)?;
    sheet.set_column_width(0, 14)?;
    let widest = rows
        .iter()
        .map(|r| display_width(&r.name))
        .max()
        .unwrap_or(8);
    sheet.set_column_width(1, (widest + 2).clamp(10, 40) as f64)?;
    sheet.set_column_range_width(2, COLUMNS.len() as u16 + 1, 13)?;

    let sheet = book.add_worksheet();
    sheet.set_name(pick(locale, "汇总", "Summary"))?;
    sheet.write_string_with_format(0, 0, pick(locale, "指标", "Figure"), &head)?;
    sheet.write_string_with_format(0, 1, pick(locale, "数值", "Value"), &head)?;
    for (i, column) in COLUMNS.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, pick(locale, column.1, column.2))?;
        if let Some(v) = (column.4)(summary) {
            sheet.write_number_with_format(r, 1, v, formats.of(column.3))?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 14)?;
    book.save_to_buffer()
}

struct Formats {
    rate: Format,
    hours: Format,
    count: Format,
}

impl Formats {
    fn of(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Rate => &self.rate,
            Kind::Hours => &self.hours,
            Kind::Count => &self.count,
        }
    }
}

/// The API field names of the figure columns, in file order (for tests and
/// readers of the English CSV).
pub fn field_names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|c| c.0)
}
