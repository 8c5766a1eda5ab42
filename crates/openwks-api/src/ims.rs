//! IMS (`/v2/cloudimages`) wire types, as `huaweicloudsdkims` v2 `list_images` reads them.

use serde::{Deserialize, Serialize};

/// `ImageInfo` (the subset of its 60-odd fields that describe a catalogue image).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: String,
    pub name: String,
    pub status: String,
    pub visibility: String,
    pub protected: bool,
    pub min_disk: i64,
    pub min_ram: i64,
    pub disk_format: String,
    pub container_format: String,
    pub owner: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(rename = "self")]
    pub self_: String,
    pub file: String,
    pub schema: String,
    pub tags: Vec<String>,
    pub virtual_env_type: String,
    pub enterprise_project_id: String,
    #[serde(rename = "__imagetype")]
    pub imagetype: String,
    #[serde(rename = "__os_type")]
    pub os_type: String,
    #[serde(rename = "__os_version")]
    pub os_version: String,
    #[serde(rename = "__platform")]
    pub platform: String,
    #[serde(rename = "__os_bit")]
    pub os_bit: String,
    #[serde(rename = "__isregistered")]
    pub isregistered: String,
    #[serde(rename = "__support_kvm")]
    pub support_kvm: String,
    #[serde(
        rename = "__productcode",
        skip_serializing_if = "String::is_empty",
        default
    )]
    pub productcode: String,
    #[serde(rename = "__description")]
    pub description: String,
    pub architecture: String,
}

/// `ListImagesResponse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListImagesResponse {
    pub images: Vec<ImageInfo>,
}
