//! The vendor's `SDK-HMAC-SHA256` request signature (huaweicloudsdkcore `signer/signer.py`),
//! exactly as `../shared/reference/sdk-surface.md` §4.2 describes it.
//!
//! This module is pure: it builds the canonical request and the signature from the parts of a
//! request. The server uses it to verify, the test suites and the load generator to sign.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The algorithm name that starts the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Payload hash used when `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` is signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// sha256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// RFC 3986 unreserved characters stay as they are; everything else is `%XX` (upper-case hex),
/// like Python's `quote(s, safe='~')`.
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode one path segment or query component the way the SDK does.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_SET).to_string()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// CanonicalURI: decode the raw path, split on `/`, re-encode each segment, add a trailing `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = decode(raw_path);
    let mut out = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// CanonicalQuery: decoded `(key, value)` pairs sorted by key then value, re-encoded, joined
/// with `&`. `+` is kept literally (the SDK never sends `+` for a space).
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Hex sha256 of a body, or the empty hash for an empty body.
pub fn payload_hash(body: &[u8]) -> String {
    if body.is_empty() {
        EMPTY_SHA256.to_string()
    } else {
        hex::encode(Sha256::digest(body))
    }
}

/// The parts of a request that the signature covers.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    /// Upper-case HTTP method.
    pub method: &'a str,
    /// The raw (still percent-encoded) request path.
    pub raw_path: &'a str,
    /// The raw query string without `?` (may be empty).
    pub raw_query: &'a str,
    /// The signed headers, as `(lower-case name, value)`, sorted by name.
    pub headers: &'a [(String, String)],
    /// The payload hash (see [`payload_hash`] and [`UNSIGNED_PAYLOAD`]).
    pub payload_hash: &'a str,
}

/// Build the canonical request of §4.2 step 5.
pub fn canonical_request(input: &SignInput<'_>) -> String {
    let mut s = String::with_capacity(256);
    s.push_str(input.method);
    s.push('\n');
    s.push_str(&canonical_uri(input.raw_path));
    s.push('\n');
    s.push_str(&canonical_query(input.raw_query));
    s.push('\n');
    for (name, value) in input.headers {
        s.push_str(name);
        s.push(':');
        s.push_str(value.trim());
        s.push('\n');
    }
    s.push('\n');
    s.push_str(&signed_headers(input.headers));
    s.push('\n');
    s.push_str(input.payload_hash);
    s
}

/// `h1;h2;...` from the signed headers.
pub fn signed_headers(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// The string to sign of §4.2 step 6.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// Raw HMAC-SHA256 signature bytes (key = SK as-is).
pub fn signature_bytes(secret_key: &str, string_to_sign: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(string_to_sign.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Compute the hex signature of a request.
pub fn sign(secret_key: &str, sdk_date: &str, input: &SignInput<'_>) -> String {
    let creq = canonical_request(input);
    hex::encode(signature_bytes(
        secret_key,
        &string_to_sign(sdk_date, &creq),
    ))
}

/// The `Authorization` header value the SDK sends.
pub fn authorization_header(access_key: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key.
    pub access_key: String,
    /// Lower-case signed header names, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Parse an `Authorization` header; `None` when it is not a well-formed SDK-HMAC-SHA256 header.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut ak, mut sh, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => ak = Some(v.to_string()),
            "SignedHeaders" => sh = Some(v.to_string()),
            "Signature" => sig = Some(v.to_string()),
            _ => return None,
        }
    }
    let (access_key, sh, signature) = (ak?, sh?, sig?);
    if access_key.is_empty() || sh.is_empty() || signature.is_empty() {
        return None;
    }
    let signed_headers = sh.split(';').map(|h| h.to_ascii_lowercase()).collect();
    Some(Authorization {
        access_key,
        signed_headers,
        signature,
    })
}

/// An access key pair.
#[derive(Debug, Clone, Copy)]
pub struct KeyPair<'a> {
    /// AK.
    pub access_key: &'a str,
    /// SK.
    pub secret_key: &'a str,
}

/// A request as a client is about to send it.
#[derive(Debug, Clone, Copy)]
pub struct ClientRequest<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// Path, already percent-encoded as it goes on the wire.
    pub raw_path: &'a str,
    /// Query without `?`, as it goes on the wire.
    pub raw_query: &'a str,
    /// Headers to send and sign (`Host` included).
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

/// A JSON call signed as the vendor's SDK signs it: `Content-Type: application/json`, `Host`,
/// and `X-Project-Id` when there is a project; `path_query` may carry a `?query`. Returns the
/// headers to send (the CLI, `serve --init` and the test client all call through here).
pub fn sign_json_call(
    key: KeyPair<'_>,
    sdk_date: &str,
    host: &str,
    project_id: Option<&str>,
    method: &str,
    path_query: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    let (raw_path, raw_query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let mut headers = vec![("Content-Type", "application/json"), ("Host", host)];
    if let Some(p) = project_id {
        headers.push(("X-Project-Id", p));
    }
    sign_request(
        key,
        sdk_date,
        ClientRequest {
            method,
            raw_path,
            raw_query,
            headers: &headers,
            body,
        },
    )
}

/// Sign a request on the client side: adds `x-sdk-date` to the headers and returns the full
/// header list to send, including `Authorization`.
///
/// Every header given is signed (the SDK signs every header whose name has no `_`).
pub fn sign_request(
    key: KeyPair<'_>,
    sdk_date: &str,
    req: ClientRequest<'_>,
) -> Vec<(String, String)> {
    let mut hs: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_string()))
        .collect();
    if !hs.iter().any(|(n, _)| n == "x-sdk-date") {
        hs.push(("x-sdk-date".into(), sdk_date.into()));
    }
    hs.sort();
    let ph = if hs
        .iter()
        .any(|(n, v)| n == "x-sdk-content-sha256" && v == UNSIGNED_PAYLOAD)
    {
        UNSIGNED_PAYLOAD.to_string()
    } else {
        payload_hash(req.body)
    };
    let input = SignInput {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        headers: &hs,
        payload_hash: &ph,
    };
    let sig = sign(key.secret_key, sdk_date, &input);
    let auth = authorization_header(key.access_key, &signed_headers(&hs), &sig);
    hs.push(("authorization".into(), auth));
    hs
}

#[cfg(test)]
mod tests {
    use super::*;

    const AK: &str = "AKFAKE0000EXAMPLE01";
    const SK: &str = "SKfake0000example0000secret0000key0000001";
    const PID: &str = "0123456789abcdef0123456789abcdef";
    const DATE: &str = "20240227T034751Z";

    fn vector_headers() -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "application/json".into()),
            ("host".into(), "127.0.0.1:18080".into()),
            (
                "user-agent".into(),
                "huaweicloud-usdk-python/3.0; test-agent".into(),
            ),
            ("x-project-id".into(), PID.into()),
            ("x-sdk-date".into(), DATE.into()),
        ]
    }

    /// sdk-surface.md §4.2, first test vector (POST with a 242-byte body).
    #[test]
    fn first_vector_post_create_server_group() {
        let body = br#"{"name": "sg-demo", "image_id": "img-0001", "image_type": "gold", "os_type": "Windows", "product_id": "workspace.appstream.general.xlarge.4", "vpc_id": "vpc-0001", "subnet_id": "subnet-0001", "system_disk_type": "SAS", "system_disk_size": 80}"#;
        assert_eq!(body.len(), 242);
        let headers = vector_headers();
        let path = format!("/v1/{PID}/app-server-groups");
        let ph = payload_hash(body);
        let input = SignInput {
            method: "POST",
            raw_path: &path,
            raw_query: "",
            headers: &headers,
            payload_hash: &ph,
        };
        let creq = canonical_request(&input);
        assert!(creq.starts_with(&format!("POST\n/v1/{PID}/app-server-groups/\n\n")));
        assert_eq!(
            hex::encode(Sha256::digest(creq.as_bytes())),
            "2bf1f511ca23a25751692d985136a8bb139278f6b8acb28682c99f33e5cc5a57"
        );
        assert!(creq.ends_with("45ab827e9a7552d6e268af9ab3cc521b7afa451e9bd767b8f8c5804ebf0f2ca1"));
        assert_eq!(
            sign(SK, DATE, &input),
            "7fb42f0c6f04187c3637c8c593765150485267689f32eaa6ee2112cef6480909"
        );
    }

    /// sdk-surface.md §4.2, second test vector (GET with a query that has a space).
    #[test]
    fn second_vector_get_with_query() {
        let headers = vector_headers();
        let path = format!("/v1/{PID}/app-server-groups");
        let q = "limit=10&offset=0&server_group_name=a%20b";
        assert_eq!(canonical_query(q), q);
        let input = SignInput {
            method: "GET",
            raw_path: &path,
            raw_query: q,
            headers: &headers,
            payload_hash: EMPTY_SHA256,
        };
        assert_eq!(
            sign(SK, DATE, &input),
            "c9d25ffab4c8738e68de3ce7dfe45cffb5bf7efaf243d6a79f9eb34990abd5a5"
        );
    }

    #[test]
    fn canonical_query_sorts_decoded_pairs_and_reencodes() {
        assert_eq!(canonical_query("b=2&a=%C3%BC&a=1"), "a=1&a=%C3%BC&b=2");
        assert_eq!(canonical_query("flag"), "flag=");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn canonical_uri_reencodes_and_adds_slash() {
        assert_eq!(
            canonical_uri("/v1/%7Bproject_id%7D/x"),
            "/v1/%7Bproject_id%7D/x/"
        );
        assert_eq!(canonical_uri("/a/"), "/a/");
    }

    #[test]
    fn parse_authorization_accepts_sdk_form_and_rejects_others() {
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abcd",
        );
        assert_eq!(
            a,
            Some(Authorization {
                access_key: "AK1".into(),
                signed_headers: vec!["host".into(), "x-sdk-date".into()],
                signature: "abcd".into()
            })
        );
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=AK1").is_none());
        assert!(
            parse_authorization("SDK-HMAC-SHA256 Access=, SignedHeaders=a, Signature=b").is_none()
        );
        assert!(parse_authorization(
            "SDK-HMAC-SHA256 Foo=1, Access=a, SignedHeaders=b, Signature=c"
        )
        .is_none());
    }

    #[test]
    fn sign_request_round_trips_with_vector() {
        let body = b"{}";
        let hs = sign_request(
            KeyPair {
                access_key: AK,
                secret_key: SK,
            },
            DATE,
            ClientRequest {
                method: "POST",
                raw_path: "/v1/p/x",
                raw_query: "",
                headers: &[("Host", "h:1"), ("Content-Type", "application/json")],
                body,
            },
        );
        let auth = hs
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.clone());
        let parsed = auth.as_deref().and_then(parse_authorization);
        assert_eq!(
            parsed.map(|p| p.signed_headers),
            Some(vec![
                "content-type".into(),
                "host".into(),
                "x-sdk-date".into()
            ])
        );
    }

    #[test]
    fn a_json_call_signs_its_query_and_project_header() {
        let key = || KeyPair {
            access_key: AK,
            secret_key: SK,
        };
        let got = sign_json_call(key(), DATE, "h:1", Some(PID), "GET", "/v1/p/x?b=2&a=1", b"");
        let want = sign_request(
            key(),
            DATE,
            ClientRequest {
                method: "GET",
                raw_path: "/v1/p/x",
                raw_query: "b=2&a=1",
                headers: &[
                    ("Content-Type", "application/json"),
                    ("Host", "h:1"),
                    ("X-Project-Id", PID),
                ],
                body: b"",
            },
        );
        assert_eq!(got, want);
        let auth = got.iter().find(|(n, _)| n == "authorization");
        let parsed = auth.and_then(|(_, v)| parse_authorization(v));
        assert_eq!(
            parsed.map(|p| p.signed_headers),
            Some(vec![
                "content-type".into(),
                "host".into(),
                "x-project-id".into(),
                "x-sdk-date".into()
            ])
        );
        let without = sign_json_call(key(), DATE, "h:1", None, "GET", "/v1/p/x", b"");
        assert!(without.iter().all(|(n, _)| n != "x-project-id"));
    }
}
