//! ECS servers and jobs (sdk-surface.md §2.2/§3): what a server is, the create request's
//! rules, and the job that builds or deletes servers asynchronously.

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::ecs::invalid;
use crate::error::Result;

/// Servers in one create request (`count`).
pub const MAX_COUNT: i64 = 100;

/// A server (an ECS; app servers build on it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Server {
    /// UUID.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// Name.
    pub name: String,
    /// Flavor.
    pub flavor_id: String,
    /// vCPUs of the flavor.
    pub vcpus: u32,
    /// Memory of the flavor, MB.
    pub memory_mb: u64,
    /// GPUs of the flavor.
    pub gpus: u32,
    /// Image.
    pub image_id: String,
    /// AZ it runs in.
    pub availability_zone: String,
    /// Host it was placed on (none when placement failed).
    pub host_id: Option<String>,
    /// `BUILD`, `ACTIVE`, `SHUTOFF`, `ERROR`, `DELETING`.
    pub status: String,
    /// Why it is in `ERROR`.
    pub fault: Option<String>,
    /// Its anti-affinity ECS group.
    pub ecs_group_id: Option<String>,
    /// VPC.
    pub vpc_id: String,
    /// Subnet.
    pub subnet_id: String,
    /// Fixed IP.
    pub ip: String,
    /// System disk type and size.
    pub root_volume_type: String,
    /// GB.
    pub root_volume_size: i64,
    /// The job that created it.
    pub job_id: String,
    /// Creation time.
    pub created: String,
    /// Last change.
    pub updated: String,
    /// Set when the server is an app server of a server group.
    #[serde(default)]
    pub app: Option<AppInfo>,
    /// ECS description (`update_server`; an app server's own is `app.description`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// ECS host name (`update_server`; the name, lower-cased, until set).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    /// ECS user data as sent (base64; `update_server`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_data: String,
}

/// How the fault of a server whose host went down starts (`HostDown: host … went down (…)`):
/// what the scaling controller replaces.
pub const HOST_DOWN_FAULT: &str = "HostDown: ";

/// What makes a server an app server (sdk-surface.md §2.2, `AppServer`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppInfo {
    /// Its server group.
    pub server_group_id: String,
    /// In maintenance: gets no new sessions.
    pub maintain_status: bool,
    /// Created by the scaling policy (only those are scaled in).
    pub scaling_auto_create: bool,
    /// Description.
    pub description: String,
    /// OU it joins.
    pub ou_name: String,
    /// The server group's `config_version` when it was built (image/disk/OU it got).
    pub config_version: i64,
    /// Product.
    pub product_id: String,
    /// OS.
    pub os_type: String,
    /// Drained by an operator (openwks extension): no new sessions, not capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<Drain>,
    /// The access agent (HDA) version it runs.
    #[serde(default = "shipped_agent_version")]
    pub agent_version: String,
    /// Its last access-agent upgrade; while one runs the server takes no new sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_upgrade: Option<AgentUpgrade>,
}

fn shipped_agent_version() -> String {
    crate::catalogue::SHIPPED_AGENT_VERSION.into()
}

/// An access-agent upgrade of a server (the vendor's `ServerHdaUpgradeRecord`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentUpgrade {
    /// The version it ran.
    pub from: String,
    /// The version it installs.
    pub to: String,
    /// `RUNNING`, `SUCCESS` or `FAILED`.
    pub status: String,
    /// When it started, then when it ended (RFC 3339).
    pub time: String,
}

impl AppInfo {
    /// Whether an access-agent upgrade is under way (no new sessions meanwhile).
    pub fn upgrading(&self) -> bool {
        self.agent_upgrade
            .as_ref()
            .is_some_and(|u| u.status == "RUNNING")
    }
}

/// A drain of an app server (openwks extension, `docs/extensions.md`): who asked, why, and
/// until when. While it lasts the server takes no new sessions, its sessions run to their end,
/// and the autoscaler neither counts it as capacity nor releases it while it has sessions. It
/// ends when the operator ends it or at `until` (the scaling controller's first round from
/// then).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Drain {
    /// Who drains it (the caller's name unless given).
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Since when (RFC 3339).
    pub since: String,
    /// Until when (RFC 3339).
    pub until: String,
    /// `until` in epoch milliseconds.
    pub until_ms: i64,
}

impl Drain {
    /// Whether it has run out at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        now_ms >= self.until_ms
    }
}

/// The longest drain: a week.
pub const MAX_DRAIN_MINUTES: i64 = 7 * 24 * 60;

/// The vendor's `ServerStatus` of an app server (what `show_server_group_state` counts).
pub fn server_status(s: &Server) -> &'static str {
    // Maintenance mode is `maintain_status`, not a status: a running server in maintenance is
    // still REGISTERED (the vendor's Terraform provider waits for REGISTERED, STOPPED, FREEZE
    // or NONE after a batch action, maintenance included). MAINTAINING is the vendor's
    // transient "being maintained" state, which nothing in openwks takes time to do.
    match s.status.as_str() {
        "ACTIVE" => "REGISTERED",
        "SHUTOFF" => "STOPPED",
        "BUILD" | "REBOOT" => "UNREGISTER",
        _ => "NONE",
    }
}

/// A sub-job: one server of a job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubJob {
    /// Id.
    pub job_id: String,
    /// `createServer` / `deleteServer`.
    pub job_type: String,
    /// `RUNNING`, `SUCCESS`, `FAIL`.
    pub status: String,
    /// The server.
    pub server_id: String,
    /// Start.
    pub begin_time: String,
    /// End (empty while running).
    pub end_time: String,
    /// Why it failed.
    pub error_code: String,
    /// Why it failed, for a person.
    pub fail_reason: String,
}

/// An asynchronous job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Job {
    /// Id.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// `createServer` / `deleteServer`.
    pub job_type: String,
    /// `RUNNING` as soon as accepted (the vendor's Terraform provider waits on it), then
    /// `SUCCESS` or `FAIL`.
    pub status: String,
    /// One per server.
    pub sub_jobs: Vec<SubJob>,
    /// Start.
    pub begin_time: String,
    /// End.
    pub end_time: String,
    /// Why it failed.
    pub error_code: String,
    /// Why it failed, for a person.
    pub fail_reason: String,
}

/// The create request, as sent (the subset of `PostPaidServer` openwks uses).
#[derive(Debug, Clone, Default)]
pub struct CreateServersSpec {
    pub name: Option<String>,
    pub image_ref: Option<String>,
    pub flavor_ref: Option<String>,
    pub vpcid: Option<String>,
    pub subnet_id: Option<String>,
    pub root_volume_type: Option<String>,
    pub root_volume_size: Option<i64>,
    pub availability_zone: Option<String>,
    pub count: Option<i64>,
    pub group: Option<String>,
}

/// A validated create request: the servers to build (not yet placed) and what they need.
#[derive(Debug, Clone)]
pub struct CreateServers {
    /// Name (a `-0001` suffix is added when count > 1).
    pub name: String,
    /// Flavor and its size.
    pub flavor_id: String,
    /// vCPUs.
    pub vcpus: u32,
    /// MB.
    pub memory_mb: u64,
    /// GPUs.
    pub gpus: u32,
    /// Image.
    pub image_id: String,
    /// Required AZ, if any.
    pub availability_zone: Option<String>,
    /// How many.
    pub count: usize,
    /// Anti-affinity group.
    pub group: Option<String>,
    /// VPC.
    pub vpc_id: String,
    /// Subnet.
    pub subnet_id: String,
    /// Root volume type.
    pub root_volume_type: String,
    /// Root volume size.
    pub root_volume_size: i64,
}

impl CreateServersSpec {
    /// Validate against the catalogue (flavor, image, AZ, volume type); the network is checked
    /// by the caller, the group by the store.
    pub fn validate(self, cat: &Catalogue) -> Result<CreateServers> {
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("server.name is required"))?;
        if name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(invalid(
                "server.name must be at most 64 characters, without control characters",
            ));
        }
        let flavor_id = self
            .flavor_ref
            .ok_or_else(|| invalid("server.flavorRef is required"))?;
        let product = cat
            .products
            .iter()
            .find(|p| p.flavor_id == flavor_id)
            .ok_or_else(|| invalid(format!("flavor {flavor_id} does not exist")))?;
        let image_id = self
            .image_ref
            .ok_or_else(|| invalid("server.imageRef is required"))?;
        let image = cat
            .image(&image_id)
            .ok_or_else(|| invalid(format!("image {image_id} does not exist")))?;
        let vpc_id = self
            .vpcid
            .ok_or_else(|| invalid("server.vpcid is required"))?;
        let subnet_id = self
            .subnet_id
            .ok_or_else(|| invalid("server.nics[0].subnet_id is required"))?;
        let root_volume_type = self
            .root_volume_type
            .ok_or_else(|| invalid("server.root_volume.volumetype is required"))?;
        if cat.volume_type(&root_volume_type).is_none() {
            return Err(invalid(format!(
                "volume type {root_volume_type} does not exist"
            )));
        }
        let root_volume_size = self.root_volume_size.unwrap_or(image.min_disk.max(40));
        if root_volume_size < image.min_disk || root_volume_size > 1024 {
            return Err(invalid(format!(
                "root_volume.size must be between the image's {} GB and 1024 GB",
                image.min_disk
            )));
        }
        let availability_zone = match self.availability_zone.filter(|a| !a.is_empty()) {
            Some(a) if cat.az(&a).is_none() => {
                return Err(invalid(format!("availability zone {a} does not exist")))
            }
            other => other,
        };
        let count = self.count.unwrap_or(1);
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(invalid(format!(
                "server.count must be between 1 and {MAX_COUNT}, got {count}"
            )));
        }
        Ok(CreateServers {
            name,
            flavor_id,
            vcpus: product.cpu as u32,
            memory_mb: product.memory_mb as u64,
            gpus: u32::from(product.is_gpu),
            image_id,
            availability_zone,
            count: count as usize,
            group: self.group.filter(|g| !g.is_empty()),
            vpc_id,
            subnet_id,
            root_volume_type,
            root_volume_size,
        })
    }
}
