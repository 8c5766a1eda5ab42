//! Published apps (`/v1/{project_id}/app-groups/{app_group_id}/apps`), sdk-surface.md §2.3.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `AppExtendedInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppExtendedInfo {
    pub extended_info: Option<BTreeMap<String, String>>,
}

/// `PublishApp`: one app to publish.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublishApp {
    pub name: Option<String>,
    pub version: Option<String>,
    pub command_param: Option<String>,
    pub icon_uri: Option<String>,
    pub execute_path: Option<String>,
    pub work_path: Option<String>,
    pub icon_path: Option<String>,
    pub icon_index: Option<i64>,
    pub description: Option<String>,
    pub source_type: Option<i64>,
    pub publisher: Option<String>,
    pub source_image_ids: Option<Vec<String>>,
    pub sandbox_enable: Option<bool>,
    pub app_extended_info: Option<AppExtendedInfo>,
    pub is_pre_boot: Option<bool>,
    pub pre_launch_policy: Option<i64>,
}

/// `PublishAppReq`: `{items}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublishAppReq {
    pub items: Option<Vec<PublishApp>>,
}

/// `UpdateAppReq`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateAppReq {
    pub name: Option<String>,
    pub version: Option<String>,
    pub execute_path: Option<String>,
    pub work_path: Option<String>,
    pub description: Option<String>,
    pub command_param: Option<String>,
    pub state: Option<String>,
    pub sandbox_enable: Option<bool>,
    pub app_extended_info: Option<AppExtendedInfo>,
}

/// `BatchUpdateAppReq` / `UnpublishAppReq`: `{ids}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppIdsReq {
    pub ids: Option<Vec<String>>,
}

/// `UpdatePreBootPolicyReq`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdatePreBootPolicyReq {
    pub ids: Option<Vec<String>>,
    pub is_pre_boot: Option<bool>,
    pub pre_launch_policy: Option<i64>,
}

/// `UpdateRawIconReq`: `{icon_content}` (base64).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateRawIconReq {
    pub icon_content: Option<String>,
}

/// `App` (also show/update/upload-icon responses).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct App {
    pub id: String,
    pub name: String,
    pub version: String,
    pub command_param: String,
    pub execute_path: String,
    pub work_path: String,
    pub icon_path: String,
    pub icon_index: i64,
    pub description: String,
    pub app_group_id: String,
    pub state: String,
    pub tenant_id: String,
    /// Omitted for apps not published yet (publishable apps): the SDK parses it as a datetime.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub publish_at: String,
    pub source_type: i64,
    pub publisher: String,
    pub icon_url: String,
    pub publishable: bool,
    pub sandbox_enable: bool,
    pub is_pre_boot: bool,
    pub pre_launch_policy: i64,
    pub app_extended_info: AppExtendedInfo,
}

/// `PublishableApp`: [`App`] + `source_image_ids`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublishableApp {
    #[serde(flatten)]
    pub app: App,
    pub source_image_ids: Vec<String>,
}

/// `ShowPublishableAppResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowPublishableAppResponse {
    pub count: i64,
    pub group_images: Vec<String>,
    pub items: Vec<PublishableApp>,
}
