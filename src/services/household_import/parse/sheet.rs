//! Turns an uploaded file into rows of cell texts, numbered as a spreadsheet
//! numbers them, whatever the file's format: xlsx read cell by cell with
//! calamine, or CSV in UTF-8 or GB18030.
//!
//! A file is hostile until read: a 2 KB workbook can declare a million rows,
//! sixteen thousand columns or a part that inflates to gigabytes. So rows are
//! handed over one at a time, a filled cell past [`MAX_COLUMNS`] stops the
//! reading, and a workbook's parts are measured before calamine opens them.

use std::borrow::Cow;
use std::io::{BufReader, Cursor, Read};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};
use encoding_rs::GB18030;
use quick_xml::events::Event;
use zip::ZipArchive;

use crate::i18n::Text;

/// The most columns a sheet may fill: the import has 12, and people add notes.
pub(super) const MAX_COLUMNS: usize = 64;
/// The most a workbook's parts may inflate to, all together. A workbook of
/// the most rows allowed, written by Excel, inflates to about 50 MiB.
pub(super) const MAX_INFLATED_BYTES: u64 = 128 << 20;
/// The smallest entry of a string table, `<si/>`, in bytes.
const SMALLEST_SHARED_STRING: u64 = 5;
/// One cell: its text, and whether the spreadsheet stored it as a number
/// (which for an ID number means its last digits are already lost).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Cell {
    pub text: String,
    pub numeric: bool,
}

/// A row that is not completely empty, with its spreadsheet row number
/// (1-based).
#[derive(Debug, Clone)]
pub(super) struct SheetRow {
    pub row: u64,
    pub cells: Vec<Cell>,
}

impl SheetRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE compound file that holds a pre-2007 `.xls` workbook.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Hands `on_row` the non-empty rows of the first worksheet (or of the CSV
/// text) in order, until it breaks or the rows end.
pub(super) fn read_rows(
    bytes: &[u8],
    on_row: &mut dyn FnMut(SheetRow) -> ControlFlow<()>,
) -> Result<(), Text> {
    if bytes.starts_with(ZIP_MAGIC) {
        check_parts(bytes)?;
        // calamine trusts some of what a file says (in a debug build an
        // overflowing cell reference panics); that is the file's fault, and
        // it must not take the server or the CLI down with it.
        catch_unwind(AssertUnwindSafe(|| xlsx_rows(bytes, on_row)))
            .unwrap_or_else(|_| Err(unreadable_workbook()))
    } else if bytes.starts_with(OLE_MAGIC) {
        // calamine's .xls reader reserves what the file declares and builds
        // every sheet densely while opening, with no way to bound it first.
        Err(Text::fixed(
            "不支持旧版 .xls 文件，请在表格软件中另存为 xlsx 后上传",
            "Old .xls files are not supported; save the sheet as xlsx and upload that",
        ))
    } else {
        csv_rows(&decode_text(bytes)?, on_row)
    }
}

/// Refuses a workbook before calamine reads it when its parts would inflate
/// past [`MAX_INFLATED_BYTES`], or when its string table claims more strings
/// than it could hold (calamine reserves memory for the claimed count). The
/// ZIP reader stops any part at its declared size, so the declared sizes are
/// a true bound.
fn check_parts(bytes: &[u8]) -> Result<(), Text> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable_workbook())?;
    let mut inflated: u64 = 0;
    let mut string_tables = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|_| unreadable_workbook())?;
        inflated = inflated.saturating_add(entry.size());
        let name = entry.name().map_err(|_| unreadable_workbook())?;
        // calamine finds parts by name regardless of case.
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            string_tables.push(i);
        }
    }
    if inflated > MAX_INFLATED_BYTES {
        return Err(Text::fixed(
            "表格文件解压后超过 128 MB，请分成几个较小的文件",
            "The workbook inflates to more than 128 MiB; split it into smaller files",
        ));
    }
    for i in string_tables {
        let part = zip.by_index(i).map_err(|_| unreadable_workbook())?;
        let size = part.size();
        let claimed = claimed_strings(part)?;
        if claimed.is_some_and(|count| count > size / SMALLEST_SHARED_STRING) {
            return Err(unreadable_workbook());
        }
    }
    Ok(())
}

/// The `uniqueCount` a string table's `<sst>` element claims.
fn claimed_strings(part: impl Read) -> Result<Option<u64>, Text> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let Ok(Some(count)) = e.try_get_attribute("uniqueCount") else {
                    return Ok(None);
                };
                return count
                    .value
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| unreadable_workbook());
            }
            Ok(Event::Eof) => return Ok(None),
            Err(_) => return Err(unreadable_workbook()),
            Ok(_) => {}
        }
    }
}

/// Streams the first worksheet's cells, so nothing is allocated for the
/// range the sheet declares or the farthest cell it names.
fn xlsx_rows(
    bytes: &[u8],
    on_row: &mut dyn FnMut(SheetRow) -> ControlFlow<()>,
) -> Result<(), Text> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable_workbook())?;
    let Some(name) = book.sheet_names().into_iter().next() else {
        return Ok(());
    };
    let mut cells = match book.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        // A chart sheet first: no rows.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(_) => return Err(unreadable_workbook()),
    };
    let mut current = SheetRow {
        row: 0,
        cells: Vec::new(),
    };
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable_workbook())? {
        let (row, column) = cell.get_position();
        let row = u64::from(row) + 1;
        if row != current.row {
            // Rows come in order in every real workbook; going back would
            // split one row in two.
            if row < current.row {
                return Err(unreadable_workbook());
            }
            let done = std::mem::replace(
                &mut current,
                SheetRow {
                    row,
                    cells: Vec::new(),
                },
            );
            if hand_over(done, on_row).is_break() {
                return Ok(());
            }
        }
        let value = cell.get_value();
        if *value != DataRef::Empty {
            put(
                &mut current,
                column as usize,
                cell_of(&Data::from(value.clone())),
            )?;
        }
    }
    let _ = hand_over(current, on_row);
    Ok(())
}

/// Hands a row over unless it is blank.
fn hand_over(
    row: SheetRow,
    on_row: &mut dyn FnMut(SheetRow) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if row.is_blank() {
        ControlFlow::Continue(())
    } else {
        on_row(row)
    }
}

/// Puts a cell into its column of the row. A filled cell past
/// [`MAX_COLUMNS`] refuses the file; a blank one there is ignored, as
/// spreadsheets save formatted but empty cells.
fn put(row: &mut SheetRow, column: usize, cell: Cell) -> Result<(), Text> {
    if column >= MAX_COLUMNS {
        if cell.text.trim().is_empty() {
            return Ok(());
        }
        return Err(too_wide(row.row, column));
    }
    if row.cells.len() <= column {
        row.cells.resize_with(column + 1, Cell::default);
    }
    row.cells[column] = cell;
    Ok(())
}

fn too_wide(row: u64, column: usize) -> Text {
    let name = column_name(column);
    Text::owned(
        format!("第 {row} 行的 {name} 列有内容，但表格最多只能用 {MAX_COLUMNS} 列"),
        format!(
            "Row {row} has data in column {name}, but a sheet may use at most {MAX_COLUMNS} columns"
        ),
    )
}

/// A column's spreadsheet name: 0 is A, 25 is Z, 26 is AA.
fn column_name(column: usize) -> String {
    let mut name = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        name.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Int(i) => Cell {
            text: i.to_string(),
            numeric: true,
        },
        Data::Float(f) => Cell {
            text: float_text(*f),
            numeric: true,
        },
        Data::Empty => Cell::default(),
        other => Cell {
            text: other.to_string(),
            numeric: false,
        },
    }
}

/// Whole numbers (a phone typed into a number cell is `13812345678.0`) are
/// written without a fraction; others in the shortest exact form.
fn float_text(f: f64) -> String {
    // Below 2^53 every whole f64 is an exact integer.
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// CSV text from its bytes: UTF-8 (with or without a BOM), else GB18030,
/// which is how Excel and WPS in Chinese save "CSV (逗号分隔)".
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, Text> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Text::fixed(
            "不支持 UTF-16（Unicode 文本）文件，请另存为 xlsx 或 CSV",
            "UTF-16 (Unicode text) files are not supported; save as xlsx or CSV",
        ));
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        Err(Text::fixed(
            "无法识别文件：请上传 xlsx，或 UTF-8 / GBK 编码的 CSV",
            "Unreadable file: upload an xlsx, or a CSV in UTF-8 or GBK",
        ))
    } else {
        Ok(text)
    }
}

/// CSV records as rows. The csv crate skips blank lines, which Excel never
/// writes (an empty row is saved as `,,,`), so records are counted as rows.
fn csv_rows(text: &str, on_row: &mut dyn FnMut(SheetRow) -> ControlFlow<()>) -> Result<(), Text> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(_) => {
                return Err(Text::owned(
                    format!("第 {row} 行之后的 CSV 格式有误（引号不成对？）"),
                    format!("Malformed CSV after row {row} (an unclosed quote?)"),
                ));
            }
        }
        row += 1;
        let mut sheet_row = SheetRow {
            row,
            cells: Vec::with_capacity(record.len().min(MAX_COLUMNS)),
        };
        for (column, text) in record.iter().enumerate() {
            let cell = Cell {
                text: text.to_owned(),
                numeric: false,
            };
            put(&mut sheet_row, column, cell)?;
        }
        if hand_over(sheet_row, on_row).is_break() {
            return Ok(());
        }
    }
}

fn unreadable_workbook() -> Text {
    Text::fixed(
        "无法读取这个表格文件，请确认它是 xlsx 文件",
        "This spreadsheet cannot be read; make sure it is an xlsx file",
    )
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn columns_are_named_as_a_spreadsheet_names_them() {
        let names: Vec<String> = [0, 25, 26, 51, 52, 64, 701, 702, 16_383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(
            names,
            ["A", "Z", "AA", "AZ", "BA", "BM", "ZZ", "AAA", "XFD"]
        );
    }
}
