//! App servers (`/v1/{project_id}/app-servers`) and WKS jobs (sdk-surface.md §2.2).

use serde::{Deserialize, Serialize};

/// `Nic`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Nic {
    pub ip_address: Option<String>,
    pub subnet_id: Option<String>,
}

/// `Volume`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Volume {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub size: Option<i64>,
    pub cluster_id: Option<String>,
}

/// `CreateAppServerReq` (the fields openwks uses; the others are accepted and ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateAppServerReq {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub server_group_id: Option<String>,
    pub availability_zone: Option<String>,
    pub subscription_num: Option<i64>,
    pub nics: Option<Vec<Nic>>,
    pub ou_name: Option<String>,
    pub product_id: Option<String>,
    pub flavor_id: Option<String>,
    pub os_type: Option<String>,
    pub root_volume: Option<Volume>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
}

/// `CreateServices`: what an order creates (the app-server fields of `CreateAppServerReq`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateServices {
    pub server_group_id: Option<String>,
    pub availability_zone: Option<String>,
    pub product_id: Option<String>,
    pub flavor_id: Option<String>,
    pub os_type: Option<String>,
    pub ou_name: Option<String>,
    pub root_volume: Option<Volume>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub nics: Option<Vec<Nic>>,
}

/// `Resource` of an order (a period order of one service).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderResource {
    pub create_services: Option<CreateServices>,
    pub subscription_num: Option<i64>,
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    pub is_auto_renew: Option<i64>,
}

/// `CreateOrderReq`: `{type: "createApps", resources: [one Resource]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateOrderReq {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub resources: Option<Vec<OrderResource>>,
}

/// `CreateAppServersResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateAppServersResponse {
    pub job_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// `UpdateServerReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateServerReq {
    pub name: Option<String>,
    pub description: Option<String>,
    pub maintain_status: Option<bool>,
}

/// `BatchDeleteServerReq`: `{items}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchDeleteServerReq {
    pub items: Option<Vec<String>>,
}

/// `BatchRejoinDomainReq` and `BatchDeleteSubJobsReq` have the same shape: `{items}`.
pub type BatchRejoinDomainReq = BatchDeleteServerReq;
/// See [`BatchRejoinDomainReq`].
pub type BatchDeleteSubJobsReq = BatchDeleteServerReq;

/// The body of reinstall and change-image, single and batch (`ReinstallServerReq`,
/// `ChangeServerImageReq`, `BatchReinstallServerReq`, `BatchChangeServerImageReq`): the batch
/// forms add `server_ids`, the change-image forms the image fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RebuildServerReq {
    pub server_ids: Option<Vec<String>>,
    pub image_id: Option<String>,
    pub image_type: Option<String>,
    pub os_type: Option<String>,
    pub image_product_id: Option<String>,
    pub update_access_agent: Option<bool>,
}

/// `BatchMigrateServerReq`: `{server_ids, host_id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchMigrateServerReq {
    pub server_ids: Option<Vec<String>>,
    pub host_id: Option<String>,
}

/// `UpdateTsvi`: `{id, enable}` (`enable` is reserved by the vendor).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateTsvi {
    pub id: Option<String>,
    pub enable: Option<bool>,
}

/// `UpdateTsviReq`: `{items}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateTsviReq {
    pub items: Option<Vec<UpdateTsvi>>,
}

/// `{job_id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobIdResponse {
    pub job_id: String,
}

/// `JobResourceInfo` (the fields openwks fills).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobResourceInfo {
    pub resource_id: String,
    pub resource_name: String,
}

/// `JobDetailInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobDetailInfo {
    pub id: String,
    pub job_type: String,
    pub job_resource_info: JobResourceInfo,
    pub begin_time: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub end_time: String,
    pub status: String,
    pub error_code: String,
    pub error_message: String,
    pub project_id: String,
    pub job_id: String,
}

/// `ShowJobDetailResponse` (`GET /v2/{project_id}/job/{job_id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowJobDetailResponse {
    pub id: String,
    pub job_type: String,
    pub begin_time: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub end_time: String,
    pub status: String,
    pub sub_jobs_total: i64,
    pub sub_jobs: Vec<JobDetailInfo>,
}
