//! Accounts, projects, users, access keys and settings.

use super::engine::SqlStore;
use super::generations;
use crate::db::{params, Connection, OptionalExtension};
use openwks_core::catalogue::Catalogue;
use openwks_core::identity::{AccessKey, Bootstrap, Project, User};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::network;
use crate::db::db_err;

fn project_from_row(r: &crate::db::Row) -> crate::db::DbResult<Project> {
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        account_id: r.get(2)?,
        account_name: r.get(3)?,
        created_at: r.get(4)?,
    })
}

const PROJECT_SQL: &str = "SELECT p.id, p.name, p.account_id, a.name, p.created_at FROM projects p JOIN accounts a ON a.id = p.account_id";

fn user_from_row(r: &crate::db::Row) -> crate::db::DbResult<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        account_id: r.get(2)?,
        is_admin: r.get::<_, i64>(3)? != 0,
        password_hash: r.get(4)?,
    })
}

const USER_SQL: &str =
    "SELECT u.id, u.name, u.account_id, u.is_admin, u.password_hash FROM users u";

pub(crate) fn bootstrap(
    conn: &Connection,
    ids: &openwks_core::ids::IdSource,
    wanted: Bootstrap,
    cat: &Catalogue,
) -> Result<Bootstrap> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM accounts ORDER BY created_at LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if existing.is_none() {
        let now = openwks_core::time::now_rfc3339();
        let p = &wanted.project;
        conn.execute(
            "INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![p.account_id, wanted.account_name, now],
        )
        .map_err(db_err)?;
        conn.execute(
            "INSERT INTO projects (id, account_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.account_id, p.name, now],
        )
        .map_err(db_err)?;
        let u = &wanted.admin;
        conn.execute(
            "INSERT INTO users (id, account_id, name, is_admin, password_hash, created_at) VALUES (?1, ?2, ?3, 1, ?4, ?5)",
            params![u.id, u.account_id, u.name, u.password_hash, now],
        )
        .map_err(db_err)?;
        let k = &wanted.key;
        conn.execute(
            "INSERT INTO access_keys (access_key, secret_key, user_id, status, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
            params![k.access_key, k.secret_key, k.user_id, now],
        )
        .map_err(db_err)?;
        let (vpc, subnet) = super::admin::default_network(ids, cat, &p.id, &now);
        network::insert_vpc(conn, &vpc)?;
        network::insert_subnet(conn, &subnet)?;
    }
    load_bootstrap(conn)
}

pub(crate) fn load_bootstrap(conn: &Connection) -> Result<Bootstrap> {
    let project = conn
        .query_row(
            &format!("{PROJECT_SQL} ORDER BY p.created_at LIMIT 1"),
            [],
            project_from_row,
        )
        .map_err(db_err)?;
    let admin = conn
        .query_row(
            &format!("{USER_SQL} WHERE u.account_id = ?1 AND u.is_admin = 1 ORDER BY u.created_at LIMIT 1"),
            [&project.account_id],
            user_from_row,
        )
        .map_err(db_err)?;
    let key = conn
        .query_row(
            "SELECT access_key, secret_key, user_id, status FROM access_keys WHERE user_id = ?1 ORDER BY created_at LIMIT 1",
            [&admin.id],
            |r| {
                Ok(AccessKey {
                    access_key: r.get(0)?,
                    secret_key: r.get(1)?,
                    user_id: r.get(2)?,
                    account_id: admin.account_id.clone(),
                    status: r.get(3)?,
                })
            },
        )
        .map_err(db_err)?;
    Ok(Bootstrap {
        account_name: project.account_name.clone(),
        project,
        admin,
        key,
    })
}

pub(crate) fn access_keys(conn: &Connection) -> Result<Vec<AccessKey>> {
    let mut st = conn
        .prepare("SELECT k.access_key, k.secret_key, k.user_id, u.account_id, k.status FROM access_keys k JOIN users u ON u.id = k.user_id WHERE u.enabled = 1")
        .map_err(db_err)?;
    let rows = st
        .query_map([], |r| {
            Ok(AccessKey {
                access_key: r.get(0)?,
                secret_key: r.get(1)?,
                user_id: r.get(2)?,
                account_id: r.get(3)?,
                status: r.get(4)?,
            })
        })
        .map_err(db_err)?;
    rows.collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)
}

pub(crate) fn user(conn: &Connection, id: &str) -> Result<Option<User>> {
    conn.query_row(
        &format!("{USER_SQL} WHERE u.id = ?1 AND u.enabled = 1"),
        [id],
        user_from_row,
    )
    .optional()
    .map_err(db_err)
}

pub(crate) fn user_by_name(conn: &Connection, account: &str, name: &str) -> Result<Option<User>> {
    conn.query_row(
        &format!(
            "{USER_SQL} JOIN accounts a ON a.id = u.account_id WHERE a.name = ?1 AND u.name = ?2 \
             AND u.enabled = 1"
        ),
        [account, name],
        user_from_row,
    )
    .optional()
    .map_err(db_err)
}

pub(crate) fn projects(
    conn: &Connection,
    account_id: &str,
    name: Option<&str>,
) -> Result<Vec<Project>> {
    let mut st = conn
        .prepare(&format!("{PROJECT_SQL} WHERE p.account_id = ?1 AND (p.name = ?2 OR ?2 IS NULL) ORDER BY p.created_at"))
        .map_err(db_err)?;
    let rows = st
        .query_map(params![account_id, name], project_from_row)
        .map_err(db_err)?;
    rows.collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)
}

pub(crate) fn project(conn: &Connection, id: &str) -> Result<Option<Project>> {
    conn.query_row(
        &format!("{PROJECT_SQL} WHERE p.id = ?1"),
        [id],
        project_from_row,
    )
    .optional()
    .map_err(db_err)
}

pub(crate) fn setting_or_init(conn: &Connection, key: &str, init: &str) -> Result<String> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        [key, init],
    )
    .map_err(db_err)?;
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .map_err(db_err)
}

/// Take or renew lease `name` for `holder` until `now_ms + ttl_ms`: granted when nobody
/// holds it, `holder` does, or the holder's lease has run out.
pub(crate) fn try_lease(
    conn: &Connection,
    name: &str,
    holder: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<bool> {
    let n = conn
        .execute(
            "INSERT INTO leases (name, holder, expires_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms \
             WHERE leases.holder = excluded.holder OR leases.expires_ms < ?4",
            params![name, holder, now_ms + ttl_ms, now_ms],
        )
        .map_err(db_err)?;
    Ok(n == 1)
}

/// Give lease `name` up if `holder` has it (a replica shutting down hands over at once).
pub(crate) fn release_lease(conn: &Connection, name: &str, holder: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
        [name, holder],
    )
    .map_err(db_err)?;
    Ok(())
}

/// Add one to the counter `key` of the settings; its new value.
pub(crate) fn next_counter(conn: &Connection, key: &str) -> Result<i64> {
    let v: String = conn
        .query_row(
            "INSERT INTO settings (key, value) VALUES (?1, '1') ON CONFLICT (key) DO UPDATE \
             SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT) RETURNING value",
            [key],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    v.parse()
        .map_err(|_| Error::internal(format!("setting {key} is not a counter: {v:?}")))
}

#[async_trait::async_trait]
impl crate::Identity for SqlStore {
    async fn bootstrap(
        &self,
        wanted: openwks_core::identity::Bootstrap,
        catalogue: &openwks_core::catalogue::Catalogue,
    ) -> Result<openwks_core::identity::Bootstrap> {
        let cat = catalogue.clone();
        self.iam_write(move |c| bootstrap(c.db(), &c.ids(), wanted, &cat))
            .await
    }

    async fn use_id_source(&self, ids: std::sync::Arc<openwks_core::ids::IdSource>) -> Result<()> {
        self.write(move |c| {
            c.set_ids(ids);
            Ok(())
        })
        .await
    }

    async fn access_keys(&self) -> Result<Vec<openwks_core::identity::AccessKey>> {
        self.read(access_keys).await
    }

    async fn user(&self, id: String) -> Result<Option<openwks_core::identity::User>> {
        self.read_one(move |c| user(c, &id)).await
    }

    async fn user_by_name(
        &self,
        account: String,
        name: String,
    ) -> Result<Option<openwks_core::identity::User>> {
        self.read(move |c| user_by_name(c, &account, &name)).await
    }

    async fn projects(
        &self,
        account_id: String,
        name: Option<String>,
    ) -> Result<Vec<openwks_core::identity::Project>> {
        self.read(move |c| projects(c, &account_id, name.as_deref()))
            .await
    }

    async fn project(&self, id: String) -> Result<Option<openwks_core::identity::Project>> {
        self.read_one(move |c| project(c, &id)).await
    }

    async fn setting_or_init(&self, key: String, init: String) -> Result<String> {
        self.write(move |c| setting_or_init(c.db(), &key, &init))
            .await
    }
}

#[async_trait::async_trait]
impl crate::Cluster for SqlStore {
    fn shared(&self) -> bool {
        SqlStore::shared(self)
    }

    async fn try_lease(
        &self,
        name: String,
        holder: String,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool> {
        self.write_one(move |c| try_lease(c, &name, &holder, now.ms(), ttl_ms))
            .await
    }

    async fn release_lease(&self, name: String, holder: String) -> Result<()> {
        self.write_one(move |c| release_lease(c, &name, &holder))
            .await
    }

    async fn next_counter(&self, key: String) -> Result<i64> {
        self.write(move |c| next_counter(c.db(), &key)).await
    }

    async fn iam_generation(&self) -> Result<i64> {
        self.read_one(generations::iam_generation).await
    }
}
