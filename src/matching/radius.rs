//! Radii exactly as docs/matching.md (and its Python checker) reads them.

use crate::domain::decimal::Decimal;

/// A radius text that is not a positive decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("radius_km must be a positive decimal number, got {0:?}")]
pub struct RadiusError(pub String);

/// `floor(1000 * radius_km)` computed exactly from the decimal text
/// (`"2.5"` → 2500, `"0.0015"` → 1), so that `h <= radius` in metres is
/// the same test as `h <= 1000 * radius_km` on the exact decimal.
/// Accepts an optional `+`, digits with one optional point and an optional
/// exponent (`"1e2"`), as Python's `Decimal` does, within the bounds of
/// [`Decimal::parse`].
pub fn radius_m_from_decimal(text: &str) -> Result<i64, RadiusError> {
    let err = || RadiusError(text.to_owned());
    let d = Decimal::parse(text).map_err(|_| err())?;
    if d.is_zero() {
        return Err(err());
    }
    d.floor_scaled(3).map(|(m, _)| m).ok_or_else(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_texts_convert_to_whole_metres_exactly() {
        let cases = [
            ("0.001", 1),
            ("30", 30_000),
            ("2.5", 2_500),
            ("200", 200_000),
            ("0.0015", 1),
            ("0.0001", 0),
            ("1e2", 100_000),
            ("2.5E-1", 250),
            ("+3.14159", 3_141),
            (" 5 ", 5_000),
            ("0.3", 300),
        ];
        for (text, want) in cases {
            assert_eq!(radius_m_from_decimal(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn bad_radius_texts_are_rejected() {
        for text in [
            "",
            "0",
            "0.000",
            "-1",
            "abc",
            "1.2.3",
            ".",
            "nan",
            "inf",
            "1e",
            "0e2147483647",
            "1e99",
            "1e19",
        ] {
            assert!(radius_m_from_decimal(text).is_err(), "{text}");
        }
    }
}
