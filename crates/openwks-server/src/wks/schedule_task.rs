//! Schedule tasks (issue #18): `/v1/{project_id}/schedule-task…`, the vendor's nine
//! operations. A task restarts, starts, stops or reinstalls the app servers of its targets
//! (servers or whole server groups) on a fixed date, every N days, on weekdays or on days of
//! months, in its own time zone (`openwks_core::schedule`); the scaling controller runs it on
//! the injected clock (`service::schedule`), and its runs and per-server records are kept for
//! the history and detail operations.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use openwks_api::wks::schedule::{
    BatchDeleteScheduleTaskReq, ExecuteDetail, ExecuteHistory, ListExecuteDetailResponse,
    ListExecuteHistoryResponse, ListFutureExecutionsResponse, ListScheduleTasksResponse,
    ScheduleFields, ScheduleTaskPolicy, ScheduleTaskReq, ScheduleTaskView, ScheduledTaskConfig,
    ShowScheduleTaskResponse, TargetInfo,
};
use openwks_core::error::Reason;
use openwks_core::schedule::{
    check_task_name, Run, RunStatus, Schedule, ScheduleInput, ScheduleTask, Target, TargetType,
    TaskType,
};
use openwks_core::time::Timestamp;
use openwks_core::validate::check_text;
use openwks_core::Error;
use openwks_store::ScheduleTaskFilter;

use super::empty_ok;
use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::service::schedule;
use crate::AppState;

/// How many runs `list_future_executions` answers.
const FUTURE_RUNS: usize = 5;

fn utc(t: Timestamp) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(t.ms()).unwrap_or_default()
}

fn input(c: &ScheduledTaskConfig) -> ScheduleInput {
    ScheduleInput {
        scheduled_type: c.scheduled_type.clone(),
        day_interval: c.day_interval,
        week_list: c.week_list.clone(),
        month_list: c.month_list.clone(),
        date_list: c.date_list.clone(),
        time_zone: c.time_zone.clone(),
        scheduled_date: c.scheduled_date.clone(),
        scheduled_time: c.scheduled_time.clone(),
        expire_time: c.expire_time.clone(),
    }
}

/// Whether a request names any field of the schedule.
fn names_schedule(c: &ScheduledTaskConfig) -> bool {
    input(c) != ScheduleInput::default()
}

/// `was` with every field `c` gives laid over it (an update that changes part of a schedule).
fn merged(was: &Schedule, c: &ScheduledTaskConfig) -> ScheduleInput {
    let or = |given: &Option<String>, old: &Option<String>| given.clone().or_else(|| old.clone());
    ScheduleInput {
        scheduled_type: Some(
            c.scheduled_type
                .clone()
                .unwrap_or_else(|| was.cycle.as_str().to_string()),
        ),
        day_interval: c.day_interval.or(was.day_interval.map(i64::from)),
        week_list: or(&c.week_list, &was.week_list),
        month_list: or(&c.month_list, &was.month_list),
        date_list: or(&c.date_list, &was.date_list),
        time_zone: Some(c.time_zone.clone().unwrap_or_else(|| was.time_zone.clone())),
        scheduled_date: or(&c.scheduled_date, &was.scheduled_date),
        scheduled_time: Some(
            c.scheduled_time
                .clone()
                .unwrap_or_else(|| was.scheduled_time.clone()),
        ),
        expire_time: or(&c.expire_time, &was.expire_time),
    }
}

/// The targets of a request: 1 to 1,000, each an app server or a server group of the project
/// (named as it is now).
async fn targets(
    st: &AppState,
    project_id: &str,
    given: Vec<TargetInfo>,
) -> openwks_core::Result<Vec<Target>> {
    if given.is_empty() || given.len() > 1000 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            "target_infos must hold 1 to 1000 targets",
        ));
    }
    let mut out: Vec<Target> = Vec::with_capacity(given.len());
    for t in given {
        let id = t.target_id.ok_or_else(|| Error::missing("target_id"))?;
        check_text("target_id", &id, 1, 128, Reason::InvalidParameter)?;
        let kind = TargetType::parse(
            t.target_type
                .as_deref()
                .ok_or_else(|| Error::missing("target_type"))?,
        )?;
        let name = match kind {
            TargetType::ServerGroup => st
                .store
                .server_group(project_id.to_string(), id.clone())
                .await?
                .map(|v| v.group.name)
                .ok_or_else(|| Error::not_found("server group", &id))?,
            TargetType::Server => st
                .store
                .server(project_id.to_string(), id.clone())
                .await?
                .filter(|s| s.app.is_some())
                .map(|s| s.name)
                .ok_or_else(|| Error::not_found("app server", &id))?,
        };
        if out
            .iter()
            .any(|o| o.target_type == kind && o.target_id == id)
        {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("target_infos names {id} twice"),
            ));
        }
        out.push(Target {
            target_type: kind,
            target_id: id,
            target_name: name,
        });
    }
    Ok(out)
}

fn check_description(d: &str) -> openwks_core::Result<()> {
    check_text("description", d, 0, 255, Reason::InvalidParameter)
}

fn fields(s: &Schedule) -> ScheduleFields {
    ScheduleFields {
        scheduled_type: s.cycle.as_str().into(),
        day_interval: s.day_interval,
        week_list: s.week_list.clone(),
        month_list: s.month_list.clone(),
        date_list: s.date_list.clone(),
        scheduled_date: s.scheduled_date.clone(),
        scheduled_time: s.scheduled_time.clone(),
        time_zone: s.time_zone.clone(),
        expire_time: s.expire_time.clone(),
    }
}

async fn view(st: &AppState, t: &ScheduleTask) -> openwks_core::Result<ScheduleTaskView> {
    let s = &t.schedule;
    let next = t
        .next_ms
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|n| s.local(n));
    Ok(ScheduleTaskView {
        id: t.id.clone(),
        task_name: t.task_name.clone(),
        task_type: t.task_type.as_str().into(),
        schedule: fields(s),
        description: t.description.clone(),
        schedule_task_policy: ScheduleTaskPolicy {
            enforcement_enable: Some(t.enforcement_enable),
        },
        is_enable: t.is_enable,
        last_status: schedule::last_status(st, t).await?.as_str().into(),
        next_execution_time: next,
        task_cron: s.cron(),
        create_time: t.create_time.clone(),
        update_time: t.update_time.clone(),
    })
}

fn show_view(t: &ScheduleTask) -> ShowScheduleTaskResponse {
    ShowScheduleTaskResponse {
        id: t.id.clone(),
        task_type: t.task_type.as_str().into(),
        task_name: t.task_name.clone(),
        schedule_task_policy: ScheduleTaskPolicy {
            enforcement_enable: Some(t.enforcement_enable),
        },
        schedule: fields(&t.schedule),
        description: t.description.clone(),
        target_infos: t
            .targets
            .iter()
            .map(|x| TargetInfo {
                target_type: Some(x.target_type.as_str().into()),
                target_id: Some(x.target_id.clone()),
                target_name: Some(x.target_name.clone()),
            })
            .collect(),
    }
}

/// `create_schedule_task`: `POST /v1/{project_id}/schedule-task` → 200 `ScheduleTask`.
pub async fn create_schedule_task(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ScheduleTaskReq = json_body(&body)?;
    let name = r.task_name.ok_or_else(|| Error::missing("task_name"))?;
    check_task_name(&name)?;
    let task_type = TaskType::parse(
        r.task_type
            .as_deref()
            .ok_or_else(|| Error::missing("task_type"))?,
    )?;
    let now = st.timestamp();
    let schedule = Schedule::parse(&input(&r.config), utc(now))?;
    let description = r.description.unwrap_or_default();
    check_description(&description)?;
    let given = r
        .target_infos
        .ok_or_else(|| Error::missing("target_infos"))?;
    let targets = targets(&st, &project_id, given).await?;
    let mut task = ScheduleTask {
        id: st.new_uuid(),
        project_id,
        task_name: name,
        task_type,
        schedule,
        description,
        is_enable: true,
        enforcement_enable: r
            .schedule_task_policy
            .and_then(|p| p.enforcement_enable)
            .unwrap_or(false),
        targets,
        next_ms: None,
        create_time: now.wire(),
        update_time: now.wire(),
    };
    task.next_ms = task.next_from(utc(now));
    let task = st.store.create_schedule_task(task).await?;
    Ok(Json(view(&st, &task).await?).into_response())
}

/// `list_schedule_tasks`: `GET /v1/{project_id}/schedule-task?offset&limit&task_name&task_type`,
/// newest first.
pub async fn list_schedule_tasks(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let name = q.string("task_name");
    if name.as_ref().is_some_and(|n| n.chars().count() > 64) {
        return Err(
            Error::invalid(Reason::InvalidQuery, "task_name is at most 64 characters").into(),
        );
    }
    let mut f = ScheduleTaskFilter {
        name_contains: name,
        task_type: None,
    };
    match q.str("task_type") {
        None => {}
        // The list's pattern also admits UPGRADE_ACCESS_AGENT (agent upgrades, which openwks
        // does not schedule): no task has it.
        Some("UPGRADE_ACCESS_AGENT") => {
            return Ok(Json(ListScheduleTasksResponse {
                count: 0,
                items: Vec::new(),
            })
            .into_response())
        }
        Some(t) => {
            f.task_type = Some(
                TaskType::parse(t).map_err(|e| Error::invalid(Reason::InvalidQuery, e.message))?,
            )
        }
    }
    let (count, tasks) = st
        .store
        .list_schedule_tasks(project_id, f, offset, limit)
        .await?;
    let mut items = Vec::with_capacity(tasks.len());
    for t in &tasks {
        items.push(view(&st, t).await?);
    }
    Ok(Json(ListScheduleTasksResponse { count, items }).into_response())
}

async fn task(st: &AppState, project_id: String, id: &str) -> openwks_core::Result<ScheduleTask> {
    st.store
        .schedule_task(project_id, id.to_string())
        .await?
        .ok_or_else(|| Error::not_found("schedule task", id))
}

/// `show_schedule_task`: `GET /v1/{project_id}/schedule-task/{task_id}`.
pub async fn show_schedule_task(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let t = task(&st, project_id, &id).await?;
    Ok(Json(show_view(&t)).into_response())
}

/// `update_schedule_task`: `PATCH /v1/{project_id}/schedule-task/{task_id}`: the fields given
/// replace the task's (empty strings count as absent, as the vendor's Terraform provider sends
/// them); a changed schedule or `is_enable` recomputes the next run.
pub async fn update_schedule_task(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ScheduleTaskReq = json_body(&body)?;
    let was = task(&st, project_id.clone(), &id).await?;
    let now = st.timestamp();
    if let Some(n) = &r.task_name {
        check_task_name(n)?;
    }
    let task_type = r.task_type.as_deref().map(TaskType::parse).transpose()?;
    let schedule = if names_schedule(&r.config) {
        let mut s = Schedule::parse(&merged(&was.schedule, &r.config), utc(now))?;
        if s.cycle == was.schedule.cycle && s.day_interval == was.schedule.day_interval {
            // The interval keeps counting from the day it was first set.
            s.anchor = was.schedule.anchor.clone();
        }
        Some(s)
    } else {
        None
    };
    if let Some(d) = &r.description {
        check_description(d)?;
    }
    let targets = match r.target_infos {
        Some(t) => Some(targets(&st, &project_id, t).await?),
        None => None,
    };
    let enforcement = r.schedule_task_policy.and_then(|p| p.enforcement_enable);
    let (name, description, is_enable) = (r.task_name, r.description, r.is_enable);
    let at = utc(now);
    let t = st
        .store
        .update_schedule_task(
            project_id,
            id,
            Box::new(move |t| {
                if let Some(n) = name {
                    t.task_name = n;
                }
                if let Some(k) = task_type {
                    t.task_type = k;
                }
                if let Some(s) = schedule {
                    t.schedule = s;
                }
                if let Some(d) = description {
                    t.description = d;
                }
                if let Some(x) = targets {
                    t.targets = x;
                }
                if let Some(e) = enforcement {
                    t.enforcement_enable = e;
                }
                if let Some(e) = is_enable {
                    t.is_enable = e;
                }
                t.next_ms = t.next_from(at);
                t.update_time = now.wire();
                Ok(())
            }),
        )
        .await?;
    Ok(Json(view(&st, &t).await?).into_response())
}

/// `delete_schedule_task`: `DELETE /v1/{project_id}/schedule-task/{task_id}` (404 when it is
/// not there; its runs go with it).
pub async fn delete_schedule_task(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    if st
        .store
        .delete_schedule_tasks(project_id, vec![id.clone()])
        .await?
        == 0
    {
        return Err(Error::not_found("schedule task", &id).into());
    }
    Ok(empty_ok())
}

/// `batch_delete_schedule_task`: `POST /v1/{project_id}/schedule-task/actions/batch-delete`
/// `{items: [1..20 ids, unique]}`: all must exist (404 naming the first that does not), then
/// all go at once.
pub async fn batch_delete_schedule_task(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: BatchDeleteScheduleTaskReq = json_body(&body)?;
    let ids = super::string_set(r.items)?;
    for id in &ids {
        task(&st, project_id.clone(), id).await?;
    }
    st.store.delete_schedule_tasks(project_id, ids).await?;
    Ok(empty_ok())
}

/// `list_future_executions`: `POST /v1/{project_id}/schedule-task/future-executions` with a
/// `ScheduledTaskConfig`: the next five runs of that schedule, `yyyy-MM-dd HH:mm:ss` in its
/// zone, from the same code the controller runs tasks by.
pub async fn list_future_executions(
    State(st): State<AppState>,
    P(_project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let c: ScheduledTaskConfig = json_body(&body)?;
    let now = utc(st.timestamp());
    let s = Schedule::parse(&input(&c), now)?;
    Ok(Json(ListFutureExecutionsResponse {
        future_executions: s
            .next_runs(now, FUTURE_RUNS)
            .into_iter()
            .map(|t| s.local(t))
            .collect(),
        time_zone: s.time_zone.clone(),
    })
    .into_response())
}

fn history(run: &Run) -> ExecuteHistory {
    let count = |s: RunStatus| run.items.iter().filter(|i| i.status == s).count() as i64;
    let status = schedule::status_of(run);
    let end = (status != RunStatus::Running)
        .then(|| run.items.iter().map(|i| i.end_time.clone()).max())
        .flatten()
        .or_else(|| (status != RunStatus::Running).then(|| run.begin_time.clone()));
    ExecuteHistory {
        id: run.id.clone(),
        task_id: run.task_id.clone(),
        task_type: run.task_type.as_str().into(),
        scheduled_type: run.cycle.as_str().into(),
        time_zone: run.time_zone.clone(),
        status: status.as_str().into(),
        total_count: run.items.len() as i64,
        success_count: count(RunStatus::Success),
        failed_count: count(RunStatus::Failed),
        excuting_count: count(RunStatus::Running) + count(RunStatus::Waiting),
        create_time: run.begin_time.clone(),
        begin_time: run.begin_time.clone(),
        end_time: end,
    }
}

/// `list_task_execute_history`: `GET /v1/{project_id}/schedule-task/{task_id}/execute-history`,
/// newest run first.
pub async fn list_task_execute_history(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    task(&st, project_id.clone(), &id).await?;
    let (count, runs) = st
        .store
        .schedule_runs(project_id, id, offset, limit)
        .await?;
    let mut items = Vec::with_capacity(runs.len());
    for r in runs {
        items.push(history(&schedule::refresh(&st, r).await?));
    }
    Ok(Json(ListExecuteHistoryResponse { count, items }).into_response())
}

/// `list_task_execute_detail`: `GET /v1/{project_id}/schedule-task/{execute_history_id}/
/// execute-detail`: a run's per-server records.
pub async fn list_task_execute_detail(
    State(st): State<AppState>,
    P((project_id, run_id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let run = st
        .store
        .schedule_run(project_id, run_id.clone())
        .await?
        .ok_or_else(|| Error::not_found("schedule task execution", &run_id))?;
    let run = schedule::refresh(&st, run).await?;
    let all: Vec<ExecuteDetail> = run
        .items
        .iter()
        .map(|i| ExecuteDetail {
            id: i.id.clone(),
            execute_id: run.id.clone(),
            server_id: i.server_id.clone(),
            server_name: i.server_name.clone(),
            task_type: run.task_type.as_str().into(),
            time_zone: run.time_zone.clone(),
            status: i.status.as_str().into(),
            result_code: i.result_code.clone(),
            result_message: i.result_message.clone(),
            begin_time: i.begin_time.clone(),
            end_time: (!i.end_time.is_empty()).then(|| i.end_time.clone()),
        })
        .collect();
    let (count, items) = openwks_core::paging::page(all, offset, limit);
    Ok(Json(ListExecuteDetailResponse { count, items }).into_response())
}
