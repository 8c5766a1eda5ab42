//! App groups: the 8 operations of `WorkspaceAppClient` under `/app-groups`.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::app_group::{CreateAppGroupReq, DeleteAppGroupReq, UpdateAppGroupReq};
use openwks_api::wks::convert;
use openwks_api::wks::server_group::ListResponse;
use openwks_core::app_group::{CreateAppGroupSpec, UpdateAppGroupSpec, AUTHORIZATION_TYPES};
use openwks_core::error::Reason;
use openwks_core::server_group::APP_TYPES;
use openwks_core::validate::check_enum;
use openwks_core::Error;
use openwks_store::AppGroupFilter;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;

/// Most ids in one batch delete.
const MAX_BATCH: usize = 100;

/// `create_app_group`: `POST /v1/{project_id}/app-groups`.
pub async fn create_app_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let spec = CreateAppGroupSpec::from(json_body::<CreateAppGroupReq>(&body)?);
    let sg = match spec.server_group_id() {
        Some(sid) => st
            .store
            .server_group(project_id.clone(), sid.to_string())
            .await?
            .map(|v| v.group),
        None => None,
    };
    let group = spec.validate(sg.as_ref(), st.ids.next(), project_id, st.now())?;
    let view = st.store.create_app_group(group).await?;
    Ok(Json(convert::app_group(&view)).into_response())
}

/// `list_app_group`: `GET /v1/{project_id}/app-groups`.
pub async fn list_app_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = AppGroupFilter {
        app_server_group_id: q.str("app_server_group_id").map(str::to_string),
        app_group_id: q.str("app_group_id").map(str::to_string),
        name_contains: q.str("name").map(str::to_string),
        authorization_type: q
            .str("authorization_type")
            .map(|a| check_enum("authorization_type", a, AUTHORIZATION_TYPES).map(str::to_string))
            .transpose()?,
        app_type: q
            .str("app_type")
            .map(|a| check_enum("app_type", a, APP_TYPES).map(str::to_string))
            .transpose()?,
    };
    let (count, views) = if ctx.caller.is_admin {
        st.store
            .list_app_groups(project_id, f, offset, limit)
            .await?
    } else {
        // An IAM user sees only the groups it may get (docs/authorization.md).
        let (_, all) = st
            .store
            .list_app_groups(project_id.clone(), f, 0, i64::MAX)
            .await?;
        crate::authz::visible_app_groups(&st, &ctx.caller, &project_id, all, offset, limit).await?
    };
    Ok(Json(ListResponse {
        count,
        items: views.iter().map(convert::app_group).collect(),
    })
    .into_response())
}

/// `show_app_group_detail`: `GET /v1/{project_id}/app-groups/{app_group_id}`.
pub async fn show_app_group_detail(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let v = st
        .store
        .app_group(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("app group", &id))?;
    Ok(Json(convert::show_app_group(&v)).into_response())
}

/// `update_app_group`: `PATCH /v1/{project_id}/app-groups/{app_group_id}`; answers the group.
pub async fn update_app_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let spec = Arc::new(UpdateAppGroupSpec::from(json_body::<UpdateAppGroupReq>(
        &body,
    )?));
    if spec.is_empty() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request changes nothing: send at least one field",
        )
        .into());
    }
    let v = st
        .store
        .update_app_group(
            project_id,
            id,
            Box::new(move |g, lookup| {
                let sg = match spec.new_binding() {
                    Some(Some(sid)) => lookup(sid),
                    Some(None) => None,
                    None => g.app_server_group_id.as_deref().and_then(lookup),
                };
                spec.apply(g, sg.as_ref())
            }),
        )
        .await?;
    Ok(Json(convert::app_group(&v)).into_response())
}

/// `delete_app_group`: `DELETE /v1/{project_id}/app-groups/{app_group_id}`; deleting a group
/// that is gone succeeds (the vendor's Terraform provider expects 200 every time).
pub async fn delete_app_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    st.store.delete_app_groups(project_id, vec![id]).await?;
    Ok(empty_ok())
}

/// `batch_delete_app_group`: `POST /v1/{project_id}/app-groups/batch-delete` `{ids}`: all in one
/// transaction; ids that do not exist are skipped.
pub async fn batch_delete_app_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: DeleteAppGroupReq = json_body(&body)?;
    let ids = req.ids.ok_or_else(|| Error::missing("ids"))?;
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!(
                "ids must hold 1 to {MAX_BATCH} app group ids, got {}",
                ids.len()
            ),
        )
        .into());
    }
    st.store.delete_app_groups(project_id, ids).await?;
    Ok(empty_ok())
}

/// Whether an app group named `name` is in the project and one the caller may see (an IAM
/// user is not told of names it may not `get`; the administrator sees all).
async fn name_in_use(
    st: &AppState,
    ctx: &Ctx,
    project_id: &str,
    name: &str,
) -> openwks_core::Result<bool> {
    if !st
        .store
        .app_group_name_taken(project_id.to_string(), name.to_string())
        .await?
    {
        return Ok(false);
    }
    if ctx.caller.is_admin {
        return Ok(true);
    }
    let f = AppGroupFilter {
        name_contains: Some(name.to_string()),
        ..AppGroupFilter::default()
    };
    let (_, all) = st
        .store
        .list_app_groups(project_id.to_string(), f, 0, i64::MAX)
        .await?;
    let (_, seen) =
        crate::authz::visible_app_groups(st, &ctx.caller, project_id, all, 0, i64::MAX).await?;
    Ok(seen.iter().any(|v| v.group.name == name))
}

/// `check_app_group`: `POST /v1/{project_id}/app-groups/rules/validate` `{name}`.
pub async fn check_app_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    super::validate_name(
        &body,
        openwks_core::validate::is_valid_name,
        |name| async move { name_in_use(&st, &ctx, &project_id, &name).await },
    )
    .await
}

/// `disassociate_app_group`: `POST /v1/{project_id}/app-groups/actions/disassociate-app-group
/// ?server_group_id=`: unbinds every app group of the server group.
pub async fn disassociate_app_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let sid = q
        .str("server_group_id")
        .ok_or_else(|| Error::missing("server_group_id"))?;
    st.store
        .disassociate_app_groups(project_id, sid.to_string())
        .await?;
    Ok(empty_ok())
}
