//! The route table: every route of openwks, once. Each row names the HTTP method and path, the
//! handler, the SDK operation it serves, the IAM action and how the resource(s) it acts on are
//! taken from the request's *decoded* input, and the error dialect. The router
//! ([`crate::router`]), the authorization rule carried by each route ([`crate::authz`]), the 501
//! answers of the SDK operations openwks does not implement, `docs/compatibility.md` and the
//! action table of `docs/authorization.md` all come from this table (the last two are checked
//! against it by tests here).

use axum::routing::on;

use crate::ecs::{server as es, server_group as esg};
use crate::ext::{
    admin, drain as ext_drain, files as ext_files, hosts, iam_admin as ia, launch,
    scaling as ext_scaling, user_groups as ug,
};
use crate::route::{Dialect, HttpMethod, Level, Res, Route, Src};
use crate::wks::{
    access_agent as agent, app as apps, app_group as ag, app_server as asv, authorization as authz,
    catalogue, cloud_storage as cloud, hotspot, image_server as img, policy_group as pg,
    scaling_policy, schedule_task as sched, server_group as sg, session as sess, storage as stor,
    tags, warehouse as wh,
};
use crate::{iam, ims, ops, vpc};

/// The dialect of a request no row answers (the 404 of an unknown path, the 405 of a
/// known path with another method): that of the rows whose collection it is in — the
/// rows whose first three segments (version, project, collection) match its own, when
/// they all speak one dialect. `PATCH /v1/{p}/cloudservers/{id}` answers like ECS.
pub fn dialect_of_path(path: &str) -> Dialect {
    let head = |p: &str| -> Vec<String> {
        p.trim_start_matches('/')
            .split('/')
            .take(3)
            .map(str::to_string)
            .collect()
    };
    let want = head(path);
    let mut found = None;
    for r in ROUTES {
        let have = head(r.path);
        if have.len() < 3 || have[2].starts_with('{') || want.len() < 3 {
            continue;
        }
        let matches = have
            .iter()
            .zip(&want)
            .all(|(h, w)| h.starts_with('{') || h == w);
        if matches {
            match found {
                None => found = Some(r.dialect),
                Some(d) if d != r.dialect => return Dialect::Wks,
                Some(_) => {}
            }
        }
    }
    found.unwrap_or(Dialect::Wks)
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path { $($field:ident: $value:expr),* $(,)? } )*) => {
        /// Every route of openwks.
        pub static ROUTES: &[Route] = &[$(
            Route {
                method: HttpMethod::$method,
                path: $path,
                handler: |f| on(f, $handler),
                $($field: $value,)*
                ..Route::DEFAULT
            },
        )*];
    };
}

#[allow(unused_imports)]
use {
    Dialect::Ecs,
    Level::{R, W},
    Res::{AppGroup, IamUser, NewAppGroup, NewServerGroup, ServerGroup},
    Src::{BodyItems, BodyItemsIn, BodyItemsWhere, BodyList, InBody, InPath, InQuery},
};

#[rustfmt::skip]
routes! {
    // WorkspaceApp: server groups (9).
    GET "/v1/{project_id}/app-server-groups" => sg::list_server_groups { sdk: "list_server_groups", action: "workspace:serverGroup:list" }
    POST "/v1/{project_id}/app-server-groups" => sg::create_server_group { sdk: "create_server_group", action: "workspace:serverGroup:create", resource: NewServerGroup, deps: &["ims:images:list", "vpc:ports:get", "vpc:subnets:get"] }
    GET "/v1/{project_id}/app-server-groups/actions/list" => sg::list_tenant_server_groups { sdk: "list_tenant_server_groups", action: "workspace:serverGroup:list" }
    GET "/v1/{project_id}/app-server-groups/resources/restrict" => sg::show_server_group_restrict { sdk: "show_server_group_restrict", action: "workspace:serverGroup:getRestrict" }
    POST "/v1/{project_id}/app-server-groups/rules/validate" => sg::validate_server_group { sdk: "validate_server_group", action: "workspace:serverGroup:validate", level: R }
    GET "/v1/{project_id}/app-server-groups/{server_group_id}" => sg::show_server_group { sdk: "show_server_group", action: "workspace:serverGroup:get", resource: ServerGroup(InPath("server_group_id")) }
    PATCH "/v1/{project_id}/app-server-groups/{server_group_id}" => sg::update_server_group { sdk: "update_server_group", action: "workspace:serverGroup:update", resource: ServerGroup(InPath("server_group_id")), deps: &["ims:images:list"] }
    DELETE "/v1/{project_id}/app-server-groups/{server_group_id}" => sg::delete_server_groups { sdk: "delete_server_groups", action: "workspace:serverGroup:delete", resource: ServerGroup(InPath("server_group_id")) }
    GET "/v1/{project_id}/app-server-groups/{server_group_id}/state" => sg::show_server_group_state { sdk: "show_server_group_state", action: "workspace:serverGroup:get", resource: ServerGroup(InPath("server_group_id")) }
    // WorkspaceApp: server-group tags (6).
    GET "/v1/{project_id}/server-group/tags" => tags::list_server_group_tag { sdk: "list_server_group_tag", action: "workspace:serverGroup:listTags" }
    POST "/v1/{project_id}/server-group/tags/batch-create" => tags::batch_create_server_group_tags { sdk: "batch_create_server_group_tags", action: "workspace:serverGroup:tag", resource: ServerGroup(BodyItems("items", "server_group_id")) }
    DELETE "/v1/{project_id}/server-group/tags/batch-delete" => tags::batch_delete_server_group_tags { sdk: "batch_delete_server_group_tags", action: "workspace:serverGroup:untag", resource: ServerGroup(BodyItems("items", "server_group_id")) }
    GET "/v1/{project_id}/server-group/{server_group_id}/tags" => tags::show_server_group_tag { sdk: "show_server_group_tag", action: "workspace:serverGroup:listTags", resource: ServerGroup(InPath("server_group_id")) }
    POST "/v1/{project_id}/server-group/{server_group_id}/tags/create" => tags::create_server_group_tags { sdk: "create_server_group_tags", action: "workspace:serverGroup:tag", resource: ServerGroup(InPath("server_group_id")) }
    DELETE "/v1/{project_id}/server-group/{server_group_id}/tags/delete" => tags::delete_server_group_tags { sdk: "delete_server_group_tags", action: "workspace:serverGroup:untag", resource: ServerGroup(InPath("server_group_id")) }
    // WorkspaceApp: access agents (6).
    GET "/v1/{project_id}/app-servers/access-agent/actions/show-latest-version" => agent::list_access_agent_latest_version { sdk: "list_access_agent_latest_version", action: "workspace:appServer:listAccessAgent" }
    PATCH "/v1/{project_id}/app-servers/access-agent/actions/upgrade" => agent::batch_upgrade_hda_version { sdk: "batch_upgrade_hda_version", action: "workspace:appServer:upgradeAccessAgent" }
    GET "/v1/{project_id}/app-servers/access-agent/latest-version" => agent::show_access_agent_latest_version { sdk: "show_access_agent_latest_version", action: "workspace:appServer:listAccessAgent" }
    GET "/v1/{project_id}/app-servers/access-agent/list" => agent::list_server_hda_details { sdk: "list_server_hda_details", action: "workspace:appServer:listAccessAgent" }
    GET "/v1/{project_id}/app-servers/access-agent/upgrade-flag" => agent::show_hda_upgrade_flag { sdk: "show_hda_upgrade_flag", action: "workspace:appServer:listAccessAgent" }
    GET "/v1/{project_id}/app-servers/access-agent/upgrade-record" => agent::list_server_hda_upgrade_records { sdk: "list_server_hda_upgrade_records", action: "workspace:appServer:listAccessAgent" }
    // WorkspaceApp: image servers and image jobs (13).
    POST "/v1/{project_id}/image-servers" => img::create_image_server { sdk: "create_image_server", action: "workspace:imageServer:create" }
    GET "/v1/{project_id}/image-servers" => img::list_image_servers { sdk: "list_image_servers", action: "workspace:imageServer:list" }
    GET "/v1/{project_id}/image-servers/{server_id}" => img::show_image_server { sdk: "show_image_server", action: "workspace:imageServer:get" }
    PATCH "/v1/{project_id}/image-servers/{server_id}" => img::update_image_server { sdk: "update_image_server", action: "workspace:imageServer:update" }
    PATCH "/v1/{project_id}/image-servers/actions/batch-delete" => img::batch_delete_image_server { sdk: "batch_delete_image_server", action: "workspace:imageServer:delete" }
    POST "/v1/{project_id}/image-servers/{server_id}/actions/attach-app" => img::attach_image_server_app { sdk: "attach_image_server_app", action: "workspace:imageServer:attachApp" }
    GET "/v1/{project_id}/image-servers/{server_id}/actions/latest-attached-app" => img::list_latest_attached_server_app { sdk: "list_latest_attached_server_app", action: "workspace:imageServer:get" }
    POST "/v1/{project_id}/image-servers/{server_id}/actions/recreate-image" => img::recreate_server_image { sdk: "recreate_server_image", action: "workspace:imageServer:createImage" }
    GET "/v1/{project_id}/image-server-jobs" => img::list_image_jobs { sdk: "list_image_jobs", action: "workspace:imageJob:list" }
    GET "/v1/{project_id}/image-server-jobs/{job_id}" => img::show_image_job { sdk: "show_image_job", action: "workspace:imageJob:get" }
    GET "/v1/{project_id}/image-server-sub-jobs" => img::list_image_sub_jobs { sdk: "list_image_sub_jobs", action: "workspace:imageJob:list" }
    GET "/v1/{project_id}/image-server-sub-jobs/actions/count" => img::count_image_sub_jobs { sdk: "count_image_sub_jobs", action: "workspace:imageJob:list" }
    PATCH "/v1/{project_id}/image-server-sub-jobs/actions/batch-delete" => img::batch_delete_image_sub_jobs { sdk: "batch_delete_image_sub_jobs", action: "workspace:imageJob:delete" }
    // WorkspaceApp: storage — WKS storages, personal and shared folders, policies (14 of 29).
    POST "/v1/{project_id}/persistent-storages" => stor::create_persistent_storage { sdk: "create_persistent_storage", action: "workspace:storage:createPersistentStorage" }
    GET "/v1/{project_id}/persistent-storages" => stor::list_persistent_storage { sdk: "list_persistent_storage", action: "workspace:storage:listPersistentStorage" }
    DELETE "/v1/{project_id}/persistent-storages/{storage_id}" => stor::delete_persistent_storage { sdk: "delete_persistent_storage", action: "workspace:storage:deletePersistentStorage" }
    POST "/v1/{project_id}/persistent-storages/actions/batch-delete" => stor::batch_delete_persistent_storage { sdk: "batch_delete_persistent_storage", action: "workspace:storage:batchDeletePersistentStorage" }
    GET "/v1/persistent-storages/actions/list-sfs-storages" => stor::list_sfs3_storage { sdk: "list_sfs3_storage", action: "workspace:storage:listSfs3Storage" }
    POST "/v1/{project_id}/persistent-storages/{storage_id}/actions/assign-folder" => stor::update_user_folder_assignment { sdk: "update_user_folder_assignment", action: "workspace:storage:updateUserFolderAssignment" }
    GET "/v1/{project_id}/persistent-storages/actions/list-attachments" => stor::list_storage_assignment { sdk: "list_storage_assignment", action: "workspace:storage:listStorageAssignment" }
    POST "/v1/{project_id}/persistent-storages/{storage_id}/actions/delete-user-attachment" => stor::delete_user_storage_attachment { sdk: "delete_user_storage_attachment", action: "workspace:storage:deleteUserStorageAttachment" }
    POST "/v1/{project_id}/persistent-storages/{storage_id}/actions/create-share-folder" => stor::create_share_folder { sdk: "create_share_folder", action: "workspace:storage:createShareFolder" }
    GET "/v1/{project_id}/persistent-storages/actions/list-share-folders" => stor::list_share_folder { sdk: "list_share_folder", action: "workspace:storage:listShareFolder" }
    POST "/v1/{project_id}/persistent-storages/{storage_id}/actions/assign-share-folder" => stor::update_share_folder_assignment { sdk: "update_share_folder_assignment", action: "workspace:storage:updateShareFolderAssignment" }
    POST "/v1/{project_id}/persistent-storages/{storage_id}/actions/delete-storage-claim" => stor::delete_storage_claim { sdk: "delete_storage_claim", action: "workspace:storage:deleteStorageClaim" }
    PUT "/v1/{project_id}/storages-policy/actions/create-statements" => stor::create_or_update_storage_policy_statement { sdk: "create_or_update_storage_policy_statement", action: "workspace:storage:createOrUpdateStoragePolicyStatement" }
    GET "/v1/{project_id}/storages-policy/actions/list-statements" => stor::list_storage_policy_statement { sdk: "list_storage_policy_statement", action: "workspace:storage:listStoragePolicyStatement" }
    // WorkspaceApp: storage — cloud storages, personal folders, files, transfers (15 of 29).
    GET "/v1/{project_id}/cloud-storages" => cloud::list_cloud_storage { sdk: "list_cloud_storage", action: "workspace:storage:listCloudStorage" }
    POST "/v1/{project_id}/cloud-storages" => cloud::create_cloud_storage { sdk: "create_cloud_storage", action: "workspace:storage:createCloudStorage" }
    POST "/v1/{project_id}/cloud-storages/actions/batch-delete-cloud-storages" => cloud::batch_delete_cloud_storage { sdk: "batch_delete_cloud_storage", action: "workspace:storage:batchDeleteCloudStorage" }
    GET "/v1/{project_id}/cloud-storages/actions/list-folder-files" => cloud::list_folders_and_files { sdk: "list_folders_and_files", action: "workspace:storage:listFoldersAndFiles" }
    GET "/v1/{project_id}/cloud-storages/actions/list-folders" => cloud::list_cloud_storage_assignment { sdk: "list_cloud_storage_assignment", action: "workspace:storage:listCloudStorageAssignment" }
    GET "/v1/{project_id}/cloud-storages/actions/list-project-configs" => cloud::list_project_configs { sdk: "list_project_configs", action: "workspace:storage:listProjectConfigs" }
    POST "/v1/{project_id}/cloud-storages/actions/pre-transfer-file" => cloud::transfer_file_pre { sdk: "transfer_file_pre", action: "workspace:storage:transferFilePre" }
    GET "/v1/{project_id}/cloud-storages/actions/project-config/{cloud_storage_id}" => cloud::show_project_config { sdk: "show_project_config", action: "workspace:storage:showProjectConfig" }
    POST "/v1/{project_id}/cloud-storages/actions/reset-userprofile" => cloud::reset_user_profile { sdk: "reset_user_profile", action: "workspace:storage:resetUserProfile" }
    POST "/v1/{project_id}/cloud-storages/actions/transfer-file" => cloud::transfer_file { sdk: "transfer_file", action: "workspace:storage:transferFile" }
    DELETE "/v1/{project_id}/cloud-storages/{storage_id}" => cloud::delete_cloud_storage { sdk: "delete_cloud_storage", action: "workspace:storage:deleteCloudStorage" }
    POST "/v1/{project_id}/cloud-storages/{storage_id}/actions/change-cluster" => cloud::change_cluster { sdk: "change_cluster", action: "workspace:storage:changeCluster" }
    POST "/v1/{project_id}/cloud-storages/{storage_id}/actions/create-folder" => cloud::create_user_folder_assignment { sdk: "create_user_folder_assignment", action: "workspace:storage:createUserFolderAssignment" }
    POST "/v1/{project_id}/cloud-storages/{storage_id}/actions/delete-folder" => cloud::delete_cloud_storage_attachment { sdk: "delete_cloud_storage_attachment", action: "workspace:storage:deleteCloudStorageAttachment" }
    PATCH "/v1/{project_id}/cloud-storages/{storage_id}/actions/update-folder/{cloud_assignment_id}" => cloud::update_cloud_user_folder_assignment { sdk: "update_cloud_user_folder_assignment", action: "workspace:storage:updateCloudUserFolderAssignment" }
    // WorkspaceApp: app warehouse (10).
    POST "/v1/{project_id}/app-warehouse/apps" => wh::create_warehouse_app { sdk: "create_warehouse_app", action: "workspace:appWarehouse:create" }
    GET "/v1/{project_id}/app-warehouse/apps" => wh::list_warehouse_apps { sdk: "list_warehouse_apps", action: "workspace:appWarehouse:list" }
    PATCH "/v1/{project_id}/app-warehouse/apps/{id}" => wh::update_warehouse_app { sdk: "update_warehouse_app", action: "workspace:appWarehouse:update" }
    DELETE "/v1/{project_id}/app-warehouse/apps/{id}" => wh::delete_warehouse_app { sdk: "delete_warehouse_app", action: "workspace:appWarehouse:delete" }
    POST "/v1/{project_id}/app-warehouse/actions/batch-delete" => wh::batch_delete_warehouse_app { sdk: "batch_delete_warehouse_app", action: "workspace:appWarehouse:delete" }
    POST "/v1/{project_id}/app-warehouse/apps/icon" => wh::upload_warehouse_app_icon { sdk: "upload_warehouse_app_icon", action: "workspace:appWarehouse:update" }
    POST "/v1/{project_id}/app-warehouse/bucket" => wh::bind_app_warehouse_bucket { sdk: "bind_app_warehouse_bucket", action: "workspace:appWarehouse:bindBucket" }
    GET "/v1/{project_id}/app-warehouse/bucket" => wh::show_app_warehouse_bucket { sdk: "show_app_warehouse_bucket", action: "workspace:appWarehouse:list" }
    POST "/v1/{project_id}/app-warehouse/bucket-and-acl/create" => wh::create_bucket_or_acl { sdk: "create_bucket_or_acl", action: "workspace:appWarehouse:bindBucket" }
    POST "/v1/{project_id}/app-warehouse/action/authorize" => wh::authorize_obs { sdk: "authorize_obs", action: "workspace:appWarehouse:upload" }
    // WorkspaceApp: policy groups and templates (13).
    GET "/v1/{project_id}/policy-groups" => pg::list_policy_group { sdk: "list_policy_group", action: "workspace:policyGroup:list" }
    POST "/v1/{project_id}/policy-groups" => pg::create_policy_group { sdk: "create_policy_group", action: "workspace:policyGroup:create" }
    GET "/v1/{project_id}/policy-groups/actions/list-original-policy" => pg::show_original_policy_info { sdk: "show_original_policy_info", action: "workspace:policyGroup:list" }
    GET "/v1/{project_id}/policy-groups/show/detail" => pg::list_policy_group_detail_info { sdk: "list_policy_group_detail_info", action: "workspace:policyGroup:list" }
    DELETE "/v1/{project_id}/policy-groups/{policy_group_id}" => pg::delete_policy_group { sdk: "delete_policy_group", action: "workspace:policyGroup:delete" }
    GET "/v1/{project_id}/policy-groups/{policy_group_id}" => pg::show_policy_group { sdk: "show_policy_group", action: "workspace:policyGroup:get" }
    PATCH "/v1/{project_id}/policy-groups/{policy_group_id}" => pg::update_policy_group { sdk: "update_policy_group", action: "workspace:policyGroup:update" }
    GET "/v1/{project_id}/policy-groups/{policy_group_id}/policy" => pg::list_policy_of_policy_group { sdk: "list_policy_of_policy_group", action: "workspace:policyGroup:get" }
    GET "/v1/{project_id}/policy-groups/{policy_group_id}/target" => pg::list_targets_of_policy_group { sdk: "list_targets_of_policy_group", action: "workspace:policyGroup:get" }
    GET "/v1/{project_id}/policy-templates" => pg::list_policy_template { sdk: "list_policy_template", action: "workspace:policyTemplate:list" }
    POST "/v1/{project_id}/policy-templates" => pg::create_policy_template { sdk: "create_policy_template", action: "workspace:policyTemplate:create" }
    DELETE "/v1/{project_id}/policy-templates/{policy_template_id}" => pg::delete_policy_template { sdk: "delete_policy_template", action: "workspace:policyTemplate:delete" }
    PATCH "/v1/{project_id}/policy-templates/{policy_template_id}" => pg::update_policy_template { sdk: "update_policy_template", action: "workspace:policyTemplate:update" }
    // WorkspaceApp: hotspot session migration (5).
    GET "/v1/{project_id}/hotspot-session-config" => hotspot::list_hotspot_session_config { sdk: "list_hotspot_session_config", action: "workspace:hotspotSessionConfig:list" }
    POST "/v1/{project_id}/hotspot-session-config" => hotspot::create_hotspot_session_config { sdk: "create_hotspot_session_config", action: "workspace:hotspotSessionConfig:create" }
    PATCH "/v1/{project_id}/hotspot-session-config/{config_id}" => hotspot::update_hotspot_session_config { sdk: "update_hotspot_session_config", action: "workspace:hotspotSessionConfig:update" }
    GET "/v1/{project_id}/hotspot-session-config/{config_id}/non-migration-users" => hotspot::list_non_migration_users { sdk: "list_non_migration_users", action: "workspace:hotspotSessionConfig:get" }
    PATCH "/v1/{project_id}/hotspot-session-config/{config_id}/non-migration-users" => hotspot::update_non_migration_users { sdk: "update_non_migration_users", action: "workspace:hotspotSessionConfig:update" }
    // WorkspaceApp: schedule tasks (9).
    GET "/v1/{project_id}/schedule-task" => sched::list_schedule_tasks { sdk: "list_schedule_tasks", action: "workspace:scheduleTask:list" }
    POST "/v1/{project_id}/schedule-task" => sched::create_schedule_task { sdk: "create_schedule_task", action: "workspace:scheduleTask:create", resource: ServerGroup(BodyItemsWhere("target_infos", "target_id", "target_type", "SERVER_GROUP")) }
    POST "/v1/{project_id}/schedule-task/actions/batch-delete" => sched::batch_delete_schedule_task { sdk: "batch_delete_schedule_task", action: "workspace:scheduleTask:delete" }
    POST "/v1/{project_id}/schedule-task/future-executions" => sched::list_future_executions { sdk: "list_future_executions", action: "workspace:scheduleTask:list", level: R }
    GET "/v1/{project_id}/schedule-task/{execute_history_id}/execute-detail" => sched::list_task_execute_detail { sdk: "list_task_execute_detail", action: "workspace:scheduleTask:get" }
    DELETE "/v1/{project_id}/schedule-task/{task_id}" => sched::delete_schedule_task { sdk: "delete_schedule_task", action: "workspace:scheduleTask:delete" }
    GET "/v1/{project_id}/schedule-task/{task_id}" => sched::show_schedule_task { sdk: "show_schedule_task", action: "workspace:scheduleTask:get" }
    PATCH "/v1/{project_id}/schedule-task/{task_id}" => sched::update_schedule_task { sdk: "update_schedule_task", action: "workspace:scheduleTask:update", resource: ServerGroup(BodyItemsWhere("target_infos", "target_id", "target_type", "SERVER_GROUP")) }
    GET "/v1/{project_id}/schedule-task/{task_id}/execute-history" => sched::list_task_execute_history { sdk: "list_task_execute_history", action: "workspace:scheduleTask:get" }
    // WorkspaceApp: scaling policy (3).
    GET "/v1/{project_id}/scaling-policy" => scaling_policy::show_scaling_policy { sdk: "show_scaling_policy", action: "workspace:scalingPolicy:get", resource: ServerGroup(InQuery("server_group_id")) }
    PUT "/v1/{project_id}/scaling-policy" => scaling_policy::create_or_update_scaling_policy { sdk: "create_or_update_scaling_policy", action: "workspace:scalingPolicy:update", resource: ServerGroup(InBody("server_group_id")) }
    DELETE "/v1/{project_id}/scaling-policy" => scaling_policy::delete_scaling_policy { sdk: "delete_scaling_policy", action: "workspace:scalingPolicy:delete", resource: ServerGroup(InQuery("server_group_id")) }
    // WorkspaceApp: app groups (8).
    GET "/v1/{project_id}/app-groups" => ag::list_app_group { sdk: "list_app_group", action: "workspace:appGroup:list" }
    POST "/v1/{project_id}/app-groups" => ag::create_app_group { sdk: "create_app_group", action: "workspace:appGroup:create", resource: NewAppGroup }
    POST "/v1/{project_id}/app-groups/actions/disassociate-app-group" => ag::disassociate_app_group { sdk: "disassociate_app_group", action: "workspace:appGroup:update" }
    POST "/v1/{project_id}/app-groups/batch-delete" => ag::batch_delete_app_group { sdk: "batch_delete_app_group", action: "workspace:appGroup:delete", resource: AppGroup(BodyList("ids")) }
    POST "/v1/{project_id}/app-groups/rules/validate" => ag::check_app_group { sdk: "check_app_group", action: "workspace:appGroup:validate", level: R }
    GET "/v1/{project_id}/app-groups/{app_group_id}" => ag::show_app_group_detail { sdk: "show_app_group_detail", action: "workspace:appGroup:get", resource: AppGroup(InPath("app_group_id")) }
    PATCH "/v1/{project_id}/app-groups/{app_group_id}" => ag::update_app_group { sdk: "update_app_group", action: "workspace:appGroup:update", resource: AppGroup(InPath("app_group_id")) }
    DELETE "/v1/{project_id}/app-groups/{app_group_id}" => ag::delete_app_group { sdk: "delete_app_group", action: "workspace:appGroup:delete", resource: AppGroup(InPath("app_group_id")) }
    // WorkspaceApp: published apps (13).
    GET "/v1/{project_id}/app-groups/{app_group_id}/apps" => apps::list_published_app { sdk: "list_published_app", action: "workspace:app:list", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps" => apps::publish_app { sdk: "publish_app", action: "workspace:app:publish", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/check" => apps::check_publish_app { sdk: "check_publish_app", action: "workspace:app:check", level: R, resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/disable" => apps::batch_disable_app { sdk: "batch_disable_app", action: "workspace:app:disable", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/actions/enable" => apps::batch_enable_app { sdk: "batch_enable_app", action: "workspace:app:enable", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/batch-unpublish" => apps::unpublish_app { sdk: "unpublish_app", action: "workspace:app:unpublish", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/pre-boot-policy" => apps::update_pre_boot_policy { sdk: "update_pre_boot_policy", action: "workspace:app:update", resource: AppGroup(InPath("app_group_id")) }
    GET "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}" => apps::show_app_detail { sdk: "show_app_detail", action: "workspace:app:get", resource: AppGroup(InPath("app_group_id")) }
    PATCH "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}" => apps::update_app { sdk: "update_app", action: "workspace:app:update", resource: AppGroup(InPath("app_group_id")) }
    POST "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}/icon" => apps::upload_app_icon { sdk: "upload_app_icon", action: "workspace:app:update", resource: AppGroup(InPath("app_group_id")) }
    DELETE "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}/icon" => apps::delete_app_icon { sdk: "delete_app_icon", action: "workspace:app:update", resource: AppGroup(InPath("app_group_id")) }
    PUT "/v1/{project_id}/app-groups/{app_group_id}/apps/{app_id}/raw-icon" => apps::upload_app_icon_raw { sdk: "upload_app_icon_raw", action: "workspace:app:update", resource: AppGroup(InPath("app_group_id")) }
    GET "/v1/{project_id}/app-groups/{app_group_id}/publishable-app" => apps::show_publishable_app { sdk: "show_publishable_app", action: "workspace:app:listPublishable", resource: AppGroup(InPath("app_group_id")) }
    // WorkspaceApp: authorizations and mails (6).
    POST "/v1/{project_id}/app-groups/authorizations" => authz::add_app_group_authorization { sdk: "add_app_group_authorization", action: "workspace:appGroup:authorize", resource: AppGroup(BodyList("app_group_ids")) }
    POST "/v1/{project_id}/app-groups/actions/batch-delete-authorization" => authz::batch_delete_app_group_authorization { sdk: "batch_delete_app_group_authorization", action: "workspace:appGroup:unauthorize", resource: AppGroup(BodyList("app_group_ids")) }
    GET "/v1/{project_id}/app-groups/actions/list-authorizations" => authz::list_app_group_authorization { sdk: "list_app_group_authorization", action: "workspace:appGroup:listAuthorizations" }
    GET "/v1/{project_id}/mails" => authz::list_authorization_mail_record { sdk: "list_authorization_mail_record", action: "workspace:mail:list" }
    POST "/v1/{project_id}/mails/actions/send" => authz::send_authorization_mail { sdk: "send_authorization_mail", action: "workspace:mail:send" }
    POST "/v1/{project_id}/mails/actions/send-by-authorization" => authz::send_authorized_mail { sdk: "send_authorized_mail", action: "workspace:mail:send" }
    // WorkspaceApp: app servers (20) and jobs.
    GET "/v1/{project_id}/app-servers" => asv::list_servers { sdk: "list_servers", action: "workspace:appServer:list" }
    POST "/v1/{project_id}/bundles/subscribe/order" => asv::create_order { sdk: "create_order", action: "workspace:appServer:create", resource: ServerGroup(BodyItemsIn("resources", "create_services", "server_group_id")) }
    POST "/v1/{project_id}/app-servers/actions/create" => asv::create_app_servers { sdk: "create_app_servers", action: "workspace:appServer:create", resource: ServerGroup(InBody("server_group_id")) }
    POST "/v1/{project_id}/app-servers/actions/batch-delete" => asv::batch_delete_server { sdk: "batch_delete_server", action: "workspace:appServer:delete" }
    POST "/v1/{project_id}/app-servers/actions/batch-reinstall" => asv::batch_reinstall_server { sdk: "batch_reinstall_server", action: "workspace:appServer:reinstall" }
    POST "/v1/{project_id}/app-servers/actions/batch-change-image" => asv::batch_change_server_image { sdk: "batch_change_server_image", action: "workspace:appServer:changeImage" }
    PATCH "/v1/{project_id}/app-servers/hosts/batch-migrate" => asv::batch_migrate_hosts_server { sdk: "batch_migrate_hosts_server", action: "workspace:appServer:migrate" }
    POST "/v1/{project_id}/app-servers/{server_id}/actions/reinstall" => asv::reinstall_server { sdk: "reinstall_server", action: "workspace:appServer:reinstall" }
    POST "/v1/{project_id}/app-servers/{server_id}/actions/change-image" => asv::change_server_image { sdk: "change_server_image", action: "workspace:appServer:changeImage" }
    GET "/v1/{project_id}/app-servers/{server_id}/actions/vnc" => asv::show_server_vnc { sdk: "show_server_vnc", action: "workspace:appServer:getVnc" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-rejoin-domain" => asv::batch_rejoin_domain { sdk: "batch_rejoin_domain", action: "workspace:appServer:rejoinDomain" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-update-tsvi" => asv::batch_update_tsvi { sdk: "batch_update_tsvi", action: "workspace:appServer:updateTsvi" }
    GET "/v1/{project_id}/app-servers/metric-data/{server_id}" => crate::wks::metrics::show_server_metric_data { sdk: "show_server_metric_data", action: "workspace:appServer:getMetricData" }
    GET "/v1/{project_id}/app-servers/server-metric-data/{server_id}" => crate::wks::metrics::list_server_metric_data { sdk: "list_server_metric_data", action: "workspace:appServer:getMetricData" }
    GET "/v1/{project_id}/app-server-sub-jobs" => asv::list_sub_jobs { sdk: "list_sub_jobs", action: "workspace:job:list" }
    GET "/v1/{project_id}/app-server-sub-jobs/actions/count" => asv::count_sub_jobs { sdk: "count_sub_jobs", action: "workspace:job:list" }
    POST "/v1/{project_id}/app-server-sub-jobs/actions/batch-delete" => asv::batch_delete_app_sub_jobs { sdk: "batch_delete_app_sub_jobs", action: "workspace:job:delete" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-start" => asv::batch_start_server { sdk: "batch_start_server", action: "workspace:appServer:start" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-stop" => asv::batch_stop_server { sdk: "batch_stop_server", action: "workspace:appServer:stop" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-reboot" => asv::batch_reboot_server { sdk: "batch_reboot_server", action: "workspace:appServer:reboot" }
    PATCH "/v1/{project_id}/app-servers/actions/batch-maint" => asv::batch_change_server_maintain_mode { sdk: "batch_change_server_maintain_mode", action: "workspace:appServer:update" }
    GET "/v1/{project_id}/app-servers/{server_id}" => asv::show_server { sdk: "show_server", action: "workspace:appServer:get" }
    PATCH "/v1/{project_id}/app-servers/{server_id}" => asv::update_server { sdk: "update_server", action: "workspace:appServer:update" }
    DELETE "/v1/{project_id}/app-servers/{server_id}" => asv::delete_server { sdk: "delete_server", action: "workspace:appServer:delete" }
    GET "/v1/{project_id}/job/{job_id}" => asv::show_job { sdk: "show_job", action: "workspace:job:get" }
    GET "/v2/{project_id}/job/{job_id}" => asv::show_job_detail { sdk: "show_job_detail", action: "workspace:job:get" }
    // WorkspaceApp: sessions and connections (10).
    GET "/v1/{project_id}/session-type" => sess::list_session_type { sdk: "list_session_type", action: "workspace:session:listTypes" }
    POST "/v1/{project_id}/session-type" => sess::show_session_types { sdk: "show_session_types", action: "workspace:session:listTypes", level: R }
    POST "/v1/{project_id}/session/app-connection" => sess::list_app_connection { sdk: "list_app_connection", action: "workspace:session:listConnections", level: R }
    POST "/v1/{project_id}/session/app-connection/export" => sess::export_app_connection { sdk: "export_app_connection", action: "workspace:session:export" }
    GET "/v1/{project_id}/session/list-sessions" => sess::list_sessions { sdk: "list_sessions", action: "workspace:session:list" }
    POST "/v1/{project_id}/session/list-sessions/export" => sess::export_sessions { sdk: "export_sessions", action: "workspace:session:export" }
    POST "/v1/{project_id}/session/logoff" => sess::logoff_user_session { sdk: "logoff_user_session", action: "workspace:session:logoff" }
    POST "/v1/{project_id}/session/user-connection" => sess::list_user_connection { sdk: "list_user_connection", action: "workspace:session:listConnections", level: R }
    POST "/v1/{project_id}/session/user-connection/export" => sess::export_user_connection { sdk: "export_user_connection", action: "workspace:session:export" }
    GET "/v1/{project_id}/session/user-session-info" => sess::list_session_by_user_name { sdk: "list_session_by_user_name", action: "workspace:session:list" }
    // openwks extensions: launches, scaling, exports (docs/extensions.md).
    POST "/openwks/v1/{project_id}/app-launches" => launch::launch { action: "workspace:session:launch" }
    DELETE "/openwks/v1/{project_id}/app-launches/{session_id}" => launch::end { action: "workspace:session:logoff" }
    POST "/openwks/v1/{project_id}/app-launches/{session_id}/disconnect" => launch::disconnect { action: "workspace:session:disconnect" }
    GET "/openwks/v1/{project_id}/app-launches/{session_id}/mounts" => ext_files::mounts { action: "workspace:storage:listMounts" }
    PUT "/openwks/v1/{project_id}/app-launches/{session_id}/files/{storage_claim_id}" => ext_files::put_file { action: "workspace:storage:putObject" }
    GET "/openwks/v1/{project_id}/app-launches/{session_id}/files/{storage_claim_id}" => ext_files::get_file { action: "workspace:storage:getObject" }
    DELETE "/openwks/v1/{project_id}/app-launches/{session_id}/files/{storage_claim_id}" => ext_files::delete_file { action: "workspace:storage:deleteObject" }
    GET "/openwks/v1/{project_id}/scaling-activities" => ext_scaling::list_activities { action: "workspace:scalingPolicy:listActivities", resource: ServerGroup(InQuery("server_group_id")) }
    POST "/openwks/v1/{project_id}/app-servers/{server_id}/drain" => ext_drain::drain { action: "workspace:appServer:drain" }
    DELETE "/openwks/v1/{project_id}/app-servers/{server_id}/drain" => ext_drain::undrain { action: "workspace:appServer:undrain" }
    GET "/openwks/v1/{project_id}/scaling-preview" => ext_scaling::preview { action: "workspace:scalingPolicy:preview", resource: ServerGroup(InQuery("server_group_id")) }
    GET "/openwks/v1/{project_id}/export-tasks/{task_id}" => sess::show_export { action: "workspace:session:getExport" }
    // openwks extensions: the user directory (docs/extensions.md).
    GET "/openwks/v1/{project_id}/user-groups" => ug::list_user_groups { action: "workspace:userGroup:list" }
    POST "/openwks/v1/{project_id}/user-groups" => ug::create_user_group { action: "workspace:userGroup:create" }
    GET "/openwks/v1/{project_id}/user-groups/{user_group_id}" => ug::show_user_group { action: "workspace:userGroup:get" }
    DELETE "/openwks/v1/{project_id}/user-groups/{user_group_id}" => ug::delete_user_group { action: "workspace:userGroup:delete" }
    POST "/openwks/v1/{project_id}/user-groups/{user_group_id}/members" => ug::add_members { action: "workspace:userGroup:update" }
    DELETE "/openwks/v1/{project_id}/user-groups/{user_group_id}/members" => ug::remove_members { action: "workspace:userGroup:update" }
    GET "/openwks/v1/{project_id}/app-groups/{app_group_id}/access-check" => ug::access_check { action: "workspace:appGroup:checkAccess", resource: AppGroup(InPath("app_group_id")) }
    // WorkspaceApp: products, AZs, volume types, quota, tenant.
    GET "/v1/{project_id}/product" => catalogue::list_product { sdk: "list_product", action: "workspace:product:list" }
    GET "/v1/{project_id}/availability-zone" => catalogue::list_availability_zone { sdk: "list_availability_zone", action: "workspace:availabilityZone:list" }
    GET "/v1/{project_id}/availability-zone/summary" => catalogue::list_az { sdk: "list_az", action: "workspace:availabilityZone:list" }
    GET "/v1/{project_id}/volume-type" => catalogue::list_volume_type { sdk: "list_volume_type", action: "workspace:volumeType:list" }
    GET "/v1/{project_id}/check/quota" => catalogue::check_quota { sdk: "check_quota", action: "workspace:quota:get" }
    POST "/v1/{project_id}/tenant/action/active" => crate::wks::tenant::initialize_tenant { sdk: "initialize_tenant", action: "workspace:tenant:activate" }
    POST "/v1/{project_id}/bundles/batch-query-config-info" => crate::wks::tenant::list_corp_config_info { sdk: "list_corp_config_info", action: "workspace:tenant:getConfig", level: R }
    GET "/v1/{project_id}/tenant/profile" => catalogue::list_tenant_profile { sdk: "list_tenant_profile", action: "workspace:tenant:getProfile" }
    // ECS: server groups, servers and jobs (Nova-style errors).
    GET "/v1/{project_id}/cloudservers/os-server-groups" => esg::list_server_groups { action: "ecs:cloudServers:listServerGroups", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/os-server-groups" => esg::create_server_group { action: "ecs:cloudServers:createServerGroup", alias: Some("ecs:cloudServers:create"), dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}" => esg::show_server_group { action: "ecs:cloudServers:getServerGroup", dialect: Ecs }
    DELETE "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}" => esg::delete_server_group { action: "ecs:cloudServers:deleteServerGroup", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/action" => esg::server_group_action { action: "ecs:cloudServers:updateServerGroupMembers", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/add_members" => esg::add_members { action: "ecs:cloudServers:updateServerGroupMembers", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/os-server-groups/{server_group_id}/remove_members" => esg::remove_members { action: "ecs:cloudServers:updateServerGroupMembers", dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/limits" => esg::show_server_limits { action: "ecs:cloudServers:getLimits", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers" => es::create_post_paid_servers { action: "ecs:cloudServers:create", dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/detail" => es::list_servers_details { action: "ecs:cloudServers:list", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/action" => es::server_action { action: "ecs:cloudServers:operate", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/delete" => es::delete_servers { action: "ecs:cloudServers:delete", dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/flavors" => es::list_flavors { action: "ecs:cloudServers:listFlavors", dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/{server_id}" => es::show_server { action: "ecs:cloudServers:get", dialect: Ecs }
    PUT "/v1/{project_id}/cloudservers/{server_id}" => es::update_server { action: "ecs:cloudServers:put", dialect: Ecs }
    POST "/v1.1/{project_id}/cloudservers" => es::create_post_paid_servers { action: "ecs:cloudServers:create", dialect: Ecs }
    GET "/v1.1/{project_id}/cloudservers/detail" => es::list_servers_details { action: "ecs:cloudServers:list", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/{server_id}/metadata" => es::server_metadata { action: "ecs:cloudServers:updateMetadata", dialect: Ecs }
    DELETE "/v1/{project_id}/cloudservers/{server_id}/metadata/{key}" => es::server_metadata { action: "ecs:cloudServers:updateMetadata", dialect: Ecs }
    POST "/v1.1/{project_id}/cloudservers/{server_id}/resize" => es::resize_server { action: "ecs:cloudServers:resize", dialect: Ecs }
    PUT "/v1/{project_id}/cloudservers/{server_id}/os-reset-password" => es::reset_password { action: "ecs:cloudServers:resetPassword", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/{server_id}/tags/action" => es::server_tags { action: "ecs:cloudServers:tag", dialect: Ecs }
    POST "/v2.1/{project_id}/servers/{server_id}/action" => es::nova_server_action { action: "ecs:cloudServers:operate", dialect: Ecs }
    GET "/v1/{project_id}/cloudservers/{server_id}/block_device/{volume_id}" => es::block_device { action: "ecs:cloudServers:get", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/{server_id}/changevpc" => es::change_vpc { action: "ecs:cloudServers:changeVpc", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/{server_id}/migrate" => es::migrate_server { action: "ecs:cloudServers:migrate", dialect: Ecs }
    POST "/v1/{project_id}/cloudservers/actions/change-charge-mode" => es::change_charge_mode { action: "ecs:cloudServers:changeChargeMode", dialect: Ecs }
    GET "/v1/{project_id}/jobs/{job_id}" => es::show_job { action: "ecs:cloudServers:getJob", dialect: Ecs }
    // VPC v1.
    GET "/v1/{project_id}/vpcs" => vpc::list_vpcs { action: "vpc:vpcs:list" }
    POST "/v1/{project_id}/vpcs" => vpc::create_vpc { action: "vpc:vpcs:create" }
    GET "/v1/{project_id}/vpcs/{vpc_id}" => vpc::show_vpc { action: "vpc:vpcs:get" }
    DELETE "/v1/{project_id}/vpcs/{vpc_id}" => vpc::delete_vpc { action: "vpc:vpcs:delete" }
    PUT "/v1/{project_id}/vpcs/{vpc_id}" => vpc::update_vpc { action: "vpc:vpcs:update" }
    PUT "/v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}" => vpc::update_subnet { action: "vpc:subnets:update" }
    DELETE "/v1/{project_id}/vpcs/{vpc_id}/subnets/{subnet_id}" => vpc::delete_subnet { action: "vpc:subnets:delete" }
    GET "/v1/{project_id}/subnets" => vpc::list_subnets { action: "vpc:subnets:list" }
    POST "/v1/{project_id}/subnets" => vpc::create_subnet { action: "vpc:subnets:create" }
    GET "/v1/{project_id}/subnets/{subnet_id}" => vpc::show_subnet { action: "vpc:subnets:get" }
    DELETE "/v1/{project_id}/subnets/{subnet_id}" => vpc::delete_subnet_short { action: "vpc:subnets:delete" }
    // IMS.
    GET "/v2/cloudimages" => ims::list_images { action: "ims:images:list" }
    GET "/v2/images/{image_id}" => ims::show_image { action: "ims:images:get" }
    DELETE "/v2/images/{image_id}" => ims::delete_image { action: "ims:images:delete" }
    // IAM.
    GET "/v3/projects" => iam::list_projects { action: "iam:projects:list" }
    // openwks extensions: the hypervisor fleet.
    GET "/openwks/v1/hosts" => hosts::list_hosts { action: "openwks:hosts:list" }
    POST "/openwks/v1/_admin/jobs/run-due" => admin::run_due_jobs { action: "openwks:jobs:run" }
    GET "/openwks/v1/_admin/clock" => admin::show_clock { action: "openwks:clock:get" }
    POST "/openwks/v1/_admin/clock" => admin::advance_clock { action: "openwks:clock:advance" }
    POST "/openwks/v1/_admin/cluster/beat" => admin::cluster_beat { action: "openwks:cluster:beat" }
    POST "/openwks/v1/_admin/scaling/round" => admin::scaling_round { action: "openwks:scaling:round" }
    POST "/openwks/v1/_admin/reset" => admin::reset { action: "openwks:store:reset" }
    GET "/openwks/v1/_admin/snapshot" => admin::save_snapshot { action: "openwks:store:snapshot" }
    POST "/openwks/v1/_admin/snapshot" => admin::load_snapshot { action: "openwks:store:load" }
    GET "/openwks/v1/_admin/requests" => admin::recorded_requests { action: "openwks:requests:list" }
    GET "/openwks/v1/_admin/faults" => admin::list_faults { action: "openwks:faults:list" }
    POST "/openwks/v1/_admin/faults" => admin::add_fault { action: "openwks:faults:add" }
    DELETE "/openwks/v1/_admin/faults" => admin::clear_faults { action: "openwks:faults:clear" }
    POST "/openwks/v1/_admin/hosts/{host_id}/fail" => hosts::fail_host { action: "openwks:hosts:fail" }
    POST "/openwks/v1/_admin/hosts/{host_id}/recover" => hosts::recover_host { action: "openwks:hosts:recover" }
    // openwks extensions: IAM administration and the audit trail (docs/authorization.md).
    GET "/openwks/v1/iam/users" => ia::list_users { action: "iam:users:list" }
    POST "/openwks/v1/iam/users" => ia::create_user { action: "iam:users:create" }
    GET "/openwks/v1/iam/users/{user_id}" => ia::show_user { action: "iam:users:get" }
    PATCH "/openwks/v1/iam/users/{user_id}" => ia::update_user { action: "iam:users:update", resource: IamUser(InPath("user_id")) }
    DELETE "/openwks/v1/iam/users/{user_id}" => ia::delete_user { action: "iam:users:delete", resource: IamUser(InPath("user_id")) }
    GET "/openwks/v1/iam/users/{user_id}/access-keys" => ia::list_keys { action: "iam:credentials:list" }
    POST "/openwks/v1/iam/users/{user_id}/access-keys" => ia::create_key { action: "iam:credentials:create", resource: IamUser(InPath("user_id")) }
    PATCH "/openwks/v1/iam/users/{user_id}/access-keys/{access_key}" => ia::update_key { action: "iam:credentials:update", resource: IamUser(InPath("user_id")) }
    DELETE "/openwks/v1/iam/users/{user_id}/access-keys/{access_key}" => ia::delete_key { action: "iam:credentials:delete", resource: IamUser(InPath("user_id")) }
    GET "/openwks/v1/iam/users/{user_id}/policies" => ia::user_policies { action: "iam:policies:listAttached" }
    PUT "/openwks/v1/iam/users/{user_id}/policies/{policy_id}" => ia::attach_user { action: "iam:policies:attach" }
    DELETE "/openwks/v1/iam/users/{user_id}/policies/{policy_id}" => ia::detach_user { action: "iam:policies:detach" }
    GET "/openwks/v1/iam/groups" => ia::list_groups { action: "iam:groups:list" }
    POST "/openwks/v1/iam/groups" => ia::create_group { action: "iam:groups:create" }
    GET "/openwks/v1/iam/groups/{group_id}" => ia::show_group { action: "iam:groups:get" }
    DELETE "/openwks/v1/iam/groups/{group_id}" => ia::delete_group { action: "iam:groups:delete" }
    PUT "/openwks/v1/iam/groups/{group_id}/users/{user_id}" => ia::add_member { action: "iam:groups:addUser" }
    DELETE "/openwks/v1/iam/groups/{group_id}/users/{user_id}" => ia::remove_member { action: "iam:groups:removeUser" }
    GET "/openwks/v1/iam/groups/{group_id}/policies" => ia::group_policies { action: "iam:policies:listAttached" }
    PUT "/openwks/v1/iam/groups/{group_id}/policies/{policy_id}" => ia::attach_group { action: "iam:policies:attach" }
    DELETE "/openwks/v1/iam/groups/{group_id}/policies/{policy_id}" => ia::detach_group { action: "iam:policies:detach" }
    GET "/openwks/v1/iam/policies" => ia::list_policies { action: "iam:policies:list" }
    POST "/openwks/v1/iam/policies" => ia::create_policy { action: "iam:policies:create" }
    GET "/openwks/v1/iam/policies/{policy_id}" => ia::show_policy { action: "iam:policies:get" }
    DELETE "/openwks/v1/iam/policies/{policy_id}" => ia::delete_policy { action: "iam:policies:delete" }
    GET "/openwks/v1/audit-events" => ia::list_audit_events { action: "cts:traces:list" }
    // IAM.
    POST "/v3.0/OS-CREDENTIAL/securitytokens" => iam::create_security_token { action: "iam:securitytokens:create", open: true }
    // IAM v5 (the vendor's identity-policy API), the subset of docs/authorization.md.
    GET "/v5/users" => crate::iam_v5::list_users { action: "iam:users:listUsersV5" }
    POST "/v5/users" => crate::iam_v5::create_user { action: "iam:users:createUserV5" }
    GET "/v5/users/{user_id}" => crate::iam_v5::show_user { action: "iam:users:getUserV5" }
    PUT "/v5/users/{user_id}" => crate::iam_v5::update_user { action: "iam:users:updateUserV5", resource: IamUser(InPath("user_id")) }
    DELETE "/v5/users/{user_id}" => crate::iam_v5::delete_user { action: "iam:users:deleteUserV5", resource: IamUser(InPath("user_id")) }
    GET "/v5/users/{user_id}/access-keys" => crate::iam_v5::list_access_keys { action: "iam:credentials:listCredentialsV5" }
    POST "/v5/users/{user_id}/access-keys" => crate::iam_v5::create_access_key { action: "iam:credentials:createCredentialV5", resource: IamUser(InPath("user_id")) }
    PUT "/v5/users/{user_id}/access-keys/{access_key_id}" => crate::iam_v5::update_access_key { action: "iam:credentials:updateCredentialV5", resource: IamUser(InPath("user_id")) }
    DELETE "/v5/users/{user_id}/access-keys/{access_key_id}" => crate::iam_v5::delete_access_key { action: "iam:credentials:deleteCredentialV5", resource: IamUser(InPath("user_id")) }
    GET "/v5/policies" => crate::iam_v5::list_policies { action: "iam:policies:listV5" }
    POST "/v5/policies" => crate::iam_v5::create_policy { action: "iam:policies:createV5" }
    GET "/v5/policies/{policy_id}" => crate::iam_v5::show_policy { action: "iam:policies:getV5" }
    DELETE "/v5/policies/{policy_id}" => crate::iam_v5::delete_policy { action: "iam:policies:deleteV5" }
    POST "/v5/policies/{policy_id}/attach-user" => crate::iam_v5::attach_user { action: "iam:policies:attachToUserV5" }
    POST "/v5/policies/{policy_id}/detach-user" => crate::iam_v5::detach_user { action: "iam:policies:detachFromUserV5" }
    POST "/v5/policies/{policy_id}/attach-group" => crate::iam_v5::attach_group { action: "iam:policies:attachToGroupV5" }
    POST "/v5/policies/{policy_id}/detach-group" => crate::iam_v5::detach_group { action: "iam:policies:detachFromGroupV5" }
    POST "/v5/groups" => crate::iam_v5::create_group { action: "iam:groups:createGroupV5" }
    POST "/v5/groups/{group_id}/add-user" => crate::iam_v5::add_user { action: "iam:groups:addUserToGroupV5" }
    POST "/v5/groups/{group_id}/remove-user" => crate::iam_v5::remove_user { action: "iam:groups:removeUserFromGroupV5" }
    // Public: no authentication.
    GET "/openwks/v1/icons/{icon_id}" => apps::serve_icon { public: true }
    POST "/v3/auth/tokens" => iam::create_token { public: true }
    GET "/health" => ops::health { public: true }
    GET "/metrics" => ops::metrics { public: true }
}

/// The SDK operations the table serves.
pub fn implemented_sdk_operations() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|r| r.sdk).filter(|s| !s.is_empty())
}

/// The SDK operations openwks does not implement: `(sdk method, method, path)`; each answers a
/// vendor-shaped 501 (never a 404), reachable by the administrator only.
pub fn unimplemented_sdk_operations() -> impl Iterator<Item = (&'static str, HttpMethod, String)> {
    crate::wks::operations::OPERATIONS
        .iter()
        .filter(|(name, _, _)| !ROUTES.iter().any(|r| r.sdk == *name))
        .filter_map(|(name, method, path)| {
            Some((*name, HttpMethod::parse(method)?, normalise(path)))
        })
}

/// The action table of `docs/authorization.md`, one row per authenticated route.
pub fn action_table_markdown() -> String {
    use std::fmt::Write;
    let src = |s: Src| match s {
        Src::InPath(_) => "path".to_string(),
        Src::InQuery(k) => format!("`{k}` of the query"),
        Src::InBody(k) => format!("`{k}` of the body"),
        Src::BodyList(k) => format!("every id of `{k}` in the body"),
        Src::BodyItems(list, k) => format!("`{k}` of every item of `{list}` in the body"),
        Src::BodyItemsWhere(list, k, tk, tv) => {
            format!("`{k}` of every item of `{list}` whose `{tk}` is `{tv}`")
        }
        Src::BodyItemsIn(list, obj, k) => format!("`{obj}.{k}` of every item of `{list}`"),
    };
    let mut out = String::from(
        "| method | path | action | level | resource | dependencies | alias |\n|---|---|---|---|---|---|---|\n",
    );
    for r in ROUTES.iter().filter(|r| !r.public) {
        let resource = match r.resource {
            Res::Unscoped => "—".to_string(),
            Res::NewServerGroup => "`serverGroup` (new: `…:serverGroup:*`)".into(),
            Res::NewAppGroup => "`appGroup` (new: `…:appGroup:*`)".into(),
            Res::ServerGroup(s) => format!("`serverGroup` ({})", src(s)),
            Res::AppGroup(s) => format!("`appGroup` ({})", src(s)),
            Res::IamUser(s) => format!(
                "user ({}; the administrator's only by the administrator)",
                src(s)
            ),
        };
        let list = |xs: &[&str]| {
            if xs.is_empty() {
                "—".to_string()
            } else {
                xs.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {resource} | {} | {} |",
            r.method.as_str(),
            r.path,
            r.action,
            if r.writes() { "write" } else { "read" },
            list(r.deps),
            list(r.alias.as_slice()),
        );
    }
    out
}

/// The vendor's parameter names, except where two of its paths name the same position
/// differently (the router needs one name per position): `schedule-task/{execute_history_id}/
/// execute-detail` shares its position with `schedule-task/{task_id}`.
fn normalise(path: &str) -> String {
    path.replace("{execute_history_id}", "{task_id}")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::wks::operations::OPERATIONS;

    #[test]
    fn unanswered_paths_speak_the_dialect_of_their_collection() {
        for p in [
            "/v1/p1/cloudservers/abc",
            "/v1/p1/cloudservers/os-server-groups/x/nothing",
            "/v1/p1/jobs/j1/extra",
        ] {
            assert_eq!(dialect_of_path(p), Dialect::Ecs, "{p}");
        }
        for p in [
            "/v1/p1/app-server-groups/x/y/z",
            "/v1/p1/nothing-here",
            "/",
            "/v1",
            "/openwks/v1/audit-events/x",
        ] {
            assert_eq!(dialect_of_path(p), Dialect::Wks, "{p}");
        }
    }

    #[test]
    fn every_route_is_written_once_and_names_an_action() {
        let mut seen = HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "{r:?} twice");
            if r.public {
                assert!(r.action.is_empty(), "{r:?}");
            } else {
                assert_eq!(r.action.split(':').count(), 3, "{r:?}: {}", r.action);
            }
        }
        assert_eq!(OPERATIONS.len(), 174);
        for r in ROUTES.iter().filter(|r| !r.sdk.is_empty()) {
            let op = OPERATIONS.iter().find(|(n, _, _)| *n == r.sdk);
            let Some((_, m, p)) = op else {
                panic!("{r:?} names {}, not an SDK operation", r.sdk)
            };
            assert_eq!((*m, *p), (r.method.as_str(), r.path), "{}", r.sdk);
        }
        assert_eq!(
            normalise("/v1/{project_id}/schedule-task/{execute_history_id}/execute-detail"),
            "/v1/{project_id}/schedule-task/{task_id}/execute-detail"
        );
    }

    /// Every resource a route takes from its path is a parameter of that path.
    #[test]
    fn path_sources_name_parameters_of_their_path() {
        for r in ROUTES {
            if let Res::ServerGroup(Src::InPath(k))
            | Res::AppGroup(Src::InPath(k))
            | Res::IamUser(Src::InPath(k)) = r.resource
            {
                assert!(r.path.contains(&format!("{{{k}}}")), "{r:?}: {k}");
            }
        }
    }

    /// docs/compatibility.md lists every SDK operation with the status the table gives it.
    #[test]
    fn compatibility_md_matches_the_table() {
        let doc = include_str!("../../../docs/compatibility.md");
        let done: HashSet<&str> = implemented_sdk_operations().collect();
        for (name, _, _) in OPERATIONS {
            let want = if done.contains(name) {
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

    /// The action table of docs/authorization.md is generated from this table
    /// (`OPENWKS_BLESS=1 cargo test -p openwks-server --lib routes` writes it).
    #[test]
    fn the_documented_action_table_is_the_route_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/authorization.md");
        let doc = std::fs::read_to_string(path).expect("docs/authorization.md");
        let head = "| method | path | action | level | resource | dependencies | alias |";
        let start = doc.find(head).expect("the action table's header");
        let end = doc[start..]
            .find("\n\n")
            .map_or(doc.len(), |e| start + e + 1);
        let want = action_table_markdown();
        if doc[start..end] != want {
            if std::env::var_os("OPENWKS_BLESS").is_some() {
                let new = format!("{}{want}{}", &doc[..start], &doc[end..]);
                std::fs::write(path, new).expect("write docs/authorization.md");
            } else {
                panic!("docs/authorization.md's action table is not the route table; run OPENWKS_BLESS=1 cargo test -p openwks-server --lib routes");
            }
        }
    }
}
