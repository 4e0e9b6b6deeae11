//! The import's columns and where the header row puts them.

use super::sheet::{Cell, SheetRow};
use crate::i18n::Text;

/// A column of the import, in API.md's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Region,
    HeadName,
    IdNumber,
    Phone,
    Members,
    Lat,
    Lon,
    Tags,
    Category,
    Title,
    Description,
    Urgency,
}

/// (English name, Chinese name, required) by [`Field`].
const COLUMNS: [(&str, &str, bool); 12] = [
    ("region", "地区代码", true),
    ("head_name", "户主姓名", true),
    ("id_number", "身份证号", false),
    ("phone", "电话", false),
    ("members", "人口", true),
    ("lat", "纬度", false),
    ("lon", "经度", false),
    ("tags", "标签", false),
    ("category", "类别", true),
    ("title", "标题", true),
    ("description", "描述", false),
    ("urgency", "紧急程度", true),
];

impl Field {
    const ALL: [Field; 12] = [
        Self::Region,
        Self::HeadName,
        Self::IdNumber,
        Self::Phone,
        Self::Members,
        Self::Lat,
        Self::Lon,
        Self::Tags,
        Self::Category,
        Self::Title,
        Self::Description,
        Self::Urgency,
    ];

    /// The English column name, which errors report.
    pub fn name(self) -> &'static str {
        COLUMNS[self as usize].0
    }

    fn name_zh(self) -> &'static str {
        COLUMNS[self as usize].1
    }

    fn required(self) -> bool {
        COLUMNS[self as usize].2
    }

    /// Matches a header cell: the English name in any case, or the Chinese.
    fn from_header(text: &str) -> Option<Self> {
        let text = text.trim_start_matches('\u{feff}').trim();
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text) || f.name_zh() == text)
    }
}

/// The position of each field's column in the file, if it has one.
pub(super) struct Columns([Option<usize>; 12]);

/// A data row cut down to the import's columns, in [`Field`] order: a row
/// keeps twelve cells however wide the sheet it came from.
pub(super) struct Record {
    pub row: u64,
    cells: [Cell; 12],
}

impl Record {
    /// The row's cell for `field`, empty when the file has no such column.
    pub fn cell(&self, field: Field) -> &Cell {
        &self.cells[field as usize]
    }
}

impl Columns {
    /// Finds the columns in the header row. Unknown columns are ignored; a
    /// missing required column or a column given twice is an error named by
    /// its English name.
    pub fn from_header(header: &SheetRow) -> Result<Self, Vec<(&'static str, Text)>> {
        let mut positions = [None; 12];
        let mut errors = Vec::new();
        for (i, cell) in header.cells.iter().enumerate() {
            let Some(field) = Field::from_header(&cell.text) else {
                continue;
            };
            if positions[field as usize].replace(i).is_some() {
                errors.push((
                    field.name(),
                    Text::owned(
                        format!("列「{}」({}) 出现了不止一次", field.name_zh(), field.name()),
                        format!(
                            "Column {} ({}) appears more than once",
                            field.name(),
                            field.name_zh()
                        ),
                    ),
                ));
            }
        }
        for field in Field::ALL {
            if field.required() && positions[field as usize].is_none() {
                errors.push((
                    field.name(),
                    Text::owned(
                        format!("缺少必填列「{}」({})", field.name_zh(), field.name()),
                        format!(
                            "Missing required column {} ({})",
                            field.name(),
                            field.name_zh()
                        ),
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self(positions))
        } else {
            Err(errors)
        }
    }

    /// Keeps the row's cells of the import's columns, dropping the rest.
    pub fn record(&self, mut row: SheetRow) -> Record {
        let cells = self.0.map(|at| {
            at.and_then(|i| row.cells.get_mut(i))
                .map(std::mem::take)
                .unwrap_or_default()
        });
        Record {
            row: row.row,
            cells,
        }
    }
}
