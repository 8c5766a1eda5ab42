//! `/openwks/v1/_admin/…`: what a test harness drives instead of waiting (administrators only).
//!
//! - `POST /openwks/v1/_admin/jobs/run-due` finishes, now, every job whose simulated boot or
//!   teardown time has come (the worker would finish them within its next wake-up). A suite
//!   that runs openwks with `--boot-delay-ms 0` calls it after an operation that starts a job,
//!   then reads the job: finished, with no polling and no sleep.
//! - `GET /openwks/v1/_admin/clock` reads the server's clock; `POST` with `{"advance_ms": n}`
//!   moves it forward, `{"pin": true|false}` stops it where it stands or lets it run on (only
//!   when it was started with `--time-control`; 409 otherwise).
//! - `GET /openwks/v1/_admin/requests?limit=` the last requests with their bodies, secrets
//!   redacted (when the server runs with `--record-requests N`).
//! - `POST /openwks/v1/_admin/reset` empties every resource and keeps the identity (users, keys,
//!   IAM, projects), the audit trail and the default network, in one write.
//! - `POST /openwks/v1/_admin/cluster/beat` runs one heartbeat now (take or renew the background
//!   lease; as its holder, finish the jobs other replicas left running): `{"leader": bool}`.

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_core::error::Reason;
use openwks_core::validate::check_range;
use openwks_core::{Error, ErrorKind};
use serde_json::json;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, Query};
use crate::AppState;

/// Only the account's administrator is served (`what` names the act in the 403).
pub(crate) fn administrator(ctx: &Ctx, what: &str) -> Result<(), Error> {
    if ctx.caller.is_admin {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Forbidden,
            Reason::Forbidden,
            format!("only the account's administrator may {what}"),
        ))
    }
}

/// Finish every due job; `{"finished": n}`.
pub async fn run_due_jobs(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "drive the job queue")?;
    let finished = crate::jobs::run_due(&st).await;
    Ok(Json(json!({ "finished": finished })).into_response())
}

fn clock_answer(st: &AppState) -> Response {
    let now = st.timestamp();
    Json(json!({ "now": now.wire(), "now_ms": now.ms(), "pinned": st.settings.clock.pinned() }))
        .into_response()
}

/// The server's clock: `{"now", "now_ms"}`.
pub async fn show_clock(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "read the server's clock")?;
    Ok(clock_answer(&st))
}

/// Move the clock: `{"advance_ms"?: n (1 ms to 10 years), "pin"?: bool}` (pin first, then
/// advance); the new time.
pub async fn advance_clock(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    administrator(&ctx, "move the server's clock")?;
    #[derive(serde::Deserialize)]
    struct Move {
        advance_ms: Option<i64>,
        pin: Option<bool>,
    }
    let m = json_body::<Move>(&body)?;
    if m.advance_ms.is_none() && m.pin.is_none() {
        return Err(Error::missing("advance_ms").into());
    }
    if let Some(ms) = m.advance_ms {
        check_range("advance_ms", ms, 1, 10 * 365 * 86_400_000)?;
    }
    let wall = || {
        Error::conflict(
            Reason::Conflict,
            "this server runs on the wall clock: start it with --time-control (OPENWKS_TIME_CONTROL=true) to move its time",
        )
    };
    if let Some(pin) = m.pin {
        if !st.settings.clock.pin(pin) {
            return Err(wall().into());
        }
    }
    if let Some(ms) = m.advance_ms {
        if !st.settings.clock.advance(ms) {
            return Err(wall().into());
        }
    }
    Ok(clock_answer(&st))
}

/// Empty every resource and keep the identity (`openwks_store::Admin::reset`); the jobs
/// waiting in this replica's queue go too. `{"removed": {table: rows}}`.
pub async fn reset(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "reset the store")?;
    let removed = st.store.reset(&st.catalogue, st.timestamp()).await?;
    st.jobs.clear();
    tracing::info!(
        ?removed,
        "store reset: every resource removed, the identity kept"
    );
    Ok(Json(json!({ "removed": removed })).into_response())
}

/// The recorded requests, newest first: `?limit=` (1–10000, default 50) →
/// `{"enabled", "capacity"..., "count", "requests"}`.
pub async fn recorded_requests(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    administrator(&ctx, "read the recorded requests")?;
    let limit = check_range("limit", q.i64("limit")?.unwrap_or(50), 1, 10_000)?;
    let requests = st.recorder.newest(usize::try_from(limit).unwrap_or(50));
    Ok(Json(json!({
        "enabled": st.recorder.enabled(),
        "count": requests.len(),
        "requests": requests,
    }))
    .into_response())
}

/// Add a fault rule (`crate::faults::FaultRule`) → 201 with the rule as kept.
pub async fn add_fault(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    administrator(&ctx, "inject faults")?;
    let rule: crate::faults::FaultRule = json_body(&body)?;
    let kept = st.faults.add(rule)?;
    Ok((axum::http::StatusCode::CREATED, Json(kept)).into_response())
}

/// The fault rules in force, with their hits: `{"count", "faults"}`.
pub async fn list_faults(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "read the fault rules")?;
    let faults = st.faults.list();
    Ok(Json(json!({"count": faults.len(), "faults": faults})).into_response())
}

/// Remove every fault rule: `{"cleared": n}`.
pub async fn clear_faults(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "clear the fault rules")?;
    Ok(Json(json!({"cleared": st.faults.clear()})).into_response())
}

/// One heartbeat now; `{"leader": bool}`.
pub async fn cluster_beat(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "run the heartbeat")?;
    // Not a multiple of 60 plus one: the audit pruning keeps its own schedule.
    crate::cluster::beat(&st, 2).await;
    Ok(Json(json!({ "leader": st.cluster.is_leader() })).into_response())
}

/// `POST /openwks/v1/_admin/scaling/round`: one round of the scaling controller now (expire
/// sessions, replace the servers of failed hosts, scale every group with a policy), on the
/// replica that holds the background lease: `{"leader": bool, "activities": [...]}` (none
/// when this replica is not the leader; beat it first).
pub async fn scaling_round(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "run a scaling round")?;
    if !st.cluster.is_leader() {
        return Ok(Json(json!({"leader": false, "activities": []})).into_response());
    }
    let activities: Vec<_> = crate::scaler::tick(&st)
        .await?
        .into_iter()
        .map(super::scaling::activity_view)
        .collect();
    Ok(Json(json!({"leader": true, "activities": activities})).into_response())
}

/// `GET /openwks/v1/_admin/snapshot`: the whole state as one JSON document
/// (`openwks_store::sql::snapshot`), read in one consistent step.
pub async fn save_snapshot(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    administrator(&ctx, "save a snapshot")?;
    let snapshot = st.store.export_snapshot(st.timestamp()).await?;
    Ok(Json(snapshot).into_response())
}

/// `POST /openwks/v1/_admin/snapshot` with a saved snapshot: load it into this openwks, which
/// must hold no resource (409; reset it first). The identity is the snapshot's from then on:
/// the answer names its project and administrator key, with which the caller goes on.
/// `{"loaded": {table: rows}, "identity": {...}}`.
pub async fn load_snapshot(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    administrator(&ctx, "load a snapshot")?;
    let snapshot: openwks_store::sql::snapshot::Snapshot = json_body(&body)?;
    let (loaded, boot) = st.store.load_snapshot(snapshot).await?;
    // What this process keeps of the old state goes: keys, policies, queued jobs.
    st.policy_cache.invalidate();
    st.directory.reload(st.store.as_ref()).await?;
    st.jobs.clear();
    crate::jobs::resume_running(&st).await?;
    let identity = json!({
        "account_name": boot.account_name,
        "project_id": boot.project.id,
        "region": boot.project.name,
        "access_key": boot.key.access_key,
        "secret_key": boot.key.secret_key,
        "admin_user": boot.admin.name,
    });
    st.set_bootstrap(boot);
    tracing::info!(
        ?loaded,
        "snapshot loaded: the identity and every resource replaced"
    );
    Ok(Json(json!({"loaded": loaded, "identity": identity})).into_response())
}
