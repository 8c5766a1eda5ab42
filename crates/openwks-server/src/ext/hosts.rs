//! `GET /openwks/v1/hosts`: the simulated hypervisor fleet, each host's capacity, usage and
//! servers (administrators only).

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_api::ext::{HostView, ListHostsResponse};
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::Query;
use crate::AppState;

/// List the hosts, optionally of one `availability_zone`, with their usage and servers.
pub async fn list_hosts(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    if !ctx.caller.is_admin {
        return Err(Error::new(
            ErrorKind::Forbidden,
            Reason::Forbidden,
            "only the account's administrator may list hosts",
        )
        .into());
    }
    let az = q.str("availability_zone");
    let usage = st.store.host_usage().await?;
    let hosts: Vec<HostView> = st
        .catalogue
        .hosts()
        .into_iter()
        .filter(|h| az.is_none_or(|a| a == h.availability_zone))
        .map(|h| {
            let ((vcpus_used, memory_mb_used, gpus_used), servers) =
                usage.get(&h.id).cloned().unwrap_or_default();
            HostView {
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
