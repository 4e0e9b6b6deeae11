//! The import's columns and where the header row puts them.

use super::RowError;
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

    /// The field whose English column name is `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    fn name_zh(self) -> &'static str {
        COLUMNS[self as usize].1
    }

    fn required(self) -> bool {
        COLUMNS[self as usize].2
    }

    /// Other Chinese headers the column goes by: the region column holds a
    /// village's name as well as a code, and a cadre heads it 地区.
    fn aliases_zh(self) -> &'static [&'static str] {
        match self {
            Self::Region => &["地区"],
            _ => &[],
        }
    }

    /// Matches a header cell (trimmed): the English name in any case, or
    /// a Chinese one.
    fn from_header(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| {
            f.name().eq_ignore_ascii_case(text)
                || f.name_zh() == text
                || f.aliases_zh().contains(&text)
        })
    }
}

/// The columns in order as the template heads them: (English name, Chinese
/// header, required). The region column is headed 地区, as it takes a
/// region's name as well as its code.
pub fn template_columns() -> [(&'static str, &'static str, bool); 12] {
    Field::ALL.map(|f| {
        let zh = f.aliases_zh().first().copied().unwrap_or(f.name_zh());
        (f.name(), zh, f.required())
    })
}

/// A header cell's text as it is matched and shown.
fn header_text(cell: &Cell) -> &str {
    cell.text.trim_start_matches('\u{feff}').trim()
}

/// Each column's header as the file writes it (`身份证号` or `id_number`),
/// so that an error names the column as the person sees it in their file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers([Option<String>; 12]);

impl Headers {
    /// The header of the column `field` (an English column name), if the
    /// file has that column.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0[Field::named(field)? as usize].as_deref()
    }
}

/// The position of each field's column in the file, if it has one, and
/// the headers the file gives them.
pub(super) struct Columns {
    at: [Option<usize>; 12],
    pub headers: Headers,
}

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
    /// missing required column or a column given twice is an error on the
    /// header row, named by its English name.
    pub fn from_header(header: &SheetRow) -> Result<Self, Vec<RowError>> {
        let mut positions = [None; 12];
        let mut headers = Headers::default();
        let mut errors = Vec::new();
        for (i, cell) in header.cells.iter().enumerate() {
            let text = header_text(cell);
            let Some(field) = Field::from_header(text) else {
                continue;
            };
            if positions[field as usize].replace(i).is_some() {
                errors.push(RowError::in_header(
                    header.row,
                    field.name(),
                    Some(text),
                    Text::owned(
                        format!("列「{}」({}) 出现了不止一次", field.name_zh(), field.name()),
                        format!(
                            "Column {} ({}) appears more than once",
                            field.name(),
                            field.name_zh()
                        ),
                    ),
                ));
            } else {
                headers.0[field as usize] = Some(text.to_owned());
            }
        }
        for field in Field::ALL {
            if field.required() && positions[field as usize].is_none() {
                errors.push(RowError::in_header(
                    header.row,
                    field.name(),
                    None,
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
            Ok(Self {
                at: positions,
                headers,
            })
        } else {
            Err(errors)
        }
    }

    /// Keeps the row's cells of the import's columns, dropping the rest.
    pub fn record(&self, mut row: SheetRow) -> Record {
        let cells = self.at.map(|at| {
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
