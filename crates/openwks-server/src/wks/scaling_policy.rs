//! The scaling policy of a server group: show, create-or-update, delete (`/scaling-policy`).
//! A group without a policy shows the default, disabled one; delete disables the policy
//! (anchors-appstream.md §5 and §6).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::convert;
use openwks_api::wks::server_group::CreateOrUpdateScalingPolicyReq;
use openwks_core::server_group::ScalingPolicySpec;
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;

fn group_id(q: &Query) -> Result<String, Error> {
    q.str("server_group_id")
        .map(str::to_string)
        .ok_or_else(|| Error::missing("server_group_id"))
}

/// `show_scaling_policy`: `GET /v1/{project_id}/scaling-policy?server_group_id=`.
pub async fn show_scaling_policy(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let id = group_id(&q)?;
    let v = st
        .store
        .server_group(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("server group", &id))?;
    Ok(Json(convert::scaling_policy(&v.group.scaling_policy)).into_response())
}

/// `create_or_update_scaling_policy`: `PUT /v1/{project_id}/scaling-policy`.
pub async fn create_or_update_scaling_policy(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateOrUpdateScalingPolicyReq = json_body(&body)?;
    let id = req
        .server_group_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing("server_group_id"))?;
    let policy = ScalingPolicySpec::from(req).validate()?;
    let now = st.now();
    let p = policy.clone();
    st.store
        .update_server_group(
            project_id,
            id,
            Box::new(move |g, _, _| {
                g.scaling_policy = p;
                g.update_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(Json(convert::scaling_policy(&policy)).into_response())
}

/// `delete_scaling_policy`: `DELETE /v1/{project_id}/scaling-policy?server_group_id=`:
/// disables the policy (its values are kept).
pub async fn delete_scaling_policy(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let id = group_id(&q)?;
    let now = st.now();
    st.store
        .update_server_group(
            project_id,
            id,
            Box::new(move |g, _, _| {
                g.scaling_policy.enable = false;
                g.update_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}
