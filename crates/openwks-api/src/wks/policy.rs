//! Policy groups and templates (`/v1/{project_id}/policy-groups…`, `/policy-templates…`, issue
//! #18): the vendor's `PolicyGroupForCreate`, `PolicyGroupForUpdate`, `PolicyTemplate`,
//! `PolicyGroup`, `PolicyGroupForTemplate` and `Target`. `policies` (the vendor's `Policies`,
//! 280 fields) stays a JSON document, checked against the vendor's model in
//! `openwks_core::policy`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Target`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetInfo {
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub target_type: Option<String>,
}

/// `PolicyGroupForCreate`, `PolicyGroupForUpdate` and `PolicyTemplate` (a template has no
/// priority and no targets).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyGroupFields {
    pub policy_group_name: Option<String>,
    pub priority: Option<i64>,
    pub description: Option<String>,
    pub targets: Option<Vec<TargetInfo>>,
    pub policies: Option<Value>,
}

/// `CreatePolicyGroupReq`, `UpdatePolicyGroupReq`, `CreatePolicyTemplateReq`,
/// `UpdatePolicyTemplateReq`: `{"policy_group": {...}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyGroupReq {
    pub policy_group: Option<PolicyGroupFields>,
}

/// `CreatePolicyGroupResp`, `UpdatePolicyGroupResp` and the template's: `{"id"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdResponse {
    pub id: String,
}

/// `PolicyGroup` (and, without `targets` and `policies`, `PolicyGroupForTemplate`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyGroupView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<TargetInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Value>,
    pub create_time: String,
    pub update_time: String,
}

/// `ListPolicyGroupResp` (`total_count` without the name filter) and
/// `ListPolicyGroupsDetailResp`, `ListPolicyTemplateResp` (no `total_count`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListPolicyGroupsResponse {
    pub count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    pub items: Vec<PolicyGroupView>,
}

/// `ShowPolicyGroupResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowPolicyGroupResponse {
    pub policy_group: PolicyGroupView,
}

/// `QueryPolicyResp`, `ListOriginalPolicyInfoResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoliciesResponse {
    pub policies: Value,
}

/// `QueryTargetResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetsResponse {
    pub targets: Vec<TargetInfo>,
}
