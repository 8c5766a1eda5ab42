//! ECS server groups (seed `ecs-create-server-group.txt`, sdk-surface.md §3): anti-affinity
//! groups of ECSs. Only `anti-affinity` is supported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Reason, Result};

/// The only policy (seed: "Only anti-affinity groups are supported").
pub const ANTI_AFFINITY: &str = "anti-affinity";

/// An ECS server group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EcsServerGroup {
    /// UUID.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// 1–255 characters.
    pub name: String,
    /// `["anti-affinity"]`.
    pub policies: Vec<String>,
    /// Metadata.
    pub metadata: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: String,
}

/// An ECS-dialect 400 (`Ecs.0005`).
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Invalid, Reason::EcsInvalid, message)
}

/// Validate a create request: name 1–255 characters (seed Table 3, "Range: 1 to 255
/// characters"; the SDK's docstring says bytes, the seed's table wins), no control characters,
/// policies exactly `["anti-affinity"]`.
pub fn validate_create(
    name: Option<String>,
    policies: Option<Vec<String>>,
    id: String,
    project_id: String,
    now: String,
) -> Result<EcsServerGroup> {
    let name = name.ok_or_else(|| invalid("server_group.name is required"))?;
    let n = name.chars().count();
    if n == 0 || n > 255 {
        return Err(invalid(format!(
            "server_group.name must be 1 to 255 characters, got {n}"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "server_group.name must not contain control characters",
        ));
    }
    let policies = policies.ok_or_else(|| invalid("server_group.policies is required"))?;
    if policies.len() != 1 || policies[0] != ANTI_AFFINITY {
        return Err(invalid(format!(
            "server_group.policies must be [\"anti-affinity\"]: only anti-affinity groups are supported, got {policies:?}"
        )));
    }
    Ok(EcsServerGroup {
        id,
        project_id,
        name,
        policies,
        metadata: BTreeMap::new(),
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_anti_affinity_and_names_of_1_to_255_characters() {
        let ok = |n: &str, p: &[&str]| {
            validate_create(
                Some(n.into()),
                Some(p.iter().map(|s| s.to_string()).collect()),
                "i".into(),
                "p".into(),
                "t".into(),
            )
        };
        assert!(ok("test", &["anti-affinity"]).is_ok());
        for bad in [
            ok("", &["anti-affinity"]),
            ok(&"n".repeat(256), &["anti-affinity"]),
            ok("tab\tname", &["anti-affinity"]),
            ok("t", &["affinity"]),
            ok("t", &["soft-anti-affinity"]),
            ok("t", &[]),
            ok("t", &["anti-affinity", "anti-affinity"]),
        ] {
            assert_eq!(bad.expect_err("refused").code, Reason::EcsInvalid);
        }
        // The seed's table says 1 to 255 *characters*: 86 CJK characters (258 bytes) pass.
        assert!(ok(&"名".repeat(86), &["anti-affinity"]).is_ok());
        assert!(ok(&"名".repeat(255), &["anti-affinity"]).is_ok());
        assert!(ok(&"名".repeat(256), &["anti-affinity"]).is_err());
    }
}
