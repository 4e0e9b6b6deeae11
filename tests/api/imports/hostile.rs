//! Workbooks and files built to exhaust the server: each must be answered
//! with a 422 naming the problem, in bounded memory, with nothing written.
//! Were the dense range of a sheet allocated, this test process would abort.

use std::io::{Cursor, Write};

use huzhu::domain::Role;
use serde_json::Value;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::{ENGLISH, coordinator, upload};
use crate::helpers::{TestApp, problem, spawn_app};

const SHEET: &str = "xl/worksheets/sheet1.xml";

/// The parts of a one-sheet workbook around the given worksheet XML (and a
/// shared string table, when given), each deflated as Excel does.
fn workbook(sheet: &[&[u8]], shared_strings: Option<&str>) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let strings_type = r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#;
    let strings_rel = r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#;
    let with_strings = |part: &'static str| if shared_strings.is_some() { part } else { "" };
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>"#,
                with_strings(strings_type)
            ),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{}</Relationships>"#,
                with_strings(strings_rel)
            ),
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).expect("a part");
        zip.write_all(text.as_bytes()).expect("written");
    }
    if let Some(strings) = shared_strings {
        zip.start_file("xl/sharedStrings.xml", options)
            .expect("a part");
        zip.write_all(strings.as_bytes()).expect("written");
    }
    zip.start_file(SHEET, options).expect("the sheet");
    for chunk in sheet {
        zip.write_all(chunk).expect("written");
    }
    zip.finish().expect("a workbook").into_inner()
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// The import's header in A1:L1, as inline strings.
fn header_row() -> String {
    let cells: String = ENGLISH
        .split(',')
        .zip('A'..='L')
        .map(|(name, column)| {
            format!(r#"<c r="{column}1" t="inlineStr"><is><t>{name}</t></is></c>"#)
        })
        .collect();
    format!(r#"<row r="1">{cells}</row>"#)
}

/// A sheet with the header and then `rest` inside `<sheetData>`.
fn sheet_xml(dimension: &str, rest: &str) -> String {
    format!(
        r#"{SHEET_START}<dimension ref="{dimension}"/><sheetData>{}{rest}</sheetData></worksheet>"#,
        header_row()
    )
}

fn file_error(answer: &Value) -> String {
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{answer}");
    assert_eq!(
        (errors[0]["row"].as_u64(), errors[0]["field"].as_str()),
        (Some(1), Some("file")),
        "{answer}"
    );
    errors[0]["message"].as_str().expect("a message").to_owned()
}

async fn households(app: &TestApp, token: &str) -> usize {
    let listed: Value = app
        .get_with("/api/v1/households", token)
        .await
        .json()
        .await
        .expect("JSON");
    listed["items"].as_array().expect("items").len()
}

#[tokio::test]
async fn a_tiny_workbook_with_one_cell_at_xfd1048576_is_refused_naming_the_column() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let sheet = sheet_xml(
        "A1:XFD1048576",
        r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let bytes = workbook(&[sheet.as_bytes()], None);
    assert!(bytes.len() < 4096, "a small file: {} bytes", bytes.len());

    for dry_run in [true, false] {
        let answer = problem(upload(&app, &token, "far.xlsx", &bytes, dry_run).await, 422).await;
        let message = file_error(&answer);
        assert!(
            message.contains("XFD") && message.contains("64"),
            "{message}"
        );
    }
    assert_eq!(households(&app, &token).await, 0);
}

#[tokio::test]
async fn a_sheet_that_inflates_past_the_bound_is_refused_before_it_is_read() {
    let sheet = sheet_xml("A1:L1", "");
    let (start, end) = sheet.split_at(sheet.find("</sheetData>").expect("the end"));
    // 129 MiB of whitespace between two rows: legal XML, and a single text
    // event a reader would buffer whole.
    let blank = vec![b' '; 1 << 20];
    let mut chunks: Vec<&[u8]> = vec![start.as_bytes()];
    chunks.extend(std::iter::repeat_n(blank.as_slice(), 129));
    chunks.push(end.as_bytes());
    let bytes = workbook(&chunks, None);
    assert!(bytes.len() < 1 << 20, "a small file: {} bytes", bytes.len());
    // Deflating takes seconds: done before logging in, so the client's
    // pooled connection is not left idle past the server's keep-alive.
    let app = spawn_app().await;
    let token = coordinator(&app).await;

    let answer = problem(upload(&app, &token, "bomb.xlsx", &bytes, true).await, 422).await;
    let message = file_error(&answer);
    assert!(message.contains("128"), "{message}");
}

#[tokio::test]
async fn a_part_that_inflates_past_its_declared_size_is_cut_off_there() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let sheet = sheet_xml("A1:L1", &" ".repeat(4 << 20));
    let mut bytes = workbook(&[sheet.as_bytes()], None);
    // The sheet's local and central headers now claim 1 KiB.
    let name = SHEET.as_bytes();
    let mut patched = 0;
    for at in 0..bytes.len() - name.len() {
        if &bytes[at..at + name.len()] != name {
            continue;
        }
        let size_at = if at >= 30 && bytes[at - 30..].starts_with(b"PK\x03\x04") {
            at - 30 + 22
        } else if at >= 46 && bytes[at - 46..].starts_with(b"PK\x01\x02") {
            at - 46 + 24
        } else {
            continue;
        };
        bytes[size_at..size_at + 4].copy_from_slice(&1024u32.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2, "both headers of the sheet");

    let answer = problem(upload(&app, &token, "liar.xlsx", &bytes, true).await, 422).await;
    file_error(&answer);
}

#[tokio::test]
async fn a_string_table_claiming_more_strings_than_it_holds_is_refused() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="10000000000000"><si><t>x</t></si></sst>"#;
    let sheet = sheet_xml("A1:L1", "");
    let bytes = workbook(&[sheet.as_bytes()], Some(strings));

    let answer = problem(upload(&app, &token, "count.xlsx", &bytes, true).await, 422).await;
    file_error(&answer);
}

#[tokio::test]
async fn a_workbook_the_reader_chokes_on_is_a_422_not_a_dropped_connection() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    // A dimension that ends before it starts, and a column name too long
    // for any sheet: the reader's arithmetic overflows on both.
    let backwards = sheet_xml("B2:A1", "");
    let too_long = sheet_xml(
        "A1:L1",
        r#"<row r="2"><c r="AAAAAAAAAAAA2"><v>1</v></c></row>"#,
    );
    for sheet in [backwards, too_long] {
        let bytes = workbook(&[sheet.as_bytes()], None);
        let answer = problem(upload(&app, &token, "odd.xlsx", &bytes, true).await, 422).await;
        file_error(&answer);
    }
}

#[tokio::test]
async fn a_csv_row_with_data_past_64_columns_is_refused_but_trailing_blanks_are_not() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let row = "430525101000,李四,,,3,,,,care,陪伴,,1";
    let blanks = ",".repeat(10_000);
    let file = format!("{ENGLISH}\n{row}{blanks}\n");
    let answer: Value = upload(&app, &token, "blank.csv", file.as_bytes(), true)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["created_needs"], 1, "{answer}");

    let wide = format!("{ENGLISH}\n{row}{}x\n", ",".repeat(53));
    let answer = problem(
        upload(&app, &token, "wide.csv", wide.as_bytes(), true).await,
        422,
    )
    .await;
    let message = file_error(&answer);
    assert!(
        message.contains("BM") && message.contains("64"),
        "{message}"
    );
}

#[tokio::test]
async fn the_import_command_refuses_the_far_cell_workbook_and_exits_cleanly() {
    let app = spawn_app().await;
    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("far.xlsx");
    let sheet = sheet_xml(
        "A1:XFD1048576",
        r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    std::fs::write(&path, workbook(&[sheet.as_bytes()], None)).expect("write");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_huzhu"))
        .args(["import", "households"])
        .arg(&path)
        .args(["--cadre", &cadre.email, "--dry-run"])
        .env("HUZHU_DATABASE_URL", &app.context.settings.database_url)
        .env("HUZHU_MAIL_DIR", &app.context.settings.mail_dir)
        .output()
        .expect("ran");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(1),
        "an error exit, not a signal: {stderr}"
    );
    assert!(
        stderr.contains("row 1: file") && stderr.contains("XFD"),
        "{stderr}"
    );
}
