use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::*;

const EN_HEADER: &str =
    "region,head_name,id_number,phone,members,lat,lon,tags,category,title,description,urgency";
const ZH_HEADER: &str =
    "地区代码,户主姓名,身份证号,电话,人口,纬度,经度,标签,类别,标题,描述,紧急程度";

fn csv(header: &str, rows: &[&str]) -> Vec<u8> {
    let mut text = header.to_owned();
    for row in rows {
        text.push_str("\r\n");
        text.push_str(row);
    }
    text.into_bytes()
}

fn parsed(bytes: &[u8]) -> Vec<ImportRow> {
    parse_upload(bytes).expect("the file parses")
}

fn errors(bytes: &[u8]) -> Vec<(u64, String)> {
    let errors = parse_upload(bytes).expect_err("the file is refused");
    errors.into_iter().map(|e| (e.row, e.field)).collect()
}

fn at(row: u64, field: &str) -> (u64, String) {
    (row, field.to_owned())
}

#[test]
fn a_csv_with_english_headers_parses_every_column() {
    let bytes = csv(
        EN_HEADER,
        &[
            "430525101203,王秀英,11010519491231002x,13812345678,2,27.1,110.5,慢性病;elderly_alone,medical,买降压药,\"每月一次\n送到家\",紧急",
            "430525101203,李四,,13912345678.0,1.0,,,,住房安全,修屋顶,,1",
        ],
    );
    let rows = parsed(&bytes);
    assert_eq!(rows.len(), 2);
    let first = &rows[0];
    assert_eq!(first.row, 2);
    assert_eq!(first.region.as_str(), "430525101203");
    assert_eq!(first.head_name.as_str(), "王秀英");
    assert_eq!(
        first.id_number.as_ref().map(IdNumber::as_str),
        Some("11010519491231002X")
    );
    assert_eq!(first.phone.as_ref().map(Phone::as_str), Some("13812345678"));
    assert_eq!(first.members.get(), 2);
    assert_eq!(first.point, Some((27.1, 110.5)));
    assert_eq!(
        first.tags,
        [HouseholdTag::ChronicIllness, HouseholdTag::ElderlyAlone]
    );
    assert_eq!(first.category, Category::Medical);
    assert_eq!(first.title.as_str(), "买降压药");
    assert_eq!(first.description.as_str(), "每月一次\n送到家");
    assert_eq!(first.urgency.get(), 3);
    let second = &rows[1];
    assert_eq!((second.row, second.category), (3, Category::Housing));
    assert_eq!(
        second.phone.as_ref().map(Phone::as_str),
        Some("13912345678")
    );
    assert!(second.id_number.is_none() && second.point.is_none());
}

#[test]
fn chinese_headers_in_any_order_with_a_bom_and_extra_columns_parse() {
    let header = "\u{feff} 标题 ,备注,类别,紧急程度,人口,户主姓名,地区代码";
    let bytes = csv(
        header,
        &["送米面油,村里代收,living,较急,3.0,张三,430525203000"],
    );
    let rows = parsed(&bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].title.as_str(), "送米面油");
    assert_eq!(rows[0].category, Category::Living);
    assert_eq!((rows[0].members.get(), rows[0].urgency.get()), (3, 2));
    assert!(rows[0].tags.is_empty() && rows[0].description.as_str().is_empty());
}

#[test]
fn a_gb18030_csv_from_chinese_excel_is_decoded() {
    let text = format!(
        "{ZH_HEADER}\r\n430525101000,赵淑芬,430525195003151232,13912345678,1,,,独居老人、残疾,关爱陪伴,陪同就医,,2\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let rows = parsed(&bytes);
    assert_eq!(rows[0].head_name.as_str(), "赵淑芬");
    assert_eq!(
        rows[0].tags,
        [HouseholdTag::ElderlyAlone, HouseholdTag::Disability]
    );
    assert_eq!(rows[0].category, Category::Care);
}

/// Writes one household row; `id` as a number where a careless sheet has one.
fn write_xlsx_row(sheet: &mut Worksheet, row: u32, id: Option<f64>) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, "430525101203")?;
    sheet.write_string(row, 1, "𦰡大娘")?;
    match id {
        Some(number) => sheet.write_number(row, 2, number)?,
        None => sheet.write_string(row, 2, "43052519700105004X")?,
    };
    sheet.write_number(row, 3, 13812345678.0)?;
    sheet.write_number(row, 4, 4)?;
    sheet.write_number(row, 5, 27.25)?;
    sheet.write_number(row, 6, 111.5)?;
    sheet.write_string(row, 7, "慢性病;独居老人")?;
    sheet.write_string(row, 8, "教育助学")?;
    sheet.write_string(row, 9, "孙子学费")?;
    sheet.write_number(row, 11, 1)?;
    Ok(())
}

#[test]
fn an_xlsx_reads_numbers_as_text_where_a_column_needs_text() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in EN_HEADER.split(',').enumerate() {
        sheet.write_string(0, col as u16, name).expect("header");
    }
    write_xlsx_row(sheet, 1, None).expect("row 2");
    let bytes = book.save_to_buffer().expect("xlsx");

    let rows = parsed(&bytes);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.row, 2);
    assert_eq!(row.head_name.as_str(), "𦰡大娘");
    assert_eq!(
        row.id_number.as_ref().map(IdNumber::as_str),
        Some("43052519700105004X")
    );
    assert_eq!(row.phone.as_ref().map(Phone::as_str), Some("13812345678"));
    assert_eq!((row.members.get(), row.urgency.get()), (4, 1));
    assert_eq!(row.point, Some((27.25, 111.5)));
    assert_eq!(
        row.tags,
        [HouseholdTag::ChronicIllness, HouseholdTag::ElderlyAlone]
    );
    assert_eq!(row.category, Category::Education);

    // An ID typed into a number cell has lost its last digits.
    write_xlsx_row(
        book.worksheet_from_index(0).expect("sheet"),
        2,
        Some(430525198001010018.0),
    )
    .expect("row 3");
    let bytes = book.save_to_buffer().expect("xlsx");
    assert_eq!(errors(&bytes), [at(3, "id_number")]);
}

#[test]
fn every_bad_row_and_field_is_reported_with_its_spreadsheet_row() {
    let bytes = csv(
        EN_HEADER,
        &[
            "430525101203,王一,430525198001010018,13812345678,2,,,,medical,买药,,3",
            "4305251012,,430525198001010019,12345,0,27.1,,贫困,food,,,4",
            ",,,,,,,,,,,",
            "430525101203,王三,,,31,91,200,,care,陪伴,,紧",
            "4.30525E+11,王四,4.30525E+17,1.38123E+10,1,,,,care,陪伴,,1",
        ],
    );
    let expected = [
        at(3, "region"),
        at(3, "head_name"),
        at(3, "id_number"),
        at(3, "phone"),
        at(3, "members"),
        at(3, "lon"),
        at(3, "tags"),
        at(3, "category"),
        at(3, "title"),
        at(3, "urgency"),
        at(5, "members"),
        at(5, "lat"),
        at(5, "urgency"),
        at(6, "region"),
        at(6, "id_number"),
        at(6, "phone"),
    ];
    assert_eq!(errors(&bytes), expected);
    let all = parse_upload(&bytes).expect_err("refused");
    let shortened = all.iter().find(|e| e.row == 6 && e.field == "region");
    assert!(shortened.is_some_and(|e| e.message.zh.contains("科学计数法")));
}

#[test]
fn missing_required_columns_are_each_reported_on_row_one() {
    let bytes = csv("地区代码,户主姓名,标题,电话", &["430525101203,王一,买药,"]);
    let expected = [at(1, "members"), at(1, "category"), at(1, "urgency")];
    assert_eq!(errors(&bytes), expected);
    let message = &parse_upload(&bytes).expect_err("refused")[0].message;
    assert!(message.zh.contains("人口") && message.en.contains("members"));

    let twice = csv(&format!("{EN_HEADER},地区代码"), &[]);
    assert_eq!(errors(&twice), [at(1, "region")]);
}

#[test]
fn empty_or_header_only_files_have_no_data_rows() {
    let cases: [&[u8]; 5] = [
        b"",
        b"\xEF\xBB\xBF",
        EN_HEADER.as_bytes(),
        b"region,head_name,id_number,phone,members,lat,lon,tags,category,title,description,urgency\r\n,,,,,,,,,,,\r\n",
        b"\n\n",
    ];
    for bytes in cases {
        assert_eq!(errors(bytes), [at(1, "file")], "{bytes:?}");
    }
    assert_eq!(errors(b"PK\x03\x04not really a zip"), [at(1, "file")]);
}

#[test]
fn blank_rows_are_skipped_but_still_counted() {
    let row = "430525101203,王一,,,2,,,,medical,买药,,3";
    let bytes = csv(EN_HEADER, &[row, ",,,,,,,,,,,", " , ", row]);
    let rows: Vec<u64> = parsed(&bytes).iter().map(|r| r.row).collect();
    assert_eq!(rows, [2, 5]);
}

#[test]
fn one_id_number_with_another_name_or_region_is_an_error_on_the_later_row() {
    let bytes = csv(
        EN_HEADER,
        &[
            "430525101203,王一,430525198001010018,,2,,,,medical,买药,,3",
            "430525101203,王一,430525198001010018,,2,,,,living,送米,,1",
            "430525101203,王二,430525198001010018,,2,,,,care,陪伴,,1",
            "430525203000,王一,430525198001010018,,2,,,,care,陪伴,,1",
        ],
    );
    assert_eq!(errors(&bytes), [at(4, "id_number"), at(5, "id_number")]);
}

#[test]
fn rows_group_into_households_by_id_number_or_by_region_and_name() {
    let bytes = csv(
        EN_HEADER,
        &[
            "430525101203,王一,430525198001010018,,2,,,,medical,买药,,3",
            "430525101203,王一,430525198001010018,,2,,,,living,送米,,1",
            "430525101203,王一,,,2,,,,care,陪伴,,1",
            "430525101203, 王一 ,,,2,,,,housing,修屋,,1",
            "430525203000,王一,,,2,,,,care,陪伴,,1",
        ],
    );
    let keys: Vec<String> = parsed(&bytes).iter().map(household_key).collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[2], keys[3]);
    assert_ne!(keys[0], keys[2]);
    assert_ne!(keys[2], keys[4]);
}

#[test]
fn errors_stop_at_the_cap_and_oversized_files_are_refused() {
    let bad = "4305251012,王一,,,2,,,,medical,买药,,3";
    let many_bad = csv(EN_HEADER, &vec![bad; MAX_ERRORS + 500]);
    assert_eq!(
        parse_upload(&many_bad).expect_err("refused").len(),
        MAX_ERRORS
    );

    let good = "430525101203,王一,,,2,,,,medical,买药,,3";
    let too_many = csv(EN_HEADER, &vec![good; MAX_ROWS + 1]);
    assert_eq!(errors(&too_many), [at(1, "file")]);
}

#[test]
fn debug_output_of_a_row_leaves_out_personal_data() {
    let bytes = csv(
        EN_HEADER,
        &["430525101203,王秀英,11010519491231002X,13812345678,2,27.1,110.5,慢性病,medical,买药,,3"],
    );
    let debug = format!("{:?}", parsed(&bytes));
    for secret in [
        "王秀英",
        "11010519491231002X",
        "13812345678",
        "27.1",
        "chronic",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn the_fixture_files_parse_into_their_households() {
    let gb18030 = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/households_gb18030.csv"
    ));
    let rows = parsed(gb18030);
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(household_key(&rows[0]), household_key(&rows[2]));
    assert_eq!(rows[1].description.as_str(), "住在𦰡溪村口，雨季前修好");

    let xlsx = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/households.xlsx"
    ));
    let rows = parsed(xlsx);
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[0].tags,
        [HouseholdTag::ChronicIllness, HouseholdTag::ElderlyAlone]
    );
    assert_eq!(
        rows[0].phone.as_ref().map(Phone::as_str),
        Some("13812345678")
    );
    assert_eq!(
        rows[2].id_number.as_ref().map(IdNumber::as_str),
        Some("43052519700105004X")
    );
    let keys: std::collections::HashSet<_> = rows.iter().map(household_key).collect();
    assert_eq!(keys.len(), 4);
}

#[test]
fn a_parse_keeps_the_faultless_rows_and_the_regions_of_the_refused_ones() {
    let bytes = csv(
        EN_HEADER,
        &[
            "430525101203,王一,430525198001010018,,2,,,,medical,买药,,3",
            "430525203000,王一,430525198001010018,,2,,,,care,陪伴,,1",
            "430525101000,王二,,123,2,,,,care,陪伴,,1",
            "4305251012,王三,,,2,,,,care,陪伴,,1",
            "430525102000,王四,,,2,,,,living,送米,,1",
        ],
    );
    let parsed = parse_file(&bytes).expect("the file reads");
    let rows: Vec<u64> = parsed.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, [2, 6]);
    let refused: Vec<(u64, &str)> = parsed
        .refused_regions
        .iter()
        .map(|(row, region)| (*row, region.as_str()))
        .collect();
    // Row 5's region does not read, so there is nothing to look up.
    assert_eq!(refused, [(3, "430525203000"), (4, "430525101000")]);
    let errors: Vec<(u64, String)> = parsed
        .errors
        .into_iter()
        .map(|e| (e.row, e.field))
        .collect();
    assert_eq!(
        errors,
        [at(3, "id_number"), at(4, "phone"), at(5, "region")]
    );
}

#[test]
fn a_filled_cell_past_the_column_bound_is_named_by_its_spreadsheet_column() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in EN_HEADER.split(',').enumerate() {
        sheet.write_string(0, col as u16, name).expect("header");
    }
    write_xlsx_row(sheet, 1, None).expect("row 2");
    // Formatted but empty cells far out are how spreadsheets are saved.
    sheet
        .write_blank(1, 16_383, &rust_xlsxwriter::Format::new().set_bold())
        .expect("a blank");
    let bytes = book.save_to_buffer().expect("xlsx");
    assert_eq!(parsed(&bytes).len(), 1);

    let sheet = book.worksheet_from_index(0).expect("sheet");
    sheet.write_string(2, 16_383, "备注").expect("a far note");
    let bytes = book.save_to_buffer().expect("xlsx");
    let refused = parse_upload(&bytes).expect_err("refused");
    assert_eq!((refused[0].row, refused[0].field.as_str()), (1, "file"));
    assert!(
        refused[0]
            .message
            .en
            .contains("Row 3 has data in column XFD"),
        "{:?}",
        refused[0]
    );
}

#[test]
fn an_old_xls_file_is_refused_with_a_way_out() {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(4096, 0);
    let refused = parse_upload(&bytes).expect_err("refused");
    assert_eq!((refused[0].row, refused[0].field.as_str()), (1, "file"));
    assert!(refused[0].message.zh.contains("xlsx") && refused[0].message.en.contains(".xls"));
}

#[test]
fn an_error_names_the_column_by_the_files_own_header_and_repeats_the_cell() {
    let zh = csv(
        "地区,户主姓名,身份证号,人口,类别,标题,紧急程度",
        &["江口村,王一, 43052519800101001 ,2,医疗健康,买药,紧急"],
    );
    let en = csv(EN_HEADER, &["430525101203,王一,,,0,,,,medical,买药,,3"]);
    let zh_error = &parse_upload(&zh).expect_err("refused")[0];
    assert_eq!(
        (
            zh_error.row,
            zh_error.field.as_str(),
            zh_error.header.as_deref()
        ),
        (2, "id_number", Some("身份证号"))
    );
    assert_eq!(zh_error.value.as_deref(), Some("43052519800101001"));
    let en_error = &parse_upload(&en).expect_err("refused")[0];
    assert_eq!(
        (en_error.header.as_deref(), en_error.value.as_deref()),
        (Some("members"), Some("0"))
    );
    // A whole-file fault has neither.
    let file = &parse_upload(b"").expect_err("refused")[0];
    assert_eq!(
        (file.header.as_deref(), file.value.as_deref()),
        (None, None)
    );
}

#[test]
fn a_long_cell_is_cut_and_debug_output_leaves_the_value_out() {
    let long = "很".repeat(100);
    let bytes = csv(
        EN_HEADER,
        &[&format!("430525101203,{long}{long},,,2,,,,medical,买药,,3")],
    );
    let error = &parse_upload(&bytes).expect_err("refused")[0];
    let value = error.value.as_deref().expect("a value");
    assert_eq!(value.chars().count(), VALUE_CHARS + 1);
    assert!(value.ends_with('…'));

    let bytes = csv(
        EN_HEADER,
        &["430525101203,王一,11010519491231002Y,,2,,,,medical,买药,,3"],
    );
    let error = &parse_upload(&bytes).expect_err("refused")[0];
    assert!(!format!("{error:?}").contains("11010519491231002"));
}

#[test]
fn a_region_is_a_code_or_else_a_name() {
    let bytes = csv(
        "地区,户主姓名,人口,类别,标题,紧急程度",
        &[
            "430525101203,王一,2,医疗健康,买药,紧急",
            " 江口村 ,王二,2,医疗健康,买药,紧急",
            "4305251012,王三,2,医疗健康,买药,紧急",
        ],
    );
    let parsed = parse_file(&bytes).expect("the file reads");
    let places: Vec<&Place> = parsed.rows.iter().map(|r| &r.region).collect();
    assert!(matches!(places[0], Place::Code(c) if c.as_str() == "430525101203"));
    assert_eq!(places[1], &Place::Name("江口村".to_owned()));
    let errors: Vec<(u64, &str)> = parsed
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str()))
        .collect();
    assert_eq!(errors, [(4, "region")]);
}
