//! What the Rust test suites share: one signing HTTP client.
//!
//! The in-process suite (`openwks-server/tests/it`), the spawned-binary suite
//! (`openwks/tests`) and the bench all sign requests as the vendor's SDK does
//! ([`openwks_api::signer::sign_request`], checked against the vendor's vectors there); this
//! crate is the one client around it: which headers are signed, how a path with a query is
//! split, how the answer is read.

use openwks_api::signer::{sign_json_call, KeyPair};
use serde_json::Value;

/// `X-Sdk-Date` for a time in epoch milliseconds (`YYYYMMDDTHHMMSSZ`).
pub fn sdk_date_at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// `X-Sdk-Date` now, on the wall clock.
pub fn sdk_date() -> String {
    sdk_date_at(chrono::Utc::now().timestamp_millis())
}

/// Whose request, to which server: a key pair, the `Host` it signs, and the `X-Project-Id` it
/// sends (the SDK sends one; `None` for calls without a project).
#[derive(Debug, Clone)]
pub struct Caller<'a> {
    /// Access key.
    pub ak: &'a str,
    /// Secret key.
    pub sk: &'a str,
    /// `host:port` as the client addresses it.
    pub host: &'a str,
    /// The project header, if any.
    pub project_id: Option<&'a str>,
}

/// The headers to send (`authorization`, `x-sdk-date` and those it signs),
/// as the SDK builds them; `path_query` may carry a `?query`.
pub fn signed_headers(
    caller: &Caller<'_>,
    date: &str,
    method: &str,
    path_query: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    sign_json_call(
        KeyPair {
            access_key: caller.ak,
            secret_key: caller.sk,
        },
        date,
        caller.host,
        caller.project_id,
        method,
        path_query,
        body,
    )
}

/// An answer: status, headers, the text and its JSON (`Null` when it is not JSON).
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as text.
    pub text: String,
    /// The body as JSON.
    pub body: Value,
}

impl Resp {
    /// The token of a `POST /v3/auth/tokens` answer (`X-Subject-Token`; panics without one).
    pub fn subject_token(&self) -> String {
        self.headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .expect("X-Subject-Token")
            .to_string()
    }

    /// The WorkspaceApp error code (`error_code`), or "".
    pub fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or("")
    }

    /// The WorkspaceApp error message (`error_msg`), or "".
    pub fn msg(&self) -> &str {
        self.body["error_msg"].as_str().unwrap_or("")
    }

    /// The `X-Request-Id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }
}

/// Send `body` with `headers` to `base` + `path_query`. A transport failure (the server went
/// away) is an `Err`; every HTTP answer is an `Ok`.
pub async fn send(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path_query: &str,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
) -> Result<Resp, reqwest::Error> {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut rb = http.request(m, format!("{base}{path_query}")).body(body);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let r = rb.send().await?;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Resp {
        status,
        headers,
        text,
        body,
    })
}

/// A signed call: `body` as JSON (none: empty), signed by `caller` at `date`.
pub async fn call(
    http: &reqwest::Client,
    caller: &Caller<'_>,
    date: &str,
    method: &str,
    path_query: &str,
    body: Option<&Value>,
) -> Result<Resp, reqwest::Error> {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap_or_default())
        .unwrap_or_default();
    let headers = signed_headers(caller, date, method, path_query, &bytes);
    send(
        http,
        &format!("http://{}", caller.host),
        method,
        path_query,
        bytes,
        headers,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_project_header_only_when_there_is_one() {
        let with = Caller {
            ak: "AK",
            sk: "SK",
            host: "127.0.0.1:1",
            project_id: Some("p"),
        };
        let without = Caller {
            project_id: None,
            ..with.clone()
        };
        let date = sdk_date_at(1_700_000_000_000);
        assert_eq!(date, "20231114T221320Z");
        let a = signed_headers(&with, &date, "GET", "/v1/p/x?b=2&a=1", b"");
        let b = signed_headers(&without, &date, "GET", "/v1/p/x?b=2&a=1", b"");
        let auth = |h: &[(String, String)]| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert!(auth(&a).contains("x-project-id"), "{}", auth(&a));
        assert!(!auth(&b).contains("x-project-id"), "{}", auth(&b));
        assert_ne!(auth(&a), auth(&b));
    }
}
