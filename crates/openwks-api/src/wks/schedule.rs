//! Schedule tasks (`/v1/{project_id}/schedule-task`, issue #18): the vendor's
//! `ScheduledTaskConfig`, `CreateScheduleTaskReq`, `UpdateScheduleTaskReq`, `ScheduleTask`,
//! `ShowScheduleTaskResponse`, `ListFutureExecutionsResp`, `ScheduleTaskExecuteHistory` and
//! `ScheduleTaskExecuteDetail`, field for field.

use serde::{Deserialize, Serialize};

/// `ScheduledTaskConfig`: when a task runs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduledTaskConfig {
    pub scheduled_type: Option<String>,
    pub day_interval: Option<i64>,
    pub week_list: Option<String>,
    pub month_list: Option<String>,
    pub date_list: Option<String>,
    pub time_zone: Option<String>,
    pub scheduled_date: Option<String>,
    pub scheduled_time: Option<String>,
    pub expire_time: Option<String>,
}

/// `TargetInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
}

/// `ScheduleTaskPolicy`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScheduleTaskPolicy {
    pub enforcement_enable: Option<bool>,
}

/// `CreateScheduleTaskReq` and `UpdateScheduleTaskReq` (the update adds `is_enable`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleTaskReq {
    #[serde(flatten)]
    pub config: ScheduledTaskConfig,
    pub task_name: Option<String>,
    pub task_type: Option<String>,
    pub description: Option<String>,
    pub schedule_task_policy: Option<ScheduleTaskPolicy>,
    pub target_infos: Option<Vec<TargetInfo>>,
    pub is_enable: Option<bool>,
}

/// `BatchDeleteScheduleTaskReq` (`StringSet`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchDeleteScheduleTaskReq {
    pub items: Option<Vec<String>>,
}

/// The schedule's fields as `ScheduleTask` and `ShowScheduleTaskResponse` both show them (the
/// ones a cycle does not use are `null`, as the vendor's model lists them all).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScheduleFields {
    pub scheduled_type: String,
    pub day_interval: Option<u32>,
    pub week_list: Option<String>,
    pub month_list: Option<String>,
    pub date_list: Option<String>,
    pub scheduled_date: Option<String>,
    pub scheduled_time: String,
    pub time_zone: String,
    pub expire_time: Option<String>,
}

/// `ScheduleTask`: create, update and list answers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScheduleTaskView {
    pub id: String,
    pub task_name: String,
    pub task_type: String,
    #[serde(flatten)]
    pub schedule: ScheduleFields,
    pub description: String,
    pub schedule_task_policy: ScheduleTaskPolicy,
    pub is_enable: bool,
    pub last_status: String,
    /// `yyyy-MM-dd HH:mm:ss` in the task's zone; absent when no run is left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_execution_time: Option<String>,
    pub task_cron: String,
    pub create_time: String,
    pub update_time: String,
}

/// `ShowScheduleTaskResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShowScheduleTaskResponse {
    pub id: String,
    pub task_type: String,
    pub task_name: String,
    pub schedule_task_policy: ScheduleTaskPolicy,
    #[serde(flatten)]
    pub schedule: ScheduleFields,
    pub description: String,
    pub target_infos: Vec<TargetInfo>,
}

/// `ListScheduleTaskResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListScheduleTasksResponse {
    pub count: i64,
    pub items: Vec<ScheduleTaskView>,
}

/// `ListFutureExecutionsResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListFutureExecutionsResponse {
    pub future_executions: Vec<String>,
    pub time_zone: String,
}

/// `ScheduleTaskExecuteHistory` (the vendor spells `excuting_count` so).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExecuteHistory {
    pub id: String,
    pub task_id: String,
    pub task_type: String,
    pub scheduled_type: String,
    pub time_zone: String,
    pub status: String,
    pub total_count: i64,
    pub success_count: i64,
    pub failed_count: i64,
    pub excuting_count: i64,
    pub create_time: String,
    pub begin_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

/// `ListScheduleTaskExecuteHistoryResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListExecuteHistoryResponse {
    pub count: i64,
    pub items: Vec<ExecuteHistory>,
}

/// `ScheduleTaskExecuteDetail`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExecuteDetail {
    pub id: String,
    pub execute_id: String,
    pub server_id: String,
    pub server_name: String,
    pub task_type: String,
    pub time_zone: String,
    pub status: String,
    pub result_code: String,
    pub result_message: String,
    pub begin_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

/// `ListScheduleTaskExecuteDetailResp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListExecuteDetailResponse {
    pub count: i64,
    pub items: Vec<ExecuteDetail>,
}
