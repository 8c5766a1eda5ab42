//! Request plumbing: body and query parsing with vendor-shaped errors, and a
//! path extractor whose rejection is a vendor error (never axum's plain-text 4xx).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use bytes::Bytes;
use openwks_core::error::Reason;
use openwks_core::{Error, Result};
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Whether `s` holds a control character (C0, DEL or C1).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Parse a JSON body; an empty body is `WKS.0001`, malformed JSON names the problem.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request body is empty",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            Error::invalid(
                Reason::MalformedBody,
                format!("the request body is not valid JSON for this operation: {inner}"),
            )
        } else {
            Error::invalid(
                Reason::MalformedBody,
                format!("the request body is not valid: field {path}: {inner}"),
            )
        }
    })?;
    de.end().map_err(|e| {
        Error::invalid(
            Reason::MalformedBody,
            format!("the request body has trailing data: {e}"),
        )
    })?;
    Ok(value)
}

/// Parse an optional JSON body (`{}` when empty).
pub fn json_body_or_default<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(body)
}

/// Decoded query parameters (the first value of each key; `+` is a literal plus, as the SDK
/// never encodes a space that way).
#[derive(Debug, Default, Clone)]
pub struct Query(HashMap<String, String>);

impl Query {
    /// Parse a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let mut m = HashMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode_str(k).decode_utf8_lossy().into_owned();
            let v = percent_decode_str(v).decode_utf8_lossy().into_owned();
            m.entry(k).or_insert(v);
        }
        Self(m)
    }

    /// Parse a raw query string strictly: a key given twice (also once percent-encoded and once
    /// not: `a%5Fb=1&a_b=2`) or a control character is refused with 400, so that every reader
    /// of the query (authorization, the handler) sees one value per key.
    pub fn parse_strict(raw: Option<&str>) -> Result<Self> {
        let mut m = HashMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode_str(k).decode_utf8_lossy().into_owned();
            let v = percent_decode_str(v).decode_utf8_lossy().into_owned();
            if has_control(&k) || has_control(&v) {
                return Err(Error::invalid(
                    Reason::InvalidQuery,
                    format!("query parameter {k:?} holds a control character"),
                ));
            }
            if m.contains_key(&k) {
                return Err(Error::invalid(
                    Reason::InvalidQuery,
                    format!("query parameter {k} is given more than once"),
                ));
            }
            // The vendor's definitions bound every query parameter: ids at 128 characters,
            // and nothing over 1,024 (names and other filters).
            let n = v.chars().count();
            let max = if k.ends_with("_id") { 128 } else { 1024 };
            if n > max {
                return Err(Error::invalid(
                    Reason::InvalidQuery,
                    format!("query parameter {k} must be at most {max} characters, got {n}"),
                ));
            }
            m.insert(k, v);
        }
        Ok(Self(m))
    }

    /// Whether the parameter was sent at all (empty included).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// A string parameter; empty counts as absent.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A string parameter, owned (what the store takes); empty counts as absent.
    pub fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_string)
    }

    /// An integer parameter.
    pub fn i64(&self, key: &str) -> Result<Option<i64>> {
        self.str(key)
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    Error::invalid(
                        Reason::InvalidQuery,
                        format!("query parameter {key} must be an integer, got {s:?}"),
                    )
                })
            })
            .transpose()
    }

    /// A boolean parameter (`true`/`false`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.str(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(Error::invalid(
                Reason::InvalidQuery,
                format!("query parameter {key} must be true or false, got {s:?}"),
            )),
        }
    }

    /// `offset` (≥ 0, default 0) and `limit` (1–100, default 10), as every WKS list has them.
    pub fn page(&self) -> Result<(i64, i64)> {
        let offset = self.i64("offset")?.unwrap_or(0);
        if offset < 0 {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                format!("offset must be at least 0, got {offset}"),
            ));
        }
        let limit = self.i64("limit")?.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                format!("limit must be between 1 and 100, got {limit}"),
            ));
        }
        Ok((offset, limit))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> std::result::Result<Self, ApiError> {
        // The query authorization decided on (every authenticated route has it).
        Ok(match parts.extensions.get::<Self>() {
            Some(q) => q.clone(),
            None => Self::parse(parts.uri.query()),
        })
    }
}

/// Path parameters with a vendor-shaped rejection.
pub struct P<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> std::result::Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| P(t))
            .map_err(|e| {
                ApiError::from(Error::invalid(
                    Reason::InvalidParameter,
                    format!("bad path: {e}"),
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_and_bounds() {
        assert_eq!(Query::parse(None).page().expect("defaults"), (0, 10));
        assert!(Query::parse(Some("limit=0")).page().is_err());
        assert!(Query::parse(Some("limit=101")).page().is_err());
        assert!(Query::parse(Some("offset=-1")).page().is_err());
        assert!(Query::parse(Some("limit=x")).page().is_err());
        assert_eq!(
            Query::parse(Some("limit=100&offset=5")).page().expect("ok"),
            (5, 100)
        );
    }

    #[test]
    fn strict_queries_refuse_repeated_keys_also_when_encoded_and_control_characters() {
        for q in [
            "a=1&a=2",
            "server%5Fgroup%5Fid=x&server_group_id=y",
            "a=x%00y",
            "a%0A=1",
        ] {
            let e = Query::parse_strict(Some(q)).expect_err(q);
            assert_eq!(e.code, Reason::InvalidQuery);
        }
        let q = Query::parse_strict(Some("server%5Fgroup%5Fid=x&b=1")).expect("ok");
        assert_eq!(q.str("server_group_id"), Some("x"));
    }

    #[test]
    fn query_decodes_percent_and_keeps_plus() {
        let q = Query::parse(Some("a=sg%20demo%2F%C3%BC&b=x+y"));
        assert_eq!(q.str("a"), Some("sg demo/ü"));
        assert_eq!(q.str("b"), Some("x+y"));
    }

    #[test]
    fn bodies_empty_and_malformed_get_their_codes() {
        let e = json_body::<serde_json::Value>(&Bytes::from_static(b"")).expect_err("empty");
        assert_eq!(e.code, Reason::EmptyRequest);
        let e = json_body::<serde_json::Value>(&Bytes::from_static(b"{")).expect_err("bad");
        assert_eq!(e.code, Reason::MalformedBody);
    }
}
