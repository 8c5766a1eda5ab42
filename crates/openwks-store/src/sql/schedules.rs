//! Schedule tasks and their runs (issue 18). A task's `next_ms` column is what the controller's
//! due query reads; claiming a run moves it on in the same write that records the run, so two
//! replicas never run one occurrence twice.

use openwks_core::schedule::{Run, ScheduleTask};
use openwks_core::{Error, Result};

use super::engine::SqlStore;
use super::rows::{self, json_err};
use crate::db::{db_err, params, Connection, Value};

fn doc(t: &ScheduleTask) -> Result<String> {
    serde_json::to_string(t).map_err(json_err)
}

fn insert(conn: &Connection, t: &ScheduleTask) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO schedule_tasks (id, project_id, name, task_type, next_ms, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(db_err)?
    .execute(params![
        t.id,
        t.project_id,
        t.task_name,
        t.task_type.as_str(),
        t.next_ms,
        doc(t)?
    ])
    .map_err(db_err)?;
    Ok(())
}

fn rewrite(conn: &Connection, t: &ScheduleTask) -> Result<()> {
    conn.prepare_cached(
        "UPDATE schedule_tasks SET name = ?1, task_type = ?2, next_ms = ?3, doc = ?4 \
         WHERE id = ?5 AND project_id = ?6",
    )
    .map_err(db_err)?
    .execute(params![
        t.task_name,
        t.task_type.as_str(),
        t.next_ms,
        doc(t)?,
        t.id,
        t.project_id
    ])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn load(conn: &Connection, project_id: &str, id: &str) -> Result<Option<ScheduleTask>> {
    rows::by_id(conn, "schedule_tasks", project_id, id)
}

fn list(
    conn: &Connection,
    project_id: &str,
    f: &crate::ScheduleTaskFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<ScheduleTask>)> {
    let mut wh = String::from("project_id = ?");
    let mut args = vec![Value::Text(project_id.to_string())];
    if let Some(n) = &f.name_contains {
        wh.push_str(" AND instr(lower(name), lower(?)) > 0");
        args.push(Value::Text(n.clone()));
    }
    if let Some(t) = f.task_type {
        wh.push_str(" AND task_type = ?");
        args.push(Value::Text(t.as_str().to_string()));
    }
    let (count, docs) = rows::page(
        conn,
        ("doc", "schedule_tasks", &wh, "seq DESC"),
        args,
        offset,
        limit,
    )?;
    Ok((count, rows::decode(&docs)?))
}

fn update(
    conn: &Connection,
    project_id: &str,
    id: &str,
    f: crate::ScheduleTaskUpdate,
) -> Result<ScheduleTask> {
    let mut t = load(conn, project_id, id)?.ok_or_else(|| Error::not_found("schedule task", id))?;
    f(&mut t)?;
    rewrite(conn, &t)?;
    Ok(t)
}

fn delete(conn: &Connection, project_id: &str, ids: &[String]) -> Result<usize> {
    let mut n = 0;
    for id in ids {
        n += conn
            .prepare_cached("DELETE FROM schedule_tasks WHERE id = ?1 AND project_id = ?2")
            .map_err(db_err)?
            .execute([id, project_id])
            .map_err(db_err)?;
        conn.prepare_cached("DELETE FROM schedule_runs WHERE task_id = ?1 AND project_id = ?2")
            .map_err(db_err)?
            .execute([id, project_id])
            .map_err(db_err)?;
    }
    Ok(n)
}

fn due(conn: &Connection, now_ms: i64) -> Result<Vec<ScheduleTask>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM schedule_tasks WHERE next_ms IS NOT NULL AND next_ms <= ?1 ORDER BY next_ms, seq",
        [now_ms],
    )?;
    rows::decode(&docs)
}

fn save_run(conn: &Connection, run: &Run, new: bool) -> Result<()> {
    let d = serde_json::to_string(run).map_err(json_err)?;
    if new {
        conn.prepare_cached(
            "INSERT INTO schedule_runs (id, project_id, task_id, doc) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?
        .execute(params![run.id, run.project_id, run.task_id, d])
        .map_err(db_err)?;
    } else {
        conn.prepare_cached("UPDATE schedule_runs SET doc = ?1 WHERE id = ?2 AND project_id = ?3")
            .map_err(db_err)?
            .execute(params![d, run.id, run.project_id])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Claim the occurrence of `task_id` due at `due_ms`: `false` when the task is gone or its next
/// run is no longer that one (another replica, or an update, got there first). Otherwise the
/// task moves on to `next_ms` and the run is recorded, in this one write.
fn claim(
    conn: &Connection,
    project_id: &str,
    task_id: &str,
    due_ms: i64,
    next_ms: Option<i64>,
    run: &Run,
) -> Result<bool> {
    let Some(mut t) = load(conn, project_id, task_id)? else {
        return Ok(false);
    };
    if t.next_ms != Some(due_ms) {
        return Ok(false);
    }
    t.next_ms = next_ms;
    rewrite(conn, &t)?;
    save_run(conn, run, true)?;
    Ok(true)
}

fn runs(
    conn: &Connection,
    project_id: &str,
    task_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Run>)> {
    let (count, docs) = rows::page(
        conn,
        (
            "doc",
            "schedule_runs",
            "project_id = ? AND task_id = ?",
            "seq DESC",
        ),
        vec![
            Value::Text(project_id.to_string()),
            Value::Text(task_id.to_string()),
        ],
        offset,
        limit,
    )?;
    Ok((count, rows::decode(&docs)?))
}

fn run(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Run>> {
    rows::by_id(conn, "schedule_runs", project_id, id)
}

#[async_trait::async_trait]
impl crate::Schedules for SqlStore {
    async fn create_schedule_task(&self, task: ScheduleTask) -> Result<ScheduleTask> {
        self.write(move |c| {
            insert(c.db(), &task)?;
            Ok(task)
        })
        .await
    }

    async fn schedule_task(&self, project_id: String, id: String) -> Result<Option<ScheduleTask>> {
        self.read(move |c| load(c, &project_id, &id)).await
    }

    async fn list_schedule_tasks(
        &self,
        project_id: String,
        filter: crate::ScheduleTaskFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ScheduleTask>)> {
        self.read(move |c| list(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn update_schedule_task(
        &self,
        project_id: String,
        id: String,
        update: crate::ScheduleTaskUpdate,
    ) -> Result<ScheduleTask> {
        self.write(move |c| self::update(c.db(), &project_id, &id, update))
            .await
    }

    async fn delete_schedule_tasks(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| delete(c.db(), &project_id, &ids)).await
    }

    async fn due_schedule_tasks(&self, now_ms: i64) -> Result<Vec<ScheduleTask>> {
        self.read(move |c| due(c, now_ms)).await
    }

    async fn claim_schedule_run(
        &self,
        due_ms: i64,
        next_ms: Option<i64>,
        run: Run,
    ) -> Result<bool> {
        self.write(move |c| claim(c.db(), &run.project_id, &run.task_id, due_ms, next_ms, &run))
            .await
    }

    async fn update_schedule_run(&self, run: Run) -> Result<()> {
        self.write(move |c| save_run(c.db(), &run, false)).await
    }

    async fn schedule_runs(
        &self,
        project_id: String,
        task_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Run>)> {
        self.read(move |c| runs(c, &project_id, &task_id, offset, limit))
            .await
    }

    async fn schedule_run(&self, project_id: String, id: String) -> Result<Option<Run>> {
        self.read(move |c| run(c, &project_id, &id)).await
    }
}
