//! The launch route (issue #5, `docs/extensions.md`): an authorized user opens an app and is
//! routed to a server of the app group's server group, or of a standby group.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ext::{GroupExplanation, LaunchReq, LaunchResponse, PassedOver};
use openwks_core::error::Reason;
use openwks_core::session::{LaunchSpec, Session};
use openwks_core::Error;
use openwks_store::GroupDecision;

use crate::error::ApiResult;
use crate::request::{json_body, P};
use crate::service::session;
use crate::AppState;

fn explanation(ds: Vec<GroupDecision>) -> Vec<GroupExplanation> {
    ds.into_iter()
        .map(|d| GroupExplanation {
            server_group_id: d.server_group_id,
            server_group_name: d.server_group_name,
            chosen_server_id: d.chosen,
            passed_over: d
                .passed_over
                .into_iter()
                .map(|(id, e)| PassedOver {
                    server_id: id,
                    rule: e.code().to_string(),
                    reason: e.reason(),
                })
                .collect(),
        })
        .collect()
}

/// The refusal's metric label, by its code.
fn reason_of(e: &Error) -> &'static str {
    match e.code {
        Reason::NoCapacity => "no_capacity",
        Reason::LaunchNotAuthorized => "not_authorized",
        Reason::AppDisabled => "app_disabled",
        Reason::AppGroupUnbound => "unbound",
        Reason::AppGroupNotFound => "unknown_app_group",
        Reason::AppNotFound => "unknown_app",
        _ => "error",
    }
}

fn refused(st: &AppState, e: Error) -> Error {
    st.metrics
        .count("openwks_launch_refusals_total", "reason", reason_of(&e));
    e
}

/// `POST /openwks/v1/{project_id}/app-launches`.
pub async fn launch(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: LaunchReq = json_body(&body)?;
    let (explain, with_policy) = (req.explain, req.policy);
    let spec = LaunchSpec::new(
        req.user_name,
        req.app_group_id,
        req.app_id,
        req.client_ip,
        req.client_type,
        req.dry_run,
    )?;
    if spec.dry_run {
        let target = session::target(&st, &project_id, &spec)
            .await
            .map_err(|e| refused(&st, e))?;
        let primary = target.primary_server_group_id;
        let ds = session::explain(&st, &project_id, &primary).await?;
        let eff = session::effective_policy(&st, &project_id, &spec).await?;
        let hit = ds.iter().find(|d| d.chosen.is_some()).cloned();
        let mounts = match hit.as_ref() {
            Some(d) => {
                crate::wks::storage::session_mounts(
                    &st,
                    &project_id,
                    &spec.user_name,
                    &d.server_group_id,
                )
                .await?
            }
            None => Vec::new(),
        };
        let server = match hit.as_ref().and_then(|d| d.chosen.as_deref()) {
            Some(id) => st.store.server(project_id, id.to_string()).await?,
            None => None,
        };
        return Ok(Json(LaunchResponse {
            session_id: None,
            server_id: server.as_ref().map(|s| s.id.clone()),
            machine_name: server.as_ref().map(|s| s.name.clone()),
            vm_ip: server.as_ref().map(|s| s.ip.clone()),
            server_group_id: hit.as_ref().map(|d| d.server_group_id.clone()),
            app_group_id: spec.app_group_id,
            app_id: spec.app_id,
            session_state: None,
            secondary_server_group_id: hit
                .as_ref()
                .map(|d| d.server_group_id.clone())
                .filter(|g| *g != primary),
            primary_server_group_id: primary,
            reused: false,
            dry_run: true,
            explanation: Some(explanation(ds)),
            policies: Some(eff.policies),
            policy_sources: Some(eff.sources),
            mounts,
        })
        .into_response());
    }
    let (app_group_id, app_id) = (spec.app_group_id.clone(), spec.app_id.clone());
    // The policy is resolved here only when the answer shows it (the launch's write resolves
    // the disconnect timeout the session keeps on its own).
    let eff = if explain || with_policy {
        Some(
            session::effective_policy(&st, &project_id, &spec)
                .await
                .map_err(|e| refused(&st, e))?,
        )
    } else {
        None
    };
    let outcome = session::launch(&st, &project_id, spec)
        .await
        .map_err(|e| refused(&st, e))?;
    let s: Session = outcome.session;
    let mounts =
        crate::wks::storage::session_mounts(&st, &project_id, &s.user_name, &s.server_group_id)
            .await?;
    st.metrics.count(
        "openwks_launches_total",
        "outcome",
        if outcome.reused {
            "reused"
        } else if s.secondary_server_group_id.is_some() {
            "standby"
        } else {
            "primary"
        },
    );
    let explanation = if explain {
        Some(explanation(
            session::explain(&st, &project_id, &s.primary_server_group_id).await?,
        ))
    } else {
        None
    };
    Ok(Json(LaunchResponse {
        session_id: Some(s.id),
        server_id: Some(s.server_id),
        machine_name: Some(s.machine_name),
        vm_ip: Some(s.vm_ip),
        server_group_id: Some(s.server_group_id),
        app_group_id,
        app_id,
        session_state: Some(s.state.as_str().into()),
        primary_server_group_id: s.primary_server_group_id,
        secondary_server_group_id: s.secondary_server_group_id,
        reused: outcome.reused,
        dry_run: false,
        explanation,
        policy_sources: eff.as_ref().filter(|_| explain).map(|e| e.sources.clone()),
        policies: eff.map(|e| e.policies),
        mounts,
    })
    .into_response())
}

/// The answer of a session state change.
fn state_answer(s: Session) -> Response {
    Json(serde_json::json!({"session_id": s.id, "session_state": s.state})).into_response()
}

/// `DELETE /openwks/v1/{project_id}/app-launches/{session_id}`: the user logs off; the slot is
/// free at once. Logging off an ended session answers it unchanged.
pub async fn end(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    Ok(state_answer(
        st.store.end_session(project_id, id, st.timestamp()).await?,
    ))
}

/// `POST /openwks/v1/{project_id}/app-launches/{session_id}/disconnect`: the client went
/// away; the session keeps its slot until the disconnect timeout (a new launch reconnects).
pub async fn disconnect(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    Ok(state_answer(
        st.store
            .disconnect_session(project_id, id, st.timestamp())
            .await?,
    ))
}
