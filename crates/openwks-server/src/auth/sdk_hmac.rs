//! Server-side verification of `SDK-HMAC-SHA256` (sdk-surface.md §4.3): parse the
//! `Authorization` header, find the key, check `X-Sdk-Date` (±15 minutes by default), rebuild
//! the canonical request from the raw path, query, signed headers and body, and compare the
//! signatures in constant time.

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDateTime, Utc};
use openwks_api::signer::{self, SignInput};
use openwks_core::identity::AccessKey;
use openwks_core::{Error, Result};
use subtle::ConstantTimeEq;

/// What verification needs from a request.
pub struct Signed<'a> {
    /// Method, upper-case.
    pub method: &'a str,
    /// Raw path as received.
    pub raw_path: &'a str,
    /// Raw query as received (no `?`).
    pub raw_query: &'a str,
    /// Headers as received.
    pub headers: &'a HeaderMap,
    /// The body as received.
    pub body: &'a [u8],
}

fn fail(msg: impl Into<String>) -> Error {
    Error::unauthorized(format!(
        "Incorrect IAM authentication information: {}",
        msg.into()
    ))
}

pub fn header_utf8(headers: &HeaderMap, name: &str) -> Option<String> {
    let vals: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    if vals.is_empty() {
        None
    } else {
        Some(vals.join(","))
    }
}

/// Parse `X-Sdk-Date` (`%Y%m%dT%H%M%SZ`).
pub fn parse_sdk_date(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

/// Verify a signed request; `lookup` finds a key by AK. Returns the key on success.
pub fn verify(
    req: &Signed<'_>,
    lookup: impl Fn(&str) -> Option<AccessKey>,
    now: DateTime<Utc>,
    max_skew_secs: i64,
) -> Result<AccessKey> {
    let auth = header_utf8(req.headers, "authorization")
        .ok_or_else(|| fail("the Authorization header is missing"))?;
    let parsed = signer::parse_authorization(&auth)
        .ok_or_else(|| fail("the Authorization header is not of the form 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'"))?;
    // An unknown and a disabled key get the same answer: the caller learns nothing of which
    // keys exist.
    let key = lookup(&parsed.access_key)
        .filter(|k| k.status == "active")
        .ok_or_else(|| {
            fail(format!(
                "access key {} is not a valid key",
                parsed.access_key
            ))
        })?;
    for must in ["x-sdk-date", "host"] {
        if !parsed.signed_headers.iter().any(|h| h == must) {
            return Err(fail(format!("{must} must be a signed header")));
        }
    }
    let date = header_utf8(req.headers, "x-sdk-date")
        .ok_or_else(|| fail("the X-Sdk-Date header is missing"))?;
    let t = parse_sdk_date(&date).ok_or_else(|| {
        fail(format!(
            "X-Sdk-Date {date:?} is not of the form YYYYMMDDTHHMMSSZ"
        ))
    })?;
    let skew = (now - t).num_seconds().abs();
    if skew > max_skew_secs {
        return Err(fail(format!("X-Sdk-Date {date} is {skew} s away from the server's clock (at most {max_skew_secs} s allowed)")));
    }
    let mut headers = Vec::with_capacity(parsed.signed_headers.len());
    for name in &parsed.signed_headers {
        let v = header_utf8(req.headers, name)
            .ok_or_else(|| fail(format!("signed header {name} is missing")))?;
        headers.push((name.clone(), v));
    }
    let payload_hash = match header_utf8(req.headers, "x-sdk-content-sha256") {
        Some(v) if v == signer::UNSIGNED_PAYLOAD => v,
        _ => signer::payload_hash(req.body),
    };
    let input = SignInput {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        headers: &headers,
        payload_hash: &payload_hash,
    };
    let creq = signer::canonical_request(&input);
    let want = signer::signature_bytes(&key.secret_key, &signer::string_to_sign(&date, &creq));
    let got = hex::decode(&parsed.signature).unwrap_or_default();
    if got.len() != want.len() || !bool::from(want.as_slice().ct_eq(&got)) {
        return Err(fail("verify aksk signature fail"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const PID: &str = "0123456789abcdef0123456789abcdef";

    fn key() -> AccessKey {
        AccessKey {
            access_key: "AKFAKE0000EXAMPLE01".into(),
            secret_key: "SKfake0000example0000secret0000key0000001".into(),
            user_id: "u".into(),
            account_id: "a".into(),
            status: "active".into(),
        }
    }

    fn vector_request(body: &[u8], sig: &str, date: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("host", HeaderValue::from_static("127.0.0.1:18080"));
        h.insert(
            "user-agent",
            HeaderValue::from_static("huaweicloud-usdk-python/3.0; test-agent"),
        );
        h.insert("x-project-id", HeaderValue::from_static(PID));
        h.insert("x-sdk-date", HeaderValue::from_str(date).expect("date"));
        let auth = format!(
            "SDK-HMAC-SHA256 Access=AKFAKE0000EXAMPLE01, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature={sig}"
        );
        h.insert("authorization", HeaderValue::from_str(&auth).expect("auth"));
        let _ = body;
        h
    }

    const BODY: &[u8] = br#"{"name": "sg-demo", "image_id": "img-0001", "image_type": "gold", "os_type": "Windows", "product_id": "workspace.appstream.general.xlarge.4", "vpc_id": "vpc-0001", "subnet_id": "subnet-0001", "system_disk_type": "SAS", "system_disk_size": 80}"#;
    const SIG1: &str = "7fb42f0c6f04187c3637c8c593765150485267689f32eaa6ee2112cef6480909";

    fn at(s: &str) -> DateTime<Utc> {
        parse_sdk_date(s).expect("date")
    }

    /// The reference's first vector verifies server-side; changing anything breaks it.
    #[test]
    fn first_vector_verifies_and_tampering_fails() {
        let path = format!("/v1/{PID}/app-server-groups");
        let h = vector_request(BODY, SIG1, "20240227T034751Z");
        let req = Signed {
            method: "POST",
            raw_path: &path,
            raw_query: "",
            headers: &h,
            body: BODY,
        };
        let now = at("20240227T040000Z");
        assert!(verify(&req, |_| Some(key()), now, 900).is_ok());
        // Body changed after signing.
        let mut changed = BODY.to_vec();
        changed[10] = b'X';
        let req2 = Signed {
            body: &changed,
            ..req
        };
        assert!(verify(&req2, |_| Some(key()), now, 900).is_err());
        // Unknown key.
        let req3 = Signed {
            method: "POST",
            raw_path: &path,
            raw_query: "",
            headers: &h,
            body: BODY,
        };
        let unknown = verify(&req3, |_| None, now, 900).expect_err("unknown");
        assert!(
            unknown.message.contains("is not a valid key"),
            "{unknown:?}"
        );
        // A disabled key: the same answer.
        let disabled = verify(
            &req3,
            |_| {
                Some(AccessKey {
                    status: "inactive".into(),
                    ..key()
                })
            },
            now,
            900,
        )
        .expect_err("disabled");
        assert_eq!(disabled.message, unknown.message);
        // Skewed clock.
        assert!(verify(&req3, |_| Some(key()), at("20240227T050000Z"), 900)
            .expect_err("skew")
            .message
            .contains("away"));
        // Wrong method.
        let req4 = Signed {
            method: "PUT",
            ..req3
        };
        assert!(verify(&req4, |_| Some(key()), now, 900).is_err());
    }

    /// The reference's second vector (GET with a query) verifies server-side.
    #[test]
    fn second_vector_verifies() {
        let path = format!("/v1/{PID}/app-server-groups");
        let h = vector_request(
            b"",
            "c9d25ffab4c8738e68de3ce7dfe45cffb5bf7efaf243d6a79f9eb34990abd5a5",
            "20240227T034751Z",
        );
        // The wire query may come in any order: verification sorts it.
        let req = Signed {
            method: "GET",
            raw_path: &path,
            raw_query: "server_group_name=a%20b&limit=10&offset=0",
            headers: &h,
            body: b"",
        };
        assert!(verify(&req, |_| Some(key()), at("20240227T034751Z"), 900).is_ok());
    }

    #[test]
    fn missing_or_malformed_date_and_header_fail() {
        let path = "/v1/x";
        let mut h = vector_request(b"", "00", "20240227T034751Z");
        h.remove("x-sdk-date");
        let req = Signed {
            method: "GET",
            raw_path: path,
            raw_query: "",
            headers: &h,
            body: b"",
        };
        assert!(verify(&req, |_| Some(key()), Utc::now(), 900)
            .expect_err("no date")
            .message
            .contains("X-Sdk-Date"));
        let mut h = vector_request(b"", "00", "2024-02-27");
        h.insert("authorization", HeaderValue::from_static("Basic abc"));
        let req = Signed { headers: &h, ..req };
        assert!(verify(&req, |_| Some(key()), Utc::now(), 900)
            .expect_err("malformed")
            .message
            .contains("form"));
    }
}
