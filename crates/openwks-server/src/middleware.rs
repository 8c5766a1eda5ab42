//! The outer middleware, which runs before routing: request id, body limit, authentication,
//! project scoping, then (after the handler) the `X-Request-Id` header, metrics and the access
//! log line. Authentication runs before routing so that `/v1/{project_id}/...` sent by an SDK
//! without a project id can be routed to the caller's default project.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use openwks_core::error::Reason;
use openwks_core::identity::Caller;
use openwks_core::{Error, ErrorKind};

use crate::auth::{sdk_hmac, token};
use crate::error::{ApiError, Failure, Transport};
use crate::request_id::{next_request_id, REQUEST_ID};
use crate::AppState;

/// What the middleware found out about the caller; handlers read it as an extension.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who is calling.
    pub caller: Caller,
    /// Whether the request is signed with temporary keys (those cannot mint more).
    pub temporary: bool,
}

/// Paths served without authentication.
fn is_public(path: &str) -> bool {
    matches!(path, "/health" | "/metrics" | "/v3/auth/tokens")
        || path.starts_with("/openwks/v1/icons/")
}

/// The index of the project-id segment of a path (segments counted after the leading `/`).
fn project_segment(segs: &[&str]) -> Option<usize> {
    match segs {
        ["v1" | "v1.1" | "v2.1", p, ..] if *p != "persistent-storages" => Some(1),
        ["v2", _, "job", ..] => Some(1),
        ["openwks", "v1", p, ..]
            if !matches!(*p, "iam" | "hosts" | "audit-events" | "icons" | "_admin") =>
        {
            Some(2)
        }
        _ => None,
    }
}

/// Outer middleware entry point.
pub async fn outer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let rid = next_request_id();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // Everything logged while the request runs (handlers, the store's callers) carries its id.
    let span = tracing::info_span!("request", request_id = %rid, method = %method, path = %path);
    let path_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.to_string());
    let arrived = st.now();
    let (resp, user, request_body) = REQUEST_ID
        .scope(
            rid.clone(),
            tracing::Instrument::instrument(handle(st.clone(), req, next), span),
        )
        .await;
    let mut resp = resp;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let op = resp.extensions().get::<MatchedPath>().map_or_else(
        || "unmatched".to_string(),
        |m| format!("{method} {}", m.as_str()),
    );
    let status = resp.status().as_u16();
    let fault = resp
        .extensions()
        .get::<crate::faults::InjectedMark>()
        .map(|m| m.0.clone());
    let elapsed = start.elapsed();
    st.metrics.observe(&op, status, elapsed);
    tracing::info!(
        target: "openwks::access",
        request_id = %rid,
        method = %method,
        path = %path,
        op = %op,
        status,
        latency_us = elapsed.as_micros() as u64,
        user = %user.as_deref().unwrap_or_default(),
        fault = %fault.as_deref().unwrap_or_default(),
    );
    if st.recorder.enabled() && path != "/openwks/v1/_admin/requests" {
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        st.recorder.push(crate::recorder::Recorded {
            request_id: rid,
            time: arrived,
            method: method.to_string(),
            path: path_query,
            operation: op,
            status,
            latency_us: elapsed.as_micros() as u64,
            user: user.unwrap_or_default(),
            fault,
            // A snapshot holds every secret of the store in rows no field name marks:
            // its bodies are never kept.
            request: if path == "/openwks/v1/_admin/snapshot" {
                serde_json::Value::Null
            } else {
                crate::recorder::body(&request_body)
            },
            response: if path == "/openwks/v1/_admin/snapshot" {
                serde_json::Value::Null
            } else {
                crate::recorder::body(&bytes)
            },
        });
        resp = Response::from_parts(parts, Body::from(bytes));
    }
    resp
}

/// The answer, the caller's user id, and the request body that was read (for the recorder).
async fn handle(st: AppState, req: Request, next: Next) -> (Response, Option<String>, Bytes) {
    match prepare(&st, req).await {
        Ok((req, user, body)) => (next.run(req).await, user, body),
        Err(e) => (ApiError(e).into_response(), None, Bytes::new()),
    }
}

async fn prepare(st: &AppState, req: Request) -> Result<(Request, Option<String>, Bytes), Failure> {
    let limit = st.settings.max_body_bytes;
    let too_large = || {
        Failure::Transport(
            Transport::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    if let Some(len) = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > limit {
            return Err(too_large());
        }
    }
    let (parts, body) = req.into_parts();
    let timeout = st.settings.body_timeout;
    let bytes = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| {
            Failure::Transport(
                Transport::RequestTimeout,
                format!(
                    "the request body did not arrive within {} s",
                    timeout.as_secs_f64()
                ),
            )
        })?
        .map_err(|_| too_large())?;
    let kept = if st.recorder.enabled() {
        bytes.clone()
    } else {
        Bytes::new()
    };
    if is_public(parts.uri.path()) {
        return Ok((Request::from_parts(parts, Body::from(bytes)), None, kept));
    }
    let (req, user) = authenticate(st, parts, bytes).await?;
    Ok((req, user, kept))
}

/// Check the request's credentials (signature or token) and scope; the request with its
/// caller in a [`Ctx`], and the caller's user id.
async fn authenticate(
    st: &AppState,
    mut parts: axum::http::request::Parts,
    bytes: axum::body::Bytes,
) -> Result<(Request, Option<String>), Error> {
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let now = st.now_utc();
    let mut temporary = false;
    let (caller, token_project) = if parts.headers.contains_key("authorization") {
        let signed = sdk_hmac::Signed {
            method: parts.method.as_str(),
            raw_path: &raw_path,
            raw_query: &raw_query,
            headers: &parts.headers,
            body: &bytes,
        };
        // Temporary keys carry their security token; permanent ones are in the directory.
        let security_token = parts
            .headers
            .get("x-security-token")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        temporary = security_token.is_some();
        // A key this replica does not know may have been created on another one just now.
        if security_token.is_none() && st.store.shared() {
            let ak = sdk_hmac::header_utf8(&parts.headers, "authorization")
                .and_then(|a| openwks_api::signer::parse_authorization(&a))
                .map(|p| p.access_key);
            if ak.is_some_and(|ak| st.directory.key(&ak).is_none()) {
                crate::cluster::refresh_iam(st).await;
            }
        }
        let key =
            sdk_hmac::verify(
                &signed,
                |ak| match &security_token {
                    Some(t) => token::temporary::verify(&st.token_secret, t, ak, now.timestamp())
                        .map(|c| openwks_core::identity::AccessKey {
                            secret_key: token::temporary::secret_key(&st.token_secret, ak),
                            access_key: c.ak,
                            user_id: c.user_id,
                            account_id: c.account_id,
                            status: "active".into(),
                        }),
                    None => st.directory.key(ak),
                },
                now,
                st.settings.max_clock_skew_secs,
            )?;
        let user = st
            .directory
            .user(&key.user_id)
            .ok_or_else(|| Error::unauthorized("the key's user no longer exists"))?;
        (
            Caller {
                account_id: user.account_id,
                user_id: user.id,
                is_admin: user.is_admin,
            },
            None,
        )
    } else if let Some(t) = parts.headers.get("x-auth-token") {
        let t = String::from_utf8_lossy(t.as_bytes()).into_owned();
        let claims = token::verify(&st.token_secret, &t, now.timestamp()).map_err(|e| {
            let why = match e {
                token::TokenError::Expired => "the token has expired",
                token::TokenError::Invalid => "the token is not valid",
            };
            Error::new(
                ErrorKind::Unauthorized,
                Reason::TokenInvalid,
                format!("Incorrect token authentication information: {why}"),
            )
        })?;
        let user = st
            .directory
            .user(&claims.user_id)
            .ok_or_else(|| Error::unauthorized("the token's user no longer exists"))?;
        if st.directory.password_stamp(&user.id).as_deref() != Some(claims.stamp.as_str()) {
            return Err(Error::new(
                ErrorKind::Unauthorized,
                Reason::TokenInvalid,
                "Incorrect token authentication information: the user's password has changed since the token was issued",
            ));
        }
        (
            Caller {
                account_id: user.account_id,
                user_id: user.id,
                is_admin: user.is_admin,
            },
            Some(claims.project_id),
        )
    } else {
        return Err(Error::unauthorized(
            "Incorrect IAM authentication information: the request carries neither an Authorization (AK/SK) header nor an X-Auth-Token",
        ));
    };
    // Project scoping: the project in the path must be one of the caller's account.
    let segs: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
    if let Some(i) = project_segment(&segs) {
        let decoded = percent_encoding::percent_decode_str(segs[i])
            .decode_utf8_lossy()
            .into_owned();
        let project = if decoded == "{project_id}" {
            // The SDK sends the literal template when it was built without a project id.
            let p = st
                .directory
                .default_project(&caller.account_id)
                .ok_or_else(|| forbidden("the account has no project"))?;
            let mut new: Vec<String> = segs.iter().map(|s| (*s).to_string()).collect();
            new[i] = p.id.clone();
            let pq = if raw_query.is_empty() {
                format!("/{}", new.join("/"))
            } else {
                format!("/{}?{raw_query}", new.join("/"))
            };
            parts.uri = pq
                .parse::<Uri>()
                .map_err(|e| Error::invalid(Reason::InvalidParameter, format!("bad path: {e}")))?;
            p
        } else {
            match st.directory.project(&decoded) {
                Some(p) if p.account_id == caller.account_id => p,
                _ => {
                    return Err(forbidden(&format!(
                        "project {decoded} does not belong to the caller's account"
                    )))
                }
            }
        };
        if let Some(tp) = token_project {
            if tp != project.id {
                return Err(forbidden(&format!(
                    "the token is scoped to project {tp}, not {}",
                    project.id
                )));
            }
        }
        if let Some(h) = parts.headers.get("x-project-id") {
            if h.as_bytes() != project.id.as_bytes() {
                return Err(forbidden(
                    "the X-Project-Id header names another project than the path",
                ));
            }
        }
    }
    // One spelling of every path from here on (routing, authorization, handlers, the audit
    // trail): `%35` is `5` (RFC 3986 §6.2.2.2).
    if let Some(canonical) = canonical_path(parts.uri.path()) {
        let pq = match parts.uri.query() {
            Some(q) => format!("{canonical}?{q}"),
            None => canonical,
        };
        parts.uri = pq
            .parse::<Uri>()
            .map_err(|e| Error::invalid(Reason::InvalidParameter, format!("bad path: {e}")))?;
    }
    let user = caller.user_id.clone();
    parts.extensions.insert(Ctx { caller, temporary });
    Ok((Request::from_parts(parts, Body::from(bytes)), Some(user)))
}

/// The path with every percent-encoded unreserved character (`A-Z a-z 0-9 - . _ ~`) decoded;
/// `None` when it has none. Other escapes (`%2F`, `%20`, …) stay: they are data.
pub fn canonical_path(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                let c = h * 16 + l;
                if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
                    out.push(c);
                    changed = true;
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

fn forbidden(msg: &str) -> Error {
    Error::new(ErrorKind::Forbidden, Reason::Forbidden, msg.to_string())
}

/// Inner middleware (after routing): carries the matched route template to the response so
/// that the outer middleware can label metrics and the access log by operation.
pub async fn keep_matched_path(req: Request, next: Next) -> Response {
    let mp = req.extensions().get::<MatchedPath>().cloned();
    let mut resp = next.run(req).await;
    if let Some(mp) = mp {
        resp.extensions_mut().insert(mp);
    }
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_paths_decode_unreserved_escapes_only() {
        use super::canonical_path as c;
        assert_eq!(c("/v1/p/app-server-groups/abc"), None);
        assert_eq!(
            c("/v1/%37b/app-server-groups/%35237b62f%2D%7e%5F").as_deref(),
            Some("/v1/7b/app-server-groups/5237b62f-~_")
        );
        assert_eq!(c("/a/%2F%20%25"), None);
        assert_eq!(c("/a/%4").as_deref(), None);
        assert_eq!(c("/a/%41").as_deref(), Some("/a/A"));
    }

    #[test]
    fn project_segment_positions() {
        use super::project_segment as ps;
        assert_eq!(ps(&["v1", "p", "app-server-groups"]), Some(1));
        assert_eq!(ps(&["v1", "persistent-storages", "actions"]), None);
        assert_eq!(ps(&["v2", "p", "job", "j"]), Some(1));
        assert_eq!(ps(&["v2", "cloudimages"]), None);
        assert_eq!(ps(&["openwks", "v1", "p", "user-groups"]), Some(2));
        assert_eq!(ps(&["openwks", "v1", "hosts"]), None);
        assert_eq!(ps(&["v3", "projects"]), None);
    }
}
