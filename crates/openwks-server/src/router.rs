//! Every route in one place, grouped by vendor service, each vendor path in full. The table of
//! contents of the HTTP API.

use std::collections::HashSet;

use axum::extract::Request;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{get, on, MethodFilter};
use axum::{Router, ServiceExt};
use openwks_core::error::codes;
use openwks_core::{Error, ErrorKind};
use tokio::net::TcpListener;

use crate::ecs::{server as es, server_group as esg};
use crate::error::ApiError;
use crate::ext::{hosts, iam_admin as ia, launch, scaling as ext_scaling, user_groups as ug};
use crate::wks::{
    app as apps, app_group as ag, app_server as asv, authorization as authz, catalogue,
    operations::OPERATIONS, scaling_policy, server_group as sg, session as sess, tags,
};
use crate::{iam, ims, middleware, ops, vpc, AppState};

async fn no_such_api() -> ApiError {
    ApiError(Error::new(
        ErrorKind::NotFound,
        codes::NO_SUCH_API,
        "The API does not exist or has not been published",
    ))
}

async fn method_not_allowed() -> ApiError {
    ApiError(Error::new(
        ErrorKind::MethodNotAllowed,
        codes::METHOD_NOT_ALLOWED,
        "The method specified in the request is not allowed for this resource.",
    ))
}

async fn not_implemented() -> impl IntoResponse {
    let mut resp = ApiError(Error::new(
        ErrorKind::Internal,
        codes::INTERNAL,
        "not implemented",
    ))
    .into_response();
    *resp.status_mut() = axum::http::StatusCode::NOT_IMPLEMENTED;
    resp
}

/// The routes of implemented vendor operations: `(SDK method, HTTP method, path)` ⇒ handler.
fn implemented() -> Router<AppState> {
    Router::new()
        // WorkspaceApp: server groups (9).
        .route(
            "/v1/{project_id}/app-server-groups",
            get(sg::list_server_groups).post(sg::create_server_group),
        )
        .route(
            "/v1/{project_id}/app-server-groups/actions/list",
            get(sg::list_tenant_server_groups),
        )
        .route(
            "/v1/{project_id}/app-server-groups/resources/restrict",
            get(sg::show_server_group_restrict),
        )
        .route(
            "/v1/{project_id}/app-server-groups/rules/validate",
            axum::routing::post(sg::validate_server_group),
        )
        .route(
            "/v1/{project_id}/app-server-groups/{server_group_id}",
            get(sg::show_server_group)
                .patch(sg::update_server_group)
                .delete(sg::delete_server_groups),
        )
        .route(
            "/v1/{project_id}/app-server-groups/{server_group_id}/state",
            get(sg::show_server_group_state),
        )
        // WorkspaceApp: server-group tags (6).
        .route(
            "/v1/{project_id}/server-group/tags",
            get(tags::list_server_group_tag),
        )
        .route(
            "/v1/{project_id}/server-group/tags/batch-create",
            axum::routing::post(tags::batch_create_server_group_tags),
        )
        .route(
            "/v1/{project_id}/server-group/tags/batch-delete",
            axum::routing::delete(tags::batch_delete_server_group_tags),
        )
        .route(
            "/v1/{project_id}/server-group/{server_group_id}/tags",
            get(tags::show_server_group_tag),
        )
        .route(
            "/v1/{project_id}/server-group/{server_group_id}/tags/create",
            axum::routing::post(tags::create_server_group_tags),
        )
        .route(
            "/v1/{project_id}/server-group/{server_group_id}/tags/delete",
            axum::routing::delete(tags::delete_server_group_tags),
        )
        // WorkspaceApp: scaling policy (3).
        .route(
            "/v1/{project_id}/scaling-policy",
            get(scaling_policy::show_scaling_policy)
                .put(scaling_policy::create_or_update_scaling_policy)
                .delete(scaling_policy::delete_scaling_policy),
        )
        // WorkspaceApp: app groups (8).
        .route(
            "/v1/{project_id}/app-groups",
            get(ag::list_app_group).post(ag::create_app_group),
        )
        .route(
            "/v1/{project_id}/app-groups/actions/disassociate-app-group",
            axum::routing::post(ag::disassociate_app_group),
        )
        .route(
            "/v1/{project_id}/app-groups/batch-delete",
            axum::routing::post(ag::batch_delete_app_group),
        )
        .route(
            "/v1/{project_id}/app-groups/rules/validate",
            axum::routing::post(ag::check_app_group),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}",
            get(ag::show_app_group_detail)
                .patch(ag::update_app_group)
                .delete(ag::delete_app_group),
        )
        // WorkspaceApp: app servers (a subset of 20) and jobs.
        .route("/v1/{project_id}/app-servers", get(asv::list_servers))
        .route(
            "/v1/{project_id}/app-servers/actions/create",
            axum::routing::post(asv::create_app_servers),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-delete",
            axum::routing::post(asv::batch_delete_server),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-reinstall",
            axum::routing::post(asv::batch_reinstall_server),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-change-image",
            axum::routing::post(asv::batch_change_server_image),
        )
        .route(
            "/v1/{project_id}/app-servers/hosts/batch-migrate",
            axum::routing::patch(asv::batch_migrate_hosts_server),
        )
        .route(
            "/v1/{project_id}/app-servers/{server_id}/actions/reinstall",
            axum::routing::post(asv::reinstall_server),
        )
        .route(
            "/v1/{project_id}/app-servers/{server_id}/actions/change-image",
            axum::routing::post(asv::change_server_image),
        )
        .route(
            "/v1/{project_id}/app-servers/{server_id}/actions/vnc",
            get(asv::show_server_vnc),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-rejoin-domain",
            axum::routing::patch(asv::batch_rejoin_domain),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-update-tsvi",
            axum::routing::patch(asv::batch_update_tsvi),
        )
        .route(
            "/v1/{project_id}/app-servers/metric-data/{server_id}",
            get(crate::wks::metrics::show_server_metric_data),
        )
        .route(
            "/v1/{project_id}/app-servers/server-metric-data/{server_id}",
            get(crate::wks::metrics::list_server_metric_data),
        )
        .route(
            "/v1/{project_id}/app-server-sub-jobs",
            get(asv::list_sub_jobs),
        )
        .route(
            "/v1/{project_id}/app-server-sub-jobs/actions/count",
            get(asv::count_sub_jobs),
        )
        .route(
            "/v1/{project_id}/app-server-sub-jobs/actions/batch-delete",
            axum::routing::post(asv::batch_delete_app_sub_jobs),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-start",
            axum::routing::patch(asv::batch_start_server),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-stop",
            axum::routing::patch(asv::batch_stop_server),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-reboot",
            axum::routing::patch(asv::batch_reboot_server),
        )
        .route(
            "/v1/{project_id}/app-servers/actions/batch-maint",
            axum::routing::patch(asv::batch_change_server_maintain_mode),
        )
        .route(
            "/v1/{project_id}/app-servers/{server_id}",
            get(asv::show_server)
                .patch(asv::update_server)
                .delete(asv::delete_server),
        )
        .route("/v1/{project_id}/job/{job_id}", get(asv::show_job))
        .route("/v2/{project_id}/job/{job_id}", get(asv::show_job_detail))
        // WorkspaceApp: published apps (13).
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps",
            get(apps::list_published_app).post(apps::publish_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/check",
            axum::routing::post(apps::check_publish_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/disable",
            axum::routing::post(apps::batch_disable_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/enable",
            axum::routing::post(apps::batch_enable_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/batch-unpublish",
            axum::routing::post(apps::unpublish_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/pre-boot-policy",
            axum::routing::post(apps::update_pre_boot_policy),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}",
            get(apps::show_app_detail).patch(apps::update_app),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}/icon",
            axum::routing::post(apps::upload_app_icon).delete(apps::delete_app_icon),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}/raw-icon",
            axum::routing::put(apps::upload_app_icon_raw),
        )
        .route(
            "/v1/{project_id}/app-groups/{app_group_id}/publishable-app",
            get(apps::show_publishable_app),
        )
        .route("/openwks/v1/icons/{icon_id}", get(apps::serve_icon))
        // WorkspaceApp: authorizations and mails (6).
        .route(
            "/v1/{project_id}/app-groups/authorizations",
            axum::routing::post(authz::add_app_group_authorization),
        )
        .route(
            "/v1/{project_id}/app-groups/actions/batch-delete-authorization",
            axum::routing::post(authz::batch_delete_app_group_authorization),
        )
        .route(
            "/v1/{project_id}/app-groups/actions/list-authorizations",
            get(authz::list_app_group_authorization),
        )
        .route(
            "/v1/{project_id}/mails",
            get(authz::list_authorization_mail_record),
        )
        .route(
            "/v1/{project_id}/mails/actions/send",
            axum::routing::post(authz::send_authorization_mail),
        )
        .route(
            "/v1/{project_id}/mails/actions/send-by-authorization",
            axum::routing::post(authz::send_authorized_mail),
        )
        // WorkspaceApp: sessions and connections (10).
        .route(
            "/v1/{project_id}/session-type",
            get(sess::list_session_type).post(sess::show_session_types),
        )
        .route(
            "/v1/{project_id}/session/app-connection",
            axum::routing::post(sess::list_app_connection),
        )
        .route(
            "/v1/{project_id}/session/app-connection/export",
            axum::routing::post(sess::export_app_connection),
        )
        .route(
            "/v1/{project_id}/session/list-sessions",
            get(sess::list_sessions),
        )
        .route(
            "/v1/{project_id}/session/list-sessions/export",
            axum::routing::post(sess::export_sessions),
        )
        .route(
            "/v1/{project_id}/session/logoff",
            axum::routing::post(sess::logoff_user_session),
        )
        .route(
            "/v1/{project_id}/session/user-connection",
            axum::routing::post(sess::list_user_connection),
        )
        .route(
            "/v1/{project_id}/session/user-connection/export",
            axum::routing::post(sess::export_user_connection),
        )
        .route(
            "/v1/{project_id}/session/user-session-info",
            get(sess::list_session_by_user_name),
        )
        // openwks extensions: launches, scaling, exports (docs/extensions.md).
        .route(
            "/openwks/v1/{project_id}/app-launches",
            axum::routing::post(launch::launch),
        )
        .route(
            "/openwks/v1/{project_id}/app-launches/{session_id}",
            axum::routing::delete(launch::end),
        )
        .route(
            "/openwks/v1/{project_id}/app-launches/{session_id}/disconnect",
            axum::routing::post(launch::disconnect),
        )
        .route(
            "/openwks/v1/{project_id}/scaling-activities",
            get(ext_scaling::list_activities),
        )
        .route(
            "/openwks/v1/{project_id}/scaling-preview",
            get(ext_scaling::preview),
        )
        .route(
            "/openwks/v1/{project_id}/export-tasks/{task_id}",
            get(sess::show_export),
        )
        // openwks extensions: IAM administration and the audit trail (docs/authorization.md).
        .route(
            "/openwks/v1/iam/users",
            get(ia::list_users).post(ia::create_user),
        )
        .route(
            "/openwks/v1/iam/users/{user_id}",
            get(ia::show_user)
                .patch(ia::update_user)
                .delete(ia::delete_user),
        )
        .route(
            "/openwks/v1/iam/users/{user_id}/access-keys",
            get(ia::list_keys).post(ia::create_key),
        )
        .route(
            "/openwks/v1/iam/users/{user_id}/access-keys/{access_key}",
            axum::routing::patch(ia::update_key).delete(ia::delete_key),
        )
        .route(
            "/openwks/v1/iam/users/{user_id}/policies",
            get(ia::user_policies),
        )
        .route(
            "/openwks/v1/iam/users/{user_id}/policies/{policy_id}",
            axum::routing::put(ia::attach_user).delete(ia::detach_user),
        )
        .route(
            "/openwks/v1/iam/groups",
            get(ia::list_groups).post(ia::create_group),
        )
        .route(
            "/openwks/v1/iam/groups/{group_id}",
            get(ia::show_group).delete(ia::delete_group),
        )
        .route(
            "/openwks/v1/iam/groups/{group_id}/users/{user_id}",
            axum::routing::put(ia::add_member).delete(ia::remove_member),
        )
        .route(
            "/openwks/v1/iam/groups/{group_id}/policies",
            get(ia::group_policies),
        )
        .route(
            "/openwks/v1/iam/groups/{group_id}/policies/{policy_id}",
            axum::routing::put(ia::attach_group).delete(ia::detach_group),
        )
        .route(
            "/openwks/v1/iam/policies",
            get(ia::list_policies).post(ia::create_policy),
        )
        .route(
            "/openwks/v1/iam/policies/{policy_id}",
            get(ia::show_policy).delete(ia::delete_policy),
        )
        .route("/openwks/v1/audit-events", get(ia::list_audit_events))
        // IAM v5 (the vendor's identity-policy API), the subset of docs/authorization.md.
        .route(
            "/v5/users",
            get(crate::iam_v5::list_users).post(crate::iam_v5::create_user),
        )
        .route(
            "/v5/users/{user_id}",
            get(crate::iam_v5::show_user)
                .put(crate::iam_v5::update_user)
                .delete(crate::iam_v5::delete_user),
        )
        .route(
            "/v5/users/{user_id}/access-keys",
            get(crate::iam_v5::list_access_keys).post(crate::iam_v5::create_access_key),
        )
        .route(
            "/v5/users/{user_id}/access-keys/{access_key_id}",
            axum::routing::put(crate::iam_v5::update_access_key)
                .delete(crate::iam_v5::delete_access_key),
        )
        .route(
            "/v5/policies",
            get(crate::iam_v5::list_policies).post(crate::iam_v5::create_policy),
        )
        .route(
            "/v5/policies/{policy_id}",
            get(crate::iam_v5::show_policy).delete(crate::iam_v5::delete_policy),
        )
        .route(
            "/v5/policies/{policy_id}/attach-user",
            axum::routing::post(crate::iam_v5::attach_user),
        )
        .route(
            "/v5/policies/{policy_id}/detach-user",
            axum::routing::post(crate::iam_v5::detach_user),
        )
        .route(
            "/v5/policies/{policy_id}/attach-group",
            axum::routing::post(crate::iam_v5::attach_group),
        )
        .route(
            "/v5/policies/{policy_id}/detach-group",
            axum::routing::post(crate::iam_v5::detach_group),
        )
        .route(
            "/v5/groups",
            axum::routing::post(crate::iam_v5::create_group),
        )
        .route(
            "/v5/groups/{group_id}/add-user",
            axum::routing::post(crate::iam_v5::add_user),
        )
        .route(
            "/v5/groups/{group_id}/remove-user",
            axum::routing::post(crate::iam_v5::remove_user),
        )
        // openwks extensions: the user directory (docs/extensions.md).
        .route(
            "/openwks/v1/{project_id}/user-groups",
            get(ug::list_user_groups).post(ug::create_user_group),
        )
        .route(
            "/openwks/v1/{project_id}/user-groups/{user_group_id}",
            get(ug::show_user_group).delete(ug::delete_user_group),
        )
        .route(
            "/openwks/v1/{project_id}/user-groups/{user_group_id}/members",
            axum::routing::post(ug::add_members).delete(ug::remove_members),
        )
        .route(
            "/openwks/v1/{project_id}/app-groups/{app_group_id}/access-check",
            get(ug::access_check),
        )
        // WorkspaceApp: products, AZs, volume types, quota, tenant.
        .route("/v1/{project_id}/product", get(catalogue::list_product))
        .route(
            "/v1/{project_id}/availability-zone",
            get(catalogue::list_availability_zone),
        )
        .route(
            "/v1/{project_id}/availability-zone/summary",
            get(catalogue::list_az),
        )
        .route(
            "/v1/{project_id}/volume-type",
            get(catalogue::list_volume_type),
        )
        .route("/v1/{project_id}/check/quota", get(catalogue::check_quota))
        .route(
            "/v1/{project_id}/tenant/profile",
            get(catalogue::list_tenant_profile),
        )
        // ECS: server groups (8) and limits.
        .route(
            "/v1/{project_id}/cloudservers/os-server-groups",
            get(esg::list_server_groups).post(esg::create_server_group),
        )
        .route(
            "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}",
            get(esg::show_server_group).delete(esg::delete_server_group),
        )
        .route(
            "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/action",
            axum::routing::post(esg::server_group_action),
        )
        .route(
            "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/add_members",
            axum::routing::post(esg::add_members),
        )
        .route(
            "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/remove_members",
            axum::routing::post(esg::remove_members),
        )
        .route(
            "/v1/{project_id}/cloudservers/limits",
            get(esg::show_server_limits),
        )
        // ECS: servers (the subset server groups need) and jobs.
        .route(
            "/v1/{project_id}/cloudservers",
            axum::routing::post(es::create_post_paid_servers),
        )
        .route(
            "/v1/{project_id}/cloudservers/detail",
            get(es::list_servers_details),
        )
        .route(
            "/v1/{project_id}/cloudservers/action",
            axum::routing::post(es::server_action),
        )
        .route(
            "/v1/{project_id}/cloudservers/delete",
            axum::routing::post(es::delete_servers),
        )
        .route(
            "/v1/{project_id}/cloudservers/flavors",
            get(es::list_flavors),
        )
        .route(
            "/v1/{project_id}/cloudservers/{server_id}",
            get(es::show_server),
        )
        .route("/v1/{project_id}/jobs/{job_id}", get(es::show_job))
        // openwks extensions: the hypervisor fleet.
        .route("/openwks/v1/hosts", get(hosts::list_hosts))
        // VPC v1.
        .route(
            "/v1/{project_id}/vpcs",
            get(vpc::list_vpcs).post(vpc::create_vpc),
        )
        .route(
            "/v1/{project_id}/vpcs/{vpc_id}",
            get(vpc::show_vpc).delete(vpc::delete_vpc),
        )
        .route(
            "/v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}",
            axum::routing::delete(vpc::delete_subnet),
        )
        .route(
            "/v1/{project_id}/subnets",
            get(vpc::list_subnets).post(vpc::create_subnet),
        )
        .route(
            "/v1/{project_id}/subnets/{subnet_id}",
            get(vpc::show_subnet).delete(vpc::delete_subnet_short),
        )
        // IMS.
        .route("/v2/cloudimages", get(ims::list_images))
        .route("/v2/images/{image_id}", get(ims::show_image))
        // IAM.
        .route("/v3/projects", get(iam::list_projects))
        .route("/v3/auth/tokens", axum::routing::post(iam::create_token))
        .route(
            "/v3.0/OS-CREDENTIAL/securitytokens",
            axum::routing::post(iam::create_security_token),
        )
        // Operations.
        .route("/health", get(ops::health))
        .route("/metrics", get(ops::metrics))
}

/// SDK methods served by [`implemented`].
pub const IMPLEMENTED_WKS: &[&str] = &[
    "list_session_type",
    "show_session_types",
    "list_app_connection",
    "export_app_connection",
    "list_sessions",
    "export_sessions",
    "logoff_user_session",
    "list_user_connection",
    "export_user_connection",
    "list_session_by_user_name",
    "batch_rejoin_domain",
    "batch_update_tsvi",
    "show_server_metric_data",
    "list_server_metric_data",
    "list_server_groups",
    "create_server_group",
    "list_tenant_server_groups",
    "show_server_group_restrict",
    "validate_server_group",
    "delete_server_groups",
    "show_server_group",
    "update_server_group",
    "show_server_group_state",
    "list_server_group_tag",
    "batch_create_server_group_tags",
    "batch_delete_server_group_tags",
    "show_server_group_tag",
    "create_server_group_tags",
    "delete_server_group_tags",
    "delete_scaling_policy",
    "show_scaling_policy",
    "create_or_update_scaling_policy",
    "list_availability_zone",
    "list_az",
    "check_quota",
    "list_product",
    "list_tenant_profile",
    "list_volume_type",
    "list_app_group",
    "create_app_group",
    "disassociate_app_group",
    "batch_delete_app_group",
    "check_app_group",
    "delete_app_group",
    "show_app_group_detail",
    "update_app_group",
    "list_servers",
    "create_app_servers",
    "batch_delete_server",
    "batch_start_server",
    "batch_reinstall_server",
    "batch_change_server_image",
    "batch_migrate_hosts_server",
    "reinstall_server",
    "change_server_image",
    "show_server_vnc",
    "list_sub_jobs",
    "count_sub_jobs",
    "batch_delete_app_sub_jobs",
    "batch_stop_server",
    "batch_reboot_server",
    "batch_change_server_maintain_mode",
    "show_server",
    "update_server",
    "delete_server",
    "show_job",
    "show_job_detail",
    "list_published_app",
    "publish_app",
    "check_publish_app",
    "batch_disable_app",
    "batch_enable_app",
    "unpublish_app",
    "update_pre_boot_policy",
    "show_app_detail",
    "update_app",
    "delete_app_icon",
    "upload_app_icon",
    "upload_app_icon_raw",
    "show_publishable_app",
    "add_app_group_authorization",
    "batch_delete_app_group_authorization",
    "list_app_group_authorization",
    "list_authorization_mail_record",
    "send_authorization_mail",
    "send_authorized_mail",
];

/// The vendor's parameter names, except where two of its paths name the same position
/// differently (the router needs one name per position): `schedule-task/{execute_history_id}/
/// execute-detail` shares its position with `schedule-task/{task_id}`.
fn normalise(path: &str) -> String {
    path.replace("{execute_history_id}", "{task_id}")
}

/// The router with every route and its fallbacks, before the outer middleware.
pub fn router(state: AppState) -> Router {
    let done: HashSet<&str> = IMPLEMENTED_WKS.iter().copied().collect();
    let mut r = implemented();
    // Every other operation of the official SDK answers a vendor-shaped 501, never a 404.
    for (name, method, path) in OPERATIONS {
        if done.contains(name) {
            continue;
        }
        let Ok(m) = Method::from_bytes(method.as_bytes()) else {
            continue;
        };
        let Ok(filter) = MethodFilter::try_from(m) else {
            continue;
        };
        r = r.route(&normalise(path), on(filter, not_implemented));
    }
    // IAM users: every matched route is authorized (and writes audited) after routing.
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::authz::authorize,
    ))
    .fallback(no_such_api)
    .method_not_allowed_fallback(method_not_allowed)
    .layer(axum::middleware::from_fn(middleware::keep_matched_path))
    .with_state(state)
}

/// The complete application: the router wrapped in the outer (pre-routing) middleware.
pub fn app(
    state: AppState,
) -> impl Clone
       + tower::Service<
    Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Send
       + 'static {
    let outer = axum::middleware::from_fn_with_state(state.clone(), middleware::outer);
    tower::Layer::layer(&outer, router(state))
}

/// Serve on an already bound listener until `shutdown` resolves.
pub async fn serve_with_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state);
    axum::serve(listener, ServiceExt::<Request>::into_make_service(app))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_operation_has_a_route_and_the_implemented_names_exist() {
        assert_eq!(OPERATIONS.len(), 174);
        for name in IMPLEMENTED_WKS {
            assert!(
                OPERATIONS.iter().any(|(n, _, _)| n == name),
                "{name} is not an SDK operation"
            );
        }
        assert_eq!(
            normalise("/v1/{project_id}/schedule-task/{execute_history_id}/execute-detail"),
            "/v1/{project_id}/schedule-task/{task_id}/execute-detail"
        );
    }
}

#[cfg(test)]
mod compatibility_doc {
    use super::*;

    /// docs/compatibility.md lists every SDK operation with the status the router gives it.
    #[test]
    fn compatibility_md_matches_the_router() {
        let doc = include_str!("../../../docs/compatibility.md");
        for (name, _, _) in OPERATIONS {
            let want = if IMPLEMENTED_WKS.contains(name) {
                "| implemented |"
            } else {
                "| not implemented |"
            };
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{name}` |")))
                .unwrap_or_default();
            assert!(
                row.ends_with(want),
                "docs/compatibility.md row for {name} should end with {want}: {row:?}"
            );
        }
    }
}
