use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::*;
use crate::services::household_import::parse::parse_upload;

fn rows() -> Vec<HouseholdExportRow> {
    vec![
        HouseholdExportRow {
            region: "430525101203".into(),
            region_name: "双江村".into(),
            head_name: "𦰡秀英".into(),
            id_number: Some("43052519700105004X".into()),
            phone: Some("13812345678".into()),
            members: 3,
            lat: Some(27.123456),
            lon: Some(110.5),
            tags: vec![HouseholdTag::ChronicIllness, HouseholdTag::ElderlyAlone],
        },
        HouseholdExportRow {
            region: "430525203000".into(),
            region_name: "某镇".into(),
            head_name: "李四".into(),
            id_number: None,
            phone: None,
            members: 1,
            lat: None,
            lon: None,
            tags: vec![],
        },
    ]
}

fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_csv_has_a_bom_a_localised_header_and_one_record_per_household() {
    let zh = csv_records(&households_csv(&rows(), Locale::ZhCn));
    assert_eq!(
        zh[0],
        [
            "地区代码",
            "地区名称",
            "户主姓名",
            "身份证号",
            "电话",
            "人口",
            "纬度",
            "经度",
            "标签"
        ]
    );
    assert_eq!(
        zh[1],
        [
            "430525101203",
            "双江村",
            "𦰡秀英",
            "43052519700105004X",
            "13812345678",
            "3",
            "27.123456",
            "110.5",
            "chronic_illness;elderly_alone"
        ]
    );
    assert_eq!(
        zh[2],
        ["430525203000", "某镇", "李四", "", "", "1", "", "", ""]
    );
    let en = csv_records(&households_csv(&rows(), Locale::En));
    assert_eq!(en[0][..3], ["region", "region_name", "head_name"]);
    assert_eq!(en[1..], zh[1..]);
}

#[test]
fn the_csv_reads_back_through_the_import() {
    for locale in [Locale::ZhCn, Locale::En] {
        // Give every household a need, as an import file has.
        let exported = String::from_utf8(households_csv(&rows(), locale)).expect("UTF-8");
        let mut lines = exported.lines();
        let header = lines.next().expect("a header");
        let mut file = format!("{header},category,title,urgency\n");
        for line in lines {
            file.push_str(&format!("{line},care,陪伴,1\n"));
        }

        let imported = parse_upload(file.as_bytes()).expect("the import reads the export");
        assert_eq!(imported.len(), 2);
        for (back, row) in imported.iter().zip(rows()) {
            assert_eq!(back.region.as_str(), row.region);
            assert_eq!(back.head_name.as_str(), row.head_name);
            assert_eq!(
                back.id_number.as_ref().map(|i| i.as_str().to_owned()),
                row.id_number
            );
            assert_eq!(
                back.phone.as_ref().map(|p| p.as_str().to_owned()),
                row.phone
            );
            assert_eq!(i32::from(back.members.get()), row.members);
            assert_eq!(back.point, row.lat.zip(row.lon));
            assert_eq!(back.tags, row.tags);
        }
    }
}

#[test]
fn csv_cells_that_excel_would_run_as_formulas_are_defused() {
    let mut row = rows().remove(1);
    row.head_name = "=HYPERLINK(\"http://x\")".into();
    let records = csv_records(&households_csv(&[row], Locale::En));
    assert_eq!(records[1][2], "'=HYPERLINK(\"http://x\")");
}

fn xlsx_sheet(bytes: Vec<u8>) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("a sheet");
    (name, range.rows().map(<[Data]>::to_vec).collect())
}

fn text(s: &str) -> Data {
    Data::String(s.to_owned())
}

#[test]
fn the_xlsx_keeps_numbers_that_are_really_text_as_text() {
    let (name, cells) = xlsx_sheet(households_xlsx(&rows(), Locale::ZhCn).expect("xlsx"));
    assert_eq!(name, "户籍信息");
    assert_eq!(cells[0][3], text("身份证号"));
    assert_eq!(
        cells[1],
        [
            text("430525101203"),
            text("双江村"),
            text("𦰡秀英"),
            text("43052519700105004X"),
            text("13812345678"),
            Data::Float(3.0),
            Data::Float(27.123456),
            Data::Float(110.5),
            text("慢性病、独居老人"),
        ]
    );
    assert_eq!(
        cells[2][..6],
        [
            text("430525203000"),
            text("某镇"),
            text("李四"),
            Data::Empty,
            Data::Empty,
            Data::Float(1.0)
        ]
    );
    assert_eq!(cells.len(), 3);
}

#[test]
fn the_english_xlsx_has_english_names_and_labels() {
    let (name, cells) = xlsx_sheet(households_xlsx(&rows(), Locale::En).expect("xlsx"));
    assert_eq!(name, "Households");
    assert_eq!(cells[0][0], text("region"));
    assert_eq!(cells[1][8], text("Chronic illness, Elderly living alone"));
}

#[test]
fn an_empty_list_still_gives_a_header() {
    let (_, cells) = xlsx_sheet(households_xlsx(&[], Locale::ZhCn).expect("xlsx"));
    assert_eq!(cells.len(), 1);
    assert_eq!(csv_records(&households_csv(&[], Locale::ZhCn)).len(), 1);
}
