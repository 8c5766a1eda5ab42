//! Sessions and connections (`list_sessions`, `list_session_by_user_name`,
//! `logoff_user_session`, `list_app_connection`, `list_user_connection`, session types and
//! the export operations), under the vendor's names.

use serde::{Deserialize, Serialize};

/// `SessionInfo` (list_sessions). Times the session has not reached are left out (the SDK
/// parses `date-time` fields and an empty string is not a time).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionInfo {
    #[serde(flatten)]
    pub common: SessionCommon,
    pub app_server_group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_conn_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub primary_server_group_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_server_group_id: Option<String>,
}

/// The fields [`SessionInfo`] and [`AppSession`] share (the vendor's two session models).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionCommon {
    pub id: String,
    pub session_stamp: String,
    pub os_session_id: String,
    pub protocol_type: String,
    pub login_user: String,
    pub session_type: String,
    pub app_server_group_id: String,
    pub start_time: String,
    pub status_continue_time: String,
    pub machine_sid: String,
    pub machine_name: String,
    pub session_state: String,
    pub app_name: String,
    pub client_mac: String,
    pub client_name: String,
    pub client_ip: String,
    pub public_ip: String,
    pub client_version: String,
    pub client_type: String,
    pub agent_version: String,
    pub vm_ip: String,
    pub failed_reason: String,
    pub failed_code: String,
    pub last_update_status_time: String,
    pub tenant_id: String,
}

/// `ListSessionsRsp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListSessionsResponse {
    pub count: i64,
    pub items: Vec<SessionInfo>,
}

/// `AppSession` (list_session_by_user_name): like `SessionInfo` with `app_group_id`, without
/// the group name and the primary/secondary ids; every time a string.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppSession {
    #[serde(flatten)]
    pub common: SessionCommon,
    pub app_group_id: String,
    pub pre_conn_time: String,
    pub end_time: String,
}

/// `ListSessionByUserNameResp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListSessionByUserNameResponse {
    pub session_info_list: Vec<AppSession>,
}

/// `LogoffUserSessionReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogoffUserSessionReq {
    pub session_ids: Option<Vec<String>>,
    pub message_type: Option<i64>,
    pub message: Option<String>,
    pub title: Option<String>,
    pub delay_time: Option<i64>,
    pub transaction_id: Option<String>,
}

/// `ExportSessionsReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExportSessionsReq {
    pub user_name: Option<String>,
    pub query_begin_time: Option<String>,
    pub query_end_time: Option<String>,
    pub app_server_group_id: Option<String>,
    pub vm_ip: Option<String>,
    pub public_ip: Option<String>,
    pub machine_name: Option<String>,
    pub session_state: Option<String>,
    pub is_success: Option<String>,
}

/// `ExportTaskRsp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExportTaskResponse {
    pub task_id: String,
}

/// `ListAppConnectionReq`: exact-match filters (times are a window on `brokering_time`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListAppConnectionReq {
    pub id: Option<String>,
    pub user_name: Option<String>,
    pub app_group_id: Option<String>,
    pub app_group_name: Option<String>,
    pub app_name: Option<String>,
    pub machine_name: Option<String>,
    pub vm_ip: Option<String>,
    pub public_ip: Option<String>,
    pub client_type: Option<String>,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub agent_version: Option<String>,
    pub brokering_start_time: Option<String>,
    pub brokering_end_time: Option<String>,
    pub connection_failure_reason: Option<String>,
    pub failed_code: Option<String>,
    pub sid: Option<String>,
    pub tenant_id: Option<String>,
    pub virtual_ip: Option<String>,
    pub wi_ip: Option<String>,
}

/// `AppConnectionInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppConnectionInfo {
    pub id: String,
    pub user_name: String,
    pub app_group_id: String,
    pub app_group_name: String,
    pub app_id: String,
    pub app_name: String,
    pub brokering_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub aps_instance_id: String,
    pub aps_instance_name: String,
    pub aps_host_id: String,
    pub machine_name: String,
    pub vm_ip: String,
    pub client_ip: String,
    pub public_ip: String,
    pub client_type: String,
    pub client_name: String,
    pub client_mac: String,
    pub client_version: String,
    pub agent_version: String,
    pub connection_failure_reason: String,
    pub failed_code: String,
    pub sid: String,
    pub tenant_id: String,
    pub transaction_id: String,
    pub virtual_ip: String,
    pub wi_ip: String,
    pub primary_server_group_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_server_group_id: Option<String>,
}

/// `ListAppConnectionRsp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListAppConnectionResponse {
    pub count: i64,
    pub items: Vec<AppConnectionInfo>,
}

/// `ListUserConnectionReq`: exact-match filters (`login_start_time`/`login_end_time` are a
/// window on the login time).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListUserConnectionReq {
    pub id: Option<String>,
    pub user_name: Option<String>,
    pub machine_name: Option<String>,
    pub machine_sid: Option<String>,
    pub vm_ip: Option<String>,
    pub public_ip: Option<String>,
    pub client_type: Option<String>,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub agent_version: Option<String>,
    pub connect_flag: Option<String>,
    pub connect_type: Option<String>,
    pub failed_code: Option<String>,
    pub failed_reason: Option<String>,
    pub login_start_time: Option<String>,
    pub login_end_time: Option<String>,
    pub update_time: Option<String>,
    pub tenant_id: Option<String>,
    pub virtual_ip: Option<String>,
    pub wi_ip: Option<String>,
}

/// `UserConnectionInfo`: one login (a session).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UserConnectionInfo {
    pub id: String,
    pub user_name: String,
    pub desktop_group_name: String,
    pub machine_name: String,
    pub machine_sid: String,
    pub vm_ip: String,
    pub client_ip: String,
    pub public_ip: String,
    pub client_mac: String,
    pub client_name: String,
    pub client_type: String,
    pub client_version: String,
    pub agent_version: String,
    pub connect_flag: String,
    pub connect_type: String,
    pub failed_code: String,
    pub failed_reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_conn_time: Option<String>,
    pub start_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub update_time: String,
    pub tenant_id: String,
    pub virtual_ip: String,
    pub wi_ip: String,
}

/// `ListUserConnectionRsp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListUserConnectionResponse {
    pub count: i64,
    pub items: Vec<UserConnectionInfo>,
}

/// `SessionTypeEntity`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionTypeEntity {
    pub resource_spec_code: String,
    pub session_type: String,
    pub resource_type: String,
    pub cloud_service_type: String,
}

/// `QuerySessionTypesReq` (POST session-type): exact-match filters on the entity's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuerySessionTypesReq {
    pub resource_spec_code: Option<String>,
    pub session_type: Option<String>,
    pub resource_type: Option<String>,
    pub cloud_service_type: Option<String>,
}

/// `QuerySessionTypesResp`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionTypesResponse {
    pub session_types: Vec<SessionTypeEntity>,
}
