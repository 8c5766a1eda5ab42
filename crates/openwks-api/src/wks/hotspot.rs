//! Hotspot session migration (`/v1/{project_id}/hotspot-session-config…`, issue #18): the
//! vendor's `CreateHotspotSessionConfigReq`, `UpdateHotspotSessionConfigReq`,
//! `UpdateNonMigrationUsersReq`, `HotspotSessionMigrationConfig` and `UserInfo`.

use serde::{Deserialize, Serialize};

/// `UserInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
}

/// `CreateHotspotSessionConfigReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateHotspotSessionConfigReq {
    pub hotspot_exit_session_num: Option<i64>,
    pub hotspot_session_migration_enable: Option<bool>,
    pub non_migrate_users: Option<Vec<UserInfo>>,
}

/// `UpdateHotspotSessionConfigReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateHotspotSessionConfigReq {
    pub hotspot_exit_session_num: Option<i64>,
    pub hotspot_session_migration_enable: Option<bool>,
}

/// `UpdateNonMigrationUsersReq`: `update_type` `ADD` or `DELETE`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateNonMigrationUsersReq {
    pub update_type: Option<String>,
    pub non_migrate_users: Option<Vec<UserInfo>>,
}

/// `HotspotSessionMigrationConfig` and the create and update answers (the list's items carry
/// `project_id`, the update's no users).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HotspotConfigView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub hotspot_session_migration_enable: bool,
    pub hotspot_exit_session_num: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_migrate_users: Option<Vec<UserInfo>>,
}

/// `ListHotspotSessionConfigResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListHotspotSessionConfigResponse {
    pub items: Vec<HotspotConfigView>,
}

/// `ListNonMigrationUserIdResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListNonMigrationUsersResponse {
    pub total_count: i64,
    pub non_migrate_users: Vec<UserInfo>,
}
