//! Storage (issue 19): WKS storages (`/v1/{project_id}/persistent-storages…`), the SFS file
//! systems they stand on (`/v1/persistent-storages/actions/list-sfs-storages`) and the access
//! policies of their folders (`/v1/{project_id}/storages-policy…`): the vendor's request and
//! answer models.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `Storage` (the create request's `storage_metadata`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StorageIn {
    pub storage_class: Option<String>,
    pub storage_handle: Option<String>,
}

/// `CreatePersistentStorageReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreatePersistentStorageReq {
    pub name: Option<String>,
    pub storage_metadata: Option<StorageIn>,
}

/// `StorageMetadata`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StorageMetadata {
    pub storage_handle: String,
    pub storage_class: String,
    pub name: String,
    pub region: String,
    pub export_location: String,
}

/// `PersistentStorage` (also the create answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersistentStorageOut {
    pub id: String,
    pub name: String,
    pub storage_metadata: StorageMetadata,
    pub create_time: String,
    pub user_claim_count: i64,
    pub share_claim_count: i64,
}

/// `ListPersistentStorageResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListPersistentStorageResponse {
    pub count: i64,
    pub items: Vec<PersistentStorageOut>,
}

/// `Sfs3Storage`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sfs3StorageOut {
    pub name: String,
    pub create_time: String,
    pub location: String,
    /// Bytes used, as a string.
    pub usage: String,
}

/// `ListSfs3StorageResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListSfs3StorageResponse {
    pub count: i64,
    pub items: Vec<Sfs3StorageOut>,
}

/// `{items: [...]}` of ids or names: `BatchDeletePersistentStorageReq`,
/// `DeleteStorageClaimReq`, `DeleteUserStorageAttachmentReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemsReq {
    pub items: Option<Vec<String>>,
}

/// `UserAssignment` (the Terraform provider also sends `attach_type`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserAssignment {
    pub attach: Option<String>,
    pub policy_statement_id: Option<String>,
    pub attach_type: Option<String>,
}

/// `AssignUserFolderReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignUserFolderReq {
    pub items: Option<Vec<UserAssignment>>,
}

/// `CreateShareFolderReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateShareFolderReq {
    pub folder_name: Option<String>,
}

/// `Assignment` (a member to add).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignmentIn {
    pub attach: Option<String>,
    pub attach_type: Option<String>,
    pub policy_statement_id: Option<String>,
}

/// `Attachment` (a member to remove; also in answers).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub attach: Option<String>,
    pub attach_type: Option<String>,
}

/// `AssignShareFolderReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignShareFolderReq {
    pub storage_claim_id: Option<String>,
    pub add_items: Option<Vec<AssignmentIn>>,
    pub del_items: Option<Vec<Attachment>>,
}

/// `PersistentStorageClaim` (the create-share-folder answer).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersistentStorageClaim {
    pub storage_claim_id: String,
    pub folder_path: String,
    pub delimiter: String,
    pub claim_mode: String,
}

/// `SharePersistentStorageClaim`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SharePersistentStorageClaim {
    pub storage_claim_id: String,
    pub folder_path: String,
    pub delimiter: String,
    pub claim_mode: String,
    /// Members by kind: `{"USER": 1, "USER_GROUP": 0}`.
    pub count: BTreeMap<String, i64>,
}

/// `ListShareFolderResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListShareFolderResponse {
    pub count: i64,
    pub items: Vec<SharePersistentStorageClaim>,
}

/// `PolicyStatement`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyStatementOut {
    pub policy_statement_id: String,
    pub actions: Vec<String>,
    pub roam_actions: Vec<String>,
}

/// `PersistentStorageAssignment`: a member of a folder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PersistentStorageAssignment {
    pub storage_claim_id: String,
    pub folder_path: String,
    pub delimiter: String,
    pub claim_mode: String,
    pub attachment: Attachment,
    pub policy_statement: PolicyStatementOut,
    pub storage_metadata: StorageMetadata,
}

/// `ListStorageAssignmentResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListStorageAssignmentResponse {
    pub count: i64,
    pub items: Vec<PersistentStorageAssignment>,
}

/// `CreateOrUpdateStoragePolicyStatementReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoragePolicyReq {
    pub actions: Option<Vec<String>>,
    pub roam_actions: Option<Vec<String>>,
}

/// `ListStoragePolicyStatementResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListStoragePolicyStatementResponse {
    pub count: i64,
    pub items: Vec<PolicyStatementOut>,
}

impl From<&openwks_core::storage::PolicyStatement> for PolicyStatementOut {
    fn from(p: &openwks_core::storage::PolicyStatement) -> Self {
        Self {
            policy_statement_id: p.policy_statement_id.clone(),
            actions: p.actions.clone(),
            roam_actions: p.roam_actions.clone(),
        }
    }
}

/// `StorageMetadata` of a storage in `region`.
pub fn metadata(s: &openwks_core::storage::PersistentStorage, region: &str) -> StorageMetadata {
    StorageMetadata {
        storage_handle: s.storage_handle.clone(),
        storage_class: s.storage_class.clone(),
        name: s.storage_handle.clone(),
        region: region.to_string(),
        export_location: export_location(&s.storage_handle, region),
    }
}

/// The vendor's access address of an SFS 3.0 file system.
pub fn export_location(handle: &str, region: &str) -> String {
    format!("https://{handle}.sfs3.{region}.myhuaweicloud.com:443")
}

impl PersistentStorageOut {
    /// The answer of a storage in `region`.
    pub fn of(v: &openwks_core::storage::StorageView, region: &str) -> Self {
        Self {
            id: v.storage.id.clone(),
            name: v.storage.name.clone(),
            storage_metadata: metadata(&v.storage, region),
            create_time: v.storage.create_time.clone(),
            user_claim_count: v.user_claim_count,
            share_claim_count: v.share_claim_count,
        }
    }
}

impl From<&openwks_core::storage::StorageClaim> for PersistentStorageClaim {
    fn from(c: &openwks_core::storage::StorageClaim) -> Self {
        Self {
            storage_claim_id: c.id.clone(),
            folder_path: c.folder_path.clone(),
            delimiter: "/".into(),
            claim_mode: c.claim_mode.clone(),
        }
    }
}

/// A mount a session gets (the launch extension's `mounts`, `docs/extensions.md`).
pub type MountOut = openwks_core::storage::Mount;

// ---- cloud storages (`/v1/{project_id}/cloud-storages…`) ----

/// `ProjectConfigClusterGroupIdEntity`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectConfigClusterGroupIdEntity {
    pub cluster_group_id: Option<String>,
    pub project_config_id: Option<String>,
}

/// `CreateCloudStorageReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateCloudStorageReq {
    pub project_config_cluster_group_id_list: Option<Vec<ProjectConfigClusterGroupIdEntity>>,
}

/// `CloudStorage`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudStorageOut {
    pub id: String,
    pub name: String,
    pub project_config_id: String,
    pub cluster_group_id: String,
    pub create_time: String,
    pub user_claim_count: i64,
    pub share_claim_count: i64,
}

/// `ListCloudStorageResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListCloudStorageResponse {
    pub count: i64,
    pub items: Vec<CloudStorageOut>,
}

/// `ProjectConfig`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProjectConfigOut {
    pub project_config_id: String,
    pub project_config_name: String,
    pub storage_quota: i64,
    pub is_relevance: bool,
    pub cluster_group_id: String,
    /// When it was associated (absent while it is not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// `ListProjectConfigsResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListProjectConfigsResponse {
    pub count: i64,
    pub items: Vec<ProjectConfigOut>,
}

/// `CreateUserAssignmentInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateUserAssignmentInfo {
    pub attach_id: Option<String>,
    pub attach_name: Option<String>,
    pub file_system_quota: Option<i64>,
    pub action_get: Option<bool>,
    pub action_put: Option<bool>,
    pub roam_action_get: Option<bool>,
    pub roam_action_put: Option<bool>,
}

/// `CreateUserFolderReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateUserFolderReq {
    pub items: Option<Vec<CreateUserAssignmentInfo>>,
}

/// `CloudStorageAssignmentCreateInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudStorageAssignmentCreateInfo {
    pub id: String,
    pub attach: String,
    pub attach_id: String,
    pub attach_type: String,
    pub domain_id: String,
    pub tenant_id: String,
    pub region_id: String,
    pub folder_name: String,
    pub is_success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// `CloudStorageAssignmentCreateResp`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudStorageAssignmentCreateResp {
    pub items: Vec<CloudStorageAssignmentCreateInfo>,
}

/// `UpdateUserAssignmentInfo`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateUserAssignmentInfo {
    pub file_system_quota: Option<i64>,
    pub action_get: Option<bool>,
    pub action_put: Option<bool>,
    pub roam_action_get: Option<bool>,
    pub roam_action_put: Option<bool>,
}

/// `UpdateUserFolderReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateUserFolderReq {
    pub update_user_assignment_info: Option<UpdateUserAssignmentInfo>,
}

/// `CloudStorageAssignment`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudStorageAssignmentOut {
    pub cloud_storage_assignment_id: String,
    pub attach_name: String,
    /// Bytes (absent: no quota of its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<u64>,
    /// Bytes its files hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_quota: Option<u64>,
    pub action_get: bool,
    pub action_put: bool,
    pub roam_action_get: bool,
    pub roam_action_put: bool,
    pub create_time: String,
}

/// `ListCloudStorageAssignmentResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListCloudStorageAssignmentResponse {
    pub count: i64,
    pub items: Vec<CloudStorageAssignmentOut>,
}

/// `ChangeClusterReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeClusterReq {
    pub cloud_storage_assignment_ids: Option<Vec<String>>,
    pub target_cluster_group_id: Option<String>,
    pub target_project_config_id: Option<String>,
}

/// `ChangeCloudStorageAssignmentInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChangeCloudStorageAssignmentInfo {
    pub id: String,
    pub attach: String,
    pub attach_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<u64>,
    pub action_get: bool,
    pub action_put: bool,
    pub roam_action_get: bool,
    pub roam_action_put: bool,
}

/// `ChangeClusterResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChangeClusterResponse {
    pub items: Vec<ChangeCloudStorageAssignmentInfo>,
}

/// `FileInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileInfo {
    pub file_name: String,
    pub size: u64,
    pub content_type: String,
}

/// `FolderInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FolderInfo {
    pub prefix: String,
    pub inode_no: u64,
}

/// `ListFoldersAndFilesResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListFoldersAndFilesResponse {
    pub location: String,
    pub prefix: String,
    pub files: Vec<FileInfo>,
    pub folders: Vec<FolderInfo>,
    pub marker: String,
    pub next_marker: String,
    pub max_keys: i64,
}

/// `ResetUserProfileReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResetUserProfileReq {
    pub cloud_storage_assignment_id: Option<String>,
    pub ori_name: Option<String>,
}

/// `TransferFilePreReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferFilePreReq {
    pub user_name: Option<String>,
    pub file_name: Option<String>,
    pub file_code: Option<String>,
    pub file_acc_code: Option<String>,
    pub file_system_name: Option<String>,
}

/// `TransferFilePreResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransferFilePreResponse {
    pub target_file_url: String,
    pub file_system_name: String,
    pub folder_name: String,
}

/// `TransferFileReq`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferFileReq {
    pub transfer_type: Option<i64>,
    pub user_name: Option<String>,
    pub file_url: Option<String>,
    pub file_code: Option<String>,
    pub file_acc_code: Option<String>,
    pub target_file_url: Option<String>,
    pub file_system_name: Option<String>,
}

/// `TransferFileResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransferFileResponse {
    pub file_url: String,
    pub file_code: String,
    pub file_acc_code: String,
    pub file_system_name: String,
    pub folder_name: String,
}
