//! The job runner: a job is `RUNNING` as soon as it is accepted (durably); the simulated boot
//! or teardown then takes `--boot-delay`, after which the job is finished in one write. At
//! start every job still `RUNNING` is resumed the same way.

use std::future::Future;

use crate::AppState;

/// A new job or server id (a hyphenated UUID, as ECS and WorkspaceApp answer them).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Start a job: `write` stores it as `RUNNING` (given its new id and the current time) and, once
/// that is durable, the job is finished after the boot delay. Answers the job's id.
pub async fn start_job<F, Fut, T>(
    st: &AppState,
    project_id: &str,
    write: F,
) -> openwks_core::Result<String>
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = openwks_core::Result<T>>,
{
    let job_id = new_id();
    write(job_id.clone(), st.now()).await?;
    finish_later(st, project_id.to_string(), job_id.clone());
    Ok(job_id)
}

/// Finish `job` of `project` after the boot delay, in the background.
pub fn finish_later(st: &AppState, project: String, job: String) {
    let st = st.clone();
    tokio::spawn(async move {
        tokio::time::sleep(st.settings.boot_delay).await;
        if let Err(e) = st.store.finish_job(&project, &job, st.now()).await {
            tracing::error!(job = %job, error = %e, "could not finish a job; it is resumed at the next start");
        }
    });
}
