//! ECS (`huaweicloudsdkecs` v2) wire types: server groups and limits (sdk-surface.md §3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `server_group` of the create body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateServerGroupOption {
    pub name: Option<String>,
    pub policies: Option<Vec<String>>,
}

/// `CreateServerGroupRequestBody`: `{"server_group": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateServerGroupRequestBody {
    pub server_group: Option<CreateServerGroupOption>,
}

/// A server group as every response shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServerGroup {
    pub id: String,
    pub name: String,
    pub policies: Vec<String>,
    pub members: Vec<String>,
    pub metadata: BTreeMap<String, String>,
}

/// `{"server_group": ...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerGroupEnvelope {
    pub server_group: ServerGroup,
}

/// `page_info`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// `ListServerGroupsResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListServerGroupsResponse {
    pub server_groups: Vec<ServerGroup>,
    pub page_info: PageInfo,
}

/// `{"instance_uuid"}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InstanceUuid {
    pub instance_uuid: Option<String>,
}

/// Body of `POST .../{id}/action`: `add_member` or `remove_member`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerGroupActionReq {
    pub add_member: Option<InstanceUuid>,
    pub remove_member: Option<InstanceUuid>,
}

/// Body of `add_members` / `remove_members`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerIdsReq {
    pub server_ids: Option<Vec<String>>,
}

/// `BatchOperateResultResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchOperateResult {
    pub status: String,
    pub server_id: String,
    pub fail_reason: String,
}

/// Response of the batch member operations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchMembersResponse {
    pub status: String,
    pub servers: Vec<BatchOperateResult>,
}

/// `ServerLimits` (camelCase keys, as ECS sends them).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServerLimits {
    pub max_image_meta: i64,
    pub max_personality: i64,
    pub max_personality_size: i64,
    pub max_security_group_rules: i64,
    pub max_security_groups: i64,
    pub max_server_group_members: i64,
    pub max_server_groups: i64,
    pub max_server_meta: i64,
    pub max_total_cores: i64,
    pub max_total_floating_ips: i64,
    pub max_total_instances: i64,
    pub max_total_keypairs: i64,
    #[serde(rename = "maxTotalRAMSize")]
    pub max_total_ram_size: i64,
    pub total_cores_used: i64,
    pub total_floating_ips_used: i64,
    pub total_instances_used: i64,
    #[serde(rename = "totalRAMUsed")]
    pub total_ram_used: i64,
    pub total_security_groups_used: i64,
    pub total_server_groups_used: i64,
}

/// `ShowServerLimitsResponse`: `{"absolute": ServerLimits}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowServerLimitsResponse {
    pub absolute: ServerLimits,
}

/// `nics[]` of a create.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostPaidServerNic {
    pub subnet_id: Option<String>,
}

/// `root_volume` of a create.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostPaidServerRootVolume {
    pub volumetype: Option<String>,
    pub size: Option<i64>,
}

/// `os:scheduler_hints` of a create.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostPaidServerSchedulerHints {
    pub group: Option<String>,
}

/// `PostPaidServer` (the subset openwks uses).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PostPaidServer {
    pub name: Option<String>,
    #[serde(rename = "imageRef")]
    pub image_ref: Option<String>,
    #[serde(rename = "flavorRef")]
    pub flavor_ref: Option<String>,
    pub vpcid: Option<String>,
    pub nics: Option<Vec<PostPaidServerNic>>,
    pub root_volume: Option<PostPaidServerRootVolume>,
    pub availability_zone: Option<String>,
    pub count: Option<i64>,
    #[serde(rename = "os:scheduler_hints")]
    pub scheduler_hints: Option<PostPaidServerSchedulerHints>,
}

/// `CreatePostPaidServersRequestBody`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateServersRequestBody {
    pub server: Option<PostPaidServer>,
}

/// `CreatePostPaidServersResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateServersResponse {
    pub job_id: String,
    #[serde(rename = "serverIds")]
    pub server_ids: Vec<String>,
}

/// `SubJobEntities`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubJobEntities {
    pub server_id: String,
}

/// `SubJob`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubJob {
    pub status: String,
    pub entities: SubJobEntities,
    pub job_id: String,
    pub job_type: String,
    pub begin_time: String,
    pub end_time: String,
    pub error_code: String,
    pub fail_reason: String,
}

/// `JobEntities`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobEntities {
    pub sub_jobs_total: i64,
    pub sub_jobs: Vec<SubJob>,
}

/// `ShowJobResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowJobResponse {
    pub job_id: String,
    pub job_type: String,
    pub status: String,
    pub begin_time: String,
    pub end_time: String,
    pub error_code: String,
    pub fail_reason: String,
    pub entities: JobEntities,
}

/// `{"servers": [{"id"}]}` of a delete.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerId {
    pub id: Option<String>,
}

/// `DeleteServersRequestBody`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeleteServersRequestBody {
    pub servers: Option<Vec<ServerId>>,
    pub delete_publicip: Option<bool>,
    pub delete_volume: Option<bool>,
}

/// `{"job_id"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobIdResponse {
    pub job_id: String,
}

/// `UpdateServerOption` (ECS `update_server`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateServerOption {
    pub name: Option<String>,
    pub description: Option<String>,
    pub hostname: Option<String>,
    pub user_data: Option<String>,
}

/// `UpdateServerRequestBody`: `{"server": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateServerRequestBody {
    pub server: Option<UpdateServerOption>,
}
