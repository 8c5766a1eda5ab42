//! The SQLite connection as a [`Db`].

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::ErrorCode;

use crate::db::{Db, DbError, DbResult, Row, Value};

/// One SQLite connection.
pub(crate) struct SqliteDb(pub(crate) rusqlite::Connection);

/// A `rusqlite` error as the store's.
pub(crate) fn sqlite_err(e: rusqlite::Error) -> DbError {
    match e {
        rusqlite::Error::QueryReturnedNoRows => DbError::NoRows,
        rusqlite::Error::SqliteFailure(f, m) if f.code == ErrorCode::ConstraintViolation => {
            DbError::Constraint(m.unwrap_or_else(|| f.to_string()))
        }
        e => DbError::Other(format!("sqlite: {e}")),
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Db for SqliteDb {
    fn run(&self, sql: &str, params: Vec<Value>) -> DbResult<usize> {
        let mut st = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        st.execute(rusqlite::params_from_iter(params.iter()))
            .map_err(sqlite_err)
    }

    fn fetch(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let mut st = self.0.prepare_cached(sql).map_err(sqlite_err)?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(sqlite_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sqlite_err)? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(match r.get_ref(i).map_err(sqlite_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Integer(n),
                    ValueRef::Real(x) => Value::Real(x),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row::new(values));
        }
        Ok(out)
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        self.0.execute_batch(sql).map_err(sqlite_err)
    }
}
