//! The store in SQL, on two engines: the embedded SQLite file and PostgreSQL.
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

mod app_groups;
mod apps;
mod authorizations;
mod cache;
mod ecs;
mod iam;
mod identity;
mod network;
pub mod postgres;
mod rows;
mod server_groups;
mod servers;
mod sessions;
mod sqlite_conn;
mod sqlite_migrate;
mod tx;

pub use servers::PowerAction;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use openwks_core::iam_model::{
    AuditEvent, AuditFilter, IamGroup, IamKey, IamPolicy, IamUser, Principal,
};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};
use tokio::sync::oneshot;

pub(crate) use crate::db::db_err;
use crate::db::{Connection, Db, DbError};
use sqlite_conn::SqliteDb;
use std::cell::RefCell;
use tx::{WriteTx, WriterState};

/// The stamp of views read in this snapshot: on PostgreSQL the snapshot's own write
/// generation (it may be newer than the one checked before), on SQLite the local generation
/// noted before the read.
fn snapshot_stamp(conn: &Connection, shared: bool, noted: u64) -> Result<u64> {
    if shared {
        identity::write_generation(conn)
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
            (Some(db), Some(gen)) => identity::log_view_changes(db, gen as u64, ids),
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
    fleet: Arc<Mutex<Option<servers::FleetState>>>,
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
    views: Arc<cache::ViewCache>,
    fleet: Arc<Mutex<Option<servers::FleetState>>>,
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
    fleet: &Arc<Mutex<Option<servers::FleetState>>>,
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
    fn shared(&self) -> bool {
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
            identity::bump_iam_generation(tx.db())?;
            Ok(r)
        })
        .await
    }

    /// What a reader of cached views notes before it looks: the local generation on SQLite,
    /// the database's write generation on PostgreSQL (one statement, shared by the requests
    /// waiting at the same time).
    async fn view_stamp(&self) -> Result<u64> {
        match &self.reads {
            Reads::Postgres(pool) => pool.write_generation().await,
            Reads::Sqlite { .. } => Ok(self.views.generation()),
        }
    }

    /// A write of one statement that no rule reads back and no cache holds (an audit record,
    /// a lease): on PostgreSQL one autocommit statement (durable when it returns) instead of
    /// a wait for the serialized writer and a move of the write generation; on SQLite a write.
    async fn write_one<R, F>(&self, f: F) -> Result<R>
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

#[cfg(test)]
mod tests;

#[async_trait::async_trait]
impl crate::Store for SqlStore {
    async fn bootstrap(
        &self,
        wanted: openwks_core::identity::Bootstrap,
        catalogue: &openwks_core::catalogue::Catalogue,
    ) -> Result<openwks_core::identity::Bootstrap> {
        let cat = catalogue.clone();
        self.iam_write(move |c| identity::bootstrap(c.db(), wanted, &cat))
            .await
    }
    async fn access_keys(&self) -> Result<Vec<openwks_core::identity::AccessKey>> {
        self.read(identity::access_keys).await
    }
    async fn user(&self, id: &str) -> Result<Option<openwks_core::identity::User>> {
        let id = id.to_string();
        self.read_one(move |c| identity::user(c, &id)).await
    }
    async fn user_by_name(
        &self,
        account: &str,
        name: &str,
    ) -> Result<Option<openwks_core::identity::User>> {
        let (a, n) = (account.to_string(), name.to_string());
        self.read(move |c| identity::user_by_name(c, &a, &n)).await
    }
    async fn projects(
        &self,
        account_id: &str,
        name: Option<&str>,
    ) -> Result<Vec<openwks_core::identity::Project>> {
        let (a, n) = (account_id.to_string(), name.map(str::to_string));
        self.read(move |c| identity::projects(c, &a, n.as_deref()))
            .await
    }
    async fn project(&self, id: &str) -> Result<Option<openwks_core::identity::Project>> {
        let id = id.to_string();
        self.read_one(move |c| identity::project(c, &id)).await
    }
    async fn setting_or_init(&self, key: &str, init: String) -> Result<String> {
        let key = key.to_string();
        self.write(move |c| identity::setting_or_init(c.db(), &key, &init))
            .await
    }

    async fn create_vpc(
        &self,
        vpc: openwks_core::network::Vpc,
    ) -> Result<openwks_core::network::Vpc> {
        self.write(move |c| network::insert_vpc(c.db(), &vpc).map(|()| vpc))
            .await
    }
    async fn vpc(&self, project_id: &str, id: &str) -> Result<Option<openwks_core::network::Vpc>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read_one(move |c| network::vpc(c, &p, &i)).await
    }
    async fn list_vpcs(
        &self,
        project_id: &str,
        id: Option<&str>,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<Vec<openwks_core::network::Vpc>> {
        let (p, i, m) = (
            project_id.to_string(),
            id.map(str::to_string),
            marker.map(str::to_string),
        );
        self.read(move |c| network::list_vpcs(c, &p, i.as_deref(), m.as_deref(), limit))
            .await
    }
    async fn delete_vpc(&self, project_id: &str, id: &str) -> Result<crate::Deleted> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| network::delete_vpc(c.db(), &p, &i))
            .await
    }
    async fn create_subnet(
        &self,
        subnet: openwks_core::network::Subnet,
    ) -> Result<openwks_core::network::Subnet> {
        self.write(move |c| {
            if network::vpc(c.db(), &subnet.project_id, &subnet.vpc_id)?.is_none() {
                return Err(Error::invalid(
                    openwks_core::error::codes::INVALID_NETWORK,
                    format!("VPC {} does not exist", subnet.vpc_id),
                ));
            }
            network::insert_subnet(c.db(), &subnet).map(|()| subnet)
        })
        .await
    }
    async fn subnet(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::network::Subnet>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read_one(move |c| network::subnet(c, &p, &i)).await
    }
    async fn list_subnets(
        &self,
        project_id: &str,
        vpc_id: Option<&str>,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<Vec<openwks_core::network::Subnet>> {
        let (p, v, m) = (
            project_id.to_string(),
            vpc_id.map(str::to_string),
            marker.map(str::to_string),
        );
        self.read(move |c| network::list_subnets(c, &p, v.as_deref(), m.as_deref(), limit))
            .await
    }
    async fn delete_subnet(
        &self,
        project_id: &str,
        vpc_id: Option<&str>,
        id: &str,
    ) -> Result<crate::Deleted> {
        let (p, v, i) = (
            project_id.to_string(),
            vpc_id.map(str::to_string),
            id.to_string(),
        );
        self.write(move |c| network::delete_subnet(c.db(), &p, v.as_deref(), &i))
            .await
    }

    async fn create_server_group(
        &self,
        group: openwks_core::server_group::ServerGroup,
        max_groups: i64,
    ) -> Result<openwks_core::server_group::ServerGroupView> {
        self.write(move |c| server_groups::create(c, &group, max_groups))
            .await
    }
    async fn server_group(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::server_group::ServerGroupView>> {
        let stamp = self.view_stamp().await?;
        if let Some(v) = self.views.lookup(stamp, project_id, id) {
            return Ok(Some(v));
        }
        let (p, i, shared) = (project_id.to_string(), id.to_string(), self.shared());
        let (stamp, v) = self
            .read(move |c| {
                let stamp = snapshot_stamp(c, shared, stamp)?;
                let v = rows::server_group(c, &p, &i)?
                    .map(|g| server_groups::view(c, g))
                    .transpose()?;
                Ok((stamp, v))
            })
            .await?;
        if let Some(v) = &v {
            self.views.store(stamp, v);
        }
        Ok(v)
    }
    async fn server_group_name_taken(&self, project_id: &str, name: &str) -> Result<bool> {
        let (p, n) = (project_id.to_string(), name.to_string());
        self.read_one(move |c| server_groups::name_is_taken(c, &p, &n))
            .await
    }
    async fn list_server_groups(
        &self,
        project_id: &str,
        filter: &crate::ServerGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::server_group::ServerGroupView>)> {
        // On a shared database this also brings the cache up to the database's generation,
        // so that the page's views can come from it.
        let generation = self.view_stamp().await?;
        let (p, f, shared) = (project_id.to_string(), filter.clone(), self.shared());
        let views = Arc::clone(&self.views);
        let (stamp, page) = self
            .read(move |c| {
                let stamp = snapshot_stamp(c, shared, generation)?;
                let cached = |id: &str| views.lookup(stamp, &p, id);
                Ok((
                    stamp,
                    server_groups::list(c, &p, &f, offset, limit, &cached)?,
                ))
            })
            .await?;
        for v in &page.loaded {
            self.views.store(stamp, v);
        }
        Ok((page.count, page.items))
    }
    async fn update_server_group(
        &self,
        project_id: &str,
        id: &str,
        update: crate::ServerGroupUpdate,
    ) -> Result<openwks_core::server_group::ServerGroupView> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| server_groups::update(c, &p, &i, update))
            .await
    }
    async fn delete_server_group(&self, project_id: &str, id: &str) -> Result<crate::Deleted> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| server_groups::delete(c, &p, &i)).await
    }
    async fn update_server_group_tags(
        &self,
        project_id: &str,
        changes: Vec<(String, crate::TagUpdate)>,
    ) -> Result<()> {
        let p = project_id.to_string();
        self.write(move |c| server_groups::update_tags(c, &p, changes))
            .await
    }
    async fn server_group_tag_keys(&self, project_id: &str) -> Result<Vec<(String, Vec<String>)>> {
        let p = project_id.to_string();
        self.read(move |c| server_groups::tag_keys(c, &p)).await
    }

    async fn create_app_group(
        &self,
        group: openwks_core::app_group::AppGroup,
    ) -> Result<openwks_core::app_group::AppGroupView> {
        self.write(move |c| app_groups::create(c, &group)).await
    }
    async fn app_group(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::app_group::AppGroupView>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read(move |c| app_groups::get(c, &p, &i)).await
    }
    async fn app_group_name_taken(&self, project_id: &str, name: &str) -> Result<bool> {
        let (p, n) = (project_id.to_string(), name.to_string());
        self.read_one(move |c| app_groups::name_is_taken(c, &p, &n))
            .await
    }
    async fn list_app_groups(
        &self,
        project_id: &str,
        filter: &crate::AppGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::app_group::AppGroupView>)> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| app_groups::list(c, &p, &f, offset, limit))
            .await
    }
    async fn update_app_group(
        &self,
        project_id: &str,
        id: &str,
        update: crate::AppGroupUpdate,
    ) -> Result<openwks_core::app_group::AppGroupView> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| app_groups::update(c, &p, &i, update))
            .await
    }
    async fn delete_app_groups(&self, project_id: &str, ids: Vec<String>) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| app_groups::delete(c, &p, &ids)).await
    }
    async fn disassociate_app_groups(
        &self,
        project_id: &str,
        server_group_id: &str,
    ) -> Result<usize> {
        let (p, s) = (project_id.to_string(), server_group_id.to_string());
        self.write(move |c| app_groups::disassociate(c, &p, &s))
            .await
    }

    async fn add_authorizations(
        &self,
        project_id: &str,
        app_group_ids: Vec<String>,
        accounts: Vec<openwks_core::authorization::Account>,
        now: Timestamp,
    ) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| authorizations::add(c.db(), &p, &app_group_ids, &accounts, now))
            .await
    }
    async fn remove_authorizations(
        &self,
        project_id: &str,
        app_group_ids: Vec<String>,
        accounts: Vec<openwks_core::authorization::Account>,
        now: Timestamp,
    ) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| authorizations::remove(c.db(), &p, &app_group_ids, &accounts, now))
            .await
    }
    async fn list_authorizations(
        &self,
        project_id: &str,
        filter: &crate::AuthorizationFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::AuthorizationView>)> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| authorizations::list(c, &p, &f, offset, limit))
            .await
    }
    async fn access_facts(
        &self,
        project_id: &str,
        app_group_id: &str,
        user: &str,
    ) -> Result<(Vec<openwks_core::authorization::Account>, Vec<String>)> {
        let (p, g, u) = (
            project_id.to_string(),
            app_group_id.to_string(),
            user.to_string(),
        );
        self.read(move |c| authorizations::access_facts(c, &p, &g, &u))
            .await
    }
    async fn list_mail_records(
        &self,
        project_id: &str,
        filter: &crate::MailFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::MailRecord>)> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| authorizations::list_mails(c, &p, &f, offset, limit))
            .await
    }
    async fn resend_mails(
        &self,
        project_id: &str,
        record_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| authorizations::resend(c.db(), &p, &record_ids, now))
            .await
    }
    async fn send_authorization_mails(
        &self,
        project_id: &str,
        authorization_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| {
            authorizations::send_for_authorizations(c.db(), &p, &authorization_ids, now)
        })
        .await
    }
    async fn create_user_group(
        &self,
        group: openwks_core::authorization::UserGroup,
    ) -> Result<openwks_core::authorization::UserGroup> {
        self.write(move |c| authorizations::create_user_group(c.db(), &group))
            .await
    }
    async fn user_group(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::authorization::UserGroup>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read(move |c| authorizations::user_group(c, &p, &i))
            .await
    }
    async fn list_user_groups(
        &self,
        project_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::authorization::UserGroup>)> {
        let p = project_id.to_string();
        self.read(move |c| authorizations::list_user_groups(c, &p, offset, limit))
            .await
    }
    async fn change_user_group_members(
        &self,
        project_id: &str,
        id: &str,
        users: Vec<String>,
        add: bool,
    ) -> Result<openwks_core::authorization::UserGroup> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| authorizations::change_members(c.db(), &p, &i, &users, add))
            .await
    }
    async fn delete_user_group(&self, project_id: &str, id: &str) -> Result<crate::Deleted> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| authorizations::delete_user_group(c.db(), &p, &i))
            .await
    }

    async fn publish_apps(
        &self,
        project_id: &str,
        app_group_id: &str,
        apps: Vec<(openwks_core::app::App, Option<openwks_core::app::Icon>)>,
    ) -> Result<Vec<openwks_core::app::App>> {
        let (p, g) = (project_id.to_string(), app_group_id.to_string());
        self.write(move |c| apps::publish(c.db(), &p, &g, &apps))
            .await
    }
    async fn app(
        &self,
        project_id: &str,
        app_group_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::app::App>> {
        let (p, g, i) = (
            project_id.to_string(),
            app_group_id.to_string(),
            id.to_string(),
        );
        self.read(move |c| apps::get(c, &p, &g, &i)).await
    }
    async fn list_apps(
        &self,
        project_id: &str,
        app_group_id: &str,
        filter: &crate::AppFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::app::App>)> {
        let (p, g, f) = (
            project_id.to_string(),
            app_group_id.to_string(),
            filter.clone(),
        );
        self.read(move |c| apps::list(c, &p, &g, &f, offset, limit))
            .await
    }
    async fn app_names(&self, project_id: &str, app_group_id: &str) -> Result<Vec<String>> {
        let (p, g) = (project_id.to_string(), app_group_id.to_string());
        self.read(move |c| {
            rows::app_group(c, &p, &g)?.ok_or_else(|| Error::not_found("app group", &g))?;
            apps::names(c, &g)
        })
        .await
    }
    async fn update_apps(
        &self,
        project_id: &str,
        app_group_id: &str,
        ids: Vec<String>,
        update: crate::AppUpdate,
    ) -> Result<Vec<openwks_core::app::App>> {
        let (p, g) = (project_id.to_string(), app_group_id.to_string());
        self.write(move |c| apps::update_many(c.db(), &p, &g, &ids, update))
            .await
    }
    async fn unpublish_apps(
        &self,
        project_id: &str,
        app_group_id: &str,
        ids: Vec<String>,
    ) -> Result<usize> {
        let (p, g) = (project_id.to_string(), app_group_id.to_string());
        self.write(move |c| apps::unpublish(c.db(), &p, &g, &ids))
            .await
    }
    async fn icon(&self, id: &str) -> Result<Option<openwks_core::app::Icon>> {
        let i = id.to_string();
        self.read(move |c| apps::icon(c, &i)).await
    }

    async fn create_ecs_group(
        &self,
        group: openwks_core::ecs::EcsServerGroup,
        max_groups: i64,
    ) -> Result<crate::EcsGroupWithMembers> {
        self.write(move |c| ecs::create(c.db(), &group, max_groups))
            .await
    }
    async fn ecs_group(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<crate::EcsGroupWithMembers>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read(move |c| ecs::get(c, &p, &i)).await
    }
    async fn list_ecs_groups(
        &self,
        project_id: &str,
        marker: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<crate::EcsGroupWithMembers>, bool)> {
        let (p, m) = (project_id.to_string(), marker.map(str::to_string));
        self.read(move |c| ecs::list(c, &p, m.as_deref(), limit))
            .await
    }
    async fn ecs_group_count(&self, project_id: &str) -> Result<i64> {
        let p = project_id.to_string();
        self.read(move |c| ecs::count(c, &p)).await
    }
    async fn delete_ecs_group(&self, project_id: &str, id: &str) -> Result<crate::Deleted> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| ecs::delete(c.db(), &p, &i)).await
    }

    async fn load_hosts(&self, hosts: Vec<openwks_core::catalogue::HostSpec>) -> Result<()> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| {
            let state = servers::FleetState::load(c.db(), hosts)?;
            *fleet
                .lock()
                .map_err(|_| Error::internal("fleet lock poisoned"))? = Some(state);
            Ok(())
        })
        .await
    }
    async fn host_usage(&self) -> Result<crate::HostUsage> {
        let (usage, specs) = match self
            .fleet
            .lock()
            .map_err(|_| Error::internal("fleet lock poisoned"))?
            .as_ref()
        {
            Some(f) => (f.usage(), f.specs()),
            None => Default::default(),
        };
        // Another replica may have placed servers since this one's last write: count afresh.
        let usage = if self.shared() && !specs.is_empty() {
            self.read(move |c| servers::FleetState::load(c, specs).map(|f| f.usage()))
                .await?
        } else {
            usage
        };
        let by_host = self.read(servers::by_host).await?;
        Ok(usage
            .into_iter()
            .map(|(h, u)| {
                let s = by_host.get(&h).cloned().unwrap_or_default();
                (h, (u, s))
            })
            .collect())
    }
    async fn create_servers(
        &self,
        args: crate::CreateServersArgs,
    ) -> Result<(
        openwks_core::compute::Job,
        Vec<openwks_core::compute::Server>,
    )> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| servers::create(c, &fleet, &args)).await
    }
    async fn finish_job(
        &self,
        project_id: &str,
        job_id: &str,
        now: Timestamp,
    ) -> Result<Option<openwks_core::compute::Job>> {
        let (p, j, fleet) = (
            project_id.to_string(),
            job_id.to_string(),
            Arc::clone(&self.fleet),
        );
        self.write(move |c| servers::finish_job(c, &fleet, &p, &j, now))
            .await
    }
    async fn delete_servers(
        &self,
        project_id: &str,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let p = project_id.to_string();
        self.write(move |c| servers::delete(c, &p, &ids, &job_id, now))
            .await
    }
    async fn job(&self, project_id: &str, id: &str) -> Result<Option<openwks_core::compute::Job>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read_one(move |c| servers::load_job(c, &p, &i)).await
    }
    async fn running_jobs(&self) -> Result<Vec<openwks_core::compute::Job>> {
        self.read(servers::running_jobs).await
    }
    async fn server(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::compute::Server>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read_one(move |c| rows::server(c, &p, &i)).await
    }
    async fn list_servers(
        &self,
        project_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::compute::Server>)> {
        let p = project_id.to_string();
        self.read(move |c| servers::list(c, &p, offset, limit))
            .await
    }
    async fn change_ecs_members(
        &self,
        project_id: &str,
        group_id: &str,
        server_ids: Vec<String>,
        add: bool,
    ) -> Result<Vec<Option<Error>>> {
        let (p, g) = (project_id.to_string(), group_id.to_string());
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| servers::change_ecs_members(c, &fleet, &p, &g, &server_ids, add))
            .await
    }
    async fn create_app_servers(
        &self,
        args: crate::CreateServersArgs,
    ) -> Result<(
        openwks_core::compute::Job,
        Vec<openwks_core::compute::Server>,
    )> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| servers::create_app(c, &fleet, args))
            .await
    }
    async fn list_app_servers(
        &self,
        project_id: &str,
        filter: &crate::AppServerFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::compute::Server>)> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| servers::list_app(c, &p, &f, offset, limit))
            .await
    }
    async fn update_app_server(
        &self,
        project_id: &str,
        id: &str,
        update: crate::ServerUpdate,
    ) -> Result<openwks_core::compute::Server> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| servers::update_app(c, &p, &i, update))
            .await
    }
    async fn server_group_states(
        &self,
        project_id: &str,
        server_group_id: &str,
    ) -> Result<std::collections::BTreeMap<String, i64>> {
        let (p, g) = (project_id.to_string(), server_group_id.to_string());
        self.read(move |c| {
            rows::server_group(c, &p, &g)?.ok_or_else(|| Error::not_found("server group", &g))?;
            servers::group_states(c, &g)
        })
        .await
    }
    async fn power_servers(
        &self,
        project_id: &str,
        ids: Vec<String>,
        action: crate::PowerAction,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let p = project_id.to_string();
        self.write(move |c| servers::power(c, &p, &ids, action, &job_id, now))
            .await
    }
    async fn rebuild_app_servers(
        &self,
        project_id: &str,
        ids: Vec<String>,
        image: Option<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let p = project_id.to_string();
        self.write(move |c| servers::rebuild(c, &p, &ids, image.as_deref(), &job_id, now))
            .await
    }
    async fn reconfigure_app_servers(
        &self,
        project_id: &str,
        ids: Vec<String>,
        kind: &'static str,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let p = project_id.to_string();
        self.write(move |c| servers::reconfigure(c.db(), &p, &ids, kind, &job_id, now))
            .await
    }
    async fn migrate_app_servers(
        &self,
        project_id: &str,
        ids: Vec<String>,
        host_id: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let (p, fleet) = (project_id.to_string(), Arc::clone(&self.fleet));
        self.write(move |c| servers::migrate(c, &fleet, &p, &ids, &host_id, &job_id, now))
            .await
    }
    async fn sub_jobs(
        &self,
        project_id: &str,
    ) -> Result<Vec<(openwks_core::compute::Job, openwks_core::compute::SubJob)>> {
        let p = project_id.to_string();
        self.read(move |c| servers::sub_jobs(c, &p)).await
    }
    async fn delete_sub_jobs(&self, project_id: &str, ids: Vec<String>) -> Result<usize> {
        let p = project_id.to_string();
        self.write(move |c| servers::delete_sub_jobs(c.db(), &p, &ids))
            .await
    }

    async fn launch(&self, args: crate::LaunchArgs) -> Result<crate::LaunchOutcome> {
        self.write(move |c| sessions::launch(c, &args)).await
    }
    async fn launch_target(
        &self,
        project_id: &str,
        spec: openwks_core::session::LaunchSpec,
    ) -> Result<openwks_core::session::LaunchTarget> {
        let p = project_id.to_string();
        self.read(move |c| sessions::launch_target(c, &p, &spec))
            .await
    }
    async fn explain_routing(
        &self,
        project_id: &str,
        server_group_id: &str,
        catalogue: Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Vec<crate::GroupDecision>> {
        let (p, g) = (project_id.to_string(), server_group_id.to_string());
        self.read(move |c| sessions::explain(c, &p, &g, &catalogue))
            .await
    }
    async fn session(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<openwks_core::session::Session>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read(move |c| sessions::load(c, &p, &i)).await
    }
    async fn end_session(
        &self,
        project_id: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| sessions::logoff_now(c, &p, &i, now))
            .await
    }
    async fn disconnect_session(
        &self,
        project_id: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.write(move |c| sessions::disconnect(c, &p, &i, now))
            .await
    }
    async fn logoff_sessions(
        &self,
        project_id: &str,
        ids: Vec<String>,
        delay_secs: i64,
        now: Timestamp,
    ) -> Result<()> {
        let p = project_id.to_string();
        self.write(move |c| sessions::logoff(c, &p, &ids, delay_secs, now))
            .await
    }
    async fn expire_sessions(&self, now: Timestamp) -> Result<usize> {
        // Most rounds find nothing due: then no write (which on PostgreSQL would also retire
        // every replica's cached views).
        if !self
            .read_one(move |c| sessions::any_due(c, now.ms()))
            .await?
        {
            return Ok(0);
        }
        self.write(move |c| sessions::expire(c, now)).await
    }
    async fn list_sessions(
        &self,
        project_id: &str,
        filter: &openwks_core::session::SessionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::session::Session>)> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| sessions::list(c, &p, &f, offset, limit))
            .await
    }
    async fn app_connections(
        &self,
        project_id: &str,
        filter: &openwks_core::session::ConnectionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<crate::ConnectionPage> {
        let (p, f) = (project_id.to_string(), filter.clone());
        self.read(move |c| sessions::connections(c, &p, &f, offset, limit))
            .await
    }
    async fn live_session_counts(
        &self,
        server_ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, u32>> {
        self.read(move |c| {
            let ids: Vec<&str> = server_ids.iter().map(String::as_str).collect();
            sessions::live_counts(c, &ids)
        })
        .await
    }
    async fn live_sessions_by_server(&self) -> Result<Vec<(String, String, u64)>> {
        self.read(sessions::live_by_server).await
    }
    async fn save_export(&self, project_id: &str, id: String, doc: String) -> Result<()> {
        let p = project_id.to_string();
        self.write(move |c| sessions::save_export(c.db(), &p, &id, &doc))
            .await
    }
    async fn export(&self, project_id: &str, id: &str) -> Result<Option<String>> {
        let (p, i) = (project_id.to_string(), id.to_string());
        self.read(move |c| sessions::export(c, &p, &i)).await
    }
    async fn scaling_groups(&self) -> Result<Vec<(String, String)>> {
        self.read(sessions::scaling_groups).await
    }
    async fn scaling_inputs(
        &self,
        project_id: &str,
        server_group_id: &str,
        catalogue: Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Option<crate::ScalingInputs>> {
        let (p, g) = (project_id.to_string(), server_group_id.to_string());
        self.read(move |c| {
            Ok(
                sessions::group_state(c, &p, &g, &catalogue)?.map(|gs| crate::ScalingInputs {
                    group: gs.group,
                    policy: gs.policy,
                    servers: gs.loads,
                }),
            )
        })
        .await
    }
    async fn scale_in(
        &self,
        project_id: &str,
        server_group_id: &str,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<Option<(openwks_core::compute::Job, Vec<String>)>> {
        let (p, g) = (project_id.to_string(), server_group_id.to_string());
        self.write(move |c| {
            let idle = sessions::release_idle(c, &p, &g, &ids)?;
            if idle.is_empty() {
                return Ok(None);
            }
            let job = servers::delete(c, &p, &idle, &job_id, now)?;
            Ok(Some((job, idle)))
        })
        .await
    }
    async fn record_scaling_activity(&self, activity: crate::ScalingActivity) -> Result<()> {
        self.write(move |c| sessions::record_activity(c.db(), &activity))
            .await
    }
    async fn scaling_activities(
        &self,
        project_id: &str,
        server_group_id: &str,
        limit: i64,
    ) -> Result<Vec<crate::ScalingActivity>> {
        let (p, g) = (project_id.to_string(), server_group_id.to_string());
        self.read(move |c| sessions::activities(c, &p, &g, limit))
            .await
    }

    async fn create_iam_user(&self, user: IamUser, password_hash: String) -> Result<IamUser> {
        self.iam_write(move |c| iam::create_user(c.db(), &user, &password_hash).map(|()| user))
            .await
    }
    async fn iam_user(&self, account_id: &str, id: &str) -> Result<Option<IamUser>> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.read(move |c| iam::user(c, &a, &i)).await
    }
    async fn iam_users(&self, account_id: &str) -> Result<Vec<IamUser>> {
        let a = account_id.to_string();
        self.read(move |c| iam::users(c, &a)).await
    }
    async fn update_iam_user(
        &self,
        account_id: &str,
        id: &str,
        enabled: Option<bool>,
        password_hash: Option<String>,
    ) -> Result<IamUser> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.iam_write(move |c| iam::update_user(c.db(), &a, &i, enabled, password_hash.as_deref()))
            .await
    }
    async fn delete_iam_user(&self, account_id: &str, id: &str) -> Result<crate::Deleted> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.iam_write(move |c| iam::delete_user(c.db(), &a, &i))
            .await
    }
    async fn create_iam_key(
        &self,
        account_id: &str,
        user_id: &str,
        access_key: String,
        secret_key: String,
        now: Timestamp,
    ) -> Result<IamKey> {
        let (a, u) = (account_id.to_string(), user_id.to_string());
        self.iam_write(move |c| iam::create_key(c.db(), &a, &u, &access_key, &secret_key, now))
            .await
    }
    async fn iam_keys(&self, account_id: &str, user_id: &str) -> Result<Vec<IamKey>> {
        let (a, u) = (account_id.to_string(), user_id.to_string());
        self.read(move |c| iam::keys(c, &a, &u)).await
    }
    async fn set_iam_key_status(
        &self,
        account_id: &str,
        user_id: &str,
        access_key: &str,
        status: &str,
    ) -> Result<IamKey> {
        let (a, u, k, s) = (
            account_id.to_string(),
            user_id.to_string(),
            access_key.to_string(),
            status.to_string(),
        );
        self.iam_write(move |c| iam::set_key_status(c.db(), &a, &u, &k, &s))
            .await
    }
    async fn delete_iam_key(
        &self,
        account_id: &str,
        user_id: &str,
        access_key: &str,
    ) -> Result<crate::Deleted> {
        let (a, u, k) = (
            account_id.to_string(),
            user_id.to_string(),
            access_key.to_string(),
        );
        self.iam_write(move |c| iam::delete_key(c.db(), &a, &u, &k))
            .await
    }
    async fn create_iam_policy(&self, policy: IamPolicy) -> Result<IamPolicy> {
        self.iam_write(move |c| iam::create_policy(c.db(), &policy).map(|()| policy))
            .await
    }
    async fn iam_policies(&self, account_id: &str) -> Result<Vec<IamPolicy>> {
        let a = account_id.to_string();
        self.read(move |c| iam::policies(c, &a)).await
    }
    async fn iam_policy(&self, account_id: &str, id: &str) -> Result<Option<IamPolicy>> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.read(move |c| iam::policy(c, &a, &i)).await
    }
    async fn delete_iam_policy(&self, account_id: &str, id: &str) -> Result<crate::Deleted> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.iam_write(move |c| iam::delete_policy(c.db(), &a, &i))
            .await
    }
    async fn create_iam_group(&self, group: IamGroup) -> Result<IamGroup> {
        self.iam_write(move |c| iam::create_group(c.db(), &group).map(|()| group))
            .await
    }
    async fn iam_groups(&self, account_id: &str) -> Result<Vec<IamGroup>> {
        let a = account_id.to_string();
        self.read(move |c| iam::groups(c, &a)).await
    }
    async fn iam_group(&self, account_id: &str, id: &str) -> Result<Option<IamGroup>> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.read(move |c| iam::group(c, &a, &i)).await
    }
    async fn delete_iam_group(&self, account_id: &str, id: &str) -> Result<crate::Deleted> {
        let (a, i) = (account_id.to_string(), id.to_string());
        self.iam_write(move |c| iam::delete_group(c.db(), &a, &i))
            .await
    }
    async fn set_iam_member(
        &self,
        account_id: &str,
        group_id: &str,
        user_id: &str,
        member: bool,
    ) -> Result<IamGroup> {
        let (a, g, u) = (
            account_id.to_string(),
            group_id.to_string(),
            user_id.to_string(),
        );
        self.iam_write(move |c| iam::set_member(c.db(), &a, &g, &u, member))
            .await
    }
    async fn set_iam_attachment(
        &self,
        account_id: &str,
        policy_id: &str,
        principal: Principal,
        principal_id: &str,
        attach: bool,
    ) -> Result<()> {
        let (a, p, i) = (
            account_id.to_string(),
            policy_id.to_string(),
            principal_id.to_string(),
        );
        self.iam_write(move |c| iam::set_attachment(c.db(), &a, &p, principal, &i, attach))
            .await
    }
    async fn iam_policy_attachments(&self, account_id: &str, policy_id: &str) -> Result<i64> {
        let (a, p) = (account_id.to_string(), policy_id.to_string());
        self.read(move |c| iam::attachment_count(c, &a, &p)).await
    }
    async fn iam_attached(
        &self,
        account_id: &str,
        principal: Principal,
        principal_id: &str,
    ) -> Result<Vec<IamPolicy>> {
        let (a, i) = (account_id.to_string(), principal_id.to_string());
        self.read(move |c| iam::attached(c, &a, principal, &i))
            .await
    }
    async fn iam_effective_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<IamPolicy>> {
        let (a, u) = (account_id.to_string(), user_id.to_string());
        self.read(move |c| iam::effective(c, &a, &u)).await
    }
    async fn append_audit(&self, event: AuditEvent) -> Result<()> {
        self.write_one(move |c| iam::append_audit(c, &event)).await
    }
    async fn audit_events(
        &self,
        account_id: &str,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<AuditEvent>)> {
        let (a, f) = (account_id.to_string(), filter.clone());
        self.read(move |c| iam::audit(c, &a, &f, offset, limit))
            .await
    }
    async fn prune_audit(&self, before_ms: i64) -> Result<u64> {
        self.write_one(move |c| iam::prune_audit(c, before_ms))
            .await
    }

    fn shared(&self) -> bool {
        SqlStore::shared(self)
    }
    async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool> {
        let (n, h) = (name.to_string(), holder.to_string());
        self.write_one(move |c| identity::try_lease(c, &n, &h, now.ms(), ttl_ms))
            .await
    }
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let (n, h) = (name.to_string(), holder.to_string());
        self.write_one(move |c| identity::release_lease(c, &n, &h))
            .await
    }
    async fn next_counter(&self, key: &str) -> Result<i64> {
        let k = key.to_string();
        self.write(move |c| identity::next_counter(c.db(), &k))
            .await
    }
    async fn iam_generation(&self) -> Result<i64> {
        self.read_one(identity::iam_generation).await
    }
}
