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
