//! The IAM subset: `GET /v3/projects?name=` (signed; the SDK's region mode resolves the project
//! id with it) and `POST /v3/auth/tokens` (Keystone v3 password method, project-scoped; the
//! token comes back in `X-Subject-Token`).

use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::iam::{
    KeystoneProject, ListProjectsResponse, Token, TokenDomain, TokenEntity, TokenRequest,
    TokenResponse,
};
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};

use crate::auth::{lockout, password, token};
use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, Query};
use crate::AppState;

/// `GET /v3/projects?name=<region>`: the caller's account's projects.
pub async fn list_projects(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    q: Query,
) -> ApiResult<Response> {
    let ps = st
        .store
        .projects(ctx.caller.account_id, q.string("name"))
        .await?;
    let projects = ps
        .into_iter()
        .map(|p| KeystoneProject {
            id: p.id,
            name: p.name,
            domain_id: p.account_id.clone(),
            enabled: true,
            is_domain: false,
            parent_id: p.account_id,
            description: String::new(),
        })
        .collect();
    Ok(Json(ListProjectsResponse { projects }).into_response())
}

/// The one answer to an unknown user and a wrong password (the caller learns nothing of which
/// users exist).
const NOT_VALID: &str = "the user name, domain or password is not valid";

fn refused(msg: &str) -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        Reason::AuthFailed,
        format!("The username or password is wrong: {msg}"),
    )
}

/// `POST /v3/auth/tokens`.
pub async fn create_token(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let req: TokenRequest = json_body(&body)?;
    let auth = req.auth.ok_or_else(|| Error::missing("auth"))?;
    let identity = auth
        .identity
        .ok_or_else(|| Error::missing("auth.identity"))?;
    if !identity
        .methods
        .unwrap_or_default()
        .iter()
        .any(|m| m == "password")
    {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "auth.identity.methods must contain \"password\"",
        )
        .into());
    }
    let user = identity
        .password
        .and_then(|p| p.user)
        .ok_or_else(|| Error::missing("auth.identity.password.user"))?;
    let name = user
        .name
        .ok_or_else(|| Error::missing("auth.identity.password.user.name"))?;
    let pw = user
        .password
        .ok_or_else(|| Error::missing("auth.identity.password.user.password"))?;
    let domain = user
        .domain
        .and_then(|d| d.name)
        .ok_or_else(|| Error::missing("auth.identity.password.user.domain.name"))?;
    let scope = auth
        .scope
        .and_then(|s| s.project)
        .ok_or_else(|| Error::missing("auth.scope.project"))?;
    let now_ms = st.settings.clock.now_ms();
    if let Err(secs) = st.sign_ins.check(&domain, &name, now_ms) {
        return Err(Error::too_many_attempts(
            &format!(
                "{} wrong passwords for this user within {} minutes: sign-in is locked",
                lockout::MAX_FAILURES,
                lockout::WINDOW_MS / 60_000
            ),
            secs,
        )
        .into());
    }
    let u = match st.store.user_by_name(domain.clone(), name.clone()).await? {
        Some(u) if password::verify(&u.password_hash, &pw) => u,
        _ => {
            st.sign_ins.failed(&domain, &name, now_ms);
            return Err(refused(NOT_VALID).into());
        }
    };
    st.sign_ins.succeeded(&domain, &name);
    // A hash of an earlier version (salted SHA-256) is replaced by Argon2id now that the
    // password is known to be right.
    let u = if password::needs_rehash(&u.password_hash) {
        st.store
            .update_iam_user(
                u.account_id.clone(),
                u.id.clone(),
                None,
                Some(password::hash(&pw)),
            )
            .await?;
        st.directory.reload(st.store.as_ref()).await?;
        st.store.user(u.id.clone()).await?.unwrap_or(u)
    } else {
        u
    };
    let projects = st.store.projects(u.account_id.clone(), None).await?;
    let project = projects
        .into_iter()
        .find(|p| {
            scope.id.as_deref() == Some(p.id.as_str())
                || (scope.id.is_none() && scope.name.as_deref() == Some(p.name.as_str()))
        })
        .ok_or_else(|| refused("the scope names no project of the user's account"))?;
    let now = st.now_utc();
    let exp = now.timestamp() + st.settings.token_ttl_secs;
    let claims = token::Claims {
        user_id: u.id.clone(),
        account_id: u.account_id.clone(),
        project_id: project.id.clone(),
        expires_at: exp,
        issued_at: now.timestamp(),
        stamp: password::stamp(&u.password_hash),
    };
    let t = token::issue(&st.token_secret, &claims);
    let domain = TokenDomain {
        id: u.account_id.clone(),
        name: project.account_name.clone(),
    };
    let expires_at = chrono::DateTime::from_timestamp(exp, 0)
        .map(openwks_core::time::format_rfc3339)
        .unwrap_or_default();
    let body = TokenResponse {
        token: Token {
            methods: vec!["password".into()],
            expires_at,
            issued_at: openwks_core::time::format_rfc3339(now),
            user: TokenEntity {
                id: u.id,
                name: u.name,
                domain: domain.clone(),
            },
            project: TokenEntity {
                id: project.id,
                name: project.name,
                domain,
            },
            catalog: Vec::new(),
            roles: Vec::new(),
        },
    };
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&t) {
        resp.headers_mut().insert("x-subject-token", v);
    }
    Ok(resp)
}

/// `POST /v3.0/OS-CREDENTIAL/securitytokens` `{"auth": {"identity": {"methods": ["token"],
/// "token": {"duration_seconds"?}}}}`, signed or with `X-Auth-Token`: temporary AK/SK and
/// security token of the caller, valid 900–86400 s (default 900), with the caller's rights.
/// The vendor needs no permission for it.
pub async fn create_security_token(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> ApiResult<Response> {
    if ctx.temporary {
        // A temporary key pair must not outlive itself by minting the next one.
        return Err(Error::new(
            openwks_core::ErrorKind::Forbidden,
            Reason::Forbidden,
            "temporary access keys cannot create temporary access keys",
        )
        .into());
    }
    let v: serde_json::Value = json_body(&body)?;
    let identity = &v["auth"]["identity"];
    let methods_ok = identity["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x == "token"));
    if !methods_ok {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "auth.identity.methods must contain \"token\"",
        )
        .into());
    }
    let duration = match &identity["token"]["duration_seconds"] {
        serde_json::Value::Null => 900,
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(-1),
        serde_json::Value::String(s) => s.parse::<i64>().unwrap_or(-1),
        _ => -1,
    };
    openwks_core::validate::check_range(
        "auth.identity.token.duration_seconds",
        duration,
        900,
        86_400,
    )?;
    let now = st.now_utc().timestamp();
    let ak = format!("T{}", crate::auth::random_hex(10).to_uppercase());
    let (access, secret, security_token) = token::temporary::issue(
        &st.token_secret,
        token::temporary::TempClaims {
            ak: String::new(),
            user_id: ctx.caller.user_id.clone(),
            account_id: ctx.caller.account_id.clone(),
            expires_at: now + duration,
        },
        ak,
    );
    let expires_at = chrono::DateTime::from_timestamp(now + duration, 0)
        .map(openwks_core::time::format_rfc3339)
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"credential": {
            "access": access, "secret": secret, "securitytoken": security_token, "expires_at": expires_at
        }})),
    )
        .into_response())
}
