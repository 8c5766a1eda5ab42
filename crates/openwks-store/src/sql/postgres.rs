//! The PostgreSQL engine under the store: connections as [`Db`], the connection settings,
//! the migrations (applied under an advisory lock, so replicas starting together do not race)
//! and a bounded pool for reads.
//!
//! Each connection owns a small single-threaded runtime and drives `tokio-postgres` with it
//! (`block_on`), so the store's synchronous SQL functions run unchanged; it is used on
//! blocking threads only (the writer thread and `spawn_blocking` readers) and never dropped
//! on an async worker. Round trips are what a networked database costs, so a connection
//! *pipelines*: a savepoint and the writes whose answer nobody waits for
//! ([`crate::db::Connection::execute_later`]) are sent with the next statement that needs an
//! answer, or with the end of the write, in one round trip.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use openwks_core::{Error, Result};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use crate::db::{db_err, Db, DbError, DbResult, Row, Value};

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
fn pg_err(e: tokio_postgres::Error) -> DbError {
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

/// When a connection first forgets its prepared statements, and how often at most in the end
/// (see [`PgDb::statement`]).
const FIRST_REPLAN: Duration = Duration::from_secs(1);
const LAST_REPLAN: Duration = Duration::from_secs(60);

/// A request sent ahead, whose answer is only checked for an error.
type Pending = Pin<Box<dyn Future<Output = std::result::Result<(), tokio_postgres::Error>> + Send>>;

/// One PostgreSQL connection, with its prepared statements and the requests it has queued
/// to send with the next round trip.
pub(crate) struct PgDb {
    rt: tokio::runtime::Runtime,
    client: Arc<tokio_postgres::Client>,
    statements: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// When the prepared statements were last forgotten, and how long until the next time
    /// (see [`PgDb::statement`]).
    plans: Cell<(std::time::Instant, Duration)>,
    /// Queued, not yet sent: a savepoint, writes nobody waits for.
    pending: RefCell<Vec<Pending>>,
    /// The last write of the batch succeeded and its savepoint is still to be released
    /// (with the next write's savepoint, or by the commit: one round trip instead of two).
    release_pending: Cell<bool>,
    /// The current write has sent (or queued) statements of its own since its savepoint.
    job_used: Cell<bool>,
    /// The current write's savepoint also released the previous one.
    job_released_previous: Cell<bool>,
    /// When the connection was last handed back to the pool.
    idle_since: Cell<std::time::Instant>,
}

impl PgDb {
    /// Whether the connection is gone (it is then dropped and a new one made).
    pub(crate) fn is_broken(&self) -> bool {
        self.client.is_closed()
    }

    /// Send what is queued, then `op`, in one round trip; the first error wins (a queued
    /// write that failed aborts the transaction, and `op` fails after it).
    fn pipeline<T>(
        &self,
        op: impl Future<Output = std::result::Result<T, tokio_postgres::Error>>,
    ) -> DbResult<T> {
        let pending: Vec<Pending> = self.pending.borrow_mut().drain(..).collect();
        let (queued, r) = self.rt.block_on(async {
            // Joined in order: each request is sent when first polled, so the queued ones
            // reach the server before `op`.
            futures_util::future::join(futures_util::future::join_all(pending), op).await
        });
        for q in queued {
            q.map_err(pg_err)?;
        }
        r.map_err(pg_err)
    }

    /// The prepared form of `sql`, prepared on first use.
    ///
    /// PostgreSQL plans a prepared statement anew for its first executions, then may settle
    /// on one generic plan for as long as the statement lives. A plan settled on while a table
    /// was nearly empty (a fresh database, where a sequential scan beats any index) stays
    /// when the table has grown: measured, the create's rule query went from 0.01 ms to
    /// 0.8 ms within seconds of a benchmark (it scanned every group of the project for the
    /// name), and creates over two replicas from ~5,000/s to ~700/s. So a connection forgets
    /// its statements after 1 s, then 2, 4, ... up to once a minute; the next use prepares
    /// them again and PostgreSQL plans them from what the tables hold by then.
    fn statement(&self, sql: &str) -> DbResult<tokio_postgres::Statement> {
        let (since, every) = self.plans.get();
        if since.elapsed() >= every {
            self.statements.borrow_mut().clear();
            self.plans
                .set((std::time::Instant::now(), (every * 2).min(LAST_REPLAN)));
        }
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let translated = crate::db::translate(sql);
        let client = Arc::clone(&self.client);
        let st = self.pipeline(async move { client.prepare(&translated).await })?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), st.clone());
        Ok(st)
    }

    fn queue_simple(&self, sql: &'static str) {
        let client = Arc::clone(&self.client);
        self.pending
            .borrow_mut()
            .push(Box::pin(async move { client.batch_execute(sql).await }));
    }

    /// Begin a write batch and take the write lock: `BEGIN` and the generation bump in one
    /// round trip; the new generation.
    pub(crate) fn begin_batch(&self) -> DbResult<i64> {
        self.release_pending.set(false);
        self.pending.borrow_mut().clear();
        let client = Arc::clone(&self.client);
        let msgs = self.pipeline(async move {
            client
                .simple_query(
                    "BEGIN; UPDATE write_generation SET gen = gen + 1 WHERE id = 1 RETURNING gen",
                )
                .await
        })?;
        msgs.iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse().ok()),
                _ => None,
            })
            .ok_or_else(|| DbError::Other("write_generation has no row 1".into()))
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Rows as the store's, every column read by its type.
fn rows_of(rows: &[tokio_postgres::Row]) -> DbResult<Vec<Row>> {
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

impl Db for PgDb {
    fn run(&self, sql: &str, params: Vec<Value>) -> DbResult<usize> {
        let st = self.statement(sql)?;
        self.job_used.set(true);
        let client = Arc::clone(&self.client);
        let n = self.pipeline(async move { client.execute(&st, &refs(&params)).await })?;
        Ok(n as usize)
    }

    fn run_later(&self, sql: &str, params: Vec<Value>) -> DbResult<()> {
        let st = self.statement(sql)?;
        self.job_used.set(true);
        let client = Arc::clone(&self.client);
        self.pending.borrow_mut().push(Box::pin(async move {
            client.execute(&st, &refs(&params)).await.map(|_| ())
        }));
        Ok(())
    }

    fn fetch(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let st = self.statement(sql)?;
        self.job_used.set(true);
        let client = Arc::clone(&self.client);
        let rows = self.pipeline(async move { client.query(&st, &refs(&params)).await })?;
        rows_of(&rows)
    }

    fn fetch_all(&self, queries: Vec<(String, Vec<Value>)>) -> DbResult<Vec<Vec<Row>>> {
        let statements = queries
            .iter()
            .map(|(sql, _)| self.statement(sql))
            .collect::<DbResult<Vec<_>>>()?;
        self.job_used.set(true);
        let client = Arc::clone(&self.client);
        let answers = self.pipeline(async move {
            let params: Vec<Vec<&(dyn ToSql + Sync)>> =
                queries.iter().map(|(_, p)| refs(p)).collect();
            let calls = statements
                .iter()
                .zip(&params)
                .map(|(st, p)| client.query(st, p));
            futures_util::future::try_join_all(calls).await
        })?;
        answers.iter().map(|rows| rows_of(rows)).collect()
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        if sql == "COMMIT" || sql == "ROLLBACK" {
            // Either ends every savepoint of the batch.
            self.release_pending.set(false);
        }
        self.job_used.set(true);
        let (client, sql) = (Arc::clone(&self.client), sql.to_string());
        self.pipeline(async move { client.batch_execute(&sql).await })
    }

    fn start_job(&self) -> DbResult<()> {
        // Queued: it goes out with the write's first statement.
        let release = self.release_pending.replace(false);
        self.job_released_previous.set(release);
        self.job_used.set(false);
        self.queue_simple(if release {
            "RELEASE job; SAVEPOINT job"
        } else {
            "SAVEPOINT job"
        });
        Ok(())
    }

    fn end_job(&self, ok: bool) -> DbResult<()> {
        if !self.job_used.get() {
            // The write sent nothing: neither its savepoint nor anything else needs to go.
            self.pending.borrow_mut().clear();
            self.release_pending.set(self.job_released_previous.get());
            return Ok(());
        }
        if !ok {
            // Queued writes of a failed write are never sent.
            self.pending.borrow_mut().clear();
            return self.batch("ROLLBACK TO job; RELEASE job");
        }
        if self.pending.borrow().is_empty() {
            self.release_pending.set(true);
            return Ok(());
        }
        // Its queued writes go now, with the release: their errors are this write's.
        match self.batch("RELEASE job") {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.batch("ROLLBACK TO job; RELEASE job");
                Err(e)
            }
        }
    }
}

/// `"name"`, quoted for SQL.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Open a connection (blocking: call on a blocking thread) with the schema on its search path.
pub(crate) fn connect(cfg: &PgConfig) -> DbResult<PgDb> {
    let mut pc =
        tokio_postgres::Config::from_str(&cfg.url).map_err(|e| DbError::Other(e.to_string()))?;
    pc.connect_timeout(cfg.connect_timeout);
    pc.keepalives(true);
    pc.keepalives_idle(Duration::from_secs(10));
    if pc.get_application_name().is_none() {
        pc.application_name("openwks");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DbError::Other(format!("cannot start a runtime: {e}")))?;
    let (client, connection) = rt
        .block_on(async {
            tokio::time::timeout(cfg.connect_timeout, pc.connect(NoTls))
                .await
                .unwrap_or_else(|_| Err(tokio_postgres::Error::__private_api_timeout()))
        })
        .map_err(pg_err)?;
    // The connection is driven whenever this runtime runs (every call blocks on it).
    rt.spawn(connection);
    let db = PgDb {
        rt,
        client: Arc::new(client),
        statements: RefCell::new(HashMap::new()),
        plans: Cell::new((std::time::Instant::now(), FIRST_REPLAN)),
        pending: RefCell::new(Vec::new()),
        release_pending: Cell::new(false),
        job_used: Cell::new(false),
        job_released_previous: Cell::new(false),
        idle_since: Cell::new(std::time::Instant::now()),
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
    (1, include_str!("../../migrations/postgres/0001_schema.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_cluster.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_view_changes.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_audit_columns.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_host_states.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_schedule_tasks.sql"),
    ),
    (
        7,
        include_str!("../../migrations/postgres/0007_hotspot_configs.sql"),
    ),
    (
        8,
        include_str!("../../migrations/postgres/0008_policy_groups.sql"),
    ),
    (
        9,
        include_str!("../../migrations/postgres/0009_server_drains.sql"),
    ),
    (
        10,
        include_str!("../../migrations/postgres/0010_images.sql"),
    ),
    (
        11,
        include_str!("../../migrations/postgres/0011_storages.sql"),
    ),
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
    generation: GenerationReads,
    /// The replica's view cache, brought up to each generation read (see
    /// [`ReadPool::write_generation`]).
    views: Arc<super::cache::ViewCache>,
}

/// Reads of the write generation shared by the requests that wait at the same time: a
/// request needs a value read *after* it arrived (so that it sees every write acknowledged
/// before it); one read serves every request that arrived before that read started.
/// Under load that is one round trip per round instead of one per request.
#[derive(Default)]
struct GenerationReads {
    /// Rounds started so far.
    started: std::sync::atomic::AtomicU64,
    /// The newest finished round and what it read.
    last: Mutex<(u64, Option<std::result::Result<u64, String>>)>,
    running: Arc<tokio::sync::Mutex<()>>,
    done: tokio::sync::Notify,
}

impl ReadPool {
    /// The database write generation as of a moment after this call began.
    pub(crate) async fn write_generation(self: &Arc<Self>) -> Result<u64> {
        use std::sync::atomic::Ordering::SeqCst;
        let g = &self.generation;
        let arrived = g.started.load(SeqCst);
        let finished = |g: &GenerationReads| -> Option<Result<u64>> {
            let last = g.last.lock().ok()?;
            match &last.1 {
                Some(r) if last.0 > arrived => Some(r.clone().map_err(Error::unavailable)),
                _ => None,
            }
        };
        loop {
            if let Some(r) = finished(g) {
                return r;
            }
            if let Ok(running) = Arc::clone(&g.running).try_lock_owned() {
                // This round starts after `arrived`: its value is fresh enough for everyone
                // who arrived before it. It runs as a task of its own, so that the requests
                // waiting on it are answered even if the one that started it goes away.
                let round = g.started.fetch_add(1, SeqCst) + 1;
                let pool = Arc::clone(self);
                let task = tokio::spawn(async move {
                    let _running = running;
                    // With the generation come the views changed since the cache's, which
                    // go before anyone is told the generation.
                    let views = Arc::clone(&pool.views);
                    let r = pool
                        .autocommit(move |c| {
                            let since = views.generation();
                            let (gen, changed) = crate::sql::generations::view_changes(c, since)?;
                            views.advance(since, gen, changed);
                            Ok(gen)
                        })
                        .await
                        .map_err(|e| e.message);
                    let g = &pool.generation;
                    if let Ok(mut last) = g.last.lock() {
                        if round > last.0 {
                            *last = (round, Some(r.clone()));
                        }
                    }
                    g.done.notify_waiters();
                    r
                });
                return task
                    .await
                    .map_err(|_| Error::internal("the generation read failed"))?
                    .map_err(Error::unavailable);
            }
            let notified = g.done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = finished(g) {
                return r;
            }
            notified.await;
        }
    }

    pub(crate) fn new(cfg: PgConfig, size: usize, views: Arc<super::cache::ViewCache>) -> Self {
        Self {
            generation: GenerationReads::default(),
            views,
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
            // A connection in use a moment ago sends its BEGIN with the read's first query.
            // One idle for a while may have died since (the server restarted, the network cut
            // it): its BEGIN goes alone, and if that fails one new connection is tried before
            // the read fails.
            let hot = |db: &PgDb| db.idle_since.get().elapsed() < Duration::from_secs(1);
            let start = |db: &PgDb| if snapshot { db.batch(begin) } else { Ok(()) };
            let db = match pooled.filter(|db| !db.is_broken()) {
                Some(db) if snapshot && hot(&db) => {
                    db.queue_simple(begin);
                    db
                }
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
            } else {
                Ok(())
            };
            if ended.is_ok() && !db.is_broken() {
                db.idle_since.set(std::time::Instant::now());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The prepared statements a connection holds for `sql` (names given by the client).
    fn prepared_names(db: &PgDb, sql: &str) -> Vec<String> {
        let c: &dyn Db = db;
        c.prepare_cached(
            "SELECT name FROM pg_prepared_statements WHERE statement = ?1 ORDER BY name",
        )
        .and_then(|mut st| {
            st.query_map([crate::db::translate(sql)], |r| r.get::<_, String>(0))?
                .collect::<DbResult<Vec<_>>>()
        })
        .expect("pg_prepared_statements")
    }

    /// A statement is planned again after a while (so that a plan chosen while its tables
    /// were nearly empty does not outlive their growth), each time after twice as long.
    #[test]
    fn prepared_statements_are_prepared_again_later_and_later() {
        let Some(url) = crate::testing::database_url() else {
            eprintln!("skipped: needs the PostgreSQL pass (OPENWKS_TEST_DATABASE_URL)");
            return;
        };
        let db = connect(&PgConfig::new(url)).expect("connect");
        let sql = "SELECT ?1 + 1";
        let c: &dyn Db = &db;
        let run = || {
            c.query_row(sql, [1i64], |r| r.get::<_, i64>(0))
                .expect("query")
        };
        assert_eq!(run(), 2);
        let first = prepared_names(&db, sql);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(run(), 2);
        assert_eq!(prepared_names(&db, sql), first, "reused while young");

        // The first interval is over (as if a second had passed).
        db.plans
            .set((std::time::Instant::now() - FIRST_REPLAN, FIRST_REPLAN));
        assert_eq!(run(), 2);
        let second = prepared_names(&db, sql);
        assert_eq!(second.len(), 1, "the old statement is closed: {second:?}");
        assert_ne!(second, first, "prepared again");
        assert_eq!(
            db.plans.get().1,
            FIRST_REPLAN * 2,
            "next time after twice as long"
        );

        db.plans
            .set((std::time::Instant::now() - LAST_REPLAN, LAST_REPLAN));
        run();
        assert_eq!(
            db.plans.get().1,
            LAST_REPLAN,
            "at most once a minute in the end"
        );
        assert_ne!(prepared_names(&db, sql), second);
    }
}
