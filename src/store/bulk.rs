//! Writing many rows of one table at once, inside the caller's transaction.
//!
//! PostgreSQL gets one statement per table whatever the row count: each
//! column travels as one array parameter and `unnest` turns the arrays back
//! into rows, so the server parses and plans once and the 65,535-parameter
//! limit never applies. SQLite gets multi-row `VALUES` lists as long as its
//! variable limit allows; equal chunks share one cached prepared statement.

use sea_orm::sea_query::{ArrayType, Value};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// SQLite's default limit on the variables of one statement (since 3.32).
const SQLITE_MAX_VARIABLES: usize = 32_766;

enum Values {
    /// One value per row, with the PostgreSQL array type it travels as.
    PerRow {
        pg_type: &'static str,
        array: ArrayType,
        values: Vec<Value>,
    },
    /// The same value in every row (possibly NULL, which arrays cannot carry).
    Same(Value),
}

/// The rows of one table, given column by column.
pub struct Rows {
    table: &'static str,
    len: usize,
    columns: Vec<(&'static str, Values)>,
}

impl Rows {
    /// `len` rows for `table`; every per-row column must have that many values.
    pub fn new(table: &'static str, len: usize) -> Self {
        Self {
            table,
            len,
            columns: Vec::new(),
        }
    }

    fn per_row(
        mut self,
        name: &'static str,
        pg_type: &'static str,
        array: ArrayType,
        values: Vec<Value>,
    ) -> Self {
        self.columns.push((
            name,
            Values::PerRow {
                pg_type,
                array,
                values,
            },
        ));
        self
    }

    /// A uuid column.
    pub fn uuids(self, name: &'static str, values: Vec<Uuid>) -> Self {
        let values = values.into_iter().map(Value::from).collect();
        self.per_row(name, "uuid", ArrayType::Uuid, values)
    }

    /// A bigint column.
    pub fn big_ints(self, name: &'static str, values: Vec<i64>) -> Self {
        let values = values.into_iter().map(Value::from).collect();
        self.per_row(name, "int8", ArrayType::BigInt, values)
    }

    /// A text (or varchar) column.
    pub fn texts(self, name: &'static str, values: Vec<String>) -> Self {
        let values = values.into_iter().map(Value::from).collect();
        self.per_row(name, "text", ArrayType::String, values)
    }

    /// A column holding `value` in every row.
    pub fn same(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.columns.push((name, Values::Same(value.into())));
        self
    }

    /// Inserts the rows; returns how many were inserted.
    pub async fn insert(self, db: &impl ConnectionTrait) -> Result<u64, DbErr> {
        for (name, values) in &self.columns {
            if let Values::PerRow { values, .. } = values
                && values.len() != self.len
            {
                return Err(DbErr::Custom(format!(
                    "bulk insert into {}: column {name} has {} values for {} rows",
                    self.table,
                    values.len(),
                    self.len
                )));
            }
        }
        if self.len == 0 || self.columns.is_empty() {
            return Ok(0);
        }
        let (table, started) = (self.table, std::time::Instant::now());
        let inserted = match db.get_database_backend() {
            DbBackend::Postgres => {
                let statement = self.unnest_statement();
                db.execute_raw(statement).await?.rows_affected()
            }
            backend => {
                let mut inserted = 0;
                for statement in self.values_statements(backend) {
                    inserted += db.execute_raw(statement).await?.rows_affected();
                }
                inserted
            }
        };
        tracing::debug!(
            table,
            rows = inserted,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "bulk insert"
        );
        Ok(inserted)
    }

    fn head(&self) -> String {
        let names: Vec<String> = self.columns.iter().map(|(n, _)| quoted(n)).collect();
        format!("INSERT INTO {} ({})", quoted(self.table), names.join(", "))
    }

    /// `INSERT … SELECT u.a, u.b, $3 FROM unnest($1::uuid[], $2::text[]) AS u(a, b)`.
    fn unnest_statement(self) -> Statement {
        let head = self.head();
        let (mut select, mut arrays, mut aliases, mut params) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (name, values) in self.columns {
            let n = params.len() + 1;
            match values {
                Values::PerRow {
                    pg_type,
                    array,
                    values,
                } => {
                    select.push(format!("u.{}", quoted(name)));
                    arrays.push(format!("${n}::{pg_type}[]"));
                    aliases.push(quoted(name));
                    params.push(Value::Array(array, Some(Box::new(values))));
                }
                Values::Same(value) => {
                    select.push(format!("${n}"));
                    params.push(value);
                }
            }
        }
        let sql = format!(
            "{head} SELECT {} FROM unnest({}) AS u({})",
            select.join(", "),
            arrays.join(", "),
            aliases.join(", ")
        );
        Statement::from_sql_and_values(DbBackend::Postgres, sql, params)
    }

    /// `INSERT … VALUES (?, ?), (?, ?), …` in chunks under the variable limit.
    fn values_statements(self, backend: DbBackend) -> Vec<Statement> {
        let head = self.head();
        let width = self.columns.len();
        let per_chunk = (SQLITE_MAX_VARIABLES / width).max(1);
        let row = format!("({})", vec!["?"; width].join(", "));
        let mut columns: Vec<ColumnValues> = self
            .columns
            .into_iter()
            .map(|(_, values)| match values {
                Values::PerRow { values, .. } => ColumnValues::Each(values.into_iter()),
                Values::Same(value) => ColumnValues::Same(value),
            })
            .collect();
        let mut statements = Vec::new();
        let mut left = self.len;
        while left > 0 {
            let rows = left.min(per_chunk);
            let mut params = Vec::with_capacity(rows * width);
            for _ in 0..rows {
                params.extend(columns.iter_mut().map(ColumnValues::next));
            }
            let sql = format!("{head} VALUES {}", vec![row.as_str(); rows].join(", "));
            statements.push(Statement::from_sql_and_values(backend, sql, params));
            left -= rows;
        }
        statements
    }
}

enum ColumnValues {
    Each(std::vec::IntoIter<Value>),
    Same(Value),
}

impl ColumnValues {
    fn next(&mut self) -> Value {
        match self {
            // Lengths were checked before: `Each` never runs dry here.
            Self::Each(values) => values.next().unwrap_or(Value::Bool(None)),
            Self::Same(value) => value.clone(),
        }
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}
