use super::*;

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn categories_are_one_to_eight_known_codes_or_names_none_twice() {
    let ok: &[(&[&str], &[Category])] = &[
        (&["care"], &[Category::Care]),
        (
            &["关爱陪伴", "education"],
            &[Category::Education, Category::Care],
        ),
        (&[" medical "], &[Category::Medical]),
    ];
    for (list, expected) in ok {
        let set = categories(list).expect("valid");
        assert_eq!(set.iter().collect::<Vec<_>>(), *expected, "{list:?}");
    }
    let all: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(categories(&all).map(|s| s.iter().count()), Ok(8));
    let nine: Vec<&str> = all.iter().copied().chain(["care"]).collect();
    let refused: &[(&[&str], &[&str])] = &[
        (&[], &["categories"]),
        (&nine, &["categories"]),
        (&["care", "nope"], &["categories[1]"]),
        (&["care", "care"], &["categories[1]"]),
        (
            &["nope", "care", "关爱陪伴", "Education"],
            &["categories[0]", "categories[2]", "categories[3]"],
        ),
    ];
    for (list, named) in refused {
        let errors = categories(list).expect_err("refused");
        assert_eq!(fields(&errors), *named, "{list:?}");
    }
}

#[test]
fn a_new_offers_point_names_the_coordinate_that_is_missing_or_out_of_range() {
    let cases = [
        (None, None, vec![("lat", "lat and lon are required")]),
        (Some(91.0), None, vec![("lon", "lon is required with lat")]),
        (None, Some(110.0), vec![("lat", "lat is required with lon")]),
        (
            Some(91.0),
            Some(181.0),
            vec![
                ("lat", "lat is from -90 to 90"),
                ("lon", "lon is from -180 to 180"),
            ],
        ),
        (
            Some(27.0),
            Some(f64::NAN),
            vec![("lon", "lon is from -180 to 180")],
        ),
    ];
    for (lat, lon, expected) in cases {
        let errors = point(lat, lon).expect_err("refused");
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.en.as_ref()))
            .collect();
        assert_eq!(got, expected, "{lat:?} {lon:?}");
    }
    assert_eq!(
        point(Some(27.1), Some(110.55)),
        Ok(GeoPoint::new(27.1, 110.55))
    );
}

#[test]
fn a_move_checks_what_was_sent_and_keeps_the_stored_rest() {
    let stored = GeoPoint::new(27.0, 110.0);
    let cases = [
        (None, None, GeoPoint::new(27.0, 110.0)),
        (Some(28.0), None, GeoPoint::new(28.0, 110.0)),
        (None, Some(111.0), GeoPoint::new(27.0, 111.0)),
        (Some(-1.0), Some(-2.0), GeoPoint::new(-1.0, -2.0)),
    ];
    for (lat, lon, moved) in cases {
        let change = PointChange::parse(lat, lon).expect("in range");
        assert_eq!(change.applied_to(stored), moved, "{lat:?} {lon:?}");
    }
    let errors = PointChange::parse(Some(91.0), Some(-181.0)).expect_err("out of range");
    assert_eq!(fields(&errors), ["lat", "lon"]);
    let errors = PointChange::parse(None, Some(200.0)).expect_err("out of range");
    assert_eq!(fields(&errors), ["lon"]);
}

#[test]
fn a_radius_is_more_than_nothing_and_at_most_200_km_exactly() {
    let ok = [
        ("2.3", "2.3", 2_300),
        (" 8 ", "8", 8_000),
        ("0.0015", "0.0015", 1),
        ("1e2", "1e2", 100_000),
        ("200", "200", 200_000),
        ("200.000", "200.000", 200_000),
        ("123.456789012345678901", "123.456789012345678901", 123_456),
    ];
    for (text, kept, metres) in ok {
        let radius = Radius::parse(text).expect(text);
        assert_eq!((radius.as_str(), radius.metres()), (kept, metres), "{text}");
    }
    for text in [
        "",
        "0",
        "0.0001",
        "-3",
        "+3",
        "200.0001",
        "200.0000000000000001",
        "201",
        "abc",
        "0e2147483647",
    ] {
        assert!(Radius::parse(text).is_err(), "{text:?}");
    }
}

#[test]
fn a_capacity_is_1_to_50() {
    for (n, ok) in [
        (0, false),
        (1, true),
        (50, true),
        (51, false),
        (-1, false),
        (i64::MAX, false),
    ] {
        assert_eq!(
            Capacity::try_from(n).map(Capacity::get).ok(),
            ok.then_some(n as i32),
            "{n}"
        );
    }
}

#[test]
fn an_offer_ends_at_an_rfc_3339_time_after_now() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .expect("valid")
        .timestamp_millis();
    let cases = [
        ("2026-12-01T00:00:00.001Z", Ok(now + 1)),
        (" 2026-12-02T08:00:00+08:00 ", Ok(now + 86_400_000)),
        (
            "2026-12-01T00:00:00Z",
            Err("available_until is in the future"),
        ),
        (
            "2001-01-01T00:00:00Z",
            Err("available_until is in the future"),
        ),
        ("2026-12-02", Err("available_until is an RFC 3339 time")),
        ("tomorrow", Err("available_until is an RFC 3339 time")),
    ];
    for (text, expected) in cases {
        let got = AvailableUntil::parse(text, now)
            .map(AvailableUntil::millis)
            .map_err(|m| m.en.into_owned());
        assert_eq!(got, expected.map_err(str::to_owned), "{text}");
    }
}
