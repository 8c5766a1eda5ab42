//! Identity policies (issue #6): the vendor's identity-policy grammar (`Version` 5.0,
//! `Statement[]` of `Effect`, `Action`/`NotAction`, `Resource`, `Condition`), parsed once into
//! a [`PolicyDocument`] and evaluated against a [`RequestContext`].
//!
//! Evaluation: an explicit `Deny` that applies wins; otherwise an `Allow` that applies is
//! needed; otherwise the request is denied (implicitly). A statement applies when one of its
//! actions matches (or none of its `NotAction`s does), one of its resources matches (no
//! `Resource` means any), and every condition holds. Pure: no I/O.
//!
//! Matching: `*` (any run of characters) and `?` (one character) in actions (case-insensitive)
//! and resources (case-sensitive). Resources are URNs `service:region:project:type:id`, e.g.
//! `workspace:cn-north-4:<project>:serverGroup:<id>`; an operation without a resource (lists,
//! creates before the id exists use `…:serverGroup:*`) is checked against `*`.
//!
//! Conditions: `{"<Operator>": {"<key>": [values]}}` with the operators `StringEquals`,
//! `StringNotEquals`, `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`, `StringLike`,
//! `StringNotLike`, `NumberEquals`, `NumberNotEquals`, `NumberLessThan`,
//! `NumberLessThanEquals`, `NumberGreaterThan`, `NumberGreaterThanEquals`, `Bool`, `Null`;
//! the prefixes `ForAllValues:` and `ForAnyValue:` for multi-valued keys (`g:TagKeys`) and the
//! suffix `IfExists`. Keys are case-insensitive. Values of one key are alternatives (OR);
//! keys and operators all must hold (AND). A positive operator on a key the request does not
//! have is false (true with `IfExists`); a negated one is true.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::Reason;
use crate::{Error, Result};

/// Largest policy document, bytes (the vendor's limit for custom identity policies).
pub const MAX_POLICY_BYTES: usize = 6144;
/// Most statements in one document.
pub const MAX_STATEMENTS: usize = 100;

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, whatever else grants.
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumberEquals,
    NumberNotEquals,
    NumberLessThan,
    NumberLessThanEquals,
    NumberGreaterThan,
    NumberGreaterThanEquals,
    Bool,
    Null,
}

impl Op {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "StringEquals" => Self::StringEquals,
            "StringNotEquals" => Self::StringNotEquals,
            "StringEqualsIgnoreCase" => Self::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Self::StringNotEqualsIgnoreCase,
            "StringLike" => Self::StringLike,
            "StringNotLike" => Self::StringNotLike,
            "NumberEquals" => Self::NumberEquals,
            "NumberNotEquals" => Self::NumberNotEquals,
            "NumberLessThan" => Self::NumberLessThan,
            "NumberLessThanEquals" => Self::NumberLessThanEquals,
            "NumberGreaterThan" => Self::NumberGreaterThan,
            "NumberGreaterThanEquals" => Self::NumberGreaterThanEquals,
            "Bool" => Self::Bool,
            "Null" => Self::Null,
            _ => return None,
        })
    }

    fn negated(self) -> bool {
        matches!(
            self,
            Self::StringNotEquals
                | Self::StringNotEqualsIgnoreCase
                | Self::StringNotLike
                | Self::NumberNotEquals
        )
    }

    /// Whether one request value matches one policy value (for negated operators: the
    /// positive form; the caller negates).
    fn matches(self, have: &str, want: &str) -> bool {
        let num = |a: &str| a.trim().parse::<f64>().ok();
        match self {
            Self::StringEquals | Self::StringNotEquals => have == want,
            Self::StringEqualsIgnoreCase | Self::StringNotEqualsIgnoreCase => {
                have.to_lowercase() == want.to_lowercase()
            }
            Self::StringLike | Self::StringNotLike => wildcard(want, have),
            Self::Bool => have.eq_ignore_ascii_case(want),
            Self::Null => false,
            Self::NumberEquals | Self::NumberNotEquals => {
                matches!((num(have), num(want)), (Some(a), Some(b)) if a == b)
            }
            Self::NumberLessThan => matches!((num(have), num(want)), (Some(a), Some(b)) if a < b),
            Self::NumberLessThanEquals => {
                matches!((num(have), num(want)), (Some(a), Some(b)) if a <= b)
            }
            Self::NumberGreaterThan => {
                matches!((num(have), num(want)), (Some(a), Some(b)) if a > b)
            }
            Self::NumberGreaterThanEquals => {
                matches!((num(have), num(want)), (Some(a), Some(b)) if a >= b)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAllValues,
    ForAnyValue,
}

/// One condition: an operator on one key with its alternative values.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    op: Op,
    set: SetOp,
    if_exists: bool,
    /// Lower-cased.
    key: String,
    values: Vec<String>,
}

impl Condition {
    fn holds(&self, ctx: &RequestContext<'_>) -> bool {
        let have = ctx.values.get(&self.key);
        if self.op == Op::Null {
            let absent = have.is_none_or(|v| v.is_empty());
            return self
                .values
                .iter()
                .any(|w| w.eq_ignore_ascii_case(if absent { "true" } else { "false" }));
        }
        let any_policy = |h: &str| self.values.iter().any(|w| self.op.matches(h, w));
        match (self.set, have) {
            (SetOp::ForAllValues, None) => true,
            (SetOp::ForAllValues, Some(hs)) => hs.iter().all(|h| {
                if self.op.negated() {
                    !any_policy(h)
                } else {
                    any_policy(h)
                }
            }),
            (SetOp::ForAnyValue, None) => false,
            (SetOp::ForAnyValue, Some(hs)) => hs.iter().any(|h| {
                if self.op.negated() {
                    !any_policy(h)
                } else {
                    any_policy(h)
                }
            }),
            (SetOp::Single, None) => self.if_exists || self.op.negated(),
            (SetOp::Single, Some(hs)) if hs.is_empty() => self.if_exists || self.op.negated(),
            (SetOp::Single, Some(hs)) => {
                if self.op.negated() {
                    hs.iter().all(|h| !any_policy(h))
                } else {
                    hs.iter().any(|h| any_policy(h))
                }
            }
        }
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Allow or deny.
    pub effect: Effect,
    /// Action patterns (lower-cased); empty when `not_actions` is used.
    actions: Vec<String>,
    /// `NotAction` patterns (lower-cased).
    not_actions: Vec<String>,
    /// Resource patterns; empty means any resource.
    resources: Vec<String>,
    conditions: Vec<Condition>,
}

impl Statement {
    fn applies(&self, ctx: &RequestContext<'_>, action_lc: &str) -> bool {
        let action_ok = if self.not_actions.is_empty() {
            self.actions.iter().any(|p| wildcard(p, action_lc))
        } else {
            !self.not_actions.iter().any(|p| wildcard(p, action_lc))
        };
        action_ok
            && (self.resources.is_empty()
                || self.resources.iter().any(|p| wildcard(p, ctx.resource)))
            && self.conditions.iter().all(|c| c.holds(ctx))
    }
}

/// A parsed identity policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version` as sent (`5.0`).
    pub version: String,
    /// Its statements.
    pub statements: Vec<Statement>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid(Reason::InvalidPolicy, msg)
}

/// A string or a list of strings (the grammar allows both).
fn strings(v: &Value, field: &str) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("{field} must hold strings")))
            })
            .collect(),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        Value::Number(n) => Ok(vec![n.to_string()]),
        _ => Err(bad(format!(
            "{field} must be a string or a list of strings"
        ))),
    }
}

fn parse_condition(v: &Value) -> Result<Vec<Condition>> {
    let ops = v
        .as_object()
        .ok_or_else(|| bad("Condition must be an object of operators"))?;
    let mut out = Vec::new();
    for (name, keys) in ops {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (SetOp::ForAllValues, r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (SetOp::ForAnyValue, r)
        } else {
            (SetOp::Single, name.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let op =
            Op::parse(base).ok_or_else(|| bad(format!("unknown condition operator {name:?}")))?;
        let keys = keys
            .as_object()
            .ok_or_else(|| bad(format!("condition {name} must map keys to values")))?;
        if keys.is_empty() {
            return Err(bad(format!("condition {name} names no key")));
        }
        for (key, values) in keys {
            let values = strings(values, &format!("Condition.{name}.{key}"))?;
            if values.is_empty() {
                return Err(bad(format!("condition {name} on {key} has no value")));
            }
            if op == Op::Bool || op == Op::Null {
                if let Some(v) = values
                    .iter()
                    .find(|v| !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false"))
                {
                    return Err(bad(format!("{name} takes true or false, not {v:?}")));
                }
            }
            out.push(Condition {
                op,
                set,
                if_exists,
                key: key.to_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

fn check_action(a: &str) -> Result<String> {
    let ok = a == "*"
        || (a.split(':').count() == 3
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '?' | '_' | '-')));
    if !ok {
        return Err(bad(format!(
            "action {a:?} is not service:resourceType:operation (wildcards * and ? allowed)"
        )));
    }
    Ok(a.to_lowercase())
}

impl PolicyDocument {
    /// Parse and check a policy document.
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.len() > MAX_POLICY_BYTES {
            return Err(bad(format!(
                "a policy document is at most {MAX_POLICY_BYTES} bytes"
            )));
        }
        let v: Value =
            serde_json::from_str(raw).map_err(|e| bad(format!("the policy is not JSON: {e}")))?;
        Self::from_value(&v)
    }

    /// Check a policy document given as JSON.
    pub fn from_value(v: &Value) -> Result<Self> {
        let o = v
            .as_object()
            .ok_or_else(|| bad("a policy is a JSON object"))?;
        if let Some(k) = o
            .keys()
            .find(|k| !matches!(k.as_str(), "Version" | "Statement"))
        {
            return Err(bad(format!("unknown policy field {k:?}")));
        }
        let version = o
            .get("Version")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Version is required"))?
            .to_string();
        if version != "5.0" {
            return Err(bad(format!("Version must be \"5.0\", not {version:?}")));
        }
        let sts = match o.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(s @ Value::Object(_)) => vec![s.clone()],
            _ => return Err(bad("Statement is required: a list of statements")),
        };
        if sts.is_empty() || sts.len() > MAX_STATEMENTS {
            return Err(bad(format!(
                "Statement must hold 1 to {MAX_STATEMENTS} statements"
            )));
        }
        let mut statements = Vec::with_capacity(sts.len());
        for s in &sts {
            let s = s
                .as_object()
                .ok_or_else(|| bad("each statement is an object"))?;
            if let Some(k) = s.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "Effect" | "Action" | "NotAction" | "Resource" | "Condition" | "Sid"
                )
            }) {
                return Err(bad(format!("unknown statement field {k:?}")));
            }
            let effect = match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") => Effect::Allow,
                Some("Deny") => Effect::Deny,
                Some(e) => return Err(bad(format!("Effect must be Allow or Deny, not {e:?}"))),
                None => return Err(bad("Effect is required")),
            };
            let actions = match s.get("Action") {
                Some(a) => strings(a, "Action")?
                    .iter()
                    .map(|a| check_action(a))
                    .collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            let not_actions = match s.get("NotAction") {
                Some(a) => strings(a, "NotAction")?
                    .iter()
                    .map(|a| check_action(a))
                    .collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            if actions.is_empty() == not_actions.is_empty() {
                return Err(bad(
                    "a statement has either Action or NotAction (not both, not none)",
                ));
            }
            let resources = match s.get("Resource") {
                Some(r) => strings(r, "Resource")?,
                None => Vec::new(),
            };
            if resources.iter().any(String::is_empty) {
                return Err(bad("a Resource is not empty"));
            }
            let conditions = match s.get("Condition") {
                Some(c) => parse_condition(c)?,
                None => Vec::new(),
            };
            statements.push(Statement {
                effect,
                actions,
                not_actions,
                resources: if resources.iter().any(|r| r == "*") {
                    Vec::new()
                } else {
                    resources
                },
                conditions,
            });
        }
        Ok(Self {
            version,
            statements,
        })
    }
}

/// What a request asks, for evaluation.
#[derive(Debug, Clone)]
pub struct RequestContext<'a> {
    /// `service:resourceType:operation`.
    pub action: &'a str,
    /// The resource's URN, or `*` when the operation has none.
    pub resource: &'a str,
    /// Condition values by lower-cased key (`g:resourcetag/team` → `["cad"]`).
    pub values: &'a HashMap<String, Vec<String>>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An Allow applies and no Deny does.
    Allow,
    /// A Deny applies.
    ExplicitDeny,
    /// Nothing allows it.
    ImplicitDeny,
}

/// Evaluate `ctx` against every policy of the caller.
pub fn evaluate<'p>(
    policies: impl IntoIterator<Item = &'p PolicyDocument>,
    ctx: &RequestContext<'_>,
) -> Decision {
    let action = ctx.action.to_lowercase();
    let mut allowed = false;
    for p in policies {
        for s in &p.statements {
            if s.effect == Effect::Allow && allowed {
                continue;
            }
            if s.applies(ctx, &action) {
                match s.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Glob match with `*` and `?` (iterative, no allocation; `?` is one character of ASCII
/// text, one byte otherwise).
pub fn wildcard(pattern: &str, s: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The URN of a resource: `service:region:project:type:id`.
pub fn urn(service: &str, region: &str, project_id: &str, kind: &str, id: &str) -> String {
    format!("{service}:{region}:{project_id}:{kind}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(v: serde_json::Value) -> PolicyDocument {
        PolicyDocument::from_value(&v).unwrap_or_else(|e| panic!("valid: {e}"))
    }

    fn ctx<'a>(
        action: &'a str,
        resource: &'a str,
        values: &'a HashMap<String, Vec<String>>,
    ) -> RequestContext<'a> {
        RequestContext {
            action,
            resource,
            values,
        }
    }

    fn vals(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    const SG: &str = "workspace:cn-north-4:p1:serverGroup:sg1";

    #[test]
    fn wildcards() {
        assert!(wildcard("workspace:*:*:serverGroup:*", SG));
        assert!(wildcard("*", ""));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "abbc"));
        assert!(wildcard("*:get", "workspace:servergroup:get"));
        assert!(!wildcard("workspace:*:*:appGroup:*", SG));
        assert!(wildcard("a*b*c", "axxbyyc"));
        assert!(!wildcard("a*b*c", "axxbyy"));
    }

    #[test]
    fn deny_beats_allow_and_nothing_means_no() {
        let v = HashMap::new();
        let allow = doc(serde_json::json!({"Version": "5.0", "Statement": [
            {"Effect": "Allow", "Action": ["workspace:serverGroup:*"], "Resource": ["workspace:*:*:serverGroup:*"]}]}));
        let deny = doc(serde_json::json!({"Version": "5.0", "Statement": [
            {"Effect": "Deny", "Action": "workspace:serverGroup:delete"}]}));
        let c = ctx("workspace:serverGroup:delete", SG, &v);
        assert_eq!(evaluate([&allow], &c), Decision::Allow);
        assert_eq!(evaluate([&allow, &deny], &c), Decision::ExplicitDeny);
        assert_eq!(evaluate([&deny, &allow], &c), Decision::ExplicitDeny);
        let g = ctx("workspace:serverGroup:get", SG, &v);
        assert_eq!(evaluate([&allow, &deny], &g), Decision::Allow);
        assert_eq!(evaluate([], &g), Decision::ImplicitDeny);
        assert_eq!(
            evaluate([&allow], &ctx("workspace:appGroup:get", SG, &v)),
            Decision::ImplicitDeny
        );
        // Actions are case-insensitive; NotAction inverts.
        assert_eq!(
            evaluate([&allow], &ctx("WORKSPACE:SERVERGROUP:GET", SG, &v)),
            Decision::Allow
        );
        let not = doc(serde_json::json!({"Version": "5.0", "Statement": [
            {"Effect": "Allow", "NotAction": ["workspace:serverGroup:delete"]}]}));
        assert_eq!(evaluate([&not], &g), Decision::Allow);
        assert_eq!(evaluate([&not], &c), Decision::ImplicitDeny);
    }

    #[test]
    fn each_condition_operator_allows_and_refuses() {
        let p = |op: &str, key: &str, values: serde_json::Value| {
            doc(serde_json::json!({"Version": "5.0", "Statement": [
                {"Effect": "Allow", "Action": "*", "Condition": {op: {key: values}}}]}))
        };
        let check = |pol: &PolicyDocument, v: &HashMap<String, Vec<String>>| {
            evaluate([pol], &ctx("workspace:serverGroup:get", SG, v)) == Decision::Allow
        };
        let cad = vals(&[
            ("g:ResourceTag/team", &["cad"]),
            ("g:EnterpriseProjectId", &["ep1"]),
        ]);
        let ops = vals(&[
            ("g:ResourceTag/team", &["ops"]),
            ("g:EnterpriseProjectId", &["0"]),
        ]);
        let none = vals(&[]);
        let eq = p(
            "StringEquals",
            "g:ResourceTag/team",
            serde_json::json!(["cad", "cae"]),
        );
        assert!(check(&eq, &cad) && !check(&eq, &ops) && !check(&eq, &none));
        let ne = p(
            "StringNotEquals",
            "g:ResourceTag/team",
            serde_json::json!("cad"),
        );
        assert!(!check(&ne, &cad) && check(&ne, &ops) && check(&ne, &none));
        let like = p(
            "StringLike",
            "g:EnterpriseProjectId",
            serde_json::json!("ep*"),
        );
        assert!(check(&like, &cad) && !check(&like, &ops));
        let ic = p(
            "StringEqualsIgnoreCase",
            "G:RESOURCETAG/TEAM",
            serde_json::json!("CAD"),
        );
        assert!(check(&ic, &cad) && !check(&ic, &ops));
        let if_exists = p(
            "StringEqualsIfExists",
            "g:ResourceTag/team",
            serde_json::json!("cad"),
        );
        assert!(check(&if_exists, &cad) && !check(&if_exists, &ops) && check(&if_exists, &none));
        let null = p("Null", "g:ResourceTag/team", serde_json::json!("true"));
        assert!(!check(&null, &cad) && check(&null, &none));
        let b = p("Bool", "g:MFAPresent", serde_json::json!("true"));
        assert!(check(&b, &vals(&[("g:MFAPresent", &["true"])])) && !check(&b, &none));
        let n = p("NumberLessThan", "g:Count", serde_json::json!("5"));
        assert!(
            check(&n, &vals(&[("g:Count", &["3"])])) && !check(&n, &vals(&[("g:Count", &["7"])]))
        );
        // Tag keys: every key sent must be allowed / at least one must be.
        let all = p(
            "ForAllValues:StringEquals",
            "g:TagKeys",
            serde_json::json!(["team", "env"]),
        );
        assert!(check(&all, &vals(&[("g:TagKeys", &["team"])])));
        assert!(!check(&all, &vals(&[("g:TagKeys", &["team", "owner"])])));
        assert!(check(&all, &none), "ForAllValues holds vacuously");
        let any = p(
            "ForAnyValue:StringEquals",
            "g:TagKeys",
            serde_json::json!(["team"]),
        );
        assert!(check(&any, &vals(&[("g:TagKeys", &["owner", "team"])])));
        assert!(!check(&any, &vals(&[("g:TagKeys", &["owner"])])) && !check(&any, &none));
        // Keys and operators all must hold.
        let both = doc(
            serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "*",
            "Condition": {"StringEquals": {"g:ResourceTag/team": "cad", "g:EnterpriseProjectId": "ep1"}}}]}),
        );
        assert!(check(&both, &cad));
        assert!(!check(
            &both,
            &vals(&[
                ("g:ResourceTag/team", &["cad"]),
                ("g:EnterpriseProjectId", &["0"])
            ])
        ));
    }

    #[test]
    fn malformed_policies_are_refused_with_a_reason() {
        for (v, why) in [
            (serde_json::json!({"Statement": []}), "Version"),
            (
                serde_json::json!({"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": "*"}]}),
                "5.0",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": []}),
                "1 to",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Maybe", "Action": "*"}]}),
                "Effect",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow"}]}),
                "Action",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "bad action"}]}),
                "service:",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringSoundsLike": {"a": "b"}}}]}),
                "operator",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"a": "maybe"}}}]}),
                "true or false",
            ),
            (
                serde_json::json!({"Version": "5.0", "Statement": [{"Effect": "Allow", "Action": "*", "Principal": "x"}]}),
                "Principal",
            ),
        ] {
            let e = PolicyDocument::from_value(&v).expect_err("refused");
            assert_eq!(e.code, Reason::InvalidPolicy);
            assert!(e.message.contains(why), "{why}: {}", e.message);
        }
        assert!(PolicyDocument::parse("not json").is_err());
        assert!(PolicyDocument::parse(&" ".repeat(MAX_POLICY_BYTES + 1)).is_err());
    }
}
