//! Hotspot session migration at work (issue #18): each controller round, in every project whose
//! configuration is enabled, a running server that is hot (`openwks_core::hotspot::hot`: more
//! sessions than its group's `max_session`, or an expected load over a threshold of the
//! group's route policy) sheds up to `hotspot_exit_session_num` sessions, newest first, as
//! many as it takes to cool down. Each is moved by the store in one write (ended, and its user's
//! app launched again where routing finds room); a session of a non-migration user stays, and so
//! does one that no other server can take. Each server's moves are a `HOTSPOT_MIGRATION`
//! scaling activity of its group.

use openwks_core::hotspot::{hot, relief, HotspotConfig};
use openwks_core::scaling::serves;
use openwks_core::session::{LaunchSpec, SessionFilter, SessionState};
use openwks_core::time::Timestamp;
use openwks_core::Result;
use openwks_store::{LaunchArgs, ScalingActivity, ServerGroupFilter};

use crate::AppState;

/// Migrate the sessions of every hot server of every enabled configuration's project.
pub async fn migrate_hot(st: &AppState, now: Timestamp) -> Result<Vec<ScalingActivity>> {
    let mut out = Vec::new();
    for c in st.store.enabled_hotspot_configs().await? {
        if c.exit_session_num == 0 {
            continue;
        }
        let (_, groups) = st
            .store
            .list_server_groups(
                c.project_id.clone(),
                ServerGroupFilter::default(),
                0,
                i64::MAX,
            )
            .await?;
        for g in groups {
            match group(st, &c, &g.group.id, now).await {
                Ok(a) => out.extend(a),
                Err(e) => {
                    tracing::warn!(server_group = %g.group.id, error = %e, "hotspot migration failed");
                }
            }
        }
    }
    Ok(out)
}

async fn group(
    st: &AppState,
    c: &HotspotConfig,
    group_id: &str,
    now: Timestamp,
) -> Result<Vec<ScalingActivity>> {
    let Some(inputs) = st
        .store
        .scaling_inputs(
            c.project_id.clone(),
            group_id.to_string(),
            st.catalogue.clone(),
        )
        .await?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for load in &inputs.servers {
        if load.vm_status != "ACTIVE" || load.sessions == 0 {
            continue;
        }
        let Some(why) = hot(&inputs.policy, load.sessions) else {
            continue;
        };
        let want = relief(&inputs.policy, load.sessions).min(c.exit_session_num) as usize;
        let f = SessionFilter {
            server_group_id: Some(group_id.to_string()),
            states: Some(vec![SessionState::Active, SessionState::Disconnected]),
            ..SessionFilter::default()
        };
        let (_, live) = st
            .store
            .list_sessions(c.project_id.clone(), f, 0, i64::MAX)
            .await?;
        let (mut moved, mut kept, mut stuck) = (Vec::new(), Vec::new(), Vec::new());
        for s in live.into_iter().filter(|s| s.server_id == load.id) {
            if moved.len() == want {
                break;
            }
            if c.keeps(&s.user_name) {
                kept.push(s.user_name);
                continue;
            }
            let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
            let spec = LaunchSpec::new(
                Some(s.user_name.clone()),
                Some(s.app_group_id.clone()),
                Some(s.app_id.clone()),
                some(&s.client_ip),
                some(&s.client_type),
                false,
            )?;
            let args = LaunchArgs {
                project_id: c.project_id.clone(),
                spec,
                session_id: st.new_simple_id(),
                connection_id: st.new_simple_id(),
                now,
                catalogue: st.catalogue.clone(),
            };
            match st.store.migrate_session(args, s.id.clone()).await {
                Ok(o) => moved.push(format!("{} to {}", s.user_name, o.session.machine_name)),
                Err(e) => stuck.push(format!("{} ({})", s.user_name, e.message)),
            }
        }
        if moved.is_empty() && stuck.is_empty() {
            continue;
        }
        let mut reason = format!(
            "server {} is hot ({why}): moved {} session(s){}",
            load.id,
            moved.len(),
            if moved.is_empty() {
                String::new()
            } else {
                format!(": {}", moved.join(", "))
            }
        );
        if !kept.is_empty() {
            reason.push_str(&format!("; kept non-migration users {}", kept.join(", ")));
        }
        if !stuck.is_empty() {
            reason.push_str(&format!("; could not move {}", stuck.join(", ")));
        }
        let after = st
            .store
            .scaling_inputs(
                c.project_id.clone(),
                group_id.to_string(),
                st.catalogue.clone(),
            )
            .await?
            .map(|i| i.servers)
            .unwrap_or_default();
        let a = ScalingActivity {
            id: st.new_simple_id(),
            project_id: c.project_id.clone(),
            server_group_id: group_id.to_string(),
            action: "HOTSPOT_MIGRATION".into(),
            server_ids: vec![load.id.clone()],
            reason,
            job_id: None,
            time: now.wire(),
            sessions: after.iter().map(|l| u64::from(l.sessions)).sum(),
            servers: after.iter().filter(|l| serves(l)).count() as u64,
            auto_created: after.iter().filter(|l| l.auto_created).count() as u64,
        };
        st.store.record_scaling_activity(a.clone()).await?;
        out.push(a);
    }
    Ok(out)
}
