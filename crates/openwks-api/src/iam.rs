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

/// IAM v5 (the identity-policy API): the subset openwks serves, under the vendor's names.
pub mod v5 {
    use serde::{Deserialize, Serialize};

    /// `POST /v5/users`.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct CreateUserReq {
        pub name: Option<String>,
        pub description: Option<String>,
        pub enabled: Option<bool>,
    }

    /// `PUT /v5/users/{user_id}`.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct UpdateUserReq {
        pub new_description: Option<String>,
        pub enabled: Option<bool>,
    }

    /// The v5 `User`.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct User {
        pub user_id: String,
        pub user_name: String,
        pub description: String,
        pub is_root_user: bool,
        pub enabled: bool,
        pub created_at: String,
        pub urn: String,
    }

    /// `{"user": ...}`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct UserResponse {
        pub user: User,
    }

    /// `GET /v5/users`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ListUsersResponse {
        pub users: Vec<User>,
        pub page_info: PageInfo,
    }

    /// The v5 `page_info` (openwks answers one page).
    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct PageInfo {
        pub next_marker: Option<String>,
        pub current_count: i64,
    }

    /// The v5 `AccessKey`.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct AccessKey {
        pub user_id: String,
        pub access_key_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub secret_access_key: Option<String>,
        pub status: String,
        pub created_at: String,
    }

    /// `{"access_key": ...}`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct AccessKeyResponse {
        pub access_key: AccessKey,
    }

    /// `GET /v5/users/{user_id}/access-keys`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ListAccessKeysResponse {
        pub access_keys: Vec<AccessKey>,
        pub page_info: PageInfo,
    }

    /// `PUT /v5/users/{user_id}/access-keys/{access_key_id}`.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct UpdateAccessKeyReq {
        pub status: Option<String>,
    }

    /// `POST /v5/policies`.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct CreatePolicyReq {
        pub policy_name: Option<String>,
        /// The document as a JSON string.
        pub policy_document: Option<String>,
        pub description: Option<String>,
    }

    /// The v5 `Policy` (custom identity policies).
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Policy {
        pub policy_type: String,
        pub policy_name: String,
        pub policy_id: String,
        pub urn: String,
        pub path: String,
        pub default_version_id: String,
        pub attachment_count: i64,
        pub description: String,
        pub created_at: String,
        pub updated_at: String,
    }

    /// `{"policy": ...}`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct PolicyResponse {
        pub policy: Policy,
    }

    /// `GET /v5/policies`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ListPoliciesResponse {
        pub policies: Vec<Policy>,
        pub page_info: PageInfo,
    }

    /// `POST /v5/policies/{policy_id}/attach-user` (and detach).
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct UserRef {
        pub user_id: Option<String>,
    }

    /// `POST /v5/policies/{policy_id}/attach-group` (and detach).
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct GroupRef {
        pub group_id: Option<String>,
    }

    /// `POST /v5/groups`.
    #[derive(Debug, Clone, Default, Deserialize)]
    pub struct CreateGroupReq {
        pub group_name: Option<String>,
        pub description: Option<String>,
    }

    /// The v5 `Group`.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct Group {
        pub group_id: String,
        pub group_name: String,
        pub description: String,
        pub created_at: String,
        pub urn: String,
    }

    /// `{"group": ...}`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct GroupResponse {
        pub group: Group,
    }
}
