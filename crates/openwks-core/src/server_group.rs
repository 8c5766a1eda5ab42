//! Server groups: the domain type, the rules of create and update (seeds
//! `wksapp-create-server-group.txt`, `wksapp-update-server-group.txt`), tags and scaling policy.

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::error::{Error, Reason, Result};
use crate::network::{Subnet, Vpc};
use crate::validate::{check_enum, check_name, check_range, check_tags, Tag};

/// `ImageTypeEnum`.
pub const IMAGE_TYPES: &[&str] = &["gold", "public", "private", "shared", "other"];
/// `OsTypeEnum`.
pub const OS_TYPES: &[&str] = &["Linux", "Windows", "Other"];
/// `VolumeType`.
pub const VOLUME_TYPES: &[&str] = &["ESSD", "SSD", "GPSSD", "SAS", "SATA"];
/// `AppTypeEnum`.
pub const APP_TYPES: &[&str] = &["SESSION_DESKTOP_APP", "COMMON_APP"];
/// `ExtraSessionTypeEnum`.
pub const EXTRA_SESSION_TYPES: &[&str] = &["GPU", "CPU"];
/// `StorageFolderMountType`.
pub const STORAGE_MOUNT_POLICIES: &[&str] = &["USER", "SHARE", "ANY"];
/// `ServerStatus` (what `show_server_group_state` counts).
pub const SERVER_STATUSES: &[&str] = &[
    "UNREGISTER",
    "REGISTERED",
    "MAINTAINING",
    "FREEZE",
    "STOPPED",
    "NONE",
];

/// System disk size range in GB (vendor definitions: 10–32768).
pub const DISK_MIN: i64 = 10;
/// Upper bound of the system disk size.
pub const DISK_MAX: i64 = 32768;

/// The largest `route_policy.max_session` an update may set (the vendor's
/// `UpdateServerGroupReq.route_policy.max_session`: 1–100; create allows the quota, 1024).
pub const UPDATE_MAX_SESSION: i64 = 100;

/// The routing policy. A threshold of `None` is "not set".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoutePolicy {
    /// Sessions per server, 1–1024; `None` means the product's default.
    pub max_session: Option<i64>,
    /// CPU threshold in percent.
    pub cpu_threshold: Option<i64>,
    /// GPU memory threshold in percent.
    pub gpu_threshold: Option<i64>,
    /// Memory threshold in percent.
    pub mem_threshold: Option<i64>,
    /// openwks extension: `BREADTH_FIRST` (default) or `DEPTH_FIRST` (docs/routing.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
}

/// The values of the `route_policy.strategy` extension.
pub const ROUTE_STRATEGIES: [&str; 2] = ["BREADTH_FIRST", "DEPTH_FIRST"];

/// Route-policy fields as sent (each may be absent).
#[derive(Debug, Clone, Default)]
pub struct RoutePolicySpec {
    /// As sent.
    pub max_session: Option<i64>,
    /// As sent.
    pub cpu_threshold: Option<i64>,
    /// As sent.
    pub gpu_threshold: Option<i64>,
    /// As sent.
    pub mem_threshold: Option<i64>,
    /// As sent (extension).
    pub strategy: Option<String>,
}

fn threshold(field: &str, v: Option<i64>) -> Result<Option<i64>> {
    match v {
        // 0 means "not set": the vendor's Terraform provider sends 0 for an omitted threshold
        // (anchors-appstream.md §6), and the real service accepts it.
        None | Some(0) => Ok(None),
        Some(x) => check_range(field, x, 1, 100).map(Some),
    }
}

impl RoutePolicySpec {
    /// Apply the sent fields onto `base` (partial update), validating each.
    pub fn apply(&self, base: &RoutePolicy, max_session_cap: i64) -> Result<RoutePolicy> {
        let mut rp = base.clone();
        if let Some(m) = self.max_session {
            rp.max_session = Some(check_range(
                "route_policy.max_session",
                m,
                1,
                max_session_cap,
            )?);
        }
        if self.cpu_threshold.is_some() {
            rp.cpu_threshold = threshold("route_policy.cpu_threshold", self.cpu_threshold)?;
        }
        if self.gpu_threshold.is_some() {
            rp.gpu_threshold = threshold("route_policy.gpu_threshold", self.gpu_threshold)?;
        }
        if self.mem_threshold.is_some() {
            rp.mem_threshold = threshold("route_policy.mem_threshold", self.mem_threshold)?;
        }
        if let Some(s) = &self.strategy {
            rp.strategy = Some(
                crate::validate::check_enum("route_policy.strategy", s, &ROUTE_STRATEGIES)?
                    .to_string(),
            );
        }
        Ok(rp)
    }
}

/// The scaling policy of a group (seed Tables 9–11).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// On or off.
    pub enable: bool,
    /// Servers scaling may add in all (1–100).
    pub max_scaling_amount: i64,
    /// Servers added per step (1–10).
    pub single_expansion_count: i64,
    /// Group session usage (%) that triggers scale-out (1–100).
    pub session_usage_threshold: Option<i64>,
    /// Idle minutes before an auto-created server is released (5–120).
    pub shrink_after_session_idle_minutes: i64,
    /// Group CPU usage (%) that triggers scale-out.
    pub cpu_usage_threshold: Option<i64>,
    /// Group memory usage (%) that triggers scale-out.
    pub mem_usage_threshold: Option<i64>,
    /// Group GPU usage (%) that triggers scale-out.
    pub gpu_usage_threshold: Option<i64>,
}

impl Default for ScalingPolicy {
    /// The policy `show_scaling_policy` returns for a group that has none: disabled (the
    /// vendor's Terraform provider treats `enable: false` as "no policy").
    fn default() -> Self {
        Self {
            enable: false,
            max_scaling_amount: 10,
            single_expansion_count: 1,
            session_usage_threshold: Some(80),
            shrink_after_session_idle_minutes: 30,
            cpu_usage_threshold: None,
            mem_usage_threshold: None,
            gpu_usage_threshold: None,
        }
    }
}

/// `PUT /scaling-policy` fields as sent.
#[derive(Debug, Clone, Default)]
pub struct ScalingPolicySpec {
    /// As sent (default true).
    pub enable: Option<bool>,
    /// Required.
    pub max_scaling_amount: Option<i64>,
    /// Required.
    pub single_expansion_count: Option<i64>,
    /// Required object; `None` when absent.
    pub by_session: Option<(Option<i64>, Option<i64>)>,
    /// Optional object: cpu, mem, gpu.
    pub by_resource: Option<(Option<i64>, Option<i64>, Option<i64>)>,
}

impl ScalingPolicySpec {
    /// Validate into a policy (anchors-appstream.md §5 ranges).
    pub fn validate(&self) -> Result<ScalingPolicy> {
        let max = self
            .max_scaling_amount
            .ok_or_else(|| Error::missing("max_scaling_amount"))?;
        let single = self
            .single_expansion_count
            .ok_or_else(|| Error::missing("single_expansion_count"))?;
        let (usage, shrink) = self
            .by_session
            .ok_or_else(|| Error::missing("scaling_policy_by_session"))?;
        let shrink = shrink.ok_or_else(|| {
            Error::missing("scaling_policy_by_session.shrink_after_session_idle_minutes")
        })?;
        let (cpu, mem, gpu) = self.by_resource.unwrap_or((None, None, None));
        let single = check_range("single_expansion_count", single, 1, 10)?;
        let max = check_range("max_scaling_amount", max, 1, 100)?;
        if single > max {
            return Err(Error::invalid(
                Reason::OutOfRange,
                format!(
                    "single_expansion_count ({single}) may not exceed max_scaling_amount ({max})"
                ),
            ));
        }
        Ok(ScalingPolicy {
            enable: self.enable.unwrap_or(true),
            max_scaling_amount: max,
            single_expansion_count: single,
            session_usage_threshold: threshold(
                "scaling_policy_by_session.session_usage_threshold",
                usage,
            )?,
            shrink_after_session_idle_minutes: check_range(
                "scaling_policy_by_session.shrink_after_session_idle_minutes",
                shrink,
                5,
                120,
            )?,
            cpu_usage_threshold: threshold("scaling_policy_by_resource.cpu_usage_threshold", cpu)?,
            mem_usage_threshold: threshold("scaling_policy_by_resource.mem_usage_threshold", mem)?,
            gpu_usage_threshold: threshold("scaling_policy_by_resource.gpu_usage_threshold", gpu)?,
        })
    }
}

/// A server group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ServerGroup {
    /// UUID.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// 1–64 letters, digits, `_`, `-`; unique in the project.
    pub name: String,
    /// Description.
    pub description: String,
    /// Image for new servers.
    pub image_id: String,
    /// `ImageTypeEnum`.
    pub image_type: String,
    /// Marketplace product of the image.
    pub image_product_id: String,
    /// `OsTypeEnum`.
    pub os_type: String,
    /// Product package.
    pub product_id: String,
    /// The product's flavor.
    pub flavor_id: String,
    /// VPC.
    pub vpc_id: String,
    /// Subnet (in the VPC).
    pub subnet_id: String,
    /// `VolumeType`.
    pub system_disk_type: String,
    /// GB.
    pub system_disk_size: i64,
    /// Default OU.
    pub ou_name: String,
    /// Storage pool of the system disk.
    pub cluster_id: String,
    /// The AZ new servers go to.
    pub availability_zone: String,
    /// Virtual IP function (create-time only).
    pub ip_virtual: bool,
    /// VDI single-session mode.
    pub is_vdi: bool,
    /// `AppTypeEnum`.
    pub app_type: String,
    /// `GPU` or `CPU` paid sessions.
    pub extra_session_type: Option<String>,
    /// Number of paid sessions.
    pub extra_session_size: Option<i64>,
    /// Enterprise project (`0` is the default one).
    pub enterprise_project_id: String,
    /// The primary group when this group is a standby.
    pub primary_server_group_id: Option<String>,
    /// Enabled.
    pub server_group_status: bool,
    /// `StorageFolderMountType`.
    pub storage_mount_policy: String,
    /// Routing.
    pub route_policy: RoutePolicy,
    /// Scaling.
    pub scaling_policy: ScalingPolicy,
    /// Tags (≤ 20, unique keys).
    pub tags: Vec<Tag>,
    /// Creation time.
    pub create_time: String,
    /// Last update.
    pub update_time: String,
    /// Bumped when the image, system disk or OU change: servers created from now on use the
    /// new configuration, existing servers keep the version they were built with (seed update).
    pub config_version: i64,
    /// Bumped when `max_session` changes: the session router recomputes from this epoch on
    /// (seed update: "resets the routing calculation").
    pub routing_epoch: i64,
    /// The group's own anti-affinity ECS group, created with its first server: its servers
    /// are spread over hosts.
    #[serde(default)]
    pub ecs_group_id: Option<String>,
}

/// A server group with what is derived from other resources, for output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerGroupView {
    /// The group.
    pub group: ServerGroup,
    /// Its standby groups, oldest first.
    pub secondary_ids: Vec<String>,
    /// The subnet's name ("" if it is gone).
    pub subnet_name: String,
    /// App groups bound to it.
    pub app_group_count: i64,
    /// Its servers.
    pub app_server_count: i64,
}

/// Create fields as sent (mirrors `CreateServerGroupReq`).
#[derive(Debug, Clone, Default)]
pub struct CreateSpec {
    pub name: Option<String>,
    pub image_id: Option<String>,
    pub image_product_id: Option<String>,
    pub image_type: Option<String>,
    pub os_type: Option<String>,
    pub description: Option<String>,
    pub route_policy: Option<RoutePolicySpec>,
    pub product_id: Option<String>,
    pub flavor_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub system_disk_type: Option<String>,
    pub system_disk_size: Option<i64>,
    pub ou_name: Option<String>,
    pub cluster_id: Option<String>,
    pub availability_zone: Option<String>,
    /// `Some(None)`: the object was sent without `enable`.
    pub ip_virtual: Option<Option<bool>>,
    pub is_vdi: Option<bool>,
    pub app_type: Option<String>,
    pub extra_session_type: Option<String>,
    pub extra_session_size: Option<i64>,
    pub tags: Option<Vec<(Option<String>, Option<String>)>>,
    pub enterprise_project_id: Option<String>,
    pub primary_server_group_id: Option<String>,
    pub server_group_status: Option<bool>,
    pub storage_mount_policy: Option<String>,
}

/// Update fields as sent (mirrors `UpdateServerGroupReq`).
#[derive(Debug, Clone, Default)]
pub struct UpdateSpec {
    pub name: Option<String>,
    pub description: Option<String>,
    pub route_policy: Option<RoutePolicySpec>,
    pub storage_mount_policy: Option<String>,
    pub image_id: Option<String>,
    pub image_product_id: Option<String>,
    pub image_type: Option<String>,
    pub system_disk_type: Option<String>,
    pub system_disk_size: Option<i64>,
    pub ou_name: Option<String>,
    pub app_type: Option<String>,
    pub server_group_status: Option<bool>,
    /// Whether `ip_virtual` was sent (refused: create-time only).
    pub ip_virtual_sent: bool,
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn required(field: &str, v: &Option<String>) -> Result<String> {
    match v.as_deref() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
        _ => Err(Error::missing(field)),
    }
}

fn check_description(d: &str) -> Result<()> {
    crate::validate::check_text("description", d, 0, 255, Reason::OutOfRange)
}

fn check_ou(ou: &str) -> Result<()> {
    crate::validate::check_text("ou_name", ou, 0, 255, Reason::OutOfRange)?;
    Ok(())
}

/// Check an image choice: it exists, its OS is the group's, its type is the one named, and a
/// Marketplace (`gold`) image comes with its `image_product_id`. Returns the image's min disk.
fn check_image(
    cat: &Catalogue,
    image_id: &str,
    image_type: &str,
    image_product_id: &str,
    os_type: &str,
) -> Result<i64> {
    let img = cat.image(image_id).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidImage,
            format!("image {image_id} does not exist"),
        )
    })?;
    if img.os_type != os_type {
        return Err(Error::invalid(
            Reason::InvalidImage,
            format!(
                "image {image_id} is a {} image, but os_type is {os_type}",
                img.os_type
            ),
        ));
    }
    if img.image_type != image_type {
        return Err(Error::invalid(
            Reason::InvalidImage,
            format!(
                "image {image_id} is of type {}, not {image_type}",
                img.image_type
            ),
        ));
    }
    if image_type == "gold" {
        if image_product_id.is_empty() {
            return Err(Error::invalid(
                Reason::MissingParameter,
                "image_product_id is required for a Marketplace (gold) image",
            ));
        }
        if image_product_id != img.product_code {
            return Err(Error::invalid(
                Reason::InvalidImage,
                format!(
                    "image_product_id {image_product_id} is not the product of image {image_id}"
                ),
            ));
        }
    }
    Ok(img.min_disk)
}

fn check_disk(size: i64, min_disk: i64) -> Result<i64> {
    let size = check_range("system_disk_size", size, DISK_MIN, DISK_MAX).map_err(|mut e| {
        e.code = Reason::InvalidDisk;
        e
    })?;
    if size < min_disk {
        return Err(Error::invalid(
            Reason::InvalidDisk,
            format!(
                "system_disk_size {size} GB is smaller than the image's minimum disk {min_disk} GB"
            ),
        ));
    }
    Ok(size)
}

/// What create needs besides the request: the catalogue and the network the request names
/// (looked up by the caller), plus the new id, the time and a random pick of an AZ.
pub struct CreateContext<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The VPC named by `vpc_id`, if it exists in the project.
    pub vpc: Option<&'a Vpc>,
    /// The subnet named by `subnet_id`, if it exists in the project.
    pub subnet: Option<&'a Subnet>,
    /// New id.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// Now.
    pub now: String,
    /// A random number to pick an AZ when none is given.
    pub az_pick: usize,
}

impl CreateSpec {
    /// Validate a create request into a new group. The primary/standby rules need the stored
    /// primary and are checked by [`check_standby`] inside the store's transaction.
    pub fn validate(self, ctx: &CreateContext<'_>) -> Result<ServerGroup> {
        let cat = ctx.catalogue;
        let name = self.name.ok_or_else(|| Error::missing("name"))?;
        check_name("name", &name)?;
        let image_id = required("image_id", &self.image_id)?;
        let image_type = required("image_type", &self.image_type)?;
        check_enum("image_type", &image_type, IMAGE_TYPES)?;
        let os_type = required("os_type", &self.os_type)?;
        check_enum("os_type", &os_type, OS_TYPES)?;
        // The seed lists Linux and Other but says "Currently, only Windows is supported"
        // (create-server-group, os_type): they are refused, not silently served.
        if os_type != "Windows" {
            return Err(Error::invalid(
                Reason::InvalidEnum,
                format!("os_type {os_type} is not supported: currently only Windows is"),
            ));
        }
        let product_id = required("product_id", &self.product_id)?;
        let vpc_id = required("vpc_id", &self.vpc_id)?;
        let subnet_id = required("subnet_id", &self.subnet_id)?;
        let system_disk_type = required("system_disk_type", &self.system_disk_type)?;
        check_enum("system_disk_type", &system_disk_type, VOLUME_TYPES)?;
        let system_disk_size = self
            .system_disk_size
            .ok_or_else(|| Error::missing("system_disk_size"))?;
        let description = self.description.unwrap_or_default();
        check_description(&description)?;
        let ou_name = self.ou_name.unwrap_or_default();
        check_ou(&ou_name)?;
        let app_type = match self.app_type.as_deref() {
            None | Some("") => "COMMON_APP".to_string(),
            Some(a) => check_enum("app_type", a, APP_TYPES)?.to_string(),
        };
        let standby = self
            .primary_server_group_id
            .as_deref()
            .is_some_and(|p| !p.is_empty());
        let storage_mount_policy = match self.storage_mount_policy.as_deref() {
            // A standby inherits its primary's: the store fills it in the write.
            None | Some("") if standby => String::new(),
            None | Some("") => "ANY".to_string(),
            Some(s) => check_enum("storage_mount_policy", s, STORAGE_MOUNT_POLICIES)?.to_string(),
        };
        let extra_session_type = match self.extra_session_type.as_deref() {
            None | Some("") => None,
            Some(t) => Some(check_enum("extra_session_type", t, EXTRA_SESSION_TYPES)?.to_string()),
        };
        // Image.
        // The product id belongs to Marketplace (gold) images only.
        let image_product_id = if image_type == "gold" {
            self.image_product_id.unwrap_or_default()
        } else {
            String::new()
        };
        let min_disk = check_image(cat, &image_id, &image_type, &image_product_id, &os_type)?;
        let system_disk_size = check_disk(system_disk_size, min_disk)?;
        if cat.volume_type(&system_disk_type).is_none() {
            return Err(Error::invalid(
                Reason::InvalidEnum,
                format!("volume type {system_disk_type} is not offered"),
            ));
        }
        // Product and flavor.
        let product = cat.product(&product_id).ok_or_else(|| {
            Error::invalid(
                Reason::InvalidProduct,
                format!("product {product_id} does not exist"),
            )
        })?;
        if let Some(f) = self.flavor_id.as_deref().filter(|f| !f.is_empty()) {
            if f != product.flavor_id {
                return Err(Error::invalid(
                    Reason::InvalidProduct,
                    format!(
                        "flavor_id {f} is not the flavor of product {product_id} ({})",
                        product.flavor_id
                    ),
                ));
            }
        }
        // Availability zone: given, or a random AZ that sells the product.
        let availability_zone = match self.availability_zone.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => {
                let az = cat.az(a).ok_or_else(|| {
                    Error::invalid(
                        Reason::InvalidAz,
                        format!("availability zone {a} does not exist"),
                    )
                })?;
                if !cat.sold_in(az, &product_id) {
                    return Err(Error::invalid(
                        Reason::InvalidProduct,
                        format!("product {product_id} is not sold in availability zone {a}"),
                    ));
                }
                a.to_string()
            }
            None => {
                let sold: Vec<_> = cat
                    .availability_zones
                    .iter()
                    .filter(|az| cat.sold_in(az, &product_id))
                    .collect();
                if sold.is_empty() {
                    return Err(Error::invalid(
                        Reason::InvalidProduct,
                        format!("product {product_id} is not sold in any availability zone"),
                    ));
                }
                sold[ctx.az_pick % sold.len()].name.clone()
            }
        };
        // Network.
        let vpc = ctx.vpc.ok_or_else(|| {
            Error::invalid(
                Reason::InvalidNetwork,
                format!("VPC {vpc_id} does not exist"),
            )
        })?;
        let subnet = ctx.subnet.ok_or_else(|| {
            Error::invalid(
                Reason::InvalidNetwork,
                format!("subnet {subnet_id} does not exist"),
            )
        })?;
        if subnet.vpc_id != vpc.id {
            return Err(Error::invalid(
                Reason::InvalidNetwork,
                format!("subnet {subnet_id} does not belong to VPC {vpc_id}"),
            ));
        }
        // Virtual IP (Windows, which every group is).
        let ip_virtual = match self.ip_virtual {
            None => false,
            Some(None) => return Err(Error::missing("ip_virtual.enable")),
            Some(Some(e)) => e,
        };

        if ip_virtual && !subnet.dhcp_enable {
            return Err(Error::invalid(
                Reason::InvalidIpVirtual,
                "ip_virtual needs a subnet with DHCP enabled",
            ));
        }
        // Route policy.
        let route_policy = match &self.route_policy {
            Some(rp) => rp.apply(&RoutePolicy::default(), cat.quotas.max_session)?,
            None => RoutePolicy::default(),
        };
        // Paid sessions: at least 1 (the vendor's `minimum: 1`; 0 is refused, not dropped);
        // the vendor sets no maximum, so only the integer's (int32) bounds it.
        let extra_session_size = match self.extra_session_size {
            None => None,
            Some(n) => Some(check_range(
                "extra_session_size",
                n,
                1,
                i64::from(i32::MAX),
            )?),
        };
        if extra_session_size.is_some() && extra_session_type.is_none() {
            return Err(Error::missing("extra_session_type"));
        }
        let tags = match &self.tags {
            Some(ts) => check_tags(ts.iter().map(|(k, v)| (k.as_deref(), v.as_deref())))?,
            None => Vec::new(),
        };
        let enterprise_project_id = match self.enterprise_project_id.as_deref() {
            None | Some("") | Some("0") => "0".to_string(),
            Some(e) => {
                // Enterprise projects have UUIDs (36 characters); "0" or empty is the default.
                if !is_uuid(e) {
                    return Err(Error::invalid(
                        Reason::InvalidParameter,
                        format!(
                            "enterprise_project_id {e:?} is malformed: \"0\", empty, or an enterprise project's UUID"
                        ),
                    ));
                }
                e.to_string()
            }
        };
        let primary_server_group_id = self.primary_server_group_id.filter(|p| !p.is_empty());
        Ok(ServerGroup {
            id: ctx.id.clone(),
            project_id: ctx.project_id.clone(),
            name,
            description,
            image_id,
            image_type,
            image_product_id,
            os_type,
            flavor_id: product.flavor_id.clone(),
            product_id,
            vpc_id,
            subnet_id,
            system_disk_type,
            system_disk_size,
            ou_name,
            cluster_id: self.cluster_id.unwrap_or_default(),
            availability_zone,
            ip_virtual,
            is_vdi: self.is_vdi.unwrap_or(false),
            app_type,
            extra_session_type,
            extra_session_size,
            enterprise_project_id,
            primary_server_group_id,
            server_group_status: self.server_group_status.unwrap_or(true),
            storage_mount_policy,
            route_policy,
            scaling_policy: ScalingPolicy::default(),
            tags,
            create_time: ctx.now.clone(),
            update_time: ctx.now.clone(),
            config_version: 1,
            routing_epoch: 1,
            ecs_group_id: None,
        })
    }
}

/// The standby rules: the primary is a primary (not itself a standby) of the same project, and
/// the standby matches its `os_type`, `is_vdi`, `app_type`, `ip_virtual` and
/// `storage_mount_policy` (anchors-appstream.md §5).
pub fn check_standby(primary: Option<&ServerGroup>, standby: &ServerGroup) -> Result<()> {
    let Some(pid) = standby.primary_server_group_id.as_deref() else {
        return Ok(());
    };
    let p = primary.ok_or_else(|| {
        Error::invalid(
            Reason::InvalidPrimary,
            format!("primary_server_group_id {pid} does not name a server group of this project"),
        )
    })?;
    if p.primary_server_group_id.is_some() {
        return Err(Error::invalid(
            Reason::InvalidPrimary,
            format!("server group {pid} is itself a standby group and cannot be a primary"),
        ));
    }
    let mismatch = [
        ("os_type", p.os_type != standby.os_type),
        ("is_vdi", p.is_vdi != standby.is_vdi),
        ("app_type", p.app_type != standby.app_type),
        ("ip_virtual", p.ip_virtual != standby.ip_virtual),
        (
            "storage_mount_policy",
            p.storage_mount_policy != standby.storage_mount_policy,
        ),
    ];
    if let Some((field, _)) = mismatch.iter().find(|(_, m)| *m) {
        return Err(Error::invalid(
            Reason::InvalidPrimary,
            format!("a standby group must have the same {field} as its primary {pid}"),
        ));
    }
    Ok(())
}

impl UpdateSpec {
    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.route_policy.is_none()
            && self.storage_mount_policy.is_none()
            && self.image_id.is_none()
            && self.image_product_id.is_none()
            && self.image_type.is_none()
            && self.system_disk_type.is_none()
            && self.system_disk_size.is_none()
            && self.ou_name.is_none()
            && self.app_type.is_none()
            && self.server_group_status.is_none()
            && !self.ip_virtual_sent
    }

    /// Apply a partial update to `g` (only fields sent change). `primary` is the group's primary
    /// when it is a standby; `standbys` are its standby groups, to which changes of `app_type`
    /// and `storage_mount_policy` are carried (anchors-appstream.md §5).
    pub fn apply(
        &self,
        cat: &Catalogue,
        g: &mut ServerGroup,
        primary: Option<&ServerGroup>,
        standbys: &mut [ServerGroup],
        now: &str,
    ) -> Result<()> {
        if self.ip_virtual_sent {
            return Err(Error::invalid(
                Reason::InvalidIpVirtual,
                "ip_virtual can only be set when the server group is created",
            ));
        }
        if let Some(n) = &self.name {
            check_name("name", n)?;
            g.name = n.clone();
        }
        if let Some(d) = &self.description {
            check_description(d)?;
            g.description = d.clone();
        }
        if let Some(rp) = &self.route_policy {
            // The vendor's UpdateServerGroupReq bounds max_session at 100 (create: 1024).
            let new = rp.apply(
                &g.route_policy,
                cat.quotas.max_session.min(UPDATE_MAX_SESSION),
            )?;
            if new.max_session != g.route_policy.max_session {
                g.routing_epoch += 1;
            }
            g.route_policy = new;
        }
        if let Some(s) = &self.storage_mount_policy {
            g.storage_mount_policy =
                check_enum("storage_mount_policy", s, STORAGE_MOUNT_POLICIES)?.to_string();
        }
        if let Some(a) = &self.app_type {
            g.app_type = check_enum("app_type", a, APP_TYPES)?.to_string();
        }
        if let Some(t) = &self.system_disk_type {
            g.system_disk_type = check_enum("system_disk_type", t, VOLUME_TYPES)?.to_string();
        }
        if let Some(s) = self.server_group_status {
            g.server_group_status = s;
        }
        let image_changed =
            self.image_id.is_some() || self.image_type.is_some() || self.image_product_id.is_some();
        if let Some(i) = &self.image_id {
            if i.is_empty() {
                return Err(Error::missing("image_id"));
            }
            g.image_id = i.clone();
        }
        if let Some(t) = &self.image_type {
            g.image_type = check_enum("image_type", t, IMAGE_TYPES)?.to_string();
        }
        if let Some(p) = &self.image_product_id {
            g.image_product_id = p.clone();
        }
        if g.image_type != "gold" {
            // Switching to a public or private image drops the Marketplace product.
            g.image_product_id.clear();
        }
        let disk_changed = self.system_disk_size.is_some() || self.system_disk_type.is_some();
        if let Some(s) = self.system_disk_size {
            g.system_disk_size = s;
        }
        if image_changed || disk_changed {
            let min_disk = check_image(
                cat,
                &g.image_id,
                &g.image_type,
                &g.image_product_id,
                &g.os_type,
            )?;
            check_disk(g.system_disk_size, min_disk)?;
        }
        let ou_changed = match &self.ou_name {
            Some(o) => {
                check_ou(o)?;
                let changed = *o != g.ou_name;
                g.ou_name = o.clone();
                changed
            }
            None => false,
        };
        if image_changed || disk_changed || ou_changed {
            // Applies to servers created from now on; existing servers keep their version.
            g.config_version += 1;
        }
        if g.primary_server_group_id.is_some() {
            check_standby(primary, g)?;
        }
        for s in standbys.iter_mut() {
            if s.app_type != g.app_type || s.storage_mount_policy != g.storage_mount_policy {
                s.app_type = g.app_type.clone();
                s.storage_mount_policy = g.storage_mount_policy.clone();
                s.update_time = now.to_string();
            }
        }
        g.update_time = now.to_string();
        Ok(())
    }
}

/// How tags are changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMode {
    /// Create, or overwrite the value of an existing key (idempotent).
    Upsert,
    /// Delete by key (and value when one is given); a missing tag is not an error.
    Delete,
}

/// Apply a tag change to a group's tags, keeping the 20-tag limit.
pub fn apply_tags(
    current: &mut Vec<Tag>,
    change: &[Tag],
    mode: TagMode,
    value_given: &[bool],
) -> Result<()> {
    match mode {
        TagMode::Upsert => {
            for t in change {
                match current.iter_mut().find(|c| c.key == t.key) {
                    Some(c) => c.value = t.value.clone(),
                    None => current.push(t.clone()),
                }
            }
            if current.len() > crate::validate::MAX_TAGS {
                return Err(Error::invalid(
                    Reason::InvalidTag,
                    format!(
                        "a server group may have at most {} tags; this would make {}",
                        crate::validate::MAX_TAGS,
                        current.len()
                    ),
                ));
            }
        }
        TagMode::Delete => {
            for (i, t) in change.iter().enumerate() {
                let by_value = value_given.get(i).copied().unwrap_or(false);
                current.retain(|c| !(c.key == t.key && (!by_value || c.value == t.value)));
            }
        }
    }
    Ok(())
}

/// Parse the `tags` filter of `list_server_groups`: `key=value` or `key` items, separated by
/// commas; a group matches when it has every one.
pub fn parse_tag_filter(s: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = match part.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
            None => (part.to_string(), None),
        };
        if k.is_empty() {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                format!("tags filter item {part:?} has no key"),
            ));
        }
        out.push((k, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::default_for("cn-north-4").expect("catalogue")
    }

    fn spec() -> CreateSpec {
        crate::fixtures::create_spec("sg-1")
    }

    fn run(s: CreateSpec) -> Result<ServerGroup> {
        let (c, (v, sn)) = (cat(), crate::fixtures::network());
        let ctx = CreateContext {
            catalogue: &c,
            vpc: Some(&v),
            subnet: Some(&sn),
            id: "id".into(),
            project_id: "p".into(),
            now: "2026-01-01T00:00:00.000Z".into(),
            az_pick: 0,
        };
        s.validate(&ctx)
    }

    #[test]
    fn minimal_create_gets_documented_defaults() {
        let g = run(spec()).expect("valid");
        assert_eq!(g.app_type, "COMMON_APP");
        assert_eq!(g.enterprise_project_id, "0");
        assert!(g.server_group_status);
        assert_eq!(g.flavor_id, "s6.xlarge.2");
        assert!(!g.scaling_policy.enable);
    }

    #[test]
    fn thresholds_zero_means_not_set_and_101_is_refused() {
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            max_session: Some(3),
            cpu_threshold: Some(0),
            mem_threshold: Some(80),
            gpu_threshold: None,
            strategy: None,
        });
        let g = run(s).expect("0 is not set");
        assert_eq!(
            g.route_policy,
            RoutePolicy {
                max_session: Some(3),
                cpu_threshold: None,
                gpu_threshold: None,
                mem_threshold: Some(80),
                strategy: None,
            }
        );
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            cpu_threshold: Some(101),
            ..Default::default()
        });
        assert_eq!(run(s).expect_err("101").code, Reason::OutOfRange);
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            max_session: Some(1025),
            ..Default::default()
        });
        assert_eq!(run(s).expect_err("1025").code, Reason::OutOfRange);
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            max_session: Some(0),
            ..Default::default()
        });
        assert!(run(s).is_err());
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            strategy: Some("RANDOM".into()),
            ..Default::default()
        });
        assert_eq!(run(s).expect_err("RANDOM").code, Reason::InvalidEnum);
        let mut s = spec();
        s.route_policy = Some(RoutePolicySpec {
            strategy: Some("DEPTH_FIRST".into()),
            ..Default::default()
        });
        let g = run(s).expect("an extension value");
        assert_eq!(g.route_policy.strategy.as_deref(), Some("DEPTH_FIRST"));
    }

    #[test]
    fn gold_image_needs_its_product_id() {
        let mut s = spec();
        s.image_id = Some("0fd6c925-6349-49d6-8788-48263b129854".into());
        s.image_type = Some("gold".into());
        assert_eq!(
            run(s.clone()).expect_err("missing").code,
            Reason::MissingParameter
        );
        s.image_product_id = Some("00301-2019002-0--0".into());
        assert!(run(s).is_ok());
    }

    #[test]
    fn disk_below_image_min_and_other_than_windows_are_refused() {
        let mut s = spec();
        s.system_disk_size = Some(30);
        assert_eq!(run(s).expect_err("small").code, Reason::InvalidDisk);
        // Only Windows is supported (seed, os_type): Linux and Other are refused by name.
        for os in ["Linux", "Other"] {
            let mut s = spec();
            s.image_id = Some("c1b2e3d4-2204-4c5d-8e9f-000000000005".into());
            s.os_type = Some(os.into());
            let e = run(s).expect_err("not windows");
            assert_eq!(e.code, Reason::InvalidEnum);
            assert!(e.message.contains("only Windows"), "{}", e.message);
        }
    }

    #[test]
    fn product_must_be_sold_in_the_az() {
        let mut s = spec();
        s.product_id = Some("workspace.appstream.gpu.2xlarge.8.a40".into());
        s.availability_zone = Some("cn-north-4a".into());
        assert_eq!(
            run(s.clone()).expect_err("not sold").code,
            Reason::InvalidProduct
        );
        s.availability_zone = Some("cn-north-4c".into());
        assert!(run(s.clone()).is_ok());
        s.availability_zone = None;
        assert_eq!(run(s).expect("random az").availability_zone, "cn-north-4c");
    }

    #[test]
    fn update_is_partial_and_bumps_versions() {
        let c = cat();
        let mut g = run(spec()).expect("valid");
        let before = g.clone();
        let u = UpdateSpec {
            description: Some("x".into()),
            ..Default::default()
        };
        u.apply(&c, &mut g, None, &mut [], "t2").expect("ok");
        assert_eq!(g.description, "x");
        assert_eq!(g.name, before.name);
        assert_eq!(g.config_version, before.config_version);
        let u = UpdateSpec {
            system_disk_size: Some(100),
            ..Default::default()
        };
        u.apply(&c, &mut g, None, &mut [], "t3").expect("ok");
        assert_eq!(g.config_version, before.config_version + 1);
        let u = UpdateSpec {
            route_policy: Some(RoutePolicySpec {
                max_session: Some(7),
                ..Default::default()
            }),
            ..Default::default()
        };
        u.apply(&c, &mut g, None, &mut [], "t4").expect("ok");
        assert_eq!(g.routing_epoch, before.routing_epoch + 1);
        let u = UpdateSpec {
            ip_virtual_sent: true,
            ..Default::default()
        };
        assert_eq!(
            u.apply(&c, &mut g, None, &mut [], "t5")
                .expect_err("vip")
                .code,
            Reason::InvalidIpVirtual
        );
    }

    #[test]
    fn standby_must_match_primary_and_gets_its_changes() {
        let c = cat();
        let primary = run(spec()).expect("p");
        let mut s = spec();
        s.primary_server_group_id = Some(primary.id.clone());
        let mut standby = run(s).expect("s");
        // Omitted, the standby's storage_mount_policy is left for the store to inherit.
        assert_eq!(standby.storage_mount_policy, "");
        standby.storage_mount_policy = primary.storage_mount_policy.clone();
        assert!(check_standby(Some(&primary), &standby).is_ok());
        assert!(check_standby(None, &standby).is_err());
        standby.app_type = "SESSION_DESKTOP_APP".into();
        assert_eq!(
            check_standby(Some(&primary), &standby)
                .expect_err("mismatch")
                .code,
            Reason::InvalidPrimary
        );
        standby.app_type = "COMMON_APP".into();
        let mut p = primary.clone();
        let u = UpdateSpec {
            app_type: Some("SESSION_DESKTOP_APP".into()),
            ..Default::default()
        };
        let mut standbys = vec![standby];
        u.apply(&c, &mut p, None, &mut standbys, "t").expect("ok");
        assert_eq!(standbys[0].app_type, "SESSION_DESKTOP_APP");
    }

    #[test]
    fn tag_upsert_overwrites_and_delete_is_idempotent() {
        let mut tags = vec![Tag {
            key: "a".into(),
            value: "1".into(),
        }];
        apply_tags(
            &mut tags,
            &[Tag {
                key: "a".into(),
                value: "2".into(),
            }],
            TagMode::Upsert,
            &[],
        )
        .expect("ok");
        assert_eq!(
            tags,
            vec![Tag {
                key: "a".into(),
                value: "2".into()
            }]
        );
        apply_tags(
            &mut tags,
            &[Tag {
                key: "zz".into(),
                value: String::new(),
            }],
            TagMode::Delete,
            &[false],
        )
        .expect("ok");
        assert_eq!(tags.len(), 1);
        apply_tags(
            &mut tags,
            &[Tag {
                key: "a".into(),
                value: "9".into(),
            }],
            TagMode::Delete,
            &[true],
        )
        .expect("ok");
        assert_eq!(tags.len(), 1, "value given and different: kept");
        apply_tags(
            &mut tags,
            &[Tag {
                key: "a".into(),
                value: String::new(),
            }],
            TagMode::Delete,
            &[false],
        )
        .expect("ok");
        assert!(tags.is_empty());
        let many: Vec<Tag> = (0..21)
            .map(|i| Tag {
                key: format!("k{i}"),
                value: String::new(),
            })
            .collect();
        assert!(apply_tags(&mut tags, &many, TagMode::Upsert, &[]).is_err());
    }

    #[test]
    fn scaling_policy_ranges() {
        let ok = ScalingPolicySpec {
            enable: None,
            max_scaling_amount: Some(10),
            single_expansion_count: Some(2),
            by_session: Some((Some(80), Some(30))),
            by_resource: None,
        };
        assert!(ok.validate().expect("ok").enable);
        let mut bad = ok.clone();
        bad.by_session = Some((Some(80), Some(4)));
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.single_expansion_count = Some(11);
        assert!(bad.validate().is_err());
        let mut bad = ok;
        bad.by_session = None;
        assert_eq!(
            bad.validate().expect_err("missing").code,
            Reason::MissingParameter
        );
    }
}
