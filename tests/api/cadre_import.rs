//! The cadre's spreadsheet import page: a file checked first (the bad rows
//! listed by row, the file's own header and the cell), a clean one imported
//! by its token, once and only by its cadre; and the template workbook,
//! whose example row imports as it is.

use huzhu::domain::Role;
use serde_json::Value;

use crate::helpers::browser::Browser;
use crate::helpers::pages::{LoggedIn, Page, get_page, load_regions};
use crate::helpers::{TestApp, spawn_app};

/// Villages of two townships; the cadre's reach is the first township.
const VILLAGES: &str = "code,name,level,parent_code,lat,lon\n\
    430525101201,江口一村,village,430525101000,27.1,110.55\n\
    430525101202,江口二村,village,430525101000,27.12,110.57\n\
    430525102201,毓兰村,village,430525102000,27.02,110.5\n";

const ZH_HEADER: &str = "地区,户主姓名,身份证号,电话,人口,标签,类别,标题,紧急程度";
const EN_HEADER: &str = "region,head_name,id_number,phone,members,tags,category,title,urgency";

/// Two households, three needs.
const GOOD_ROWS: [&str; 3] = [
    "江口一村,王秀英,11010519491231002X,13812345678,2,慢性病、独居老人,医疗健康,买降压药,紧急",
    "江口一村,王秀英,11010519491231002X,13812345678,2,慢性病,生活物资,送米面油,一般",
    "430525101202,李四,,,3,,关爱陪伴,陪同就医,较急",
];

/// Three bad rows, each in another column, around a good one: a village
/// out of reach, an ID number one digit short, an unknown category.
const BAD_ROWS: [&str; 4] = [
    "江口一村,王秀英,11010519491231002X,13812345678,2,慢性病,医疗健康,买降压药,紧急",
    "毓兰村,张三,,,1,,生活物资,送米,一般",
    "江口二村,李四,43052519800101001,,3,,关爱陪伴,陪同就医,较急",
    "江口二村,赵五,,,1,,看病,买药,一般",
];

fn csv(header: &str, rows: &[&str]) -> Vec<u8> {
    let mut text = header.to_owned();
    for row in rows {
        text.push_str("\r\n");
        text.push_str(row);
    }
    text.into_bytes()
}

/// An app with the villages, and a cadre of the first township logged in.
async fn app_with_cadre() -> (TestApp, LoggedIn) {
    let app = spawn_app().await;
    load_regions(&app, VILLAGES).await;
    let cadre = cadre(&app).await;
    (app, cadre)
}

async fn cadre(app: &TestApp) -> LoggedIn {
    let user = app.create_user(Role::Cadre, Some("430525101")).await;
    LoggedIn::new(app, user).await
}

/// (households, needs) the cadre's API lists show.
async fn counts(app: &TestApp, who: &LoggedIn) -> (usize, usize) {
    let mut counts = [0, 0];
    for (i, path) in ["/api/v1/households", "/api/v1/needs"]
        .into_iter()
        .enumerate()
    {
        let listed: Value = app
            .get_with(path, &who.token)
            .await
            .json()
            .await
            .expect("JSON");
        counts[i] = listed["items"].as_array().expect("items").len();
    }
    (counts[0], counts[1])
}

/// Checks `bytes` on the import page.
async fn check(app: &TestApp, who: &LoggedIn, name: &str, bytes: &[u8]) -> Page {
    who.upload(app, "/households/import", &[], (name, bytes))
        .await
}

/// The table of bad cells: (row, column, value, what is wrong) as shown.
fn problems(html: &str) -> Vec<[String; 4]> {
    let Some(table) = html.split("<table class=\"problems\">").nth(1) else {
        return Vec::new();
    };
    let body = table.split("<tbody>").nth(1).expect("a table body");
    let body = body.split("</tbody>").next().expect("the body's end");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("</t")
                .filter_map(|cell| cell.rsplit_once("\">").map(|(_, text)| text))
                .map(strip_tags)
                .collect();
            [0, 1, 2, 3].map(|i| cells.get(i).cloned().unwrap_or_default())
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// The token of a clean check's import form.
fn import_token(html: &str) -> String {
    let field = "name=\"token\" value=\"";
    let start = html.find(field).expect("an import form") + field.len();
    html[start..].chars().take_while(|c| *c != '"').collect()
}

#[tokio::test]
async fn three_bad_rows_are_listed_by_row_the_files_own_chinese_header_and_value_and_nothing_is_written()
 {
    let (app, cadre) = app_with_cadre().await;

    let page = check(&app, &cadre, "村表.csv", &csv(ZH_HEADER, &BAD_ROWS)).await;

    assert_eq!(page.status, 422, "{}", page.html);
    let listed = problems(&page.html);
    let cells: Vec<[&str; 3]> = listed
        .iter()
        .map(|[row, column, value, _]| [row.as_str(), column, value])
        .collect();
    assert_eq!(
        cells,
        [
            ["3", "地区", "毓兰村"],
            ["4", "身份证号", "43052519800101001"],
            ["5", "类别", "看病"],
        ]
    );
    assert!(listed[0][3].contains("没有叫「毓兰村」"), "{:?}", listed[0]);
    assert!(listed[1][3].contains("18 位"), "{:?}", listed[1]);
    assert!(listed[2][3].contains("类别应为"), "{:?}", listed[2]);
    assert!(page.html.contains("3 行有问题"), "{}", page.html);
    assert!(!page.html.contains("name=\"token\""), "no import offered");
    assert_eq!(counts(&app, &cadre).await, (0, 0));
}

#[tokio::test]
async fn a_file_with_english_headers_is_answered_with_its_english_header_names() {
    let (app, cadre) = app_with_cadre().await;
    cadre.get(&app, "/lang/en?next=/").await;

    let page = check(&app, &cadre, "village.csv", &csv(EN_HEADER, &BAD_ROWS)).await;

    assert_eq!(page.status, 422, "{}", page.html);
    let listed = problems(&page.html);
    let columns: Vec<&str> = listed.iter().map(|p| p[1].as_str()).collect();
    assert_eq!(columns, ["region", "id_number", "category"]);
    assert!(
        listed[1][3].contains("An ID number is 18 characters"),
        "{:?}",
        listed[1]
    );
    assert_eq!(counts(&app, &cadre).await, (0, 0));
    let form = cadre.get(&app, "/households/import").await;
    assert!(form.html.contains("Download the template"), "{}", form.html);
}

#[tokio::test]
async fn a_clean_file_is_counted_first_then_imported_and_its_households_exist() {
    let (app, cadre) = app_with_cadre().await;

    let checked = check(&app, &cadre, "村表.csv", &csv(ZH_HEADER, &GOOD_ROWS)).await;
    assert_eq!(checked.status, 200, "{}", checked.html);
    assert!(
        checked
            .html
            .contains("将新建 <strong>2</strong> 户、<strong>3</strong> 个需求")
    );
    assert!(checked.html.contains("导入 2 户、3 个需求"));
    assert_eq!(counts(&app, &cadre).await, (0, 0), "a check writes nothing");

    let token = import_token(&checked.html);
    let imported = cadre
        .post(&app, "/households/import", &[("token", &token)])
        .await;

    imported.assert_redirects_to("/households");
    assert_eq!(imported.flash.as_deref(), Some("huzhu_flash=imported:2:3"));
    let told = get_page(
        &app,
        &format!(
            "{}; {}",
            cadre.cookie,
            imported.flash.as_deref().unwrap_or_default()
        ),
        "/households/import",
    )
    .await;
    assert!(
        told.html.contains("导入了 2 户、3 个需求。"),
        "{}",
        told.html
    );
    assert_eq!(counts(&app, &cadre).await, (2, 3));
    let listed: Value = app
        .get_with("/api/v1/households", &cadre.token)
        .await
        .json()
        .await
        .expect("JSON");
    let mut villages: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| h["region"].as_str().expect("a region"))
        .collect();
    villages.sort_unstable();
    assert_eq!(villages, ["430525101201", "430525101202"]);
}

#[tokio::test]
async fn an_import_token_works_once_and_only_for_the_cadre_who_checked_the_file() {
    let (app, cadre) = app_with_cadre().await;
    let neighbour = self::cadre(&app).await;
    let checked = check(&app, &cadre, "村表.csv", &csv(ZH_HEADER, &GOOD_ROWS)).await;
    let token = import_token(&checked.html);

    let theirs = neighbour
        .post(&app, "/households/import", &[("token", &token)])
        .await;
    assert_eq!(theirs.status, 409, "{}", theirs.html);
    assert!(theirs.html.contains("请重新上传"), "{}", theirs.html);
    assert_eq!(counts(&app, &cadre).await, (0, 0));

    let first = cadre
        .post(&app, "/households/import", &[("token", &token)])
        .await;
    first.assert_redirects_to("/households");
    let again = cadre
        .post(&app, "/households/import", &[("token", &token)])
        .await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert_eq!(counts(&app, &cadre).await, (2, 3), "imported once");
}

#[tokio::test]
async fn a_check_or_an_import_without_the_form_token_is_refused() {
    let (app, cadre) = app_with_cadre().await;
    let file = csv(ZH_HEADER, &GOOD_ROWS);

    let forged = cadre
        .upload(
            &app,
            "/households/import",
            &[("csrf_token", "forged")],
            ("村表.csv", &file),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.html);
    assert!(forged.html.contains("页面已过期"), "{}", forged.html);
    assert!(!forged.html.contains("name=\"token\""));

    let token = import_token(&check(&app, &cadre, "村表.csv", &file).await.html);
    let forged = cadre
        .post(
            &app,
            "/households/import",
            &[("csrf_token", "forged"), ("token", &token)],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.html);
    assert_eq!(counts(&app, &cadre).await, (0, 0));
}

#[tokio::test]
async fn a_file_that_is_no_spreadsheet_or_no_file_at_all_gets_a_readable_error() {
    let (app, cadre) = app_with_cadre().await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\xff\xfe\xfd";

    let picture = check(&app, &cadre, "photo.png", png).await;
    assert_eq!(picture.status, 422, "{}", picture.html);
    assert!(picture.html.contains("无法识别文件"), "{}", picture.html);
    assert!(picture.html.contains("photo.png"));

    let nothing = check(&app, &cadre, "", b"").await;
    assert_eq!(nothing.status, 422, "{}", nothing.html);
    assert!(
        nothing.html.contains("请先选择要上传的表格文件"),
        "{}",
        nothing.html
    );
}

#[tokio::test]
async fn the_template_downloads_as_a_workbook_whose_example_row_imports_as_it_is() {
    let (app, cadre) = app_with_cadre().await;

    let response = app
        .client
        .get(app.url("/households/template.xlsx"))
        .header("cookie", &cadre.cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(header("content-disposition").starts_with("attachment;"));
    let workbook = response.bytes().await.expect("the workbook");

    let checked = check(&app, &cadre, "template.xlsx", &workbook).await;
    assert_eq!(checked.status, 200, "{}", checked.html);
    assert!(
        checked
            .html
            .contains("将新建 <strong>1</strong> 户、<strong>1</strong> 个需求")
    );
    let dry = crate::imports::upload(&app, &cadre.token, "template.xlsx", &workbook, true).await;
    let dry: Value = dry.json().await.expect("JSON");
    assert_eq!(
        (
            dry["created_households"].as_u64(),
            dry["created_needs"].as_u64()
        ),
        (Some(1), Some(1)),
        "{dry}"
    );
}

#[tokio::test]
async fn visitors_are_sent_to_log_in_and_volunteers_are_refused() {
    let (app, _) = app_with_cadre().await;
    for path in ["/households/import", "/households/template.xlsx"] {
        let visitor = get_page(&app, "", path).await;
        assert_eq!(visitor.status, 303, "{path}");
        assert!(
            visitor
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login?next=")),
            "{path}: {:?}",
            visitor.location
        );
    }
    let volunteer = app.create_user(Role::Volunteer, None).await;
    let volunteer = LoggedIn::new(&app, volunteer).await;
    let refused = volunteer.get(&app, "/households/template.xlsx").await;
    assert_eq!(refused.status, 403);
    let refused = check(&app, &volunteer, "村表.csv", &csv(ZH_HEADER, &GOOD_ROWS)).await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn in_a_phone_browser_a_cadre_sees_a_files_bad_rows_then_checks_and_imports_a_good_one() {
    let (app, cadre) = app_with_cadre().await;
    let files = tempfile::tempdir().expect("a folder for the files");
    let bad = files.path().join("村表-有错.csv");
    let good = files.path().join("村表.csv");
    std::fs::write(&bad, csv(ZH_HEADER, &BAD_ROWS)).expect("the bad file");
    std::fs::write(&good, csv(ZH_HEADER, &GOOD_ROWS)).expect("the good file");
    let field = "表格文件（.xlsx 或 .csv）";
    let mut browser = Browser::open(&app).await;

    browser.goto("/login?next=/households/import").await;
    browser
        .log_in(&cadre.user.email, &cadre.user.password)
        .await;
    browser.wait_for_text("导入村里的表格").await;
    browser.shots_at_both_sizes("import-page").await;

    browser.attach(field, &bad).await;
    browser.click("检查文件").await;
    browser.wait_for_text("文件有问题，没有导入").await;
    let shown = browser.text().await;
    for seen in [
        "毓兰村",
        "身份证号",
        "43052519800101001",
        "看病",
        "3 行有问题",
    ] {
        assert!(shown.contains(seen), "{seen} in {shown}");
    }
    browser.shots_at_both_sizes("bad-rows-listed").await;

    browser.attach(field, &good).await;
    browser.click("检查文件").await;
    browser.wait_for_text("检查通过").await;
    browser.shots_at_both_sizes("good-file-checked").await;
    assert_eq!(counts(&app, &cadre).await, (0, 0));

    browser.click("导入 2 户、3 个需求").await;
    // The households list (its own page) says 导入了 2 户、3 个需求: the
    // HTTP test above checks that message.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while browser.path().await != "/households" {
        assert!(
            std::time::Instant::now() < deadline,
            "sent on to the households"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.shots_at_both_sizes("imported").await;
    assert_eq!(counts(&app, &cadre).await, (2, 3));
    browser.close().await;
}

#[tokio::test]
async fn a_village_name_two_villages_in_reach_share_asks_for_the_code() {
    let app = spawn_app().await;
    load_regions(
        &app,
        "code,name,level,parent_code\n\
         430525101203,新村,village,430525101000\n\
         430525102203,新村,village,430525102000\n",
    )
    .await;
    let county_cadre = app.create_user(Role::Cadre, Some("430525")).await;
    let county_cadre = LoggedIn::new(&app, county_cadre).await;
    let file = csv(ZH_HEADER, &["新村,王一,,,2,,医疗健康,买药,紧急"]);

    let page = check(&app, &county_cadre, "村表.csv", &file).await;

    assert_eq!(page.status, 422, "{}", page.html);
    let listed = problems(&page.html);
    assert_eq!(listed.len(), 1);
    assert_eq!([listed[0][0].as_str(), &listed[0][1]], ["2", "地区"]);
    assert!(
        listed[0][3].contains("430525101203") && listed[0][3].contains("请改填地区代码"),
        "{:?}",
        listed[0]
    );
    let by_code = csv(ZH_HEADER, &["430525102203,王一,,,2,,医疗健康,买药,紧急"]);
    assert_eq!(
        check(&app, &county_cadre, "村表.csv", &by_code)
            .await
            .status,
        200
    );
}
