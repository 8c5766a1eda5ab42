//! Drains of app servers (issue #18, an openwks extension; `docs/extensions.md`): start, end,
//! and the end at expiry that the scaling controller runs every round. Each start and end is a
//! scaling activity of the server's group (`DRAIN`, `UNDRAIN`, `DRAIN_EXPIRED`).

use std::sync::{Arc, Mutex};

use openwks_core::compute::{Drain, Server};
use openwks_core::scaling::serves;
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use crate::AppState;

/// Drain an app server until `until` (replacing a drain it has).
pub async fn start(
    st: &AppState,
    project_id: String,
    server_id: String,
    owner: String,
    reason: String,
    until: Timestamp,
) -> Result<Drain> {
    let now = st.timestamp();
    let d = Drain {
        owner,
        reason,
        since: now.wire(),
        until: until.wire(),
        until_ms: until.ms(),
    };
    let set = d.clone();
    let s = st
        .store
        .update_app_server(
            project_id,
            server_id,
            Box::new(move |s| {
                if let Some(a) = s.app.as_mut() {
                    a.drain = Some(set);
                }
                s.updated = now.wire();
                Ok(())
            }),
        )
        .await?;
    let what = format!(
        "server {} drained by {} until {}: {}",
        s.name, d.owner, d.until, d.reason
    );
    note(st, &s, "DRAIN", what, now).await?;
    Ok(d)
}

/// End a server's drain now; the drain that ended, if it had one.
pub async fn end(st: &AppState, project_id: String, server_id: String) -> Result<Option<Drain>> {
    let now = st.timestamp();
    let ended = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&ended);
    let s = st
        .store
        .update_app_server(
            project_id,
            server_id,
            Box::new(move |s| {
                let d = s.app.as_mut().and_then(|a| a.drain.take());
                if d.is_some() {
                    s.updated = now.wire();
                }
                *seen.lock().map_err(|_| Error::internal("drain lock"))? = d;
                Ok(())
            }),
        )
        .await?;
    let ended = ended.lock().ok().and_then(|mut d| d.take());
    if let Some(d) = &ended {
        let what = format!(
            "server {} undrained (drained by {}: {})",
            s.name, d.owner, d.reason
        );
        note(st, &s, "UNDRAIN", what, now).await?;
    }
    Ok(ended)
}

/// End every drain whose time is up (the scaling controller, each round), re-checked inside
/// the write so that a drain renewed meanwhile stays. Answers the servers whose drain ended.
pub async fn end_expired(st: &AppState, now: Timestamp) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for s in st.store.drained_app_servers().await? {
        let Some(d) = s.app.as_ref().and_then(|a| a.drain.clone()) else {
            continue;
        };
        if !d.expired(now.ms()) {
            continue;
        }
        let ended = st
            .store
            .update_app_server(
                s.project_id.clone(),
                s.id.clone(),
                Box::new(move |s| {
                    if let Some(a) = s.app.as_mut() {
                        if a.drain.as_ref().is_some_and(|d| d.expired(now.ms())) {
                            a.drain = None;
                            s.updated = now.wire();
                        }
                    }
                    Ok(())
                }),
            )
            .await;
        // One server gone meanwhile (deleted with its drain) must not stop the round.
        let s = match ended {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(server = %s.id, error = %e, "could not end a drain");
                continue;
            }
        };
        if s.app.as_ref().is_some_and(|a| a.drain.is_some()) {
            continue;
        }
        let what = format!(
            "the drain of server {} by {} ended at {}: {}",
            s.name, d.owner, d.until, d.reason
        );
        note(st, &s, "DRAIN_EXPIRED", what, now).await?;
        out.push(s.id);
    }
    Ok(out)
}

/// Record a drain's start or end in the scaling activities of the server's group, with the
/// group's counts after it.
async fn note(
    st: &AppState,
    s: &Server,
    action: &str,
    reason: String,
    now: Timestamp,
) -> Result<()> {
    let Some(group) = s.app.as_ref().map(|a| a.server_group_id.clone()) else {
        return Ok(());
    };
    let loads = st
        .store
        .scaling_inputs(s.project_id.clone(), group.clone(), st.catalogue.clone())
        .await?
        .map(|i| i.servers)
        .unwrap_or_default();
    st.store
        .record_scaling_activity(openwks_store::ScalingActivity {
            id: st.new_simple_id(),
            project_id: s.project_id.clone(),
            server_group_id: group,
            action: action.into(),
            server_ids: vec![s.id.clone()],
            reason,
            job_id: None,
            time: now.wire(),
            sessions: loads.iter().map(|l| u64::from(l.sessions)).sum(),
            servers: loads.iter().filter(|l| serves(l)).count() as u64,
            auto_created: loads.iter().filter(|l| l.auto_created).count() as u64,
        })
        .await
}
