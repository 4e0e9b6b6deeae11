//! Imports a 10,000-row workbook (.xlsx) through `POST /api/v1/imports/households`,
//! three times into one growing database: a dry run and two real imports
//! (the second on top of the first's 7,500 households). Prints seconds and
//! rows/s of each, and how much of it is parsing alone.
//!
//! `cargo bench --bench import` (SQLite), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

// The tests' multipart body, so the bench uploads as they do.
#[path = "../tests/api/helpers/multipart.rs"]
mod multipart;

use std::time::Instant;

use common::http;
use huzhu::domain::Role;

const ROWS: usize = 10_000;
/// Townships of the built-in regions (data/dongkou_regions.csv).
const TOWNSHIPS: [&str; 6] = [
    "430525101000",
    "430525102000",
    "430525103000",
    "430525104000",
    "430525105000",
    "430525106000",
];
const CATEGORIES: [&str; 8] = [
    "education",
    "medical",
    "housing",
    "living",
    "production",
    "employment",
    "consumption",
    "care",
];

/// A valid resident ID number, distinct for every `n`.
fn id_number(n: usize) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("date")
        + chrono::Days::new((n / 1000) as u64);
    let body = format!("430525{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(weights)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A workbook of `ROWS` needs: every third household has two, so about
/// 7,500 households; `offset` keeps ID numbers apart between workbooks.
fn workbook(offset: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "region",
        "head_name",
        "id_number",
        "phone",
        "members",
        "lat",
        "lon",
        "tags",
        "category",
        "title",
        "description",
        "urgency",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).expect("header");
    }
    let (mut row, mut household) = (1u32, offset);
    while (row as usize) <= ROWS {
        let needs = if household % 3 == 0 { 2 } else { 1 };
        for k in 0..needs {
            if row as usize > ROWS {
                break;
            }
            let h = household;
            let cells = [
                TOWNSHIPS[h % TOWNSHIPS.len()].to_owned(),
                format!("户主{h}"),
                id_number(h),
                format!("139{:08}", h % 100_000_000),
            ];
            for (col, text) in cells.iter().enumerate() {
                sheet.write_string(row, col as u16, text).expect("cell");
            }
            sheet
                .write_number(row, 4, (1 + h % 6) as f64)
                .expect("cell");
            sheet
                .write_number(row, 5, 27.0 + (h % 997) as f64 * 0.0003)
                .expect("cell");
            sheet
                .write_number(row, 6, 110.4 + (h % 991) as f64 * 0.0003)
                .expect("cell");
            sheet.write_string(row, 7, "elderly_alone").expect("cell");
            let category = CATEGORIES[(h + k * 3) % CATEGORIES.len()];
            sheet.write_string(row, 8, category).expect("cell");
            sheet.write_string(row, 9, "需要帮助").expect("cell");
            sheet
                .write_string(row, 10, "基准测试导入的需求说明")
                .expect("cell");
            sheet
                .write_number(row, 11, (1 + h % 3) as f64)
                .expect("cell");
            row += 1;
        }
        household += 1;
    }
    book.save_to_buffer().expect("xlsx")
}

async fn upload(client: &reqwest::Client, base: &str, token: &str, bytes: &[u8], dry_run: bool) {
    let request = client
        .post(format!(
            "{base}/api/v1/imports/households?dry_run={dry_run}"
        ))
        .bearer_auth(token);
    let response = multipart::with_file(request, &[], "households.xlsx", bytes)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["created_needs"], ROWS, "{answer}");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    huzhu::telemetry::init(huzhu::settings::LogFormat::Pretty);
    let served = http::Served::start().await;
    let (ctx, base, backend) = (served.ctx.clone(), served.base.clone(), served.backend);
    let client = reqwest::Client::new();
    let token = &http::token(&ctx, &client, &base, Role::Coordinator, Some("430525")).await;
    let books = [workbook(0), workbook(1_000_000)];
    println!(
        "import bench ({backend}): {ROWS} rows per workbook, {} KiB",
        books[0].len() / 1024
    );
    let started = Instant::now();
    let parsed = huzhu::services::household_import::parse::parse_upload(&books[0])
        .expect("a valid workbook");
    let parse_secs = started.elapsed().as_secs_f64();
    println!(
        "  parse only: {parse_secs:.2} s ({:.0} rows/s)",
        parsed.len() as f64 / parse_secs
    );
    let runs = [
        ("dry run, empty database", &books[0], true),
        ("import, empty database", &books[0], false),
        ("import, on 7,500 households", &books[1], false),
    ];
    for (label, book, dry_run) in runs {
        let started = Instant::now();
        upload(&client, &base, token, book, dry_run).await;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {label}: {secs:.2} s over HTTP ({:.0} rows/s)",
            ROWS as f64 / secs
        );
    }
    drop(ctx);
    served.finish().await;
}
