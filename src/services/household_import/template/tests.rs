use super::*;
use crate::services::household_import::parse::parse_upload;

fn region(code: &str, name: &str, level: RegionLevel, parent: Option<&str>) -> region::Model {
    region::Model {
        code: code.to_owned(),
        name: name.to_owned(),
        level,
        parent_code: parent.map(str::to_owned),
        lat: None,
        lon: None,
    }
}

#[test]
fn a_place_is_written_by_name_unless_another_in_reach_shares_it() {
    let township = Some("430525101000");
    let regions = [
        region("430525101000", "江口镇", RegionLevel::Township, None),
        region("430525101201", "新村", RegionLevel::Village, township),
        region("430525101202", "江口村", RegionLevel::Village, township),
        region(
            "430525102201",
            "新村",
            RegionLevel::Village,
            Some("430525102000"),
        ),
    ];
    let places = listed(&regions);
    let written: Vec<&str> = places.iter().map(|p| p.write.as_str()).collect();
    assert_eq!(
        written,
        ["江口镇", "430525101201", "江口村", "430525102201"]
    );
    assert_eq!(places[2].township, "江口镇");
    assert_eq!(example_place(&places), "430525101201");
}

#[test]
fn the_example_row_parses_as_one_need_in_the_first_village() {
    let regions = [
        region("430525101000", "江口镇", RegionLevel::Township, None),
        region(
            "430525101202",
            "江口村",
            RegionLevel::Village,
            Some("430525101000"),
        ),
    ];
    let bytes = workbook(&listed(&regions)).expect("a workbook");
    let rows = parse_upload(&bytes).expect("the example parses");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].region.as_str(), "江口村");
    assert_eq!(rows[0].category, Category::Medical);
    assert_eq!(rows[0].tags.len(), 2);
}
