//! Drain (issue #18, an openwks extension no anchor has; `docs/extensions.md`): an operator
//! drains an app server with an owner, a reason and an expiry. While drained it takes no new
//! sessions (routing passes it over as `drained`, and `explain` says by whom, until when and
//! why), its sessions run to their end, and the scaling controller neither counts it as capacity
//! nor releases it while it has sessions. The drain ends when the operator ends it or, at the
//! latest, at the controller's first round from its expiry. Each start and end is a scaling
//! activity of the server's group (`DRAIN`, `UNDRAIN`, `DRAIN_EXPIRED`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use openwks_api::ext::{DrainReq, DrainResponse, DrainView};
use openwks_core::compute::{Drain, MAX_DRAIN_MINUTES};
use openwks_core::error::Reason;
use openwks_core::validate::check_text;
use openwks_core::Error;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, P};
use crate::service::drain;
use crate::AppState;

/// A drain as the API shows it.
pub(crate) fn drain_view(d: &Drain) -> DrainView {
    DrainView {
        owner: d.owner.clone(),
        reason: d.reason.clone(),
        since: d.since.clone(),
        until: d.until.clone(),
    }
}

/// `POST /openwks/v1/{project_id}/app-servers/{server_id}/drain` `{reason, owner?, minutes?}`
/// → 200 `{server_id, drain}`. Draining a drained server replaces its drain (a new owner,
/// reason or expiry).
pub async fn drain(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((project_id, server_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: DrainReq = json_body(&body)?;
    let reason = r.reason.ok_or_else(|| Error::missing("reason"))?;
    check_text("reason", &reason, 1, 255, Reason::InvalidParameter)?;
    let owner = match r.owner {
        Some(o) => o,
        None => st
            .directory
            .user(&ctx.caller.user_id)
            .map_or_else(|| ctx.caller.user_id.clone(), |u| u.name),
    };
    check_text("owner", &owner, 1, 64, Reason::InvalidParameter)?;
    let minutes = r.minutes.unwrap_or(60);
    if !(1..=MAX_DRAIN_MINUTES).contains(&minutes) {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("minutes must be 1 to {MAX_DRAIN_MINUTES}"),
        )
        .into());
    }
    let until = st.timestamp().plus_ms(minutes * 60_000);
    let d = drain::start(&st, project_id, server_id.clone(), owner, reason, until).await?;
    Ok(Json(DrainResponse {
        server_id,
        drain: Some(drain_view(&d)),
    })
    .into_response())
}

/// `DELETE /openwks/v1/{project_id}/app-servers/{server_id}/drain` → 200 `{server_id, drain:
/// null}`: the server takes sessions again (ending no drain is not an error).
pub async fn undrain(
    State(st): State<AppState>,
    P((project_id, server_id)): P<(String, String)>,
) -> ApiResult<Response> {
    drain::end(&st, project_id, server_id.clone()).await?;
    Ok(Json(DrainResponse {
        server_id,
        drain: None,
    })
    .into_response())
}
