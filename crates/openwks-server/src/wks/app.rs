//! Published apps: the 13 operations under `/app-groups/{app_group_id}/apps` and
//! `/publishable-app`, and the public icon route.

use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::app::{
    AppIdsReq, PublishAppReq, PublishableApp, ShowPublishableAppResponse, UpdateAppReq,
    UpdatePreBootPolicyReq, UpdateRawIconReq,
};
use openwks_api::wks::convert;
use openwks_api::wks::server_group::ListResponse;
use openwks_core::app::{
    check_app_name, check_ids, decode_icon, sniff_icon, App, Icon, PublishSpec, UpdateAppSpec,
    APP_STATES, MAX_PUBLISH,
};
use openwks_core::error::Reason;
use openwks_core::validate::{check_enum, check_range};
use openwks_core::Error;
use openwks_store::AppFilter;

use crate::error::ApiResult;
use crate::request::{json_body, Query, P};
use crate::AppState;

use super::empty_ok;

/// Where icons are served: `http://<Host>/openwks/v1/icons`.
pub(crate) fn icon_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}/openwks/v1/icons")
}

/// `publish_app`: `POST /v1/{project_id}/app-groups/{app_group_id}/apps` `{items}` (1–20).
pub async fn publish_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: PublishAppReq = json_body(&body)?;
    let items = req.items.ok_or_else(|| Error::missing("items"))?;
    if items.is_empty() || items.len() > MAX_PUBLISH {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!(
                "items must hold 1 to {MAX_PUBLISH} apps, got {}",
                items.len()
            ),
        )
        .into());
    }
    let now = st.now();
    let mut apps = Vec::with_capacity(items.len());
    for it in items {
        apps.push(PublishSpec::from(it).validate(
            st.new_simple_id(),
            st.new_simple_id(),
            &project_id,
            &group,
            &now,
        )?);
    }
    let published = st.store.publish_apps(project_id, group, apps).await?;
    let base = icon_base(&headers);
    let items: Vec<_> = published.iter().map(|a| convert::app(a, &base)).collect();
    Ok(Json(ListResponse {
        count: items.len() as i64,
        items,
    })
    .into_response())
}

/// `list_published_app`: `GET .../apps?limit&offset&name&state&app_id`.
pub async fn list_published_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    headers: HeaderMap,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = AppFilter {
        name_contains: q.str("name").map(str::to_string),
        state: q
            .str("state")
            .map(|s| check_enum("state", s, APP_STATES).map(str::to_string))
            .transpose()?,
        app_id: q.str("app_id").map(str::to_string),
    };
    let (count, apps) = st
        .store
        .list_apps(project_id, group, f, offset, limit)
        .await?;
    let base = icon_base(&headers);
    Ok(Json(ListResponse {
        count,
        items: apps
            .iter()
            .map(|a| convert::app(a, &base))
            .collect::<Vec<_>>(),
    })
    .into_response())
}

/// `show_app_detail`: `GET .../apps/{app_id}`.
pub async fn show_app_detail(
    State(st): State<AppState>,
    P((project_id, group, id)): P<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = st
        .store
        .app(project_id, group, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("app", &id))?;
    Ok(Json(convert::app(&a, &icon_base(&headers))).into_response())
}

async fn update_one(
    st: &AppState,
    project_id: &str,
    group: &str,
    id: String,
    headers: &HeaderMap,
    f: openwks_store::AppUpdate,
) -> ApiResult<Response> {
    let mut apps = st
        .store
        .update_apps(
            project_id.to_string(),
            group.to_string(),
            vec![id.clone()],
            f,
        )
        .await?;
    let a = apps.pop().ok_or_else(|| Error::not_found("app", &id))?;
    Ok(Json(convert::app(&a, &icon_base(headers))).into_response())
}

/// `update_app`: `PATCH .../apps/{app_id}`; answers the app.
pub async fn update_app(
    State(st): State<AppState>,
    P((project_id, group, id)): P<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let spec = Arc::new(UpdateAppSpec::from(json_body::<UpdateAppReq>(&body)?));
    if spec.is_empty() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request changes nothing: send at least one field",
        )
        .into());
    }
    update_one(
        &st,
        &project_id,
        &group,
        id,
        &headers,
        Box::new(move |a: &mut App| spec.apply(a).map(|()| None)),
    )
    .await
}

async fn set_state(
    st: &AppState,
    project_id: &str,
    group: &str,
    body: &Bytes,
    state: &'static str,
) -> ApiResult<Response> {
    let ids = check_ids(json_body::<AppIdsReq>(body)?.ids)?;
    st.store
        .update_apps(
            project_id.to_string(),
            group.to_string(),
            ids,
            Box::new(move |a: &mut App| {
                a.state = state.to_string();
                Ok(None)
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `batch_enable_app`: `POST .../apps/actions/enable` `{ids}` → state `NORMAL` (all ids must exist).
pub async fn batch_enable_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    set_state(&st, &project_id, &group, &body, "NORMAL").await
}

/// `batch_disable_app`: `POST .../apps/actions/disable` `{ids}` → state `FORBIDDEN`.
pub async fn batch_disable_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    set_state(&st, &project_id, &group, &body, "FORBIDDEN").await
}

/// `unpublish_app`: `POST .../apps/batch-unpublish` `{ids}`; missing ids are fine (repeat succeeds).
pub async fn unpublish_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let ids = check_ids(json_body::<AppIdsReq>(&body)?.ids)?;
    st.store.unpublish_apps(project_id, group, ids).await?;
    Ok(empty_ok())
}

/// `update_pre_boot_policy`: `POST .../apps/pre-boot-policy` `{ids, is_pre_boot, pre_launch_policy}`.
pub async fn update_pre_boot_policy(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdatePreBootPolicyReq = json_body(&body)?;
    let ids = check_ids(req.ids)?;
    let is_pre_boot = req
        .is_pre_boot
        .ok_or_else(|| Error::missing("is_pre_boot"))?;
    let policy = req
        .pre_launch_policy
        .map(|p| check_range("pre_launch_policy", p, 0, 1))
        .transpose()?;
    st.store
        .update_apps(
            project_id,
            group,
            ids,
            Box::new(move |a: &mut App| {
                a.is_pre_boot = is_pre_boot;
                if let Some(p) = policy {
                    a.pre_launch_policy = p;
                }
                Ok(None)
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `check_publish_app`: `POST .../apps/actions/check` `{name}`: `naming` or `duplicate`.
pub async fn check_publish_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    // The group first: a check in a group that does not exist is its 404, whatever the name.
    let names = st.store.app_names(project_id, group).await?;
    super::validate_name(
        &body,
        |n| check_app_name(n).is_ok(),
        |name| async move { Ok(names.contains(&name)) },
    )
    .await
}

fn with_icon(icon: Icon) -> openwks_store::AppUpdate {
    Box::new(move |a: &mut App| {
        a.icon_id = Some(icon.id.clone());
        Ok(Some(icon.clone()))
    })
}

/// `upload_app_icon_raw`: `PUT .../apps/{app_id}/raw-icon` `{icon_content}` (base64).
pub async fn upload_app_icon_raw(
    State(st): State<AppState>,
    P((project_id, group, id)): P<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateRawIconReq = json_body(&body)?;
    let icon = decode_icon(
        &req.icon_content
            .ok_or_else(|| Error::missing("icon_content"))?,
        st.new_simple_id(),
    )?;
    update_one(&st, &project_id, &group, id, &headers, with_icon(icon)).await
}

/// `upload_app_icon`: `POST .../apps/{app_id}/icon`, multipart with the image in `data`.
pub async fn upload_app_icon(
    State(st): State<AppState>,
    P((project_id, group, id)): P<(String, String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let icon = icon_from_multipart(&st, multipart).await?;
    update_one(&st, &project_id, &group, id, &headers, with_icon(icon)).await
}

/// The icon of a multipart upload (its `data` part), checked to be an image.
pub(crate) async fn icon_from_multipart(
    st: &AppState,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Icon> {
    // Not multipart at all: the vendor's JSON error, never axum's plain text.
    let mut multipart = multipart.map_err(|e| {
        Error::new(
            openwks_core::ErrorKind::UnsupportedMediaType,
            Reason::UnsupportedMediaType,
            format!(
                "the icon is uploaded as multipart/form-data: {}",
                e.body_text()
            ),
        )
    })?;
    let bad = |e: String| {
        Error::invalid(
            Reason::MalformedBody,
            format!("the multipart body is not valid: {e}"),
        )
    };
    let mut data = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.to_string()))?
    {
        if field.name() == Some("data") {
            data = Some(field.bytes().await.map_err(|e| bad(e.to_string()))?);
        }
    }
    let data = data.ok_or_else(|| Error::missing("data"))?;
    let content_type = sniff_icon(&data)?.to_string();
    Ok(Icon {
        id: st.new_simple_id(),
        content_type,
        data: data.to_vec(),
    })
}

/// `delete_app_icon`: `DELETE .../apps/{app_id}/icon`; deleting twice succeeds.
pub async fn delete_app_icon(
    State(st): State<AppState>,
    P((project_id, group, id)): P<(String, String, String)>,
) -> ApiResult<Response> {
    st.store
        .update_apps(
            project_id,
            group,
            vec![id],
            Box::new(|a: &mut App| {
                a.icon_id = None;
                Ok(None)
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `show_publishable_app`: `GET /v1/{project_id}/app-groups/{app_group_id}/publishable-app`: the
/// applications installed on the image of the app group's server group; `publishable` is false
/// for those already published (by name).
pub async fn show_publishable_app(
    State(st): State<AppState>,
    P((project_id, group)): P<(String, String)>,
) -> ApiResult<Response> {
    let ag = st
        .store
        .app_group(project_id.clone(), group.clone())
        .await?
        .ok_or_else(|| Error::not_found("app group", &group))?;
    let image = match &ag.group.app_server_group_id {
        Some(sid) => st
            .store
            .server_group(project_id.clone(), sid.to_string())
            .await?
            .map(|v| v.group.image_id),
        None => None,
    };
    let published = st
        .store
        .app_names(project_id.clone(), group.clone())
        .await?;
    let mut items = Vec::new();
    let cat = st
        .catalogue_for(&project_id, &[image.as_deref().unwrap_or_default()])
        .await?;
    if let Some(img) = image.as_deref().and_then(|i| cat.image(i)) {
        for (n, ia) in img.apps.iter().enumerate() {
            let a = App {
                id: format!("{}-{n}", img.id),
                project_id: project_id.clone(),
                app_group_id: group.clone(),
                name: ia.name.clone(),
                version: ia.version.clone(),
                command_param: String::new(),
                execute_path: ia.execute_path.clone(),
                work_path: String::new(),
                icon_path: ia.execute_path.clone(),
                icon_index: 0,
                description: String::new(),
                state: "NORMAL".into(),
                publish_at: String::new(),
                source_type: 1,
                publisher: String::new(),
                icon_id: None,
                external_icon_url: String::new(),
                source_image_ids: vec![img.id.clone()],
                sandbox_enable: false,
                is_pre_boot: false,
                pre_launch_policy: 0,
                extended_info: Default::default(),
            };
            let mut app = convert::app(&a, "");
            app.publishable = !published.contains(&ia.name);
            items.push(PublishableApp {
                app,
                source_image_ids: vec![img.id.clone()],
            });
        }
    }
    Ok(Json(ShowPublishableAppResponse {
        count: items.len() as i64,
        group_images: image.into_iter().collect(),
        items,
    })
    .into_response())
}

/// `GET /openwks/v1/icons/{icon_id}` (no authentication: icon ids are random): the image.
pub async fn serve_icon(State(st): State<AppState>, P(id): P<String>) -> ApiResult<Response> {
    let icon = st
        .store
        .icon(id.clone())
        .await?
        .ok_or_else(|| Error::not_found("icon", &id))?;
    Ok(([(header::CONTENT_TYPE, icon.content_type)], icon.data).into_response())
}
