//! The request recorder (`--record-requests N`): the last N requests with what they sent and
//! what they got, secrets redacted, for a test suite to read when something failed
//! (`GET /openwks/v1/_admin/requests`, `openwks requests tail`). Off by default: recording
//! buffers every answer's body.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// How much of a body is kept.
const BODY_LIMIT: usize = 16 * 1024;

/// Fields whose values are never kept (request and answer bodies, at any depth).
const SECRET_FIELDS: &[&str] = &[
    "password",
    "secret_key",
    "secret",
    "sk",
    "token",
    "security_token",
    "securitytoken",
    "access",
    "icon_content",
];

/// One request as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// `X-Request-Id`.
    pub request_id: String,
    /// Wire time it arrived.
    pub time: String,
    /// Method.
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// The route (`POST /v1/{project_id}/app-server-groups`), or `unmatched`.
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// Microseconds from arrival to answer.
    pub latency_us: u64,
    /// The caller's user id, when authenticated.
    pub user: String,
    /// The fault rule that changed this call, if one did (`crate::faults`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    /// The request body (JSON with secrets redacted, else text; cut at 16 KiB).
    pub request: Value,
    /// The answer's body, the same way.
    pub response: Value,
}

/// The last `capacity` requests, newest last.
#[derive(Debug, Default)]
pub struct Recorder {
    capacity: usize,
    kept: Mutex<VecDeque<Recorded>>,
}

impl Recorder {
    /// A recorder of the last `capacity` requests (0: records nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    /// Whether it records.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Keep `r`, dropping the oldest when full.
    pub fn push(&self, r: Recorded) {
        if !self.enabled() {
            return;
        }
        if let Ok(mut k) = self.kept.lock() {
            if k.len() == self.capacity {
                k.pop_front();
            }
            k.push_back(r);
        }
    }

    /// The newest `limit` requests, newest first.
    pub fn newest(&self, limit: usize) -> Vec<Recorded> {
        self.kept
            .lock()
            .map(|k| k.iter().rev().take(limit).cloned().collect())
            .unwrap_or_default()
    }
}

/// A body as recorded: JSON with secret fields redacted, or (cut) text, or `null` when empty.
pub fn body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut v) => {
            redact(&mut v);
            let text = v.to_string();
            if text.len() > BODY_LIMIT {
                Value::String(format!("{}… ({} bytes)", cut(&text), text.len()))
            } else {
                v
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            Value::String(format!("[{} bytes, not JSON] {}", bytes.len(), cut(&text)))
        }
    }
}

fn cut(s: &str) -> &str {
    let mut end = s.len().min(BODY_LIMIT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                let key = k.to_ascii_lowercase().replace('-', "_");
                if SECRET_FIELDS.contains(&key.as_str()) {
                    *v = Value::String("[redacted]".into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_bodies_are_cut() {
        let v = body(br#"{"name":"u","password":"p","items":[{"secret_key":"s","ok":1}],"credential":{"access":"a","secret":"b"}}"#);
        assert_eq!(v["password"], "[redacted]");
        assert_eq!(v["items"][0]["secret_key"], "[redacted]");
        assert_eq!(v["items"][0]["ok"], 1);
        assert_eq!(v["credential"]["secret"], "[redacted]");
        assert_eq!(v["name"], "u");
        assert_eq!(body(b""), Value::Null);
        let big = vec![b'x'; 40_000];
        let s = body(&big);
        assert!(s
            .as_str()
            .is_some_and(|s| s.len() < 17_000 && s.contains("40000 bytes")));
    }

    #[test]
    fn the_recorder_keeps_the_newest() {
        let r = Recorder::new(2);
        for i in 0..3 {
            r.push(Recorded {
                request_id: i.to_string(),
                time: String::new(),
                method: "GET".into(),
                path: "/".into(),
                operation: String::new(),
                status: 200,
                latency_us: 0,
                user: String::new(),
                fault: None,
                request: Value::Null,
                response: Value::Null,
            });
        }
        let ids: Vec<String> = r.newest(10).into_iter().map(|x| x.request_id).collect();
        assert_eq!(ids, ["2", "1"]);
        assert!(!Recorder::new(0).enabled());
    }
}
