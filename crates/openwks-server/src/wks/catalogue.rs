//! Products, availability zones, volume types, quota check and tenant profile
//! (sdk-surface.md §2.5), answered from the catalogue.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use openwks_api::wks::catalogue::{
    AvailabilityZoneInfo, CheckQuotaResponse, ListAvailabilityZoneResponse, ListAzResponse,
    ListProductResponse, ListTenantProfileResponse, ListVolumeTypeResponse, ProductDetailInfo,
    QuotaRemainderData, SoldOutInfo, VolumeTypeExtraSpecs, VolumeTypeInfo,
};
use openwks_api::wks::convert::product_info;
use openwks_core::catalogue::AvailabilityZone;
use openwks_core::error::Reason;
use openwks_core::server_group::OS_TYPES;
use openwks_core::validate::{check_enum, check_range};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::{Query, P};
use crate::AppState;

/// `list_product`: `GET /v1/{project_id}/product` with its filters.
pub async fn list_product(
    State(st): State<AppState>,
    P(_project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let cat = &st.catalogue;
    let az = match q.str("availability_zone") {
        Some(a) => Some(cat.az(a).ok_or_else(|| {
            Error::invalid(
                Reason::InvalidAz,
                format!("availability zone {a} does not exist"),
            )
        })?),
        None => None,
    };
    let os_type = q
        .str("os_type")
        .map(|o| check_enum("os_type", o, OS_TYPES))
        .transpose()?
        .unwrap_or("Windows");
    if let Some(c) = q.str("charge_mode") {
        check_enum("charge_mode", c, &["0", "1"])?;
    }
    if let Some(a) = q.str("architecture") {
        check_enum("architecture", a, &["x86", "arm"])?;
    }
    if let Some(p) = q.str("package_type") {
        check_enum("package_type", p, &["general", "dedicated"])?;
    }
    let products = cat
        .products
        .iter()
        .filter(|p| q.str("product_id").is_none_or(|v| v == p.product_id))
        .filter(|p| q.str("flavor_id").is_none_or(|v| v == p.flavor_id))
        .filter(|p| q.str("charge_mode").is_none_or(|v| v == p.charge_mode))
        .filter(|p| q.str("architecture").is_none_or(|v| v == p.architecture))
        .filter(|p| q.str("package_type").is_none_or(|v| v == p.package_type))
        .filter(|p| az.is_none_or(|a| cat.az_lists(a, &p.product_id)))
        .map(|p| {
            let mut info = product_info(cat, p);
            if let Some(a) = az {
                if !cat.sold_in(a, &p.product_id) {
                    info.status = "sellout".into();
                }
            }
            ProductDetailInfo {
                info,
                series_type: p.series_type.clone(),
            }
        })
        .collect();
    Ok(Json(ListProductResponse {
        availability_zone: az.map(|a| a.name.clone()).unwrap_or_default(),
        os_type: os_type.to_string(),
        products,
    })
    .into_response())
}

fn az_info(st: &AppState, az: &AvailabilityZone) -> AvailabilityZoneInfo {
    let cat = &st.catalogue;
    let product_ids = cat
        .products
        .iter()
        .filter(|p| cat.az_lists(az, &p.product_id))
        .map(|p| p.product_id.clone())
        .collect();
    let mut i18n = BTreeMap::new();
    i18n.insert("en_us".to_string(), az.display_name.clone());
    i18n.insert("zh_cn".to_string(), az.display_name.replace("AZ", "可用区"));
    AvailabilityZoneInfo {
        availability_zone: az.name.clone(),
        display_name: az.display_name.clone(),
        i18n,
        sold_out: SoldOutInfo {
            products: az.sold_out.clone(),
        },
        product_ids,
        visible: true,
        default_availability_zone: az.default,
    }
}

/// `list_availability_zone`: `GET /v1/{project_id}/availability-zone`.
pub async fn list_availability_zone(
    State(st): State<AppState>,
    P(_project_id): P<String>,
) -> ApiResult<Response> {
    let zones: Vec<_> = st
        .catalogue
        .availability_zones
        .iter()
        .map(|az| az_info(&st, az))
        .collect();
    let total_count = zones.len() as i64;
    Ok(Json(ListAvailabilityZoneResponse {
        availability_zones: zones,
        total_count,
    })
    .into_response())
}

/// `list_az`: `GET /v1/{project_id}/availability-zone/summary`: the zones grouped by site type
/// (every zone of openwks is a `CENTER` zone).
pub async fn list_az(State(st): State<AppState>, P(_project_id): P<String>) -> ApiResult<Response> {
    let zones: Vec<_> = st
        .catalogue
        .availability_zones
        .iter()
        .map(|az| az_info(&st, az))
        .collect();
    let mut azs = BTreeMap::new();
    azs.insert("CENTER".to_string(), zones);
    Ok(Json(ListAzResponse {
        azs,
        default_type: "CENTER".into(),
        support_type: vec!["CENTER".into()],
    })
    .into_response())
}

/// `list_volume_type`: `GET /v1/{project_id}/volume-type`.
pub async fn list_volume_type(
    State(st): State<AppState>,
    P(_project_id): P<String>,
) -> ApiResult<Response> {
    let all_azs = st
        .catalogue
        .availability_zones
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let volume_types = st
        .catalogue
        .volume_types
        .iter()
        .map(|v| {
            let mut en = BTreeMap::new();
            en.insert("language".to_string(), "en_us".to_string());
            en.insert("value".to_string(), v.name_en.clone());
            VolumeTypeInfo {
                resource_spec_code: format!("workspace.volume.{}", v.volume_type.to_lowercase()),
                volume_type: v.volume_type.clone(),
                volume_product_type: "workspace".into(),
                resource_type: "hws.resource.type.workspace.volume".into(),
                cloud_service_type: "hws.service.type.vdi".into(),
                name: vec![en],
                volume_type_extra_specs: VolumeTypeExtraSpecs {
                    availability_zone: all_azs.clone(),
                    sold_out_availability_zone: String::new(),
                },
            }
        })
        .collect();
    Ok(Json(ListVolumeTypeResponse { volume_types }).into_response())
}

/// `check_quota`: `GET /v1/{project_id}/check/quota?product_id&subscription_num&disk_size&disk_num`:
/// whether the project can buy that many servers of that product.
pub async fn check_quota(
    State(st): State<AppState>,
    P(_project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let cat = &st.catalogue;
    let pid = q
        .str("product_id")
        .ok_or_else(|| Error::missing("product_id"))?;
    let n = check_range(
        "subscription_num",
        q.i64("subscription_num")?
            .ok_or_else(|| Error::missing("subscription_num"))?,
        1,
        100,
    )?;
    // The vendor's CheckQuota bounds: disk_size 10–328704 GB, disk_num 1–11.
    let disk_size = check_range(
        "disk_size",
        q.i64("disk_size")?
            .ok_or_else(|| Error::missing("disk_size"))?,
        10,
        328_704,
    )?;
    let disk_num = check_range(
        "disk_num",
        q.i64("disk_num")?
            .ok_or_else(|| Error::missing("disk_num"))?,
        1,
        11,
    )?;
    let product = cat.product(pid).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidProduct,
            format!("product {pid} does not exist"),
        )
    })?;
    let qt = &cat.quotas;
    // No servers exist before the compute issue: the whole quota remains.
    let mut rows = vec![
        ("INSTANCES", qt.instances, n),
        ("CORES", qt.cores, n * product.cpu),
        ("MEMORY", qt.memory_mb, n * product.memory_mb),
        ("VOLUMES", qt.volumes, n * disk_num),
        (
            "VOLUME_GIGABYTES",
            qt.volume_gigabytes,
            n * disk_num * disk_size,
        ),
    ];
    if product.is_gpu {
        rows.push(("GPU_INSTANCES", qt.gpu_instances, n));
    }
    let is_enough = rows.iter().all(|(_, rem, need)| need <= rem);
    let quota_remainder = rows
        .into_iter()
        .map(|(t, remainder, need)| QuotaRemainderData {
            type_: t.into(),
            remainder,
            need,
        })
        .collect();
    Ok(Json(CheckQuotaResponse {
        is_enough,
        quota_remainder,
    })
    .into_response())
}

/// `list_tenant_profile`: `GET /v1/{project_id}/tenant/profile`.
pub async fn list_tenant_profile(
    State(st): State<AppState>,
    P(project_id): P<String>,
) -> ApiResult<Response> {
    let p = st
        .directory
        .project(&project_id)
        .ok_or_else(|| Error::not_found("project", &project_id))?;
    Ok(Json(ListTenantProfileResponse {
        project_id: p.id,
        project_name: p.name,
        tenant_domain_id: p.account_id,
        service_status: "active".into(),
        open_with_ad: false,
        tenant_domain_name: p.account_name,
        create_time: p.created_at,
    })
    .into_response())
}
