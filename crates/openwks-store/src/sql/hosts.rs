//! Host failures (issue 21): the administrator marks a host down; it takes no new servers
//! (the fleet skips it), each of its servers goes to `ERROR` and ends its live sessions, and
//! the scaling controller replaces the app servers it held ([`crate::Hosts::failed_app_servers`]).
//! Marking it up again makes it placeable; its servers stay in `ERROR` until replaced or
//! deleted. The state is a row per down host, so that every replica's fleet sees it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::db::{params, Connection};
use openwks_core::compute::{Server, HOST_DOWN_FAULT};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::engine::SqlStore;
use super::fleet::{fresh, FleetState};
use super::rows::{self, json_err};
use super::servers;
use super::tx::WriteTx;
use crate::db::db_err;
use crate::{DownHost, FailedServer};

/// The hosts that are down: id → why and since when.
pub(crate) fn down(conn: &Connection) -> Result<BTreeMap<String, DownHost>> {
    let rows = conn
        .prepare_cached("SELECT host_id, reason, since FROM host_states")
        .map_err(db_err)?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|(h, reason, since)| (h, DownHost { reason, since }))
        .collect())
}

/// Mark `host_id` down (`Some(reason)`) or up; the servers that went to `ERROR`. `None`: no
/// such host.
fn set_down(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    host_id: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<Option<Vec<Server>>> {
    let conn = tx.db();
    let mut guard = fleet
        .lock()
        .map_err(|_| Error::internal("fleet lock poisoned"))?;
    let state = fresh(conn, &mut guard)?;
    let Some(&i) = state.hosts.get(host_id) else {
        return Ok(None);
    };
    let Some(reason) = reason else {
        conn.prepare_cached("DELETE FROM host_states WHERE host_id = ?1")
            .map_err(db_err)?
            .execute([host_id])
            .map_err(db_err)?;
        state.fleet.set_down(i, false);
        return Ok(Some(Vec::new()));
    };
    conn.prepare_cached(
        "INSERT INTO host_states (host_id, reason, since) VALUES (?1, ?2, ?3) \
         ON CONFLICT (host_id) DO UPDATE SET reason = excluded.reason",
    )
    .map_err(db_err)?
    .execute(params![host_id, reason, now.wire()])
    .map_err(db_err)?;
    state.fleet.set_down(i, true);
    let docs = rows::strings(
        conn,
        "SELECT doc FROM servers WHERE host_id = ?1 AND status NOT IN ('ERROR', 'DELETING') ORDER BY seq",
        [host_id],
    )?;
    let mut failed = Vec::with_capacity(docs.len());
    for d in docs {
        let mut s: Server = serde_json::from_str(&d).map_err(json_err)?;
        s.status = "ERROR".into();
        s.fault = Some(format!(
            "{HOST_DOWN_FAULT}host {host_id} went down ({reason})"
        ));
        s.updated = now.wire();
        servers::rewrite(tx, &s)?;
        // The cascade: a server that stops serving ends its live sessions.
        servers::leave_service(tx, &s, now)?;
        failed.push(s);
    }
    Ok(Some(failed))
}

/// App servers in `ERROR` because their host went down (none being deleted yet).
fn failed_app(conn: &Connection) -> Result<Vec<FailedServer>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM servers WHERE status = 'ERROR' AND app_server_group_id IS NOT NULL ORDER BY seq",
        [],
    )?;
    let mut out = Vec::new();
    for d in docs {
        let s: Server = serde_json::from_str(&d).map_err(json_err)?;
        let host_down = s
            .fault
            .as_deref()
            .is_some_and(|f| f.starts_with(HOST_DOWN_FAULT));
        if let (true, Some(app)) = (host_down, &s.app) {
            out.push(FailedServer {
                project_id: s.project_id.clone(),
                server_group_id: app.server_group_id.clone(),
                server_id: s.id.clone(),
                host_id: s.host_id.clone().unwrap_or_default(),
                auto_created: app.scaling_auto_create,
            });
        }
    }
    Ok(out)
}

#[async_trait::async_trait]
impl crate::Hosts for SqlStore {
    async fn set_host_down(
        &self,
        host_id: String,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Option<Vec<Server>>> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |tx| set_down(tx, &fleet, &host_id, reason.as_deref(), now))
            .await
    }

    async fn down_hosts(&self) -> Result<BTreeMap<String, DownHost>> {
        self.read(down).await
    }

    async fn failed_app_servers(&self) -> Result<Vec<FailedServer>> {
        self.read(failed_app).await
    }
}
