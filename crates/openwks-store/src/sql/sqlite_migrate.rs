//! Versioned migrations: each file in `migrations/sqlite/` runs once, in order, in one
//! transaction with its `schema_migrations` row.

use openwks_core::{Error, Result};
use rusqlite::Connection;

use super::sqlite_conn::sqlite_err;

fn db_err(e: rusqlite::Error) -> Error {
    crate::db::db_err(sqlite_err(e))
}

/// `(version, sql)` in order.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        include_str!("../../migrations/sqlite/0002_app_groups.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_authorizations.sql"),
    ),
    (4, include_str!("../../migrations/sqlite/0004_apps.sql")),
    (5, include_str!("../../migrations/sqlite/0005_ecs.sql")),
    (6, include_str!("../../migrations/sqlite/0006_servers.sql")),
    (
        7,
        include_str!("../../migrations/sqlite/0007_app_servers.sql"),
    ),
    (8, include_str!("../../migrations/sqlite/0008_sessions.sql")),
    (9, include_str!("../../migrations/sqlite/0009_iam.sql")),
    (10, include_str!("../../migrations/sqlite/0010_cluster.sql")),
    (
        11,
        include_str!("../../migrations/sqlite/0011_view_changes.sql"),
    ),
    (
        12,
        include_str!("../../migrations/sqlite/0012_audit_columns.sql"),
    ),
    (
        13,
        include_str!("../../migrations/sqlite/0013_host_states.sql"),
    ),
    (
        14,
        include_str!("../../migrations/sqlite/0014_schedule_tasks.sql"),
    ),
    (
        15,
        include_str!("../../migrations/sqlite/0015_hotspot_configs.sql"),
    ),
    (
        16,
        include_str!("../../migrations/sqlite/0016_policy_groups.sql"),
    ),
    (
        17,
        include_str!("../../migrations/sqlite/0017_server_drains.sql"),
    ),
    (18, include_str!("../../migrations/sqlite/0018_images.sql")),
    (
        19,
        include_str!("../../migrations/sqlite/0019_storages.sql"),
    ),
];

/// Apply every migration newer than the database.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(db_err)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > newest {
        return Err(Error::internal(format!(
            "the database is at schema version {current}, newer than this openwks ({newest})"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, openwks_core::time::now_rfc3339()],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}
