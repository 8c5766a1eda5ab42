//! `GET /openwks/v1/hosts`: the simulated hypervisor fleet, each host's capacity, usage and
//! servers (administrators only).

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_api::ext::{HostView, ListHostsResponse};
use openwks_core::error::codes;
use openwks_core::{Error, ErrorKind};

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::Query;
use crate::AppState;

/// List the hosts, optionally of one `availability_zone`. Servers arrive with the compute
/// issue's app servers and ECSs; until then every host is empty.
pub async fn list_hosts(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    if !ctx.caller.is_admin {
        return Err(Error::new(
            ErrorKind::Forbidden,
            codes::FORBIDDEN,
            "only the account's administrator may list hosts",
        )
        .into());
    }
    let az = q.str("availability_zone");
    let hosts: Vec<HostView> = st
        .catalogue
        .hosts()
        .into_iter()
        .filter(|h| az.is_none_or(|a| a == h.availability_zone))
        .map(|h| HostView {
            id: h.id,
            availability_zone: h.availability_zone,
            vcpus: h.vcpus,
            vcpus_used: 0,
            memory_mb: h.memory_mb,
            memory_mb_used: 0,
            gpus: h.gpus,
            gpus_used: 0,
            servers: Vec::new(),
        })
        .collect();
    Ok(Json(ListHostsResponse {
        count: hosts.len() as i64,
        hosts,
    })
    .into_response())
}
