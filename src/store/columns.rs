//! The domain's closed sets of words as sea-orm columns: stored as the text
//! they have always been (no migration), read back through `FromStr`. This
//! is what `#[derive(DeriveValueType)]` with `value_type = "String"` would
//! write, by hand, because the domain imports nothing of sea-orm.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::OutboxStatus;
use crate::domain::escalation::EscalationLevel;
use crate::domain::{
    AuditAction, Category, LinkPurpose, MatchEventKind, MatchOrigin, MatchStatus, NeedStatus,
    OfferStatus, RegionLevel, Role,
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
text_column!(MatchEventKind);
text_column!(Role);
text_column!(Category);
text_column!(Locale);
text_column!(RegionLevel);
text_column!(LinkPurpose);
text_column!(AuditAction);
text_column!(OutboxStatus);
text_column!(EscalationLevel);

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

    use super::*;

    /// Binds `value` and reads it back as a `T`.
    async fn read<T: TryGetable>(db: &DatabaseConnection, value: Value) -> Result<T, DbErr> {
        let select = Statement::from_sql_and_values(DbBackend::Sqlite, "SELECT ? AS word", [value]);
        let row = db.query_one_raw(select).await?.expect("one row");
        row.try_get("", "word")
    }

    /// Each of `words` is bound as its `Display` text and reads back as itself.
    async fn round_trip<T>(db: &DatabaseConnection, words: impl IntoIterator<Item = T>)
    where
        T: TryGetable + Into<Value> + ToString + Copy + PartialEq + Debug,
    {
        for word in words {
            assert_eq!(word.into(), Value::from(word.to_string()));
            assert_eq!(read::<T>(db, word.into()).await, Ok(word));
        }
    }

    #[tokio::test]
    async fn every_word_of_every_column_reads_back_as_itself() {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        round_trip(&db, NeedStatus::ALL).await;
        round_trip(&db, OfferStatus::ALL).await;
        round_trip(&db, MatchStatus::ALL).await;
        round_trip(&db, MatchOrigin::ALL).await;
        round_trip(&db, MatchEventKind::ALL).await;
        round_trip(&db, Role::ALL).await;
        round_trip(&db, Category::ALL).await;
        round_trip(&db, [Locale::ZhCn, Locale::En]).await;
        round_trip(&db, RegionLevel::ALL).await;
        round_trip(&db, LinkPurpose::ALL).await;
        round_trip(&db, AuditAction::ALL).await;
        round_trip(&db, OutboxStatus::ALL).await;
    }

    #[tokio::test]
    async fn a_stored_word_that_does_not_parse_is_a_type_error() {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        match read::<NeedStatus>(&db, Value::from("Open")).await {
            Err(DbErr::Type(message)) => assert!(message.contains("\"Open\""), "{message}"),
            other => panic!("{other:?}"),
        }
        let null = read::<Option<MatchStatus>>(&db, Value::String(None)).await;
        assert_eq!(null, Ok(None));
    }

    #[test]
    fn a_value_reads_back_through_value_type() {
        assert!(matches!(
            <NeedStatus as ValueType>::try_from(Value::from("fulfilled")),
            Ok(NeedStatus::Fulfilled)
        ));
        assert!(<NeedStatus as ValueType>::try_from(Value::from("done")).is_err());
    }
}
