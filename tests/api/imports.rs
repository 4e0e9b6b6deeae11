//! The spreadsheet import and the household export, over HTTP and the CLI.

use huzhu::domain::Role;
use serde_json::Value;

use crate::helpers::{TestApp, multipart, problem, spawn_app};

mod hostile;

const GB18030_CSV: &[u8] = include_bytes!("../fixtures/households_gb18030.csv");
const XLSX: &[u8] = include_bytes!("../fixtures/households.xlsx");

pub async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> reqwest::Response {
    let request = app
        .client
        .post(app.url(&format!("/api/v1/imports/households?dry_run={dry_run}")))
        .bearer_auth(token);
    multipart::with_file(request, &[], name, bytes)
        .send()
        .await
        .expect("sent")
}

async fn coordinator(app: &TestApp) -> String {
    let user = app.create_user(Role::Coordinator, Some("430525")).await;
    app.login(&user).await
}

fn csv(header: &str, rows: &[&str]) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

const ENGLISH: &str =
    "region,head_name,id_number,phone,members,lat,lon,tags,category,title,description,urgency";
const CHINESE: &str = "地区代码,户主姓名,身份证号,电话,人口,纬度,经度,标签,类别,标题,描述,紧急程度";

#[tokio::test]
async fn a_dry_run_counts_and_writes_nothing_then_the_import_writes_everything() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let file = csv(
        ENGLISH,
        &[
            "430525101000,李四,,13800000001,3,27.1,110.5,disability,education,学费,,2",
            "430525101000,李四,,13800000001,3,27.1,110.5,disability,medical,看病,,3",
            "430525102000,张五,,,1,,,,care,陪伴,,1",
        ],
    );
    let dry = upload(&app, &token, "v.csv", &file, true).await;
    assert_eq!(dry.status().as_u16(), 200);
    let dry: Value = dry.json().await.expect("JSON");
    assert_eq!(
        (
            dry["created_households"].as_u64(),
            dry["created_needs"].as_u64(),
            dry["dry_run"].as_bool()
        ),
        (Some(2), Some(3), Some(true))
    );
    let listed: Value = app
        .get_with("/api/v1/households", &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        listed["items"].as_array().expect("items").len(),
        0,
        "a dry run writes nothing"
    );

    let done: Value = upload(&app, &token, "v.csv", &file, false)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        (
            done["created_households"].as_u64(),
            done["created_needs"].as_u64()
        ),
        (Some(2), Some(3))
    );
    let needs: Value = app
        .get_with("/api/v1/needs", &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(needs["items"].as_array().expect("items").len(), 3);
    let again = upload(&app, &token, "v.csv", &file, false).await;
    let answer = problem(again, 422).await;
    assert!(
        answer["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .all(|e| e["field"] == "category"),
        "{answer}"
    );
}

#[tokio::test]
async fn chinese_headers_gb18030_and_xlsx_files_import() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let chinese = csv(
        CHINESE,
        &["430525101000,王六,,,2,,,慢性病;独居老人,教育助学,买书,,紧急"],
    );
    let answer: Value = upload(&app, &token, "zh.csv", &chinese, false)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["created_needs"], 1);
    let gb: Value = upload(&app, &token, "gb.csv", GB18030_CSV, false)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(gb["created_households"], 2, "{gb}");
    assert_eq!(gb["created_needs"], 3, "{gb}");
    // The fixtures share ID numbers: the workbook goes to a database of its own.
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let xlsx: Value = upload(&app, &token, "v.xlsx", XLSX, false)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(xlsx["created_households"], 4, "{xlsx}");
    assert_eq!(xlsx["created_needs"], 5, "{xlsx}");
}

#[tokio::test]
async fn every_bad_row_is_reported_and_nothing_is_written() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let file = csv(
        ENGLISH,
        &[
            "430525101000,好人,,,2,,,,care,好的,,1",
            "430525101000,,,,2,,,,care,缺名字,,1",
            "430525101000,坏电话,,123,2,,,,nope,坏类别,,9",
            "430526101000,外县,,,2,,,,care,不在范围,,1",
        ],
    );
    let answer = problem(upload(&app, &token, "bad.csv", &file, false).await, 422).await;
    let mut found: Vec<(u64, String)> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().expect("row"),
                e["field"].as_str().expect("field").to_owned(),
            )
        })
        .collect();
    found.sort();
    for expected in [
        (3, "head_name"),
        (4, "category"),
        (4, "phone"),
        (4, "urgency"),
    ] {
        assert!(
            found.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} in {found:?}"
        );
    }
    let listed: Value = app
        .get_with("/api/v1/households", &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert!(listed["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn one_answer_lists_bad_fields_unknown_regions_and_regions_out_of_reach_together() {
    let app = spawn_app().await;
    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let token = app.login(&cadre).await;
    let file = csv(
        ENGLISH,
        &[
            "430525101000,好人,,,2,,,,care,好的,,1",
            "430525101000,坏电话,,123,2,,,,care,坏电话,,1",
            "430525999000,无此地,,,2,,,,care,无此地区,,1",
            "430525102000,邻镇,,,2,,,,care,不在范围,,1",
            "430525102000,邻镇坏,,,2,,,,nope,不在范围又坏类别,,1",
            "430525101000,好人二,,,2,,,,medical,也好,,1",
        ],
    );
    let answer = problem(upload(&app, &token, "mixed.csv", &file, false).await, 422).await;
    let found: Vec<(u64, String)> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().expect("row"),
                e["field"].as_str().expect("field").to_owned(),
            )
        })
        .collect();
    let expected = [
        (3, "phone"),
        (4, "region"),
        (5, "region"),
        (6, "region"),
        (6, "category"),
    ]
    .map(|(row, field)| (row, field.to_owned()));
    assert_eq!(found, expected, "{answer}");
    assert!(answer["errors"][1]["message"].is_string());
    let listed: Value = app
        .get_with("/api/v1/households", &token)
        .await
        .json()
        .await
        .expect("JSON");
    assert!(listed["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn an_upload_that_is_not_multipart_is_415_and_an_oversized_one_413() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    let response = app
        .client
        .post(app.url("/api/v1/imports/households"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("x")
        .send()
        .await
        .expect("sent");
    problem(response, 415).await;
    let big = vec![b'a'; 21 << 20];
    problem(upload(&app, &token, "big.csv", &big, false).await, 413).await;
}

#[tokio::test]
async fn the_export_parses_back_in_csv_and_xlsx() {
    let app = spawn_app().await;
    let token = coordinator(&app).await;
    upload(&app, &token, "v.xlsx", XLSX, false).await;
    let csv_bytes = app
        .get_with("/api/v1/households/export?format=csv", &token)
        .await
        .bytes()
        .await
        .expect("bytes");
    assert!(
        csv_bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with BOM for Excel"
    );
    let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
    let headers = reader.headers().expect("header").clone();
    assert!(headers.iter().any(|h| h == "户主姓名"), "{headers:?}");
    assert_eq!(reader.records().count(), 4);

    let response = app
        .get_with("/api/v1/households/export?format=xlsx", &token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("bytes");
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    assert_eq!(sheet.rows().count(), 5, "header and 4 households");
    problem(
        app.get_with("/api/v1/households/export?format=pdf", &token)
            .await,
        422,
    )
    .await;
}

#[tokio::test]
async fn the_import_command_reads_a_file_as_a_cadre() {
    let app = spawn_app().await;
    let cadre = app.create_user(Role::Cadre, Some("430525101")).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v.csv");
    std::fs::write(
        &path,
        csv(ENGLISH, &["430525101000,赵七,,,2,,,,living,米面,,1"]),
    )
    .expect("write");
    let run = |dry: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_huzhu"));
        command
            .args(["import", "households"])
            .arg(&path)
            .args(["--cadre", &cadre.email])
            .env("HUZHU_DATABASE_URL", &app.context.settings.database_url)
            .env("HUZHU_MAIL_DIR", &app.context.settings.mail_dir);
        if dry {
            command.arg("--dry-run");
        }
        command.output().expect("ran")
    };
    let dry = run(true);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would create 1 households and 1 needs"));
    let done = run(false);
    assert!(String::from_utf8_lossy(&done.stdout).contains("created 1 households and 1 needs"));
    let again = run(false);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("row 2: category"));
}
