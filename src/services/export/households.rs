//! Household lists as files a cadre opens in Excel or WPS: a CSV that the
//! import reads back, and an xlsx for reading and printing. Both hold
//! personal data; who may download them is the caller's decision.

use std::fmt;

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

use super::{defused, display_width, in_locale};
use crate::domain::household::{HouseholdTag, join_tags};
use crate::i18n::Locale;

#[cfg(test)]
mod tests;

/// One household as the export files list it.
#[derive(Clone, PartialEq)]
pub struct HouseholdExportRow {
    pub region: String,
    pub region_name: String,
    pub head_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub members: i32,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub tags: Vec<HouseholdTag>,
}

/// Household personal data stays out of logs and panic messages.
impl fmt::Debug for HouseholdExportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HouseholdExportRow")
            .field("region", &self.region)
            .field("members", &self.members)
            .finish_non_exhaustive()
    }
}

/// The exported columns, headed with the import's names in both languages
/// (plus the region's name, which the import ignores).
const HEADERS: [(&str, &str); 9] = [
    ("地区代码", "region"),
    ("地区名称", "region_name"),
    ("户主姓名", "head_name"),
    ("身份证号", "id_number"),
    ("电话", "phone"),
    ("人口", "members"),
    ("纬度", "lat"),
    ("经度", "lon"),
    ("标签", "tags"),
];

fn header(locale: Locale) -> impl Iterator<Item = &'static str> {
    HEADERS
        .iter()
        .map(move |&(zh, en)| in_locale(locale, zh, en))
}

/// A CSV in UTF-8 with a BOM (without one Excel reads Chinese as GBK), with
/// the header in `locale`'s language and tags as codes joined by `;`, so the
/// import's household columns read it back.
pub fn households_csv(rows: &[HouseholdExportRow], locale: Locale) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let written = write_csv(&mut out, rows, locale);
    // Writing into memory cannot fail short of a bug in the csv crate.
    debug_assert!(written.is_ok(), "writing CSV into memory failed");
    out
}

fn write_csv(out: &mut Vec<u8>, rows: &[HouseholdExportRow], locale: Locale) -> csv::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(header(locale))?;
    for row in rows {
        writer.write_record([
            row.region.clone(),
            defused(&row.region_name),
            defused(&row.head_name),
            row.id_number.clone().unwrap_or_default(),
            row.phone.clone().unwrap_or_default(),
            row.members.to_string(),
            row.lat.map(|v| v.to_string()).unwrap_or_default(),
            row.lon.map(|v| v.to_string()).unwrap_or_default(),
            join_tags(&row.tags),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// One sheet (户籍信息 / Households) with a bold filled header that stays in
/// view, an autofilter, and columns wide enough for their contents. Codes,
/// ID numbers and phones are text, never numbers (which would lose digits);
/// tags are labels in `locale`'s language.
pub fn households_xlsx(rows: &[HouseholdExportRow], locale: Locale) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(in_locale(locale, "户籍信息", "Households"))?;
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(FormatBorder::Thin);
    // "@" keeps the cell text if someone edits it in Excel later.
    let text = Format::new().set_num_format("@");

    let mut widths: Vec<usize> = header(locale).map(display_width).collect();
    for (col, name) in header(locale).enumerate() {
        sheet.write_string_with_format(0, col as u16, name, &head)?;
    }
    let separator = match locale {
        Locale::ZhCn => "、",
        Locale::En => ", ",
    };
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let tags: Vec<_> = row
            .tags
            .iter()
            .map(|t| t.label().get(locale).to_owned())
            .collect();
        let tags = tags.join(separator);
        let texts = [
            (0, row.region.as_str()),
            (1, row.region_name.as_str()),
            (2, row.head_name.as_str()),
            (3, row.id_number.as_deref().unwrap_or("")),
            (4, row.phone.as_deref().unwrap_or("")),
            (8, tags.as_str()),
        ];
        for (col, value) in texts {
            if !value.is_empty() {
                sheet.write_string_with_format(r, col, value, &text)?;
            }
            widths[usize::from(col)] = widths[usize::from(col)].max(display_width(value));
        }
        sheet.write_number(r, 5, row.members)?;
        for (col, value) in [(6, row.lat), (7, row.lon)] {
            if let Some(v) = value {
                sheet.write_number(r, col, v)?;
                widths[usize::from(col)] = widths[usize::from(col)].max(v.to_string().len());
            }
        }
    }

    for col in [0, 3, 4] {
        // So that numbers typed into these columns later stay text too.
        sheet.set_column_format(col, &text)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, HEADERS.len() as u16 - 1)?;
    for (col, width) in widths.into_iter().enumerate() {
        // Room for the autofilter button; capped so one long value cannot
        // push the other columns off the screen.
        let width = (width + 4).clamp(8, 60);
        sheet.set_column_width(col as u16, width as f64)?;
    }
    book.save_to_buffer()
}
