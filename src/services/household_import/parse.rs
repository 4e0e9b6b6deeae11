//! The household import of API.md, as pure parsing: an uploaded xlsx or CSV
//! becomes one [`ImportRow`] per need with its household, or the list of
//! every bad row and field. Writing the rows is the caller's transaction.

mod columns;
mod row_error;
mod sheet;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::ops::ControlFlow;

use columns::{Columns, Field, Record};
pub use columns::{Headers, template_columns};
pub use row_error::RowError;
use sheet::{Cell, SheetRow};

use crate::domain::household::{
    HouseholdTag, IdNumber, Members, NeedDescription, NeedTitle, Urgency, parse_point, parse_tags,
};
use crate::domain::{Category, Lines, PersonName, Phone, RegionCode, clean_text};
use crate::i18n::Text;

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 100_000;
/// The most errors reported for one file; past that, fixing comes first.
pub const MAX_ERRORS: usize = 1_000;
/// The most characters of a bad cell an error repeats: enough to find it.
pub const VALUE_CHARS: usize = 60;
/// The longest region name a row may give.
const MAX_PLACE_NAME_CHARS: usize = 50;

/// Where a row's household is, as the file says it: a region code, or the
/// name of a region (a village, a township), which the import looks up
/// among the regions the caller reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    Code(RegionCode),
    Name(String),
}

impl Place {
    /// The code or the name, as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Code(code) => code.as_str(),
            Self::Name(name) => name,
        }
    }
}

/// One need with its household, as one row of the file gives them.
#[derive(Clone, PartialEq)]
pub struct ImportRow {
    /// The spreadsheet row number (the header is row 1).
    pub row: u64,
    pub region: Place,
    pub head_name: PersonName,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub members: Members,
    /// (lat, lon) in WGS84 degrees.
    pub point: Option<(f64, f64)>,
    pub tags: Vec<HouseholdTag>,
    pub category: Category,
    pub title: NeedTitle,
    pub description: NeedDescription,
    pub urgency: Urgency,
}

/// Household personal data stays out of logs and panic messages.
impl fmt::Debug for ImportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportRow")
            .field("row", &self.row)
            .field("region", &self.region)
            .field("category", &self.category)
            .field("urgency", &self.urgency)
            .finish_non_exhaustive()
    }
}

/// What a file's rows say before the database is asked.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The rows without a fault of their own.
    pub rows: Vec<ImportRow>,
    /// Every bad row and field (up to [`MAX_ERRORS`]).
    pub errors: Vec<RowError>,
    /// (row, region) of the rows refused for other fields whose region
    /// reads well, so that one answer can also say which of those regions
    /// are unknown or out of the caller's reach.
    pub refused_regions: Vec<(u64, Place)>,
    /// The headers of the file's columns, to name them in errors.
    pub headers: Headers,
}

/// Parses an uploaded file (xlsx by its ZIP signature, else CSV in UTF-8 or
/// GB18030) into rows, reporting every bad row and field (up to
/// [`MAX_ERRORS`]), or refuses the whole file (a fault of the file, its
/// header or its size). Completely empty rows are skipped.
pub fn parse_file(bytes: &[u8]) -> Result<Parsed, Vec<RowError>> {
    let file_error = |message| vec![RowError::file(message)];
    let mut reading = Reading::Header;
    sheet::read_rows(bytes, &mut |row| reading.take(row)).map_err(file_error)?;
    let (headers, data) = match reading {
        Reading::Header => return Err(file_error(no_data_rows())),
        Reading::BadHeader(errors) => return Err(errors),
        Reading::TooManyRows => {
            return Err(file_error(Text::fixed(
                "一次最多导入 100000 行，请分成几个文件",
                "At most 100,000 rows can be imported at once; split the file",
            )));
        }
        Reading::Data(columns, data) => (columns.headers, data),
    };
    if data.is_empty() {
        return Err(file_error(no_data_rows()));
    }
    let mut parser = RowParser {
        errors: Vec::new(),
        seen_ids: HashMap::new(),
        headers,
    };
    let mut parsed = Parsed {
        rows: Vec::with_capacity(data.len()),
        ..Parsed::default()
    };
    for record in &data {
        match parser.parse(record) {
            Ok(row) => parsed.rows.push(row),
            Err(Some(region)) => parsed.refused_regions.push((record.row, region)),
            Err(None) => {}
        }
        if parser.errors.len() >= MAX_ERRORS {
            break;
        }
    }
    parser.errors.truncate(MAX_ERRORS);
    parsed.errors = parser.errors;
    parsed.headers = parser.headers;
    Ok(parsed)
}

/// [`parse_file`] for callers that take every row or none.
pub fn parse_upload(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let parsed = parse_file(bytes)?;
    if parsed.errors.is_empty() {
        Ok(parsed.rows)
    } else {
        Err(parsed.errors)
    }
}

/// Where reading a file has got to: each row is cut down to the import's
/// columns as it arrives, so a wide sheet costs no more than a narrow one.
enum Reading {
    Header,
    BadHeader(Vec<RowError>),
    Data(Box<Columns>, Vec<Record>),
    TooManyRows,
}

impl Reading {
    fn take(&mut self, row: SheetRow) -> ControlFlow<()> {
        match self {
            Self::Header => match Columns::from_header(&row) {
                Ok(columns) => *self = Self::Data(Box::new(columns), Vec::new()),
                Err(errors) => {
                    *self = Self::BadHeader(errors);
                    return ControlFlow::Break(());
                }
            },
            Self::Data(columns, data) => {
                if data.len() == MAX_ROWS {
                    *self = Self::TooManyRows;
                    return ControlFlow::Break(());
                }
                data.push(columns.record(row));
            }
            Self::BadHeader(_) | Self::TooManyRows => return ControlFlow::Break(()),
        }
        ControlFlow::Continue(())
    }
}

/// Which household a row belongs to: rows with the same ID number are one
/// household; without one, rows with the same region and head's name are.
pub fn household_key(row: &ImportRow) -> String {
    match &row.id_number {
        Some(id) => format!("id:{}", id.as_str()),
        // A region's name or code is one line, so the name cannot blur into it.
        None => format!("name:{}\n{}", row.region.as_str(), row.head_name.as_str()),
    }
}

fn no_data_rows() -> Text {
    Text::fixed(
        "文件中没有数据行（第 1 行为表头，数据从第 2 行开始）",
        "The file has no data rows (row 1 is the header, data starts on row 2)",
    )
}

/// Parses rows one by one, collecting errors and remembering which
/// household each ID number belongs to.
struct RowParser {
    errors: Vec<RowError>,
    /// ID number → (row, region, head's name) where it was first seen.
    seen_ids: HashMap<String, (u64, String, String)>,
    headers: Headers,
}

impl RowParser {
    /// The row, or (when it has a fault) its region if that reads well.
    fn parse(&mut self, record: &Record) -> Result<ImportRow, Option<Place>> {
        let row = record.row;
        let errors_before = self.errors.len();
        let cell = |field| record.cell(field);
        let (region, head_name, id_number, phone, members) = (
            parse_region(cell(Field::Region)),
            PersonName::parse(&cell(Field::HeadName).text),
            parse_id_number(cell(Field::IdNumber)),
            parse_phone(cell(Field::Phone)),
            Members::parse(&whole_number(cell(Field::Members))),
        );
        let point = parse_point(&cell(Field::Lat).text, &cell(Field::Lon).text);
        let (tags, category, title, description, urgency) = (
            parse_tags(&cell(Field::Tags).text),
            parse_category(&cell(Field::Category).text),
            NeedTitle::parse(&cell(Field::Title).text),
            NeedDescription::parse(&cell(Field::Description).text),
            Urgency::parse(&whole_number(cell(Field::Urgency))),
        );

        let region = self.check(record, Field::Region, region);
        let head_name = self.check(record, Field::HeadName, head_name);
        let id_number = self.check(record, Field::IdNumber, id_number);
        let phone = self.check(record, Field::Phone, phone);
        let members = self.check(record, Field::Members, members);
        let point = point
            .map_err(|(field, message)| {
                let field = Field::named(field).unwrap_or(Field::Lat);
                self.errors.push(self.fault(record, field, message));
            })
            .ok();
        let tags = self.check(record, Field::Tags, tags);
        let category = self.check(record, Field::Category, category);
        let title = self.check(record, Field::Title, title);
        let description = self.check(record, Field::Description, description);
        let urgency = self.check(record, Field::Urgency, urgency);
        if let (Some(region), Some(head_name), Some(Some(id))) = (&region, &head_name, &id_number) {
            self.check_same_household(record, id, region, head_name);
        }

        let Some(region) = region else {
            return Err(None);
        };
        // Every field that failed has pushed an error, so with none pushed
        // every field is there.
        let (
            true,
            Some(head_name),
            Some(id_number),
            Some(phone),
            Some(members),
            Some(point),
            Some(tags),
            Some(category),
            Some(title),
            Some(description),
            Some(urgency),
        ) = (
            self.errors.len() == errors_before,
            head_name,
            id_number,
            phone,
            members,
            point,
            tags,
            category,
            title,
            description,
            urgency,
        )
        else {
            return Err(Some(region));
        };
        Ok(ImportRow {
            row,
            region,
            head_name,
            id_number,
            phone,
            members,
            point,
            tags,
            category,
            title,
            description,
            urgency,
        })
    }

    fn check<T>(&mut self, record: &Record, field: Field, result: Result<T, Text>) -> Option<T> {
        result
            .map_err(|message| self.errors.push(self.fault(record, field, message)))
            .ok()
    }

    /// The error of `record`'s cell in the column `field`.
    fn fault(&self, record: &Record, field: Field, message: Text) -> RowError {
        let text = &record.cell(field).text;
        RowError::at_cell(record.row, field.name(), &self.headers, text, message)
    }

    /// Two rows with one ID number must describe one household.
    fn check_same_household(
        &mut self,
        record: &Record,
        id: &IdNumber,
        region: &Place,
        head_name: &PersonName,
    ) {
        let row = record.row;
        let first = self
            .seen_ids
            .entry(id.as_str().to_owned())
            .or_insert_with(|| {
                (
                    row,
                    region.as_str().to_owned(),
                    head_name.as_str().to_owned(),
                )
            });
        if first.1 != region.as_str() || first.2 != head_name.as_str() {
            let first_row = first.0;
            let message = Text::owned(
                format!(
                    "身份证号与第 {first_row} 行相同，但地区代码或户主姓名不同；同一身份证号应为同一户"
                ),
                format!(
                    "Same ID number as row {first_row} but a different region or head_name; \
                         rows with one ID number are one household"
                ),
            );
            self.errors
                .push(self.fault(record, Field::IdNumber, message));
        }
    }
}

/// A region code (12 digits), or else a region's name on one line.
fn parse_region(cell: &Cell) -> Result<Place, Text> {
    let text = whole_number(cell);
    if looks_scientific(&text) {
        return Err(shortened_number());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        return RegionCode::parse(&text).map(Place::Code).map_err(|_| {
            Text::fixed(
                "地区代码为 12 位数字，如 430525101000",
                "A region code is 12 digits, e.g. 430525101000",
            )
        });
    }
    match clean_text(&text, Lines::One) {
        Ok(name) if !name.is_empty() && name.chars().count() <= MAX_PLACE_NAME_CHARS => {
            Ok(Place::Name(name))
        }
        _ => Err(Text::fixed(
            "地区填村名（或乡镇名），或 12 位地区代码，如 430525101000",
            "A region is a village's (or township's) name, or a 12-digit code such as 430525101000",
        )),
    }
}

fn parse_id_number(cell: &Cell) -> Result<Option<IdNumber>, Text> {
    let text = cell.text.trim();
    if text.is_empty() {
        Ok(None)
    } else if cell.numeric || looks_scientific(text) {
        // Past 15 digits a spreadsheet number has already rounded the ID away.
        Err(Text::fixed(
            "身份证号须以文本格式保存：存为数字会丢失末几位。请把该列设为文本后重新填写",
            "ID numbers must be stored as text: as numbers they lose their last digits. \
             Format the column as text and enter them again",
        ))
    } else {
        IdNumber::parse(text).map(Some)
    }
}

fn parse_phone(cell: &Cell) -> Result<Option<Phone>, Text> {
    let text = whole_number(cell);
    if text.is_empty() {
        Ok(None)
    } else if looks_scientific(&text) {
        Err(shortened_number())
    } else {
        Phone::parse(&text).map(Some)
    }
}

fn parse_category(text: &str) -> Result<Category, Text> {
    text.parse().map_err(|_| {
        let zh: Vec<_> = Category::ALL.iter().map(|c| c.name_zh()).collect();
        let en: Vec<_> = Category::ALL.iter().map(|c| c.code()).collect();
        Text::owned(
            format!("类别应为以下之一（或其代码）：{}", zh.join("、")),
            format!(
                "A category is one of {} (or its Chinese name)",
                en.join(", ")
            ),
        )
    })
}

/// The trimmed text, with the `.0` a spreadsheet adds to whole numbers
/// (`13812345678.0`, `3.0`) removed.
fn whole_number(cell: &Cell) -> String {
    let text = cell.text.trim();
    match text.split_once('.') {
        Some((whole, fraction))
            if !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && !fraction.is_empty()
                && fraction.bytes().all(|b| b == b'0') =>
        {
            whole.to_owned()
        }
        _ => text.to_owned(),
    }
}

/// `4.30525E+11`: how Excel shows, and saves to CSV, a long number.
fn looks_scientific(text: &str) -> bool {
    text.contains(['E', 'e']) && text.parse::<f64>().is_ok()
}

fn shortened_number() -> Text {
    Text::fixed(
        "这个数字被表格软件缩写成了科学计数法，已丢失位数；请把该列设为文本后重新填写",
        "A spreadsheet shortened this number to scientific notation, losing digits; \
         format the column as text and enter it again",
    )
}
