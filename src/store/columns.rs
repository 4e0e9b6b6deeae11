//! The domain's closed sets of words as sea-orm columns: stored as the text
//! they have always been (no migration), read back through `FromStr`. This
//! is what `#[derive(DeriveValueType)]` with `value_type = "String"` would
//! write, by hand, because the domain imports nothing of sea-orm.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

use super::outbox::OutboxStatus;
use crate::domain::{
    AuditAction, Category, LinkPurpose, MatchOrigin, MatchStatus, NeedStatus, OfferStatus,
    RegionLevel, Role,
};
use crate::i18n::Locale;

/// Makes `$t` (`Display` writes it, `FromStr` reads it) a text column
/// and a value `.eq(…)` and `Set(…)` take.
macro_rules! text_column {
    ($t:ty) => {
        impl From<$t> for Value {
            fn from(value: $t) -> Self {
                Value::String(Some(value.to_string()))
            }
        }

        impl TryGetable for $t {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, index)?;
                // A row that does not parse is an error of that query, not
                // a panic: whatever wrote it, the reader stays up.
                text.parse().map_err(|e| {
                    TryGetError::DbErr(DbErr::Type(format!("stored {}: {e}", stringify!($t))))
                })
            }
        }

        impl ValueType for $t {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                <String as ValueType>::try_from(value)?
                    .parse()
                    .map_err(|_| ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($t).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $t {
            fn null() -> Value {
                Value::String(None)
            }
        }
    };
}

text_column!(NeedStatus);
text_column!(OfferStatus);
text_column!(MatchStatus);
text_column!(MatchOrigin);
text_column!(Role);
text_column!(Locale);
text_column!(RegionLevel);
text_column!(LinkPurpose);
text_column!(AuditAction);
text_column!(OutboxStatus);
text_column!(Category);

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    async fn read<T: TryGetable>(text: &str) -> Result<T, DbErr> {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        let select = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT ? AS word",
            [Value::from(text)],
        );
        let row = db.query_one_raw(select).await?.expect("one row");
        row.try_get("", "word")
    }

    #[tokio::test]
    async fn a_stored_word_reads_back_and_a_stranger_is_a_type_error() {
        assert_eq!(read::<NeedStatus>("open").await, Ok(NeedStatus::Open));
        assert_eq!(read::<Category>("care").await, Ok(Category::Care));
        match read::<NeedStatus>("Open").await {
            Err(DbErr::Type(message)) => assert!(message.contains("\"Open\""), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_word_is_bound_as_its_text() {
        assert_eq!(
            Value::from(NeedStatus::Matched),
            Value::from("matched".to_owned())
        );
        assert!(matches!(
            <NeedStatus as ValueType>::try_from(Value::from("fulfilled")),
            Ok(NeedStatus::Fulfilled)
        ));
    }
}
