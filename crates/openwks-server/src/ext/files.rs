//! A session's storage (issue 19, `docs/extensions.md`): the folders mounted in a session and
//! the files in them, read and written as the session's user would from the server
//! (`access=cloud`, the policy's `roam_actions`) or from the client device (`access=client`,
//! its `actions`). Every operation checks the folder's access policy; paths are checked and
//! walked by [`crate::files`].

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_core::error::{ErrorKind, Reason};
use openwks_core::session::{Session, SessionState};
use openwks_core::storage::{check_relative_path, Access, Mount, DELETE, GET, PUT};
use openwks_core::Error;
use serde_json::json;

use crate::error::ApiResult;
use crate::files::{Folder, Got};
use crate::request::{Query, P};
use crate::wks::storage::session_mounts;
use crate::AppState;

async fn live_session(st: &AppState, project_id: &str, id: &str) -> openwks_core::Result<Session> {
    let s = st
        .store
        .session(project_id.to_string(), id.to_string())
        .await?
        .ok_or_else(|| Error::not_found("session", id))?;
    if !matches!(s.state, SessionState::Active | SessionState::Disconnected) {
        return Err(Error::conflict(
            Reason::Conflict,
            format!(
                "session {id} is {}: its folders are mounted only while it lasts",
                s.state.as_str()
            ),
        ));
    }
    Ok(s)
}

/// The session's mount `claim_id` and its folder on disk.
async fn mounted(
    st: &AppState,
    project_id: &str,
    session_id: &str,
    claim_id: &str,
) -> openwks_core::Result<(Mount, Folder)> {
    let s = live_session(st, project_id, session_id).await?;
    let mounts = session_mounts(st, project_id, &s.user_name, &s.server_group_id).await?;
    let m = mounts
        .into_iter()
        .find(|m| m.storage_claim_id == claim_id)
        .ok_or_else(|| Error::not_found("mount of the session", claim_id))?;
    let folder = st
        .files
        .folder(
            project_id,
            &m.storage_handle,
            &m.folder_path,
            &m.storage_claim_id,
        )
        .await?;
    Ok((m, folder))
}

fn access_of(q: &Query) -> openwks_core::Result<Access> {
    match q.str("access") {
        None | Some("cloud") => Ok(Access::Cloud),
        Some("client") => Ok(Access::Client),
        Some(other) => Err(Error::invalid(
            Reason::InvalidEnum,
            format!("access must be cloud or client, got {other:?}"),
        )),
    }
}

fn allow(m: &Mount, access: Access, action: &str) -> openwks_core::Result<()> {
    if m.allows(access, action) {
        return Ok(());
    }
    let (from, list) = match access {
        Access::Cloud => ("in the session (roam_actions", &m.roam_actions),
        Access::Client => ("from the client (actions", &m.actions),
    };
    Err(Error::new(
        ErrorKind::Forbidden,
        Reason::StorageActionDenied,
        format!(
            "policy {} of folder {} does not allow {action} {from}: [{}])",
            m.policy_statement_id,
            m.folder_path,
            list.join(", ")
        ),
    ))
}

fn path_of(q: &Query) -> openwks_core::Result<Vec<String>> {
    check_relative_path("path", q.str("path").unwrap_or(""))
}

/// `GET /openwks/v1/{project_id}/app-launches/{session_id}/mounts`: the folders the session
/// has mounted, by its server group's `storage_mount_policy` and its user's memberships now.
pub async fn mounts(
    State(st): State<AppState>,
    P((project_id, session_id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = live_session(&st, &project_id, &session_id).await?;
    let mounts = session_mounts(&st, &project_id, &s.user_name, &s.server_group_id).await?;
    Ok(Json(json!({
        "session_id": s.id,
        "user_name": s.user_name,
        "server_group_id": s.server_group_id,
        "mounts": mounts,
    }))
    .into_response())
}

/// `PUT …/app-launches/{session_id}/files/{storage_claim_id}?path=a/b.txt&access=cloud|client`
/// with the file as the body: written whole or not at all (`PutObject`); 201 with its size.
pub async fn put_file(
    State(st): State<AppState>,
    P((project_id, session_id, claim_id)): P<(String, String, String)>,
    q: Query,
    body: Bytes,
) -> ApiResult<Response> {
    let access = access_of(&q)?;
    let parts = path_of(&q)?;
    let (m, folder) = mounted(&st, &project_id, &session_id, &claim_id).await?;
    allow(&m, access, PUT)?;
    let size = st.files.put(&folder, parts.clone(), body, m.quota).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"path": parts.join("/"), "size": size})),
    )
        .into_response())
}

/// `GET …/files/{storage_claim_id}?path=…&access=…`: a file's bytes (`GetObject`), or a
/// folder's entries `{path, entries: [{name, kind, size, inode}]}` (listing needs no action:
/// `DEFAULT_4` lets a user see the list and nothing more).
pub async fn get_file(
    State(st): State<AppState>,
    P((project_id, session_id, claim_id)): P<(String, String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let access = access_of(&q)?;
    let parts = path_of(&q)?;
    let (m, folder) = mounted(&st, &project_id, &session_id, &claim_id).await?;
    match st.files.get(&folder, parts.clone()).await? {
        Got::Dir(entries) => {
            Ok(Json(json!({"path": parts.join("/"), "entries": entries})).into_response())
        }
        Got::File(bytes) => {
            allow(&m, access, GET)?;
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
    }
}

/// `DELETE …/files/{storage_claim_id}?path=…&access=…`: the file, or the folder with what it
/// holds (`DeleteObject`); 204.
pub async fn delete_file(
    State(st): State<AppState>,
    P((project_id, session_id, claim_id)): P<(String, String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let access = access_of(&q)?;
    let parts = path_of(&q)?;
    let (m, folder) = mounted(&st, &project_id, &session_id, &claim_id).await?;
    allow(&m, access, DELETE)?;
    st.files.delete(&folder, parts).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
