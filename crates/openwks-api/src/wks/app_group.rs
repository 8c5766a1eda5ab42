//! App groups (`/v1/{project_id}/app-groups`): seed `wksapp-create-app-group.txt`,
//! sdk-surface.md §2.3.

use serde::{Deserialize, Serialize};

/// `CreateAppGroupReq`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateAppGroupReq {
    pub name: Option<String>,
    pub app_server_group_id: Option<String>,
    pub description: Option<String>,
    pub authorization_type: Option<String>,
    pub app_type: Option<String>,
}

/// `UpdateAppGroupReq`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateAppGroupReq {
    pub name: Option<String>,
    pub app_server_group_id: Option<String>,
    pub description: Option<String>,
}

/// `DeleteAppGroupReq` (batch delete): `{ids}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeleteAppGroupReq {
    pub ids: Option<Vec<String>>,
}

/// `AppGroup`: create/update responses and list items. Note `create_at` (sic).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppGroup {
    pub id: String,
    pub name: String,
    pub app_server_group_id: String,
    pub app_server_group_name: String,
    pub description: String,
    pub authorization_type: String,
    pub tenant_id: String,
    pub app_type: String,
    pub create_at: String,
    pub app_count: i64,
}

/// `ShowAppGroupDetailResponse`: [`AppGroup`] + `app_server_group_description`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShowAppGroupDetailResponse {
    #[serde(flatten)]
    pub group: AppGroup,
    pub app_server_group_description: String,
}
