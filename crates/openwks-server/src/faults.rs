//! Fault and latency injection (a local cloud's test habit): the administrator sets rules that
//! make chosen operations fail with a chosen vendor error, for the next N calls or a fraction
//! of calls, or answer later (`/openwks/v1/_admin/faults`, `openwks faults`). A rule matches by
//! SDK operation (`create_server_group`), by route (`POST /v1/{project_id}/app-server-groups`)
//! or every operation (`*`); the administrator's own routes are never faulted. Every injected
//! fault is counted (`openwks_injected_faults_total`) and marked in the access log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use openwks_core::error::Reason;
use openwks_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// A rule as set and shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRule {
    /// Set by openwks.
    #[serde(default)]
    pub id: String,
    /// SDK operation, `METHOD /path/{template}`, or `*`.
    pub operation: String,
    /// The error code to answer (`WKS.00050902`, `Ecs.0319`); none: only latency.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Its HTTP status (400–599; default 500).
    #[serde(default)]
    pub status: Option<u16>,
    /// Its message.
    #[serde(default)]
    pub error_msg: Option<String>,
    /// Calls it still applies to; none: every matching call.
    #[serde(default)]
    pub count: Option<u64>,
    /// The fraction of matching calls it applies to (0 < rate ≤ 1; default 1).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Added before the operation runs (or the error is answered), in milliseconds.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Calls it applied to so far.
    #[serde(default)]
    pub hits: u64,
}

/// What a matching rule does to one call.
#[derive(Debug, Clone)]
pub struct Injected {
    /// The rule.
    pub rule_id: String,
    /// Wait this long first.
    pub latency_ms: u64,
    /// Then answer this `(status, code, message)` instead of running the operation.
    pub error: Option<(u16, String, String)>,
}

/// Marks a response whose call a fault rule changed (read by the access log).
#[derive(Debug, Clone)]
pub struct InjectedMark(pub String);

/// The rules.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    next_id: AtomicU64,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid(Reason::InvalidParameter, msg)
}

impl FaultRule {
    /// Check a rule as sent.
    pub fn check(&self) -> Result<()> {
        if self.operation.trim().is_empty() || self.operation.len() > 256 {
            return Err(invalid(
                "operation is required: an SDK operation, METHOD /path, or *",
            ));
        }
        if self.error_code.is_none() && self.latency_ms.is_none() {
            return Err(invalid("a rule needs error_code, latency_ms or both"));
        }
        if let Some(c) = &self.error_code {
            if c.is_empty() || c.len() > 64 || c.chars().any(char::is_control) {
                return Err(invalid("error_code must be 1 to 64 printable characters"));
            }
        }
        if let Some(s) = self.status {
            if !(400..=599).contains(&s) {
                return Err(invalid(format!("status must be 400 to 599, not {s}")));
            }
        }
        if self.error_msg.as_ref().is_some_and(|m| m.len() > 1024) {
            return Err(invalid("error_msg is at most 1024 characters"));
        }
        if self.count == Some(0) {
            return Err(invalid(
                "count must be at least 1 (leave it out for every call)",
            ));
        }
        if let Some(r) = self.rate {
            if !(r > 0.0 && r <= 1.0) {
                return Err(invalid("rate must be greater than 0 and at most 1"));
            }
        }
        if self.latency_ms.is_some_and(|l| l > 60_000) {
            return Err(invalid("latency_ms is at most 60000"));
        }
        Ok(())
    }

    fn matches(&self, sdk: &str, op: &str) -> bool {
        self.operation == "*" || (!sdk.is_empty() && self.operation == sdk) || self.operation == op
    }
}

impl Faults {
    /// Add a checked rule; the rule as kept.
    pub fn add(&self, mut rule: FaultRule) -> Result<FaultRule> {
        rule.check()?;
        rule.id = format!("fault-{}", self.next_id.fetch_add(1, Ordering::SeqCst) + 1);
        rule.hits = 0;
        let mut rules = self
            .rules
            .lock()
            .map_err(|_| Error::internal("fault rules poisoned"))?;
        if rules.len() >= 100 {
            return Err(invalid("at most 100 fault rules; clear them first"));
        }
        rules.push(rule.clone());
        Ok(rule)
    }

    /// The rules in force.
    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Remove every rule; how many there were.
    pub fn clear(&self) -> usize {
        self.rules
            .lock()
            .map(|mut r| std::mem::take(&mut *r).len())
            .unwrap_or(0)
    }

    /// What the first matching rule does to a call of `sdk` (SDK operation, may be empty) /
    /// `op` (`METHOD /template`), if one applies; a rule with a count is used up by it.
    pub fn draw(&self, sdk: &str, op: &str) -> Option<Injected> {
        let mut rules = self.rules.lock().ok()?;
        let i = rules.iter().position(|r| r.matches(sdk, op))?;
        let rule = &mut rules[i];
        if rule.rate.is_some_and(|p| rand::random::<f64>() >= p) {
            return None;
        }
        rule.hits += 1;
        let injected = Injected {
            rule_id: rule.id.clone(),
            latency_ms: rule.latency_ms.unwrap_or(0),
            error: rule.error_code.clone().map(|code| {
                (
                    rule.status.unwrap_or(500),
                    code,
                    rule.error_msg
                        .clone()
                        .unwrap_or_else(|| "injected fault".to_string()),
                )
            }),
        };
        if let Some(c) = rule.count.as_mut() {
            *c -= 1;
            if *c == 0 {
                rules.remove(i);
            }
        }
        Some(injected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(op: &str) -> FaultRule {
        FaultRule {
            id: String::new(),
            operation: op.into(),
            error_code: Some("WKS.00050902".into()),
            status: Some(503),
            error_msg: None,
            count: Some(2),
            rate: None,
            latency_ms: None,
            hits: 0,
        }
    }

    #[test]
    fn a_counted_rule_applies_to_the_next_calls_and_goes() {
        let f = Faults::default();
        f.add(rule("create_server_group")).expect("add");
        assert!(f
            .draw(
                "list_server_groups",
                "GET /v1/{project_id}/app-server-groups"
            )
            .is_none());
        for _ in 0..2 {
            let i = f.draw("create_server_group", "POST /x").expect("injected");
            assert_eq!(i.error.expect("error").0, 503);
        }
        assert!(f.draw("create_server_group", "POST /x").is_none());
        assert!(f.list().is_empty());
    }

    #[test]
    fn rules_are_checked() {
        let f = Faults::default();
        for bad in [
            FaultRule {
                operation: String::new(),
                ..rule("x")
            },
            FaultRule {
                error_code: None,
                ..rule("x")
            },
            FaultRule {
                status: Some(200),
                ..rule("x")
            },
            FaultRule {
                count: Some(0),
                ..rule("x")
            },
            FaultRule {
                rate: Some(0.0),
                ..rule("x")
            },
            FaultRule {
                rate: Some(1.5),
                ..rule("x")
            },
            FaultRule {
                latency_ms: Some(120_000),
                ..rule("x")
            },
        ] {
            assert!(f.add(bad).is_err());
        }
        let every = f
            .add(FaultRule {
                count: None,
                operation: "*".into(),
                ..rule("")
            })
            .expect("add");
        assert_eq!(every.id, "fault-1");
        for _ in 0..5 {
            assert!(f.draw("", "GET /anything").is_some());
        }
        assert_eq!(f.list()[0].hits, 5);
        assert_eq!(f.clear(), 1);
    }
}
