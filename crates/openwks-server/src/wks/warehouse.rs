//! The app warehouse (`/v1/{project_id}/app-warehouse…`, issue #17): application packages an
//! image server installs, their icons, and the bucket they are uploaded to. openwks keeps the
//! packages' metadata and icons (durably, in the store); it stores no package files, so the
//! bucket is a name and `authorize_obs`'s credentials authorize nothing
//! (`docs/compatibility.md`, "Images").

use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::image::{
    AuthorizeObsReq, AuthorizeObsResponse, BatchDeleteWarehouseAppReq, BucketNameReq,
    CreateWarehouseAppReq, ListWarehouseAppsResponse, ObsPolicy, PolicyStatement,
    UpdateWarehouseAppReq, WarehouseAppOut, WarehouseBucketOut,
};
use openwks_core::error::Reason;
use openwks_core::image::{
    check_app_name, check_app_texts, check_bucket_name, check_category_and_os, check_version,
    WarehouseApp, WarehouseBucket, APP_CATEGORIES, PACKAGE_EXTENSIONS,
};
use openwks_core::validate::{check_range, check_text};
use openwks_core::Error;
use openwks_store::WarehouseAppFilter;
use serde_json::json;

use crate::error::ApiResult;
use crate::request::{json_body, json_body_or_default, Query, P};
use crate::AppState;

use super::empty_ok;

fn required(field: &str, v: Option<String>) -> openwks_core::Result<String> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing(field))
}

/// `create_warehouse_app`: `POST /v1/{project_id}/app-warehouse/apps` → the `WarehouseApp`,
/// verified at once (an installer passes, any other file fails with the reason).
pub async fn create_warehouse_app(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateWarehouseAppReq = json_body(&body)?;
    let app_name = required("app_name", r.app_name)?;
    check_app_name(&app_name)?;
    let app_category = required("app_category", r.app_category)?;
    let os_type = required("os_type", r.os_type)?;
    check_category_and_os(Some(&app_category), Some(&os_type))?;
    let version_id = r.version_id.ok_or_else(|| Error::missing("version_id"))?;
    check_version("version_id", &version_id)?;
    let version_name = r
        .version_name
        .ok_or_else(|| Error::missing("version_name"))?;
    check_version("version_name", &version_name)?;
    let path = required("appfile_store_path", r.appfile_store_path)?;
    check_text(
        "appfile_store_path",
        &path,
        1,
        1024,
        Reason::InvalidParameter,
    )?;
    let size = r
        .app_file_size
        .map(|n| check_range("app_file_size", n, 1, 5_242_880))
        .transpose()?
        .unwrap_or(0);
    check_app_texts(r.app_description.as_deref(), r.app_icon.as_deref())?;
    if let Some(x) = &r.app_extended_info {
        if !x.is_object() {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                "app_extended_info must be an object",
            )
            .into());
        }
    }
    let now = st.now();
    let mut app = WarehouseApp {
        id: st.new_uuid(),
        app_id: st.new_uuid(),
        project_id: project_id.clone(),
        app_name,
        app_category,
        os_type,
        version_id,
        version_name,
        appfile_store_path: path,
        app_file_size: size,
        app_description: r.app_description.unwrap_or_default(),
        appicon_store_path: String::new(),
        app_icon: r.app_icon.unwrap_or_default(),
        app_extended_info: r.app_extended_info,
        create_time: now.clone(),
        modify_time: now.clone(),
        verify_time: String::new(),
        verify_status: "VERIFYING".into(),
        verify_comment: String::new(),
    };
    app.verify(&now);
    let app = st.store.create_warehouse_app(app).await?;
    Ok(Json(WarehouseAppOut::from(&app)).into_response())
}

/// `list_warehouse_apps`: `GET …/app-warehouse/apps?limit&offset&verify_status&app_id&app_name&
/// app_category` (`app_id`: the record id or the application id; `app_name`: part of it).
pub async fn list_warehouse_apps(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let nonempty = |k: &str| q.string(k).filter(|v| !v.is_empty());
    if let Some(s) = nonempty("verify_status") {
        openwks_core::validate::check_enum(
            "verify_status",
            &s,
            &["VERIFYING", "VERIFY_FAIL", "VERIFY_PASS"],
        )?;
    }
    if let Some(c) = nonempty("app_category") {
        openwks_core::validate::check_enum("app_category", &c, APP_CATEGORIES)?;
    }
    if q.has("app_id") {
        check_text(
            "app_id",
            q.str("app_id").unwrap_or_default(),
            1,
            128,
            Reason::InvalidQuery,
        )?;
    }
    if let Some(n) = q.str("app_name") {
        check_text("app_name", n, 0, 64, Reason::InvalidQuery)?;
    }
    let f = WarehouseAppFilter {
        verify_status: nonempty("verify_status"),
        app_id: q.string("app_id"),
        name_contains: nonempty("app_name"),
        category: nonempty("app_category"),
    };
    let (count, apps) = st
        .store
        .list_warehouse_apps(project_id, f, offset, limit)
        .await?;
    let items = apps.iter().map(WarehouseAppOut::from).collect();
    Ok(Json(ListWarehouseAppsResponse { count, items }).into_response())
}

/// `update_warehouse_app`: `PATCH …/app-warehouse/apps/{id}` (the record id or the application
/// id, which the vendor's Terraform provider sends): the fields sent change; a changed package
/// kind is verified again.
pub async fn update_warehouse_app(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateWarehouseAppReq = json_body(&body)?;
    if let Some(n) = &r.app_name {
        check_app_name(n)?;
    }
    check_category_and_os(r.app_category.as_deref(), r.os_type.as_deref())?;
    for (k, v) in [
        ("version_id", &r.version_id),
        ("version_name", &r.version_name),
    ] {
        if let Some(v) = v {
            check_version(k, v)?;
        }
    }
    check_app_texts(r.app_description.as_deref(), r.app_icon.as_deref())?;
    let now = st.now();
    st.store
        .update_warehouse_app(
            project_id,
            id,
            Box::new(move |a: &mut WarehouseApp| {
                let set = |to: &mut String, v: Option<String>| {
                    if let Some(v) = v {
                        *to = v;
                    }
                };
                set(&mut a.app_name, r.app_name);
                set(&mut a.app_category, r.app_category);
                set(&mut a.os_type, r.os_type);
                set(&mut a.version_id, r.version_id);
                set(&mut a.version_name, r.version_name);
                set(&mut a.app_description, r.app_description);
                set(&mut a.app_icon, r.app_icon);
                a.modify_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `delete_warehouse_app`: `DELETE …/app-warehouse/apps/{id}`; an app that is gone is deleted
/// (the vendor answers 200, its Terraform provider relies on it).
pub async fn delete_warehouse_app(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    st.store.delete_warehouse_apps(project_id, vec![id]).await?;
    Ok(empty_ok())
}

/// `batch_delete_warehouse_app`: `POST …/app-warehouse/actions/batch-delete` `{ids: [1..20]}`.
pub async fn batch_delete_warehouse_app(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: BatchDeleteWarehouseAppReq = json_body(&body)?;
    let ids = super::string_set_of("ids", r.ids, 20)?;
    st.store.delete_warehouse_apps(project_id, ids).await?;
    Ok(empty_ok())
}

/// `upload_warehouse_app_icon`: `POST …/app-warehouse/apps/icon`, multipart with the image in
/// `data` → `{appicon_store_path}`: where openwks serves it.
pub async fn upload_warehouse_app_icon(
    State(st): State<AppState>,
    P(project_id): P<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let icon = super::app::icon_from_multipart(&st, multipart).await?;
    let path = format!("{}/{}", super::app::icon_base(&headers), icon.id);
    st.store.put_icon(project_id, icon).await?;
    Ok(Json(json!({"appicon_store_path": path})).into_response())
}

/// The bucket every project gets unless it binds its own.
fn default_bucket(project_id: &str) -> String {
    format!("wks-app-{project_id}")
}

/// `bind_app_warehouse_bucket`: `POST …/app-warehouse/bucket` `{bucket_name?}`: the named
/// bucket (the user's own), or the default one when none is named.
pub async fn bind_app_warehouse_bucket(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: BucketNameReq = json_body_or_default(&body)?;
    let (name, own) = match r.bucket_name {
        Some(n) => {
            check_bucket_name(&n)?;
            (n, true)
        }
        None => (default_bucket(&project_id), false),
    };
    put_bucket(&st, &project_id, name, own).await?;
    Ok(empty_ok())
}

async fn put_bucket(
    st: &AppState,
    project_id: &str,
    name: String,
    own: bool,
) -> openwks_core::Result<WarehouseBucket> {
    st.store
        .put_warehouse_bucket(WarehouseBucket {
            id: st.new_uuid(),
            project_id: project_id.to_string(),
            bucket_name: name,
            is_user_create_bucket: own,
            update_time: st.now(),
        })
        .await
}

async fn bucket(st: &AppState, project_id: &str) -> openwks_core::Result<WarehouseBucket> {
    st.store
        .warehouse_bucket(project_id.to_string())
        .await?
        .ok_or_else(|| {
            Error::new(
                openwks_core::ErrorKind::NotFound,
                Reason::NotFound,
                "the project has no app warehouse bucket: bind one (POST …/app-warehouse/bucket) or create the default one (POST …/app-warehouse/bucket-and-acl/create)",
            )
        })
}

/// `show_app_warehouse_bucket`: `GET …/app-warehouse/bucket`.
pub async fn show_app_warehouse_bucket(
    State(st): State<AppState>,
    P(project_id): P<String>,
) -> ApiResult<Response> {
    let b = bucket(&st, &project_id).await?;
    Ok(Json(WarehouseBucketOut {
        id: b.id,
        bucket_name: b.bucket_name,
        is_user_create_bucket: b.is_user_create_bucket,
        update_time: b.update_time,
    })
    .into_response())
}

/// `create_bucket_or_acl`: `POST …/app-warehouse/bucket-and-acl/create`: the default bucket,
/// unless one is bound already (then nothing changes).
pub async fn create_bucket_or_acl(
    State(st): State<AppState>,
    P(project_id): P<String>,
) -> ApiResult<Response> {
    if st
        .store
        .warehouse_bucket(project_id.clone())
        .await?
        .is_none()
    {
        put_bucket(&st, &project_id, default_bucket(&project_id), false).await?;
    }
    Ok(empty_ok())
}

/// `app_file_name`: 1–251 characters (not only spaces, no other white space) and an installer's
/// extension (the vendor's `^(?! +$)[\S ]{1,251}(.exe|.msi|.zip|.rar)$`).
fn check_file_name(name: &str) -> openwks_core::Result<()> {
    let bad = || {
        Error::invalid(
            Reason::InvalidParameter,
            format!(
                "app_file_name {name:?} must be a file name of at most 255 characters ending in {}",
                PACKAGE_EXTENSIONS.join(", ")
            ),
        )
    };
    let ext = PACKAGE_EXTENSIONS
        .iter()
        .find(|e| name.ends_with(*e))
        .ok_or_else(bad)?;
    let stem = &name[..name.len() - ext.len()];
    let n = stem.chars().count();
    if n == 0
        || n > 251
        || stem.trim().is_empty()
        || stem
            .chars()
            .any(|c| c.is_whitespace() && c != ' ' || c.is_control())
        || name.contains('/')
        || name.contains('\\')
    {
        return Err(bad());
    }
    Ok(())
}

/// `authorize_obs`: `POST …/app-warehouse/action/authorize` `{app_file_name}` → temporary
/// credentials to upload one package into the project's bucket for 15 minutes, under a fresh
/// directory. openwks stores no package files: the credentials authorize nothing
/// (`docs/compatibility.md`).
pub async fn authorize_obs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let r: AuthorizeObsReq = json_body(&body)?;
    let name = r
        .app_file_name
        .ok_or_else(|| Error::missing("app_file_name"))?;
    check_file_name(&name)?;
    let b = bucket(&st, &project_id).await?;
    let dir = format!("app_warehouse/{}", st.new_simple_id());
    let expires = openwks_core::time::format_ms(st.now_ms() + 15 * 60 * 1000);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080")
        .to_string();
    let resource = format!("obs:*:*:object:{}/{dir}/*", b.bucket_name);
    Ok(Json(AuthorizeObsResponse {
        server_end_point: host,
        bucket_name: b.bucket_name,
        directory: format!("{dir}/{name}"),
        ak: st.new_hex_id(10).to_uppercase(),
        sk: st.new_hex_id(20),
        security_token: st.new_hex_id(32),
        expires_at: expires,
        policy: ObsPolicy {
            version: "1.1".into(),
            statement: PolicyStatement {
                action: vec!["obs:object:PutObject".into()],
                effect: "Allow".into(),
                resource: vec![resource],
            },
        },
    })
    .into_response())
}
