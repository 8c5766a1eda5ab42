//! IMS: `GET /v2/cloudimages` (list with filters) and `GET /v2/images/{image_id}` (show), served
//! from the catalogue's images.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_api::ims::{ImageInfo, ListImagesResponse};
use openwks_core::catalogue::Image;
use openwks_core::error::Reason;
use openwks_core::validate::{check_enum, check_range};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::{Query, P};
use crate::AppState;

fn image_out(i: &Image, owner: &str) -> ImageInfo {
    ImageInfo {
        id: i.id.clone(),
        name: i.name.clone(),
        status: "active".into(),
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
        created_at: "2024-01-01T00:00:00Z".into(),
        updated_at: "2024-01-01T00:00:00Z".into(),
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
        description: String::new(),
        architecture: "x86".into(),
    }
}

/// `list_images`: `GET /v2/cloudimages` with `__imagetype`, `__os_type`, `__platform`,
/// `min_disk` (exact), `status`, `id`, `name`, `limit`, `marker`.
pub async fn list_images(State(st): State<AppState>, q: Query) -> ApiResult<Response> {
    if let Some(t) = q.str("__imagetype") {
        check_enum("__imagetype", t, &["gold", "private", "shared", "market"])?;
    }
    if let Some(o) = q.str("__os_type") {
        check_enum("__os_type", o, &["Linux", "Windows", "Other"])?;
    }
    let min_disk = q.i64("min_disk")?;
    let limit = check_range("limit", q.i64("limit")?.unwrap_or(500), 1, 1000)?;
    let owner = st.bootstrap().project.id.clone();
    let mut images: Vec<&Image> = st.catalogue.images.iter().collect();
    if let Some(m) = q.str("marker") {
        let pos = images.iter().position(|i| i.id == m).ok_or_else(|| {
            Error::invalid(Reason::InvalidQuery, format!("marker {m} does not exist"))
        })?;
        images.drain(..=pos);
    }
    let out = images
        .into_iter()
        .filter(|i| q.str("__imagetype").is_none_or(|t| t == i.ims_imagetype()))
        .filter(|i| q.str("__os_type").is_none_or(|t| t == i.os_type))
        .filter(|i| q.str("__platform").is_none_or(|t| t == i.platform))
        .filter(|i| min_disk.is_none_or(|m| m == i.min_disk))
        .filter(|_| q.str("status").is_none_or(|s| s == "active"))
        .filter(|i| q.str("id").is_none_or(|s| s == i.id))
        .filter(|i| q.str("name").is_none_or(|s| s == i.name))
        .take(limit as usize)
        .map(|i| image_out(i, &owner))
        .collect();
    Ok(Json(ListImagesResponse { images: out }).into_response())
}

/// `glance_show_image`: `GET /v2/images/{image_id}`.
pub async fn show_image(State(st): State<AppState>, P(id): P<String>) -> ApiResult<Response> {
    let i = st
        .catalogue
        .image(&id)
        .ok_or_else(|| Error::not_found("image", &id))?;
    Ok(Json(image_out(i, &st.bootstrap().project.id)).into_response())
}
