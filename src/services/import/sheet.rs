//! Turns an uploaded file into rows of cell texts, numbered as a spreadsheet
//! numbers them, whatever the file's format: xlsx (or the older xls) read
//! with calamine, or CSV in UTF-8 or GB18030.

use std::borrow::Cow;
use std::io::{Cursor, Read, Seek};

use calamine::{Data, Reader, Xls, Xlsx, open_workbook_from_rs};
use encoding_rs::GB18030;

use crate::i18n::Text;

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

/// Reads the non-empty rows of the first worksheet (or of the CSV text),
/// stopping after `limit` of them so a huge file cannot exhaust memory.
pub(super) fn read_rows(bytes: &[u8], limit: usize) -> Result<Vec<SheetRow>, Text> {
    if bytes.starts_with(ZIP_MAGIC) {
        let book = open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes))
            .map_err(|_| unreadable_workbook())?;
        first_sheet_rows(book, limit)
    } else if bytes.starts_with(OLE_MAGIC) {
        let book = open_workbook_from_rs::<Xls<_>, _>(Cursor::new(bytes))
            .map_err(|_| unreadable_workbook())?;
        first_sheet_rows(book, limit)
    } else {
        csv_rows(&decode_text(bytes)?, limit)
    }
}

fn first_sheet_rows<RS, R>(mut book: R, limit: usize) -> Result<Vec<SheetRow>, Text>
where
    RS: Read + Seek,
    R: Reader<RS>,
{
    let range = match book.worksheet_range_at(0) {
        None => return Ok(Vec::new()),
        Some(range) => range.map_err(|_| unreadable_workbook())?,
    };
    // A range starts at its first used cell, not necessarily at A1.
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let rows = range.rows().enumerate().map(|(i, cells)| SheetRow {
        row: first_row + i as u64 + 1,
        cells: cells.iter().map(cell_of).collect(),
    });
    Ok(rows.filter(|r| !r.is_blank()).take(limit).collect())
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
fn csv_rows(text: &str, limit: usize) -> Result<Vec<SheetRow>, Text> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while rows.len() < limit {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => {
                return Err(Text::owned(
                    format!("第 {row} 行之后的 CSV 格式有误（引号不成对？）"),
                    format!("Malformed CSV after row {row} (an unclosed quote?)"),
                ));
            }
        }
        row += 1;
        let cells = record
            .iter()
            .map(|text| Cell {
                text: text.to_owned(),
                numeric: false,
            })
            .collect();
        let sheet_row = SheetRow { row, cells };
        if !sheet_row.is_blank() {
            rows.push(sheet_row);
        }
    }
    Ok(rows)
}

fn unreadable_workbook() -> Text {
    Text::fixed(
        "无法读取这个表格文件，请确认它是 xlsx 文件",
        "This spreadsheet cannot be read; make sure it is an xlsx file",
    )
}
