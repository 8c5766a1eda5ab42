//! Server groups: the 9 operations of `WorkspaceAppClient` under `/app-server-groups`.

use std::collections::BTreeMap;

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::convert;
use openwks_api::wks::server_group::{
    CreateServerGroupReq, ListResponse, ServerGroupDto, ShowServerGroupRestrictResponse,
    ShowServerGroupStateResponse, UpdateServerGroupReq,
};
use openwks_core::error::Reason;
use openwks_core::server_group::{
    parse_tag_filter, CreateContext, CreateSpec, UpdateSpec, APP_TYPES,
};
use openwks_core::validate::check_enum;
use openwks_core::Error;
use openwks_store::ServerGroupFilter;
use rand::Rng;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;

/// A create request checked into a new server group (the VPC and subnet it names looked up in
/// the project, its image among the shipped and the project's private images), with the
/// catalogue it was checked against. Also what an image server's group is made with.
pub(crate) async fn validate_create<'a>(
    st: &'a AppState,
    project_id: &str,
    spec: CreateSpec,
) -> openwks_core::Result<(
    openwks_core::server_group::ServerGroup,
    std::borrow::Cow<'a, openwks_core::catalogue::Catalogue>,
)> {
    let project_id = project_id.to_string();
    let vpc = match spec.vpc_id.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => st.store.vpc(project_id.clone(), v.to_string()).await?,
        None => None,
    };
    let subnet = match spec.subnet_id.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => st.store.subnet(project_id.clone(), s.to_string()).await?,
        None => None,
    };
    let image = spec.image_id.clone().unwrap_or_default();
    let cat = st.catalogue_for(&project_id, &[&image]).await?;
    let ctx = CreateContext {
        catalogue: &cat,
        vpc: vpc.as_ref(),
        subnet: subnet.as_ref(),
        id: st.new_uuid(),
        project_id: project_id.clone(),
        now: st.now(),
        az_pick: rand::rng().random_range(0..1024),
    };
    let group = spec.validate(&ctx)?;
    Ok((group, cat))
}

/// `create_server_group`: `POST /v1/{project_id}/app-server-groups`.
pub async fn create_server_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateServerGroupReq = json_body(&body)?;
    let (group, cat) = validate_create(&st, &project_id, CreateSpec::from(req)).await?;
    let view = st
        .store
        .create_server_group(group, st.catalogue.quotas.max_server_groups)
        .await?;
    Ok(Json(convert::server_group(&cat, &view)).into_response())
}

fn filter_from(q: &Query, name_key: &str, with_extra: bool) -> ApiResult<ServerGroupFilter> {
    let app_type = q
        .str("app_type")
        .map(|a| check_enum("app_type", a, APP_TYPES).map(str::to_string))
        .transpose()?;
    let is_secondary = q.bool("is_secondary_server_group")?;
    let mut f = ServerGroupFilter {
        name_contains: q.str(name_key).map(str::to_string),
        app_type,
        is_secondary,
        ..ServerGroupFilter::default()
    };
    if with_extra {
        f.id = q.str("server_group_id").map(str::to_string);
        f.enterprise_project_id = q.str("enterprise_project_id").map(str::to_string);
        if let Some(t) = q.str("tags") {
            f.tags = parse_tag_filter(t)?;
        }
    }
    Ok(f)
}

/// `list_server_groups`: `GET /v1/{project_id}/app-server-groups`.
pub async fn list_server_groups(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = filter_from(&q, "server_group_name", true)?;
    let (count, views) = list_visible(&st, &ctx, &project_id, &f, offset, limit).await?;
    let cat = catalogue_of(&st, &project_id, &views).await?;
    let items = views
        .iter()
        .map(|v| convert::server_group(&cat, v))
        .collect();
    Ok(Json(ListResponse { count, items }).into_response())
}

/// The catalogue that names the images of `views` (private images included).
async fn catalogue_of<'a>(
    st: &'a AppState,
    project_id: &str,
    views: &[openwks_core::server_group::ServerGroupView],
) -> openwks_core::Result<std::borrow::Cow<'a, openwks_core::catalogue::Catalogue>> {
    let ids: Vec<&str> = views.iter().map(|v| v.group.image_id.as_str()).collect();
    st.catalogue_for(project_id, &ids).await
}

/// A page of server groups the caller may see: for an IAM user only those it may
/// `workspace:serverGroup:get`, counted after filtering (docs/authorization.md).
async fn list_visible(
    st: &AppState,
    ctx: &Ctx,
    project_id: &str,
    f: &ServerGroupFilter,
    offset: i64,
    limit: i64,
) -> openwks_core::Result<(i64, Vec<openwks_core::server_group::ServerGroupView>)> {
    if ctx.caller.is_admin {
        return st
            .store
            .list_server_groups(project_id.to_string(), f.clone(), offset, limit)
            .await;
    }
    let (_, all) = st
        .store
        .list_server_groups(project_id.to_string(), f.clone(), 0, i64::MAX)
        .await?;
    crate::authz::visible_server_groups(st, &ctx.caller, project_id, all, offset, limit).await
}

/// `list_tenant_server_groups`: `GET /v1/{project_id}/app-server-groups/actions/list` (note
/// the SDK's query key `sever_group_name`, sic).
pub async fn list_tenant_server_groups(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = filter_from(&q, "sever_group_name", false)?;
    let (count, views) = list_visible(&st, &ctx, &project_id, &f, offset, limit).await?;
    let cat = catalogue_of(&st, &project_id, &views).await?;
    let items: Vec<ServerGroupDto> = views
        .iter()
        .map(|v| convert::server_group(&cat, v).into())
        .collect();
    Ok(Json(ListResponse { count, items }).into_response())
}

/// `show_server_group_restrict`: `GET /v1/{project_id}/app-server-groups/resources/restrict`.
pub async fn show_server_group_restrict(
    State(st): State<AppState>,
    P(_project_id): P<String>,
) -> ApiResult<Response> {
    let q = &st.catalogue.quotas;
    Ok(Json(ShowServerGroupRestrictResponse {
        max_session: q.max_session,
        max_group_count: q.max_server_groups,
    })
    .into_response())
}

/// `validate_server_group`: `POST /v1/{project_id}/app-server-groups/rules/validate`.
/// `result` is true when the name may be used; otherwise `validate_rule` says why
/// (`naming`: breaks the name rule, `duplicate`: already used in the project).
pub async fn validate_server_group(
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

/// Whether a group named `name` is in the project and one the caller may see (an IAM user is
/// not told of names it may not `get`; the administrator sees all).
async fn name_in_use(
    st: &AppState,
    ctx: &Ctx,
    project_id: &str,
    name: &str,
) -> openwks_core::Result<bool> {
    if !st
        .store
        .server_group_name_taken(project_id.to_string(), name.to_string())
        .await?
    {
        return Ok(false);
    }
    if ctx.caller.is_admin {
        return Ok(true);
    }
    let f = ServerGroupFilter {
        name_contains: Some(name.to_string()),
        ..ServerGroupFilter::default()
    };
    let (_, seen) = list_visible(st, ctx, project_id, &f, 0, i64::MAX).await?;
    Ok(seen.iter().any(|v| v.group.name == name))
}

/// `show_server_group`: `GET /v1/{project_id}/app-server-groups/{server_group_id}`.
pub async fn show_server_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let view = st
        .store
        .server_group(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("server group", &id))?;
    let project_name = st
        .directory
        .project(&project_id)
        .map(|p| p.name)
        .unwrap_or_default();
    let cat = catalogue_of(&st, &project_id, std::slice::from_ref(&view)).await?;
    Ok(Json(convert::show_server_group(&cat, &view, &project_name)).into_response())
}

/// `update_server_group`: `PATCH /v1/{project_id}/app-server-groups/{server_group_id}`.
/// Partial: only the fields sent change. Answers 200 with an empty body.
pub async fn update_server_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateServerGroupReq = json_body(&body)?;
    let spec = UpdateSpec::from(req);
    if spec.is_empty() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request changes nothing: send at least one field",
        )
        .into());
    }
    // An image or disk change checks the group's image, which may be a private one.
    let cat = if spec.image_id.is_some()
        || spec.system_disk_size.is_some()
        || spec.system_disk_type.is_some()
    {
        std::sync::Arc::new(st.catalogue_with_private(&project_id).await?)
    } else {
        std::sync::Arc::clone(&st.catalogue)
    };
    let now = st.now();
    st.store
        .update_server_group(
            project_id,
            id,
            Box::new(move |g, primary, standbys| spec.apply(&cat, g, primary, standbys, &now)),
        )
        .await?;
    Ok(empty_ok())
}

/// `delete_server_groups`: `DELETE /v1/{project_id}/app-server-groups/{server_group_id}`.
/// Deleting a group that is already gone succeeds, as the vendor's does.
pub async fn delete_server_groups(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    st.store.delete_server_group(project_id, id).await?;
    Ok(empty_ok())
}

/// `show_server_group_state`: `GET /v1/{project_id}/app-server-groups/{server_group_id}/state`:
/// servers of the group counted by `ServerStatus`.
pub async fn show_server_group_state(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let aps_status: BTreeMap<String, i64> = st.store.server_group_states(project_id, id).await?;
    Ok(Json(ShowServerGroupStateResponse { aps_status }).into_response())
}
