//! Images (issue #17): the app warehouse (`/v1/{project_id}/app-warehouse…`), image servers
//! (`/v1/{project_id}/image-servers…`) and image jobs (`/v1/{project_id}/image-server-jobs…`,
//! `…/image-server-sub-jobs…`): the vendor's request and answer models.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::app_server::Volume;
use super::server_group::{RoutePolicyDetail, TmsTag};

/// `CreateWarehouseAppReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateWarehouseAppReq {
    pub app_name: Option<String>,
    pub app_category: Option<String>,
    pub os_type: Option<String>,
    pub version_id: Option<String>,
    pub version_name: Option<String>,
    pub appfile_store_path: Option<String>,
    pub app_file_size: Option<i64>,
    pub app_description: Option<String>,
    pub app_icon: Option<String>,
    pub app_extended_info: Option<Value>,
}

/// `UpdateWarehouseAppReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateWarehouseAppReq {
    pub app_name: Option<String>,
    pub app_category: Option<String>,
    pub os_type: Option<String>,
    pub version_id: Option<String>,
    pub version_name: Option<String>,
    pub app_description: Option<String>,
    pub app_icon: Option<String>,
}

/// `BatchDeleteWarehouseAppReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchDeleteWarehouseAppReq {
    pub ids: Option<Vec<String>>,
}

/// `BucketNameReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BucketNameReq {
    pub bucket_name: Option<String>,
}

/// `AuthorizeObsReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeObsReq {
    pub app_file_name: Option<String>,
}

/// `WarehouseApp` (also the create answer). Times are omitted while unset (the SDK parses
/// them as datetimes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WarehouseAppOut {
    pub id: String,
    pub app_id: String,
    pub tenant_id: String,
    pub app_name: String,
    pub app_category: String,
    pub os_type: String,
    pub version_id: String,
    pub version_name: String,
    pub appfile_store_path: String,
    /// A string in the SDK's model.
    pub app_file_size: String,
    pub app_description: String,
    pub appicon_store_path: String,
    pub create_time: String,
    pub modify_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_time: Option<String>,
    pub verify_status: String,
    pub verify_comment: String,
    pub app_icon: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_extended_info: Option<Value>,
}

/// `ListWarehouseAppResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListWarehouseAppsResponse {
    pub count: i64,
    pub items: Vec<WarehouseAppOut>,
}

/// `ShowAppWarehouseBucket`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WarehouseBucketOut {
    pub id: String,
    pub bucket_name: String,
    pub is_user_create_bucket: bool,
    pub update_time: String,
}

/// `AuthorizeObsPolicyStatement`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyStatement {
    pub action: Vec<String>,
    pub effect: String,
    pub resource: Vec<String>,
}

/// `Policy` of `AuthorizeObsResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObsPolicy {
    pub version: String,
    pub statement: PolicyStatement,
}

/// `AuthorizeObsResp`: temporary credentials to upload one package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizeObsResponse {
    pub server_end_point: String,
    pub bucket_name: String,
    pub directory: String,
    pub ak: String,
    pub sk: String,
    pub security_token: String,
    pub expires_at: String,
    pub policy: ObsPolicy,
}

/// `ImageRef`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageRefDto {
    pub id: Option<String>,
    pub image_type: Option<String>,
    pub spce_code: Option<String>,
    pub product_id: Option<String>,
}

/// `ImageAccountInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageAccountInfo {
    pub account: Option<String>,
    pub account_type: Option<String>,
    pub domain: Option<String>,
}

/// `WdhParam` (dedicated hosts; accepted, not simulated).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WdhParam {
    pub dedicated_host_id: Option<String>,
    pub tenancy: Option<String>,
}

/// `CreateImageServerReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateImageServerReq {
    pub name: Option<String>,
    pub description: Option<String>,
    pub root_volume: Option<Volume>,
    pub image_ref: Option<ImageRefDto>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub product_id: Option<String>,
    pub flavor_id: Option<String>,
    pub availability_zone: Option<String>,
    pub attach_apps: Option<Vec<String>>,
    pub authorize_accounts: Option<Vec<ImageAccountInfo>>,
    pub ou_name: Option<String>,
    pub is_vdi: Option<bool>,
    pub scheduler_hints: Option<WdhParam>,
    pub extra_session_type: Option<String>,
    pub extra_session_size: Option<i64>,
    pub route_policy: Option<RoutePolicyDetail>,
    pub tags: Option<Vec<TmsTag>>,
    pub enterprise_project_id: Option<String>,
}

/// `UpdateImageServerReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateImageServerReq {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// `BatchDeleteImageServerReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchDeleteImageServerReq {
    pub items: Option<Vec<String>>,
    pub recursive: Option<bool>,
}

/// `AttachServerAppReq` (and the sub-job `StringSet`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemsReq {
    pub items: Option<Vec<String>>,
}

/// `CreateServerImageReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateServerImageReq {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enterprise_project_id: Option<String>,
    pub execute_sysprep: Option<bool>,
}

/// `ImageServer`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageServerOut {
    pub id: String,
    pub name: String,
    pub description: String,
    pub image_ref: ImageRefOut,
    pub server_group_id: String,
    pub app_group_id: String,
    pub server_id: String,
    pub instance_id: String,
    pub image_id: String,
    pub status: String,
    pub authorize_accounts: Vec<ImageAccountOut>,
    pub create_time: String,
    pub update_time: String,
    pub enterprise_project_id: String,
}

/// `ImageRef` as answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageRefOut {
    pub id: String,
    pub image_type: String,
    pub spce_code: String,
    pub product_id: String,
}

/// `ImageAccountInfo` as answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageAccountOut {
    pub account: String,
    pub account_type: String,
    pub domain: String,
}

/// `ListImageServersResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListImageServersResponse {
    pub count: i64,
    pub items: Vec<ImageServerOut>,
}

/// `AttachServerAppInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachedAppOut {
    pub id: String,
    pub app_id: String,
}

/// `ListLatestAttachedServerAppResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListAttachedAppsResponse {
    pub items: Vec<AttachedAppOut>,
}

/// `ImageJobInfo`; `show_image_job` adds `sub_jobs`. `end_time` is omitted while running.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageJobOut {
    pub id: String,
    pub job_type: String,
    pub begin_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub status: String,
    pub sub_jobs_total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_jobs: Option<Vec<ImageSubJobOut>>,
}

/// `ImageJobResourceInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageJobResourceInfo {
    pub resource_id: String,
    pub resource_name: String,
}

/// `ImageJobExecuteInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageJobExecuteInfo {
    pub error_code: String,
    pub error_message: String,
}

/// `ImageJobDetailInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageSubJobOut {
    pub id: String,
    pub job_type: String,
    pub job_resource_info: ImageJobResourceInfo,
    pub begin_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub status: String,
    pub job_execute_info: ImageJobExecuteInfo,
    pub project_id: String,
    pub job_id: String,
}

/// `ListImageJobResp` / `ListImageSubJobResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListImageJobsResponse<T> {
    pub count: i64,
    pub items: Vec<T>,
}

/// `JobIdInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobIdResponse {
    pub job_id: String,
}

/// Unset times are omitted.
fn time(t: &str) -> Option<String> {
    (!t.is_empty()).then(|| t.to_string())
}

impl From<&openwks_core::image::WarehouseApp> for WarehouseAppOut {
    fn from(a: &openwks_core::image::WarehouseApp) -> Self {
        Self {
            id: a.id.clone(),
            app_id: a.app_id.clone(),
            tenant_id: a.project_id.clone(),
            app_name: a.app_name.clone(),
            app_category: a.app_category.clone(),
            os_type: a.os_type.clone(),
            version_id: a.version_id.clone(),
            version_name: a.version_name.clone(),
            appfile_store_path: a.appfile_store_path.clone(),
            app_file_size: a.app_file_size.to_string(),
            app_description: a.app_description.clone(),
            appicon_store_path: a.appicon_store_path.clone(),
            create_time: a.create_time.clone(),
            modify_time: a.modify_time.clone(),
            verify_time: time(&a.verify_time),
            verify_status: a.verify_status.clone(),
            verify_comment: a.verify_comment.clone(),
            app_icon: a.app_icon.clone(),
            app_extended_info: a.app_extended_info.clone(),
        }
    }
}

impl From<&openwks_core::image::ImageServer> for ImageServerOut {
    fn from(s: &openwks_core::image::ImageServer) -> Self {
        Self {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            image_ref: ImageRefOut {
                id: s.image_ref.id.clone(),
                image_type: s.image_ref.image_type.clone(),
                spce_code: s.image_ref.spce_code.clone(),
                product_id: s.image_ref.product_id.clone(),
            },
            server_group_id: s.server_group_id.clone(),
            app_group_id: s.app_group_id.clone(),
            server_id: s.server_id.clone(),
            instance_id: s.server_id.clone(),
            image_id: s.image_id.clone(),
            status: s.status.clone(),
            authorize_accounts: s
                .authorize_accounts
                .iter()
                .map(|a| ImageAccountOut {
                    account: a.account.clone(),
                    account_type: a.account_type.clone(),
                    domain: a.domain.clone(),
                })
                .collect(),
            create_time: s.create_time.clone(),
            update_time: s.update_time.clone(),
            enterprise_project_id: s.enterprise_project_id.clone(),
        }
    }
}

/// A sub-job as answered.
pub fn sub_job_out(
    j: &openwks_core::image::ImageJob,
    s: &openwks_core::image::ImageSubJob,
) -> ImageSubJobOut {
    ImageSubJobOut {
        id: s.id.clone(),
        job_type: s.job_type.clone(),
        job_resource_info: ImageJobResourceInfo {
            resource_id: s.resource_id.clone(),
            resource_name: s.resource_name.clone(),
        },
        begin_time: s.begin_time.clone(),
        end_time: time(&s.end_time),
        status: s.status.clone(),
        job_execute_info: ImageJobExecuteInfo {
            error_code: s.error_code.clone(),
            error_message: s.error_message.clone(),
        },
        project_id: j.project_id.clone(),
        job_id: j.id.clone(),
    }
}

/// A job as answered, with its sub-jobs when `detail`.
pub fn job_out(j: &openwks_core::image::ImageJob, detail: bool) -> ImageJobOut {
    ImageJobOut {
        id: j.id.clone(),
        job_type: j.job_type.clone(),
        begin_time: j.begin_time.clone(),
        end_time: time(&j.end_time),
        status: j.status.clone(),
        sub_jobs_total: j.sub_jobs.len() as i64,
        sub_jobs: detail.then(|| j.sub_jobs.iter().map(|s| sub_job_out(j, s)).collect()),
    }
}
