//! The job runner: a job is `RUNNING` as soon as it is accepted (durably); the simulated boot
//! or teardown then takes `--boot-delay` on the server's clock, after which the job is
//! finished in one write. Jobs wait in a queue ordered by the time they are due; a worker
//! finishes them when the clock reaches that time ([`run_due`]), so a test that moves a
//! virtual clock drives its jobs without sleeping. At start every job still `RUNNING` is
//! queued again.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::AppState;

/// A new job or server id (a hyphenated UUID, as ECS and WorkspaceApp answer them).
pub fn new_id(st: &AppState) -> String {
    st.new_uuid()
}

/// Jobs waiting for their time, earliest first.
#[derive(Debug, Default)]
pub struct JobQueue {
    due: Mutex<BinaryHeap<Reverse<(i64, String, String)>>>,
    wake: Notify,
    /// Held while due jobs are taken and finished: a [`run_due`] returns only once every job
    /// due when it was called is finished, whoever took it.
    finishing: tokio::sync::Mutex<()>,
}

impl JobQueue {
    fn push(&self, due_ms: i64, project: String, job: String) {
        if let Ok(mut q) = self.due.lock() {
            q.push(Reverse((due_ms, project, job)));
        }
        self.wake.notify_one();
    }

    /// The jobs due at `now_ms`, taken off the queue.
    fn take_due(&self, now_ms: i64) -> Vec<(String, String)> {
        let Ok(mut q) = self.due.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while q.peek().is_some_and(|Reverse((t, _, _))| *t <= now_ms) {
            if let Some(Reverse((_, p, j))) = q.pop() {
                out.push((p, j));
            }
        }
        out
    }

    /// When the next job is due.
    fn next_due(&self) -> Option<i64> {
        self.due.lock().ok()?.peek().map(|Reverse((t, _, _))| *t)
    }

    /// Forget every waiting job (a reset removed them).
    pub fn clear(&self) {
        if let Ok(mut q) = self.due.lock() {
            q.clear();
        }
    }

    /// How many jobs wait.
    pub fn len(&self) -> usize {
        self.due.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Whether no job waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Start a job: `write` stores it as `RUNNING` (given its new id and the current time) and, once
/// that is durable, the job is finished after the boot delay. Answers the job's id.
pub async fn start_job<F, Fut, T>(
    st: &AppState,
    project_id: &str,
    write: F,
) -> openwks_core::Result<String>
where
    F: FnOnce(String, openwks_core::time::Timestamp) -> Fut,
    Fut: Future<Output = openwks_core::Result<T>>,
{
    let job_id = new_id(st);
    write(job_id.clone(), st.timestamp()).await?;
    finish_later(st, project_id.to_string(), job_id.clone());
    Ok(job_id)
}

/// Queue every job the store has running (at start, and after a snapshot load): no server is
/// left in a transient state. On a shared database that includes other replicas' jobs:
/// finishing is idempotent, and a job begun just before finishes about when it would have
/// anyway.
pub async fn resume_running(st: &AppState) -> openwks_core::Result<()> {
    for job in st.store.running_jobs().await? {
        finish_later(st, job.project_id, job.id);
    }
    Ok(())
}

/// Queue `job` of `project` to be finished when the boot delay has passed on the clock.
pub fn finish_later(st: &AppState, project: String, job: String) {
    let delay = i64::try_from(st.settings.boot_delay.as_millis()).unwrap_or(i64::MAX);
    st.jobs
        .push(st.now_ms().saturating_add(delay), project, job);
}

/// Finish every queued job that is due on the clock now; how many were finished. The worker
/// calls it; tests call it after moving a virtual clock. Finishing is idempotent (a job another
/// replica or an earlier call finished stays as it is).
pub async fn run_due(st: &AppState) -> usize {
    let _one_at_a_time = st.jobs.finishing.lock().await;
    let due = st.jobs.take_due(st.now_ms());
    let n = due.len();
    for (project, job) in due {
        if let Err(e) = st
            .store
            .finish_job(project, job.clone(), st.timestamp())
            .await
        {
            tracing::error!(job = %job, error = %e, "could not finish a job; it is resumed at the next start");
        }
    }
    n
}

/// The worker: finishes jobs as they come due, sleeping until the next one (at most a second,
/// so a clock that jumps is noticed) or until a new job is queued.
pub fn spawn(st: &AppState) {
    let st = st.clone();
    tokio::spawn(async move {
        loop {
            run_due(&st).await;
            let wait = match st.jobs.next_due() {
                Some(t) => (t - st.now_ms()).clamp(0, 1000),
                None => 1000,
            };
            let wait = std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(0));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = st.jobs.wake.notified() => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::JobQueue;

    #[test]
    fn jobs_come_due_in_time_order() {
        let q = JobQueue::default();
        q.push(30, "p".into(), "c".into());
        q.push(10, "p".into(), "a".into());
        q.push(20, "p".into(), "b".into());
        assert_eq!(q.next_due(), Some(10));
        assert!(q.take_due(9).is_empty());
        let got: Vec<String> = q.take_due(20).into_iter().map(|(_, j)| j).collect();
        assert_eq!(got, ["a", "b"]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.take_due(i64::MAX).len(), 1);
        assert!(q.is_empty());
    }
}
