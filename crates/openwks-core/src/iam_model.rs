//! The IAM directory of an account (issue #6): users beyond the bootstrap administrator, their
//! access keys, IAM groups, identity policies and their attachments, and the audit trail.
//! Pure records and the rules of their fields.

use serde::{Deserialize, Serialize};

use crate::error::Reason;
use crate::{Error, Result};

/// An IAM user as the administration route shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    /// Id.
    pub id: String,
    /// Name, unique in the account.
    pub name: String,
    /// The account.
    pub account_id: String,
    /// The account's administrator (allowed everything; cannot be disabled or deleted).
    pub is_admin: bool,
    /// Disabled users cannot authenticate (keys and passwords are refused).
    pub enabled: bool,
    /// Creation time.
    pub created_at: String,
}

/// An access key as listed (the secret is shown only when it is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamKey {
    /// AK.
    pub access_key: String,
    /// Its user.
    pub user_id: String,
    /// `active` or `inactive`.
    pub status: String,
    /// Creation time.
    pub created_at: String,
}

/// An identity policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamPolicy {
    /// Id.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// Name, unique in the account.
    pub name: String,
    /// Description.
    pub description: String,
    /// The document as sent (JSON text, checked by [`crate::iam::PolicyDocument::parse`]).
    pub document: String,
    /// Creation time.
    pub created_at: String,
}

/// An IAM user group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamGroup {
    /// Id.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// Name, unique in the account.
    pub name: String,
    /// Description.
    pub description: String,
    /// Member user ids (sorted).
    #[serde(default)]
    pub members: Vec<String>,
    /// Creation time.
    pub created_at: String,
}

/// Who a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user.
    User,
    /// An IAM group (its members get the policy).
    Group,
}

impl Principal {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Group => "GROUP",
        }
    }
}

/// One audit event: a write, or a denied request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Id (32 hex).
    pub id: String,
    /// When (wire time) and epoch ms.
    pub time: String,
    /// Epoch ms.
    pub time_ms: i64,
    /// The account.
    pub account_id: String,
    /// The caller.
    pub user_id: String,
    /// Its name.
    pub user_name: String,
    /// The action (`workspace:serverGroup:create`), or `METHOD /path` when unmapped.
    pub action: String,
    /// The resource URN, or `*`.
    pub resource: String,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// `allowed` or `denied`.
    pub result: String,
    /// Why it was denied (empty otherwise).
    pub reason: String,
    /// The request's `X-Request-Id`.
    pub request_id: String,
}

/// Filters of the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exact user id or name.
    pub user: Option<String>,
    /// Exact action.
    pub action: Option<String>,
    /// Resource URN substring.
    pub resource: Option<String>,
    /// `allowed` or `denied`.
    pub result: Option<String>,
    /// From (epoch ms, inclusive).
    pub from_ms: Option<i64>,
    /// To (epoch ms, inclusive).
    pub to_ms: Option<i64>,
}

impl AuditFilter {
    /// Whether `e` passes.
    pub fn matches(&self, e: &AuditEvent) -> bool {
        self.user
            .as_ref()
            .is_none_or(|u| *u == e.user_id || *u == e.user_name)
            && self.action.as_ref().is_none_or(|a| *a == e.action)
            && self
                .resource
                .as_ref()
                .is_none_or(|r| e.resource.contains(r.as_str()))
            && self.result.as_ref().is_none_or(|r| *r == e.result)
            && self.from_ms.is_none_or(|f| e.time_ms >= f)
            && self.to_ms.is_none_or(|t| e.time_ms <= t)
    }
}

/// An IAM name (user, group, policy): 1–64 letters, digits, `_`, `-`, `.`, `@`.
pub fn check_iam_name(field: &str, v: &str) -> Result<()> {
    let ok = !v.is_empty()
        && v.chars().count() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if !ok {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!("{field} must be 1 to 64 letters, digits, _, -, . or @"),
        ));
    }
    Ok(())
}

/// A password: 8–128 characters.
pub fn check_password(v: &str) -> Result<()> {
    let n = v.chars().count();
    if !(8..=128).contains(&n) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "password must be 8 to 128 characters long",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_passwords_and_filters() {
        assert!(check_iam_name("name", "cad.viewer@acme").is_ok());
        assert!(check_iam_name("name", "").is_err());
        assert!(check_iam_name("name", "bad name").is_err());
        assert!(check_iam_name("name", &"x".repeat(65)).is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
        let e = AuditEvent {
            id: "1".into(),
            time: "t".into(),
            time_ms: 100,
            account_id: "a".into(),
            user_id: "u1".into(),
            user_name: "bob".into(),
            action: "workspace:serverGroup:delete".into(),
            resource: "workspace:r:p:serverGroup:sg1".into(),
            method: "DELETE".into(),
            path: "/v1/p/app-server-groups/sg1".into(),
            status: 403,
            result: "denied".into(),
            reason: "no".into(),
            request_id: "r".into(),
        };
        assert!(AuditFilter::default().matches(&e));
        let by_name = AuditFilter {
            user: Some("bob".into()),
            result: Some("denied".into()),
            resource: Some("sg1".into()),
            ..Default::default()
        };
        assert!(by_name.matches(&e));
        let later = AuditFilter {
            from_ms: Some(101),
            ..Default::default()
        };
        assert!(!later.matches(&e));
    }
}
