//! Scaling activities and the scaling preview (issue #5, `docs/extensions.md`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_api::ext::{ListScalingActivitiesResponse, ScalingActivity, ScalingPreview};
use openwks_core::scaling::Decision;
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::{Query, P};
use crate::AppState;

fn group_id(q: &Query) -> Result<String, Error> {
    q.str("server_group_id")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::missing("server_group_id"))
}

/// A recorded activity as the API shows it.
pub(crate) fn activity_view(a: openwks_store::ScalingActivity) -> ScalingActivity {
    ScalingActivity {
        id: a.id,
        server_group_id: a.server_group_id,
        action: a.action,
        server_ids: a.server_ids,
        reason: a.reason,
        job_id: a.job_id,
        time: a.time,
        sessions: a.sessions,
        servers: a.servers,
        auto_created: a.auto_created,
    }
}

/// `GET /openwks/v1/{project_id}/scaling-activities?server_group_id=&limit=`: newest first.
pub async fn list_activities(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let id = group_id(&q)?;
    let (_, limit) = q.page()?;
    st.store
        .server_group(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("server group", &id))?;
    let items: Vec<ScalingActivity> = st
        .store
        .scaling_activities(project_id, id, limit)
        .await?
        .into_iter()
        .map(activity_view)
        .collect();
    Ok(Json(ListScalingActivitiesResponse {
        count: items.len() as i64,
        items,
    })
    .into_response())
}

/// `GET /openwks/v1/{project_id}/scaling-preview?server_group_id=`: what the controller would
/// do now and why, without doing it.
pub async fn preview(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let id = group_id(&q)?;
    let plan = crate::scaler::preview(&st, &project_id, &id)
        .await?
        .ok_or_else(|| Error::not_found("server group", &id))?;
    let (action, add, release, reason) = match plan.decision {
        Decision::ScaleOut { count, reason } => ("SCALE_OUT", count, Vec::new(), reason),
        Decision::ScaleIn { servers, reason } => ("SCALE_IN", 0, servers, reason),
        Decision::Hold { reason } => ("HOLD", 0, Vec::new(), reason),
    };
    Ok(Json(ScalingPreview {
        server_group_id: id,
        action: action.into(),
        add_servers: add,
        release_server_ids: release,
        reason,
        sessions: plan.sessions,
        servers: plan.servers,
        auto_created: plan.auto_created,
    })
    .into_response())
}
