//! Server groups (`/v1/{project_id}/app-server-groups`), their tags and scaling policy:
//! sdk-surface.md §2.1 and the seeds `wksapp-{create,show,update}-server-group.txt`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `RoutePolicyDetail` (seed Table 4).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoutePolicyDetail {
    /// Maximum number of sessions on a single server (1–1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session: Option<i64>,
    /// CPU usage threshold in percent (1–100; 0 means not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_threshold: Option<i64>,
    /// GPU (memory) usage threshold in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_threshold: Option<i64>,
    /// Memory usage threshold in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_threshold: Option<i64>,
    /// openwks extension: `BREADTH_FIRST` (default) or `DEPTH_FIRST`; absent from the
    /// vendor's model (its SDK ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
}

/// `IpVirtual` (seed Table 5).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IpVirtual {
    /// Whether the virtual IP function is on. Required by the seed table.
    #[serde(default)]
    pub enable: Option<bool>,
}

/// `TmsTag` (seed Table 6).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TmsTag {
    /// Key (required, ≤ 128 characters).
    #[serde(default)]
    pub key: Option<String>,
    /// Value (≤ 255 characters).
    #[serde(default)]
    pub value: Option<String>,
}

/// `CreateServerGroupReq`: body of `POST /v1/{project_id}/app-server-groups`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateServerGroupReq {
    pub name: Option<String>,
    pub image_id: Option<String>,
    pub image_product_id: Option<String>,
    pub image_type: Option<String>,
    pub os_type: Option<String>,
    pub description: Option<String>,
    pub route_policy: Option<RoutePolicyDetail>,
    pub product_id: Option<String>,
    pub flavor_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub system_disk_type: Option<String>,
    pub system_disk_size: Option<i64>,
    pub ou_name: Option<String>,
    pub cluster_id: Option<String>,
    pub availability_zone: Option<String>,
    pub ip_virtual: Option<IpVirtual>,
    pub is_vdi: Option<bool>,
    pub app_type: Option<String>,
    pub extra_session_type: Option<String>,
    pub extra_session_size: Option<i64>,
    pub tags: Option<Vec<TmsTag>>,
    pub enterprise_project_id: Option<String>,
    pub primary_server_group_id: Option<String>,
    pub server_group_status: Option<bool>,
    /// Not in the SDK model; accepted because the console and API users send it (the
    /// Terraform provider sets it with a follow-up PATCH instead).
    pub storage_mount_policy: Option<String>,
}

/// `UpdateServerGroupReq`: body of `PATCH /v1/{project_id}/app-server-groups/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateServerGroupReq {
    pub name: Option<String>,
    pub description: Option<String>,
    pub route_policy: Option<RoutePolicyDetail>,
    pub storage_mount_policy: Option<String>,
    pub image_id: Option<String>,
    pub image_product_id: Option<String>,
    pub image_type: Option<String>,
    pub system_disk_type: Option<String>,
    pub system_disk_size: Option<i64>,
    pub ou_name: Option<String>,
    pub app_type: Option<String>,
    pub server_group_status: Option<bool>,
    /// Not updatable (seed Table 5): present only so that sending it is refused clearly.
    pub ip_virtual: Option<Value>,
}

/// `ScalingPolicyBySession` (seed Table 10).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingPolicyBySession {
    pub session_usage_threshold: Option<i64>,
    pub shrink_after_session_idle_minutes: Option<i64>,
}

/// `ScalingPolicyByResource` (seed Table 11).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingPolicyByResource {
    pub cpu_usage_threshold: Option<i64>,
    pub mem_usage_threshold: Option<i64>,
    pub gpu_usage_threshold: Option<i64>,
}

/// `ScalingPolicy` (seed Table 9); also the `ShowScalingPolicyResponse` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub enable: Option<bool>,
    pub max_scaling_amount: Option<i64>,
    pub single_expansion_count: Option<i64>,
    pub scaling_policy_by_session: Option<ScalingPolicyBySession>,
    pub scaling_policy_by_resource: Option<ScalingPolicyByResource>,
}

/// `CreateOrUpdateScalingPolicyReq`: body of `PUT /v1/{project_id}/scaling-policy`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateOrUpdateScalingPolicyReq {
    pub server_group_id: Option<String>,
    pub enable: Option<bool>,
    pub max_scaling_amount: Option<i64>,
    pub single_expansion_count: Option<i64>,
    pub scaling_policy_by_session: Option<ScalingPolicyBySession>,
    pub scaling_policy_by_resource: Option<ScalingPolicyByResource>,
}

/// `ServerProductInfo` (seed Table 8). Note `system_disk_size` is a string on the wire.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ServerProductInfo {
    pub product_id: String,
    pub flavor_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub architecture: String,
    pub cpu: String,
    pub cpu_desc: String,
    pub memory: String,
    pub is_gpu: bool,
    pub system_disk_type: String,
    pub system_disk_size: String,
    pub gpu_desc: String,
    pub descriptions: String,
    pub charge_mode: String,
    pub contain_data_disk: bool,
    pub resource_type: String,
    pub cloud_service_type: String,
    pub volume_product_type: String,
    pub sessions: i64,
    pub status: String,
    pub cond_operation_az: String,
    pub sub_product_list: Vec<String>,
    pub domain_ids: Vec<String>,
    pub package_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    pub support_gpu_type: String,
}

/// `FlavorLink`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FlavorLink {
    pub rel: String,
    pub hrel: String,
}

/// `Flavor` (show only).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flavor {
    pub id: String,
    pub links: Vec<FlavorLink>,
}

/// A tag on output: both fields always present.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TmsTagOut {
    pub key: String,
    pub value: String,
}

/// `ServerGroup`: the create response and the `list_server_groups` item (31 fields, seed Table 7):
/// the fields of [`ServerGroupDto`] and 8 more.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerGroup {
    #[serde(flatten)]
    pub base: ServerGroupDto,
    pub app_server_flavor_count: i64,
    pub app_server_count: i64,
    pub image_name: String,
    pub product_info: ServerProductInfo,
    pub subnet_name: String,
    pub scaling_policy: ScalingPolicy,
    pub tags: Vec<TmsTagOut>,
    pub ou_name: String,
}

/// `ShowServerGroupResponse`: [`ServerGroup`] plus 7 fields (seed "show", Table 3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShowServerGroupResponse {
    #[serde(flatten)]
    pub group: ServerGroup,
    pub flavors: Vec<Flavor>,
    pub project_name: String,
    pub image_min_disk: i64,
    pub route_policy: RoutePolicyDetail,
    pub image_product_id: String,
    pub image_type: String,
    pub ip_virtual: IpVirtualOut,
}

/// `IpVirtual` on output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IpVirtualOut {
    pub enable: bool,
}

/// `ServerGroupDto`: item of `list_tenant_server_groups` ([`ServerGroup`] minus 8 fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerGroupDto {
    pub id: String,
    pub name: String,
    pub description: String,
    pub image_id: String,
    pub os_type: String,
    pub product_id: String,
    pub subnet_id: String,
    pub system_disk_type: String,
    pub system_disk_size: i64,
    pub is_vdi: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_session_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_session_size: Option<i64>,
    pub app_type: String,
    pub create_time: String,
    pub update_time: String,
    pub storage_mount_policy: String,
    pub enterprise_project_id: String,
    pub primary_server_group_ids: Vec<String>,
    pub secondary_server_group_ids: Vec<String>,
    pub server_group_status: bool,
    pub site_type: String,
    pub site_id: String,
    pub app_group_count: i64,
}

impl From<ServerGroup> for ServerGroupDto {
    fn from(g: ServerGroup) -> Self {
        g.base
    }
}

/// `{count, items}`: the common list envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListResponse<T> {
    pub count: i64,
    pub items: Vec<T>,
}

/// `ValidateSeverGroupReq` (sic) and `CheckAppGroupReq`: `{name}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ValidateNameReq {
    pub name: Option<String>,
}

/// `ValidateServerGroupResponse`: `{result, validate_rule}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ValidateResponse {
    /// `true` when the name may be used.
    pub result: bool,
    /// `naming` or `duplicate` when `result` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validate_rule: Option<String>,
}

/// `ShowServerGroupRestrictResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShowServerGroupRestrictResponse {
    pub max_session: i64,
    pub max_group_count: i64,
}

/// `ShowServerGroupStateResponse`: `{aps_status: {ServerStatus: count}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShowServerGroupStateResponse {
    pub aps_status: std::collections::BTreeMap<String, i64>,
}

/// `CreateResourceTagReq` / `DeleteResourceTagReq`: `{tags}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceTagReq {
    pub tags: Option<Vec<TmsTag>>,
}

/// One item of `BatchCreateServerGroupTagsReq` / `BatchDeleteServerGroupTagsReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerGroupTagsItem {
    pub server_group_id: Option<String>,
    pub tags: Option<Vec<TmsTag>>,
}

/// `Batch{Create,Delete}ServerGroupTagsReq`: `{items}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchServerGroupTagsReq {
    pub items: Option<Vec<ServerGroupTagsItem>>,
}

/// `TmsTagValues`: `{key, values}` of `list_server_group_tag`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TmsTagValues {
    pub key: String,
    pub values: Vec<String>,
}

/// `ListServerGroupTagResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListServerGroupTagResponse {
    pub tags: Vec<TmsTagValues>,
}

/// `ShowServerGroupTagResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShowServerGroupTagResponse {
    pub tags: Vec<TmsTagOut>,
    pub sys_tags: Vec<TmsTagOut>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's create example request parses into the DTO field for field.
    #[test]
    fn seed_create_request_parses() {
        let json = r#"{
          "name" : "APIExplore Test Application Server Group", "image_id" : "", "os_type" : "Windows",
          "image_type" : "private", "image_product_id" : "00301-2019002-0--0", "description" : "",
          "route_policy" : { "max_session" : 1 }, "product_id" : "workspace.appstream.general.xlarge.2",
          "subnet_id" : "a5842cb4-5718-4b0a-8b27-3a3e9c74f977", "system_disk_type" : "SATA",
          "system_disk_size" : 60, "vpc_id" : "59785ba5-e5d5-4836-b9de-19f22ac15175",
          "ip_virtual" : { "enable" : false }, "is_vdi" : false, "availability_zone" : "",
          "app_type" : "COMMON_APP", "extra_session_type" : "GPU", "extra_session_size" : 1,
          "primary_server_group_id" : "e5d5-4836-b9de-19f22ac15175", "server_group_status" : false }"#;
        let req: CreateServerGroupReq = serde_json::from_str(json).expect("seed parses");
        assert_eq!(req.route_policy.and_then(|r| r.max_session), Some(1));
        assert_eq!(req.system_disk_size, Some(60));
        assert_eq!(req.ip_virtual.and_then(|i| i.enable), Some(false));
        assert_eq!(req.server_group_status, Some(false));
    }
}
