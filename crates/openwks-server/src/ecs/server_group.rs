//! ECS server groups: the 8 operations of `EcsClient` under `os-server-groups`, and limits.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ecs::{
    BatchMembersResponse, BatchOperateResult, CreateServerGroupRequestBody,
    ListServerGroupsResponse, PageInfo, ServerGroup, ServerGroupActionReq, ServerGroupEnvelope,
    ServerIdsReq, ServerLimits, ShowServerLimitsResponse,
};
use openwks_core::ecs::{invalid, validate_create, EcsServerGroup};
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};
use openwks_store::Change;

use crate::error::EcsResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

fn out((g, members): (EcsServerGroup, Vec<String>)) -> ServerGroup {
    let EcsServerGroup {
        id,
        project_id: _,
        name,
        policies,
        metadata,
        created_at: _,
    } = g;
    ServerGroup {
        id,
        name,
        policies,
        members,
        metadata,
    }
}

fn group_not_found(id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        Reason::EcsGroupNotFound,
        format!("ECS group {id} does not exist"),
    )
}

/// `create_server_group`: `POST /v1/{project_id}/cloudservers/os-server-groups`.
pub async fn create_server_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> EcsResult<Response> {
    let req: CreateServerGroupRequestBody = json_body(&body)?;
    let o = req
        .server_group
        .ok_or_else(|| invalid("server_group is required"))?;
    let g = validate_create(o.name, o.policies, st.new_uuid(), project_id, st.now())?;
    let created = st
        .store
        .create_ecs_group(g, st.catalogue.quotas.ecs_server_groups)
        .await?;
    Ok(Json(ServerGroupEnvelope {
        server_group: out(created),
    })
    .into_response())
}

/// `list_server_groups`: `GET ...?limit=&marker=` (limit 1–1000, default 1000).
pub async fn list_server_groups(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> EcsResult<Response> {
    let limit = q
        .i64("limit")
        .map_err(|e| invalid(e.message))?
        .unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(invalid(format!("limit must be between 1 and 1000, got {limit}")).into());
    }
    let (groups, more) = st
        .store
        .list_ecs_groups(project_id, q.string("marker"), limit)
        .await?;
    let next_marker = if more {
        groups.last().map(|(g, _)| g.id.clone())
    } else {
        None
    };
    Ok(Json(ListServerGroupsResponse {
        server_groups: groups.into_iter().map(out).collect(),
        page_info: PageInfo { next_marker },
    })
    .into_response())
}

/// `show_server_group`: `GET .../{server_group_id}`.
pub async fn show_server_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> EcsResult<Response> {
    let g = st
        .store
        .ecs_group(project_id, id.clone())
        .await?
        .ok_or_else(|| group_not_found(&id))?;
    Ok(Json(ServerGroupEnvelope {
        server_group: out(g),
    })
    .into_response())
}

/// `delete_server_group`: `DELETE .../{server_group_id}` → 204; 404 when missing.
pub async fn delete_server_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> EcsResult<Response> {
    match st.store.delete_ecs_group(project_id, id.clone()).await? {
        openwks_store::Deleted::Yes => Ok(StatusCode::NO_CONTENT.into_response()),
        openwks_store::Deleted::NotFound => Err(group_not_found(&id).into()),
    }
}

/// `add_server_group_member` / `delete_server_group_member`: `POST .../{id}/action` with
/// `add_member` or `remove_member`. Removing drops the membership; adding needs a stopped ECS
/// (`Ecs.0100` otherwise); an unknown ECS is `Ecs.0114`.
pub async fn server_group_action(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> EcsResult<Response> {
    let req: ServerGroupActionReq = json_body(&body)?;
    let (uuid, change) = match (req.add_member, req.remove_member) {
        (Some(a), None) => (a.instance_uuid, Change::Add),
        (None, Some(r)) => (r.instance_uuid, Change::Remove),
        _ => {
            return Err(
                invalid("the body must hold exactly one of add_member and remove_member").into(),
            )
        }
    };
    let uuid = uuid
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("instance_uuid is required"))?;
    let mut results = st
        .store
        .change_ecs_members(project_id, id, vec![uuid], change)
        .await?;
    match results.pop().flatten() {
        Some(e) => Err(e.into()),
        None => Ok(StatusCode::OK.into_response()),
    }
}

async fn batch(
    st: &AppState,
    project_id: &str,
    id: &str,
    body: &Bytes,
    change: Change,
) -> EcsResult<Response> {
    let req: ServerIdsReq = json_body(body)?;
    let ids = req
        .server_ids
        .ok_or_else(|| invalid("server_ids is required"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(invalid(format!(
            "server_ids must hold 1 to 100 ids, got {}",
            ids.len()
        ))
        .into());
    }
    let results = st
        .store
        .change_ecs_members(project_id.to_string(), id.to_string(), ids.clone(), change)
        .await?;
    let servers: Vec<BatchOperateResult> = ids
        .iter()
        .zip(results)
        .map(|(s, r)| match r {
            Some(e) => BatchOperateResult {
                status: "failed".into(),
                server_id: s.clone(),
                fail_reason: e.message,
            },
            None => BatchOperateResult {
                status: "success".into(),
                server_id: s.clone(),
                fail_reason: String::new(),
            },
        })
        .collect();
    let status = if servers.iter().all(|r| r.status == "success") {
        "success"
    } else {
        "failed"
    };
    Ok(Json(BatchMembersResponse {
        status: status.into(),
        servers,
    })
    .into_response())
}

/// `batch_add_server_group_member`: `POST .../{id}/add_members` `{server_ids}`.
pub async fn add_members(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> EcsResult<Response> {
    batch(&st, &project_id, &id, &body, Change::Add).await
}

/// `batch_delete_server_group_member`: `POST .../{id}/remove_members` `{server_ids}`.
pub async fn remove_members(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> EcsResult<Response> {
    batch(&st, &project_id, &id, &body, Change::Remove).await
}

/// `show_server_limits`: `GET /v1/{project_id}/cloudservers/limits`.
pub async fn show_server_limits(
    State(st): State<AppState>,
    P(project_id): P<String>,
) -> EcsResult<Response> {
    let q = &st.catalogue.quotas;
    let used = st.store.ecs_group_count(project_id).await?;
    let absolute = ServerLimits {
        max_image_meta: 50,
        max_personality: 5,
        max_personality_size: 10240,
        max_security_group_rules: 20,
        max_security_groups: 10,
        max_server_group_members: q.ecs_server_group_members,
        max_server_groups: q.ecs_server_groups,
        max_server_meta: 50,
        max_total_cores: q.cores,
        max_total_floating_ips: 10,
        max_total_instances: q.instances,
        max_total_keypairs: 100,
        max_total_ram_size: q.memory_mb,
        total_server_groups_used: used,
        ..ServerLimits::default()
    };
    Ok(Json(ShowServerLimitsResponse { absolute }).into_response())
}
