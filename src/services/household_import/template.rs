//! The template workbook a cadre starts a village's spreadsheet from: the
//! import's columns with their Chinese headers, one example row that
//! imports as it is, drop-down lists where the import takes a closed set of
//! words, a sheet 说明 explaining each column, and a sheet listing the
//! villages and townships in the cadre's reach with what to write for each.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, Format, FormatBorder,
    Formula, Workbook, Worksheet, XlsxError,
};

use super::parse::{MAX_ROWS, template_columns};
use super::regions;
use crate::domain::household::HouseholdTag;
use crate::domain::{Caller, Category, RegionLevel};
use crate::services::ServiceError;
use crate::store::entity::region;

/// The sheet listing the caller's places; the region column's list reads it.
const PLACES_SHEET: &str = "村和乡镇";

/// A place the caller reaches, as the template lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// What to write in the region column: the name where it is the only
    /// one of that name in reach, else the code.
    pub write: String,
    pub name: String,
    /// 乡镇 or 村.
    pub level: &'static str,
    /// A village's township.
    pub township: String,
    pub code: String,
}

/// For each column (by English name): its width, what it holds, and the
/// example row's value (`None`: the region, from the caller's places).
const HELP: [(&str, f64, &str, Option<&str>); 12] = [
    (
        "region",
        16.0,
        "村名或乡镇名，须与「村和乡镇」表中的一致（可从下拉列表中选）；也可填 12 位地区代码",
        None,
    ),
    (
        "head_name",
        14.0,
        "户主姓名，1 到 100 个字",
        Some("王秀英（示例）"),
    ),
    (
        "id_number",
        22.0,
        "18 位，末位可为 X，如 11010519491231002X。本列是文本格式，请勿改成数字（会丢失末几位）。身份证号相同的几行算同一户；不填时，同一地区、同一户主姓名的几行算同一户",
        Some(""),
    ),
    ("phone", 14.0, "11 位手机号", Some("13800138000")),
    ("members", 8.0, "户内人口，1 到 30 的整数", Some("2")),
    (
        "lat",
        10.0,
        "户的位置（纬度，如 27.1）。经纬度同时填或同时空；不填时按所在村的位置。只有干部能看到",
        Some(""),
    ),
    ("lon", 10.0, "户的位置（经度，如 110.5）", Some("")),
    (
        "tags",
        22.0,
        "户的情况，可填几个，用、隔开：慢性病、残疾、独居老人、留守儿童、无劳动能力、边缘户。只有干部能看到",
        Some("慢性病、独居老人"),
    ),
    (
        "category",
        12.0,
        "需求类别，从下拉列表中选：教育助学、医疗健康、住房安全、生活物资、产业发展、就业帮扶、消费帮扶、关爱陪伴",
        Some("医疗健康"),
    ),
    (
        "title",
        24.0,
        "需求标题，一行，1 到 200 个字；志愿者先看到它",
        Some("买降压药"),
    ),
    (
        "description",
        30.0,
        "需求的详细说明，可不填",
        Some("每月送一次到家，药费由家里出"),
    ),
    (
        "urgency",
        10.0,
        "一般、较急或紧急（也可填 1、2、3）",
        Some("较急"),
    ),
];

/// The template for `caller`: their places, and an example row in the
/// first of them.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn for_caller(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
) -> Result<Vec<u8>, ServiceError> {
    let places = listed(&regions::in_reach(db, caller).await?);
    workbook(&places).map_err(|e| ServiceError::Internal(anyhow::anyhow!("xlsx: {e}")))
}

/// The villages and townships among `regions` (ordered by code), each
/// with what the region column takes for it.
pub fn listed(regions: &[region::Model]) -> Vec<Listed> {
    let places: Vec<&region::Model> = regions
        .iter()
        .filter(|r| r.level != RegionLevel::County)
        .collect();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for r in regions {
        *names.entry(r.name.as_str()).or_default() += 1;
    }
    let by_code: HashMap<&str, &str> = regions
        .iter()
        .map(|r| (r.code.as_str(), r.name.as_str()))
        .collect();
    places
        .into_iter()
        .map(|r| Listed {
            write: if names.get(r.name.as_str()) == Some(&1) {
                r.name.clone()
            } else {
                r.code.clone()
            },
            name: r.name.clone(),
            level: if r.level == RegionLevel::Village {
                "村"
            } else {
                "乡镇"
            },
            township: match r.level {
                RegionLevel::Village => r
                    .parent_code
                    .as_deref()
                    .and_then(|p| by_code.get(p))
                    .map_or_else(String::new, |n| (*n).to_owned()),
                _ => String::new(),
            },
            code: r.code.clone(),
        })
        .collect()
}

/// The example's place: the first village, else the first township.
fn example_place(places: &[Listed]) -> &str {
    places
        .iter()
        .find(|p| p.level == "村")
        .or(places.first())
        .map_or("", |p| p.write.as_str())
}

/// Builds the workbook.
pub fn workbook(places: &[Listed]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE3F1E5))
        .set_border_bottom(FormatBorder::Thin);
    let required = head.clone().set_background_color(Color::RGB(0xB9DEC0));
    let text = Format::new().set_num_format("@");
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);

    let sheet = book.add_worksheet();
    sheet.set_name("户和需求")?;
    for (col, (en, zh, is_required)) in template_columns().into_iter().enumerate() {
        let col = col as u16;
        let (_, width, _, example) = HELP[usize::from(col)];
        debug_assert_eq!(HELP[usize::from(col)].0, en);
        sheet.write_string_with_format(0, col, zh, if is_required { &required } else { &head })?;
        sheet.set_column_width(col, width)?;
        let value = example.unwrap_or_else(|| example_place(places));
        if matches!(en, "region" | "id_number" | "phone") {
            // Digits typed here stay text: a number would lose them.
            sheet.set_column_format(col, &text)?;
        }
        if !value.is_empty() {
            match en {
                "members" => sheet.write_number(1, col, value.parse::<f64>().unwrap_or(1.0))?,
                _ => sheet.write_string_with_format(1, col, value, &text)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    validations(sheet, places.len())?;

    let help = book.add_worksheet();
    help.set_name("说明")?;
    explain(help, &head, &wrap, example_place(places))?;

    let list = book.add_worksheet();
    list.set_name(PLACES_SHEET)?;
    list_places(list, places, &head, &text)?;
    book.save_to_buffer()
}

/// Drop-down lists on the data rows: strict where the import takes only
/// these words, advisory where a cell may hold more (several tags, a code).
fn validations(sheet: &mut Worksheet, places: usize) -> Result<(), XlsxError> {
    let last = MAX_ROWS as u32;
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.name_zh()).collect();
    let category = DataValidation::new()
        .allow_list_strings(&categories)?
        .set_error_title("类别")?
        .set_error_message("请从下拉列表中选择类别")?;
    let urgency = DataValidation::new()
        .allow_list_strings(&["一般", "较急", "紧急"])?
        .set_error_title("紧急程度")?
        .set_error_message("请选择：一般、较急或紧急")?;
    let tags: Vec<String> = HouseholdTag::ALL
        .iter()
        .map(|t| t.label().zh.into_owned())
        .collect();
    let tags = DataValidation::new()
        .allow_list_strings(&tags)?
        .set_error_style(DataValidationErrorStyle::Information)
        .set_input_title("标签")?
        .set_input_message("可选一个，也可填几个，用、隔开")?;
    let members = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(1, 30))
        .set_error_title("人口")?
        .set_error_message("人口为 1 到 30 的整数")?;
    let column = |en: &str| {
        template_columns()
            .iter()
            .position(|c| c.0 == en)
            .map_or(0, |i| i as u16)
    };
    for (en, rule) in [
        ("category", &category),
        ("urgency", &urgency),
        ("tags", &tags),
        ("members", &members),
    ] {
        let col = column(en);
        sheet.add_data_validation(1, col, last, col, rule)?;
    }
    if places > 0 {
        let range = format!("='{PLACES_SHEET}'!$A$2:$A${}", places + 1);
        let region = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_style(DataValidationErrorStyle::Information)
            .set_error_title("地区")?
            .set_error_message("不在「村和乡镇」表中：请核对名称，或填 12 位地区代码")?;
        let col = column("region");
        sheet.add_data_validation(1, col, last, col, &region)?;
    }
    Ok(())
}

/// The sheet 说明: how the file is read, then each column.
fn explain(
    sheet: &mut Worksheet,
    head: &Format,
    wrap: &Format,
    place: &str,
) -> Result<(), XlsxError> {
    let intro = [
        "每行是一个需求，连同提出需求的户。一户有几个需求就写几行，户的信息每行照抄。",
        "第 1 行是表头，请勿修改；第 2 行是示例，可以照着改写，或删除。",
        "深绿色表头的列必须填写，浅绿色的可以不填。表头也可以用英文列名（见下表）。",
        "保存为 .xlsx，或 CSV（UTF-8 或 GBK 编码），然后在互助网站的「导入表格」页上传。",
        "上传后先检查：每个有问题的格子会按行号和列名列出，改好后重新上传；没有问题才会导入，要么全部导入，要么都不导入。",
    ];
    for (row, line) in intro.iter().enumerate() {
        sheet.write_string(row as u32, 0, *line)?;
    }
    let top = intro.len() as u32 + 1;
    for (col, title) in ["列名", "英文列名", "必填", "填写说明", "示例"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string_with_format(top, col as u16, title, head)?;
    }
    let example_id = "11010519491231002X";
    for (i, ((en, zh, required), (_, _, help, example))) in
        template_columns().into_iter().zip(HELP).enumerate()
    {
        let row = top + 1 + i as u32;
        let example = match (en, example) {
            ("id_number", _) => example_id,
            ("lat", _) => "27.1",
            ("lon", _) => "110.5",
            (_, Some(value)) => value,
            (_, None) => place,
        };
        let cells = [
            zh,
            en,
            if required { "必填" } else { "可不填" },
            help,
            example,
        ];
        for (col, value) in cells.into_iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, value, wrap)?;
        }
    }
    for (col, width) in [(0, 12.0), (1, 14.0), (2, 8.0), (3, 60.0), (4, 22.0)] {
        sheet.set_column_width(col, width)?;
    }
    Ok(())
}

/// The sheet of the caller's places: what to write, and the rest to check.
fn list_places(
    sheet: &mut Worksheet,
    places: &[Listed],
    head: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let titles = ["地区列填写", "名称", "级别", "所属乡镇", "地区代码"];
    for (col, title) in titles.into_iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, title, head)?;
    }
    for (i, p) in places.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [&p.write, &p.name, p.level, &p.township, &p.code];
        for (col, value) in cells.into_iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, value, text)?;
        }
    }
    if places.is_empty() {
        sheet.write_string(1, 0, "您负责的范围内还没有村或乡镇，请联系管理员导入地区。")?;
    }
    for (col, width) in [(0, 16.0), (1, 16.0), (2, 6.0), (3, 14.0), (4, 16.0)] {
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests;
