//! Non-negative decimal numbers exactly as people write them (`"2.3"`,
//! `"0.0015"`, `"1e2"`), read the way Python's `Decimal` reads them.
//!
//! The text comes from requests and files, so its size is bounded before any
//! work is done: a short text such as `"0e2147483647"` must not make the
//! reader loop over its exponent.

use std::fmt;

/// The longest text read, after trimming. No radius needs more; anything
/// longer is refused before it is looked at.
pub const MAX_TEXT_LEN: usize = 64;

/// The largest written exponent, either sign. With [`MAX_TEXT_LEN`] it keeps
/// every value's power of ten within ±128, so each step below is short.
pub const MAX_EXPONENT: u32 = 64;

/// Why a text is not a decimal number this reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("not a non-negative decimal number")]
    Malformed,
    #[error("longer than {MAX_TEXT_LEN} characters")]
    TooLong,
    #[error("exponent beyond ±{MAX_EXPONENT}")]
    ExponentOutOfRange,
}

/// `digits × 10^exponent`, exactly, without leading or trailing zeros in
/// `digits` (empty for zero), so equal values have equal representations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    digits: Vec<u8>,
    exponent: i32,
}

impl Decimal {
    /// Reads an optional `+`, digits with at most one point (at least one
    /// digit in all) and an optional exponent (`e`/`E`, optionally signed).
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let s = text.trim();
        if s.len() > MAX_TEXT_LEN {
            return Err(DecimalError::TooLong);
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let (mantissa, written_exp) = match s.find(['e', 'E']) {
            Some(i) => {
                let exp: i32 = s[i + 1..].parse().map_err(|_| DecimalError::Malformed)?;
                if exp.unsigned_abs() > MAX_EXPONENT {
                    return Err(DecimalError::ExponentOutOfRange);
                }
                (&s[..i], exp)
            }
            None => (s, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
            return Err(DecimalError::Malformed);
        }
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        // Both lengths are at most MAX_TEXT_LEN, so none of this overflows.
        let mut exponent = written_exp - frac.len() as i32;
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        if digits.is_empty() {
            exponent = 0;
        }
        Ok(Self { digits, exponent })
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// `floor(self × 10^scale)` and whether nothing was cut off, or `None`
    /// when the result does not fit an `i64`.
    pub fn floor_scaled(&self, scale: i32) -> Option<(i64, bool)> {
        let shift = i64::from(self.exponent) + i64::from(scale);
        let len = self.digits.len() as i64;
        // 10^19 already overflows; decide that before multiplying.
        if len + shift > 19 {
            return None;
        }
        let keep = (len + shift.min(0)).max(0) as usize;
        let mut value: i64 = 0;
        for &d in &self.digits[..keep] {
            value = value.checked_mul(10)?.checked_add(i64::from(d))?;
        }
        for _ in 0..shift.max(0) {
            value = value.checked_mul(10)?;
        }
        Some((value, keep == self.digits.len()))
    }
}

/// The plain form, which is also a JSON number: no exponent, no sign, no
/// needless zeros (`"2.3"`, `"100"`, `"0.0015"`, `"0"`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digit = |d: &u8| char::from(b'0' + d);
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        let point = self.digits.len() as i64 + i64::from(self.exponent);
        if point <= 0 {
            f.write_str("0.")?;
            for _ in 0..-point {
                f.write_str("0")?;
            }
            return self
                .digits
                .iter()
                .try_for_each(|d| write!(f, "{}", digit(d)));
        }
        for (i, d) in self.digits.iter().enumerate() {
            if i as i64 == point {
                f.write_str(".")?;
            }
            write!(f, "{}", digit(d))?;
        }
        for _ in self.digits.len() as i64..point {
            f.write_str("0")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn texts_read_to_their_plain_form() {
        let cases = [
            ("2.3", "2.3"),
            ("2.30", "2.3"),
            ("002.3", "2.3"),
            ("1e2", "100"),
            ("2.5E-1", "0.25"),
            ("+0.0015", "0.0015"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0.000", "0"),
            ("123.456789012345678901", "123.456789012345678901"),
            (" 10 ", "10"),
        ];
        for (text, plain) in cases {
            let d = Decimal::parse(text).expect(text);
            assert_eq!(d.to_string(), plain, "{text}");
        }
    }

    #[test]
    fn malformed_long_and_far_fetched_texts_are_refused() {
        let cases = [
            ("", DecimalError::Malformed),
            (".", DecimalError::Malformed),
            ("-1", DecimalError::Malformed),
            ("1e", DecimalError::Malformed),
            ("1.2.3", DecimalError::Malformed),
            ("nan", DecimalError::Malformed),
            ("0e2147483647", DecimalError::ExponentOutOfRange),
            ("1e-2147483648", DecimalError::ExponentOutOfRange),
            ("1e99999999999", DecimalError::Malformed),
            ("1e65", DecimalError::ExponentOutOfRange),
            (&"1".repeat(MAX_TEXT_LEN + 1), DecimalError::TooLong),
        ];
        for (text, error) in cases {
            assert_eq!(Decimal::parse(text), Err(error), "{text}");
        }
    }

    #[test]
    fn scaling_floors_and_says_whether_it_was_exact() {
        let cases = [
            ("2.5", 3, Some((2500, true))),
            ("0.0015", 3, Some((1, false))),
            ("200.0000000000000000001", 3, Some((200_000, false))),
            ("1e64", 3, None),
            ("9223372036854775807", 0, Some((i64::MAX, true))),
            ("9223372036854775808", 0, None),
            ("1e-64", 3, Some((0, false))),
            ("0", 3, Some((0, true))),
        ];
        for (text, scale, want) in cases {
            let d = Decimal::parse(text).expect(text);
            assert_eq!(d.floor_scaled(scale), want, "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_exponent_is_bounded_before_the_value_is_built(
            mantissa in "[0-9]{0,30}(\\.[0-9]{0,30})?",
            exp in any::<i64>(),
        ) {
            for text in [format!("{mantissa}e{exp}"), format!("{mantissa}E+{exp}")] {
                match Decimal::parse(&text) {
                    Ok(d) => {
                        prop_assert!(exp.unsigned_abs() <= u64::from(MAX_EXPONENT), "{text}");
                        // Everything built from it stays small.
                        let _ = d.floor_scaled(3);
                        prop_assert!(d.to_string().len() <= 2 * MAX_TEXT_LEN + MAX_EXPONENT as usize + 2);
                    }
                    Err(_) => prop_assert!(
                        exp.unsigned_abs() > u64::from(MAX_EXPONENT)
                            || mantissa.is_empty() || mantissa == "."
                            || text.len() > MAX_TEXT_LEN || text.contains("+-"),
                        "{text}"
                    ),
                }
            }
        }

        #[test]
        fn a_plain_form_within_bounds_reads_back_to_the_same_value(
            int in "[0-9]{1,10}", frac in "[0-9]{0,10}", exp in -20i32..20,
        ) {
            let d = Decimal::parse(&format!("{int}.{frac}e{exp}")).expect("well formed");
            let plain = d.to_string();
            if plain.len() <= MAX_TEXT_LEN {
                prop_assert_eq!(Decimal::parse(&plain), Ok(d));
            }
        }
    }
}
