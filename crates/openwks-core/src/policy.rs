//! Policy groups and templates (issue #18): the vendor's policy model, its rules, its defaults,
//! and the effective policy of a session.
//!
//! The model is the vendor's `Policies` definition and the 61 definitions it references (audio,
//! bandwidth, clipboard and file transfer, display, peripherals, printing, session timeouts,
//! folder redirection, …), kept as data (`data/policy-schema.json`, regenerated from the
//! vendor's definitions by `scripts/policy-schema.py`): every policy document is checked
//! against it (types, ranges, lengths, enumerations; an unknown field is refused, naming its
//! path), and `show_original_policy_info` answers its defaults. The effective policy of a
//! session is the defaults overlaid, field by field, with the groups that apply to it, in the
//! order `docs/policies.md` writes down; each field remembers the group that set it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Reason, Result};

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(include_str!("../data/policy-schema.json")).unwrap_or(Value::Null)
    })
}

/// The definition a schema node stands for (following one `$ref`).
fn resolve(node: &Value) -> &Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or(r);
            schema().get(name).unwrap_or(&Value::Null)
        }
        None => node,
    }
}

fn invalid(reason: Reason, msg: String) -> Error {
    Error::invalid(reason, msg)
}

fn check(v: &Value, node: &Value, path: &str) -> Result<()> {
    let node = resolve(node);
    if v.is_null() {
        return Ok(());
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        let obj = v.as_object().ok_or_else(|| {
            invalid(
                Reason::InvalidParameter,
                format!("{path} must be an object"),
            )
        })?;
        for (k, x) in obj {
            let p = format!("{path}.{k}");
            let sub = props.get(k).ok_or_else(|| {
                invalid(
                    Reason::InvalidParameter,
                    format!("{p} is not a policy field"),
                )
            })?;
            check(x, sub, &p)?;
        }
        return Ok(());
    }
    match node.get("type").and_then(Value::as_str) {
        Some("boolean") if !v.is_boolean() => Err(invalid(
            Reason::InvalidParameter,
            format!("{path} must be true or false"),
        )),
        Some("integer") => {
            let n = v.as_i64().ok_or_else(|| {
                invalid(
                    Reason::InvalidParameter,
                    format!("{path} must be an integer"),
                )
            })?;
            let lo = node.get("minimum").and_then(Value::as_i64);
            let hi = node.get("maximum").and_then(Value::as_i64);
            if lo.is_some_and(|lo| n < lo) || hi.is_some_and(|hi| n > hi) {
                return Err(invalid(
                    Reason::OutOfRange,
                    format!(
                        "{path} must be {} to {}, not {n}",
                        lo.map_or("any".into(), |x| x.to_string()),
                        hi.map_or("any".into(), |x| x.to_string())
                    ),
                ));
            }
            Ok(())
        }
        Some("string") => {
            let s = v.as_str().ok_or_else(|| {
                invalid(Reason::InvalidParameter, format!("{path} must be a string"))
            })?;
            if let Some(e) = node.get("enum").and_then(Value::as_array) {
                if !e.iter().any(|x| x.as_str() == Some(s)) {
                    let allowed: Vec<&str> = e.iter().filter_map(Value::as_str).collect();
                    return Err(invalid(
                        Reason::InvalidEnum,
                        format!("{path} must be one of {}, not {s:?}", allowed.join(", ")),
                    ));
                }
            }
            let n = s.chars().count() as i64;
            let lo = node.get("minLength").and_then(Value::as_i64).unwrap_or(0);
            let hi = node
                .get("maxLength")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            if n < lo || n > hi {
                return Err(invalid(
                    Reason::InvalidParameter,
                    format!("{path} must be {lo} to {hi} characters"),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Check a policy document (`policies`) against the vendor's model.
pub fn validate(policies: &Value) -> Result<()> {
    if !policies.is_object() {
        return Err(invalid(
            Reason::InvalidParameter,
            "policies must be an object".into(),
        ));
    }
    check(
        policies,
        schema().get("Policies").unwrap_or(&Value::Null),
        "policies",
    )
}

fn defaults_of(node: &Value) -> Option<Value> {
    let node = resolve(node);
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        let out: Map<String, Value> = props
            .iter()
            .filter_map(|(k, s)| defaults_of(s).map(|v| (k.clone(), v)))
            .collect();
        return (!out.is_empty()).then_some(Value::Object(out));
    }
    node.get("default").cloned()
}

/// The initial policy: every field the vendor's model gives a default, with that default
/// (`show_original_policy_info`).
pub fn defaults() -> Value {
    static DEFAULTS: OnceLock<Value> = OnceLock::new();
    DEFAULTS
        .get_or_init(|| {
            schema()
                .get("Policies")
                .and_then(defaults_of)
                .unwrap_or_else(|| Value::Object(Map::new()))
        })
        .clone()
}

/// The policy's top-level sections (`audio`, `session`, …): what `policy_type` names.
pub fn sections() -> Vec<&'static str> {
    schema()
        .get("Policies")
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Every leaf of a policy document: `(path, value)`, paths joined with `.`.
pub fn leaves(v: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
        match v.as_object() {
            Some(o) => {
                for (k, x) in o {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            None if !v.is_null() => out.push((path.to_string(), v.clone())),
            None => {}
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

fn set(doc: &mut Value, path: &str, v: Value) {
    let mut at = doc;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Some(o) = at.as_object_mut() else { return };
        if i + 1 == parts.len() {
            o.insert((*p).to_string(), v);
            return;
        }
        at = o
            .entry((*p).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Whom a policy group applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TargetType {
    /// Everyone (`target_id` `default-apply-all-targets`): the least specific.
    #[serde(rename = "ALL")]
    All,
    /// The sessions on servers of an organisational unit.
    #[serde(rename = "OU")]
    Ou,
    /// The sessions of an app group.
    #[serde(rename = "APPGROUP")]
    AppGroup,
    /// The members of a user group.
    #[serde(rename = "USERGROUP")]
    UserGroup,
    /// One user: the most specific.
    #[serde(rename = "USER")]
    User,
}

impl TargetType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Ou => "OU",
            Self::AppGroup => "APPGROUP",
            Self::UserGroup => "USERGROUP",
            Self::User => "USER",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "ALL" => Self::All,
            "OU" => Self::Ou,
            "APPGROUP" => Self::AppGroup,
            "USERGROUP" => Self::UserGroup,
            "USER" => Self::User,
            _ => {
                return Err(invalid(
                    Reason::InvalidEnum,
                    format!("target_type must be USER, USERGROUP, APPGROUP, OU or ALL, not {s:?}"),
                ))
            }
        })
    }
}

/// The `target_id` of the `ALL` target.
pub const ALL_TARGETS_ID: &str = "default-apply-all-targets";

/// A target of a policy group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Its kind.
    pub target_type: TargetType,
    /// Its id.
    pub target_id: String,
    /// Its name.
    pub target_name: String,
}

/// A policy group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyGroup {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Name (unique in the project).
    pub name: String,
    /// Description.
    pub description: String,
    /// 1 (first) to 99,999.
    pub priority: u32,
    /// Whom it applies to.
    pub targets: Vec<Target>,
    /// Its policy document (the fields it sets).
    pub policies: Value,
    /// Created (RFC 3339).
    pub create_time: String,
    /// Changed (RFC 3339).
    pub update_time: String,
}

/// A policy template: a named policy document to start groups from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyTemplate {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Name (unique in the project).
    pub name: String,
    /// Description.
    pub description: String,
    /// Its policy document.
    pub policies: Value,
    /// Created (RFC 3339).
    pub create_time: String,
    /// Changed (RFC 3339).
    pub update_time: String,
}

/// A policy group's name: 1–55 letters, digits and `_` (the vendor's pattern).
pub fn check_group_name(name: &str) -> Result<()> {
    let ok = (1..=55).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            Reason::InvalidName,
            format!("policy_group_name must be 1 to 55 letters, digits or '_', not {name:?}"),
        ))
    }
}

/// A template's name: 1–55 letters, digits, Chinese characters, `_`, `-`, `(`, `)` and
/// spaces, not starting or ending with a space (the vendor's pattern).
pub fn check_template_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    let ok = (1..=55).contains(&n)
        && !name.starts_with(char::is_whitespace)
        && !name.ends_with(char::is_whitespace)
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "_-() ".contains(c)
                || ('\u{4e00}'..='\u{9fa5}').contains(&c)
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            Reason::InvalidName,
            format!("policy_group_name must be 1 to 55 letters, digits, Chinese characters, '_', '-', '(', ')' or inner spaces, not {name:?}"),
        ))
    }
}

/// Who is asking: what a session is matched against.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The user's name.
    pub user_name: String,
    /// The user groups the user belongs to (names, unique in a project: a `USERGROUP`
    /// target's name is the group's, set when the target is written).
    pub user_groups: Vec<String>,
    /// The app group opened.
    pub app_group_id: String,
    /// The OU of the server group that serves it.
    pub ou_name: String,
}

/// The most specific target of `g` that applies to `s`, if any.
pub fn applies(g: &PolicyGroup, s: &Subject) -> Option<TargetType> {
    g.targets
        .iter()
        .filter(|t| match t.target_type {
            TargetType::All => true,
            TargetType::Ou => !s.ou_name.is_empty() && t.target_name == s.ou_name,
            TargetType::AppGroup => t.target_id == s.app_group_id,
            TargetType::UserGroup => s.user_groups.contains(&t.target_name),
            TargetType::User => t.target_name == s.user_name || t.target_id == s.user_name,
        })
        .map(|t| t.target_type)
        .max()
}

/// Who set one field of an effective policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The group; `None` for the initial policy's default.
    pub policy_group_id: Option<String>,
    /// Its name (`default` for the initial policy).
    pub policy_group_name: String,
    /// Its priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// The target through which it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
}

/// An effective policy and, per field path (`session.sbc.sbc_automatic_disconnection`), who
/// set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The policy.
    pub policies: Value,
    /// Per field, the group that set it, or the default.
    pub sources: BTreeMap<String, Source>,
}

/// The effective policy of a session: the initial policy, then, field by field, the groups
/// that apply to `subject`. A field set by several groups takes the value of the group with
/// the best priority (1 first); at equal priority the more specific target (USER, USERGROUP,
/// APPGROUP, OU, ALL), then the newer group. Answers the policy and who set each field.
pub fn effective(groups: &[PolicyGroup], subject: &Subject) -> Effective {
    let mut doc = defaults();
    let mut sources: BTreeMap<String, Source> = leaves(&doc)
        .into_iter()
        .map(|(p, _)| {
            (
                p,
                Source {
                    policy_group_id: None,
                    policy_group_name: "default".into(),
                    priority: None,
                    target_type: None,
                },
            )
        })
        .collect();
    let mut applying: Vec<(usize, &PolicyGroup, TargetType)> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| applies(g, subject).map(|t| (i, g, t)))
        .collect();
    // Weakest first, so that stronger groups overwrite: worse priority first, then the less
    // specific target, then the older group (the list is oldest first).
    applying.sort_by(|a, b| {
        b.1.priority
            .cmp(&a.1.priority)
            .then(a.2.cmp(&b.2))
            .then(a.0.cmp(&b.0))
    });
    for (_, g, t) in applying {
        for (path, v) in leaves(&g.policies) {
            set(&mut doc, &path, v);
            sources.insert(
                path,
                Source {
                    policy_group_id: Some(g.id.clone()),
                    policy_group_name: g.name.clone(),
                    priority: Some(g.priority),
                    target_type: Some(t),
                },
            );
        }
    }
    Effective {
        policies: doc,
        sources,
    }
}

/// The session timeouts an effective policy asks for: how long a disconnected session is kept
/// before it is logged off (`None`: kept until the user logs off), in minutes.
pub fn logout_after_minutes(policies: &Value, default_minutes: i64) -> Option<i64> {
    let sbc = &policies["session"]["sbc"];
    let opts = &sbc["sbc_automatic_disconnection_options"];
    if opts["sbc_auto_logout"].as_bool() == Some(false) {
        return None;
    }
    Some(
        opts["auto_logout_options"]["sbc_logout_waiting_time"]
            .as_i64()
            .unwrap_or(default_minutes),
    )
}

/// The disconnect timeout a session keeps under an effective policy, as a session stores it:
/// `None` for the default ([`crate::session::DISCONNECT_TIMEOUT_MS`]),
/// [`crate::session::KEEP_DISCONNECTED`] when the policy keeps disconnected sessions.
pub fn disconnect_timeout_ms(policies: &Value) -> Option<i64> {
    let default = crate::session::DISCONNECT_TIMEOUT_MS;
    match logout_after_minutes(policies, default / 60_000) {
        None => Some(crate::session::KEEP_DISCONNECTED),
        Some(m) if m * 60_000 == default => None,
        Some(m) => Some(m.saturating_mul(60_000)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn group(
        id: &str,
        priority: u32,
        targets: &[(TargetType, &str)],
        policies: Value,
    ) -> PolicyGroup {
        PolicyGroup {
            id: id.into(),
            project_id: "p".into(),
            name: format!("g_{id}"),
            description: String::new(),
            priority,
            targets: targets
                .iter()
                .map(|(t, n)| Target {
                    target_type: *t,
                    target_id: (*n).into(),
                    target_name: (*n).into(),
                })
                .collect(),
            policies,
            create_time: String::new(),
            update_time: String::new(),
        }
    }

    #[test]
    fn the_model_is_the_vendors_and_has_its_defaults() {
        let d = defaults();
        assert_eq!(
            d["session"]["sbc"]["sbc_automatic_disconnection"],
            "AUTO_DISCONNECT"
        );
        assert_eq!(d["audio"]["audio_redirection_enable"], true);
        assert!(leaves(&d).len() > 90, "{}", leaves(&d).len());
        validate(&d).expect("the defaults are valid");
    }

    #[test]
    fn documents_are_checked_field_by_field() {
        validate(&json!({"session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}}}))
            .expect("valid");
        for (doc, reason, path) in [
            (
                json!({"session": {"sbc": {"sbc_automatic_disconnection": "NEVER"}}}),
                Reason::InvalidEnum,
                "policies.session.sbc.sbc_automatic_disconnection",
            ),
            (
                json!({"audio": {"audio_redirection_enable": "yes"}}),
                Reason::InvalidParameter,
                "policies.audio.audio_redirection_enable",
            ),
            (
                json!({"session": {"sbc": {"sbc_automatic_disconnection_options": {"disconnection_waiting_time": 1}}}}),
                Reason::OutOfRange,
                "disconnection_waiting_time",
            ),
            (
                json!({"audio": {"volume": 3}}),
                Reason::InvalidParameter,
                "policies.audio.volume",
            ),
            (
                json!({"nonsense": {}}),
                Reason::InvalidParameter,
                "policies.nonsense",
            ),
            (json!([1]), Reason::InvalidParameter, "policies"),
        ] {
            let e = validate(&doc).expect_err(path);
            assert_eq!(e.code, reason, "{}", e.message);
            assert!(e.message.contains(path), "{}", e.message);
        }
    }

    #[test]
    fn the_best_priority_wins_then_the_most_specific_target() {
        let s = Subject {
            user_name: "ann".into(),
            user_groups: vec!["night-shift".into()],
            app_group_id: "ag-1".into(),
            ou_name: "sales".into(),
        };
        let lock = |v: &str| json!({"session": {"sbc": {"sbc_automatic_disconnection": v}}});
        let groups = vec![
            group(
                "all",
                10,
                &[(TargetType::All, ALL_TARGETS_ID)],
                lock("DISABLED"),
            ),
            group("user", 10, &[(TargetType::User, "ann")], lock("AUTO_LOCK")),
            group("other", 1, &[(TargetType::User, "ben")], lock("DISABLED")),
            group(
                "ag",
                5,
                &[(TargetType::AppGroup, "ag-1")],
                json!({"audio": {"audio_redirection_enable": false}}),
            ),
        ];
        let Effective {
            policies: doc,
            sources: who,
        } = effective(&groups, &s);
        let path = "session.sbc.sbc_automatic_disconnection";
        assert_eq!(
            doc["session"]["sbc"]["sbc_automatic_disconnection"],
            "AUTO_LOCK"
        );
        assert_eq!(who[path].policy_group_id.as_deref(), Some("user"));
        assert_eq!(who[path].target_type, Some(TargetType::User));
        assert_eq!(doc["audio"]["audio_redirection_enable"], false);
        assert_eq!(who["audio.audio_redirection_enable"].priority, Some(5));
        assert_eq!(who["display.display_level"].policy_group_name, "default");
        // A better priority beats a more specific target.
        let mut g = groups.clone();
        g[0].priority = 2;
        let Effective {
            policies: doc,
            sources: who,
        } = effective(&g, &s);
        assert_eq!(
            doc["session"]["sbc"]["sbc_automatic_disconnection"],
            "DISABLED"
        );
        assert_eq!(who[path].policy_group_id.as_deref(), Some("all"));
        // Nothing applies to another user's unrelated session but ALL.
        let other = Subject {
            user_name: "cat".into(),
            ..Subject::default()
        };
        let who = effective(&groups, &other).sources;
        assert_eq!(who[path].policy_group_id.as_deref(), Some("all"));
    }

    #[test]
    fn session_timeouts_come_from_the_policy() {
        let d = defaults();
        assert_eq!(logout_after_minutes(&d, 15), Some(15));
        let p = json!({"session": {"sbc": {"sbc_automatic_disconnection_options": {"auto_logout_options": {"sbc_logout_waiting_time": 120}}}}});
        assert_eq!(logout_after_minutes(&p, 15), Some(120));
        assert_eq!(disconnect_timeout_ms(&p), Some(120 * 60_000));
        assert_eq!(disconnect_timeout_ms(&d), None, "the default");
        let p = json!({"session": {"sbc": {"sbc_automatic_disconnection_options": {"sbc_auto_logout": false}}}});
        assert_eq!(logout_after_minutes(&p, 15), None);
        assert_eq!(
            disconnect_timeout_ms(&p),
            Some(crate::session::KEEP_DISCONNECTED)
        );
    }

    #[test]
    fn names_follow_the_vendor_patterns() {
        check_group_name("office_2024").expect("group");
        for bad in ["", "a b", "a-b", &"x".repeat(56)] {
            assert!(check_group_name(bad).is_err(), "{bad:?}");
        }
        check_template_name("办公 模板 (v2)-1").expect("template");
        for bad in ["", " a", "a ", "a.b"] {
            assert!(check_template_name(bad).is_err(), "{bad:?}");
        }
    }
}
