//! openwks extensions (not vendor APIs), under `/openwks/v1/...`; documented in
//! `docs/extensions.md`.

use serde::{Deserialize, Serialize};

/// Body of `POST /openwks/v1/{project_id}/user-groups`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateUserGroupReq {
    pub name: Option<String>,
    pub description: Option<String>,
    pub members: Option<Vec<String>>,
}

/// Body of member changes: `{"users": [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserGroupMembersReq {
    pub users: Option<Vec<String>>,
}

/// A user group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
    pub create_at: String,
}

/// Answer of the access check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessCheck {
    pub user_name: String,
    pub app_group_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    pub authorized: bool,
    /// Why not, when `authorized` is false.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// A hypervisor host in the admin view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostView {
    pub id: String,
    pub availability_zone: String,
    pub vcpus: u32,
    pub vcpus_used: u32,
    pub memory_mb: u64,
    pub memory_mb_used: u64,
    pub gpus: u32,
    pub gpus_used: u32,
    pub servers: Vec<String>,
}

/// `GET /openwks/v1/hosts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListHostsResponse {
    pub count: i64,
    pub hosts: Vec<HostView>,
}
