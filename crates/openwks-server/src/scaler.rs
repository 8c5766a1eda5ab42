//! The scaling controller (issue #5): every `scaling_interval` it ends sessions whose logoff or
//! disconnect deadline passed, then asks [`openwks_core::scaling::decide`] what each group with
//! an enabled scaling policy needs and carries it out: new servers (`scaling_auto_create`) for
//! a scale-out, a race-free release (`Store::scale_in`) for a scale-in. Every decision that
//! changes something, and every new reason to hold, is recorded as a scaling activity.
//!
//! Every round also replaces the app servers a host failure put in `ERROR` (any group) and ends
//! the drains whose time is up (`service::drain`), and runs the schedule tasks that are due
//! (`service::schedule`), and moves sessions off hot servers where a project asks for it
//! (`service::hotspot`).
//!
//! Time comes from `Settings::clock`; tests run [`tick`] by hand on a virtual clock.

use openwks_core::routing::effective_cap;
use openwks_core::scaling::{self, Decision};
use openwks_core::time::Timestamp;
use openwks_core::Result;
use openwks_store::{ScalingActivity, ScalingInputs};

use crate::jobs::{finish_later, new_id};
use crate::service::app_server::{self, NewServers};
use crate::AppState;

/// What the controller would do for a group now.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The decision.
    pub decision: Decision,
    /// Live sessions.
    pub sessions: u64,
    /// Servers that serve (running or building, not in maintenance).
    pub servers: u64,
    /// Servers created by scaling.
    pub auto_created: u64,
}

/// The decision for a group's inputs at `now_ms`.
pub fn plan(inputs: &ScalingInputs, now_ms: i64) -> Plan {
    let cap = effective_cap(&inputs.policy);
    let decision = scaling::decide(
        &inputs.group.scaling_policy,
        cap,
        inputs.policy.gpus,
        &inputs.servers,
        now_ms,
    );
    Plan {
        decision,
        sessions: inputs.servers.iter().map(|s| u64::from(s.sessions)).sum(),
        servers: inputs.servers.iter().filter(|s| scaling::serves(s)).count() as u64,
        auto_created: inputs.servers.iter().filter(|s| s.auto_created).count() as u64,
    }
}

/// What the controller would do for group `id` now, without doing it (`None`: no such group).
pub async fn preview(st: &AppState, project_id: &str, id: &str) -> Result<Option<Plan>> {
    let now_ms = st.settings.clock.now_ms();
    Ok(st
        .store
        .scaling_inputs(project_id.to_string(), id.to_string(), st.catalogue.clone())
        .await?
        .map(|i| plan(&i, now_ms)))
}

/// One round: expire sessions, then decide and act for every group with scaling enabled.
/// Returns the activities recorded.
pub async fn tick(st: &AppState) -> Result<Vec<ScalingActivity>> {
    let now = st.timestamp();
    st.store.expire_sessions(now).await?;
    // Each duty logs its failure and lets the round go on to the next (and to scaling).
    if let Err(e) = crate::service::drain::end_expired(st, now).await {
        tracing::warn!(error = %e, "ending expired drains failed");
    }
    if let Err(e) = crate::service::schedule::run_due(st, now).await {
        tracing::warn!(error = %e, "running due schedule tasks failed");
    }
    let mut out = crate::service::hotspot::migrate_hot(st, now)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "hotspot migration failed");
            Vec::new()
        });
    out.extend(replace_failed(st, now).await?);
    for (project, group) in st.store.scaling_groups().await? {
        match act(st, &project, &group, now).await {
            Ok(Some(a)) => out.push(a),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(server_group = %group, error = %e, "scaling step failed");
            }
        }
    }
    Ok(out)
}

async fn act(
    st: &AppState,
    project_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<Option<ScalingActivity>> {
    let Some(inputs) = st
        .store
        .scaling_inputs(project_id.to_string(), id.to_string(), st.catalogue.clone())
        .await?
    else {
        return Ok(None);
    };
    let p = plan(&inputs, now.ms());
    let mut activity = ScalingActivity {
        id: st.new_simple_id(),
        project_id: project_id.to_string(),
        server_group_id: id.to_string(),
        action: "HOLD".into(),
        server_ids: Vec::new(),
        reason: String::new(),
        job_id: None,
        time: now.wire(),
        sessions: p.sessions,
        servers: p.servers,
        auto_created: p.auto_created,
    };
    match p.decision {
        Decision::Hold { reason } => {
            // Holding for the same reason as last time is not news.
            let last = st
                .store
                .scaling_activities(project_id.to_string(), id.to_string(), 1)
                .await?;
            if last
                .first()
                .is_some_and(|l| l.action == "HOLD" && l.reason == reason)
            {
                return Ok(None);
            }
            activity.reason = reason;
        }
        Decision::ScaleOut { count, reason } => {
            let g = &inputs.group;
            let (job, servers) = app_server::create(
                st,
                project_id,
                g,
                NewServers::like_group(g, i64::from(count), true),
            )
            .await?;
            activity.action = "SCALE_OUT".into();
            activity.server_ids = servers.into_iter().map(|s| s.id).collect();
            activity.reason = format!("add {count} server(s): {reason}");
            activity.job_id = Some(job.id);
        }
        Decision::ScaleIn { servers, reason } => {
            let job_id = new_id(st);
            match st
                .store
                .scale_in(
                    project_id.to_string(),
                    id.to_string(),
                    servers.clone(),
                    job_id,
                    now,
                )
                .await?
            {
                Some((job, released)) => {
                    finish_later(st, project_id.to_string(), job.id.clone());
                    let kept: Vec<&String> =
                        servers.iter().filter(|s| !released.contains(s)).collect();
                    activity.action = "SCALE_IN".into();
                    activity.reason =
                        if kept.is_empty() {
                            format!("release {}: {reason}", released.join(", "))
                        } else {
                            format!(
                            "release {}: {reason}; kept {} (a session arrived before the release)",
                            released.join(", "),
                            kept.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        )
                        };
                    activity.server_ids = released;
                    activity.job_id = Some(job.id);
                }
                None => {
                    activity.reason = format!(
                        "wanted to release {} ({reason}), but each gained a session before it was taken out of routing",
                        servers.join(", ")
                    );
                }
            }
        }
    }
    st.store.record_scaling_activity(activity.clone()).await?;
    st.metrics
        .count("openwks_scaling_actions_total", "action", &activity.action);
    Ok(Some(activity))
}

/// Replace the app servers a host failure put in `ERROR`, in every server group (with a
/// scaling policy or not, as a fleet keeps its capacity): per group, the failed servers are
/// deleted and as many created (placed on hosts that are up, anti-affinity kept), each with
/// its `scaling_auto_create` flag; recorded as a `REPLACE` activity.
async fn replace_failed(st: &AppState, now: Timestamp) -> Result<Vec<ScalingActivity>> {
    let mut groups: Vec<((String, String), Vec<openwks_store::FailedServer>)> = Vec::new();
    for f in st.store.failed_app_servers().await? {
        let key = (f.project_id.clone(), f.server_group_id.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    let mut out = Vec::new();
    for ((project_id, group_id), failed) in groups {
        match replace_in_group(st, &project_id, &group_id, &failed, now).await {
            Ok(Some(a)) => out.push(a),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(server_group = %group_id, error = %e, "replacing failed servers failed");
            }
        }
    }
    Ok(out)
}

async fn replace_in_group(
    st: &AppState,
    project_id: &str,
    group_id: &str,
    failed: &[openwks_store::FailedServer],
    now: Timestamp,
) -> Result<Option<ScalingActivity>> {
    let Some(view) = st
        .store
        .server_group(project_id.to_string(), group_id.to_string())
        .await?
    else {
        return Ok(None);
    };
    let g = &view.group;
    let ids: Vec<String> = failed.iter().map(|f| f.server_id.clone()).collect();
    let job = st
        .store
        .delete_servers(project_id.to_string(), ids.clone(), new_id(st), now)
        .await?;
    finish_later(st, project_id.to_string(), job.id.clone());
    let mut new_ids = Vec::new();
    let mut job_id = None;
    for auto in [false, true] {
        let count = failed.iter().filter(|f| f.auto_created == auto).count();
        if count == 0 {
            continue;
        }
        let (job, servers) = app_server::create(
            st,
            project_id,
            g,
            NewServers::like_group(g, i64::try_from(count).unwrap_or(i64::MAX), auto),
        )
        .await?;
        new_ids.extend(servers.into_iter().map(|s| s.id));
        job_id.get_or_insert(job.id);
    }
    let mut hosts: Vec<&str> = failed.iter().map(|f| f.host_id.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let activity = ScalingActivity {
        id: st.new_simple_id(),
        project_id: project_id.to_string(),
        server_group_id: group_id.to_string(),
        action: "REPLACE".into(),
        reason: format!(
            "replace {} (host {} went down) with {}",
            ids.join(", "),
            hosts.join(", "),
            new_ids.join(", ")
        ),
        server_ids: new_ids,
        job_id,
        time: now.wire(),
        sessions: 0,
        servers: 0,
        auto_created: 0,
    };
    st.store.record_scaling_activity(activity.clone()).await?;
    st.metrics
        .count("openwks_scaling_actions_total", "action", "REPLACE");
    Ok(Some(activity))
}

/// Run [`tick`] every `every`, in the background.
pub fn spawn(st: &AppState, every: std::time::Duration) {
    let st = st.clone();
    tokio::spawn(async move {
        let mut t = tokio::time::interval(every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            t.tick().await;
            round(&st).await;
        }
    });
}

/// One round of the controller on this replica: a [`tick`] if it holds the background lease
/// (one replica scales, see `cluster`), nothing otherwise. The timer calls it; tests call it by
/// hand.
pub async fn round(st: &AppState) {
    if !st.cluster.is_leader() {
        return;
    }
    if let Err(e) = tick(st).await {
        tracing::warn!(error = %e, "scaling round failed");
    }
}
