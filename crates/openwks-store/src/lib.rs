//! Storage of openwks: one [`Store`] trait with one method per use case, implemented once in
//! SQL ([`sql::SqlStore`]) over two engines: the embedded SQLite file ([`sql::SqlStore::open`])
//! and PostgreSQL, shared by replicas ([`sql::SqlStore::open_postgres`]). The SQL functions
//! run on a [`db::Connection`] that both engines implement.
//!
//! Domain types go in and out; wire DTOs never reach this crate. Rules live in
//! `openwks-core`: where a rule needs state that must not change under it (a primary group, a
//! name's uniqueness), the store runs the core function inside its transaction.

pub mod db;
pub mod sql;
pub use sql::postgres;
pub mod testing;

/// The resource traits, for callers that hold a concrete store (`SqlStore`) rather than a
/// `dyn Store`: `use openwks_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Admin, AppGroups, Apps, Audit, Authorizations, Cluster, Compute, EcsGroups, Hosts,
        Hotspots, Iam, Identity, Images, Network, Policies, Scaling, Schedules, ServerGroups,
        Sessions, Snapshots, Storages, Store,
    };
}

use async_trait::async_trait;
use openwks_core::app::{App, Icon};
use openwks_core::app_group::{AppGroup, AppGroupView};
use openwks_core::authorization::{Account, AuthorizationView, MailRecord, UserGroup};
use openwks_core::catalogue::{Catalogue, HostSpec};
use openwks_core::compute::{CreateServers, Job, Server};
use openwks_core::ecs::EcsServerGroup;
use openwks_core::iam_model::{
    AuditEvent, AuditFilter, IamGroup, IamKey, IamPolicy, IamUser, Principal,
};
use openwks_core::identity::{AccessKey, Bootstrap, Project, User};
use openwks_core::network::{Subnet, Vpc};
use openwks_core::server_group::{ServerGroup, ServerGroupView};
use openwks_core::time::Timestamp;
use openwks_core::validate::Tag;
use openwks_core::Result;

/// Whether a write adds a membership (an attachment) or removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Add it (idempotent).
    Add,
    /// Remove it (idempotent where the operation says so).
    Remove,
}

/// The status of an access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Signs requests.
    Active,
    /// Kept, but refused.
    Inactive,
}

impl KeyStatus {
    /// As stored and shown (`active`, `inactive`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// Filters of the server-group lists.
#[derive(Debug, Clone, Default)]
pub struct ServerGroupFilter {
    /// Substring of the name (the vendor's fuzzy name filter).
    pub name_contains: Option<String>,
    /// Exact id.
    pub id: Option<String>,
    /// Exact app type.
    pub app_type: Option<String>,
    /// Exact enterprise project.
    pub enterprise_project_id: Option<String>,
    /// `Some(true)`: only standby groups; `Some(false)`: only primaries.
    pub is_secondary: Option<bool>,
    /// Every `(key, value?)` must be a tag of the group.
    pub tags: Vec<(String, Option<String>)>,
}

impl ServerGroupFilter {
    /// Whether no filter is set.
    pub fn is_unfiltered(&self) -> bool {
        self.name_contains.is_none()
            && self.id.is_none()
            && self.app_type.is_none()
            && self.enterprise_project_id.is_none()
            && self.is_secondary.is_none()
            && self.tags.is_empty()
    }
}

/// A change of the server group, its primary and its standbys, applied atomically.
/// Arguments: the group, its primary (if it is a standby), its standby groups.
pub type ServerGroupUpdate = Box<
    dyn FnOnce(&mut ServerGroup, Option<&ServerGroup>, &mut [ServerGroup]) -> Result<()> + Send,
>;

/// A change of an app group; the second argument looks up a server group of the project.
pub type AppGroupUpdate =
    Box<dyn FnOnce(&mut AppGroup, &dyn Fn(&str) -> Option<ServerGroup>) -> Result<()> + Send>;

/// Filters of `list_app_group`.
#[derive(Debug, Clone, Default)]
pub struct AppGroupFilter {
    /// Exact server group.
    pub app_server_group_id: Option<String>,
    /// Exact id.
    pub app_group_id: Option<String>,
    /// Substring of the name.
    pub name_contains: Option<String>,
    /// Exact authorization type.
    pub authorization_type: Option<String>,
    /// Exact app type.
    pub app_type: Option<String>,
}

/// An ECS server group with its member server ids.
pub type EcsGroupWithMembers = (EcsServerGroup, Vec<String>);

/// Everything a server create needs (see `Store::create_servers`).
#[derive(Debug, Clone)]
pub struct CreateServersArgs {
    /// Project.
    pub project_id: String,
    /// The validated request.
    pub request: CreateServers,
    /// One new id per server.
    pub server_ids: Vec<String>,
    /// The job's id.
    pub job_id: String,
    /// Now.
    pub now: Timestamp,
    /// The subnet's CIDR (addresses are allocated from it).
    pub subnet_cidr: String,
    /// `maxServerGroupMembers`.
    pub max_members: i64,
    /// Spread or pack.
    pub weigher: openwks_sched::Weigher,
    /// Set for app servers (then `request.group` is filled in with the server group's own ECS
    /// group by the store).
    pub app: Option<openwks_core::compute::AppInfo>,
}

pub use sql::PowerAction;

/// Filters of `list_servers` (app servers).
#[derive(Debug, Clone, Default)]
pub struct AppServerFilter {
    /// Exact server group.
    pub server_group_id: Option<String>,
    /// Substring of the name.
    pub name_contains: Option<String>,
    /// Exact id.
    pub server_id: Option<String>,
    /// Part of the IP (the vendor: "fuzzy match").
    pub ip: Option<String>,
    /// In maintenance or not.
    pub maintain_status: Option<bool>,
    /// Created by scaling or not.
    pub scaling_auto_create: Option<bool>,
}

/// A change of a server.
pub type ServerUpdate = Box<dyn FnOnce(&mut Server) -> Result<()> + Send>;

/// Hosts' usage and servers: `host id → ((vcpus, memory MB, gpus) used, server ids)`.
pub type HostUsage = std::collections::HashMap<String, ((u32, u64, u32), Vec<String>)>;

/// Filters of `list_published_app`.
#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    /// Substring of the name (case-insensitive).
    pub name_contains: Option<String>,
    /// `NORMAL` or `FORBIDDEN`.
    pub state: Option<String>,
    /// Exact id.
    pub app_id: Option<String>,
}

/// A change of one app; may return a new icon to store (the app's `icon_id` then names it).
pub type AppUpdate = Box<dyn Fn(&mut App) -> Result<Option<Icon>> + Send>;

/// Filters of `list_app_group_authorization`.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationFilter {
    /// Exact app group.
    pub app_group_id: Option<String>,
    /// Exact account id.
    pub account_id: Option<String>,
    /// Exact account name.
    pub account: Option<String>,
    /// `USER` or `USER_GROUP`.
    pub account_type: Option<String>,
}

/// Filters of `list_authorization_mail_record`.
#[derive(Debug, Clone, Default)]
pub struct MailFilter {
    /// Exact app group.
    pub app_group_id: Option<String>,
    /// Exact account.
    pub account: Option<String>,
    /// Exact send type.
    pub mail_send_type: Option<String>,
    /// Exact result.
    pub mail_send_result: Option<String>,
}

/// A change of one group's tags.
pub type TagUpdate = Box<dyn FnOnce(&mut Vec<Tag>) -> Result<()> + Send>;

/// Everything a launch needs (see `Store::launch`).
#[derive(Debug, Clone)]
pub struct LaunchArgs {
    /// Project.
    pub project_id: String,
    /// The validated request. The app group, the app, the user's authorizations and the
    /// binding are read and checked ([`openwks_core::session::check_launch`]) inside the
    /// launch's write.
    pub spec: openwks_core::session::LaunchSpec,
    /// Id of the new session (used only when one is created).
    pub session_id: String,
    /// Id of the app-connection record.
    pub connection_id: String,
    /// Now.
    pub now: Timestamp,
    /// Products (a group's default `max_session`).
    pub catalogue: std::sync::Arc<openwks_core::catalogue::Catalogue>,
}

/// What a launch got.
#[derive(Debug, Clone)]
pub struct LaunchOutcome {
    /// The session (new, or the user's live one reused).
    pub session: openwks_core::session::Session,
    /// The user's live session was reused.
    pub reused: bool,
}

/// Routing's decision in one server group, with the rule that passed over each other server.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDecision {
    /// The group.
    pub server_group_id: String,
    /// Its name.
    pub server_group_name: String,
    /// The server chosen there, if any can take a session.
    pub chosen: Option<String>,
    /// Every other server with its exclusion.
    pub passed_over: Vec<(String, openwks_core::routing::Exclusion)>,
}

/// One decision of the scaling controller.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingActivity {
    /// 32 hex digits.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Group.
    pub server_group_id: String,
    /// `SCALE_OUT`, `SCALE_IN` or `HOLD`.
    pub action: String,
    /// Servers added (new ids) or released.
    pub server_ids: Vec<String>,
    /// Why, as a sentence.
    pub reason: String,
    /// The create or delete job started, if any.
    pub job_id: Option<String>,
    /// When (wire time).
    pub time: String,
    /// Group state when decided: live sessions, serving servers, auto-created servers.
    pub sessions: u64,
    /// Serving servers (ACTIVE or building, not in maintenance).
    pub servers: u64,
    /// Servers created by scaling.
    pub auto_created: u64,
}

/// A group's load as the scaling controller sees it.
#[derive(Debug, Clone)]
pub struct ScalingInputs {
    /// The group.
    pub group: openwks_core::server_group::ServerGroup,
    /// Its routing policy (the effective cap comes from it).
    pub policy: openwks_core::routing::Policy,
    /// Its servers.
    pub servers: Vec<openwks_core::scaling::ServerLoad>,
}

/// A page of app connections, each with its session, and the count of all that match.
pub type ConnectionPage = (
    i64,
    Vec<(
        openwks_core::session::AppConnection,
        Option<openwks_core::session::Session>,
    )>,
);

/// What a delete found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// It existed and is gone.
    Yes,
    /// There was nothing to delete.
    NotFound,
}

/// Accounts, users, projects and settings: what sign-in and the bootstrap read.
#[async_trait]
pub trait Identity: Send + Sync {
    /// First start: create the account, its project, the admin user and key (with the default
    /// VPC and subnet of the catalogue); later starts: return what is there.
    async fn bootstrap(&self, wanted: Bootstrap, catalogue: &Catalogue) -> Result<Bootstrap>;
    /// Mint the store's own ids (authorizations, mails, a group's ECS group, default networks)
    /// from `ids` from now on: random by default, deterministic with `serve --seed`.
    async fn use_id_source(&self, ids: std::sync::Arc<openwks_core::ids::IdSource>) -> Result<()>;
    /// Every access key (for the in-memory key cache).
    async fn access_keys(&self) -> Result<Vec<AccessKey>>;
    /// A user by id.
    async fn user(&self, id: String) -> Result<Option<User>>;
    /// A user by account name and user name.
    async fn user_by_name(&self, account_name: String, user_name: String) -> Result<Option<User>>;
    /// Projects of an account, optionally by name.
    async fn projects(&self, account_id: String, name: Option<String>) -> Result<Vec<Project>>;
    /// A project by id.
    async fn project(&self, id: String) -> Result<Option<Project>>;
    /// A setting (server secrets), set once if absent: returns the stored value.
    async fn setting_or_init(&self, key: String, init: String) -> Result<String>;
}

/// A change of a VPC, applied atomically.
pub type VpcUpdate = Box<dyn FnOnce(&mut Vpc) -> Result<()> + Send>;

/// A change of a subnet, applied atomically.
pub type SubnetUpdate = Box<dyn FnOnce(&mut Subnet) -> Result<()> + Send>;

/// VPCs and subnets.
#[async_trait]
pub trait Network: Send + Sync {
    /// Create a VPC.
    async fn create_vpc(&self, vpc: Vpc) -> Result<Vpc>;
    /// A VPC of a project.
    async fn vpc(&self, project_id: String, id: String) -> Result<Option<Vpc>>;
    /// VPCs of a project, after `marker`, at most `limit`.
    async fn list_vpcs(
        &self,
        project_id: String,
        id: Option<String>,
        marker: Option<String>,
        limit: i64,
    ) -> Result<Vec<Vpc>>;
    /// Delete a VPC; refused while it has subnets.
    async fn delete_vpc(&self, project_id: String, id: String) -> Result<Deleted>;
    /// Create a subnet (its VPC must exist).
    async fn create_subnet(&self, subnet: Subnet) -> Result<Subnet>;
    /// A subnet of a project.
    async fn subnet(&self, project_id: String, id: String) -> Result<Option<Subnet>>;
    /// Subnets of a project.
    async fn list_subnets(
        &self,
        project_id: String,
        vpc_id: Option<String>,
        marker: Option<String>,
        limit: i64,
    ) -> Result<Vec<Subnet>>;
    /// Apply `update` to a VPC (`NotFound`); a changed CIDR must still hold every subnet.
    async fn update_vpc(&self, project_id: String, id: String, update: VpcUpdate) -> Result<Vpc>;
    /// Apply `update` to a subnet of VPC `vpc_id` (`NotFound` when either is not there).
    async fn update_subnet(
        &self,
        project_id: String,
        vpc_id: String,
        id: String,
        update: SubnetUpdate,
    ) -> Result<Subnet>;
    /// Delete a subnet; refused while a server group uses it.
    async fn delete_subnet(
        &self,
        project_id: String,
        vpc_id: Option<String>,
        id: String,
    ) -> Result<Deleted>;
}

/// App server groups, their standbys and tags.
#[async_trait]
pub trait ServerGroups: Send + Sync {
    /// Create a server group: name unique in the project, quota kept, primary rules checked
    /// (`openwks_core::server_group::check_standby`) and the subnet still there, atomically.
    async fn create_server_group(
        &self,
        group: ServerGroup,
        max_groups: i64,
    ) -> Result<ServerGroupView>;
    /// A server group of a project with its derived values.
    async fn server_group(&self, project_id: String, id: String)
        -> Result<Option<ServerGroupView>>;
    /// Whether a name is taken in a project.
    async fn server_group_name_taken(&self, project_id: String, name: String) -> Result<bool>;
    /// A page of server groups, newest first, and the total that match.
    async fn list_server_groups(
        &self,
        project_id: String,
        filter: ServerGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ServerGroupView>)>;
    /// Apply `update` to a group (and its primary/standbys) atomically; name uniqueness is
    /// kept. `Err(NotFound)` when the group does not exist.
    async fn update_server_group(
        &self,
        project_id: String,
        id: String,
        update: ServerGroupUpdate,
    ) -> Result<ServerGroupView>;
    /// Delete a server group; refused while it has standby groups (or, later, app groups or
    /// servers). Deleting a missing group is `Deleted::NotFound`, not an error.
    async fn delete_server_group(&self, project_id: String, id: String) -> Result<Deleted>;
    /// Change the tags of several groups at once: all or nothing; a missing group is a 404.
    async fn update_server_group_tags(
        &self,
        project_id: String,
        changes: Vec<(String, TagUpdate)>,
    ) -> Result<()>;
    /// Every tag key of a project's server groups with its distinct values.
    async fn server_group_tag_keys(&self, project_id: String)
        -> Result<Vec<(String, Vec<String>)>>;
}

/// App groups and their binding to a server group.
#[async_trait]
pub trait AppGroups: Send + Sync {
    /// Create an app group: unique name, and its server group (if any) still there, of its app
    /// type, and not in shared desktop mode with another app group, atomically.
    async fn create_app_group(&self, group: AppGroup) -> Result<AppGroupView>;
    /// An app group of a project.
    async fn app_group(&self, project_id: String, id: String) -> Result<Option<AppGroupView>>;
    /// Whether an app-group name is taken in a project.
    async fn app_group_name_taken(&self, project_id: String, name: String) -> Result<bool>;
    /// A page of app groups, newest first, and the total that match.
    async fn list_app_groups(
        &self,
        project_id: String,
        filter: AppGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<AppGroupView>)>;
    /// Apply `update` atomically, re-checking the binding rules when the binding changes.
    async fn update_app_group(
        &self,
        project_id: String,
        id: String,
        update: AppGroupUpdate,
    ) -> Result<AppGroupView>;
    /// Delete the app groups of `ids` that exist (missing ones are ignored), all at once.
    async fn delete_app_groups(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
    /// Unbind every app group of a server group (`Err(NotFound)` if the group is not there).
    async fn disassociate_app_groups(
        &self,
        project_id: String,
        server_group_id: String,
    ) -> Result<usize>;
}

/// Who may open an app group: authorizations, their mails, and user groups.
#[async_trait]
pub trait Authorizations: Send + Sync {
    /// Authorize accounts on app groups (all app groups must exist; idempotent); records mails.
    async fn add_authorizations(
        &self,
        project_id: String,
        app_group_ids: Vec<String>,
        accounts: Vec<Account>,
        now: Timestamp,
    ) -> Result<usize>;
    /// Remove authorizations (missing ones are fine); records mails.
    async fn remove_authorizations(
        &self,
        project_id: String,
        app_group_ids: Vec<String>,
        accounts: Vec<Account>,
        now: Timestamp,
    ) -> Result<usize>;
    /// A page of authorizations, newest first.
    async fn list_authorizations(
        &self,
        project_id: String,
        filter: AuthorizationFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<AuthorizationView>)>;
    /// The authorizations of an app group that concern `user` (its own and its user groups')
    /// and the user groups `user` belongs to (what `openwks_core::authorization::may_open`
    /// decides on), read in one snapshot.
    async fn access_facts(
        &self,
        project_id: String,
        app_group_id: String,
        user: String,
    ) -> Result<(Vec<Account>, Vec<String>)>;
    /// A page of mail records, newest first.
    async fn list_mail_records(
        &self,
        project_id: String,
        filter: MailFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<MailRecord>)>;
    /// Record a resend of these mail records (all must exist).
    async fn resend_mails(
        &self,
        project_id: String,
        record_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize>;
    /// Record the mails of these authorizations (all must exist).
    async fn send_authorization_mails(
        &self,
        project_id: String,
        authorization_ids: Vec<String>,
        now: Timestamp,
    ) -> Result<usize>;
    /// Create a user group (unique name), with initial members.
    async fn create_user_group(&self, group: UserGroup) -> Result<UserGroup>;
    /// A user group with its members.
    async fn user_group(&self, project_id: String, id: String) -> Result<Option<UserGroup>>;
    /// A page of user groups, oldest first.
    async fn list_user_groups(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<UserGroup>)>;
    /// Add or remove members.
    async fn change_user_group_members(
        &self,
        project_id: String,
        id: String,
        users: Vec<String>,
        change: Change,
    ) -> Result<UserGroup>;
    /// Delete a user group, its memberships and the authorizations naming it.
    async fn delete_user_group(&self, project_id: String, id: String) -> Result<Deleted>;
}

/// Published apps and their icons.
#[async_trait]
pub trait Apps: Send + Sync {
    /// Publish apps into an app group (all or nothing; names unique in the group).
    async fn publish_apps(
        &self,
        project_id: String,
        app_group_id: String,
        apps: Vec<(App, Option<Icon>)>,
    ) -> Result<Vec<App>>;
    /// An app of an app group (`Err(NotFound)` when the group is missing).
    async fn app(
        &self,
        project_id: String,
        app_group_id: String,
        id: String,
    ) -> Result<Option<App>>;
    /// A page of an app group's apps, in publish order.
    async fn list_apps(
        &self,
        project_id: String,
        app_group_id: String,
        filter: AppFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<App>)>;
    /// Names of the apps published in an app group.
    async fn app_names(&self, project_id: String, app_group_id: String) -> Result<Vec<String>>;
    /// Apply `update` to each app of `ids` (all must exist; all or nothing).
    async fn update_apps(
        &self,
        project_id: String,
        app_group_id: String,
        ids: Vec<String>,
        update: AppUpdate,
    ) -> Result<Vec<App>>;
    /// Unpublish the apps of `ids` that exist (missing ones are fine).
    async fn unpublish_apps(
        &self,
        project_id: String,
        app_group_id: String,
        ids: Vec<String>,
    ) -> Result<usize>;
    /// An icon by id.
    async fn icon(&self, id: String) -> Result<Option<Icon>>;
}

/// ECS server groups (anti-affinity policies).
#[async_trait]
pub trait EcsGroups: Send + Sync {
    /// Create an ECS server group (quota kept atomically).
    async fn create_ecs_group(
        &self,
        group: EcsServerGroup,
        max_groups: i64,
    ) -> Result<EcsGroupWithMembers>;
    /// An ECS server group and its members.
    async fn ecs_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<EcsGroupWithMembers>>;
    /// ECS server groups after `marker`, at most `limit`, and whether more follow.
    async fn list_ecs_groups(
        &self,
        project_id: String,
        marker: Option<String>,
        limit: i64,
    ) -> Result<(Vec<EcsGroupWithMembers>, bool)>;
    /// How many ECS server groups a project has.
    async fn ecs_group_count(&self, project_id: String) -> Result<i64>;
    /// Delete an ECS server group.
    async fn delete_ecs_group(&self, project_id: String, id: String) -> Result<Deleted>;
}

/// Hosts, servers (ECS and app servers), their placement and their jobs.
#[async_trait]
pub trait Compute: Send + Sync {
    /// Load the hypervisor fleet (from the catalogue) with the claims of the stored servers.
    async fn load_hosts(&self, hosts: Vec<HostSpec>) -> Result<()>;
    /// Every host's usage and servers.
    async fn host_usage(&self) -> Result<HostUsage>;
    /// Create servers: the group's member quota is kept, every server is placed (capacity and
    /// anti-affinity claimed atomically, all or nothing) and the job is recorded `RUNNING`; when
    /// no host fits, the servers are recorded in `ERROR` with the reason and the job `FAIL`.
    async fn create_servers(&self, args: CreateServersArgs) -> Result<(Job, Vec<Server>)>;
    /// Finish a running job (boot or teardown done).
    async fn finish_job(
        &self,
        project_id: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<Option<Job>>;
    /// Start deleting servers (all must exist): a running `deleteServer` job.
    async fn delete_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// A job.
    async fn job(&self, project_id: String, id: String) -> Result<Option<Job>>;
    /// Every running job.
    async fn running_jobs(&self) -> Result<Vec<Job>>;
    /// A server.
    async fn server(&self, project_id: String, id: String) -> Result<Option<Server>>;
    /// A page of a project's servers.
    async fn list_servers(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Server>)>;
    /// Add (`add`) or remove servers to/from an ECS group; per server, `None` or the failure.
    async fn change_ecs_members(
        &self,
        project_id: String,
        group_id: String,
        server_ids: Vec<String>,
        change: Change,
    ) -> Result<Vec<Option<openwks_core::Error>>>;
    /// Create app servers in a server group (its own anti-affinity ECS group is created with
    /// its first servers); like [`Store::create_servers`] otherwise.
    async fn create_app_servers(&self, args: CreateServersArgs) -> Result<(Job, Vec<Server>)>;
    /// A page of app servers.
    async fn list_app_servers(
        &self,
        project_id: String,
        filter: AppServerFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Server>)>;
    /// Apply `update` to an app server.
    async fn update_app_server(
        &self,
        project_id: String,
        id: String,
        update: ServerUpdate,
    ) -> Result<Server>;
    /// Apply `update` to any server of the project, app server or not (ECS `update_server`).
    async fn update_server(
        &self,
        project_id: String,
        id: String,
        update: ServerUpdate,
    ) -> Result<Server>;
    /// Every drained app server (any project), the earliest drain end first: what the scaling
    /// controller ends when their time is up.
    async fn drained_app_servers(&self) -> Result<Vec<Server>>;
    /// A server group's app servers counted by `ServerStatus`.
    async fn server_group_states(
        &self,
        project_id: String,
        server_group_id: String,
    ) -> Result<std::collections::BTreeMap<String, i64>>;
    /// Start a power action on servers (all must exist and be in the needed state): a job.
    async fn power_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        action: PowerAction,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// Rebuild app servers (reinstall with the group's current image, or change to `image`).
    async fn rebuild_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        image: Option<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// Start a `rejoinDomain` or `updateTsvi` job over running app servers (all or nothing).
    async fn reconfigure_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        kind: &'static str,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// Start upgrading the access agent of running app servers to `target_version` (all or
    /// nothing; a server already on it, or upgrading, is `Conflict`): an `upgradeAccessAgent`
    /// job; each server takes no new sessions until the job ends and runs the new version.
    async fn upgrade_access_agents(
        &self,
        project_id: String,
        ids: Vec<String>,
        target_version: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// Migrate app servers to a host (all or nothing, anti-affinity and capacity kept).
    async fn migrate_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        host_id: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<Job>;
    /// Every sub-job of a project's jobs with its job.
    async fn sub_jobs(
        &self,
        project_id: String,
    ) -> Result<Vec<(Job, openwks_core::compute::SubJob)>>;
    /// Delete finished sub-jobs by id.
    async fn delete_sub_jobs(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
}

/// A host that is down: why, and since when (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DownHost {
    /// As the administrator gave it.
    pub reason: String,
    /// When it went down.
    pub since: String,
}

/// An app server in `ERROR` because its host went down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedServer {
    /// Its project.
    pub project_id: String,
    /// Its server group.
    pub server_group_id: String,
    /// The server.
    pub server_id: String,
    /// The host that went down.
    pub host_id: String,
    /// Created by scaling.
    pub auto_created: bool,
}

/// Host failures: hosts marked down take no servers; theirs go to `ERROR`.
#[async_trait]
pub trait Hosts: Send + Sync {
    /// Mark a host down (`Some(reason)`) or back up (`None`). Down: it takes no new servers,
    /// and each of its servers not already in `ERROR` or being deleted goes to `ERROR` (fault
    /// [`openwks_core::compute::HOST_DOWN_FAULT`]…) and ends its live sessions, in one write.
    /// Up: it takes servers again; its servers stay in `ERROR`. Answers the servers that went
    /// to `ERROR`; `None` when the fleet has no such host.
    async fn set_host_down(
        &self,
        host_id: String,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<Option<Vec<Server>>>;
    /// The hosts that are down.
    async fn down_hosts(&self) -> Result<std::collections::BTreeMap<String, DownHost>>;
    /// App servers in `ERROR` because their host went down, not yet being deleted: what the
    /// scaling controller replaces.
    async fn failed_app_servers(&self) -> Result<Vec<FailedServer>>;
}

/// User sessions: launch (routing), state changes, lists and exports.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Route a launch and record its session atomically (or reuse the user's live session on
    /// the group); a new session keeps the disconnect timeout of its effective policy, resolved
    /// from the project's policy groups in the same write. No capacity anywhere: `WKS.00131114` (503) saying why.
    async fn launch(&self, args: LaunchArgs) -> Result<LaunchOutcome>;
    /// The preconditions of a launch ([`openwks_core::session::check_launch`]) on a read
    /// snapshot: what a dry run answers. [`Store::launch`] checks the same in its write.
    async fn launch_target(
        &self,
        project_id: String,
        spec: openwks_core::session::LaunchSpec,
    ) -> Result<openwks_core::session::LaunchTarget>;
    /// Routing's decision for a group and its standbys now, assigning nothing.
    async fn explain_routing(
        &self,
        project_id: String,
        server_group_id: String,
        catalogue: std::sync::Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Vec<GroupDecision>>;
    /// A session.
    async fn session(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::session::Session>>;
    /// End a session now (idempotent for ended ones).
    async fn end_session(
        &self,
        project_id: String,
        id: String,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session>;
    /// Move a live session to another server (hotspot migration): in one write it ends and its
    /// user's app is launched again as `args` says (`args.spec` is the session's user, app
    /// group and app), routed as any launch. `Conflict` and nothing changed when the session is
    /// over or routing would put it back where it was; `NoCapacity` when no server has room.
    async fn migrate_session(&self, args: LaunchArgs, session_id: String) -> Result<LaunchOutcome>;
    /// Mark a live session disconnected (it keeps its slot until the disconnect timeout).
    async fn disconnect_session(
        &self,
        project_id: String,
        id: String,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session>;
    /// `logoff_user_session`: all ids must exist; live sessions end now or after the delay.
    async fn logoff_sessions(
        &self,
        project_id: String,
        ids: Vec<String>,
        delay_secs: i64,
        now: Timestamp,
    ) -> Result<()>;
    /// End every session whose logoff or disconnect deadline has passed; how many.
    async fn expire_sessions(&self, now: Timestamp) -> Result<usize>;
    /// Sessions, newest first: `(count, page)`.
    async fn list_sessions(
        &self,
        project_id: String,
        filter: openwks_core::session::SessionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::session::Session>)>;
    /// App connections, newest first, filtered, each with its session: `(count, page)`.
    async fn app_connections(
        &self,
        project_id: String,
        filter: openwks_core::session::ConnectionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<ConnectionPage>;
    /// Live sessions per server.
    async fn live_session_counts(
        &self,
        server_ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, u32>>;
    /// Live sessions per `(server group, server)`, for `/metrics`.
    async fn live_sessions_by_server(&self) -> Result<Vec<(String, String, u64)>>;
    /// Store an export's result document.
    async fn save_export(&self, project_id: String, id: String, doc: String) -> Result<()>;
    /// An export's result document.
    async fn export(&self, project_id: String, id: String) -> Result<Option<String>>;
}

/// IAM users, keys, policies and groups, scoped to an account.
#[async_trait]
pub trait Iam: Send + Sync {
    /// Create an IAM user (name unique in the account: 409).
    async fn create_iam_user(&self, user: IamUser, password_hash: String) -> Result<IamUser>;
    /// An IAM user.
    async fn iam_user(&self, account_id: String, id: String) -> Result<Option<IamUser>>;
    /// The account's users.
    async fn iam_users(&self, account_id: String) -> Result<Vec<IamUser>>;
    /// Enable/disable a user, change its password.
    async fn update_iam_user(
        &self,
        account_id: String,
        id: String,
        enabled: Option<bool>,
        password_hash: Option<String>,
    ) -> Result<IamUser>;
    /// Delete a user with its keys, memberships and attachments.
    async fn delete_iam_user(&self, account_id: String, id: String) -> Result<Deleted>;
    /// Add a key pair (at most 2 per user).
    async fn create_iam_key(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
        secret_key: String,
        now: Timestamp,
    ) -> Result<IamKey>;
    /// A user's keys.
    async fn iam_keys(&self, account_id: String, user_id: String) -> Result<Vec<IamKey>>;
    /// Activate or deactivate a key.
    async fn set_iam_key_status(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
        status: KeyStatus,
    ) -> Result<IamKey>;
    /// Delete a key.
    async fn delete_iam_key(
        &self,
        account_id: String,
        user_id: String,
        access_key: String,
    ) -> Result<Deleted>;
    /// Create a policy.
    async fn create_iam_policy(&self, policy: IamPolicy) -> Result<IamPolicy>;
    /// The account's policies.
    async fn iam_policies(&self, account_id: String) -> Result<Vec<IamPolicy>>;
    /// A policy.
    async fn iam_policy(&self, account_id: String, id: String) -> Result<Option<IamPolicy>>;
    /// Delete a policy (409 while attached).
    async fn delete_iam_policy(&self, account_id: String, id: String) -> Result<Deleted>;
    /// Create a group.
    async fn create_iam_group(&self, group: IamGroup) -> Result<IamGroup>;
    /// The account's groups.
    async fn iam_groups(&self, account_id: String) -> Result<Vec<IamGroup>>;
    /// A group.
    async fn iam_group(&self, account_id: String, id: String) -> Result<Option<IamGroup>>;
    /// Delete a group.
    async fn delete_iam_group(&self, account_id: String, id: String) -> Result<Deleted>;
    /// Add or remove a member.
    async fn set_iam_member(
        &self,
        account_id: String,
        group_id: String,
        user_id: String,
        change: Change,
    ) -> Result<IamGroup>;
    /// Attach or detach a policy.
    async fn set_iam_attachment(
        &self,
        account_id: String,
        policy_id: String,
        principal: Principal,
        principal_id: String,
        change: Change,
    ) -> Result<()>;
    /// How many users and groups a policy is attached to.
    async fn iam_policy_attachments(&self, account_id: String, policy_id: String) -> Result<i64>;
    /// Policies attached directly to a user or group.
    async fn iam_attached(
        &self,
        account_id: String,
        principal: Principal,
        principal_id: String,
    ) -> Result<Vec<IamPolicy>>;
    /// Every policy that applies to a user (its own and its groups').
    async fn iam_effective_policies(
        &self,
        account_id: String,
        user_id: String,
    ) -> Result<Vec<IamPolicy>>;
}

/// The audit trail.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Append an audit event (durable before it returns).
    async fn append_audit(&self, event: AuditEvent) -> Result<()>;
    /// The account's audit events, newest first, filtered and paged in the database:
    /// `(count, page)`.
    async fn audit_events(
        &self,
        account_id: String,
        filter: AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<AuditEvent>)>;
    /// Delete the audit events older than `before_ms` (retention); how many went.
    async fn prune_audit(&self, before_ms: i64) -> Result<u64>;
}

/// The scaling controller's inputs, its race-free scale-in and its activity log.
#[async_trait]
pub trait Scaling: Send + Sync {
    /// Groups whose scaling policy is enabled: `(project, id)`.
    async fn scaling_groups(&self) -> Result<Vec<(String, String)>>;
    /// A group's scaling inputs now.
    async fn scaling_inputs(
        &self,
        project_id: String,
        server_group_id: String,
        catalogue: std::sync::Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Option<ScalingInputs>>;
    /// Scale in, race-free: take the servers out of routing, count their sessions again, and
    /// start deleting those still idle, in one write. Returns the delete job and its servers
    /// (`None` when every one had gained a session).
    async fn scale_in(
        &self,
        project_id: String,
        server_group_id: String,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<Option<(Job, Vec<String>)>>;
    /// Record a scaling decision.
    async fn record_scaling_activity(&self, activity: ScalingActivity) -> Result<()>;
    /// A group's scaling decisions, newest first.
    async fn scaling_activities(
        &self,
        project_id: String,
        server_group_id: String,
        limit: i64,
    ) -> Result<Vec<ScalingActivity>>;
}

/// A change of a policy group, applied atomically.
pub type PolicyGroupUpdate =
    Box<dyn FnOnce(&mut openwks_core::policy::PolicyGroup) -> Result<()> + Send>;

/// A change of a policy template, applied atomically.
pub type PolicyTemplateUpdate =
    Box<dyn FnOnce(&mut openwks_core::policy::PolicyTemplate) -> Result<()> + Send>;

/// Policy groups and templates (names unique in a project: `DuplicateName`).
#[async_trait]
pub trait Policies: Send + Sync {
    /// Store a new group.
    async fn create_policy_group(
        &self,
        group: openwks_core::policy::PolicyGroup,
    ) -> Result<openwks_core::policy::PolicyGroup>;
    /// A group.
    async fn policy_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::policy::PolicyGroup>>;
    /// A page of a project's groups by priority (then age): the count that match the name
    /// filter, the project's total, the page. `i64::MAX` as `limit` reads them all.
    async fn list_policy_groups(
        &self,
        project_id: String,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, i64, Vec<openwks_core::policy::PolicyGroup>)>;
    /// The effective policy of a launch as `spec` describes it (`docs/policies.md`), read in one
    /// snapshot with the same code the launch's write resolves its disconnect timeout by; the
    /// launch's own refusals (unknown app group or app, not authorized, unbound) apply.
    async fn effective_policy(
        &self,
        project_id: String,
        spec: openwks_core::session::LaunchSpec,
    ) -> Result<openwks_core::policy::Effective>;
    /// Apply `update` atomically (`Err(NotFound)` when it is not there).
    async fn update_policy_group(
        &self,
        project_id: String,
        id: String,
        update: PolicyGroupUpdate,
    ) -> Result<openwks_core::policy::PolicyGroup>;
    /// Delete a group.
    async fn delete_policy_group(&self, project_id: String, id: String) -> Result<Deleted>;
    /// Store a new template.
    async fn create_policy_template(
        &self,
        template: openwks_core::policy::PolicyTemplate,
    ) -> Result<openwks_core::policy::PolicyTemplate>;
    /// A page of a project's templates (oldest first) and the count that match.
    async fn list_policy_templates(
        &self,
        project_id: String,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::policy::PolicyTemplate>)>;
    /// Apply `update` atomically.
    async fn update_policy_template(
        &self,
        project_id: String,
        id: String,
        update: PolicyTemplateUpdate,
    ) -> Result<openwks_core::policy::PolicyTemplate>;
    /// Delete a template.
    async fn delete_policy_template(&self, project_id: String, id: String) -> Result<Deleted>;
}

/// Filters of `list_warehouse_apps`.
#[derive(Debug, Clone, Default)]
pub struct WarehouseAppFilter {
    /// Exact verification status.
    pub verify_status: Option<String>,
    /// The record id or the application id.
    pub app_id: Option<String>,
    /// Substring of the name.
    pub name_contains: Option<String>,
    /// Exact category.
    pub category: Option<String>,
}

/// A change of a warehouse app, applied atomically.
pub type WarehouseAppUpdate =
    Box<dyn FnOnce(&mut openwks_core::image::WarehouseApp) -> Result<()> + Send>;

/// A change of an image server, applied atomically.
pub type ImageServerUpdate =
    Box<dyn FnOnce(&mut openwks_core::image::ImageServer) -> Result<()> + Send>;

/// Everything an image server is made of, created in one write.
#[derive(Debug, Clone)]
pub struct CreateImageServerArgs {
    /// The image server (`CREATING`).
    pub server: openwks_core::image::ImageServer,
    /// Its server group.
    pub server_group: openwks_core::server_group::ServerGroup,
    /// Its app group, bound to the server group.
    pub app_group: openwks_core::app_group::AppGroup,
    /// The accounts that administer it (authorized on the app group).
    pub accounts: Vec<openwks_core::authorization::Account>,
    /// Its app server (`app` filled in for the server group).
    pub servers: CreateServersArgs,
    /// The `CREATE_SERVER` image job (following `servers.job_id`).
    pub job: openwks_core::image::ImageJob,
    /// `maxServerGroups` of the project.
    pub max_server_groups: i64,
}

/// Filters of image-job lists.
#[derive(Debug, Clone, Default)]
pub struct ImageJobFilter {
    /// Exact job type.
    pub job_type: Option<String>,
    /// Exact status (of the job, or of the sub-job for sub-job lists).
    pub status: Option<String>,
    /// Exact job id (sub-job lists).
    pub job_id: Option<String>,
}

/// A change of a cloud storage's personal folder, applied atomically.
pub type CloudFolderUpdate =
    Box<dyn FnOnce(&mut openwks_core::storage::CloudFolder) -> Result<()> + Send>;

/// A personal folder to claim (or re-policy) for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFolder {
    /// The user.
    pub attach: String,
    /// The access policy it gets.
    pub policy_statement_id: String,
    /// The claim id to use if the folder is new.
    pub new_claim_id: String,
}

/// WKS storages, the folders claimed in them, their members and access policies (issue 19).
/// Files are not here: the server keeps them in its storage directory.
#[async_trait]
pub trait Storages: Send + Sync {
    /// Store a new storage (`Conflict` when a storage of the project is on that file system).
    async fn create_persistent_storage(
        &self,
        storage: openwks_core::storage::PersistentStorage,
    ) -> Result<openwks_core::storage::StorageView>;
    /// A page of a project's storages (oldest first), by id and part of the name, and the
    /// count that match.
    async fn list_persistent_storages(
        &self,
        project_id: String,
        id: Option<String>,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::storage::StorageView>)>;
    /// A storage.
    async fn persistent_storage(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::storage::StorageView>>;
    /// Delete the storages named (missing ones skipped): none at all, `StorageInUse`, when one
    /// still has folders. How many were deleted.
    async fn delete_persistent_storages(
        &self,
        project_id: String,
        ids: Vec<String>,
    ) -> Result<usize>;
    /// Claim each user's personal folder in the storage (`users/{user}/`) or, when it is
    /// claimed, set its policy; in one write. The claims, in the order asked.
    async fn assign_user_folders(
        &self,
        project_id: String,
        storage_id: String,
        folders: Vec<UserFolder>,
        now: Timestamp,
    ) -> Result<Vec<openwks_core::storage::StorageClaim>>;
    /// Remove the personal folders of these users (missing ones skipped); the claims removed.
    async fn delete_user_folders(
        &self,
        project_id: String,
        storage_id: String,
        users: Vec<String>,
    ) -> Result<Vec<openwks_core::storage::StorageClaim>>;
    /// Claim a shared folder (`Conflict` when the storage has that folder, `NotFound` when the
    /// storage is gone).
    async fn create_share_folder(
        &self,
        claim: openwks_core::storage::StorageClaim,
    ) -> Result<openwks_core::storage::StorageClaim>;
    /// Add (or re-policy) and remove members of a shared folder, in one write.
    async fn change_share_members(
        &self,
        project_id: String,
        storage_id: String,
        claim_id: String,
        add: Vec<openwks_core::storage::StorageAssignment>,
        remove: Vec<(String, String)>,
    ) -> Result<()>;
    /// Delete folders by claim id (missing ones skipped): none at all, `StorageInUse`, when
    /// one still has members. The claims removed.
    async fn delete_storage_claims(
        &self,
        project_id: String,
        storage_id: String,
        ids: Vec<String>,
    ) -> Result<Vec<openwks_core::storage::StorageClaim>>;
    /// The folders of a storage (of one mode, or all), oldest first, each with its members.
    async fn storage_claims(
        &self,
        project_id: String,
        storage_id: String,
        claim_mode: Option<String>,
    ) -> Result<
        Vec<(
            openwks_core::storage::StorageClaim,
            Vec<openwks_core::storage::StorageAssignment>,
        )>,
    >;
    /// The project's access policies: the built-in ones, then its own.
    async fn storage_policies(
        &self,
        project_id: String,
    ) -> Result<Vec<openwks_core::storage::PolicyStatement>>;
    /// Create or replace the project's own policy.
    async fn put_storage_policy(
        &self,
        project_id: String,
        policy: openwks_core::storage::PolicyStatement,
    ) -> Result<openwks_core::storage::PolicyStatement>;
    /// Associate project configurations with their cluster groups: all or none (`Conflict`
    /// when one is associated already).
    async fn create_cloud_storages(
        &self,
        storages: Vec<openwks_core::storage::CloudStorage>,
    ) -> Result<()>;
    /// A page of a project's cloud storages (oldest first), by id and part of the name.
    async fn list_cloud_storages(
        &self,
        project_id: String,
        id: Option<String>,
        name_contains: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::storage::CloudStorageView>)>;
    /// A cloud storage.
    async fn cloud_storage(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::storage::CloudStorageView>>;
    /// Delete cloud storages (missing ones skipped): none at all, `StorageInUse`, when one
    /// still has folders. How many were deleted.
    async fn delete_cloud_storages(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
    /// Make personal folders in a cloud storage, or, for a user who has one there, set its
    /// quota and switches (its id and time kept). The folders, in the order given.
    async fn put_cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
        folders: Vec<openwks_core::storage::CloudFolder>,
    ) -> Result<Vec<openwks_core::storage::CloudFolder>>;
    /// Apply `update` to a personal folder of a cloud storage (`NotFound`).
    async fn update_cloud_folder(
        &self,
        project_id: String,
        storage_id: String,
        id: String,
        update: CloudFolderUpdate,
    ) -> Result<openwks_core::storage::CloudFolder>;
    /// Delete the personal folders of these users (ids) in a cloud storage; the folders removed.
    async fn delete_cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
        attach_ids: Vec<String>,
    ) -> Result<Vec<openwks_core::storage::CloudFolder>>;
    /// The personal folders of a cloud storage, oldest first.
    async fn cloud_folders(
        &self,
        project_id: String,
        storage_id: String,
    ) -> Result<Vec<openwks_core::storage::CloudFolder>>;
    /// A user's personal folders (by user name) in every cloud storage, oldest first, each with
    /// its storage.
    async fn cloud_folders_of(
        &self,
        project_id: String,
        user_name: String,
    ) -> Result<
        Vec<(
            openwks_core::storage::CloudFolder,
            openwks_core::storage::CloudStorage,
        )>,
    >;
    /// A personal folder of a cloud storage by id, with its storage.
    async fn cloud_folder(
        &self,
        project_id: String,
        id: String,
    ) -> Result<
        Option<(
            openwks_core::storage::CloudFolder,
            openwks_core::storage::CloudStorage,
        )>,
    >;
    /// Move personal folders to another cloud storage of the project (`change_cluster`); a
    /// user who has a folder there already is refused (`Conflict`), and nothing moves.
    async fn move_cloud_folders(
        &self,
        project_id: String,
        from_storage_id: String,
        ids: Vec<String>,
        to_storage_id: String,
    ) -> Result<Vec<openwks_core::storage::CloudFolder>>;
    /// The folders `user` is a member of, by name or through one of its user groups.
    async fn storage_memberships(
        &self,
        project_id: String,
        user: String,
    ) -> Result<Vec<openwks_core::storage::Membership>>;
}

/// The app warehouse, image servers, their jobs and the private images made from them
/// (issue #17).
#[async_trait]
pub trait Images: Send + Sync {
    /// Store a new warehouse app (`Conflict` when the project has one of that name and version).
    async fn create_warehouse_app(
        &self,
        app: openwks_core::image::WarehouseApp,
    ) -> Result<openwks_core::image::WarehouseApp>;
    /// A page of a project's warehouse apps (oldest first) and the count that match.
    async fn list_warehouse_apps(
        &self,
        project_id: String,
        filter: WarehouseAppFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::image::WarehouseApp>)>;
    /// Apply `update` to the app named by its record id or application id (`NotFound`).
    async fn update_warehouse_app(
        &self,
        project_id: String,
        id: String,
        update: WarehouseAppUpdate,
    ) -> Result<openwks_core::image::WarehouseApp>;
    /// Delete the apps named (record or application ids); missing ones are skipped. How many
    /// were deleted.
    async fn delete_warehouse_apps(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
    /// The project's warehouse bucket.
    async fn warehouse_bucket(
        &self,
        project_id: String,
    ) -> Result<Option<openwks_core::image::WarehouseBucket>>;
    /// Set the project's warehouse bucket (replacing the one bound before).
    async fn put_warehouse_bucket(
        &self,
        bucket: openwks_core::image::WarehouseBucket,
    ) -> Result<openwks_core::image::WarehouseBucket>;
    /// Store an icon (served by the public icon route).
    async fn put_icon(&self, project_id: String, icon: openwks_core::app::Icon) -> Result<()>;

    /// Create an image server with its server group, app group, authorizations, app server and
    /// job, all or nothing. When its server cannot be placed nothing is kept and the error says
    /// why (`NoCapacity`): the caller records the failed job.
    async fn create_image_server(
        &self,
        args: CreateImageServerArgs,
    ) -> Result<openwks_core::image::ImageJob>;
    /// A page of image servers (oldest first), by `name_contains` / exact id / enterprise
    /// project, and the count that match.
    async fn list_image_servers(
        &self,
        project_id: String,
        name_contains: Option<String>,
        id: Option<String>,
        enterprise_project_id: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::image::ImageServer>)>;
    /// An image server.
    async fn image_server(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::image::ImageServer>>;
    /// Apply `update` to an image server (`NotFound`).
    async fn update_image_server(
        &self,
        project_id: String,
        id: String,
        update: ImageServerUpdate,
    ) -> Result<openwks_core::image::ImageServer>;
    /// Start making `image` (`saving`) from image server `id`: the server must be `ACTIVE` or
    /// `BUILT` and its app server running; a `createServerImage` job runs on the app server and
    /// the `CREATE_SERVER_IMAGE` job follows it. Returns the image job.
    async fn create_server_image(
        &self,
        id: String,
        image: openwks_core::image::PrivateImage,
        job_id: String,
        server_job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::image::ImageJob>;
    /// Start deleting image servers (all must exist and be settled): their app servers are
    /// deleted by a `deleteServer` job the `DELETE_SERVER` job follows; when it finishes the
    /// image servers go, and with `recursive` their app groups and server groups too.
    async fn delete_image_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        recursive: bool,
        job_id: String,
        server_job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::image::ImageJob>;
    /// Store an image job as it is (a job that failed before it began).
    async fn put_image_job(&self, job: openwks_core::image::ImageJob) -> Result<()>;
    /// A page of image jobs (newest first) and the count that match.
    async fn list_image_jobs(
        &self,
        project_id: String,
        filter: ImageJobFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::image::ImageJob>)>;
    /// An image job.
    async fn image_job(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::image::ImageJob>>;
    /// Remove finished sub-jobs by id (a job left without sub-jobs goes too); running ones and
    /// unknown ids are refused, all or nothing.
    async fn delete_image_sub_jobs(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
    /// A project's private images (any status), oldest first.
    async fn private_images(
        &self,
        project_id: String,
    ) -> Result<Vec<openwks_core::image::PrivateImage>>;
    /// Delete a private image (`Deleted::NotFound` when there is none; `InUse` while a server
    /// group uses it or its job runs).
    async fn delete_private_image(&self, project_id: String, id: String) -> Result<Deleted>;
}

/// A change of a hotspot configuration, applied atomically.
pub type HotspotConfigUpdate =
    Box<dyn FnOnce(&mut openwks_core::hotspot::HotspotConfig) -> Result<()> + Send>;

/// Hotspot session migration configurations (one per project).
#[async_trait]
pub trait Hotspots: Send + Sync {
    /// Store a project's configuration (`Conflict` when it has one).
    async fn create_hotspot_config(
        &self,
        config: openwks_core::hotspot::HotspotConfig,
    ) -> Result<openwks_core::hotspot::HotspotConfig>;
    /// A project's configurations (zero or one), paged.
    async fn hotspot_configs(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::hotspot::HotspotConfig>)>;
    /// A configuration.
    async fn hotspot_config(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::hotspot::HotspotConfig>>;
    /// Apply `update` atomically (`Err(NotFound)` when it is not there).
    async fn update_hotspot_config(
        &self,
        project_id: String,
        id: String,
        update: HotspotConfigUpdate,
    ) -> Result<openwks_core::hotspot::HotspotConfig>;
    /// Every enabled configuration (any project): what the controller acts on.
    async fn enabled_hotspot_configs(&self) -> Result<Vec<openwks_core::hotspot::HotspotConfig>>;
}

/// Filters of `list_schedule_tasks`.
#[derive(Debug, Clone, Default)]
pub struct ScheduleTaskFilter {
    /// Substring of the name.
    pub name_contains: Option<String>,
    /// Exact type.
    pub task_type: Option<openwks_core::schedule::TaskType>,
}

/// A change of a schedule task, applied atomically.
pub type ScheduleTaskUpdate =
    Box<dyn FnOnce(&mut openwks_core::schedule::ScheduleTask) -> Result<()> + Send>;

/// Schedule tasks and their runs.
#[async_trait]
pub trait Schedules: Send + Sync {
    /// Store a new task.
    async fn create_schedule_task(
        &self,
        task: openwks_core::schedule::ScheduleTask,
    ) -> Result<openwks_core::schedule::ScheduleTask>;
    /// A task.
    async fn schedule_task(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::schedule::ScheduleTask>>;
    /// A page of a project's tasks, newest first, and the total that match.
    async fn list_schedule_tasks(
        &self,
        project_id: String,
        filter: ScheduleTaskFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::schedule::ScheduleTask>)>;
    /// Apply `update` to a task atomically (`Err(NotFound)` when it is not there).
    async fn update_schedule_task(
        &self,
        project_id: String,
        id: String,
        update: ScheduleTaskUpdate,
    ) -> Result<openwks_core::schedule::ScheduleTask>;
    /// Delete the tasks of `ids` that exist, with their runs; how many there were.
    async fn delete_schedule_tasks(&self, project_id: String, ids: Vec<String>) -> Result<usize>;
    /// Every task whose next run is at or before `now_ms` (any project), earliest first.
    async fn due_schedule_tasks(
        &self,
        now_ms: i64,
    ) -> Result<Vec<openwks_core::schedule::ScheduleTask>>;
    /// Claim the run of `run.task_id` due at `due_ms`: in one write, the task moves on to
    /// `next_ms` and `run` is recorded. `false` (nothing written) when the task is gone or its
    /// next run is no longer `due_ms`.
    async fn claim_schedule_run(
        &self,
        due_ms: i64,
        next_ms: Option<i64>,
        run: openwks_core::schedule::Run,
    ) -> Result<bool>;
    /// Rewrite a run (its per-server records as they go).
    async fn update_schedule_run(&self, run: openwks_core::schedule::Run) -> Result<()>;
    /// A page of a task's runs, newest first.
    async fn schedule_runs(
        &self,
        project_id: String,
        task_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::schedule::Run>)>;
    /// A run.
    async fn schedule_run(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::schedule::Run>>;
}

/// What replicas share: leases, counters and generations.
#[async_trait]
pub trait Cluster: Send + Sync {
    /// Whether other processes may write the same database (PostgreSQL): process-local caches
    /// must then be refreshed from it.
    fn shared(&self) -> bool {
        false
    }
    /// Take or renew a lease on a background duty until `now + ttl_ms`; `false` while
    /// another holder's lease runs.
    async fn try_lease(
        &self,
        name: String,
        holder: String,
        now: Timestamp,
        ttl_ms: i64,
    ) -> Result<bool>;
    /// Give a lease up (if `holder` has it).
    async fn release_lease(&self, name: String, holder: String) -> Result<()>;
    /// Add one to the counter `key` (kept with the settings) and answer its new value.
    async fn next_counter(&self, key: String) -> Result<i64>;
    /// A counter moved by every change of keys, users, projects or identity policies.
    async fn iam_generation(&self) -> Result<i64>;
}

/// What an administrator does to the whole store.
#[async_trait]
pub trait Admin: Send + Sync {
    /// Empty every resource of every project (server groups, app groups, apps, authorizations,
    /// user groups, ECS groups, servers, jobs, sessions, scaling activities, exports, networks
    /// other than the default one); keep the identity (accounts, projects, users, keys, IAM),
    /// settings and the audit trail; re-create a default network deleted before. Answers the
    /// rows removed per table.
    async fn reset(
        &self,
        catalogue: &Catalogue,
        now: Timestamp,
    ) -> Result<std::collections::BTreeMap<String, i64>>;
}

/// Snapshots: the whole state out, and into a store without resources.
#[async_trait]
pub trait Snapshots: Send + Sync {
    /// The whole state in one consistent read: every table but the engine's bookkeeping and
    /// this process's settings ([`sql::snapshot`]).
    async fn export_snapshot(&self, now: Timestamp) -> Result<sql::snapshot::Snapshot>;
    /// Load a snapshot (of either engine) into a store without resources, in one write: the
    /// identity and every table of it are replaced, the fleet reloaded, cached views dropped.
    /// A store with resources is refused (`Conflict`), a malformed snapshot is `Invalid`.
    /// Answers the rows loaded per table and the identity now in force.
    async fn load_snapshot(
        &self,
        snapshot: sql::snapshot::Snapshot,
    ) -> Result<(std::collections::BTreeMap<String, i64>, Bootstrap)>;
}

/// Everything openwks keeps: one trait per resource, each implemented by [`sql::SqlStore`] at
/// the end of its `sql/<resource>.rs`. One method per use case; every write is atomic and
/// durable when it returns `Ok`.
pub trait Store:
    Identity
    + Network
    + ServerGroups
    + AppGroups
    + Authorizations
    + Apps
    + EcsGroups
    + Compute
    + Hosts
    + Sessions
    + Iam
    + Audit
    + Scaling
    + Schedules
    + Hotspots
    + Images
    + Storages
    + Policies
    + Cluster
    + Admin
    + Snapshots
    + 'static
{
}

impl<
        T: Identity
            + Network
            + ServerGroups
            + AppGroups
            + Authorizations
            + Apps
            + EcsGroups
            + Compute
            + Hosts
            + Sessions
            + Iam
            + Audit
            + Scaling
            + Schedules
            + Hotspots
            + Images
            + Storages
            + Policies
            + Cluster
            + Admin
            + Snapshots
            + 'static,
    > Store for T
{
}
