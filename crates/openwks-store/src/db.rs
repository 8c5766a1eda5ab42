//! The SQL layer under both backends.
//!
//! Every use case of the store is written once, as SQL over a [`Connection`] (a `dyn Db`):
//! the embedded SQLite connection and a PostgreSQL connection both implement [`Db`]. The
//! surface is the small part of `rusqlite` the store uses (`prepare_cached`, `query_row`,
//! `query_map`, `execute`, `optional()`, `params!`), so the queries read as before; values
//! cross it as [`Value`]s, rows come back fully read.
//!
//! The SQL is written in the portable subset both engines speak (`?N` parameters, `ON
//! CONFLICT`, `COALESCE`, `EXISTS`); the PostgreSQL side rewrites the parameter marks to `$N`
//! and `LIKE` to `ILIKE` (SQLite's `LIKE` ignores ASCII case), see [`translate`]. Where the
//! engines differ in what the schema can express (a `rowid`, `instr`), the PostgreSQL schema
//! provides the same name.

use openwks_core::Error;

/// What a query can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// `query_row` found no row.
    NoRows,
    /// A unique, primary-key or check constraint refused the write.
    Constraint(String),
    /// The database cannot be reached (connection lost, server down, pool exhausted).
    Unavailable(String),
    /// A value could not be converted to the type asked for.
    Conversion(String),
    /// Anything else.
    Other(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::NoRows => f.write_str("query returned no rows"),
            DbError::Constraint(m) => write!(f, "constraint: {m}"),
            DbError::Unavailable(m) => write!(f, "database unavailable: {m}"),
            DbError::Conversion(m) => write!(f, "conversion: {m}"),
            DbError::Other(m) => f.write_str(m),
        }
    }
}

/// A query's result.
pub type DbResult<T> = std::result::Result<T, DbError>;

/// A database error as the store's error: an unreachable database is `Unavailable` (503 with
/// `Retry-After`), the rest internal (logged, never shown).
impl std::error::Error for DbError {}

pub(crate) fn db_err(e: DbError) -> Error {
    match e {
        DbError::Unavailable(m) => Error::unavailable(format!(
            "the database is unavailable, try again shortly ({m})"
        )),
        e => Error::internal_from("database", e),
    }
}

/// A value bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// Any integer (and booleans, as 0/1).
    Integer(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// What can be bound to a parameter.
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(*self as i64)
            }
        }
    )*};
}
int_to_value!(i64, i32, i16, u32, u16, u8, usize, u64);

/// What a column can be read as.
pub trait FromValue: Sized {
    /// Convert the column's value.
    fn from_value(v: &Value) -> DbResult<Self>;
}

fn mismatch(v: &Value, want: &str) -> DbError {
    DbError::Conversion(format!("cannot read {v:?} as {want}"))
}

impl FromValue for Value {
    fn from_value(v: &Value) -> DbResult<Self> {
        Ok(v.clone())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> DbResult<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> DbResult<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            Value::Integer(n) => Ok(n.to_string()),
            v => Err(mismatch(v, "text")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> DbResult<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            v => Err(mismatch(v, "bytes")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> DbResult<Self> {
        match v {
            Value::Real(x) => Ok(*x),
            Value::Integer(n) => Ok(*n as f64),
            v => Err(mismatch(v, "a float")),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> DbResult<Self> {
        match v {
            Value::Integer(n) => Ok(*n != 0),
            v => Err(mismatch(v, "a boolean")),
        }
    }
}
macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> DbResult<Self> {
                match v {
                    Value::Integer(n) => <$t>::try_from(*n)
                        .map_err(|_| DbError::Conversion(format!("{n} out of range for {}", stringify!($t)))),
                    Value::Real(x) if x.fract() == 0.0 => Ok(*x as $t),
                    v => Err(mismatch(v, stringify!($t))),
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, u32, u16, u64, usize);

/// A row, read in full.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<Value>,
}

/// A column index (by position).
pub trait RowIndex {
    /// The position.
    fn index(&self) -> usize;
}
impl RowIndex for usize {
    fn index(&self) -> usize {
        *self
    }
}

impl Row {
    /// A row of `values`.
    pub fn new(values: Vec<Value>) -> Self {
        Self { values }
    }

    /// Column `i` as `T`.
    pub fn get<I: RowIndex, T: FromValue>(&self, i: I) -> DbResult<T> {
        let i = i.index();
        let v = self
            .values
            .get(i)
            .ok_or_else(|| DbError::Conversion(format!("no column {i}")))?;
        T::from_value(v)
    }
}

/// Parameters of a statement: arrays of values, `params![...]`, [`params_from_iter`].
pub trait Params {
    /// The values, in order.
    fn into_values(self) -> Vec<Value>;
}

impl Params for [&dyn ToValue; 0] {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}
macro_rules! array_params {
    ($($n:literal),*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn into_values(self) -> Vec<Value> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )*};
}
array_params!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

impl Params for &[&dyn ToValue] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}

/// The values of an iterator as parameters.
pub fn params_from_iter<I>(it: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: ToValue,
{
    it.into_iter().map(|v| v.to_value()).collect()
}

/// `params![a, b, c]`: parameters of mixed types.
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        &[$(&$p as &dyn $crate::db::ToValue),*] as &[&dyn $crate::db::ToValue]
    };
}
pub(crate) use params;

/// A connection (or the transaction on it) of either engine.
pub trait Db {
    /// Run a statement; the number of rows it changed.
    fn run(&self, sql: &str, params: Vec<Value>) -> DbResult<usize>;
    /// Run a query; every row.
    fn fetch(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>>;
    /// Run statements without parameters.
    fn batch(&self, sql: &str) -> DbResult<()>;
    /// Run independent queries; every row of each, in order (an engine may send them
    /// together).
    fn fetch_all(&self, queries: Vec<(String, Vec<Value>)>) -> DbResult<Vec<Vec<Row>>> {
        queries
            .into_iter()
            .map(|(sql, params)| self.fetch(&sql, params))
            .collect()
    }
    /// Run a write whose answer nobody needs now: an engine may send it with the next
    /// round trip; its error then surfaces there (at the latest when the write ends).
    fn run_later(&self, sql: &str, params: Vec<Value>) -> DbResult<()> {
        self.run(sql, params).map(|_| ())
    }
    /// Start one write of a batch (a savepoint, so that it can fail alone).
    fn start_job(&self) -> DbResult<()> {
        self.batch("SAVEPOINT job")
    }
    /// End one write of a batch: keep it (`ok`) or roll back to its savepoint.
    fn end_job(&self, ok: bool) -> DbResult<()> {
        self.batch(if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        })
    }
}

/// What the store's SQL functions take.
pub type Connection = dyn Db;

/// A statement to run (prepared and cached by the engine on first use).
pub struct Statement<'a> {
    db: &'a dyn Db,
    sql: String,
}

impl dyn Db {
    /// A statement (the engine caches the prepared form).
    pub fn prepare_cached(&self, sql: &str) -> DbResult<Statement<'_>> {
        Ok(Statement {
            db: self,
            sql: sql.to_string(),
        })
    }

    /// Same as [`Self::prepare_cached`].
    pub fn prepare(&self, sql: &str) -> DbResult<Statement<'_>> {
        self.prepare_cached(sql)
    }

    /// Run a statement.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> DbResult<usize> {
        self.run(sql, params.into_values())
    }

    /// Run a write whose changed-row count is not needed (see [`Db::run_later`]).
    pub fn execute_later<P: Params>(&self, sql: &str, params: P) -> DbResult<()> {
        self.run_later(sql, params.into_values())
    }

    /// Run statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> DbResult<()> {
        self.batch(sql)
    }

    /// The first row, mapped (`DbError::NoRows` when there is none).
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> DbResult<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> DbResult<T> {
        let rows = self.fetch(sql, params.into_values())?;
        rows.first().map_or(Err(DbError::NoRows), f)
    }
}

impl Statement<'_> {
    /// Run it.
    pub fn execute<P: Params>(&mut self, params: P) -> DbResult<usize> {
        self.db.run(&self.sql, params.into_values())
    }

    /// The first row, mapped (`DbError::NoRows` when there is none).
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> DbResult<T>>(
        &mut self,
        params: P,
        f: F,
    ) -> DbResult<T> {
        let rows = self.db.fetch(&self.sql, params.into_values())?;
        rows.first().map_or(Err(DbError::NoRows), f)
    }

    /// Every row, mapped.
    pub fn query_map<T, P: Params, F: FnMut(&Row) -> DbResult<T>>(
        &mut self,
        params: P,
        mut f: F,
    ) -> DbResult<std::vec::IntoIter<DbResult<T>>> {
        let rows = self.db.fetch(&self.sql, params.into_values())?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }
}

/// `query_row(...).optional()`: no row is `None`.
pub trait OptionalExtension<T> {
    /// `NoRows` as `Ok(None)`.
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExtension<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// SQLite's SQL as PostgreSQL's: `?N` becomes `$N`, a bare `?` the next number (SQLite's
/// rule: one more than the largest so far), and `LIKE` becomes `ILIKE` (SQLite's `LIKE` is
/// case-insensitive for ASCII). Quoted text and identifiers are left alone.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    let mut largest = 0usize;
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some((_, d)) = chars.peek().copied() {
                    if d.is_ascii_digit() {
                        digits.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let n = if digits.is_empty() {
                    largest + 1
                } else {
                    digits.parse().unwrap_or(largest + 1)
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            'L' | 'l' => {
                let word_start = i == 0
                    || !sql[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|p| p.is_alphanumeric() || p == '_');
                let rest = &sql[i..];
                let is_like = word_start
                    && rest.len() >= 4
                    && rest[..4].eq_ignore_ascii_case("like")
                    && !rest[4..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_alphanumeric() || n == '_');
                if is_like {
                    out.push_str("ILIKE");
                    for _ in 0..3 {
                        chars.next();
                    }
                } else {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translate_numbers_marks_like_sqlite() {
        assert_eq!(
            translate("SELECT a FROM t WHERE x = ?2 AND y = ?1"),
            "SELECT a FROM t WHERE x = $2 AND y = $1"
        );
        assert_eq!(
            translate("SELECT ? , ?, ?5, ?"),
            "SELECT $1 , $2, $5, $6",
            "a bare mark is one more than the largest so far"
        );
        assert_eq!(
            translate("SELECT '?1', \"a?\" FROM t WHERE n LIKE ? ESCAPE '\\'"),
            "SELECT '?1', \"a?\" FROM t WHERE n ILIKE $1 ESCAPE '\\'"
        );
        assert_eq!(
            translate("SELECT likes, unlike FROM t"),
            "SELECT likes, unlike FROM t",
            "only the word LIKE"
        );
    }

    #[test]
    fn values_convert_both_ways_or_say_why() {
        let r = Row::new(vec![
            Value::Integer(7),
            Value::Null,
            Value::Text("x".into()),
            Value::Integer(-1),
        ]);
        assert_eq!(r.get::<_, i64>(0), Ok(7));
        assert_eq!(r.get::<_, bool>(0), Ok(true));
        assert_eq!(r.get::<_, Option<String>>(1), Ok(None));
        assert_eq!(r.get::<_, String>(2), Ok("x".into()));
        assert!(matches!(r.get::<_, u32>(3), Err(DbError::Conversion(_))));
        assert!(matches!(r.get::<_, i64>(2), Err(DbError::Conversion(_))));
        assert!(matches!(r.get::<_, i64>(9), Err(DbError::Conversion(_))));
        assert_eq!(
            params![1i64, "a", None::<String>, true].into_values(),
            vec![
                Value::Integer(1),
                Value::Text("a".into()),
                Value::Null,
                Value::Integer(1)
            ]
        );
    }
}
