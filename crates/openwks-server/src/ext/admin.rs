//! `/openwks/v1/_admin/…`: what a test harness drives instead of waiting (administrators only).
//!
//! `POST /openwks/v1/_admin/jobs/run-due` finishes, now, every job whose simulated boot or
//! teardown time has come (the worker would finish them within its next wake-up). A suite that
//! runs openwks with `--boot-delay-ms 0` calls it after an operation that starts a job, then
//! reads the job: finished, with no polling and no sleep.

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};
use serde_json::json;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::AppState;

/// Finish every due job; `{"finished": n}`.
pub async fn run_due_jobs(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    if !ctx.caller.is_admin {
        return Err(Error::new(
            ErrorKind::Forbidden,
            Reason::Forbidden,
            "only the account's administrator may drive the job queue",
        )
        .into());
    }
    let finished = crate::jobs::run_due(&st).await;
    Ok(Json(json!({ "finished": finished })).into_response())
}
