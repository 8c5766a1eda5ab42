//! Authorization of IAM users (issue #6): every route maps to one action of [`RULES`]
//! (`docs/authorization.md` is the same table; a test keeps them in step); a request of an IAM
//! user other than the account's administrator passes only when the user's identity policies
//! allow the action on the resource, and each of its dependencies. Every write and every
//! denied request is appended to the audit trail.
//!
//! Condition keys: `g:RequestTag/<key>` and `g:TagKeys` from the tags sent in the body (create
//! and tag operations), `g:ResourceTag/<key>` and `g:EnterpriseProjectId` from the stored
//! server group (or, for a create, `enterprise_project_id` sent, default `0`), `g:UserName`
//! and `g:UserId` of the caller.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openwks_core::error::codes;
use openwks_core::iam::{evaluate, urn, Decision, PolicyDocument, RequestContext};
use openwks_core::iam_model::AuditEvent;
use openwks_core::identity::Caller;
use openwks_core::{Error, ErrorKind, Result};

use crate::error::ApiError;
use crate::middleware::Ctx;
use crate::AppState;

/// The resource an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    /// None (lists, catalogue reads): checked against `*`.
    None,
    /// The server group named by this path parameter.
    ServerGroup(&'static str),
    /// The server group named by this query parameter or body field.
    ServerGroupRef(&'static str),
    /// A server group being created: `…:serverGroup:*`.
    NewServerGroup,
    /// The app group named by this path parameter.
    AppGroup(&'static str),
    /// An app group being created: `…:appGroup:*`.
    NewAppGroup,
}

/// Read (`R`, lists and reads) or write (`W`: audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Reads and lists.
    R,
    /// Writes.
    W,
}

/// One route's authorization.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// HTTP method.
    pub method: &'static str,
    /// Route template, as in the router.
    pub path: &'static str,
    /// The action.
    pub action: &'static str,
    /// Read or write.
    pub level: Level,
    /// The resource.
    pub resource: Res,
    /// Actions also needed (each on `*`).
    pub deps: &'static [&'static str],
    /// An older name that grants the same (the seed's alias column).
    pub alias: Option<&'static str>,
    /// Needs no permission (the vendor says so: temporary keys of the caller itself).
    pub open: bool,
}

const fn r(
    method: &'static str,
    path: &'static str,
    action: &'static str,
    level: Level,
    resource: Res,
) -> Rule {
    Rule {
        method,
        path,
        action,
        level,
        resource,
        deps: &[],
        alias: None,
        open: false,
    }
}

use Level::{R, W};
use Res::{AppGroup, NewAppGroup, NewServerGroup, None as NoRes, ServerGroup, ServerGroupRef};

macro_rules! p {
    ($s:literal) => {
        concat!("/v1/{project_id}", $s)
    };
}
macro_rules! o {
    ($s:literal) => {
        concat!("/openwks/v1/{project_id}", $s)
    };
}

/// Every route's action (the seeds' actions exactly; the rest named in the same style).
pub const RULES: &[Rule] = &[
    // Server groups.
    r(
        "GET",
        p!("/app-server-groups"),
        "workspace:serverGroup:list",
        R,
        NoRes,
    ),
    Rule {
        deps: &["ims:images:list", "vpc:ports:get", "vpc:subnets:get"],
        ..r(
            "POST",
            p!("/app-server-groups"),
            "workspace:serverGroup:create",
            W,
            NewServerGroup,
        )
    },
    r(
        "GET",
        p!("/app-server-groups/actions/list"),
        "workspace:serverGroup:list",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-server-groups/resources/restrict"),
        "workspace:serverGroup:getRestrict",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-server-groups/rules/validate"),
        "workspace:serverGroup:validate",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-server-groups/{server_group_id}"),
        "workspace:serverGroup:get",
        R,
        ServerGroup("server_group_id"),
    ),
    Rule {
        deps: &["ims:images:list"],
        ..r(
            "PATCH",
            p!("/app-server-groups/{server_group_id}"),
            "workspace:serverGroup:update",
            W,
            ServerGroup("server_group_id"),
        )
    },
    r(
        "DELETE",
        p!("/app-server-groups/{server_group_id}"),
        "workspace:serverGroup:delete",
        W,
        ServerGroup("server_group_id"),
    ),
    r(
        "GET",
        p!("/app-server-groups/{server_group_id}/state"),
        "workspace:serverGroup:get",
        R,
        ServerGroup("server_group_id"),
    ),
    // Server-group tags.
    r(
        "GET",
        p!("/server-group/tags"),
        "workspace:serverGroup:listTags",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/server-group/tags/batch-create"),
        "workspace:serverGroup:tag",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        p!("/server-group/tags/batch-delete"),
        "workspace:serverGroup:untag",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/server-group/{server_group_id}/tags"),
        "workspace:serverGroup:listTags",
        R,
        ServerGroup("server_group_id"),
    ),
    r(
        "POST",
        p!("/server-group/{server_group_id}/tags/create"),
        "workspace:serverGroup:tag",
        W,
        ServerGroup("server_group_id"),
    ),
    r(
        "DELETE",
        p!("/server-group/{server_group_id}/tags/delete"),
        "workspace:serverGroup:untag",
        W,
        ServerGroup("server_group_id"),
    ),
    // Scaling policy.
    r(
        "GET",
        p!("/scaling-policy"),
        "workspace:scalingPolicy:get",
        R,
        ServerGroupRef("server_group_id"),
    ),
    r(
        "PUT",
        p!("/scaling-policy"),
        "workspace:scalingPolicy:update",
        W,
        ServerGroupRef("server_group_id"),
    ),
    r(
        "DELETE",
        p!("/scaling-policy"),
        "workspace:scalingPolicy:delete",
        W,
        ServerGroupRef("server_group_id"),
    ),
    // App groups.
    r(
        "GET",
        p!("/app-groups"),
        "workspace:appGroup:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-groups"),
        "workspace:appGroup:create",
        W,
        NewAppGroup,
    ),
    r(
        "POST",
        p!("/app-groups/actions/disassociate-app-group"),
        "workspace:appGroup:update",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-groups/batch-delete"),
        "workspace:appGroup:delete",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-groups/rules/validate"),
        "workspace:appGroup:validate",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-groups/{app_group_id}"),
        "workspace:appGroup:get",
        R,
        AppGroup("app_group_id"),
    ),
    r(
        "PATCH",
        p!("/app-groups/{app_group_id}"),
        "workspace:appGroup:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "DELETE",
        p!("/app-groups/{app_group_id}"),
        "workspace:appGroup:delete",
        W,
        AppGroup("app_group_id"),
    ),
    // Published apps.
    r(
        "GET",
        p!("/app-groups/{app_group_id}/apps"),
        "workspace:app:list",
        R,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps"),
        "workspace:app:publish",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/actions/check"),
        "workspace:app:check",
        R,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/actions/disable"),
        "workspace:app:disable",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/actions/enable"),
        "workspace:app:enable",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/batch-unpublish"),
        "workspace:app:unpublish",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/pre-boot-policy"),
        "workspace:app:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "GET",
        p!("/app-groups/{app_group_id}/apps/{app_id}"),
        "workspace:app:get",
        R,
        AppGroup("app_group_id"),
    ),
    r(
        "PATCH",
        p!("/app-groups/{app_group_id}/apps/{app_id}"),
        "workspace:app:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "POST",
        p!("/app-groups/{app_group_id}/apps/{app_id}/icon"),
        "workspace:app:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "DELETE",
        p!("/app-groups/{app_group_id}/apps/{app_id}/icon"),
        "workspace:app:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "PUT",
        p!("/app-groups/{app_group_id}/apps/{app_id}/raw-icon"),
        "workspace:app:update",
        W,
        AppGroup("app_group_id"),
    ),
    r(
        "GET",
        p!("/app-groups/{app_group_id}/publishable-app"),
        "workspace:app:listPublishable",
        R,
        AppGroup("app_group_id"),
    ),
    // Authorizations and mails.
    r(
        "POST",
        p!("/app-groups/authorizations"),
        "workspace:appGroup:authorize",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-groups/actions/batch-delete-authorization"),
        "workspace:appGroup:unauthorize",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-groups/actions/list-authorizations"),
        "workspace:appGroup:listAuthorizations",
        R,
        NoRes,
    ),
    r("GET", p!("/mails"), "workspace:mail:list", R, NoRes),
    r(
        "POST",
        p!("/mails/actions/send"),
        "workspace:mail:send",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/mails/actions/send-by-authorization"),
        "workspace:mail:send",
        W,
        NoRes,
    ),
    // App servers and jobs.
    r(
        "GET",
        p!("/app-servers"),
        "workspace:appServer:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-servers/actions/create"),
        "workspace:appServer:create",
        W,
        ServerGroupRef("server_group_id"),
    ),
    r(
        "POST",
        p!("/app-servers/actions/batch-delete"),
        "workspace:appServer:delete",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-servers/actions/batch-reinstall"),
        "workspace:appServer:reinstall",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-servers/actions/batch-change-image"),
        "workspace:appServer:changeImage",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/hosts/batch-migrate"),
        "workspace:appServer:migrate",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-servers/{server_id}/actions/reinstall"),
        "workspace:appServer:reinstall",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-servers/{server_id}/actions/change-image"),
        "workspace:appServer:changeImage",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-servers/{server_id}/actions/vnc"),
        "workspace:appServer:getVnc",
        R,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-rejoin-domain"),
        "workspace:appServer:rejoinDomain",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-update-tsvi"),
        "workspace:appServer:updateTsvi",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-servers/metric-data/{server_id}"),
        "workspace:appServer:getMetricData",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-servers/server-metric-data/{server_id}"),
        "workspace:appServer:getMetricData",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-server-sub-jobs"),
        "workspace:job:list",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-server-sub-jobs/actions/count"),
        "workspace:job:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/app-server-sub-jobs/actions/batch-delete"),
        "workspace:job:delete",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-start"),
        "workspace:appServer:start",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-stop"),
        "workspace:appServer:stop",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-reboot"),
        "workspace:appServer:reboot",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/actions/batch-maint"),
        "workspace:appServer:update",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/app-servers/{server_id}"),
        "workspace:appServer:get",
        R,
        NoRes,
    ),
    r(
        "PATCH",
        p!("/app-servers/{server_id}"),
        "workspace:appServer:update",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        p!("/app-servers/{server_id}"),
        "workspace:appServer:delete",
        W,
        NoRes,
    ),
    r("GET", p!("/job/{job_id}"), "workspace:job:get", R, NoRes),
    r(
        "GET",
        "/v2/{project_id}/job/{job_id}",
        "workspace:job:get",
        R,
        NoRes,
    ),
    // Sessions.
    r(
        "GET",
        p!("/session-type"),
        "workspace:session:listTypes",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/session-type"),
        "workspace:session:listTypes",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/app-connection"),
        "workspace:session:listConnections",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/app-connection/export"),
        "workspace:session:export",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/session/list-sessions"),
        "workspace:session:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/list-sessions/export"),
        "workspace:session:export",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/logoff"),
        "workspace:session:logoff",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/user-connection"),
        "workspace:session:listConnections",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/session/user-connection/export"),
        "workspace:session:export",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/session/user-session-info"),
        "workspace:session:list",
        R,
        NoRes,
    ),
    // openwks extensions.
    r(
        "POST",
        o!("/app-launches"),
        "workspace:session:launch",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        o!("/app-launches/{session_id}"),
        "workspace:session:logoff",
        W,
        NoRes,
    ),
    r(
        "POST",
        o!("/app-launches/{session_id}/disconnect"),
        "workspace:session:disconnect",
        W,
        NoRes,
    ),
    r(
        "GET",
        o!("/scaling-activities"),
        "workspace:scalingPolicy:listActivities",
        R,
        ServerGroupRef("server_group_id"),
    ),
    r(
        "GET",
        o!("/scaling-preview"),
        "workspace:scalingPolicy:preview",
        R,
        ServerGroupRef("server_group_id"),
    ),
    r(
        "GET",
        o!("/export-tasks/{task_id}"),
        "workspace:session:getExport",
        R,
        NoRes,
    ),
    r(
        "GET",
        o!("/user-groups"),
        "workspace:userGroup:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        o!("/user-groups"),
        "workspace:userGroup:create",
        W,
        NoRes,
    ),
    r(
        "GET",
        o!("/user-groups/{user_group_id}"),
        "workspace:userGroup:get",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        o!("/user-groups/{user_group_id}"),
        "workspace:userGroup:delete",
        W,
        NoRes,
    ),
    r(
        "POST",
        o!("/user-groups/{user_group_id}/members"),
        "workspace:userGroup:update",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        o!("/user-groups/{user_group_id}/members"),
        "workspace:userGroup:update",
        W,
        NoRes,
    ),
    r(
        "GET",
        o!("/app-groups/{app_group_id}/access-check"),
        "workspace:appGroup:checkAccess",
        R,
        AppGroup("app_group_id"),
    ),
    // Catalogue.
    r("GET", p!("/product"), "workspace:product:list", R, NoRes),
    r(
        "GET",
        p!("/availability-zone"),
        "workspace:availabilityZone:list",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/availability-zone/summary"),
        "workspace:availabilityZone:list",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/volume-type"),
        "workspace:volumeType:list",
        R,
        NoRes,
    ),
    r("GET", p!("/check/quota"), "workspace:quota:get", R, NoRes),
    r(
        "GET",
        p!("/tenant/profile"),
        "workspace:tenant:getProfile",
        R,
        NoRes,
    ),
    // ECS.
    r(
        "GET",
        p!("/cloudservers/os-server-groups"),
        "ecs:cloudServers:listServerGroups",
        R,
        NoRes,
    ),
    Rule {
        alias: Some("ecs:cloudServers:create"),
        ..r(
            "POST",
            p!("/cloudservers/os-server-groups"),
            "ecs:cloudServers:createServerGroup",
            W,
            NoRes,
        )
    },
    r(
        "GET",
        p!("/cloudservers/os-server-groups/{server_group_id}"),
        "ecs:cloudServers:getServerGroup",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        p!("/cloudservers/os-server-groups/{server_group_id}"),
        "ecs:cloudServers:deleteServerGroup",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers/os-server-groups/{server_group_id}/action"),
        "ecs:cloudServers:updateServerGroupMembers",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers/os-server-groups/{server_group_id}/add_members"),
        "ecs:cloudServers:updateServerGroupMembers",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers/os-server-groups/{server_group_id}/remove_members"),
        "ecs:cloudServers:updateServerGroupMembers",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/cloudservers/limits"),
        "ecs:cloudServers:getLimits",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers"),
        "ecs:cloudServers:create",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/cloudservers/detail"),
        "ecs:cloudServers:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers/action"),
        "ecs:cloudServers:operate",
        W,
        NoRes,
    ),
    r(
        "POST",
        p!("/cloudservers/delete"),
        "ecs:cloudServers:delete",
        W,
        NoRes,
    ),
    r(
        "GET",
        p!("/cloudservers/flavors"),
        "ecs:cloudServers:listFlavors",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/cloudservers/{server_id}"),
        "ecs:cloudServers:get",
        R,
        NoRes,
    ),
    r(
        "GET",
        p!("/jobs/{job_id}"),
        "ecs:cloudServers:getJob",
        R,
        NoRes,
    ),
    // Network and images.
    r("GET", p!("/vpcs"), "vpc:vpcs:list", R, NoRes),
    r("POST", p!("/vpcs"), "vpc:vpcs:create", W, NoRes),
    r("GET", p!("/vpcs/{vpc_id}"), "vpc:vpcs:get", R, NoRes),
    r("DELETE", p!("/vpcs/{vpc_id}"), "vpc:vpcs:delete", W, NoRes),
    r(
        "DELETE",
        p!("/vpcs/{vpc_id}/subnets/{subnet_id}"),
        "vpc:subnets:delete",
        W,
        NoRes,
    ),
    r("GET", p!("/subnets"), "vpc:subnets:list", R, NoRes),
    r("POST", p!("/subnets"), "vpc:subnets:create", W, NoRes),
    r(
        "GET",
        p!("/subnets/{subnet_id}"),
        "vpc:subnets:get",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        p!("/subnets/{subnet_id}"),
        "vpc:subnets:delete",
        W,
        NoRes,
    ),
    r("GET", "/v2/cloudimages", "ims:images:list", R, NoRes),
    r("GET", "/v2/images/{image_id}", "ims:images:get", R, NoRes),
    r("GET", "/v3/projects", "iam:projects:list", R, NoRes),
    r("GET", "/openwks/v1/hosts", "openwks:hosts:list", R, NoRes),
    // IAM administration and the audit trail.
    r("GET", "/openwks/v1/iam/users", "iam:users:list", R, NoRes),
    r(
        "POST",
        "/openwks/v1/iam/users",
        "iam:users:create",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/users/{user_id}",
        "iam:users:get",
        R,
        NoRes,
    ),
    r(
        "PATCH",
        "/openwks/v1/iam/users/{user_id}",
        "iam:users:update",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/users/{user_id}",
        "iam:users:delete",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/users/{user_id}/access-keys",
        "iam:credentials:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        "/openwks/v1/iam/users/{user_id}/access-keys",
        "iam:credentials:create",
        W,
        NoRes,
    ),
    r(
        "PATCH",
        "/openwks/v1/iam/users/{user_id}/access-keys/{access_key}",
        "iam:credentials:update",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/users/{user_id}/access-keys/{access_key}",
        "iam:credentials:delete",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/users/{user_id}/policies",
        "iam:policies:listAttached",
        R,
        NoRes,
    ),
    r(
        "PUT",
        "/openwks/v1/iam/users/{user_id}/policies/{policy_id}",
        "iam:policies:attach",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/users/{user_id}/policies/{policy_id}",
        "iam:policies:detach",
        W,
        NoRes,
    ),
    r("GET", "/openwks/v1/iam/groups", "iam:groups:list", R, NoRes),
    r(
        "POST",
        "/openwks/v1/iam/groups",
        "iam:groups:create",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/groups/{group_id}",
        "iam:groups:get",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/groups/{group_id}",
        "iam:groups:delete",
        W,
        NoRes,
    ),
    r(
        "PUT",
        "/openwks/v1/iam/groups/{group_id}/users/{user_id}",
        "iam:groups:addUser",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/groups/{group_id}/users/{user_id}",
        "iam:groups:removeUser",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/groups/{group_id}/policies",
        "iam:policies:listAttached",
        R,
        NoRes,
    ),
    r(
        "PUT",
        "/openwks/v1/iam/groups/{group_id}/policies/{policy_id}",
        "iam:policies:attach",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/groups/{group_id}/policies/{policy_id}",
        "iam:policies:detach",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/policies",
        "iam:policies:list",
        R,
        NoRes,
    ),
    r(
        "POST",
        "/openwks/v1/iam/policies",
        "iam:policies:create",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/iam/policies/{policy_id}",
        "iam:policies:get",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        "/openwks/v1/iam/policies/{policy_id}",
        "iam:policies:delete",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/openwks/v1/audit-events",
        "cts:traces:list",
        R,
        NoRes,
    ),
    Rule {
        open: true,
        ..r(
            "POST",
            "/v3.0/OS-CREDENTIAL/securitytokens",
            "iam:securitytokens:create",
            W,
            NoRes,
        )
    },
    // IAM v5 (the vendor's identity-policy API; the vendor's action names).
    r("GET", "/v5/users", "iam:users:listUsersV5", R, NoRes),
    r("POST", "/v5/users", "iam:users:createUserV5", W, NoRes),
    r(
        "GET",
        "/v5/users/{user_id}",
        "iam:users:getUserV5",
        R,
        NoRes,
    ),
    r(
        "PUT",
        "/v5/users/{user_id}",
        "iam:users:updateUserV5",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/v5/users/{user_id}",
        "iam:users:deleteUserV5",
        W,
        NoRes,
    ),
    r(
        "GET",
        "/v5/users/{user_id}/access-keys",
        "iam:credentials:listCredentialsV5",
        R,
        NoRes,
    ),
    r(
        "POST",
        "/v5/users/{user_id}/access-keys",
        "iam:credentials:createCredentialV5",
        W,
        NoRes,
    ),
    r(
        "PUT",
        "/v5/users/{user_id}/access-keys/{access_key_id}",
        "iam:credentials:updateCredentialV5",
        W,
        NoRes,
    ),
    r(
        "DELETE",
        "/v5/users/{user_id}/access-keys/{access_key_id}",
        "iam:credentials:deleteCredentialV5",
        W,
        NoRes,
    ),
    r("GET", "/v5/policies", "iam:policies:listV5", R, NoRes),
    r("POST", "/v5/policies", "iam:policies:createV5", W, NoRes),
    r(
        "GET",
        "/v5/policies/{policy_id}",
        "iam:policies:getV5",
        R,
        NoRes,
    ),
    r(
        "DELETE",
        "/v5/policies/{policy_id}",
        "iam:policies:deleteV5",
        W,
        NoRes,
    ),
    r(
        "POST",
        "/v5/policies/{policy_id}/attach-user",
        "iam:policies:attachToUserV5",
        W,
        NoRes,
    ),
    r(
        "POST",
        "/v5/policies/{policy_id}/detach-user",
        "iam:policies:detachFromUserV5",
        W,
        NoRes,
    ),
    r(
        "POST",
        "/v5/policies/{policy_id}/attach-group",
        "iam:policies:attachToGroupV5",
        W,
        NoRes,
    ),
    r(
        "POST",
        "/v5/policies/{policy_id}/detach-group",
        "iam:policies:detachFromGroupV5",
        W,
        NoRes,
    ),
    r("POST", "/v5/groups", "iam:groups:createGroupV5", W, NoRes),
    r(
        "POST",
        "/v5/groups/{group_id}/add-user",
        "iam:groups:addUserToGroupV5",
        W,
        NoRes,
    ),
    r(
        "POST",
        "/v5/groups/{group_id}/remove-user",
        "iam:groups:removeUserFromGroupV5",
        W,
        NoRes,
    ),
];

/// The rule of a route.
/// Every request looks its rule up (the administrator's too, to audit its writes): a map built
/// once, not a scan of the table.
pub fn rule(method: &str, path: &str) -> Option<&'static Rule> {
    static BY_ROUTE: std::sync::OnceLock<HashMap<(&'static str, &'static str), &'static Rule>> =
        std::sync::OnceLock::new();
    BY_ROUTE
        .get_or_init(|| RULES.iter().map(|r| ((r.method, r.path), r)).collect())
        .get(&(method, path))
        .copied()
}

/// A user's compiled policies and the generation they were read at.
type Compiled = (u64, Arc<Vec<PolicyDocument>>);

/// Compiled policies per user, valid for one generation of the IAM data: any change of a
/// policy, an attachment or a membership bumps the generation, so a decision is never made
/// from policies older than the last change.
#[derive(Default)]
pub struct PolicyCache {
    generation: AtomicU64,
    users: RwLock<HashMap<String, Compiled>>,
}

impl PolicyCache {
    /// Forget everything (an IAM change happened).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut u) = self.users.write() {
            u.clear();
        }
    }

    async fn policies(&self, st: &AppState, caller: &Caller) -> Result<Arc<Vec<PolicyDocument>>> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((g, p)) = self
            .users
            .read()
            .ok()
            .and_then(|u| u.get(&caller.user_id).cloned())
        {
            if g == generation {
                return Ok(p);
            }
        }
        let docs = st
            .store
            .iam_effective_policies(&caller.account_id, &caller.user_id)
            .await?;
        let parsed: Vec<PolicyDocument> = docs
            .iter()
            .filter_map(|p| PolicyDocument::parse(&p.document).ok())
            .collect();
        let parsed = Arc::new(parsed);
        if let Ok(mut u) = self.users.write() {
            // Only if nothing changed while we read.
            if self.generation.load(Ordering::SeqCst) == generation {
                u.insert(caller.user_id.clone(), (generation, Arc::clone(&parsed)));
            }
        }
        Ok(parsed)
    }
}

/// Condition values of one request.
pub type Values = HashMap<String, Vec<String>>;

fn caller_values(st: &AppState, caller: &Caller) -> Values {
    let mut v = Values::new();
    v.insert("g:userid".into(), vec![caller.user_id.clone()]);
    if let Some(u) = st.directory.user(&caller.user_id) {
        v.insert("g:username".into(), vec![u.name]);
    }
    v
}

/// The values a stored server group contributes.
pub fn server_group_values(v: &mut Values, group: &openwks_core::server_group::ServerGroup) {
    v.insert(
        "g:enterpriseprojectid".into(),
        vec![group.enterprise_project_id.clone()],
    );
    for t in &group.tags {
        v.insert(
            format!("g:resourcetag/{}", t.key.to_lowercase()),
            vec![t.value.clone()],
        );
    }
}

/// Whether `caller` may do `action` on `resource` with `values` (administrators always may).
pub async fn allowed(
    st: &AppState,
    caller: &Caller,
    action: &str,
    resource: &str,
    values: &Values,
) -> Result<Decision> {
    if caller.is_admin {
        return Ok(Decision::Allow);
    }
    let ps = st.policy_cache.policies(st, caller).await?;
    Ok(evaluate(
        ps.iter(),
        &RequestContext {
            action,
            resource,
            values,
        },
    ))
}

/// The items of a list an IAM user may `get` (all for the administrator), counted after
/// filtering (no count leak), then the page. `kind` is the resource type (`serverGroup`,
/// `appGroup`); `values` adds an item's condition values.
async fn visible<T>(
    st: &AppState,
    caller: &Caller,
    (project_id, kind): (&str, &str),
    all: Vec<T>,
    (offset, limit): (i64, i64),
    id_of: impl Fn(&T) -> &str,
    values: impl Fn(&T, &mut Values),
) -> Result<(i64, Vec<T>)> {
    let action = format!("workspace:{kind}:get");
    let mut seen = Vec::new();
    for item in all {
        let mut v = caller_values(st, caller);
        values(&item, &mut v);
        let resource = urn(
            "workspace",
            &st.settings.region,
            project_id,
            kind,
            id_of(&item),
        );
        if allowed(st, caller, &action, &resource, &v).await? == Decision::Allow {
            seen.push(item);
        }
    }
    Ok(openwks_core::paging::page(seen, offset, limit))
}

/// The server groups of a list an IAM user may `get`, and how many; then the page.
pub async fn visible_server_groups(
    st: &AppState,
    caller: &Caller,
    project_id: &str,
    all: Vec<openwks_core::server_group::ServerGroupView>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<openwks_core::server_group::ServerGroupView>)> {
    visible(
        st,
        caller,
        (project_id, "serverGroup"),
        all,
        (offset, limit),
        |v| &v.group.id,
        |v, values| server_group_values(values, &v.group),
    )
    .await
}

/// The app groups of a list an IAM user may `get`, and how many; then the page.
pub async fn visible_app_groups(
    st: &AppState,
    caller: &Caller,
    project_id: &str,
    all: Vec<openwks_core::app_group::AppGroupView>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<openwks_core::app_group::AppGroupView>)> {
    visible(
        st,
        caller,
        (project_id, "appGroup"),
        all,
        (offset, limit),
        |v| &v.group.id,
        |_, _| {},
    )
    .await
}

fn denied(action: &str, what: &str, d: Decision) -> Error {
    let why = if d == Decision::ExplicitDeny {
        "an identity policy denies it"
    } else {
        "no identity policy allows it"
    };
    Error::new(
        ErrorKind::Forbidden,
        codes::ACTION_DENIED,
        format!("the caller is not allowed {action}{what}: {why}"),
    )
}

/// Tags and enterprise project sent in a body (creates and tag operations).
fn request_values(v: &mut Values, json: &serde_json::Value, new_group: bool) {
    if let Some(tags) = json.get("tags").and_then(|t| t.as_array()) {
        let mut keys = Vec::new();
        for t in tags {
            if let Some(k) = t.get("key").and_then(|k| k.as_str()) {
                keys.push(k.to_string());
                let val = t
                    .get("value")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string();
                v.insert(format!("g:requesttag/{}", k.to_lowercase()), vec![val]);
            }
        }
        v.insert("g:tagkeys".into(), keys);
    }
    if new_group {
        let ep = json
            .get("enterprise_project_id")
            .and_then(|e| e.as_str())
            .filter(|e| !e.is_empty())
            .unwrap_or("0");
        v.insert("g:enterpriseprojectid".into(), vec![ep.to_string()]);
    }
}

fn path_param<'a>(template: &str, path: &'a str, name: &str) -> Option<&'a str> {
    let want = format!("{{{name}}}");
    template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| *t == want)
        .map(|(_, v)| v)
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// What authorization reads of a request.
struct Req<'a> {
    method: &'a str,
    template: &'a str,
    path: &'a str,
    query: &'a str,
    body: &'a [u8],
}

/// The resource URN and condition values of a request.
async fn resource_of(
    st: &AppState,
    rule: &Rule,
    project_id: &str,
    req: &Req<'_>,
    values: &mut Values,
) -> Result<String> {
    let (template, path, query) = (req.template, req.path, req.query);
    let region = &st.settings.region;
    // The body is read once, for request tags and a server group named in it.
    let body: serde_json::Value = serde_json::from_slice(req.body).unwrap_or_default();
    let group_id = match rule.resource {
        Res::ServerGroup(name) => path_param(template, path, name).map(str::to_string),
        Res::ServerGroupRef(name) => query_param(query, name)
            .or_else(|| body.get(name).and_then(|x| x.as_str()).map(str::to_string)),
        _ => None,
    };
    request_values(values, &body, rule.resource == Res::NewServerGroup);
    Ok(match rule.resource {
        Res::None => "*".to_string(),
        Res::NewServerGroup => urn("workspace", region, project_id, "serverGroup", "*"),
        Res::NewAppGroup => urn("workspace", region, project_id, "appGroup", "*"),
        Res::AppGroup(name) => urn(
            "workspace",
            region,
            project_id,
            "appGroup",
            path_param(template, path, name).unwrap_or("*"),
        ),
        Res::ServerGroup(_) | Res::ServerGroupRef(_) => match group_id {
            Some(id) => {
                if let Some(v) = st.store.server_group(project_id, &id).await? {
                    server_group_values(values, &v.group);
                }
                urn("workspace", region, project_id, "serverGroup", &id)
            }
            None => "*".to_string(),
        },
    })
}

fn project_of(template: &str, path: &str) -> String {
    path_param(template, path, "project_id")
        .unwrap_or("")
        .to_string()
}

/// Decide one request of a non-administrator: `Ok(resource)` or the 403.
async fn decide(
    st: &AppState,
    caller: &Caller,
    rule: &Rule,
    req: &Req<'_>,
) -> std::result::Result<String, (String, Error)> {
    let project_id = project_of(req.template, req.path);
    let mut values = caller_values(st, caller);
    let resource = resource_of(st, rule, &project_id, req, &mut values)
        .await
        .map_err(|e| ("*".to_string(), e))?;
    let on = if resource == "*" {
        String::new()
    } else {
        format!(" on {resource}")
    };
    let d = allowed(st, caller, rule.action, &resource, &values)
        .await
        .map_err(|e| (resource.clone(), e))?;
    let d = match (d, rule.alias) {
        (Decision::ImplicitDeny, Some(alias)) => allowed(st, caller, alias, &resource, &values)
            .await
            .map_err(|e| (resource.clone(), e))?,
        (d, _) => d,
    };
    if d != Decision::Allow {
        return Err((resource.clone(), denied(rule.action, &on, d)));
    }
    for dep in rule.deps {
        let d = allowed(st, caller, dep, "*", &values)
            .await
            .map_err(|e| (resource.clone(), e))?;
        if d != Decision::Allow {
            return Err((
                resource.clone(),
                denied(dep, &format!(" (a dependency of {})", rule.action), d),
            ));
        }
    }
    Ok(resource)
}

fn audit_event(
    st: &AppState,
    caller: &Caller,
    action: &str,
    resource: &str,
    req: &Req<'_>,
    status: u16,
    reason: &str,
) -> AuditEvent {
    let (method, path) = (req.method, req.path);
    let now_ms = st.settings.clock.now_ms();
    AuditEvent {
        id: uuid::Uuid::new_v4().simple().to_string(),
        time: openwks_core::time::format_ms(now_ms),
        time_ms: now_ms,
        account_id: caller.account_id.clone(),
        user_id: caller.user_id.clone(),
        user_name: st
            .directory
            .user(&caller.user_id)
            .map(|u| u.name)
            .unwrap_or_default(),
        action: action.to_string(),
        resource: resource.to_string(),
        method: method.to_string(),
        path: path.to_string(),
        status,
        result: if status == 403 && !reason.is_empty() {
            "denied".into()
        } else {
            "allowed".into()
        },
        reason: reason.to_string(),
        request_id: crate::request::current_request_id(),
    }
}

/// Inner middleware (after routing): authorize, run, audit.
pub async fn authorize(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        // Public routes (health, metrics, tokens, icons).
        return next.run(req).await;
    };
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let rule = rule(&method, &template);
    let caller = ctx.caller;
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let r = Req {
        method: &method,
        template: &template,
        path: &path,
        query: &query,
        body: &bytes,
    };
    let outcome = match rule {
        _ if caller.is_admin => Ok(String::from("*")),
        Some(rule) if rule.open => Ok(String::from("*")),
        Some(rule) => decide(&st, &caller, rule, &r).await,
        // A route without a rule (a vendor operation openwks does not implement): only the
        // administrator reaches its 501.
        None => Err((
            "*".to_string(),
            Error::new(
                ErrorKind::Forbidden,
                codes::ACTION_DENIED,
                format!("{method} {template} has no action IAM users can be granted"),
            ),
        )),
    };
    let action = rule.map_or_else(|| format!("{method} {template}"), |r| r.action.to_string());
    let write = rule.map_or(method != "GET", |r| r.level == Level::W);
    match outcome {
        Ok(resource) => {
            let resp = next
                .run(Request::from_parts(parts, Body::from(bytes.clone())))
                .await;
            if write {
                let e = audit_event(
                    &st,
                    &caller,
                    &action,
                    &resource,
                    &r,
                    resp.status().as_u16(),
                    "",
                );
                if let Err(err) = st.store.append_audit(e).await {
                    tracing::error!(error = %err, "could not append an audit event");
                    return ApiError(Error::unavailable("the audit trail cannot be written"))
                        .into_response();
                }
            }
            resp
        }
        Err((resource, err)) => {
            let e = audit_event(
                &st,
                &caller,
                &action,
                &resource,
                &r,
                err.kind.status(),
                &err.message,
            );
            if let Err(e2) = st.store.append_audit(e).await {
                tracing::error!(error = %e2, "could not append an audit event");
            }
            if template.starts_with("/v1/{project_id}/cloudservers") {
                crate::error::EcsApiError(err).into_response()
            } else {
                ApiError(err).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_params() {
        let t = "/v1/{project_id}/app-server-groups/{server_group_id}";
        assert_eq!(
            path_param(t, "/v1/p1/app-server-groups/sg-9", "server_group_id"),
            Some("sg-9")
        );
        assert_eq!(project_of(t, "/v1/p1/app-server-groups/sg-9"), "p1");
        assert_eq!(
            query_param("a=1&server_group_id=x%2Dy", "server_group_id").as_deref(),
            Some("x-y")
        );
        assert_eq!(query_param("a=1", "server_group_id"), None);
    }

    #[test]
    fn every_rule_is_unique_and_names_an_action() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(
                seen.insert((r.method, r.path)),
                "duplicate rule {} {}",
                r.method,
                r.path
            );
            assert_eq!(r.action.split(':').count(), 3, "{}", r.action);
        }
    }
}

#[cfg(test)]
mod coverage {
    use super::RULES;

    /// `(method, path)` of every route the router's `implemented()` registers, read from its
    /// source (the router cannot list its routes).
    fn routes() -> Vec<(String, String)> {
        let src = include_str!("router.rs");
        let start = src.find("fn implemented()").unwrap_or(0);
        let end = src.find("pub const IMPLEMENTED_WKS").unwrap_or(src.len());
        let body = &src[start..end];
        let mut out = Vec::new();
        for chunk in body.split(".route(").skip(1) {
            let Some(open) = chunk.find('"') else {
                continue;
            };
            let Some(close) = chunk[open + 1..].find('"') else {
                continue;
            };
            let path = &chunk[open + 1..open + 1 + close];
            let rest = &chunk[open + 1 + close..];
            for m in ["get", "post", "put", "patch", "delete"] {
                for prefix in ["(", ".", "::", " "] {
                    if rest.contains(&format!("{prefix}{m}(")) {
                        out.push((m.to_uppercase(), path.to_string()));
                        break;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_route_has_a_rule_and_every_rule_a_route() {
        let routes = routes();
        assert!(routes.len() > 100, "found {} routes", routes.len());
        let public = [
            "/health",
            "/metrics",
            "/v3/auth/tokens",
            "/openwks/v1/icons/{icon_id}",
        ];
        for (m, p) in &routes {
            if public.contains(&p.as_str()) {
                continue;
            }
            assert!(
                RULES.iter().any(|r| r.method == m && r.path == p),
                "no rule for {m} {p}"
            );
        }
        for r in RULES {
            assert!(
                routes.iter().any(|(m, p)| m == r.method && p == r.path),
                "rule {} {} names no route",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn the_documented_table_is_the_rules() {
        let doc = include_str!("../../../docs/authorization.md");
        for r in RULES {
            let row = format!("| {} | `{}` | `{}` |", r.method, r.path, r.action);
            assert!(doc.contains(&row), "docs/authorization.md lacks {row}");
        }
    }
}
