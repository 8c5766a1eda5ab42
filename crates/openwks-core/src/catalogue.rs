//! The catalogue server groups are validated against: products, availability zones, images,
//! volume types and quotas. Read-only at run time; seeded from `default-catalog.toml`
//! (embedded) or from the file given with `--catalog` (TOML or YAML).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Reason, Result};

/// The embedded default catalogue (`{region}` is replaced at load).
pub const DEFAULT_CATALOG_TOML: &str = include_str!("default-catalog.toml");

/// Quotas of a project.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Quotas {
    /// Server groups per project.
    pub max_server_groups: i64,
    /// Upper bound of `route_policy.max_session`.
    pub max_session: i64,
    /// Instances (servers).
    pub instances: i64,
    /// vCPUs.
    pub cores: i64,
    /// Memory in MB.
    pub memory_mb: i64,
    /// GPU instances.
    pub gpu_instances: i64,
    /// Volumes.
    pub volumes: i64,
    /// Volume capacity in GB.
    pub volume_gigabytes: i64,
    /// ECS server groups per project (`maxServerGroups`).
    #[serde(default = "default_ecs_groups")]
    pub ecs_server_groups: i64,
    /// Members per ECS server group (`maxServerGroupMembers`).
    #[serde(default = "default_ecs_members")]
    pub ecs_server_group_members: i64,
}

fn default_ecs_groups() -> i64 {
    10
}
fn default_ecs_members() -> i64 {
    16
}

/// A pool of identical hypervisor hosts in one availability zone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostPool {
    /// The AZ.
    pub availability_zone: String,
    /// How many hosts.
    pub count: u32,
    /// vCPUs per host.
    pub vcpus: u32,
    /// Memory per host, MB.
    pub memory_mb: u64,
    /// GPUs per host.
    #[serde(default)]
    pub gpus: u32,
}

/// A host generated from a pool: `<az>-host-<nnn>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Id.
    pub id: String,
    /// AZ name.
    pub availability_zone: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, MB.
    pub memory_mb: u64,
    /// GPUs.
    pub gpus: u32,
}

/// An availability zone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AvailabilityZone {
    /// e.g. `cn-north-4a`.
    pub name: String,
    /// e.g. `AZ1`.
    pub display_name: String,
    /// Whether this is the default AZ.
    #[serde(default)]
    pub default: bool,
    /// Products sold here; empty means all.
    #[serde(default)]
    pub products: Vec<String>,
    /// Products listed but sold out here.
    #[serde(default)]
    pub sold_out: Vec<String>,
}

/// A product package (`ProductDetailInfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Product {
    /// e.g. `workspace.appstream.general.xlarge.2`.
    pub product_id: String,
    /// The ECS flavor behind it.
    pub flavor_id: String,
    /// `BASE` or `ADVANCED`.
    #[serde(rename = "type", default = "default_product_type")]
    pub type_: String,
    /// `x86` or `arm`.
    #[serde(default = "default_arch")]
    pub architecture: String,
    /// vCPUs.
    pub cpu: i64,
    /// Memory in MB.
    pub memory_mb: i64,
    /// GPU flavor.
    #[serde(default)]
    pub is_gpu: bool,
    /// GPU description.
    #[serde(default)]
    pub gpu_desc: String,
    /// GPU type (A30, A40, A100, RTX5000).
    #[serde(default)]
    pub support_gpu_type: String,
    /// Packaged system disk type.
    pub system_disk_type: String,
    /// Packaged system disk size in GB.
    pub system_disk_size: i64,
    /// Description.
    #[serde(default)]
    pub descriptions: String,
    /// Default sessions per server (default `route_policy.max_session`).
    pub sessions: i64,
    /// `0` pay-per-use, `1` yearly/monthly.
    #[serde(default = "default_charge_mode")]
    pub charge_mode: String,
    /// `general` or `dedicated`.
    #[serde(default = "default_package_type")]
    pub package_type: String,
    /// Sales status (`normal`, ...).
    #[serde(default = "default_status")]
    pub status: String,
    /// Flavor series.
    #[serde(default)]
    pub series_type: String,
}

fn default_product_type() -> String {
    "BASE".into()
}
fn default_arch() -> String {
    "x86".into()
}
fn default_charge_mode() -> String {
    "0".into()
}
fn default_package_type() -> String {
    "general".into()
}
fn default_status() -> String {
    "normal".into()
}

/// A volume type.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VolumeType {
    /// `ESSD`, `SSD`, `GPSSD`, `SAS` or `SATA`.
    pub volume_type: String,
    /// English display name.
    pub name_en: String,
}

/// An image (IMS).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Image {
    /// Image id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `Windows`, `Linux` or `Other`.
    pub os_type: String,
    /// OS version string.
    #[serde(default)]
    pub os_version: String,
    /// Platform (`Windows`, `Ubuntu`, ...).
    #[serde(default)]
    pub platform: String,
    /// WKS image type: `gold`, `public`, `private`, `shared` or `other`.
    pub image_type: String,
    /// Marketplace product code (`gold` images).
    #[serde(default)]
    pub product_code: String,
    /// Minimum system disk in GB.
    pub min_disk: i64,
    /// Minimum memory in MB.
    #[serde(default)]
    pub min_ram: i64,
    /// Applications installed on the image (publishable into app groups).
    #[serde(default)]
    pub apps: Vec<ImageApp>,
}

/// An application installed on an image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageApp {
    /// Name.
    pub name: String,
    /// Executable path.
    pub execute_path: String,
    /// Version.
    #[serde(default)]
    pub version: String,
}

impl Image {
    /// The IMS `__imagetype` of this image (`gold` is IMS's word for public images; the
    /// Marketplace is `market`).
    pub fn ims_imagetype(&self) -> &'static str {
        match self.image_type.as_str() {
            "public" => "gold",
            "gold" => "market",
            "shared" => "shared",
            _ => "private",
        }
    }
}

/// The network every project starts with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DefaultNetwork {
    /// VPC name.
    pub vpc_name: String,
    /// VPC CIDR.
    pub vpc_cidr: String,
    /// Subnet name.
    pub subnet_name: String,
    /// Subnet CIDR.
    pub subnet_cidr: String,
    /// Subnet gateway.
    pub subnet_gateway: String,
}

/// The whole catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Catalogue {
    /// Quotas.
    pub quotas: Quotas,
    /// Availability zones.
    pub availability_zones: Vec<AvailabilityZone>,
    /// Products.
    pub products: Vec<Product>,
    /// Volume types.
    pub volume_types: Vec<VolumeType>,
    /// Images.
    pub images: Vec<Image>,
    /// The default network.
    pub default_network: DefaultNetwork,
    /// The simulated hypervisor hosts.
    #[serde(default)]
    pub host_pools: Vec<HostPool>,
    /// The access agent (HDA) versions: what servers ship with and the latest.
    #[serde(default)]
    pub access_agent: AccessAgent,
}

/// The access agent a server runs when nothing else says (servers stored before agents were
/// tracked, and the default catalogue's `shipped_version`).
pub const SHIPPED_AGENT_VERSION: &str = "23.12.0.1005";

/// The access agent (the vendor's HDA) of app servers (`[access_agent]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessAgent {
    /// The agent type (`SBC`: app servers).
    pub hda_type: String,
    /// The version a new server runs.
    pub shipped_version: String,
    /// The latest version: what an upgrade installs.
    pub latest_version: String,
}

impl Default for AccessAgent {
    fn default() -> Self {
        Self {
            hda_type: "SBC".into(),
            shipped_version: SHIPPED_AGENT_VERSION.into(),
            latest_version: "24.6.0.1010".into(),
        }
    }
}

impl Catalogue {
    /// The embedded default for `region`.
    pub fn default_for(region: &str) -> Result<Self> {
        Self::parse_toml(DEFAULT_CATALOG_TOML, region)
    }

    /// Parse a TOML catalogue, replacing `{region}`.
    pub fn parse_toml(text: &str, region: &str) -> Result<Self> {
        let text = text.replace("{region}", region);
        let c: Self = toml::from_str(&text)
            .map_err(|e| Error::invalid(Reason::InvalidParameter, format!("catalogue: {e}")))?;
        c.check()?;
        Ok(c)
    }

    /// Parse a YAML catalogue, replacing `{region}`.
    pub fn parse_yaml(text: &str, region: &str) -> Result<Self> {
        let text = text.replace("{region}", region);
        let c: Self = serde_yaml_ng::from_str(&text)
            .map_err(|e| Error::invalid(Reason::InvalidParameter, format!("catalogue: {e}")))?;
        c.check()?;
        Ok(c)
    }

    /// Parse by file name: `.yaml`/`.yml` is YAML, anything else TOML.
    pub fn parse_file(name: &str, text: &str, region: &str) -> Result<Self> {
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Self::parse_yaml(text, region)
        } else {
            Self::parse_toml(text, region)
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |m: String| {
            Err(Error::invalid(
                Reason::InvalidParameter,
                format!("catalogue: {m}"),
            ))
        };
        if self.availability_zones.is_empty() {
            return bad("at least one availability zone is needed".into());
        }
        for az in &self.availability_zones {
            for p in az.products.iter().chain(&az.sold_out) {
                if self.product(p).is_none() {
                    return bad(format!("AZ {} names unknown product {p}", az.name));
                }
            }
        }
        for pool in &self.host_pools {
            if self.az(&pool.availability_zone).is_none() {
                return bad(format!(
                    "host pool names unknown availability zone {}",
                    pool.availability_zone
                ));
            }
        }
        for p in &self.products {
            if p.sessions < 1 || p.cpu < 1 || p.memory_mb < 1 {
                return bad(format!(
                    "product {} needs cpu, memory_mb and sessions >= 1",
                    p.product_id
                ));
            }
        }
        Ok(())
    }

    /// Every host of every pool, in a stable order (`<az>-host-001`, ...).
    pub fn hosts(&self) -> Vec<HostSpec> {
        let mut out = Vec::new();
        for pool in &self.host_pools {
            let already = out
                .iter()
                .filter(|h: &&HostSpec| h.availability_zone == pool.availability_zone)
                .count() as u32;
            for n in 0..pool.count {
                out.push(HostSpec {
                    id: format!("{}-host-{:03}", pool.availability_zone, already + n + 1),
                    availability_zone: pool.availability_zone.clone(),
                    vcpus: pool.vcpus,
                    memory_mb: pool.memory_mb,
                    gpus: pool.gpus,
                });
            }
        }
        out
    }

    /// A product by id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.product_id == id)
    }

    /// An AZ by name.
    pub fn az(&self, name: &str) -> Option<&AvailabilityZone> {
        self.availability_zones.iter().find(|a| a.name == name)
    }

    /// An image by id.
    pub fn image(&self, id: &str) -> Option<&Image> {
        self.images.iter().find(|i| i.id == id)
    }

    /// A volume type by name.
    pub fn volume_type(&self, name: &str) -> Option<&VolumeType> {
        self.volume_types.iter().find(|v| v.volume_type == name)
    }

    /// Whether `product` is listed in `az` (sold out or not).
    pub fn az_lists(&self, az: &AvailabilityZone, product: &str) -> bool {
        az.products.is_empty() || az.products.iter().any(|p| p == product)
    }

    /// Whether `product` can be bought in `az` now (listed and not sold out).
    pub fn sold_in(&self, az: &AvailabilityZone, product: &str) -> bool {
        self.az_lists(az, product) && !az.sold_out.iter().any(|p| p == product)
    }

    /// `cond_operation_az` of a product: `az(status)` for every AZ.
    pub fn cond_operation_az(&self, product: &str) -> String {
        self.availability_zones
            .iter()
            .map(|az| {
                let st = if !self.az_lists(az, product) {
                    "abandon"
                } else if az.sold_out.iter().any(|p| p == product) {
                    "sellout"
                } else {
                    "normal"
                };
                format!("{}({st})", az.name)
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_catalogue_has_the_seed_products_and_a_gpu_product() {
        let c = Catalogue::default_for("cn-north-4").expect("default parses");
        for p in [
            "workspace.appstream.general.xlarge.2",
            "workspace.appstream.general.2xlarge.4",
            "workspace.x86.general.xlarge2",
        ] {
            assert!(c.product(p).is_some(), "{p}");
        }
        assert!(c.products.iter().any(|p| p.is_gpu));
        assert!(c.az("cn-north-4a").is_some());
        assert!(c
            .images
            .iter()
            .any(|i| i.os_type == "Windows" && i.image_type == "public"));
        assert!(c.images.iter().any(|i| i.os_type == "Linux"));
        let az_a = c.az("cn-north-4a").expect("az a");
        let gpu = "workspace.appstream.gpu.2xlarge.8.a40";
        assert!(!c.sold_in(az_a, gpu));
        assert!(c.cond_operation_az(gpu).contains("cn-north-4c(normal)"));
        let hosts = c.hosts();
        assert!(hosts.len() >= 60, "a few dozen hosts per AZ");
        assert_eq!(hosts[0].id, "cn-north-4a-host-001");
        assert!(hosts
            .iter()
            .any(|h| h.gpus > 0 && h.availability_zone == "cn-north-4c"));
        let ids: std::collections::HashSet<_> = hosts.iter().map(|h| &h.id).collect();
        assert_eq!(ids.len(), hosts.len());
    }

    #[test]
    fn the_documented_example_catalogue_is_the_default() {
        assert_eq!(
            include_str!("../../../docs/catalog.example.toml"),
            DEFAULT_CATALOG_TOML
        );
    }

    #[test]
    fn yaml_catalogue_parses_like_toml() {
        let c = Catalogue::default_for("r1").expect("default");
        let yaml = serde_yaml_ng::to_string(&c).expect("to yaml");
        let back = Catalogue::parse_yaml(&yaml, "r1").expect("yaml parses");
        assert_eq!(back, c);
    }

    #[test]
    fn catalogue_with_unknown_product_in_az_is_refused() {
        let text = DEFAULT_CATALOG_TOML.replace(
            "sold_out = [\"workspace.appstream.general.2xlarge.4\"]",
            "sold_out = [\"nope\"]",
        );
        assert!(Catalogue::parse_toml(&text, "r").is_err());
    }
}
