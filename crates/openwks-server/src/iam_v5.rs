//! The vendor's IAM v5 API (the identity-policy API), the subset openwks serves: users,
//! their access keys, groups and their members, custom identity policies and their attachments.
//! The same directory as `/openwks/v1/iam/...` (`docs/authorization.md`), in the vendor's
//! shapes; each route is the vendor's action (`iam:users:createUserV5`, ...).

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::iam::v5;
use openwks_core::iam_model::{IamGroup, IamKey, IamPolicy, IamUser, Principal};
use openwks_core::Error;
use openwks_store::Change;

use crate::error::{deleted_or_not_found, ApiResult};
use crate::iam_ops as ops;
use crate::middleware::Ctx;
use crate::request::{json_body, P};
use crate::AppState;

fn iam_urn(kind: &str, account: &str, id: &str) -> String {
    format!("iam::{account}:{kind}:{id}")
}

fn user(u: IamUser) -> v5::User {
    v5::User {
        urn: iam_urn("user", &u.account_id, &u.name),
        user_id: u.id,
        user_name: u.name,
        description: String::new(),
        is_root_user: u.is_admin,
        enabled: u.enabled,
        created_at: u.created_at,
    }
}

fn key(k: IamKey, secret: Option<String>) -> v5::AccessKey {
    v5::AccessKey {
        user_id: k.user_id,
        access_key_id: k.access_key,
        secret_access_key: secret,
        status: k.status,
        created_at: k.created_at,
    }
}

fn policy(p: IamPolicy, attachments: i64) -> v5::Policy {
    v5::Policy {
        policy_type: "custom".into(),
        urn: iam_urn("policy", &p.account_id, &p.name),
        policy_name: p.name,
        policy_id: p.id,
        path: String::new(),
        default_version_id: "v1".into(),
        attachment_count: attachments,
        description: p.description,
        updated_at: p.created_at.clone(),
        created_at: p.created_at,
    }
}

fn group(g: IamGroup) -> v5::Group {
    v5::Group {
        urn: iam_urn("group", &g.account_id, &g.name),
        group_id: g.id,
        group_name: g.name,
        description: g.description,
        created_at: g.created_at,
    }
}

fn page_info(n: usize) -> v5::PageInfo {
    v5::PageInfo {
        next_marker: None,
        current_count: n as i64,
    }
}

/// `POST /v5/users` `{name, description?, enabled}` → 201 `{"user"}` (no password: the user
/// signs with access keys).
pub async fn create_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::CreateUserReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    let enabled = r.enabled.ok_or_else(|| Error::missing("enabled"))?;
    let u = ops::create_user(&st, &ctx.caller.account_id, name, None, enabled).await?;
    Ok((
        StatusCode::CREATED,
        Json(v5::UserResponse { user: user(u) }),
    )
        .into_response())
}

/// `GET /v5/users`.
pub async fn list_users(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    let users: Vec<v5::User> = st
        .store
        .iam_users(ctx.caller.account_id)
        .await?
        .into_iter()
        .map(user)
        .collect();
    Ok(Json(v5::ListUsersResponse {
        page_info: page_info(users.len()),
        users,
    })
    .into_response())
}

/// `GET /v5/users/{user_id}`.
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
    Ok(Json(v5::UserResponse { user: user(u) }).into_response())
}

/// `PUT /v5/users/{user_id}` `{enabled?}` (a new description is accepted and not kept).
pub async fn update_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::UpdateUserReq = json_body(&body)?;
    let u = ops::update_user(&st, &ctx.caller.account_id, &id, r.enabled, None).await?;
    Ok(Json(v5::UserResponse { user: user(u) }).into_response())
}

/// `DELETE /v5/users/{user_id}` → 204.
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

/// `POST /v5/users/{user_id}/access-keys` → 201 `{"access_key"}` with the secret.
pub async fn create_access_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let (k, sk) = ops::create_key(&st, &ctx.caller.account_id, &id, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(v5::AccessKeyResponse {
            access_key: key(k, Some(sk)),
        }),
    )
        .into_response())
}

/// `GET /v5/users/{user_id}/access-keys`.
pub async fn list_access_keys(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let keys: Vec<v5::AccessKey> = st
        .store
        .iam_keys(ctx.caller.account_id, id)
        .await?
        .into_iter()
        .map(|k| key(k, None))
        .collect();
    Ok(Json(v5::ListAccessKeysResponse {
        page_info: page_info(keys.len()),
        access_keys: keys,
    })
    .into_response())
}

/// `PUT /v5/users/{user_id}/access-keys/{access_key_id}` `{status}`.
pub async fn update_access_key(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P((id, ak)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::UpdateAccessKeyReq = json_body(&body)?;
    let k = ops::set_key_status(&st, &ctx.caller.account_id, &id, &ak, r.status).await?;
    Ok(Json(v5::AccessKeyResponse {
        access_key: key(k, None),
    })
    .into_response())
}

/// `DELETE /v5/users/{user_id}/access-keys/{access_key_id}` → 204.
pub async fn delete_access_key(
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

/// `POST /v5/policies` `{policy_name, policy_document, description?}` → 201 `{"policy"}`.
pub async fn create_policy(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::CreatePolicyReq = json_body(&body)?;
    let name = r.policy_name.ok_or_else(|| Error::missing("policy_name"))?;
    let text = r
        .policy_document
        .ok_or_else(|| Error::missing("policy_document"))?;
    let p = ops::create_policy(
        &st,
        &ctx.caller.account_id,
        ("policy_name", name),
        r.description.unwrap_or_default(),
        text,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(v5::PolicyResponse {
            policy: policy(p, 0),
        }),
    )
        .into_response())
}

async fn attachments(st: &AppState, account: &str, id: &str) -> openwks_core::Result<i64> {
    st.store
        .iam_policy_attachments(account.to_string(), id.to_string())
        .await
}

/// `GET /v5/policies` (custom policies of the account).
pub async fn list_policies(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> ApiResult<Response> {
    let mut out = Vec::new();
    for p in st.store.iam_policies(ctx.caller.account_id.clone()).await? {
        let n = attachments(&st, &ctx.caller.account_id, &p.id).await?;
        out.push(policy(p, n));
    }
    Ok(Json(v5::ListPoliciesResponse {
        page_info: page_info(out.len()),
        policies: out,
    })
    .into_response())
}

/// `GET /v5/policies/{policy_id}`.
pub async fn show_policy(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
) -> ApiResult<Response> {
    let p = st
        .store
        .iam_policy(ctx.caller.account_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("policy", &id))?;
    let n = attachments(&st, &ctx.caller.account_id, &id).await?;
    Ok(Json(v5::PolicyResponse {
        policy: policy(p, n),
    })
    .into_response())
}

/// `DELETE /v5/policies/{policy_id}` → 204 (409 while attached).
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

async fn set_attachment(
    st: &AppState,
    ctx: &Ctx,
    policy_id: &str,
    principal: Principal,
    id: Option<String>,
    change: Change,
) -> ApiResult<Response> {
    let field = match principal {
        Principal::User => "user_id",
        Principal::Group => "group_id",
    };
    let id = id.ok_or_else(|| Error::missing(field))?;
    ops::set_attachment(
        st,
        &ctx.caller.account_id,
        policy_id,
        principal,
        &id,
        change,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v5/policies/{policy_id}/attach-user` `{user_id}` → 204.
pub async fn attach_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::UserRef = json_body(&body)?;
    set_attachment(&st, &ctx, &id, Principal::User, r.user_id, Change::Add).await
}

/// `POST /v5/policies/{policy_id}/detach-user` `{user_id}` → 204.
pub async fn detach_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::UserRef = json_body(&body)?;
    set_attachment(&st, &ctx, &id, Principal::User, r.user_id, Change::Remove).await
}

/// `POST /v5/policies/{policy_id}/attach-group` `{group_id}` → 204.
pub async fn attach_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::GroupRef = json_body(&body)?;
    set_attachment(&st, &ctx, &id, Principal::Group, r.group_id, Change::Add).await
}

/// `POST /v5/policies/{policy_id}/detach-group` `{group_id}` → 204.
pub async fn detach_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::GroupRef = json_body(&body)?;
    set_attachment(&st, &ctx, &id, Principal::Group, r.group_id, Change::Remove).await
}

/// `POST /v5/groups` `{group_name, description?}` → 201 `{"group"}`.
pub async fn create_group(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: v5::CreateGroupReq = json_body(&body)?;
    let name = r.group_name.ok_or_else(|| Error::missing("group_name"))?;
    let g = ops::create_group(
        &st,
        &ctx.caller.account_id,
        ("group_name", name),
        r.description.unwrap_or_default(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(v5::GroupResponse { group: group(g) }),
    )
        .into_response())
}

async fn member(
    st: &AppState,
    ctx: &Ctx,
    id: &str,
    body: &Bytes,
    change: Change,
) -> ApiResult<Response> {
    let r: v5::UserRef = json_body(body)?;
    let user = r.user_id.ok_or_else(|| Error::missing("user_id"))?;
    ops::set_member(st, &ctx.caller.account_id, id, &user, change).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v5/groups/{group_id}/add-user` `{user_id}` → 204.
pub async fn add_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    member(&st, &ctx, &id, &body, Change::Add).await
}

/// `POST /v5/groups/{group_id}/remove-user` `{user_id}` → 204.
pub async fn remove_user(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    member(&st, &ctx, &id, &body, Change::Remove).await
}
