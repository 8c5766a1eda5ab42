//! The PostgreSQL engine under the store: connections as [`Db`], the connection settings,
//! the migrations (applied under an advisory lock, so replicas starting together do not race)
//! and a bounded pool for reads.
//!
//! The synchronous `postgres` client runs on blocking threads only (the writer thread and
//! `spawn_blocking` readers); a client is never dropped on an async worker (its drop blocks).

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use openwks_core::{Error, Result};
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use postgres::NoTls;

use crate::db::{db_err, Db, DbError, DbResult, Dialect, Row, Value};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// `postgres://user@host:port/db` (or the key=value form).
    pub url: String,
    /// Schema for every table (created when missing); `None` uses the server's search path.
    pub schema: Option<String>,
    /// Connections per replica: one writer plus `pool_size - 1` readers.
    pub pool_size: usize,
    /// How long to wait for a connection (to the server, or a free one from the pool).
    pub connect_timeout: Duration,
    /// Longest statement (server-side `statement_timeout`).
    pub statement_timeout: Duration,
}

impl PgConfig {
    /// Defaults for `url`: 16 connections, 5 s to connect, 30 s per statement.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: None,
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// A PostgreSQL error as the store's: constraint violations, an unreachable or restarting
/// server, and the rest.
fn pg_err(e: postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::FOREIGN_KEY_VIOLATION
            || *code == SqlState::CHECK_VIOLATION
            || *code == SqlState::EXCLUSION_VIOLATION
        {
            return DbError::Constraint(db.message().to_string());
        }
        if *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || code.code().starts_with("08")
        {
            return DbError::Unavailable(db.message().to_string());
        }
        return DbError::Other(format!("postgres: {} ({})", db.message(), code.code()));
    }
    if e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>()) {
        return DbError::Unavailable(e.to_string());
    }
    // No server answer at all: a connect or I/O failure.
    DbError::Unavailable(e.to_string())
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                Type::FLOAT4 => (*n as f32).to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                _ => n.to_string().as_str().to_sql(ty, out),
            },
            Value::Real(x) => match *ty {
                Type::FLOAT4 => (*x as f32).to_sql(ty, out),
                Type::FLOAT8 => x.to_sql(ty, out),
                _ => x.to_string().as_str().to_sql(ty, out),
            },
            Value::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
            },
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Any column, read by its type.
struct Any(Value);

/// PostgreSQL's binary `numeric` as an integer (or a float when it has a fraction).
fn numeric(raw: &[u8]) -> std::result::Result<Value, Box<dyn StdError + Sync + Send>> {
    let word = |i: usize| -> std::result::Result<i16, Box<dyn StdError + Sync + Send>> {
        let b = raw.get(i..i + 2).ok_or("short numeric")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign, dscale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let mut x = 0f64;
    for i in 0..ndigits.max(0) as usize {
        let d = f64::from(word(8 + 2 * i)?);
        x += d * 10000f64.powi(i32::from(weight) - i as i32);
    }
    if sign == 0x4000 {
        x = -x;
    }
    if dscale == 0 && x.abs() < 9.0e15 {
        Ok(Value::Integer(x as i64))
    } else {
        Ok(Value::Real(x))
    }
}

impl<'a> FromSql<'a> for Any {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Any(match *ty {
            Type::BOOL => Value::Integer(i64::from(bool::from_sql(ty, raw)?)),
            Type::INT2 => Value::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::OID => Value::Integer(i64::from(u32::from_sql(ty, raw)?)),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::NUMERIC => numeric(raw)?,
            Type::JSONB => Value::Text(String::from_utf8(raw.get(1..).unwrap_or(&[]).to_vec())?),
            // Text-like types (text, varchar, name, json, unknown) travel as UTF-8.
            _ => Value::Text(String::from_utf8(raw.to_vec())?),
        }))
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Any(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// One PostgreSQL connection, with its prepared statements.
pub(crate) struct PgDb {
    client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// The last write of the batch succeeded and its savepoint is still to be released
    /// (with the next write's savepoint, or by the commit: one round trip instead of two).
    release_pending: std::cell::Cell<bool>,
}

impl PgDb {
    /// Begin a write batch and take the write lock: `BEGIN` and the generation bump in one
    /// round trip; the new generation.
    pub(crate) fn begin_batch(&self) -> DbResult<i64> {
        self.release_pending.set(false);
        let msgs = self
            .client
            .borrow_mut()
            .simple_query(
                "BEGIN; UPDATE write_generation SET gen = gen + 1 WHERE id = 1 RETURNING gen",
            )
            .map_err(pg_err)?;
        msgs.iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse().ok()),
                _ => None,
            })
            .ok_or_else(|| DbError::Other("write_generation has no row 1".into()))
    }

    /// Whether the connection is gone (it is then dropped and a new one made).
    pub(crate) fn is_broken(&self) -> bool {
        self.client.borrow().is_closed()
    }

    fn statement(&self, sql: &str) -> DbResult<postgres::Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let st = self
            .client
            .borrow_mut()
            .prepare(&crate::db::translate(sql))
            .map_err(pg_err)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Db for PgDb {
    fn run(&self, sql: &str, params: Vec<Value>) -> DbResult<usize> {
        let st = self.statement(sql)?;
        let n = self
            .client
            .borrow_mut()
            .execute(&st, &refs(&params))
            .map_err(pg_err)?;
        Ok(n as usize)
    }

    fn fetch(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let st = self.statement(sql)?;
        let rows = self
            .client
            .borrow_mut()
            .query(&st, &refs(&params))
            .map_err(pg_err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, Any>(i)
                            .map(|a| a.0)
                            .map_err(|e| DbError::Conversion(e.to_string()))
                    })
                    .collect::<DbResult<Vec<_>>>()
                    .map(Row::new)
            })
            .collect()
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        if sql == "COMMIT" || sql == "ROLLBACK" {
            // Either ends every savepoint of the batch.
            self.release_pending.set(false);
        }
        self.client.borrow_mut().batch_execute(sql).map_err(pg_err)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn start_job(&self) -> DbResult<()> {
        if self.release_pending.replace(false) {
            self.batch("RELEASE job; SAVEPOINT job")
        } else {
            self.batch("SAVEPOINT job")
        }
    }

    fn end_job(&self, ok: bool) -> DbResult<()> {
        if ok {
            self.release_pending.set(true);
            Ok(())
        } else {
            self.batch("ROLLBACK TO job; RELEASE job")
        }
    }
}

/// `"name"`, quoted for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Open a connection (blocking: call on a blocking thread) with the schema on its search path.
pub(crate) fn connect(cfg: &PgConfig) -> DbResult<PgDb> {
    let mut pc = postgres::Config::from_str(&cfg.url).map_err(|e| DbError::Other(e.to_string()))?;
    pc.connect_timeout(cfg.connect_timeout);
    pc.keepalives(true);
    pc.keepalives_idle(Duration::from_secs(10));
    if pc.get_application_name().is_none() {
        pc.application_name("openwks");
    }
    let client = pc.connect(NoTls).map_err(pg_err)?;
    let db = PgDb {
        client: RefCell::new(client),
        statements: RefCell::new(HashMap::new()),
        release_pending: std::cell::Cell::new(false),
    };
    let mut setup = format!(
        "SET statement_timeout = {}; SET lock_timeout = {};",
        cfg.statement_timeout.as_millis(),
        cfg.statement_timeout.as_millis()
    );
    if let Some(s) = &cfg.schema {
        setup.push_str(&format!(" SET search_path TO {};", ident(s)));
    }
    db.batch(&setup)?;
    Ok(db)
}

/// `(version, sql)` in order.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_schema.sql")),
    (2, include_str!("../migrations/postgres/0002_cluster.sql")),
];

/// Key of the advisory lock the migrations hold (`openwks` in ASCII).
const MIGRATION_LOCK: i64 = 0x006f_7065_6e77_6b73;

/// Create the schema if needed and apply every pending migration, holding an advisory lock for
/// the whole transaction so that replicas starting together apply each migration once.
pub(crate) fn migrate(cfg: &PgConfig) -> DbResult<()> {
    let db = connect(cfg)?;
    let c: &dyn Db = &db;
    c.batch("BEGIN")?;
    let r = (|| {
        c.query_row("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK], |_| {
            Ok(())
        })?;
        if let Some(s) = &cfg.schema {
            c.batch(&format!("CREATE SCHEMA IF NOT EXISTS {}", ident(s)))?;
        }
        c.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )?;
        let current: i64 = c.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?;
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > newest {
            return Err(DbError::Other(format!(
                "the database is at schema version {current}, newer than this openwks ({newest})"
            )));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            c.batch(sql)?;
            c.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                crate::db::params![version, openwks_core::time::now_rfc3339()],
            )?;
        }
        Ok(())
    })();
    match r {
        Ok(()) => c.batch("COMMIT"),
        Err(e) => {
            let _ = c.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Connections for reads: at most `size` open, handed out one per read.
pub(crate) struct ReadPool {
    cfg: PgConfig,
    idle: Mutex<Vec<PgDb>>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl ReadPool {
    pub(crate) fn new(cfg: PgConfig, size: usize) -> Self {
        Self {
            cfg,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(size.max(1))),
        }
    }

    /// Run `f` in a read-only snapshot transaction on a pooled connection (on a blocking
    /// thread). No connection free within the connect timeout, or none can be made: 503.
    pub(crate) async fn read<R, F>(self: &Arc<Self>, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&crate::db::Connection) -> Result<R> + Send + 'static,
    {
        self.on_connection(true, f).await
    }

    /// Run `f` on a pooled connection with every statement its own transaction: for one
    /// statement (a generation check, an atomic lease update) it saves two round trips.
    pub(crate) async fn autocommit<R, F>(self: &Arc<Self>, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&crate::db::Connection) -> Result<R> + Send + 'static,
    {
        self.on_connection(false, f).await
    }

    async fn on_connection<R, F>(self: &Arc<Self>, snapshot: bool, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&crate::db::Connection) -> Result<R> + Send + 'static,
    {
        let permit = tokio::time::timeout(
            self.cfg.connect_timeout,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        .map_err(|_| {
            db_err(DbError::Unavailable(
                "no database connection became free in time".into(),
            ))
        })?
        .map_err(|_| Error::internal("the read pool is closed"))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let begin = if snapshot {
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            } else {
                ""
            };
            let pooled = pool.idle.lock().ok().and_then(|mut p| p.pop());
            // A pooled connection may have died since its last use (the server restarted, the
            // network cut it): then one new connection is tried before the read fails.
            let start = |db: &PgDb| if snapshot { db.batch(begin) } else { Ok(()) };
            let db = match pooled.filter(|db| !db.is_broken()) {
                Some(db) if start(&db).is_ok() => db,
                _ => {
                    let db = connect(&pool.cfg).map_err(db_err)?;
                    start(&db).map_err(db_err)?;
                    db
                }
            };
            let c: &dyn Db = &db;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c)))
                .unwrap_or_else(|_| Err(Error::internal("a read panicked")));
            let ended = if snapshot {
                c.batch(if r.is_ok() { "COMMIT" } else { "ROLLBACK" })
            } else if r.is_err() && db.is_broken() {
                Err(DbError::Unavailable("connection lost".into()))
            } else {
                Ok(())
            };
            if ended.is_ok() && !db.is_broken() {
                if let Ok(mut p) = pool.idle.lock() {
                    p.push(db);
                }
            }
            r
        })
        .await
        .map_err(|_| Error::internal("a read task failed"))?
    }
}

impl Drop for ReadPool {
    fn drop(&mut self) {
        // A client's drop blocks on its connection: never on an async worker.
        let idle = self.idle.lock().map(|mut p| std::mem::take(&mut *p));
        if let Ok(idle) = idle {
            if !idle.is_empty() {
                let _ = std::thread::Builder::new()
                    .name("openwks-pg-close".into())
                    .spawn(move || drop(idle));
            }
        }
    }
}
