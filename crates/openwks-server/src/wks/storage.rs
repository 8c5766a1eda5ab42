//! Storage (issue 19): WKS storages on SFS 3.0 file systems
//! (`/v1/{project_id}/persistent-storages…`, `/v1/persistent-storages/actions/list-sfs-storages`),
//! personal and shared folders with their members, and the folders' access policies
//! (`/v1/{project_id}/storages-policy…`). Folders are real directories ([`crate::files`]); a
//! session's mounts follow its server group's `storage_mount_policy` ([`session_mounts`]).

use std::collections::BTreeMap;

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::storage::{
    metadata, AssignShareFolderReq, AssignUserFolderReq, Attachment, CreatePersistentStorageReq,
    CreateShareFolderReq, ItemsReq, ListPersistentStorageResponse, ListSfs3StorageResponse,
    ListShareFolderResponse, ListStorageAssignmentResponse, ListStoragePolicyStatementResponse,
    PersistentStorageAssignment, PersistentStorageClaim, PersistentStorageOut, PolicyStatementOut,
    Sfs3StorageOut, SharePersistentStorageClaim, StoragePolicyReq,
};
use openwks_core::error::Reason;
use openwks_core::storage::{
    check_attach, check_folder_name, check_policy, check_storage_handle, check_storage_name,
    share_folder_path, Mount, PersistentStorage, PolicyStatement, StorageAssignment, StorageClaim,
    ATTACH_TYPES, CLAIM_MODES, CUSTOM_POLICY_ID, STORAGE_CLASSES,
};
use openwks_core::validate::{check_enum, check_text};
use openwks_core::Error;
use openwks_store::UserFolder;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, json_body_or_default, Query, P};
use crate::AppState;

use super::empty_ok;

/// `offset` (0–2147483646, the storage operations' bound) and `limit` (1–100).
pub(super) fn page_of(q: &Query) -> openwks_core::Result<(i64, i64)> {
    let (offset, limit) = q.page()?;
    openwks_core::validate::check_range("offset", offset, 0, 2_147_483_646)
        .map_err(|e| Error::invalid(Reason::InvalidQuery, e.message))?;
    Ok((offset, limit))
}

/// A page of a list already read (the storage lists are per storage: hundreds of folders).
fn paged<T>(all: Vec<T>, q: &Query) -> openwks_core::Result<(i64, Vec<T>)> {
    let (offset, limit) = page_of(q)?;
    Ok(openwks_core::paging::page(all, offset, limit))
}

async fn storage_of(
    st: &AppState,
    project_id: &str,
    id: &str,
) -> openwks_core::Result<PersistentStorage> {
    st.store
        .persistent_storage(project_id.to_string(), id.to_string())
        .await?
        .map(|v| v.storage)
        .ok_or_else(|| Error::not_found("storage", id))
}

/// `items` of 1 to `max` names or ids of 1–128 characters, none twice.
fn items(field: &str, v: Option<Vec<String>>, max: usize) -> openwks_core::Result<Vec<String>> {
    super::string_set_of(field, v, max)
}

/// A query id (`storage_id`, `storage_claim_id`): required or not, at most 128 characters.
pub(super) fn query_id(
    q: &Query,
    key: &str,
    required: bool,
) -> openwks_core::Result<Option<String>> {
    if q.has(key) && q.str(key).is_none() {
        return Err(Error::invalid(
            Reason::InvalidQuery,
            format!("query parameter {key} must not be empty"),
        ));
    }
    match q.string(key) {
        Some(v) => {
            check_text(key, &v, 1, 128, Reason::InvalidQuery)?;
            Ok(Some(v))
        }
        None if required => Err(Error::invalid(
            Reason::MissingParameter,
            format!("query parameter {key} is required"),
        )),
        None => Ok(None),
    }
}

// ---- storages ----

/// `create_persistent_storage`: `POST /v1/{project_id}/persistent-storages`
/// `{name, storage_metadata: {storage_class: "sfs", storage_handle}}`: the storage on that SFS
/// 3.0 file system (made in the storage directory when it does not exist yet; one storage a
/// file system).
pub async fn create_persistent_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreatePersistentStorageReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    check_storage_name(&name)?;
    let m = r
        .storage_metadata
        .ok_or_else(|| Error::missing("storage_metadata"))?;
    let class = m
        .storage_class
        .ok_or_else(|| Error::missing("storage_metadata.storage_class"))?;
    check_enum("storage_metadata.storage_class", &class, STORAGE_CLASSES)?;
    let handle = m
        .storage_handle
        .ok_or_else(|| Error::missing("storage_metadata.storage_handle"))?;
    check_storage_handle(&handle)?;
    st.files.create_fs(&project_id, &handle).await?;
    let view = st
        .store
        .create_persistent_storage(PersistentStorage {
            id: st.ids.next(),
            project_id,
            name,
            storage_class: class,
            storage_handle: handle,
            create_time: st.now(),
        })
        .await?;
    Ok(Json(PersistentStorageOut::of(&view, &st.settings.region)).into_response())
}

/// `list_persistent_storage`: `GET …/persistent-storages?offset&limit&storage_id&name`
/// (`name`: part of it).
pub async fn list_persistent_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = page_of(&q)?;
    let id = query_id(&q, "storage_id", false)?;
    if let Some(n) = q.str("name") {
        check_text("name", n, 0, 128, Reason::InvalidQuery)?;
    }
    let (count, views) = st
        .store
        .list_persistent_storages(project_id, id, q.string("name"), offset, limit)
        .await?;
    let items = views
        .iter()
        .map(|v| PersistentStorageOut::of(v, &st.settings.region))
        .collect();
    Ok(Json(ListPersistentStorageResponse { count, items }).into_response())
}

/// `delete_persistent_storage`: `DELETE …/persistent-storages/{storage_id}`: the association
/// goes, the file system and its files stay (as the vendor's). A storage that is gone answers
/// 200 (the vendor's, its Terraform provider's comment); one with folders is refused.
pub async fn delete_persistent_storage(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    st.store
        .delete_persistent_storages(project_id, vec![id])
        .await?;
    Ok(empty_ok())
}

/// `batch_delete_persistent_storage`: `POST …/persistent-storages/actions/batch-delete`
/// `{items: [1..50]}`: all or none (none when one still has folders).
pub async fn batch_delete_persistent_storage(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let ids = items("items", r.items, 50)?;
    st.store.delete_persistent_storages(project_id, ids).await?;
    Ok(empty_ok())
}

/// `list_sfs3_storage`: `GET /v1/persistent-storages/actions/list-sfs-storages?offset&limit&
/// name`: the SFS 3.0 file systems of the caller's project (`X-Project-Id`, else the
/// account's default project) in the storage directory, with the bytes their files hold.
pub async fn list_sfs3_storage(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    q: Query,
) -> ApiResult<Response> {
    let project_id = crate::ims::project_of(&st, &ctx, &headers)?;
    if let Some(n) = q.str("name") {
        check_text("name", n, 0, 128, Reason::InvalidQuery)?;
    }
    let name = q.string("name");
    let all: Vec<Sfs3StorageOut> = st
        .files
        .file_systems(&project_id)
        .await?
        .into_iter()
        .filter(|f| name.as_deref().is_none_or(|n| f.name.contains(n)))
        .map(|f| Sfs3StorageOut {
            location: openwks_api::wks::storage::export_location(&f.name, &st.settings.region),
            name: f.name,
            create_time: openwks_core::time::format_ms(f.created_ms),
            usage: f.usage.to_string(),
        })
        .collect();
    let (count, items) = paged(all, &q)?;
    Ok(Json(ListSfs3StorageResponse { count, items }).into_response())
}

// ---- policies ----

/// `create_or_update_storage_policy_statement`: `PUT …/storages-policy/actions/create-statements`
/// `{actions, roam_actions}`: the project's own policy (`CUSTOM_1`), made or replaced.
pub async fn create_or_update_storage_policy_statement(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: StoragePolicyReq = json_body(&body)?;
    let roam = r
        .roam_actions
        .ok_or_else(|| Error::missing("roam_actions"))?;
    let (actions, roam_actions) = check_policy(&r.actions.unwrap_or_default(), &roam)?;
    let p = st
        .store
        .put_storage_policy(
            project_id,
            PolicyStatement {
                policy_statement_id: CUSTOM_POLICY_ID.into(),
                actions,
                roam_actions,
            },
        )
        .await?;
    Ok(Json(PolicyStatementOut::from(&p)).into_response())
}

/// `list_storage_policy_statement`: `GET …/storages-policy/actions/list-statements?offset&
/// limit`: the four built-in policies, then the project's own.
pub async fn list_storage_policy_statement(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let all = st.store.storage_policies(project_id).await?;
    let (count, page) = paged(all, &q)?;
    let items = page.iter().map(PolicyStatementOut::from).collect();
    Ok(Json(ListStoragePolicyStatementResponse { count, items }).into_response())
}

async fn check_policy_ids<'a>(
    st: &AppState,
    project_id: &str,
    ids: impl Iterator<Item = &'a str>,
) -> openwks_core::Result<Vec<PolicyStatement>> {
    let policies = st.store.storage_policies(project_id.to_string()).await?;
    for id in ids {
        if !policies.iter().any(|p| p.policy_statement_id == id) {
            let known: Vec<&str> = policies
                .iter()
                .map(|p| p.policy_statement_id.as_str())
                .collect();
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "policy_statement_id {id:?} is not a policy of the project ({})",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(policies)
}

// ---- personal folders ----

/// `update_user_folder_assignment`: `POST …/persistent-storages/{storage_id}/actions/
/// assign-folder` `{items: [{attach, policy_statement_id}]}` (1–200): each user's personal
/// folder `users/{user}/` is made, or, when it exists, only its policy changes.
pub async fn update_user_folder_assignment(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: AssignUserFolderReq = json_body(&body)?;
    let list = r.items.ok_or_else(|| Error::missing("items"))?;
    if list.is_empty() || list.len() > 200 {
        return Err(Error::invalid(Reason::OutOfRange, "items must hold 1 to 200 users").into());
    }
    let mut folders: Vec<UserFolder> = Vec::with_capacity(list.len());
    for (i, a) in list.into_iter().enumerate() {
        let attach = a
            .attach
            .ok_or_else(|| Error::missing(&format!("items[{i}].attach")))?;
        check_attach(&format!("items[{i}].attach"), &attach)?;
        let policy = a
            .policy_statement_id
            .ok_or_else(|| Error::missing(&format!("items[{i}].policy_statement_id")))?;
        check_text(
            &format!("items[{i}].policy_statement_id"),
            &policy,
            1,
            128,
            Reason::InvalidParameter,
        )?;
        if let Some(t) = a.attach_type.as_deref().filter(|t| !t.is_empty()) {
            check_enum(&format!("items[{i}].attach_type"), t, &["USER"]).map_err(|_| {
                Error::invalid(
                    Reason::InvalidEnum,
                    format!(
                        "items[{i}].attach_type: a personal folder belongs to one user (USER), \
                         got {t:?}"
                    ),
                )
            })?;
        }
        if folders.iter().any(|f| f.attach == attach) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("items names user {attach} twice"),
            )
            .into());
        }
        folders.push(UserFolder {
            attach,
            policy_statement_id: policy,
            new_claim_id: st.new_uuid(),
        });
    }
    check_policy_ids(
        &st,
        &project_id,
        folders.iter().map(|f| f.policy_statement_id.as_str()),
    )
    .await?;
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    st.files.fs_dir(&project_id, &storage.storage_handle)?;
    let claims = st
        .store
        .assign_user_folders(project_id.clone(), storage_id, folders, st.timestamp())
        .await?;
    let made: Vec<(String, String)> = claims.into_iter().map(|c| (c.folder_path, c.id)).collect();
    make_folders(&st, &project_id, &storage.storage_handle, &made).await;
    Ok(empty_ok())
}

/// Make the directories of folders just claimed in the file system `handle`, each
/// `(folder path, claim or folder id)`. The claim is the truth: a directory that cannot be made
/// now is made on the folder's first use (logged, not answered).
pub(super) async fn make_folders(
    st: &AppState,
    project_id: &str,
    handle: &str,
    folders: &[(String, String)],
) {
    for (path, id) in folders {
        if let Err(e) = st.files.folder(project_id, handle, path, id).await {
            tracing::warn!(folder = %id, error = %e.message, "folder not made; made on first use");
        }
    }
}

/// Delete folders of the file system `handle`, each `(folder path, claim or folder id)`: out
/// of sight first, then `delete` in the store (answering the ids it deleted), then for good;
/// what the store did not delete (or all, when it refuses) is put back.
pub(super) async fn delete_folders(
    st: &AppState,
    project_id: &str,
    handle: &str,
    candidates: Vec<(String, String)>,
    delete: impl std::future::Future<Output = openwks_core::Result<Vec<String>>>,
) -> openwks_core::Result<()> {
    let put_back = |done: &[&(String, String)]| {
        let done: Vec<(String, String)> = done.iter().map(|x| (*x).clone()).collect();
        async move {
            for (path, id) in &done {
                let _ = st.files.untrash(project_id, handle, path, id).await;
            }
        }
    };
    let mut trashed: Vec<&(String, String)> = Vec::new();
    for c in &candidates {
        if let Err(e) = st.files.trash(project_id, handle, &c.0, &c.1).await {
            put_back(&trashed).await;
            return Err(e);
        }
        trashed.push(c);
    }
    let deleted = match delete.await {
        Ok(d) => d,
        Err(e) => {
            put_back(&trashed).await;
            return Err(e);
        }
    };
    let (gone, kept): (Vec<_>, Vec<_>) = trashed.into_iter().partition(|t| deleted.contains(&t.1));
    for (_, id) in gone {
        if let Err(e) = st.files.purge(project_id, handle, id).await {
            tracing::warn!(folder = %id, error = %e.message, "deleted folder not purged");
        }
    }
    put_back(&kept).await;
    Ok(())
}

/// `delete_user_storage_attachment`: `POST …/persistent-storages/{storage_id}/actions/
/// delete-user-attachment` `{items: [user, …]}` (1–200): the users' personal folders go with
/// every file in them (as the vendor's: "permanently deleted"); users without one are skipped.
pub async fn delete_user_storage_attachment(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let users = items("items", r.items, 200)?;
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    st.files.fs_dir(&project_id, &storage.storage_handle)?;
    let project_id2 = project_id.clone();
    let candidates: Vec<(String, String)> = st
        .store
        .storage_claims(project_id.clone(), storage_id.clone(), Some("USER".into()))
        .await?
        .into_iter()
        .map(|(c, _)| (c.folder_path, c.id))
        .filter(|(path, _)| {
            users
                .iter()
                .any(|u| *path == openwks_core::storage::user_folder_path(u))
        })
        .collect();
    let store = std::sync::Arc::clone(&st.store);
    let delete = async move {
        let gone = store
            .delete_user_folders(project_id2, storage_id, users)
            .await?;
        Ok(gone.into_iter().map(|c| c.id).collect())
    };
    delete_folders(
        &st,
        &project_id,
        &storage.storage_handle,
        candidates,
        delete,
    )
    .await?;
    Ok(empty_ok())
}

/// `list_storage_assignment`: `GET …/persistent-storages/actions/list-attachments?storage_id&
/// claim_mode&storage_claim_id&attach&attach_type&offset&limit`: the members of the storage's
/// folders of that mode, one item per member (`SHARE` needs `storage_claim_id`).
pub async fn list_storage_assignment(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    page_of(&q)?;
    let storage_id = query_id(&q, "storage_id", true)?.unwrap_or_default();
    let mode = query_id(&q, "claim_mode", true)?.unwrap_or_default();
    check_enum("claim_mode", &mode, CLAIM_MODES)?;
    let claim_id = query_id(&q, "storage_claim_id", mode == "SHARE")?;
    if let Some(a) = q.str("attach") {
        check_text("attach", a, 0, 128, Reason::InvalidQuery)?;
    }
    if let Some(t) = q.str("attach_type") {
        check_enum("attach_type", t, ATTACH_TYPES)?;
    }
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    let policies = st.store.storage_policies(project_id.clone()).await?;
    let claims = st
        .store
        .storage_claims(project_id, storage_id, Some(mode))
        .await?;
    let meta = metadata(&storage, &st.settings.region);
    let mut all = Vec::new();
    for (c, members) in claims {
        if claim_id.as_deref().is_some_and(|id| id != c.id) {
            continue;
        }
        for m in members {
            if q.str("attach").is_some_and(|a| a != m.attach)
                || q.str("attach_type").is_some_and(|t| t != m.attach_type)
            {
                continue;
            }
            let policy = policies
                .iter()
                .find(|p| p.policy_statement_id == m.policy_statement_id)
                .map(PolicyStatementOut::from)
                .unwrap_or(PolicyStatementOut {
                    policy_statement_id: m.policy_statement_id.clone(),
                    actions: vec![],
                    roam_actions: vec![],
                });
            all.push(PersistentStorageAssignment {
                storage_claim_id: c.id.clone(),
                folder_path: c.folder_path.clone(),
                delimiter: "/".into(),
                claim_mode: c.claim_mode.clone(),
                attachment: Attachment {
                    attach: Some(m.attach),
                    attach_type: Some(m.attach_type),
                },
                policy_statement: policy,
                storage_metadata: meta.clone(),
            });
        }
    }
    let (count, items) = paged(all, &q)?;
    Ok(Json(ListStorageAssignmentResponse { count, items }).into_response())
}

// ---- shared folders ----

/// `create_share_folder`: `POST …/persistent-storages/{storage_id}/actions/create-share-folder`
/// `{folder_name}`: the shared folder `shares/{name}/` (one level; the name optional in the
/// vendor's table: `share-` and eight hex digits when none is given).
pub async fn create_share_folder(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateShareFolderReq = json_body_or_default(&body)?;
    let name = match r.folder_name {
        Some(n) => {
            check_folder_name(&n)?;
            n
        }
        None => format!("share-{}", st.new_hex_id(4)),
    };
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    st.files.fs_dir(&project_id, &storage.storage_handle)?;
    let claim = st
        .store
        .create_share_folder(StorageClaim {
            id: st.new_uuid(),
            project_id: project_id.clone(),
            storage_id,
            claim_mode: "SHARE".into(),
            folder_path: share_folder_path(&name),
            create_time: st.now(),
        })
        .await?;
    let made = [(claim.folder_path.clone(), claim.id.clone())];
    make_folders(&st, &project_id, &storage.storage_handle, &made).await;
    Ok(Json(PersistentStorageClaim::from(&claim)).into_response())
}

/// `list_share_folder`: `GET …/persistent-storages/actions/list-share-folders?storage_id&
/// storage_claim_id&path&offset&limit` (`path`: part of the folder's path), each with its
/// members counted by kind.
pub async fn list_share_folder(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    page_of(&q)?;
    let storage_id = query_id(&q, "storage_id", true)?.unwrap_or_default();
    let claim_id = query_id(&q, "storage_claim_id", false)?;
    if let Some(p) = q.str("path") {
        check_text("path", p, 0, 128, Reason::InvalidQuery)?;
    }
    let claims = st
        .store
        .storage_claims(project_id, storage_id, Some("SHARE".into()))
        .await?;
    let all: Vec<SharePersistentStorageClaim> = claims
        .into_iter()
        .filter(|(c, _)| claim_id.as_deref().is_none_or(|id| id == c.id))
        .filter(|(c, _)| q.str("path").is_none_or(|p| c.folder_path.contains(p)))
        .map(|(c, members)| {
            let mut count = BTreeMap::new();
            for kind in ATTACH_TYPES {
                let n = members.iter().filter(|m| m.attach_type == *kind).count();
                count.insert(kind.to_string(), n as i64);
            }
            let base = PersistentStorageClaim::from(&c);
            SharePersistentStorageClaim {
                storage_claim_id: base.storage_claim_id,
                folder_path: base.folder_path,
                delimiter: base.delimiter,
                claim_mode: base.claim_mode,
                count,
            }
        })
        .collect();
    let (count, items) = paged(all, &q)?;
    Ok(Json(ListShareFolderResponse { count, items }).into_response())
}

/// `update_share_folder_assignment`: `POST …/persistent-storages/{storage_id}/actions/
/// assign-share-folder` `{storage_claim_id, add_items, del_items}` (each 0–200): members added
/// (or their policy changed) and removed in one write. A user group must exist.
pub async fn update_share_folder_assignment(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: AssignShareFolderReq = json_body(&body)?;
    let claim_id = r
        .storage_claim_id
        .ok_or_else(|| Error::missing("storage_claim_id"))?;
    check_text(
        "storage_claim_id",
        &claim_id,
        1,
        128,
        Reason::InvalidParameter,
    )?;
    let add = r.add_items.unwrap_or_default();
    let del = r.del_items.unwrap_or_default();
    for (field, n) in [("add_items", add.len()), ("del_items", del.len())] {
        if n > 200 {
            return Err(Error::invalid(
                Reason::OutOfRange,
                format!("{field} must hold at most 200 members, got {n}"),
            )
            .into());
        }
    }
    let member = |field: String,
                  attach: Option<String>,
                  kind: Option<String>|
     -> openwks_core::Result<(String, String)> {
        let attach = attach.ok_or_else(|| Error::missing(&format!("{field}.attach")))?;
        check_attach(&format!("{field}.attach"), &attach)?;
        let kind = kind.ok_or_else(|| Error::missing(&format!("{field}.attach_type")))?;
        check_enum(&format!("{field}.attach_type"), &kind, ATTACH_TYPES)?;
        Ok((attach, kind))
    };
    let mut adds = Vec::with_capacity(add.len());
    for (i, a) in add.into_iter().enumerate() {
        let field = format!("add_items[{i}]");
        let (attach, kind) = member(field.clone(), a.attach, a.attach_type)?;
        let policy = a
            .policy_statement_id
            .ok_or_else(|| Error::missing(&format!("{field}.policy_statement_id")))?;
        check_text(
            &format!("{field}.policy_statement_id"),
            &policy,
            1,
            128,
            Reason::InvalidParameter,
        )?;
        adds.push(StorageAssignment {
            claim_id: claim_id.clone(),
            storage_id: storage_id.clone(),
            project_id: project_id.clone(),
            attach,
            attach_type: kind,
            policy_statement_id: policy,
        });
    }
    let mut dels = Vec::with_capacity(del.len());
    for (i, d) in del.into_iter().enumerate() {
        dels.push(member(format!("del_items[{i}]"), d.attach, d.attach_type)?);
    }
    check_policy_ids(
        &st,
        &project_id,
        adds.iter().map(|a| a.policy_statement_id.as_str()),
    )
    .await?;
    let groups: Vec<&str> = adds
        .iter()
        .filter(|a| a.attach_type == "USER_GROUP")
        .map(|a| a.attach.as_str())
        .collect();
    if !groups.is_empty() {
        let (_, known) = st
            .store
            .list_user_groups(project_id.clone(), 0, i64::MAX)
            .await?;
        if let Some(g) = groups.iter().find(|g| !known.iter().any(|k| k.name == **g)) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("user group {g:?} does not exist in the project"),
            )
            .into());
        }
    }
    st.store
        .change_share_members(project_id, storage_id, claim_id, adds, dels)
        .await?;
    Ok(empty_ok())
}

/// `delete_storage_claim`: `POST …/persistent-storages/{storage_id}/actions/
/// delete-storage-claim` `{items: [storage_claim_id, …]}` (1–50): the folders go with their
/// files; none at all when one still has members (the vendor requires them removed first).
pub async fn delete_storage_claim(
    State(st): State<AppState>,
    P((project_id, storage_id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let ids = items("items", r.items, 50)?;
    let storage = storage_of(&st, &project_id, &storage_id).await?;
    st.files.fs_dir(&project_id, &storage.storage_handle)?;
    let claims = st
        .store
        .storage_claims(project_id.clone(), storage_id.clone(), None)
        .await?;
    if let Some((c, ms)) = claims
        .iter()
        .find(|(c, ms)| ids.contains(&c.id) && !ms.is_empty())
    {
        return Err(Error::invalid(
            Reason::StorageInUse,
            format!(
                "folder {} ({}) still has {} member(s); remove its users and user groups \
                 first (nothing was deleted)",
                c.folder_path,
                c.id,
                ms.len()
            ),
        )
        .into());
    }
    let candidates = claims
        .into_iter()
        .map(|(c, _)| (c.folder_path, c.id))
        .filter(|(_, id)| ids.contains(id))
        .collect();
    let store = std::sync::Arc::clone(&st.store);
    let project_id2 = project_id.clone();
    let delete = async move {
        let gone = store
            .delete_storage_claims(project_id2, storage_id, ids)
            .await?;
        Ok(gone.into_iter().map(|c| c.id).collect())
    };
    delete_folders(
        &st,
        &project_id,
        &storage.storage_handle,
        candidates,
        delete,
    )
    .await?;
    Ok(empty_ok())
}

// ---- mounts ----

/// The mounts a session of `user` gets on server group `server_group_id`: its
/// `storage_mount_policy` (`USER`, `SHARE`, `ANY`) over the folders the user is a member of.
pub async fn session_mounts(
    st: &AppState,
    project_id: &str,
    user: &str,
    server_group_id: &str,
) -> openwks_core::Result<Vec<Mount>> {
    // Memberships first: a user with none (most launches) costs one read, not three.
    let memberships = st
        .store
        .storage_memberships(project_id.to_string(), user.to_string())
        .await?;
    if memberships.is_empty() {
        return Ok(Vec::new());
    }
    let policy = st
        .store
        .server_group(project_id.to_string(), server_group_id.to_string())
        .await?
        .map(|v| v.group.storage_mount_policy)
        .unwrap_or_default();
    let policies = st.store.storage_policies(project_id.to_string()).await?;
    Ok(openwks_core::storage::mounts(
        &policy,
        &memberships,
        &policies,
    ))
}
