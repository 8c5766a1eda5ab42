//! The IAM (Keystone v3) subset openwks serves: `GET /v3/projects` and `POST /v3/auth/tokens`.

use serde::{Deserialize, Serialize};

/// A project as `GET /v3/projects` lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeystoneProject {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub enabled: bool,
    pub is_domain: bool,
    pub parent_id: String,
    pub description: String,
}

/// `{"projects": [...]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListProjectsResponse {
    pub projects: Vec<KeystoneProject>,
}

/// `{"name"}` or `{"id"}` of a domain.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NameOrId {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// `auth.identity.password.user`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PasswordUser {
    pub id: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub domain: Option<NameOrId>,
}

/// `auth.identity.password`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PasswordIdentity {
    pub user: Option<PasswordUser>,
}

/// `auth.identity`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identity {
    pub methods: Option<Vec<String>>,
    pub password: Option<PasswordIdentity>,
}

/// `auth.scope.project`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScopeProject {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// `auth.scope`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Scope {
    pub project: Option<ScopeProject>,
}

/// `auth`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Auth {
    pub identity: Option<Identity>,
    pub scope: Option<Scope>,
}

/// Body of `POST /v3/auth/tokens`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    pub auth: Option<Auth>,
}

/// `token.user` / `token.project` members.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenEntity {
    pub id: String,
    pub name: String,
    pub domain: TokenDomain,
}

/// `{id, name}` of the account (domain).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenDomain {
    pub id: String,
    pub name: String,
}

/// `token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Token {
    pub methods: Vec<String>,
    pub expires_at: String,
    pub issued_at: String,
    pub user: TokenEntity,
    pub project: TokenEntity,
    pub catalog: Vec<serde_json::Value>,
    pub roles: Vec<serde_json::Value>,
}

/// Response of `POST /v3/auth/tokens` (the token itself is in `X-Subject-Token`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: Token,
}
