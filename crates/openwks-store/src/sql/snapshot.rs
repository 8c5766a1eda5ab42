//! Snapshots (issue 21): the whole state as one JSON document — every table but the engine's
//! own bookkeeping (migrations, leases, write generations, view changes) and this process's
//! settings (node counter, token secret) — and its load into an openwks that holds no
//! resource, on either engine: a snapshot of the SQLite store loads into PostgreSQL and back.
//!
//! Tables are written by column name; a load takes the columns both sides know (PostgreSQL's
//! explicit `rowid` columns stand for SQLite's implicit ones), in one write: the identity and
//! everything else of the target is replaced, the fleet reloaded, every cached view dropped.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::db::{db_err, Connection, Value};
use openwks_core::error::Reason;
use openwks_core::time::Timestamp;
use openwks_core::{Error, ErrorKind, Result};

use super::engine::SqlStore;
use super::fleet::FleetState;
use super::rows;
use super::tx::WriteTx;

/// What a snapshot file says it is.
pub const FORMAT: &str = "openwks-snapshot";
/// The snapshot format's version.
pub const VERSION: i64 = 1;

/// The tables of a snapshot, parents before children (a load deletes in the reverse order).
pub(crate) const TABLES: &[&str] = &[
    "accounts",
    "projects",
    "users",
    "access_keys",
    "iam_policies",
    "iam_groups",
    "iam_group_members",
    "iam_attachments",
    "audit_events",
    "vpcs",
    "subnets",
    "server_groups",
    "server_group_tags",
    "app_groups",
    "apps",
    "icons",
    "authorizations",
    "mail_records",
    "user_groups",
    "user_group_members",
    "ecs_server_groups",
    "servers",
    "ecs_group_members",
    "jobs",
    "sessions",
    "app_connections",
    "scaling_activities",
    "export_tasks",
    "host_states",
    "schedule_tasks",
    "schedule_runs",
    "hotspot_configs",
    "warehouse_apps",
    "warehouse_buckets",
    "image_servers",
    "image_jobs",
    "private_images",
    "persistent_storages",
    "storage_claims",
    "storage_assignments",
    "storage_policies",
    "cloud_storages",
    "cloud_folders",
    "policy_groups",
    "policy_templates",
];

/// One table: its columns and rows (values as JSON: numbers, strings, null, `{"base64": …}`
/// for bytes).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TableDump {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each a value per column.
    pub rows: Vec<Vec<Json>>,
}

/// A whole state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: i64,
    /// `sqlite` or `postgres`: where it was taken.
    pub engine: String,
    /// When (RFC 3339, the server's clock).
    pub taken_at: String,
    /// Table → dump.
    pub tables: BTreeMap<String, TableDump>,
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(n) => Json::from(*n),
        Value::Real(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Text(s) => Json::String(s.clone()),
        Value::Blob(b) => {
            serde_json::json!({ "base64": base64::engine::general_purpose::STANDARD.encode(b) })
        }
    }
}

fn bad(message: String) -> Error {
    Error::new(ErrorKind::Invalid, Reason::InvalidParameter, message)
}

fn from_json(table: &str, column: &str, v: &Json) -> Result<Value> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Object(o) if o.len() == 1 && o.contains_key("base64") => {
            let text = o.get("base64").and_then(Json::as_str).unwrap_or("");
            Value::Blob(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| bad(format!("{table}.{column}: bad base64: {e}")))?,
            )
        }
        _ => {
            return Err(bad(format!(
                "{table}.{column}: a value must be a number, a string, null or {{\"base64\": …}}"
            )))
        }
    })
}

/// A table's columns, in order.
pub(crate) fn columns(conn: &Connection, table: &str, postgres: bool) -> Result<Vec<String>> {
    let sql = if postgres {
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
    };
    rows::strings(conn, sql, [table])
}

fn order_by(cols: &[String], postgres: bool) -> String {
    if cols.iter().any(|c| c == "seq") {
        "seq".into()
    } else if !postgres || cols.iter().any(|c| c == "rowid") {
        "rowid".into()
    } else {
        cols.first().cloned().unwrap_or_else(|| "1".into())
    }
}

/// The whole state, read in one snapshot of the database.
pub(crate) fn export(conn: &Connection, postgres: bool, taken_at: String) -> Result<Snapshot> {
    let mut tables = BTreeMap::new();
    for t in TABLES {
        let cols = columns(conn, t, postgres)?;
        let sql = format!(
            "SELECT {} FROM {t} ORDER BY {}",
            cols.join(", "),
            order_by(&cols, postgres)
        );
        let rows = conn
            .fetch(&sql, Vec::new())
            .map_err(db_err)?
            .iter()
            .map(|r| {
                (0..cols.len())
                    .map(|i| r.get::<_, Value>(i).map(|v| to_json(&v)))
                    .collect::<crate::db::DbResult<Vec<Json>>>()
            })
            .collect::<crate::db::DbResult<Vec<_>>>()
            .map_err(db_err)?;
        tables.insert(
            (*t).to_string(),
            TableDump {
                columns: cols,
                rows,
            },
        );
    }
    Ok(Snapshot {
        format: FORMAT.into(),
        version: VERSION,
        engine: if postgres { "postgres" } else { "sqlite" }.into(),
        taken_at,
        tables,
    })
}

/// Check a snapshot before anything is written: its format, version and tables, and that
/// every row has a value per column.
pub fn check(s: &Snapshot) -> Result<()> {
    if s.format != FORMAT {
        return Err(bad(format!(
            "not an openwks snapshot (format {:?}, want {FORMAT:?})",
            s.format
        )));
    }
    if s.version != VERSION {
        return Err(bad(format!(
            "snapshot version {} is not supported (this openwks reads version {VERSION})",
            s.version
        )));
    }
    for (name, t) in &s.tables {
        if !TABLES.contains(&name.as_str()) {
            return Err(bad(format!("the snapshot has an unknown table {name}")));
        }
        if let Some((i, r)) = t
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != t.columns.len())
        {
            return Err(bad(format!(
                "{name} row {i} has {} values for {} columns",
                r.len(),
                t.columns.len()
            )));
        }
    }
    if s.tables.get("accounts").is_none_or(|t| t.rows.is_empty()) {
        return Err(bad("the snapshot has no account".into()));
    }
    Ok(())
}

/// Load `s` (checked) in `tx`, replacing every table of it; the rows loaded per table. The
/// target must hold no resource (409 otherwise).
pub(crate) fn load(tx: &WriteTx, s: &Snapshot, postgres: bool) -> Result<BTreeMap<String, i64>> {
    let conn = tx.db();
    for table in super::admin::RESOURCE_TABLES {
        if *table == "host_states" {
            continue;
        }
        let n: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(db_err)?;
        if n > 0 {
            return Err(Error::conflict(
                Reason::Conflict,
                format!("a snapshot loads into an openwks without resources, and this one has {n} row(s) in {table}: reset it first"),
            ));
        }
    }
    for t in TABLES.iter().rev() {
        conn.execute(&format!("DELETE FROM {t}"), [])
            .map_err(db_err)?;
    }
    let mut loaded = BTreeMap::new();
    for t in TABLES {
        let Some(dump) = s.tables.get(*t) else {
            loaded.insert((*t).to_string(), 0);
            continue;
        };
        let have = columns(conn, t, postgres)?;
        // The columns both sides know, by position in the dump.
        let keep: Vec<(usize, &String)> = dump
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| have.contains(c))
            .collect();
        if keep.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=keep.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {t} ({}) VALUES ({})",
            keep.iter()
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            marks.join(", ")
        );
        for row in &dump.rows {
            let values = keep
                .iter()
                .map(|(i, c)| from_json(t, c, &row[*i]))
                .collect::<Result<Vec<Value>>>()?;
            conn.execute(&sql, values).map_err(|e| {
                Error::new(
                    ErrorKind::Invalid,
                    Reason::InvalidParameter,
                    format!("loading {t}: {e}"),
                )
            })?;
        }
        if postgres {
            // Serial columns go on after the loaded rows.
            for serial in ["seq", "rowid"] {
                if have.iter().any(|c| c == serial) {
                    conn.query_row(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{t}', '{serial}'), COALESCE(MAX({serial}), 0) + 1, false) FROM {t}"
                        ),
                        [],
                        |_| Ok(()),
                    )
                    .map_err(db_err)?;
                }
            }
        }
        loaded.insert((*t).to_string(), dump.rows.len() as i64);
    }
    for id in rows::strings(conn, "SELECT id FROM server_groups", [])? {
        tx.touch(&id);
    }
    Ok(loaded)
}

#[async_trait::async_trait]
impl crate::Snapshots for SqlStore {
    async fn export_snapshot(&self, now: Timestamp) -> Result<Snapshot> {
        let postgres = self.shared();
        // In the writer: one consistent state, whatever the engine.
        self.write(move |tx| export(tx.db(), postgres, now.wire()))
            .await
    }

    async fn load_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> Result<(BTreeMap<String, i64>, openwks_core::identity::Bootstrap)> {
        check(&snapshot)?;
        let postgres = self.shared();
        let fleet = std::sync::Arc::clone(&self.fleet);
        let out = self
            .iam_write(move |tx| {
                let loaded = load(tx, &snapshot, postgres)?;
                let mut f = fleet
                    .lock()
                    .map_err(|_| openwks_core::Error::internal("fleet lock poisoned"))?;
                if let Some(state) = f.as_mut() {
                    *state = FleetState::load(tx.db(), state.specs.clone())?;
                }
                let bootstrap = super::identity::load_bootstrap(tx.db())?;
                Ok((loaded, bootstrap))
            })
            .await?;
        self.views.clear();
        Ok(out)
    }
}
