//! `GET /openwks/v1/hosts`: the simulated hypervisor fleet, each host's capacity, usage,
//! servers and state (administrators only); `POST /openwks/v1/_admin/hosts/{id}/fail|recover`:
//! host failures (issue 21).

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ext::{FailHostReq, HostView, ListHostsResponse};
use openwks_core::error::Reason;
use openwks_core::validate::check_text;
use openwks_core::Error;
use serde_json::json;

use super::admin::administrator;
use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body_or_default, Query, P};
use crate::AppState;

/// List the hosts, optionally of one `availability_zone`, with their usage and servers.
pub async fn list_hosts(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    administrator(&ctx, "list hosts")?;
    let az = q.str("availability_zone");
    let usage = st.store.host_usage().await?;
    let down = st.store.down_hosts().await?;
    let hosts: Vec<HostView> = st
        .catalogue
        .hosts()
        .into_iter()
        .filter(|h| az.is_none_or(|a| a == h.availability_zone))
        .map(|h| {
            let ((vcpus_used, memory_mb_used, gpus_used), servers) =
                usage.get(&h.id).cloned().unwrap_or_default();
            let d = down.get(&h.id);
            HostView {
                state: if d.is_some() { "down" } else { "up" }.into(),
                down_reason: d.map(|d| d.reason.clone()),
                down_since: d.map(|d| d.since.clone()),
                id: h.id,
                availability_zone: h.availability_zone,
                vcpus: h.vcpus,
                vcpus_used,
                memory_mb: h.memory_mb,
                memory_mb_used,
                gpus: h.gpus,
                gpus_used,
                servers,
            }
        })
        .collect();
    Ok(Json(ListHostsResponse {
        count: hosts.len() as i64,
        hosts,
    })
    .into_response())
}

/// `POST /openwks/v1/_admin/hosts/{host_id}/fail` `{"reason"?}`: the host goes down. It takes
/// no new servers; each of its servers goes to `ERROR` and ends its live sessions; the scaling
/// controller replaces the app servers at its next round. `{"host_id", "state", "servers"}`
/// with the servers that went to `ERROR`.
pub async fn fail_host(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(host_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    administrator(&ctx, "fail a host")?;
    let r: FailHostReq = json_body_or_default(&body)?;
    let reason = r
        .reason
        .unwrap_or_else(|| "failed by the administrator".into());
    check_text("reason", &reason, 1, 255, Reason::InvalidParameter)?;
    let failed = st
        .store
        .set_host_down(host_id.clone(), Some(reason.clone()), st.timestamp())
        .await?
        .ok_or_else(|| Error::not_found("host", &host_id))?;
    let ids: Vec<String> = failed.into_iter().map(|s| s.id).collect();
    tracing::warn!(host = %host_id, %reason, servers = ids.len(), "host marked down");
    st.metrics
        .count("openwks_host_failures_total", "host", &host_id);
    Ok(Json(json!({"host_id": host_id, "state": "down", "servers": ids})).into_response())
}

/// `POST /openwks/v1/_admin/hosts/{host_id}/recover`: the host takes servers again (its servers
/// stay in `ERROR` until replaced or deleted). `{"host_id", "state"}`.
pub async fn recover_host(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(host_id): P<String>,
) -> ApiResult<Response> {
    administrator(&ctx, "recover a host")?;
    st.store
        .set_host_down(host_id.clone(), None, st.timestamp())
        .await?
        .ok_or_else(|| Error::not_found("host", &host_id))?;
    tracing::info!(host = %host_id, "host marked up");
    Ok(Json(json!({"host_id": host_id, "state": "up"})).into_response())
}
