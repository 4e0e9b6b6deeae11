use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

#[test]
fn id_numbers_with_a_valid_check_character_and_birth_date_are_accepted() {
    let today = day(2026, 11, 30);
    let cases = [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 430525198001010018 ", "430525198001010018"),
        ("430525200002290218", "430525200002290218"),
        ("43052519751111033X", "43052519751111033X"),
    ];
    for (text, stored) in cases {
        let id = IdNumber::parse_as_of(text, today).expect(text);
        assert_eq!(id.as_str(), stored);
    }
}

#[test]
fn id_numbers_with_a_bad_shape_check_character_or_birth_date_are_refused() {
    let today = day(2026, 11, 30);
    let cases = [
        ("", "18"),
        ("43052519800101001", "18"),
        ("4305251980010100188", "18"),
        ("4305251980010100X8", "18"),
        ("430525198001010019", "check"),
        ("110105194912310021", "check"),
        ("430525198002300016", "birth date"),
        ("430525199902290017", "birth date"),
        ("430525189912310011", "birth date"),
        ("430525202712010016", "birth date"),
    ];
    for (text, reason) in cases {
        let err = IdNumber::parse_as_of(text, today).expect_err(text);
        assert!(err.en.contains(reason), "{text}: {}", err.en);
        assert!(
            !err.zh.contains(text) || text.is_empty(),
            "echoes the number"
        );
    }
}

#[test]
fn an_id_number_is_masked_and_hidden_from_debug_output() {
    let id = IdNumber::parse("11010519491231002X").expect("valid");
    assert_eq!(id.masked(), "110*************2X");
    assert_eq!(id.masked().chars().count(), 18);
    assert_eq!(format!("{id:?}"), "IdNumber(<hidden>)");
}

#[test]
fn tags_parse_from_codes_and_labels_in_both_languages() {
    for tag in HouseholdTag::ALL {
        assert_eq!(HouseholdTag::parse(tag.code()), Ok(tag));
        assert_eq!(HouseholdTag::parse(&tag.label().zh), Ok(tag));
        assert_eq!(HouseholdTag::parse(&tag.label().en.to_uppercase()), Ok(tag));
    }
    assert!(HouseholdTag::parse("贫困").is_err());
}

#[test]
fn tag_lists_accept_several_separators_and_drop_duplicates_in_order() {
    use HouseholdTag::*;
    let cases: [(&str, Vec<HouseholdTag>); 6] = [
        ("", vec![]),
        (" ; ", vec![]),
        ("慢性病;独居老人", vec![ChronicIllness, ElderlyAlone]),
        ("marginal；残疾、marginal", vec![Marginal, Disability]),
        (
            "留守儿童, no_labour_capacity，慢性病;",
            vec![LeftBehindChild, NoLabourCapacity, ChronicIllness],
        ),
        ("elderly_alone;elderly_alone", vec![ElderlyAlone]),
    ];
    for (text, tags) in cases {
        assert_eq!(parse_tags(text), Ok(tags), "{text:?}");
    }
    let err = parse_tags("慢性病;贫困户").expect_err("unknown tag");
    assert!(err.zh.contains("贫困户"));
}

#[test]
fn tags_serialize_as_their_codes_and_join_with_semicolons() {
    let json = serde_json::to_string(&[HouseholdTag::LeftBehindChild]).expect("serializes");
    assert_eq!(json, r#"["left_behind_child"]"#);
    let back: Vec<HouseholdTag> = serde_json::from_str(r#"["marginal"]"#).expect("parses");
    assert_eq!(back, vec![HouseholdTag::Marginal]);
    let joined = join_tags(&[HouseholdTag::ChronicIllness, HouseholdTag::Disability]);
    assert_eq!(joined, "chronic_illness;disability");
    assert_eq!(parse_tags(&joined).map(|t| join_tags(&t)), Ok(joined));
}

#[test]
fn members_are_whole_numbers_from_one_to_thirty() {
    let cases = [
        ("1", Some(1)),
        (" 30 ", Some(30)),
        ("0", None),
        ("31", None),
        ("3.5", None),
        ("-1", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(
            Members::parse(text).ok().map(Members::get),
            expected,
            "{text:?}"
        );
    }
    assert!(Members::try_from(4).is_ok());
}

#[test]
fn urgency_accepts_numbers_and_chinese_words() {
    let cases = [
        ("1", Some(1)),
        ("3", Some(3)),
        ("一般", Some(1)),
        (" 较急 ", Some(2)),
        ("紧急", Some(3)),
        ("0", None),
        ("4", None),
        ("urgent", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(
            Urgency::parse(text).ok().map(Urgency::get),
            expected,
            "{text:?}"
        );
    }
    assert_eq!(
        Urgency::parse("紧急").map(|u| u.label().zh),
        Ok("紧急".into())
    );
}

#[test]
fn titles_are_one_to_two_hundred_characters_on_one_line() {
    let cases = [
        (String::new(), false),
        ("   ".to_owned(), false),
        ("修".repeat(200), true),
        ("修".repeat(201), false),
        (format!("  {}  ", "屋".repeat(200)), true),
        ("漏雨\n急修".to_owned(), false),
        ("房屋漏雨".to_owned(), true),
    ];
    for (text, ok) in cases {
        assert_eq!(
            NeedTitle::parse(&text).is_ok(),
            ok,
            "{} chars",
            text.chars().count()
        );
    }
    let err = NeedTitle::parse(&"修".repeat(201)).expect_err("too long");
    assert!(err.zh.contains("200") && err.en.contains("200"));
}

#[test]
fn descriptions_are_up_to_four_thousand_characters_and_keep_line_breaks() {
    let cases = [
        (String::new(), true),
        ("述".repeat(4000), true),
        ("述".repeat(4001), false),
        ("第一行\r\n第二行".to_owned(), true),
        ("有\t制表符".to_owned(), true),
        ("有\u{7}响铃".to_owned(), false),
    ];
    for (text, ok) in cases {
        assert_eq!(
            NeedDescription::parse(&text).is_ok(),
            ok,
            "{} chars",
            text.chars().count()
        );
    }
    let kept = NeedDescription::parse("第一行\r\n第二行\r第三行").expect("valid");
    assert_eq!(kept.as_str(), "第一行\n第二行\n第三行");
    let err = NeedDescription::parse(&"述".repeat(4001)).expect_err("too long");
    assert!(err.zh.contains("4000") && err.en.contains("4,000"));
}

#[test]
fn points_need_both_coordinates_in_range() {
    let cases = [
        ("", "", Ok(None)),
        ("27.1", "110.5", Ok(Some((27.1, 110.5)))),
        (" -90 ", "180", Ok(Some((-90.0, 180.0)))),
        ("27.1", "", Err("lon")),
        ("", "110.5", Err("lat")),
        ("90.1", "110", Err("lat")),
        ("27", "-180.5", Err("lon")),
        ("NaN", "110", Err("lat")),
        ("27", "inf", Err("lon")),
        ("北纬27", "110", Err("lat")),
    ];
    for (lat, lon, expected) in cases {
        let got = parse_point(lat, lon).map_err(|(field, _)| field);
        assert_eq!(got, expected, "{lat:?} {lon:?}");
    }
}
