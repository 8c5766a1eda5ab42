//! The user directory that authorizations name: user groups and their members, and the
//! access check "may user U open the apps of app group G?".

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ext::{AccessCheck, CreateUserGroupReq, UserGroup, UserGroupMembersReq};
use openwks_api::wks::server_group::ListResponse;
use openwks_core::authorization::{
    authorized_on_group, check_user_group, check_user_names, may_open, UserGroup as CoreUserGroup,
};
use openwks_core::Error;
use openwks_store::Change;

use crate::error::{deleted_or_not_found, ApiResult};
use crate::request::{json_body, Query, P};
use crate::AppState;

fn out(g: CoreUserGroup) -> UserGroup {
    let CoreUserGroup {
        id,
        project_id: _,
        name,
        description,
        members,
        member_count,
        create_at,
    } = g;
    UserGroup {
        id,
        name,
        description,
        members,
        member_count,
        create_at,
    }
}

/// `POST /openwks/v1/{project_id}/user-groups` `{name, description?, members?}` → 201.
pub async fn create_user_group(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateUserGroupReq = json_body(&body)?;
    let name = req.name.ok_or_else(|| Error::missing("name"))?;
    let description = req.description.unwrap_or_default();
    check_user_group(&name, &description)?;
    let members = match req.members {
        Some(m) if !m.is_empty() => check_user_names(Some(m))?,
        _ => Vec::new(),
    };
    let g = CoreUserGroup {
        id: st.new_uuid(),
        project_id,
        name,
        description,
        member_count: 0,
        members,
        create_at: st.now(),
    };
    let g = st.store.create_user_group(g).await?;
    Ok((StatusCode::CREATED, Json(out(g))).into_response())
}

/// `GET /openwks/v1/{project_id}/user-groups` → `{count, items}`.
pub async fn list_user_groups(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let (count, groups) = st.store.list_user_groups(project_id, offset, limit).await?;
    Ok(Json(ListResponse {
        count,
        items: groups.into_iter().map(out).collect::<Vec<_>>(),
    })
    .into_response())
}

/// `GET /openwks/v1/{project_id}/user-groups/{user_group_id}`.
pub async fn show_user_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let g = st
        .store
        .user_group(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("user group", &id))?;
    Ok(Json(out(g)).into_response())
}

/// `DELETE /openwks/v1/{project_id}/user-groups/{user_group_id}`: also removes the
/// authorizations that name the group. 204; 404 when it does not exist.
pub async fn delete_user_group(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        st.store.delete_user_group(project_id, id.clone()).await?,
        "user group",
        &id,
    )
}

async fn members(
    st: &AppState,
    project_id: &str,
    id: &str,
    body: &Bytes,
    change: Change,
) -> ApiResult<Response> {
    let req: UserGroupMembersReq = json_body(body)?;
    let users = check_user_names(req.users)?;
    let g = st
        .store
        .change_user_group_members(project_id.to_string(), id.to_string(), users, change)
        .await?;
    Ok(Json(out(g)).into_response())
}

/// `POST /openwks/v1/{project_id}/user-groups/{user_group_id}/members` `{users}`: add (idempotent).
pub async fn add_members(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    members(&st, &project_id, &id, &body, Change::Add).await
}

/// `DELETE /openwks/v1/{project_id}/user-groups/{user_group_id}/members` `{users}`: remove.
pub async fn remove_members(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    members(&st, &project_id, &id, &body, Change::Remove).await
}

/// `GET /openwks/v1/{project_id}/app-groups/{app_group_id}/access-check?user_name=&app_id=`:
/// whether the user may open the group's apps (directly or through a user group) and, with
/// `app_id`, that app (it must also be `NORMAL`).
pub async fn access_check(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let user = q
        .str("user_name")
        .ok_or_else(|| Error::missing("user_name"))?
        .to_string();
    st.store
        .app_group(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("app group", &id))?;
    let app_id = q.str("app_id").map(str::to_string);
    let app_state = match &app_id {
        Some(a) => {
            st.store
                .app(project_id.clone(), id.clone(), a.to_string())
                .await?
                .ok_or_else(|| Error::not_found("app", a))?
                .state
        }
        None => "NORMAL".to_string(),
    };
    let (auths, groups) = st
        .store
        .access_facts(project_id, id.clone(), user.clone())
        .await?;
    let authorized = may_open(&user, &groups, &auths, &app_state);
    let reason = if authorized {
        String::new()
    } else if !authorized_on_group(&user, &groups, &auths) {
        format!("user {user} is not authorized on app group {id}, directly or through a user group")
    } else {
        format!("the app is {app_state}: a disabled app cannot be opened")
    };
    Ok(Json(AccessCheck {
        user_name: user,
        app_group_id: id,
        app_id,
        authorized,
        reason,
    })
    .into_response())
}
