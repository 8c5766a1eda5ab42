//! Schedule tasks at work (issue #18): each controller round runs the tasks whose next run has
//! come, on the injected clock. A run is claimed first (the task moves on to its next run and
//! the run is recorded in one write, so replicas never run one occurrence twice); then every
//! target server gets its part: a power or rebuild job like the batch routes start, or a
//! record of why not (already in the wanted state, not in a state the action takes, or live
//! sessions on a task that is not enforced). With `enforcement_enable` the sessions of a server
//! that stops serving are logged off by the same cascade as a stop by hand.
//!
//! A missed occurrence (openwks was down) runs once, at the next round, not once per miss.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openwks_core::compute::Server;
use openwks_core::error::Reason;
use openwks_core::schedule::{Run, RunItem, RunStatus, ScheduleTask, TargetType, TaskType};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};
use openwks_store::{AppServerFilter, PowerAction};

use crate::jobs::{finish_later, new_id};
use crate::AppState;

/// Run every due task; the runs started.
pub async fn run_due(st: &AppState, now: Timestamp) -> Result<Vec<Run>> {
    let mut out = Vec::new();
    let at = DateTime::<Utc>::from_timestamp_millis(now.ms()).unwrap_or_default();
    for task in st.store.due_schedule_tasks(now.ms()).await? {
        let Some(due) = task.next_ms else { continue };
        let run = Run {
            id: st.new_uuid(),
            project_id: task.project_id.clone(),
            task_id: task.id.clone(),
            task_type: task.task_type,
            cycle: task.schedule.cycle,
            time_zone: task.schedule.time_zone.clone(),
            begin_time: now.wire(),
            items: Vec::new(),
        };
        if !st
            .store
            .claim_schedule_run(due, task.next_from(at), run.clone())
            .await?
        {
            continue;
        }
        match carry_out(st, &task, run.clone(), now).await {
            Ok(run) => out.push(run),
            Err(e) => {
                tracing::warn!(task = %task.id, error = %e, "schedule task run failed");
            }
        }
    }
    Ok(out)
}

/// The app servers a task's targets name now (a group's as it is at the run).
async fn servers_of(st: &AppState, task: &ScheduleTask) -> Result<Vec<Server>> {
    let mut out: Vec<Server> = Vec::new();
    for t in &task.targets {
        let found = match t.target_type {
            TargetType::Server => st
                .store
                .server(task.project_id.clone(), t.target_id.clone())
                .await?
                .filter(|s| s.app.is_some())
                .into_iter()
                .collect(),
            TargetType::ServerGroup => {
                let f = AppServerFilter {
                    server_group_id: Some(t.target_id.clone()),
                    ..AppServerFilter::default()
                };
                st.store
                    .list_app_servers(task.project_id.clone(), f, 0, i64::MAX)
                    .await?
                    .1
            }
        };
        for s in found {
            if !out.iter().any(|o| o.id == s.id) {
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn item(st: &AppState, s: &Server, now: Timestamp) -> RunItem {
    RunItem {
        id: st.new_uuid(),
        server_id: s.id.clone(),
        server_name: s.name.clone(),
        job_id: None,
        status: RunStatus::Running,
        result_code: String::new(),
        result_message: String::new(),
        begin_time: now.wire(),
        end_time: String::new(),
    }
}

fn settle(i: &mut RunItem, status: RunStatus, code: &str, message: String, now: Timestamp) {
    i.status = status;
    i.result_code = code.to_string();
    i.result_message = message;
    i.end_time = now.wire();
}

async fn carry_out(
    st: &AppState,
    task: &ScheduleTask,
    mut run: Run,
    now: Timestamp,
) -> Result<Run> {
    let servers = servers_of(st, task).await?;
    let sessions: HashMap<String, u32> = st
        .store
        .live_session_counts(servers.iter().map(|s| s.id.clone()).collect())
        .await?;
    for s in &servers {
        let mut i = item(st, s, now);
        let live = sessions.get(&s.id).copied().unwrap_or(0);
        let state = s.status.as_str();
        let (needs, done_already) = match task.task_type {
            TaskType::StartServer => ("SHUTOFF", state == "ACTIVE"),
            TaskType::StopServer => ("ACTIVE", state == "SHUTOFF"),
            TaskType::RestartServer => ("ACTIVE", false),
            TaskType::ReinstallOs => ("ACTIVE|SHUTOFF", false),
        };
        if done_already {
            settle(
                &mut i,
                RunStatus::Success,
                "",
                format!("the server is already {state}"),
                now,
            );
        } else if !needs.split('|').any(|n| n == state) {
            let e = Error::conflict(
                Reason::Conflict,
                format!(
                    "the server is {state}; {} needs it {}",
                    task.task_type.as_str(),
                    needs.replace('|', " or ")
                ),
            );
            settle(
                &mut i,
                RunStatus::Failed,
                crate::error::wks_code(e.code),
                e.message,
                now,
            );
        } else if live > 0 && task.task_type != TaskType::StartServer && !task.enforcement_enable {
            let e = Error::conflict(
                Reason::InUse,
                format!(
                    "the server has {live} live session(s) and the task is not enforced (schedule_task_policy.enforcement_enable)"
                ),
            );
            settle(
                &mut i,
                RunStatus::Failed,
                crate::error::wks_code(e.code),
                e.message,
                now,
            );
        } else {
            let job = new_id(st);
            let started = match task.task_type {
                TaskType::StartServer | TaskType::StopServer | TaskType::RestartServer => {
                    let action = match task.task_type {
                        TaskType::StartServer => PowerAction::Start,
                        TaskType::StopServer => PowerAction::Stop,
                        _ => PowerAction::Reboot { hard: false },
                    };
                    st.store
                        .power_servers(
                            task.project_id.clone(),
                            vec![s.id.clone()],
                            action,
                            job.clone(),
                            now,
                        )
                        .await
                }
                TaskType::ReinstallOs => {
                    st.store
                        .rebuild_app_servers(
                            task.project_id.clone(),
                            vec![s.id.clone()],
                            None,
                            job.clone(),
                            now,
                        )
                        .await
                }
            };
            match started {
                Ok(_) => {
                    finish_later(st, task.project_id.clone(), job.clone());
                    i.job_id = Some(job);
                    i.result_message = if live > 0 && task.task_type != TaskType::StartServer {
                        format!("{live} live session(s) logged off (enforced)")
                    } else {
                        String::new()
                    };
                }
                Err(e) => settle(
                    &mut i,
                    RunStatus::Failed,
                    crate::error::wks_code(e.code),
                    e.message,
                    now,
                ),
            }
        }
        run.items.push(i);
    }
    st.store.update_schedule_run(run.clone()).await?;
    Ok(run)
}

/// A run's per-server records as they are now: a record whose job has ended takes the job's
/// outcome.
pub async fn refresh(st: &AppState, mut run: Run) -> Result<Run> {
    for i in &mut run.items {
        if i.status != RunStatus::Running {
            continue;
        }
        let Some(job) = &i.job_id else { continue };
        let Some(j) = st.store.job(run.project_id.clone(), job.clone()).await? else {
            continue;
        };
        let (status, failed) = match j.status.as_str() {
            "SUCCESS" => (RunStatus::Success, false),
            "FAIL" => (RunStatus::Failed, true),
            _ => continue,
        };
        i.status = status;
        i.end_time = j.end_time.clone();
        if failed {
            i.result_code = crate::error::wks_code(Reason::Internal).to_string();
            i.result_message = format!("job {job} failed");
        }
    }
    Ok(run)
}

/// A run's state: running while any part runs, failed when any part failed, else success.
pub fn status_of(run: &Run) -> RunStatus {
    if run
        .items
        .iter()
        .any(|i| matches!(i.status, RunStatus::Running | RunStatus::Waiting))
    {
        RunStatus::Running
    } else if run.items.iter().any(|i| i.status == RunStatus::Failed) {
        RunStatus::Failed
    } else {
        RunStatus::Success
    }
}

/// A task's last status: its newest run's, `WAITING` before its first.
pub async fn last_status(st: &AppState, task: &ScheduleTask) -> Result<RunStatus> {
    let (_, runs) = st
        .store
        .schedule_runs(task.project_id.clone(), task.id.clone(), 0, 1)
        .await?;
    match runs.into_iter().next() {
        Some(r) => Ok(status_of(&refresh(st, r).await?)),
        None => Ok(RunStatus::Waiting),
    }
}
