//! The job runner: a job is `RUNNING` as soon as it is accepted (durably); the simulated boot
//! or teardown then takes `--boot-delay`, after which the job is finished in one write. At
//! start every job still `RUNNING` is resumed the same way.

use crate::AppState;

/// Finish `job` of `project` after the boot delay, in the background.
pub fn finish_later(st: &AppState, project: String, job: String) {
    let st = st.clone();
    tokio::spawn(async move {
        tokio::time::sleep(st.settings.boot_delay).await;
        if let Err(e) = st
            .store
            .finish_job(&project, &job, openwks_core::time::now_rfc3339())
            .await
        {
            tracing::error!(job = %job, error = %e, "could not finish a job; it is resumed at the next start");
        }
    });
}
