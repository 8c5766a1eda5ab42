//! The engine under every resource module: the writer thread (group commit of write jobs,
//! each with its [`WriteTx`]), the read connections, and how each engine begins a batch.
//!
//!
//! Every use case is a function of a resource module (`server_groups`, `servers`, `sessions`,
//! ...) over a [`Connection`]; this module runs them: writes on the process's one writer
//! thread (group commit), reads on pooled connections. The engine-specific parts are the
//! connections (`sqlite_conn`, `postgres`), the migrations (`sqlite_migrate`, `postgres`) and
//! how a write batch begins (`SqliteBatch`, `PgBatch`). What follows describes the SQLite
//! engine; `docs/deployment.md` the PostgreSQL one with replicas.
//!
//! SQLite:
//!
//! Durability: WAL with `synchronous=FULL`, so a write is on disk when its transaction commits,
//! and every write is acknowledged only after that commit (a `kill -9` loses nothing that was
//! acknowledged).
//!
//! Throughput: one writer thread owns the only write connection. It takes every write waiting
//! in its queue, runs each inside its own `SAVEPOINT` of one `BEGIN IMMEDIATE` transaction, and
//! commits once for all of them (group commit): one fsync for a whole batch, while a job that
//! fails rolls back to its savepoint without touching the others. Reads run inline on the
//! caller's thread with a pooled read connection (page-cached reads take microseconds, less
//! than a hand-off to a blocking thread); WAL lets them proceed while the writer writes, and a
//! read that issues several queries does so inside one read transaction (one snapshot).
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use openwks_core::{Error, Result};
use tokio::sync::oneshot;

use super::fleet::FleetState;
use super::sqlite_conn::{self, SqliteDb};
use super::tx::{WriteTx, WriterState};
use super::{cache, generations, postgres, sqlite_migrate};
use crate::db::db_err;
use crate::db::{Connection, Db, DbError};
use std::cell::RefCell;

/// The stamp of views read in this snapshot: on PostgreSQL the snapshot's own write
/// generation (it may be newer than the one checked before), on SQLite the local generation
/// noted before the read.
pub(crate) fn snapshot_stamp(conn: &Connection, shared: bool, noted: u64) -> Result<u64> {
    if shared {
        generations::write_generation(conn)
    } else {
        Ok(noted)
    }
}

trait Job: Send {
    fn run(&mut self, conn: &Connection, state: &RefCell<WriterState>);
    fn finish(self: Box<Self>, committed: std::result::Result<(), DbError>);
}

struct TypedJob<R, F> {
    f: Option<F>,
    out: Option<Result<R>>,
    tx: oneshot::Sender<Result<R>>,
}

impl<R: Send, F: FnOnce(&WriteTx) -> Result<R> + Send> Job for TypedJob<R, F> {
    fn run(&mut self, conn: &Connection, state: &RefCell<WriterState>) {
        let Some(f) = self.f.take() else { return };
        if let Err(e) = conn.start_job() {
            self.out = Some(Err(db_err(e)));
            return;
        }
        let tx = WriteTx::new(conn, state);
        let r = catch_unwind(AssertUnwindSafe(|| f(&tx)))
            .unwrap_or_else(|_| Err(Error::internal("a write job panicked")));
        if r.is_err() {
            tx.job_failed();
        }
        match conn.end_job(r.is_ok()) {
            Ok(()) => self.out = Some(r),
            Err(e) => self.out = Some(Err(db_err(e))),
        }
    }

    fn finish(self: Box<Self>, committed: std::result::Result<(), DbError>) {
        let out = match (self.out, committed) {
            (Some(Err(e)), Ok(())) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            // The batch did not commit: whatever the job found, nothing of it was written.
            (Some(Err(e)), Err(_)) if e.kind != openwks_core::ErrorKind::Internal => Err(e),
            (_, Err(e)) => Err(db_err(e)),
            (None, _) => Err(Error::internal("write job did not run")),
        };
        // The caller may have gone away (client disconnected); the write stands regardless.
        let _ = self.tx.send(out);
    }
}

/// Server-group views kept in memory (see `cache.rs`).
const VIEW_CACHE_CAPACITY: usize = 20_000;

/// Largest number of writes committed together.
const MAX_BATCH: usize = 1024;

/// The engine's side of a write batch.
trait BatchConn {
    /// Begin the batch's transaction, holding the write lock; `Ok(true)` when another process
    /// may have written since this one's last batch (in-memory state must then be rebuilt).
    fn begin(&mut self) -> std::result::Result<bool, DbError>;
    /// The connection the batch runs on (after a successful `begin`).
    fn db(&self) -> Option<&Connection>;
    /// The batch committed (`true`) or was rolled back.
    fn ended(&mut self, committed: bool);
    /// Before the commit: the groups whose views the batch changed (for other processes).
    fn changed_views(&self, _ids: &[String]) -> Result<()> {
        Ok(())
    }
}

/// SQLite: the only writer of its file (the data directory is locked).
struct SqliteBatch(SqliteDb);

impl BatchConn for SqliteBatch {
    fn begin(&mut self) -> std::result::Result<bool, DbError> {
        self.0.batch("BEGIN IMMEDIATE").map(|()| false)
    }
    fn db(&self) -> Option<&Connection> {
        Some(&self.0)
    }
    fn ended(&mut self, _: bool) {}
}

/// PostgreSQL: one writer per replica; every batch first takes the row lock of
/// `write_generation` (so batches of all replicas are serialized, as on SQLite) and bumps it.
/// A generation other than the last one plus one means another replica wrote in between.
struct PgBatch {
    cfg: postgres::PgConfig,
    conn: Option<postgres::PgDb>,
    last: Option<i64>,
    pending: Option<i64>,
}

impl BatchConn for PgBatch {
    fn begin(&mut self) -> std::result::Result<bool, DbError> {
        match self.try_begin() {
            // The connection died since the last batch: one new connection is tried.
            Err(DbError::Unavailable(_)) if self.conn.is_none() => self.try_begin(),
            r => r,
        }
    }
    fn db(&self) -> Option<&Connection> {
        self.conn.as_ref().map(|c| c as &Connection)
    }
    /// Recorded under the batch's generation, for the other replicas' view caches (sent
    /// with the commit).
    fn changed_views(&self, ids: &[String]) -> Result<()> {
        match (&self.conn, self.pending) {
            (Some(db), Some(gen)) => generations::log_view_changes(db, gen as u64, ids),
            _ => Ok(()),
        }
    }

    fn ended(&mut self, committed: bool) {
        self.last = if committed { self.pending } else { None };
        self.pending = None;
        if self.conn.as_ref().is_some_and(|c| c.is_broken()) {
            self.conn = None;
        }
    }
}

impl PgBatch {
    fn try_begin(&mut self) -> std::result::Result<bool, DbError> {
        let db = match self.conn.take().filter(|c| !c.is_broken()) {
            Some(db) => db,
            None => {
                // A new connection knows nothing of what this replica saw before.
                self.last = None;
                postgres::connect(&self.cfg)?
            }
        };
        match db.begin_batch() {
            Ok(gen) => {
                self.pending = Some(gen);
                self.conn = Some(db);
                Ok(self.last.is_none_or(|l| l + 1 != gen))
            }
            Err(e) => {
                let _ = db.batch("ROLLBACK");
                if matches!(e, DbError::Unavailable(_)) {
                    self.last = None;
                } else {
                    self.conn = Some(db);
                }
                Err(e)
            }
        }
    }
}

fn writer_loop(
    mut conn: impl BatchConn,
    rx: mpsc::Receiver<Box<dyn Job>>,
    views: Arc<cache::ViewCache>,
    fleet: Arc<Mutex<Option<FleetState>>>,
) {
    let mark_fleet_stale = || {
        if let Ok(mut f) = fleet.lock() {
            if let Some(f) = f.as_mut() {
                f.stale = true;
            }
        }
    };
    let state = RefCell::new(WriterState::default());
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        // One span per batch: how many writes it carried, whether it committed, what it touched.
        let span = tracing::debug_span!(
            "write_batch",
            jobs = batch.len(),
            committed = tracing::field::Empty,
            touched = tracing::field::Empty
        );
        let _entered = span.enter();
        let begun = conn.begin();
        // What the batch changed (the jobs' touches) is recorded with the commit for other
        // replicas and evicted here after it.
        let committed = match (begun, conn.db()) {
            (Ok(foreign), Some(db)) => {
                if foreign {
                    // Another replica wrote: what this one keeps in memory may be behind (the
                    // views need nothing: they are kept per database generation).
                    state.borrow_mut().foreign_write();
                    mark_fleet_stale();
                }
                for j in batch.iter_mut() {
                    j.run(db, &state);
                }
                let recorded = conn.changed_views(state.borrow().touched());
                match recorded {
                    Ok(()) => db.execute_batch("COMMIT"),
                    Err(e) => Err(DbError::Other(e.message)),
                }
                .inspect_err(|_| {
                    let _ = db.execute_batch("ROLLBACK");
                })
            }
            (Err(e), _) => Err(e),
            (Ok(_), None) => Err(DbError::Unavailable("no connection".into())),
        };
        conn.ended(committed.is_ok());
        // Evict what the batch changed before anyone hears of the commit.
        let touched = state.borrow_mut().batch_ended(committed.is_ok());
        span.record("committed", committed.is_ok());
        span.record("touched", touched.len());
        if committed.is_ok() {
            if !touched.is_empty() {
                views.evict(&touched);
            }
        } else {
            views.clear();
            // The fleet may hold claims of the rolled-back batch: rebuild it before the next use.
            mark_fleet_stale();
        }
        for j in batch {
            j.finish(committed.clone());
        }
    }
}

/// Where reads go.
enum Reads {
    /// Inline on the caller's thread, on pooled connections to the file.
    Sqlite {
        path: PathBuf,
        idle: Mutex<Vec<SqliteDb>>,
    },
    /// On blocking threads, on a bounded pool of server connections.
    Postgres(Arc<postgres::ReadPool>),
}

/// The SQL implementation of [`crate::Store`], on embedded SQLite ([`SqlStore::open`]) or on
/// PostgreSQL ([`SqlStore::open_postgres`]).
pub struct SqlStore {
    reads: Reads,
    writer: Mutex<mpsc::Sender<Box<dyn Job>>>,
    pub(crate) views: Arc<cache::ViewCache>,
    pub(crate) fleet: Arc<Mutex<Option<FleetState>>>,
}

/// The store on SQLite (the name the binary and tests have always used).
pub type SqliteStore = SqlStore;

fn open_conn(path: &Path) -> Result<SqliteDb> {
    let conn = rusqlite::Connection::open(path).map_err(|e| db_err(sqlite_conn::sqlite_err(e)))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; \
         PRAGMA busy_timeout=10000; PRAGMA cache_size=-16000;",
    )
    .map_err(|e| db_err(sqlite_conn::sqlite_err(e)))?;
    Ok(SqliteDb(conn))
}

fn start_writer(
    name: &str,
    conn: impl BatchConn + Send + 'static,
    views: &Arc<cache::ViewCache>,
    fleet: &Arc<Mutex<Option<FleetState>>>,
) -> Result<mpsc::Sender<Box<dyn Job>>> {
    let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
    let (views, fleet) = (Arc::clone(views), Arc::clone(fleet));
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || writer_loop(conn, rx, views, fleet))
        .map_err(|e| Error::internal(format!("cannot start the writer thread: {e}")))?;
    Ok(tx)
}

impl SqlStore {
    /// Open (creating if needed) the SQLite database at `path`, check it (`PRAGMA
    /// quick_check`: a damaged file is refused with an error that names it, rather than
    /// served with 500s while it accepts writes) and apply pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let damaged = |why: String| {
            Error::internal(format!(
                "the database {} is damaged ({why}); restore it from a backup, or move it away to start with an empty store",
                path.display()
            ))
        };
        let mut conn = open_conn(&path).map_err(|e| damaged(e.message))?;
        let verdict: std::result::Result<Vec<String>, rusqlite::Error> =
            conn.0.prepare("PRAGMA quick_check(5)").and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<std::result::Result<Vec<_>, _>>()
            });
        match verdict {
            Ok(rows) if rows == ["ok"] => {}
            Ok(rows) => return Err(damaged(rows.join("; "))),
            Err(e) => return Err(damaged(e.to_string())),
        }
        sqlite_migrate::migrate(&mut conn.0)?;
        let views = Arc::new(cache::ViewCache::new(VIEW_CACHE_CAPACITY));
        let fleet = Arc::new(Mutex::new(None));
        let tx = start_writer("openwks-sqlite-writer", SqliteBatch(conn), &views, &fleet)?;
        Ok(Self {
            reads: Reads::Sqlite {
                path,
                idle: Mutex::new(Vec::new()),
            },
            writer: Mutex::new(tx),
            views,
            fleet,
        })
    }

    /// Connect to PostgreSQL, create the schema if needed and apply pending migrations (under
    /// an advisory lock: replicas may start together). Several processes may share the
    /// database: writes of all of them are serialized by the database, and what a replica
    /// keeps in memory is checked against the database's write generation before it is used.
    pub fn open_postgres(cfg: postgres::PgConfig) -> Result<Self> {
        let migrate_cfg = cfg.clone();
        // The synchronous client must not run on an async worker: migrate on a thread.
        std::thread::spawn(move || postgres::migrate(&migrate_cfg))
            .join()
            .map_err(|_| Error::internal("the migration thread panicked"))?
            .map_err(db_err)?;
        let views = Arc::new(cache::ViewCache::shared(VIEW_CACHE_CAPACITY));
        let fleet = Arc::new(Mutex::new(None));
        let batch = PgBatch {
            cfg: cfg.clone(),
            conn: None,
            last: None,
            pending: None,
        };
        let tx = start_writer("openwks-pg-writer", batch, &views, &fleet)?;
        let readers = cfg.pool_size.saturating_sub(1).max(1);
        Ok(Self {
            reads: Reads::Postgres(Arc::new(postgres::ReadPool::new(
                cfg,
                readers,
                Arc::clone(&views),
            ))),
            writer: Mutex::new(tx),
            views,
            fleet,
        })
    }

    /// Whether other processes may write the same database.
    pub(crate) fn shared(&self) -> bool {
        matches!(self.reads, Reads::Postgres(_))
    }

    /// Run `f` in the write transaction; resolves after the commit that includes it.
    pub(crate) async fn write<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&WriteTx) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            f: Some(f),
            out: None,
            tx,
        });
        {
            let sender = self
                .writer
                .lock()
                .map_err(|_| Error::internal("writer lock poisoned"))?;
            sender
                .send(job)
                .map_err(|_| Error::unavailable("the store's writer has stopped"))?;
        }
        rx.await
            .map_err(|_| Error::unavailable("the store's writer has stopped"))?
    }

    /// A write that changes the authentication directory or identity policies: it also moves
    /// the IAM generation, by which other replicas learn to reload their caches.
    pub(crate) async fn iam_write<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&WriteTx) -> Result<R> + Send + 'static,
    {
        self.write(move |tx| {
            let r = f(tx)?;
            generations::bump_iam_generation(tx.db())?;
            Ok(r)
        })
        .await
    }

    /// What a reader of cached views notes before it looks: the local generation on SQLite,
    /// the database's write generation on PostgreSQL (one statement, shared by the requests
    /// waiting at the same time).
    pub(crate) async fn view_stamp(&self) -> Result<u64> {
        match &self.reads {
            Reads::Postgres(pool) => pool.write_generation().await,
            Reads::Sqlite { .. } => Ok(self.views.generation()),
        }
    }

    /// A write of one statement that no rule reads back and no cache holds (an audit record,
    /// a lease): on PostgreSQL one autocommit statement (durable when it returns) instead of
    /// a wait for the serialized writer and a move of the write generation; on SQLite a write.
    pub(crate) async fn write_one<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
    {
        match &self.reads {
            Reads::Postgres(pool) => pool.autocommit(f).await,
            Reads::Sqlite { .. } => self.write(move |tx| f(tx.db())).await,
        }
    }

    /// A read of one statement: on PostgreSQL without a transaction around it (two round
    /// trips fewer); on SQLite the same as [`Self::read`].
    pub(crate) async fn read_one<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
    {
        match &self.reads {
            Reads::Postgres(pool) => pool.autocommit(f).await,
            Reads::Sqlite { .. } => self.read(f).await,
        }
    }

    /// Run `f` on a read connection, inside one read transaction (one snapshot).
    ///
    /// SQLite reads run inline on the calling (async worker) thread: a read of page-cached
    /// data takes microseconds, far less than handing it to a blocking thread and back
    /// (measured: the hand-off cost more than the query). WAL readers never wait for the
    /// writer. PostgreSQL reads go over the network and run on blocking threads.
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R> + Send + 'static,
    {
        let (path, idle) = match &self.reads {
            Reads::Postgres(pool) => return pool.read(f).await,
            Reads::Sqlite { path, idle } => (path, idle),
        };
        let pooled = idle
            .lock()
            .map_err(|_| Error::internal("reader pool poisoned"))?
            .pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_conn(path)?,
        };
        conn.batch("BEGIN").map_err(db_err)?;
        let r = catch_unwind(AssertUnwindSafe(|| f(&conn)))
            .unwrap_or_else(|_| Err(Error::internal("a read panicked")));
        if conn.batch("COMMIT").is_ok() {
            if let Ok(mut pool) = idle.lock() {
                if pool.len() < 16 {
                    pool.push(conn);
                }
            }
        }
        r
    }
}
