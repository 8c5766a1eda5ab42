//! Server-group tags: the 6 tag operations. Writes answer 204 (the vendor's Terraform provider
//! accepts only 204 from batch-create), are idempotent (an existing key is overwritten, a
//! missing tag deletes fine) and all-or-nothing across the groups of a batch.

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::server_group::{
    BatchServerGroupTagsReq, ListServerGroupTagResponse, ResourceTagReq,
    ShowServerGroupTagResponse, TmsTag, TmsTagOut, TmsTagValues,
};
use openwks_core::error::Reason;
use openwks_core::server_group::{apply_tags, TagMode};
use openwks_core::validate::{check_tag, check_tags, Tag};
use openwks_core::{Error, Result};
use openwks_store::{ServerGroupFilter, TagUpdate};

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{json_body, P};
use crate::AppState;

use super::no_content;

/// Most groups in one batch request (anchors-appstream.md §5).
const MAX_BATCH_GROUPS: usize = 100;

fn tag_change(tags: Option<Vec<TmsTag>>, mode: TagMode) -> Result<TagUpdate> {
    let tags = tags.ok_or_else(|| Error::missing("tags"))?;
    if tags.is_empty() {
        return Err(Error::invalid(Reason::InvalidTag, "tags must not be empty"));
    }
    let checked: Vec<Tag> = match mode {
        TagMode::Upsert => check_tags(tags.iter().map(|t| (t.key.as_deref(), t.value.as_deref())))?,
        TagMode::Delete => tags
            .iter()
            .map(|t| check_tag(t.key.as_deref(), t.value.as_deref()))
            .collect::<Result<_>>()?,
    };
    let value_given: Vec<bool> = tags.iter().map(|t| t.value.is_some()).collect();
    Ok(Box::new(move |current: &mut Vec<Tag>| {
        apply_tags(current, &checked, mode, &value_given)
    }))
}

async fn batch(
    st: &AppState,
    project_id: &str,
    body: &Bytes,
    mode: TagMode,
) -> ApiResult<Response> {
    let req: BatchServerGroupTagsReq = json_body(body)?;
    let items = req.items.ok_or_else(|| Error::missing("items"))?;
    if items.is_empty() || items.len() > MAX_BATCH_GROUPS {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!(
                "items must hold 1 to {MAX_BATCH_GROUPS} server groups, got {}",
                items.len()
            ),
        )
        .into());
    }
    let mut changes = Vec::with_capacity(items.len());
    for it in items {
        let id = it
            .server_group_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::missing("items[].server_group_id"))?;
        changes.push((id, tag_change(it.tags, mode)?));
    }
    st.store
        .update_server_group_tags(project_id.to_string(), changes)
        .await?;
    Ok(no_content())
}

/// `batch_create_server_group_tags`: `POST /v1/{project_id}/server-group/tags/batch-create`.
pub async fn batch_create_server_group_tags(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    batch(&st, &project_id, &body, TagMode::Upsert).await
}

/// `batch_delete_server_group_tags`: `DELETE /v1/{project_id}/server-group/tags/batch-delete`.
pub async fn batch_delete_server_group_tags(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    batch(&st, &project_id, &body, TagMode::Delete).await
}

async fn single(
    st: &AppState,
    project_id: &str,
    id: String,
    body: &Bytes,
    mode: TagMode,
) -> ApiResult<Response> {
    let req: ResourceTagReq = json_body(body)?;
    let change = tag_change(req.tags, mode)?;
    st.store
        .update_server_group_tags(project_id.to_string(), vec![(id, change)])
        .await?;
    Ok(no_content())
}

/// `create_server_group_tags`: `POST /v1/{project_id}/server-group/{server_group_id}/tags/create`.
pub async fn create_server_group_tags(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    single(&st, &project_id, id, &body, TagMode::Upsert).await
}

/// `delete_server_group_tags`: `DELETE /v1/{project_id}/server-group/{server_group_id}/tags/delete`.
pub async fn delete_server_group_tags(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    single(&st, &project_id, id, &body, TagMode::Delete).await
}

/// `show_server_group_tag`: `GET /v1/{project_id}/server-group/{server_group_id}/tags`.
pub async fn show_server_group_tag(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let v = st
        .store
        .server_group(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("server group", &id))?;
    let tags = v
        .group
        .tags
        .iter()
        .map(|t| TmsTagOut {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect();
    let sys_tags = vec![TmsTagOut {
        key: "_sys_enterprise_project_id".into(),
        value: v.group.enterprise_project_id.clone(),
    }];
    Ok(Json(ShowServerGroupTagResponse { tags, sys_tags }).into_response())
}

/// `list_server_group_tag`: `GET /v1/{project_id}/server-group/tags`: every key in use in the
/// project with its values.
pub async fn list_server_group_tag(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    P(project_id): P<String>,
) -> ApiResult<Response> {
    let keys = if ctx.caller.is_admin {
        st.store.server_group_tag_keys(project_id).await?
    } else {
        // An IAM user sees the tags of the groups it may `get` only.
        let (_, all) = st
            .store
            .list_server_groups(
                project_id.clone(),
                ServerGroupFilter::default(),
                0,
                i64::MAX,
            )
            .await?;
        let (_, seen) =
            crate::authz::visible_server_groups(&st, &ctx.caller, &project_id, all, 0, i64::MAX)
                .await?;
        let mut keys: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for v in seen {
            for t in v.group.tags {
                keys.entry(t.key).or_default().insert(t.value);
            }
        }
        keys.into_iter()
            .map(|(k, vs)| (k, vs.into_iter().collect()))
            .collect()
    };
    let tags = keys
        .into_iter()
        .map(|(key, values)| TmsTagValues { key, values })
        .collect();
    Ok(Json(ListServerGroupTagResponse { tags }).into_response())
}
