//! Parsing a request's fields into domain values, all at once: a request
//! with three bad fields hears of all three, and code after the parse holds
//! only values that passed.
//!
//! ```
//! use huzhu::domain::fields::AllFields;
//! use huzhu::i18n::Text;
//!
//! let parsed = (
//!     ("title", Ok::<_, Text>("修缮屋顶")),
//!     ("urgency", Err::<u8, _>(Text::fixed("紧急程度为 1 到 3", "urgency is 1 to 3"))),
//! )
//!     .all();
//! assert_eq!(parsed.unwrap_err()[0].field, "urgency");
//! ```

use super::FieldError;
use crate::i18n::Text;

/// One field's parse, named (`("title", NeedTitle::parse(t))`), or a parse
/// that names its own fields (a point reports `lat` or `lon`).
pub trait FieldParse {
    type Value;

    fn parsed(self) -> Result<Self::Value, Vec<FieldError>>;
}

impl<T> FieldParse for (&str, Result<T, Text>) {
    type Value = T;

    fn parsed(self) -> Result<T, Vec<FieldError>> {
        self.1
            .map_err(|message| vec![FieldError::new(self.0, message)])
    }
}

impl<T> FieldParse for Result<T, Vec<FieldError>> {
    type Value = T;

    fn parsed(self) -> Self {
        self
    }
}

/// Parses of several fields, as every value or every error.
pub trait AllFields {
    /// The fields' values, in order.
    type Values;

    /// Every value when each field parsed, or each field's error.
    fn all(self) -> Result<Self::Values, Vec<FieldError>>;
}

macro_rules! all_fields {
    ($($value:ident: $ty:ident),+) => {
        impl<$($ty: FieldParse),+> AllFields for ($($ty,)+) {
            type Values = ($($ty::Value,)+);

            fn all(self) -> Result<Self::Values, Vec<FieldError>> {
                let mut errors = Vec::new();
                let ($($value,)+) = self;
                $(
                    let $value = match $value.parsed() {
                        Ok(v) => Some(v),
                        Err(found) => {
                            errors.extend(found);
                            None
                        }
                    };
                )+
                match ($($value,)+) {
                    ($(Some($value),)+) => Ok(($($value,)+)),
                    _ => Err(errors),
                }
            }
        }
    };
}

all_fields!(a: A);
all_fields!(a: A, b: B);
all_fields!(a: A, b: B, c: C);
all_fields!(a: A, b: B, c: C, d: D);
all_fields!(a: A, b: B, c: C, d: D, e: E);
all_fields!(a: A, b: B, c: C, d: D, e: E, f: F);
all_fields!(a: A, b: B, c: C, d: D, e: E, f: F, g: G);
all_fields!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H);
all_fields!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I);
all_fields!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J);

/// Both values of two parses that each name their own fields (a list whose
/// entries are named one by one, a pair whose halves depend on each other),
/// or the errors of both, the first's first: the same all-at-once answer for
/// parses that [`AllFields`] cannot hold, since they fail on several fields.
pub fn both<A, B>(
    a: Result<A, Vec<FieldError>>,
    b: Result<B, Vec<FieldError>>,
) -> Result<(A, B), Vec<FieldError>> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(a.err().into_iter().chain(b.err()).flatten().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(en: &'static str) -> Text {
        Text::fixed("无效", en)
    }

    #[test]
    fn every_value_comes_back_in_order_when_every_field_parses() {
        let values = (("a", Ok::<_, Text>(1)), ("b", Ok::<_, Text>("two"))).all();
        assert_eq!(values, Ok((1, "two")));
    }

    #[test]
    fn a_parse_that_names_its_own_fields_joins_the_others() {
        let two = Err::<(), _>(vec![
            FieldError::new("lat", bad("lat")),
            FieldError::new("lon", bad("lon")),
        ]);
        let errors = (("a", Err::<i32, _>(bad("a is bad"))), two)
            .all()
            .expect_err("three bad fields");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["a", "lat", "lon"]);
    }

    #[test]
    fn every_bad_field_is_reported_not_just_the_first() {
        let errors = (
            ("a", Err::<i32, _>(bad("a is bad"))),
            ("b", Ok::<_, Text>(2)),
            ("c", Err::<i32, _>(bad("c is bad"))),
        )
            .all()
            .expect_err("two bad fields");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["a", "c"]);
    }

    #[test]
    fn both_reports_the_errors_of_either_side_in_order() {
        let named = |r: Result<((), ()), Vec<FieldError>>| -> Vec<String> {
            r.expect_err("errors")
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        let err = |f: &str| Err::<(), _>(vec![FieldError::new(f, bad("bad"))]);
        assert_eq!(
            both(Ok::<_, Vec<FieldError>>(1), Ok::<_, Vec<FieldError>>(2)),
            Ok((1, 2))
        );
        assert_eq!(named(both(err("a"), err("b"))), ["a", "b"]);
        assert_eq!(named(both(Ok(()), err("b"))), ["b"]);
        assert_eq!(named(both(err("a"), Ok(()))), ["a"]);
    }
}
