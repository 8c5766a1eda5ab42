//! Cloud storages (issue 19, `/v1/{project_id}/cloud-storages…`): the project's SFS project
//! configurations associated with their cluster groups, users' personal folders in them with
//! quotas and access switches, the files in those folders (listing, profile reset), file
//! transfer between users through a code, and moving folders to another cluster group. Folders
//! are real directories ([`crate::files`], `docs/storage.md`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::storage::{
    ChangeCloudStorageAssignmentInfo, ChangeClusterReq, ChangeClusterResponse,
    CloudStorageAssignmentCreateInfo, CloudStorageAssignmentCreateResp, CloudStorageAssignmentOut,
    CloudStorageOut, CreateCloudStorageReq, CreateUserFolderReq, FileInfo, FolderInfo, ItemsReq,
    ListCloudStorageAssignmentResponse, ListCloudStorageResponse, ListFoldersAndFilesResponse,
    ListProjectConfigsResponse, ProjectConfigOut, ResetUserProfileReq, TransferFilePreReq,
    TransferFilePreResponse, TransferFileReq, TransferFileResponse, UpdateUserFolderReq,
};
use openwks_core::error::Reason;
use openwks_core::storage::{
    check_attach, check_folder_url, check_relative_path, project_configs, CloudFolder,
    CloudStorage, CloudStorageView, ProjectConfig, CLAIM_MODES,
};
use openwks_core::validate::{check_enum, check_range, check_text};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::files::{Folder, Got};
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;
use super::storage::{delete_folders, make_folders, page_of, query_id};

/// Bytes in a GiB (a project configuration's `storage_quota` is in GiB).
const GIB: u64 = 1 << 30;

fn out(v: &CloudStorageView) -> CloudStorageOut {
    CloudStorageOut {
        id: v.storage.id.clone(),
        name: v.storage.name.clone(),
        project_config_id: v.storage.project_config_id.clone(),
        cluster_group_id: v.storage.cluster_group_id.clone(),
        create_time: v.storage.create_time.clone(),
        user_claim_count: v.user_claim_count,
        share_claim_count: 0,
    }
}

fn config(id: &str) -> Option<ProjectConfig> {
    project_configs()
        .into_iter()
        .find(|c| c.project_config_id == id)
}

async fn storage_of(
    st: &AppState,
    project_id: &str,
    id: &str,
) -> openwks_core::Result<CloudStorage> {
    st.store
        .cloud_storage(project_id.to_string(), id.to_string())
        .await?
        .map(|v| v.storage)
        .ok_or_else(|| Error::not_found("cloud storage", id))
}

/// The file system quota of a cloud storage, in bytes.
fn fs_quota(s: &CloudStorage) -> Option<u64> {
    config(&s.project_config_id).map(|c| c.storage_quota.max(0) as u64 * GIB)
}

fn text(field: &str, v: &str, hi: usize) -> openwks_core::Result<()> {
    check_text(field, v, 1, hi, Reason::InvalidParameter)
}

// ---- project configurations and cloud storages ----

/// `list_project_configs`: `GET …/cloud-storages/actions/list-project-configs?offset&limit&
/// name`: the project's configurations (`docs/storage.md`), each with whether a cloud storage
/// is on it.
pub async fn list_project_configs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = page_of(&q)?;
    if let Some(n) = q.str("name") {
        check_text("name", n, 0, 128, Reason::InvalidQuery)?;
    }
    let (_, storages) = st
        .store
        .list_cloud_storages(project_id, None, None, 0, i64::MAX)
        .await?;
    let all: Vec<ProjectConfigOut> = project_configs()
        .into_iter()
        .filter(|c| {
            q.str("name")
                .is_none_or(|n| c.project_config_name.contains(n))
        })
        .map(|c| {
            let on = storages
                .iter()
                .find(|s| s.storage.project_config_id == c.project_config_id);
            config_out(c, on.map(|v| &v.storage))
        })
        .collect();
    let (count, items) = openwks_core::paging::page(all, offset, limit);
    Ok(Json(ListProjectConfigsResponse { count, items }).into_response())
}

fn config_out(c: ProjectConfig, on: Option<&CloudStorage>) -> ProjectConfigOut {
    ProjectConfigOut {
        project_config_id: c.project_config_id,
        project_config_name: c.project_config_name,
        storage_quota: c.storage_quota,
        is_relevance: on.is_some(),
        cluster_group_id: c.cluster_group_id,
        create_time: on.map(|s| s.create_time.clone()),
    }
}

/// `show_project_config`: `GET …/cloud-storages/actions/project-config/{cloud_storage_id}`:
/// the configuration a cloud storage is on.
pub async fn show_project_config(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = storage_of(&st, &project_id, &id).await?;
    let c = config(&s.project_config_id)
        .ok_or_else(|| Error::not_found("project configuration", &s.project_config_id))?;
    Ok(Json(serde_json::json!({"project_config": config_out(c, Some(&s))})).into_response())
}

/// `create_cloud_storage`: `POST …/cloud-storages` `{project_config_cluster_group_id_list:
/// [{cluster_group_id, project_config_id}]}` (1–50): each configuration associated with its
/// cluster group, all or none (409 when one is associated already).
pub async fn create_cloud_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateCloudStorageReq = json_body(&body)?;
    let list = r
        .project_config_cluster_group_id_list
        .ok_or_else(|| Error::missing("project_config_cluster_group_id_list"))?;
    if list.is_empty() || list.len() > 50 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            "project_config_cluster_group_id_list must hold 1 to 50 entries",
        )
        .into());
    }
    let mut storages: Vec<CloudStorage> = Vec::with_capacity(list.len());
    for (i, e) in list.into_iter().enumerate() {
        let field = format!("project_config_cluster_group_id_list[{i}]");
        let cid = e
            .project_config_id
            .ok_or_else(|| Error::missing(&format!("{field}.project_config_id")))?;
        text(&format!("{field}.project_config_id"), &cid, 128)?;
        let group = e
            .cluster_group_id
            .ok_or_else(|| Error::missing(&format!("{field}.cluster_group_id")))?;
        text(&format!("{field}.cluster_group_id"), &group, 128)?;
        let c = config(&cid).ok_or_else(|| {
            Error::invalid(
                Reason::InvalidParameter,
                format!("{field}.project_config_id: no project configuration {cid:?} (list-project-configs)"),
            )
        })?;
        if c.cluster_group_id != group {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "{field}.cluster_group_id: project configuration {cid} is on cluster group {}, not {group:?}",
                    c.cluster_group_id
                ),
            )
            .into());
        }
        if storages.iter().any(|s| s.project_config_id == cid) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("{field}: project configuration {cid} is named twice"),
            )
            .into());
        }
        storages.push(CloudStorage {
            id: st.ids.next(),
            project_id: project_id.clone(),
            name: c.project_config_name,
            project_config_id: cid,
            cluster_group_id: group,
            create_time: st.now(),
        });
    }
    for s in &storages {
        st.files.create_fs(&project_id, &s.file_system()).await?;
    }
    st.store.create_cloud_storages(storages).await?;
    Ok(empty_ok())
}

/// `list_cloud_storage`: `GET …/cloud-storages?offset&limit&storage_id&name`.
pub async fn list_cloud_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = page_of(&q)?;
    if q.has("storage_id") {
        check_text(
            "storage_id",
            q.str("storage_id").unwrap_or_default(),
            1,
            128,
            Reason::InvalidQuery,
        )?;
    }
    if let Some(n) = q.str("name") {
        check_text("name", n, 0, 128, Reason::InvalidQuery)?;
    }
    let (count, views) = st
        .store
        .list_cloud_storages(
            project_id,
            q.string("storage_id"),
            q.string("name"),
            offset,
            limit,
        )
        .await?;
    let items = views.iter().map(out).collect();
    Ok(Json(ListCloudStorageResponse { count, items }).into_response())
}

/// `delete_cloud_storage`: `DELETE …/cloud-storages/{storage_id}`: the association goes (the
/// vendor's words); one that is gone answers 200, one with folders is refused (400
/// `WKS.00211124`).
pub async fn delete_cloud_storage(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    st.store.delete_cloud_storages(project_id, vec![id]).await?;
    Ok(empty_ok())
}

/// `batch_delete_cloud_storage`: `POST …/cloud-storages/actions/batch-delete-cloud-storages`
/// `{items: [1..50]}`: all or none.
pub async fn batch_delete_cloud_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let ids = super::string_set_of("items", r.items, 50)?;
    st.store.delete_cloud_storages(project_id, ids).await?;
    Ok(empty_ok())
}

// ---- personal folders ----

fn quota_of(field: &str, v: Option<i64>) -> openwks_core::Result<Option<u64>> {
    v.map(|q| check_range(field, q, 0, i64::MAX).map(|q| q as u64))
        .transpose()
}

/// `create_user_folder_assignment`: `POST …/cloud-storages/{storage_id}/actions/create-folder`
/// `{items: [{attach_id, attach_name, file_system_quota?, action_get?, action_put?,
/// roam_action_get?, roam_action_put?}]}` (1–200): each user's personal folder is made (its
/// directory too), or, when the user has one there, only its quota and switches change. Every
/// item is checked before anything is written; the answer has one entry per item.
pub async fn create_user_folder_assignment(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateUserFolderReq = json_body(&body)?;
    let list = r.items.ok_or_else(|| Error::missing("items"))?;
    if list.is_empty() || list.len() > 200 {
        return Err(Error::invalid(Reason::OutOfRange, "items must hold 1 to 200 users").into());
    }
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    st.files.fs_dir(&project_id, &storage.file_system())?;
    let mut folders: Vec<CloudFolder> = Vec::with_capacity(list.len());
    for (i, a) in list.into_iter().enumerate() {
        let attach_id = a
            .attach_id
            .ok_or_else(|| Error::missing(&format!("items[{i}].attach_id")))?;
        check_attach(&format!("items[{i}].attach_id"), &attach_id)?;
        let attach_name = a
            .attach_name
            .ok_or_else(|| Error::missing(&format!("items[{i}].attach_name")))?;
        check_attach(&format!("items[{i}].attach_name"), &attach_name)?;
        if folders.iter().any(|f| f.attach_id == attach_id) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("items names user {attach_id} twice"),
            )
            .into());
        }
        folders.push(CloudFolder {
            id: st.ids.next(),
            project_id: project_id.clone(),
            storage_id: storage_id.clone(),
            attach_id,
            attach_name,
            quota: quota_of(
                &format!("items[{i}].file_system_quota"),
                a.file_system_quota,
            )?,
            action_get: a.action_get.unwrap_or(false),
            action_put: a.action_put.unwrap_or(false),
            roam_action_get: a.roam_action_get.unwrap_or(false),
            roam_action_put: a.roam_action_put.unwrap_or(false),
            create_time: st.now(),
        });
    }
    let saved = st
        .store
        .put_cloud_folders(project_id.clone(), storage_id, folders)
        .await?;
    let b = st.bootstrap();
    let made: Vec<(String, String)> = saved
        .iter()
        .map(|f| (f.folder_path(), f.id.clone()))
        .collect();
    make_folders(&st, &project_id, &storage.file_system(), &made).await;
    let mut items = Vec::with_capacity(saved.len());
    for f in saved {
        items.push(CloudStorageAssignmentCreateInfo {
            id: f.id.clone(),
            attach: f.attach_name.clone(),
            attach_id: f.attach_id.clone(),
            attach_type: "USER".into(),
            domain_id: b.project.account_id.clone(),
            tenant_id: project_id.clone(),
            region_id: st.settings.region.clone(),
            folder_name: f.attach_id.clone(),
            is_success: true,
            error_message: None,
        });
    }
    Ok(Json(CloudStorageAssignmentCreateResp { items }).into_response())
}

/// `update_cloud_user_folder_assignment`: `PATCH …/cloud-storages/{storage_id}/actions/
/// update-folder/{cloud_assignment_id}` `{update_user_assignment_info: {…}}`: the fields sent
/// change; a quota below what the folder holds is refused.
pub async fn update_cloud_user_folder_assignment(
    State(st): State<AppState>,
    P((project_id, storage_id, id)): P<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateUserFolderReq = json_body(&body)?;
    let u = r
        .update_user_assignment_info
        .ok_or_else(|| Error::missing("update_user_assignment_info"))?;
    let quota = quota_of(
        "update_user_assignment_info.file_system_quota",
        u.file_system_quota,
    )?;
    if let Some(q) = quota {
        let (f, s) = st
            .store
            .cloud_folder(project_id.clone(), id.clone())
            .await?
            .filter(|(f, _)| f.storage_id == storage_id)
            .ok_or_else(|| Error::not_found("personal folder", &id))?;
        let folder = st
            .files
            .folder(&project_id, &s.file_system(), &f.folder_path(), &f.id)
            .await?;
        let used = crate::files::usage_of(&folder.dir);
        if q < used {
            return Err(Error::invalid(
                Reason::StorageQuotaExceeded,
                format!("the folder holds {used} bytes; a quota of {q} is below that"),
            )
            .into());
        }
    }
    st.store
        .update_cloud_folder(
            project_id,
            storage_id,
            id,
            Box::new(move |f: &mut CloudFolder| {
                if quota.is_some() {
                    f.quota = quota;
                }
                let set = |to: &mut bool, v: Option<bool>| {
                    if let Some(v) = v {
                        *to = v;
                    }
                };
                set(&mut f.action_get, u.action_get);
                set(&mut f.action_put, u.action_put);
                set(&mut f.roam_action_get, u.roam_action_get);
                set(&mut f.roam_action_put, u.roam_action_put);
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `delete_cloud_storage_attachment`: `POST …/cloud-storages/{storage_id}/actions/delete-folder`
/// `{items: [user id, …]}` (1–200): the users' folders go with their files, for good.
pub async fn delete_cloud_storage_attachment(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let users = super::string_set_of("items", r.items, 200)?;
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    let fs = storage.file_system();
    let candidates: Vec<CloudFolder> = st
        .store
        .cloud_folders(project_id.clone(), storage_id.clone())
        .await?
        .into_iter()
        .filter(|f| users.contains(&f.attach_id))
        .collect();
    let candidates = candidates
        .into_iter()
        .map(|f| (f.folder_path(), f.id))
        .collect();
    let store = std::sync::Arc::clone(&st.store);
    let project_id2 = project_id.clone();
    let delete = async move {
        let gone = store
            .delete_cloud_folders(project_id2, storage_id, users)
            .await?;
        Ok(gone.into_iter().map(|f| f.id).collect())
    };
    delete_folders(&st, &project_id, &fs, candidates, delete).await?;
    Ok(empty_ok())
}

/// `list_cloud_storage_assignment`: `GET …/cloud-storages/actions/list-folders?storage_id&
/// claim_mode&attach&attach_names&capacity_filter&offset&limit`: the personal folders (`USER`;
/// `SHARE` has none in cloud storages); `attach_names` (comma-separated, as the SDK sends a
/// list) wins over `attach`; `used_quota` is the bytes each holds (whatever `capacity_filter`).
pub async fn list_cloud_storage_assignment(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    page_of(&q)?;
    let storage_id = query_id(&q, "storage_id", true)?.unwrap_or_default();
    let mode = query_id(&q, "claim_mode", true)?.unwrap_or_default();
    check_enum("claim_mode", &mode, CLAIM_MODES)?;
    if let Some(a) = q.str("attach") {
        check_text("attach", a, 0, 128, Reason::InvalidQuery)?;
    }
    // Checked; what each folder holds is always answered (`docs/storage.md`).
    match q.str("capacity_filter") {
        None | Some("true") | Some("false") => {}
        Some(o) => {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                format!("capacity_filter must be true or false, got {o:?}"),
            )
            .into())
        }
    }
    let names: Option<Vec<String>> = q
        .str("attach_names")
        .map(|s| s.split(',').map(str::to_string).collect());
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    let folders = if mode == "USER" {
        st.store
            .cloud_folders(project_id.clone(), storage_id)
            .await?
    } else {
        Vec::new()
    };
    let matching: Vec<CloudFolder> = folders
        .into_iter()
        .filter(|f| match &names {
            Some(ns) => ns.contains(&f.attach_name),
            None => q.str("attach").is_none_or(|a| f.attach_name == a),
        })
        .collect();
    let (offset, limit) = page_of(&q)?;
    let (count, page) = openwks_core::paging::page(matching, offset, limit);
    let mut items = Vec::with_capacity(page.len());
    for f in page {
        let d = st
            .files
            .folder(&project_id, &storage.file_system(), &f.folder_path(), &f.id)
            .await?;
        let used_quota = Some(crate::files::usage_of(&d.dir));
        items.push(CloudStorageAssignmentOut {
            cloud_storage_assignment_id: f.id,
            attach_name: f.attach_name,
            quota: f.quota,
            used_quota,
            action_get: f.action_get,
            action_put: f.action_put,
            roam_action_get: f.roam_action_get,
            roam_action_put: f.roam_action_put,
            create_time: f.create_time,
        });
    }
    Ok(Json(ListCloudStorageAssignmentResponse { count, items }).into_response())
}

/// `change_cluster`: `POST …/cloud-storages/{storage_id}/actions/change-cluster`
/// `{cloud_storage_assignment_ids: [1..50], target_cluster_group_id, target_project_config_id}`:
/// the folders (and their files) move to the cloud storage on that configuration.
pub async fn change_cluster(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ChangeClusterReq = json_body(&body)?;
    let ids = super::string_set_of(
        "cloud_storage_assignment_ids",
        r.cloud_storage_assignment_ids,
        50,
    )?;
    let group = r
        .target_cluster_group_id
        .ok_or_else(|| Error::missing("target_cluster_group_id"))?;
    text("target_cluster_group_id", &group, 128)?;
    let cid = r
        .target_project_config_id
        .ok_or_else(|| Error::missing("target_project_config_id"))?;
    text("target_project_config_id", &cid, 128)?;
    let from = storage_of(&st, &project_id, &storage_id).await?;
    let (_, all) = st
        .store
        .list_cloud_storages(project_id.clone(), None, None, 0, i64::MAX)
        .await?;
    let to = all
        .into_iter()
        .map(|v| v.storage)
        .find(|s| s.project_config_id == cid && s.cluster_group_id == group)
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "no cloud storage of the project is on project configuration {cid:?} and \
                     cluster group {group:?} (create_cloud_storage first)"
                ),
            )
        })?;
    if to.id == from.id {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "the folders are on that cluster group already",
        )
        .into());
    }
    let folders: Vec<CloudFolder> = st
        .store
        .cloud_folders(project_id.clone(), storage_id.clone())
        .await?
        .into_iter()
        .filter(|f| ids.contains(&f.id))
        .collect();
    if let Some(missing) = ids.iter().find(|i| !folders.iter().any(|f| &f.id == *i)) {
        return Err(Error::not_found("personal folder", missing).into());
    }
    // Files first, then the store; back again when the store refuses.
    let mut moved: Vec<String> = Vec::new();
    for f in &folders {
        if let Err(e) = st
            .files
            .move_folder(
                &project_id,
                &from.file_system(),
                &to.file_system(),
                &f.folder_path(),
            )
            .await
        {
            for m in &moved {
                let _ = st
                    .files
                    .move_folder(&project_id, &to.file_system(), &from.file_system(), m)
                    .await;
            }
            return Err(e.into());
        }
        moved.push(f.folder_path());
    }
    let done = match st
        .store
        .move_cloud_folders(project_id.clone(), storage_id, ids, to.id.clone())
        .await
    {
        Ok(d) => d,
        Err(e) => {
            for m in &moved {
                let _ = st
                    .files
                    .move_folder(&project_id, &to.file_system(), &from.file_system(), m)
                    .await;
            }
            return Err(e.into());
        }
    };
    let items = done
        .into_iter()
        .map(|f| ChangeCloudStorageAssignmentInfo {
            id: f.id,
            attach: f.attach_name,
            attach_id: f.attach_id,
            quota: f.quota,
            action_get: f.action_get,
            action_put: f.action_put,
            roam_action_get: f.roam_action_get,
            roam_action_put: f.roam_action_put,
        })
        .collect();
    Ok(Json(ChangeClusterResponse { items }).into_response())
}

// ---- files ----

/// A user's folder: the one named, else the user's oldest.
async fn user_folder(
    st: &AppState,
    project_id: &str,
    user: &str,
    id: Option<&str>,
    file_system: Option<&str>,
) -> openwks_core::Result<(CloudFolder, CloudStorage, Folder)> {
    let all = st
        .store
        .cloud_folders_of(project_id.to_string(), user.to_string())
        .await?;
    let (f, s) = all
        .into_iter()
        .find(|(f, s)| {
            id.is_none_or(|i| f.id == i) && file_system.is_none_or(|n| s.file_system() == n)
        })
        .ok_or_else(|| Error::not_found("personal folder of user", user))?;
    let folder = st
        .files
        .folder(project_id, &s.file_system(), &f.folder_path(), &f.id)
        .await?;
    Ok((f, s, folder))
}

/// `list_folders_and_files`: `GET …/cloud-storages/actions/list-folder-files?user_name&
/// cloud_storage_assignment_id&folder_url&marker&limit`: what a folder of the user's personal
/// folder holds, by name, from after `marker`, at most `limit` (1,000 by default and at most).
pub async fn list_folders_and_files(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let user = query_id(&q, "user_name", true)?.unwrap_or_default();
    let url = q.string("folder_url").ok_or_else(|| {
        Error::invalid(
            Reason::MissingParameter,
            "query parameter folder_url is required",
        )
    })?;
    let parts = check_folder_url(&url)?;
    let marker = q.string("marker").unwrap_or_default();
    check_text("marker", &marker, 0, 1024, Reason::InvalidQuery)?;
    let limit = match q.i64("limit")? {
        Some(l) => check_range("limit", l, 0, 1_000_000)
            .map_err(|e| Error::invalid(Reason::InvalidQuery, e.message))?,
        None => 1000,
    };
    let max_keys = limit.min(1000);
    let (_, _, folder) = user_folder(
        &st,
        &project_id,
        &user,
        q.str("cloud_storage_assignment_id"),
        None,
    )
    .await?;
    let prefix = parts.join("/");
    let entries = match st.files.get(&folder, parts).await? {
        Got::Dir(es) => es,
        Got::File(_) => {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("folder_url {url:?} is a file"),
            )
            .into())
        }
    };
    let full = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        }
    };
    let after: Vec<_> = entries
        .into_iter()
        .filter(|e| marker.is_empty() || full(&e.name) > marker)
        .collect();
    let taken: Vec<_> = after.iter().take(max_keys as usize).cloned().collect();
    let next_marker = if after.len() > taken.len() {
        taken.last().map(|e| full(&e.name)).unwrap_or_default()
    } else {
        String::new()
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for e in taken {
        if e.kind == "folder" {
            folders.push(FolderInfo {
                prefix: full(&e.name),
                inode_no: e.inode,
            });
        } else {
            let content_type = e
                .name
                .rfind('.')
                .filter(|i| *i > 0)
                .map(|i| e.name[i..].to_string())
                .unwrap_or_default();
            files.push(FileInfo {
                file_name: full(&e.name),
                size: e.size,
                content_type,
            });
        }
    }
    Ok(Json(ListFoldersAndFilesResponse {
        location: st.settings.region.clone(),
        prefix: format!("/{prefix}"),
        files,
        folders,
        marker,
        next_marker,
        max_keys,
    })
    .into_response())
}

/// Where a personal folder keeps its user's profile (`docs/storage.md`).
pub const PROFILE: &str = "UserProfile";

/// `reset_user_profile`: `POST …/cloud-storages/actions/reset-userprofile`
/// `{cloud_storage_assignment_id, ori_name?}`: the profile (`UserProfile`, or the entry
/// `ori_name` names) of a personal folder is emptied, for real.
pub async fn reset_user_profile(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ResetUserProfileReq = json_body(&body)?;
    let id = r
        .cloud_storage_assignment_id
        .ok_or_else(|| Error::missing("cloud_storage_assignment_id"))?;
    text("cloud_storage_assignment_id", &id, 128)?;
    let name = r.ori_name.unwrap_or_else(|| PROFILE.to_string());
    let parts = check_relative_path("ori_name", &name)?;
    let (f, s) = st
        .store
        .cloud_folder(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("personal folder", &id))?;
    let folder = st
        .files
        .folder(&project_id, &s.file_system(), &f.folder_path(), &f.id)
        .await?;
    st.files.empty(&folder, parts).await?;
    Ok(empty_ok())
}

fn required(field: &str, v: Option<String>, hi: usize) -> openwks_core::Result<String> {
    let v = v
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing(field))?;
    text(field, &v, hi)?;
    Ok(v)
}

fn refused(action: &str, f: &CloudFolder) -> Error {
    Error::new(
        openwks_core::ErrorKind::Forbidden,
        Reason::StorageActionDenied,
        format!(
            "the personal folder of {} ({}) does not allow {action} from the cloud \
             (roam_action_get {}, roam_action_put {})",
            f.attach_name, f.id, f.roam_action_get, f.roam_action_put
        ),
    )
}

/// `transfer_file_pre`: `POST …/cloud-storages/actions/pre-transfer-file` `{user_name,
/// file_name, file_code, file_acc_code, file_system_name}`: where a shared file would land in
/// the receiver's personal folder (its name, or `name (1).ext` when taken), checking the codes.
pub async fn transfer_file_pre(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: TransferFilePreReq = json_body(&body)?;
    let user = required("user_name", r.user_name, 128)?;
    let code = required("file_code", r.file_code, 64)?;
    let acc = required("file_acc_code", r.file_acc_code, 64)?;
    let fs = required("file_system_name", r.file_system_name, 128)?;
    let (name, _, _) = st
        .files
        .shared(st.files.fs_dir(&project_id, &fs)?, code, acc)
        .await?;
    if let Some(n) = r.file_name.filter(|n| !n.is_empty()) {
        if n != name {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("file_name {n:?} is not the shared file's name ({name:?})"),
            )
            .into());
        }
    }
    let (f, s, folder) = receiver(&st, &project_id, &user, &fs).await?;
    let target = st.files.free_name(&folder, Vec::new(), name).await?;
    Ok(Json(TransferFilePreResponse {
        target_file_url: target,
        file_system_name: s.file_system(),
        folder_name: f.attach_id,
    })
    .into_response())
}

/// The receiver's folder: in the shared file's file system when it has one there, else its
/// oldest.
async fn receiver(
    st: &AppState,
    project_id: &str,
    user: &str,
    fs: &str,
) -> openwks_core::Result<(CloudFolder, CloudStorage, Folder)> {
    match user_folder(st, project_id, user, None, Some(fs)).await {
        Ok(x) => Ok(x),
        Err(e) if e.kind == openwks_core::ErrorKind::NotFound => {
            user_folder(st, project_id, user, None, None).await
        }
        Err(e) => Err(e),
    }
}

/// `transfer_file`: `POST …/cloud-storages/actions/transfer-file`. `transfer_type` 0 (personal
/// → shared): `user_name` shares `file_url` of its personal folder; the answer's `file_code`
/// and `file_acc_code` let another user take it. 1 (shared → personal): `user_name` takes the
/// file with both codes into `target_file_url` of its folder (a free name when none is given),
/// whole or not at all and within its folder's and the configuration's quotas. The folder's
/// switches apply: sharing needs `roam_action_get`, taking `roam_action_put`.
pub async fn transfer_file(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: TransferFileReq = json_body(&body)?;
    let kind = r
        .transfer_type
        .ok_or_else(|| Error::missing("transfer_type"))?;
    let user = required("user_name", r.user_name, 128)?;
    match kind {
        0 => {
            let url = required("file_url", r.file_url, 1024)?;
            let parts = check_relative_path("file_url", &url)?;
            let fs = r.file_system_name.filter(|s| !s.is_empty());
            let (f, s, folder) = user_folder(&st, &project_id, &user, None, fs.as_deref()).await?;
            if !f.roam_action_get {
                return Err(refused("reading (sharing) a file", &f).into());
            }
            let code = st.new_hex_id(8);
            let acc = access_code();
            st.files
                .share(&folder, parts, code.clone(), acc.clone(), user.clone())
                .await?;
            Ok(Json(TransferFileResponse {
                file_url: url,
                file_code: code,
                file_acc_code: acc,
                file_system_name: s.file_system(),
                folder_name: f.attach_id,
            })
            .into_response())
        }
        1 => {
            let code = required("file_code", r.file_code, 64)?;
            let acc = required("file_acc_code", r.file_acc_code, 64)?;
            let fs = required("file_system_name", r.file_system_name, 128)?;
            let (name, bytes, _) = st
                .files
                .shared(st.files.fs_dir(&project_id, &fs)?, code.clone(), acc.clone())
                .await?;
            let (f, s, folder) = receiver(&st, &project_id, &user, &fs).await?;
            if !f.roam_action_put {
                return Err(refused("writing (receiving) a file", &f).into());
            }
            let target = match r.target_file_url.filter(|t| !t.is_empty()) {
                Some(t) => t,
                None => st.files.free_name(&folder, Vec::new(), name).await?,
            };
            let parts = check_relative_path("target_file_url", &target)?;
            if let Ok(Got::File(_)) = st.files.get(&folder, parts.clone()).await {
                return Err(Error::conflict(
                    Reason::Conflict,
                    format!("{target} exists in the folder (transfer_file_pre names a free one)"),
                )
                .into());
            }
            st.files
                .put_within(&folder, parts, Bytes::from(bytes), f.quota, fs_quota(&s))
                .await?;
            Ok(Json(TransferFileResponse {
                file_url: target,
                file_code: code,
                file_acc_code: acc,
                file_system_name: s.file_system(),
                folder_name: f.attach_id,
            })
            .into_response())
        }
        other => Err(Error::invalid(
            Reason::InvalidEnum,
            format!("transfer_type must be 0 (personal to shared) or 1 (shared to personal), got {other}"),
        )
        .into()),
    }
}

/// A file's extraction code: six letters and digits, from the OS's generator.
fn access_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
