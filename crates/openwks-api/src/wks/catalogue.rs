//! Products, availability zones, volume types, quota and tenant profile (sdk-surface.md §2.5).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::server_group::ServerProductInfo;

/// `ProductDetailInfo` = `ServerProductInfo` + `series_type`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProductDetailInfo {
    #[serde(flatten)]
    pub info: ServerProductInfo,
    pub series_type: String,
}

/// `ListProductResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListProductResponse {
    pub availability_zone: String,
    pub os_type: String,
    pub products: Vec<ProductDetailInfo>,
}

/// `SoldOutInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SoldOutInfo {
    pub products: Vec<String>,
}

/// `AvailabilityZoneInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AvailabilityZoneInfo {
    pub availability_zone: String,
    pub display_name: String,
    pub i18n: BTreeMap<String, String>,
    pub sold_out: SoldOutInfo,
    pub product_ids: Vec<String>,
    pub visible: bool,
    pub default_availability_zone: bool,
}

/// `ListAvailabilityZoneResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListAvailabilityZoneResponse {
    pub availability_zones: Vec<AvailabilityZoneInfo>,
    pub total_count: i64,
}

/// `ListAzResponse` (`.../availability-zone/summary`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListAzResponse {
    pub azs: BTreeMap<String, Vec<AvailabilityZoneInfo>>,
    pub default_type: String,
    pub support_type: Vec<String>,
}

/// `VolumeTypeExtraSpecs`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VolumeTypeExtraSpecs {
    pub availability_zone: String,
    pub sold_out_availability_zone: String,
}

/// `VolumeTypeInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VolumeTypeInfo {
    pub resource_spec_code: String,
    pub volume_type: String,
    pub volume_product_type: String,
    pub resource_type: String,
    pub cloud_service_type: String,
    pub name: Vec<BTreeMap<String, String>>,
    pub volume_type_extra_specs: VolumeTypeExtraSpecs,
}

/// `ListVolumeTypeResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListVolumeTypeResponse {
    pub volume_types: Vec<VolumeTypeInfo>,
}

/// `QuotaRemainderData`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QuotaRemainderData {
    #[serde(rename = "type")]
    pub type_: String,
    pub remainder: i64,
    pub need: i64,
}

/// `CheckQuotaResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckQuotaResponse {
    pub is_enough: bool,
    pub quota_remainder: Vec<QuotaRemainderData>,
}

/// `ListTenantProfileResponse`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListTenantProfileResponse {
    pub project_id: String,
    pub project_name: String,
    pub tenant_domain_id: String,
    pub service_status: String,
    pub open_with_ad: bool,
    pub tenant_domain_name: String,
    pub create_time: String,
}
