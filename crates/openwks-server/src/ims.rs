//! IMS: `GET /v2/cloudimages` (list with filters), `GET /v2/images/{image_id}` (show) and
//! `DELETE /v2/images/{image_id}` (private images only), served from the catalogue's images and
//! the project's private images (made by image servers, issue #17).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use openwks_api::ims::{ImageInfo, ListImagesResponse};
use openwks_core::catalogue::Image;
use openwks_core::error::Reason;
use openwks_core::image::PrivateImage;
use openwks_core::validate::{check_enum, check_range};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::middleware::Ctx;
use crate::request::{Query, P};
use crate::AppState;

/// The project an IMS call acts in (IMS paths name none): the `X-Project-Id` header the SDK
/// sends, when it names a project of the caller's account, else the account's default project.
pub(crate) fn project_of(st: &AppState, ctx: &Ctx, headers: &HeaderMap) -> ApiResult<String> {
    let account = &ctx.caller.account_id;
    if let Some(h) = headers.get("x-project-id").and_then(|h| h.to_str().ok()) {
        return match st.directory.project(h) {
            Some(p) if &p.account_id == account => Ok(p.id),
            _ => Err(Error::new(
                openwks_core::ErrorKind::Forbidden,
                Reason::Forbidden,
                format!("project {h} does not belong to the caller's account"),
            )
            .into()),
        };
    }
    st.directory
        .default_project(account)
        .map(|p| p.id)
        .ok_or_else(|| {
            Error::new(
                openwks_core::ErrorKind::Forbidden,
                Reason::Forbidden,
                "the account has no project",
            )
            .into()
        })
}

/// A shipped or private image with what IMS says of it.
struct Listed<'a> {
    image: &'a Image,
    status: &'a str,
    description: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
}

impl<'a> Listed<'a> {
    fn shipped(image: &'a Image) -> Self {
        Self {
            image,
            status: "active",
            description: "",
            created_at: "2024-01-01T00:00:00Z",
            updated_at: "2024-01-01T00:00:00Z",
        }
    }

    fn private(p: &'a PrivateImage) -> Self {
        Self {
            image: &p.image,
            status: &p.status,
            description: &p.description,
            created_at: &p.created_at,
            updated_at: &p.updated_at,
        }
    }
}

fn image_out(l: &Listed<'_>, owner: &str) -> ImageInfo {
    let i = l.image;
    ImageInfo {
        id: i.id.clone(),
        name: i.name.clone(),
        status: l.status.to_string(),
        visibility: if i.image_type == "private" {
            "private".into()
        } else {
            "public".into()
        },
        protected: i.image_type != "private",
        min_disk: i.min_disk,
        min_ram: i.min_ram,
        disk_format: "zvhd2".into(),
        container_format: "bare".into(),
        owner: owner.to_string(),
        created_at: l.created_at.to_string(),
        updated_at: l.updated_at.to_string(),
        self_: format!("/v2/images/{}", i.id),
        file: format!("/v2/images/{}/file", i.id),
        schema: "/v2/schemas/image".into(),
        tags: Vec::new(),
        virtual_env_type: "FusionCompute".into(),
        enterprise_project_id: "0".into(),
        imagetype: i.ims_imagetype().into(),
        os_type: i.os_type.clone(),
        os_version: i.os_version.clone(),
        platform: i.platform.clone(),
        os_bit: "64".into(),
        isregistered: "true".into(),
        support_kvm: "true".into(),
        productcode: i.product_code.clone(),
        description: l.description.to_string(),
        architecture: "x86".into(),
    }
}

/// `list_images`: `GET /v2/cloudimages` with `__imagetype`, `__os_type`, `__platform`,
/// `min_disk` (exact), `status`, `id`, `name`, `limit`, `marker`.
pub async fn list_images(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    q: Query,
) -> ApiResult<Response> {
    if let Some(t) = q.str("__imagetype") {
        check_enum("__imagetype", t, &["gold", "private", "shared", "market"])?;
    }
    if let Some(o) = q.str("__os_type") {
        check_enum("__os_type", o, &["Linux", "Windows", "Other"])?;
    }
    let min_disk = q.i64("min_disk")?;
    let limit = check_range("limit", q.i64("limit")?.unwrap_or(500), 1, 1000)?;
    let owner = project_of(&st, &ctx, &headers)?;
    let private = st.store.private_images(owner.clone()).await?;
    let mut images: Vec<Listed<'_>> = st
        .catalogue
        .images
        .iter()
        .map(Listed::shipped)
        .chain(private.iter().map(Listed::private))
        .collect();
    if let Some(m) = q.str("marker") {
        let pos = images.iter().position(|l| l.image.id == m).ok_or_else(|| {
            Error::invalid(Reason::InvalidQuery, format!("marker {m} does not exist"))
        })?;
        images.drain(..=pos);
    }
    let out = images
        .into_iter()
        .filter(|l| {
            q.str("__imagetype")
                .is_none_or(|t| t == l.image.ims_imagetype())
        })
        .filter(|l| q.str("__os_type").is_none_or(|t| t == l.image.os_type))
        .filter(|l| q.str("__platform").is_none_or(|t| t == l.image.platform))
        .filter(|l| min_disk.is_none_or(|m| m == l.image.min_disk))
        .filter(|l| q.str("status").is_none_or(|s| s == l.status))
        .filter(|l| q.str("id").is_none_or(|s| s == l.image.id))
        .filter(|l| q.str("name").is_none_or(|s| s == l.image.name))
        .take(limit as usize)
        .map(|l| image_out(&l, &owner))
        .collect();
    Ok(Json(ListImagesResponse { images: out }).into_response())
}

/// `glance_show_image`: `GET /v2/images/{image_id}`.
pub async fn show_image(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    P(id): P<String>,
) -> ApiResult<Response> {
    let project = project_of(&st, &ctx, &headers)?;
    if let Some(i) = st.catalogue.image(&id) {
        return Ok(Json(image_out(&Listed::shipped(i), &project)).into_response());
    }
    let private = st.store.private_images(project.clone()).await?;
    let p = private
        .iter()
        .find(|p| p.image.id == id)
        .ok_or_else(|| Error::not_found("image", &id))?;
    Ok(Json(image_out(&Listed::private(p), &project)).into_response())
}

/// `glance_delete_image`: `DELETE /v2/images/{image_id}` → 204. Only the project's private
/// images can be deleted (a shipped image is refused with 403, as IMS refuses public ones); an
/// image a server group uses, or whose job still runs, is refused with 409. Deleting an image
/// that is gone answers 404 (the vendor's Terraform provider treats it as deleted).
pub async fn delete_image(
    State(st): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    P(id): P<String>,
) -> ApiResult<Response> {
    let project = project_of(&st, &ctx, &headers)?;
    if st.catalogue.image(&id).is_some() {
        return Err(Error::new(
            openwks_core::ErrorKind::Forbidden,
            Reason::Forbidden,
            format!("image {id} is a public image: only private images can be deleted"),
        )
        .into());
    }
    match st.store.delete_private_image(project, id.clone()).await? {
        openwks_store::Deleted::Yes => Ok(axum::http::StatusCode::NO_CONTENT.into_response()),
        openwks_store::Deleted::NotFound => Err(Error::not_found("image", &id).into()),
    }
}
