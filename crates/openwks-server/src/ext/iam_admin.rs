//! IAM administration (issue #6, `docs/authorization.md`): users, access keys, groups,
//! identity policies, attachments, and the audit trail, under `/openwks/v1/iam/...` and
//! `/openwks/v1/audit-events`. Every route is an IAM action (`iam:users:create`, ...): the
//! administrator may do all, other users as their policies allow.

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ext::{
    AuditEventView, CreateIamGroupReq, CreateIamKeyReq, CreateIamPolicyReq, CreateIamUserReq,
    IamGroupView, IamKeyView, IamPolicyView, IamUserView, ListAuditEventsResponse, UpdateIamKeyReq,
    UpdateIamUserReq,
};
use openwks_core::iam_model::{AuditFilter, IamGroup, IamKey, IamPolicy, IamUser, Principal};
use openwks_core::session::SessionFilter;
use openwks_core::validate::check_enum;
use openwks_core::Error;
use openwks_store::Change;
use serde_json::json;

use crate::error::{deleted_or_not_found, ApiResult};
use crate::iam_ops as ops;
use crate::middleware::Ctx;
use crate::request::{json_body, json_body_or_default, Query, P};
use crate::AppState;

fn user_view(u: IamUser) -> IamUserView {
    IamUserView {
        id: u.id,
        name: u.name,
        is_admin: u.is_admin,
        enabled: u.enabled,
        created_at: u.created_at,
    }
}

fn key_view(k: IamKey, secret: Option<String>) -> IamKeyView {
    IamKeyView {
        access_key: k.access_key,
        secret_key: secret,
        user_id: k.user_id,
        status: k.status,
        created_at: k.created_at,
    }
}

fn policy_view(p: IamPolicy) -> IamPolicyView {
    IamPolicyView {
        document: serde_json::from_str(&p.document).unwrap_or(serde_json::Value::Null),
        id: p.id,
        name: p.name,
        description: p.description,
        created_at: p.created_at,
    }
}

fn group_view(g: IamGroup) -> IamGroupView {
    IamGroupView {
        id: g.id,
        name: g.name,
        description: g.description,
        members: g.members,
        created_at: g.created_at,
    }
}

/// `POST /openwks/v1/iam/users` `{name, password?, enabled?}` → 201 the user.
pub async fn create_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateIamUserReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    let u = ops::create_user(
        &st,
        &ctx.caller.account_id,
        name,
        r.password.as_deref(),
        r.enabled.unwrap_or(true),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user_view(u))).into_response())
}

/// `GET /openwks/v1/iam/users`.
pub async fn list_users(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    let users: Vec<IamUserView> = st
        .store
        .iam_users(ctx.caller.account_id)
        .await?
        .into_iter()
        .map(user_view)
        .collect();
    Ok(Json(json!({"count": users.len(), "users": users})).into_response())
}

/// `GET /openwks/v1/iam/users/{user_id}`.
pub async fn show_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let u = st
        .store
        .iam_user(ctx.caller.account_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("IAM user", &id))?;
    Ok(Json(user_view(u)).into_response())
}

/// `PATCH /openwks/v1/iam/users/{user_id}` `{enabled?, password?}`.
pub async fn update_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateIamUserReq = json_body(&body)?;
    let u = ops::update_user(
        &st,
        &ctx.caller.account_id,
        &id,
        r.enabled,
        r.password.as_deref(),
    )
    .await?;
    Ok(Json(user_view(u)).into_response())
}

/// `DELETE /openwks/v1/iam/users/{user_id}` → 204.
pub async fn delete_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        ops::delete_user(&st, &ctx.caller.account_id, &id).await?,
        "IAM user",
        &id,
    )
}

/// `POST /openwks/v1/iam/users/{user_id}/access-keys` `{access_key?, secret_key?}` → 201 with
/// the secret (shown once). Without a body (or with neither field) openwks makes the pair; with
/// both, the caller's pair is kept (an init file's, a CI job's known key).
pub async fn create_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateIamKeyReq = json_body_or_default(&body)?;
    let given = match (r.access_key, r.secret_key) {
        (None, None) => None,
        (Some(ak), Some(sk)) => Some((ak, sk)),
        (Some(_), None) => return Err(Error::missing("secret_key").into()),
        (None, Some(_)) => return Err(Error::missing("access_key").into()),
    };
    let (k, sk) = ops::create_key(&st, &ctx.caller.account_id, &id, given).await?;
    Ok((StatusCode::CREATED, Json(key_view(k, Some(sk)))).into_response())
}

/// `GET /openwks/v1/iam/users/{user_id}/access-keys`.
pub async fn list_keys(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let keys: Vec<IamKeyView> = st
        .store
        .iam_keys(ctx.caller.account_id, id)
        .await?
        .into_iter()
        .map(|k| key_view(k, None))
        .collect();
    Ok(Json(json!({"count": keys.len(), "access_keys": keys})).into_response())
}

/// `PATCH /openwks/v1/iam/users/{user_id}/access-keys/{access_key}` `{status}`.
pub async fn update_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, ak)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateIamKeyReq = json_body(&body)?;
    let k = ops::set_key_status(&st, &ctx.caller.account_id, &id, &ak, r.status).await?;
    Ok(Json(key_view(k, None)).into_response())
}

/// `DELETE /openwks/v1/iam/users/{user_id}/access-keys/{access_key}` → 204.
pub async fn delete_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, ak)): P<(String, String)>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        ops::delete_key(&st, &ctx.caller.account_id, &id, &ak).await?,
        "access key",
        &ak,
    )
}

/// `POST /openwks/v1/iam/policies` `{name, description?, document}` → 201.
pub async fn create_policy(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateIamPolicyReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    let text = match r.document.ok_or_else(|| Error::missing("document"))? {
        serde_json::Value::String(s) => s,
        v => v.to_string(),
    };
    let p = ops::create_policy(
        &st,
        &ctx.caller.account_id,
        ("name", name),
        r.description.unwrap_or_default(),
        text,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(policy_view(p))).into_response())
}

/// `GET /openwks/v1/iam/policies`.
pub async fn list_policies(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    let ps: Vec<IamPolicyView> = st
        .store
        .iam_policies(ctx.caller.account_id)
        .await?
        .into_iter()
        .map(policy_view)
        .collect();
    Ok(Json(json!({"count": ps.len(), "policies": ps})).into_response())
}

/// `GET /openwks/v1/iam/policies/{policy_id}`.
pub async fn show_policy(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let p = st
        .store
        .iam_policy(ctx.caller.account_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("policy", &id))?;
    Ok(Json(policy_view(p)).into_response())
}

/// `DELETE /openwks/v1/iam/policies/{policy_id}` → 204 (409 while attached).
pub async fn delete_policy(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        ops::delete_policy(&st, &ctx.caller.account_id, &id).await?,
        "policy",
        &id,
    )
}

/// `POST /openwks/v1/iam/groups` `{name, description?}` → 201.
pub async fn create_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateIamGroupReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    let g = ops::create_group(
        &st,
        &ctx.caller.account_id,
        ("name", name),
        r.description.unwrap_or_default(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(group_view(g))).into_response())
}

/// `GET /openwks/v1/iam/groups`.
pub async fn list_groups(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    let gs: Vec<IamGroupView> = st
        .store
        .iam_groups(ctx.caller.account_id)
        .await?
        .into_iter()
        .map(group_view)
        .collect();
    Ok(Json(json!({"count": gs.len(), "groups": gs})).into_response())
}

/// `GET /openwks/v1/iam/groups/{group_id}`.
pub async fn show_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let g = st
        .store
        .iam_group(ctx.caller.account_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("IAM group", &id))?;
    Ok(Json(group_view(g)).into_response())
}

/// `DELETE /openwks/v1/iam/groups/{group_id}` → 204.
pub async fn delete_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    deleted_or_not_found(
        ops::delete_group(&st, &ctx.caller.account_id, &id).await?,
        "IAM group",
        &id,
    )
}

async fn member(
    st: &AppState,
    ctx: &Ctx,
    group: &str,
    user: &str,
    change: Change,
) -> ApiResult<Response> {
    let g = ops::set_member(st, &ctx.caller.account_id, group, user, change).await?;
    Ok(Json(group_view(g)).into_response())
}

/// `PUT /openwks/v1/iam/groups/{group_id}/users/{user_id}`: idempotent.
pub async fn add_member(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((group, user)): P<(String, String)>,
) -> ApiResult<Response> {
    member(&st, &ctx, &group, &user, Change::Add).await
}

/// `DELETE /openwks/v1/iam/groups/{group_id}/users/{user_id}`: idempotent.
pub async fn remove_member(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((group, user)): P<(String, String)>,
) -> ApiResult<Response> {
    member(&st, &ctx, &group, &user, Change::Remove).await
}

async fn attach(
    st: &AppState,
    ctx: &Ctx,
    principal: Principal,
    id: &str,
    policy: &str,
    change: Change,
) -> ApiResult<Response> {
    ops::set_attachment(st, &ctx.caller.account_id, policy, principal, id, change).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn attached(st: &AppState, ctx: &Ctx, principal: Principal, id: &str) -> ApiResult<Response> {
    let exists = match principal {
        Principal::User => st
            .store
            .iam_user(ctx.caller.account_id.clone(), id.to_string())
            .await?
            .is_some(),
        Principal::Group => st
            .store
            .iam_group(ctx.caller.account_id.clone(), id.to_string())
            .await?
            .is_some(),
    };
    if !exists {
        return Err(Error::not_found("user or group", id).into());
    }
    let ps: Vec<IamPolicyView> = st
        .store
        .iam_attached(ctx.caller.account_id.clone(), principal, id.to_string())
        .await?
        .into_iter()
        .map(policy_view)
        .collect();
    Ok(Json(json!({"count": ps.len(), "policies": ps})).into_response())
}

/// `PUT /openwks/v1/iam/users/{user_id}/policies/{policy_id}` → 204.
pub async fn attach_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, policy)): P<(String, String)>,
) -> ApiResult<Response> {
    attach(&st, &ctx, Principal::User, &id, &policy, Change::Add).await
}

/// `DELETE /openwks/v1/iam/users/{user_id}/policies/{policy_id}` → 204.
pub async fn detach_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, policy)): P<(String, String)>,
) -> ApiResult<Response> {
    attach(&st, &ctx, Principal::User, &id, &policy, Change::Remove).await
}

/// `GET /openwks/v1/iam/users/{user_id}/policies`.
pub async fn user_policies(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    attached(&st, &ctx, Principal::User, &id).await
}

/// `PUT /openwks/v1/iam/groups/{group_id}/policies/{policy_id}` → 204.
pub async fn attach_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, policy)): P<(String, String)>,
) -> ApiResult<Response> {
    attach(&st, &ctx, Principal::Group, &id, &policy, Change::Add).await
}

/// `DELETE /openwks/v1/iam/groups/{group_id}/policies/{policy_id}` → 204.
pub async fn detach_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, policy)): P<(String, String)>,
) -> ApiResult<Response> {
    attach(&st, &ctx, Principal::Group, &id, &policy, Change::Remove).await
}

/// `GET /openwks/v1/iam/groups/{group_id}/policies`.
pub async fn group_policies(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    attached(&st, &ctx, Principal::Group, &id).await
}

/// `GET /openwks/v1/audit-events?user=&action=&resource=&result=&from=&to=&offset=&limit=`
/// (newest first; `from`/`to` as `2024-02-27T03:47:51.182Z`).
pub async fn list_audit_events(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let time = |k: &str| {
        q.str(k)
            .map(|v| SessionFilter::parse_time(k, v))
            .transpose()
    };
    let result = q
        .str("result")
        .map(|r| check_enum("result", r, &["allowed", "denied"]).map(str::to_string))
        .transpose()?;
    let f = AuditFilter {
        user: q.str("user").map(str::to_string),
        action: q.str("action").map(str::to_string),
        resource: q.str("resource").map(str::to_string),
        result,
        from_ms: time("from")?,
        to_ms: time("to")?,
    };
    let (count, items) = st
        .store
        .audit_events(ctx.caller.account_id, f, offset, limit)
        .await?;
    Ok(Json(ListAuditEventsResponse {
        count,
        items: items
            .into_iter()
            .map(|e| AuditEventView {
                id: e.id,
                time: e.time,
                user_id: e.user_id,
                user_name: e.user_name,
                action: e.action,
                resource: e.resource,
                method: e.method,
                path: e.path,
                status: e.status,
                result: e.result,
                reason: e.reason,
                request_id: e.request_id,
            })
            .collect(),
    })
    .into_response())
}
