//! Accounts, projects, users and access keys: who is calling.

use serde::{Deserialize, Serialize};

/// An account (IAM domain) with its one project in the configured region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Project {
    /// 32 lower-case hex.
    pub id: String,
    /// The project name: the region id, as on the vendor cloud (`cn-north-4`).
    pub name: String,
    /// The owning account.
    pub account_id: String,
    /// The owning account's name.
    pub account_name: String,
    /// Creation time.
    pub created_at: String,
}

/// An IAM user of an account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub id: String,
    /// User name, unique in the account.
    pub name: String,
    /// The account.
    pub account_id: String,
    /// The account's administrator: allowed everything.
    pub is_admin: bool,
    /// salt$hex(sha256(salt || password)).
    pub password_hash: String,
}

/// An access key pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessKey {
    /// AK.
    pub access_key: String,
    /// SK.
    pub secret_key: String,
    /// The user it belongs to.
    pub user_id: String,
    /// The user's account.
    pub account_id: String,
    /// `active` or `inactive`.
    pub status: String,
}

/// What the first start creates (or finds again on later starts).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bootstrap {
    /// The account's name.
    pub account_name: String,
    /// The project.
    pub project: Project,
    /// The admin user.
    pub admin: User,
    /// The admin's key pair.
    pub key: AccessKey,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's account.
    pub account_id: String,
    /// The caller's user.
    pub user_id: String,
    /// Whether the caller is the account's administrator.
    pub is_admin: bool,
}

/// Whether `s` is a well-formed project id (32 lower-case hex characters).
pub fn is_project_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
