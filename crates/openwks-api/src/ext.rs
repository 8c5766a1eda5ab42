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
    /// The first 1,000 members, sorted.
    pub members: Vec<String>,
    /// How many members the group has.
    pub member_count: i64,
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
    /// `up` or `down` (marked down by the administrator: takes no new servers).
    pub state: String,
    /// Why it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_reason: Option<String>,
    /// Since when it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_since: Option<String>,
}

/// Body of `POST /openwks/v1/_admin/hosts/{host_id}/fail`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailHostReq {
    pub reason: Option<String>,
}

/// Body of `POST /openwks/v1/{project_id}/app-servers/{server_id}/drain`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainReq {
    /// Why (1 to 255 characters).
    pub reason: Option<String>,
    /// Who (1 to 64 characters); the caller's user name by default.
    pub owner: Option<String>,
    /// How long, 1 to 10,080 minutes (a week); 60 by default.
    pub minutes: Option<i64>,
}

/// A drain as the extension routes and the app server's view show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DrainView {
    pub owner: String,
    pub reason: String,
    pub since: String,
    pub until: String,
}

/// Answer of the drain routes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainResponse {
    pub server_id: String,
    /// The drain now in force; `null` once ended.
    pub drain: Option<DrainView>,
}

/// `GET /openwks/v1/hosts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListHostsResponse {
    pub count: i64,
    pub hosts: Vec<HostView>,
}

/// Body of `POST /openwks/v1/{project_id}/app-launches`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LaunchReq {
    pub user_name: Option<String>,
    pub app_group_id: Option<String>,
    pub app_id: Option<String>,
    pub client_ip: Option<String>,
    pub client_type: Option<String>,
    /// Decide and explain, assign nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Add the explanation to a real launch's answer (with the effective policy and who set
    /// each of its fields).
    #[serde(default)]
    pub explain: bool,
    /// Add the session's effective policy to the answer.
    #[serde(default)]
    pub policy: bool,
}

/// A server routing passed over, and the rule that did it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PassedOver {
    pub server_id: String,
    /// `group_disabled`, `unregistered`, `maintenance`, `full`, `over_threshold`, `not_chosen`.
    pub rule: String,
    pub reason: String,
}

/// Routing's decision in one server group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupExplanation {
    pub server_group_id: String,
    pub server_group_name: String,
    /// The server routing picks there (none: no server of the group can take a session).
    pub chosen_server_id: Option<String>,
    pub passed_over: Vec<PassedOver>,
}

/// Answer of a launch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LaunchResponse {
    /// The session (none for a dry run).
    pub session_id: Option<String>,
    pub server_id: Option<String>,
    pub machine_name: Option<String>,
    pub vm_ip: Option<String>,
    pub server_group_id: Option<String>,
    pub app_group_id: String,
    pub app_id: String,
    /// `Active` (none for a dry run).
    pub session_state: Option<String>,
    /// The app group's server group.
    pub primary_server_group_id: String,
    /// The standby group that took the session, when the primary could not.
    pub secondary_server_group_id: Option<String>,
    /// The user's live session on the group was reused.
    pub reused: bool,
    pub dry_run: bool,
    /// Routing's decision per group, primary first (with `explain` or `dry_run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<GroupExplanation>>,
    /// The session's effective policy (with `policy`, `explain` or `dry_run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<serde_json::Value>,
    /// Per field of `policies` (`session.sbc.sbc_automatic_disconnection`), the policy group
    /// that set it or `default` (with `explain` or `dry_run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_sources: Option<std::collections::BTreeMap<String, openwks_core::policy::Source>>,
    /// The storage folders the session mounts: by its server group's `storage_mount_policy`,
    /// the user's personal folders and the shared folders it is a member of (issue 19).
    #[serde(default)]
    pub mounts: Vec<openwks_core::storage::Mount>,
}

/// One decision of the scaling controller.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingActivity {
    pub id: String,
    pub server_group_id: String,
    /// `SCALE_OUT`, `SCALE_IN`, `HOLD`, or `REPLACE` (servers of a failed host replaced).
    pub action: String,
    pub server_ids: Vec<String>,
    pub reason: String,
    pub job_id: Option<String>,
    pub time: String,
    pub sessions: u64,
    pub servers: u64,
    pub auto_created: u64,
}

/// `GET /openwks/v1/{project_id}/scaling-activities?server_group_id=`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListScalingActivitiesResponse {
    pub count: i64,
    pub items: Vec<ScalingActivity>,
}

/// `GET /openwks/v1/{project_id}/scaling-preview?server_group_id=`: what the controller would
/// do now, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingPreview {
    pub server_group_id: String,
    /// `SCALE_OUT`, `SCALE_IN` or `HOLD`.
    pub action: String,
    /// Servers it would add.
    pub add_servers: u32,
    /// Servers it would release.
    pub release_server_ids: Vec<String>,
    pub reason: String,
    pub sessions: u64,
    pub servers: u64,
    pub auto_created: u64,
}

/// `GET /openwks/v1/{project_id}/export-tasks/{task_id}`: an export's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportTask {
    pub task_id: String,
    /// `SUCCESS` (exports run synchronously).
    pub status: String,
    /// `sessions`, `app_connections` or `user_connections`.
    pub kind: String,
    pub create_time: String,
    pub count: i64,
    /// The exported records, in the list operation's item shape.
    pub items: Vec<serde_json::Value>,
}

/// Body of `POST /openwks/v1/iam/users`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateIamUserReq {
    pub name: Option<String>,
    pub password: Option<String>,
    pub enabled: Option<bool>,
}

/// Body of `POST /openwks/v1/iam/users/{user_id}/access-keys` (optional): a key pair the
/// administrator brings (an init file's, a CI job's); without it openwks makes one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIamKeyReq {
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
}

/// Body of `PATCH /openwks/v1/iam/users/{user_id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateIamUserReq {
    pub enabled: Option<bool>,
    pub password: Option<String>,
}

/// An IAM user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IamUserView {
    pub id: String,
    pub name: String,
    pub is_admin: bool,
    pub enabled: bool,
    pub created_at: String,
}

/// An access key (the secret only in the create answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IamKeyView {
    pub access_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    pub user_id: String,
    pub status: String,
    pub created_at: String,
}

/// Body of `PATCH .../access-keys/{access_key}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateIamKeyReq {
    pub status: Option<String>,
}

/// Body of `POST /openwks/v1/iam/policies`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateIamPolicyReq {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The identity-policy document (an object, or its JSON text).
    pub document: Option<serde_json::Value>,
}

/// An identity policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IamPolicyView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub document: serde_json::Value,
    pub created_at: String,
}

/// Body of `POST /openwks/v1/iam/groups`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateIamGroupReq {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// An IAM group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IamGroupView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
    pub created_at: String,
}

/// An audit event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEventView {
    pub id: String,
    pub time: String,
    pub user_id: String,
    pub user_name: String,
    pub action: String,
    pub resource: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub result: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub reason: String,
    pub request_id: String,
}

/// `GET /openwks/v1/audit-events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListAuditEventsResponse {
    pub count: i64,
    pub items: Vec<AuditEventView>,
}
