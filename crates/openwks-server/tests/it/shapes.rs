//! Every SDK operation openwks serves answers in a known shape: the operations the
//! conformance test does not call (writes, POST reads, the reads the vendor's definitions
//! leave out) are called here once each, on the conformance world, in an order that leaves
//! each one something to act on, and their answers (status and body, redacted by
//! [`crate::conformance::shape`]) are insta snapshots. A test checks that every SDK operation
//! of the route table has a snapshot, here or in the conformance test.

use serde_json::{json, Value};

use crate::conformance::{shape, world};
use crate::harness::Resp;

/// Every SDK operation this test calls, in order.
const OPERATIONS: &[&str] = &[
    "validate_server_group",
    "check_app_group",
    "check_publish_app",
    "show_server_group_restrict",
    "show_server_group_state",
    "show_app_group_detail",
    "show_app_detail",
    "show_server_metric_data",
    "show_session_types",
    "list_user_connection",
    "list_app_connection",
    "export_sessions",
    "export_user_connection",
    "export_app_connection",
    "update_server_group",
    "create_server_group_tags",
    "show_server_group_tag",
    "batch_create_server_group_tags",
    "delete_server_group_tags",
    "batch_delete_server_group_tags",
    "create_or_update_scaling_policy",
    "show_scaling_policy",
    "delete_scaling_policy",
    "update_app_group",
    "update_app",
    "batch_disable_app",
    "batch_enable_app",
    "update_pre_boot_policy",
    "upload_app_icon_raw",
    "upload_app_icon",
    "delete_app_icon",
    "update_server",
    "create_order",
    "batch_change_server_maintain_mode",
    "batch_stop_server",
    "batch_start_server",
    "batch_reboot_server",
    "batch_rejoin_domain",
    "batch_update_tsvi",
    "batch_migrate_hosts_server",
    "reinstall_server",
    "batch_reinstall_server",
    "change_server_image",
    "batch_change_server_image",
    "create_schedule_task",
    "update_schedule_task",
    "show_schedule_task",
    "list_schedule_tasks",
    "list_future_executions",
    "list_task_execute_history",
    "list_task_execute_detail",
    "delete_schedule_task",
    "batch_delete_schedule_task",
    "list_hotspot_session_config",
    "update_hotspot_session_config",
    "update_non_migration_users",
    "list_non_migration_users",
    "list_access_agent_latest_version",
    "show_access_agent_latest_version",
    "show_hda_upgrade_flag",
    "list_server_hda_details",
    "batch_upgrade_hda_version",
    "list_server_hda_upgrade_records",
    "show_original_policy_info",
    "create_policy_group",
    "update_policy_group",
    "show_policy_group",
    "list_policy_group",
    "list_policy_group_detail_info",
    "list_policy_of_policy_group",
    "list_targets_of_policy_group",
    "delete_policy_group",
    "create_policy_template",
    "list_policy_template",
    "update_policy_template",
    "delete_policy_template",
    "initialize_tenant",
    "list_corp_config_info",
    "show_image_server",
    "update_image_server",
    "attach_image_server_app",
    "show_app_warehouse_bucket",
    "bind_app_warehouse_bucket",
    "authorize_obs",
    "upload_warehouse_app_icon",
    "update_warehouse_app",
    "batch_delete_image_server",
    "batch_delete_image_sub_jobs",
    "delete_warehouse_app",
    "batch_delete_warehouse_app",
    "update_user_folder_assignment",
    "update_share_folder_assignment",
    "delete_storage_claim",
    "delete_user_storage_attachment",
    "delete_persistent_storage",
    "batch_delete_persistent_storage",
    "show_project_config",
    "update_cloud_user_folder_assignment",
    "transfer_file",
    "transfer_file_pre",
    "reset_user_profile",
    "create_cloud_storage",
    "change_cluster",
    "delete_cloud_storage_attachment",
    "delete_cloud_storage",
    "batch_delete_cloud_storage",
    "send_authorization_mail",
    "send_authorized_mail",
    "logoff_user_session",
    "batch_delete_app_group_authorization",
    "unpublish_app",
    "disassociate_app_group",
    "batch_delete_app_sub_jobs",
    "delete_server",
    "batch_delete_server",
    "delete_app_group",
    "batch_delete_app_group",
    "delete_server_groups",
];

#[tokio::test]
async fn every_sdk_operation_answers_in_a_known_shape() {
    let w = world().await;
    let app = &w.app;
    let v = |k: &str| w.values[k].clone();
    let (sg, ag, server, app_id) = (
        v("server_group_id"),
        v("app_group_id"),
        v("server_id"),
        v("app_id"),
    );
    let mut seen: Vec<(&str, Value)> = Vec::new();
    let mut note = |op: &'static str, r: Resp| {
        assert!(r.status < 300, "{op}: {} {}", r.status, r.text);
        seen.push((op, shape(&json!({"status": r.status, "body": r.body}))));
        r
    };
    let n = |r: Resp| r.body;
    note(
        "validate_server_group",
        app.post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "conf-sg"}),
        )
        .await,
    );
    note(
        "check_app_group",
        app.post(
            "/v1/{p}/app-groups/rules/validate",
            json!({"name": "a-free-name"}),
        )
        .await,
    );
    note(
        "check_publish_app",
        app.post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps/actions/check"),
            json!({"name": "Notepad"}),
        )
        .await,
    );
    note(
        "show_server_group_restrict",
        app.get("/v1/{p}/app-server-groups/resources/restrict")
            .await,
    );
    note(
        "show_server_group_state",
        app.get(&format!("/v1/{{p}}/app-server-groups/{sg}/state"))
            .await,
    );
    note(
        "show_app_group_detail",
        app.get(&format!("/v1/{{p}}/app-groups/{ag}")).await,
    );
    note(
        "show_app_detail",
        app.get(&format!("/v1/{{p}}/app-groups/{ag}/apps/{app_id}"))
            .await,
    );
    // A window that surely holds the server's first minute (formatted to the second, an end
    // of "now" can fall before it): one point, whatever the machine's speed.
    let end = chrono::Utc::now() + chrono::Duration::minutes(10);
    let start = end - chrono::Duration::hours(1);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let metrics = app
        .get(&format!(
            "/v1/{{p}}/app-servers/metric-data/{server}?start_time={}&end_time={}&metric_name=cpu_util",
            fmt(start),
            fmt(end)
        ))
        .await;
    // The series' length depends on the minute the test runs in: one point is its shape.
    let mut metrics = metrics;
    if let Some(points) = metrics.body["cpu_info"].as_array_mut() {
        points.truncate(1);
    }
    note("show_server_metric_data", metrics);
    note(
        "show_session_types",
        app.post("/v1/{p}/session-type", json!({})).await,
    );
    note(
        "list_user_connection",
        app.post("/v1/{p}/session/user-connection", json!({})).await,
    );
    note(
        "list_app_connection",
        app.post("/v1/{p}/session/app-connection", json!({})).await,
    );
    note(
        "export_sessions",
        app.post("/v1/{p}/session/list-sessions/export", json!({}))
            .await,
    );
    note(
        "export_user_connection",
        app.post("/v1/{p}/session/user-connection/export", json!({}))
            .await,
    );
    note(
        "export_app_connection",
        app.post("/v1/{p}/session/app-connection/export", json!({}))
            .await,
    );
    // Server groups: update, tags, scaling policy.
    note(
        "update_server_group",
        app.patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"description": "shapes"}),
        )
        .await,
    );
    note(
        "create_server_group_tags",
        app.post(
            &format!("/v1/{{p}}/server-group/{sg}/tags/create"),
            json!({"tags": [{"key": "tier", "value": "gold"}]}),
        )
        .await,
    );
    note(
        "show_server_group_tag",
        app.get(&format!("/v1/{{p}}/server-group/{sg}/tags")).await,
    );
    note(
        "batch_create_server_group_tags",
        app.post(
            "/v1/{p}/server-group/tags/batch-create",
            json!({"items": [{"server_group_id": sg, "tags": [{"key": "env", "value": "ci"}]}]}),
        )
        .await,
    );
    note(
        "delete_server_group_tags",
        app.call(
            "DELETE",
            &format!("/v1/{{p}}/server-group/{sg}/tags/delete"),
            Some(json!({"tags": [{"key": "tier"}]})),
        )
        .await,
    );
    note(
        "batch_delete_server_group_tags",
        app.call(
            "DELETE",
            "/v1/{p}/server-group/tags/batch-delete",
            Some(json!({"items": [{"server_group_id": sg, "tags": [{"key": "env"}]}]})),
        )
        .await,
    );
    note("create_or_update_scaling_policy", app.put("/v1/{p}/scaling-policy", json!({"server_group_id": sg, "enable": true, "max_scaling_amount": 10, "single_expansion_count": 2, "scaling_policy_by_session": {"session_usage_threshold": 80, "shrink_after_session_idle_minutes": 30}})).await);
    note(
        "show_scaling_policy",
        app.get(&format!("/v1/{{p}}/scaling-policy?server_group_id={sg}"))
            .await,
    );
    note(
        "delete_scaling_policy",
        app.delete(&format!("/v1/{{p}}/scaling-policy?server_group_id={sg}"))
            .await,
    );
    // App groups and apps.
    note(
        "update_app_group",
        app.patch(
            &format!("/v1/{{p}}/app-groups/{ag}"),
            json!({"description": "shapes"}),
        )
        .await,
    );
    let apps = format!("/v1/{{p}}/app-groups/{ag}/apps");
    note(
        "update_app",
        app.patch(
            &format!("{apps}/{app_id}"),
            json!({"description": "shapes"}),
        )
        .await,
    );
    note(
        "batch_disable_app",
        app.post(&format!("{apps}/actions/disable"), json!({"ids": [app_id]}))
            .await,
    );
    note(
        "batch_enable_app",
        app.post(&format!("{apps}/actions/enable"), json!({"ids": [app_id]}))
            .await,
    );
    note(
        "update_pre_boot_policy",
        app.post(
            &format!("{apps}/pre-boot-policy"),
            json!({"ids": [app_id], "is_pre_boot": true, "pre_launch_policy": 1}),
        )
        .await,
    );
    note(
        "upload_app_icon_raw",
        app.put(
            &format!("{apps}/{app_id}/raw-icon"),
            json!({"icon_content": crate::apps::PNG_1X1}),
        )
        .await,
    );
    note(
        "upload_app_icon",
        crate::apps::upload_icon(app, &format!("{apps}/{app_id}/icon")).await,
    );
    note(
        "delete_app_icon",
        app.delete(&format!("{apps}/{app_id}/icon")).await,
    );
    // App servers: every action on the server that carries no session once it is stopped.
    note(
        "update_server",
        app.patch(
            &format!("/v1/{{p}}/app-servers/{server}"),
            json!({"description": "shapes"}),
        )
        .await,
    );
    // An order of one server, into a group of its own (the world's group is deleted at the end).
    let ordered = app.create_group(app.group_body("shapes-order")).await;
    let mut services = app.app_servers_body(&ordered, 1);
    if let Some(o) = services.as_object_mut() {
        o.remove("type");
        o.remove("subscription_num");
    }
    note(
        "create_order",
        app.post(
            "/v1/{p}/bundles/subscribe/order",
            json!({"type": "createApps", "resources": [{"create_services": services, "subscription_num": 1}]}),
        )
        .await,
    );
    app.run_jobs().await;
    // Server actions on the PATCH routes, each job finished before the next.
    for (op, action, body) in [
        (
            "batch_change_server_maintain_mode",
            "batch-maint",
            json!({"items": [server], "maintain_status": false}),
        ),
        (
            "batch_stop_server",
            "batch-stop",
            json!({"items": [server], "type": "SOFT"}),
        ),
        (
            "batch_start_server",
            "batch-start",
            json!({"items": [server]}),
        ),
        (
            "batch_reboot_server",
            "batch-reboot",
            json!({"items": [server], "type": "SOFT"}),
        ),
        (
            "batch_rejoin_domain",
            "batch-rejoin-domain",
            json!({"items": [server]}),
        ),
        (
            "batch_update_tsvi",
            "batch-update-tsvi",
            json!({"items": [{"id": server, "enable": false}]}),
        ),
    ] {
        let path = format!("/v1/{{p}}/app-servers/actions/{action}");
        note(op, app.call("PATCH", &path, Some(body)).await);
        app.run_jobs().await;
    }
    let host = another_host(app, &server).await;
    note(
        "batch_migrate_hosts_server",
        app.call(
            "PATCH",
            "/v1/{p}/app-servers/hosts/batch-migrate",
            Some(json!({"server_ids": [server], "host_id": host})),
        )
        .await,
    );
    app.run_jobs().await;
    note(
        "reinstall_server",
        app.post(
            &format!("/v1/{{p}}/app-servers/{server}/actions/reinstall"),
            json!({}),
        )
        .await,
    );
    app.run_jobs().await;
    note(
        "batch_reinstall_server",
        app.post(
            "/v1/{p}/app-servers/actions/batch-reinstall",
            json!({"server_ids": [server]}),
        )
        .await,
    );
    app.run_jobs().await;
    let image = json!({"image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public", "os_type": "Windows"});
    note(
        "change_server_image",
        app.post(
            &format!("/v1/{{p}}/app-servers/{server}/actions/change-image"),
            image.clone(),
        )
        .await,
    );
    app.run_jobs().await;
    let mut batch_image = image.clone();
    batch_image["server_ids"] = json!([server]);
    note(
        "batch_change_server_image",
        app.post(
            "/v1/{p}/app-servers/actions/batch-change-image",
            batch_image,
        )
        .await,
    );
    app.run_jobs().await;
    // Schedule tasks: a start of a running server at a fixed time (so the next run is the same
    // in every run of this test), made due by hand and run by one controller round.
    let task = json!({"task_name": "shapes-start", "task_type": "START_SERVER",
        "scheduled_type": "FIXED_TIME", "scheduled_date": "2030-01-02", "scheduled_time": "03:04:05",
        "time_zone": "Europe/Paris", "description": "shapes",
        "target_infos": [{"target_type": "SERVER", "target_id": server}]});
    let created = note(
        "create_schedule_task",
        app.post("/v1/{p}/schedule-task", task.clone()).await,
    );
    let tid = created.body["id"].as_str().expect("task").to_string();
    let tpath = format!("/v1/{{p}}/schedule-task/{tid}");
    note(
        "update_schedule_task",
        app.patch(
            &tpath,
            json!({"schedule_task_policy": {"enforcement_enable": true}}),
        )
        .await,
    );
    note("show_schedule_task", app.get(&tpath).await);
    note(
        "list_schedule_tasks",
        app.get("/v1/{p}/schedule-task").await,
    );
    note(
        "list_future_executions",
        app.post(
            "/v1/{p}/schedule-task/future-executions",
            json!({"scheduled_type": "FIXED_TIME", "scheduled_date": "2030-01-02", "scheduled_time": "03:04:05", "time_zone": "Europe/Paris"}),
        )
        .await,
    );
    app.make_due(&tid).await;
    openwks_server::scaler::tick(&app.state)
        .await
        .expect("tick");
    let runs = note(
        "list_task_execute_history",
        app.get(&format!("{tpath}/execute-history")).await,
    );
    let run = runs.body["items"][0]["id"]
        .as_str()
        .expect("a run")
        .to_string();
    note(
        "list_task_execute_detail",
        app.get(&format!("/v1/{{p}}/schedule-task/{run}/execute-detail"))
            .await,
    );
    note("delete_schedule_task", app.delete(&tpath).await);
    let mut second = task.clone();
    second["task_name"] = json!("shapes-second");
    let second = n(app.post("/v1/{p}/schedule-task", second).await)["id"]
        .as_str()
        .expect("second task")
        .to_string();
    note(
        "batch_delete_schedule_task",
        app.post(
            "/v1/{p}/schedule-task/actions/batch-delete",
            json!({"items": [second]}),
        )
        .await,
    );
    // Hotspot session migration.
    let hs = format!("/v1/{{p}}/hotspot-session-config/{}", v("config_id"));
    note(
        "list_hotspot_session_config",
        app.get("/v1/{p}/hotspot-session-config").await,
    );
    note(
        "update_hotspot_session_config",
        app.patch(&hs, json!({"hotspot_exit_session_num": 3})).await,
    );
    note(
        "update_non_migration_users",
        app.patch(
            &format!("{hs}/non-migration-users"),
            json!({"update_type": "ADD", "non_migrate_users": [{"user_id": "u-2", "user_name": "bob"}]}),
        )
        .await,
    );
    note(
        "list_non_migration_users",
        app.get(&format!("{hs}/non-migration-users")).await,
    );
    // Access agents: the world's server upgrades.
    let agents = "/v1/{p}/app-servers/access-agent";
    note(
        "list_access_agent_latest_version",
        app.get(&format!("{agents}/actions/show-latest-version"))
            .await,
    );
    note(
        "show_access_agent_latest_version",
        app.get(&format!("{agents}/latest-version")).await,
    );
    note(
        "show_hda_upgrade_flag",
        app.get(&format!("{agents}/upgrade-flag")).await,
    );
    note(
        "list_server_hda_details",
        app.get(&format!("{agents}/list?limit=1")).await,
    );
    note(
        "batch_upgrade_hda_version",
        app.patch(
            &format!("{agents}/actions/upgrade"),
            json!({"items": [server]}),
        )
        .await,
    );
    app.run_jobs().await;
    note(
        "list_server_hda_upgrade_records",
        app.get(&format!("{agents}/upgrade-record")).await,
    );
    // Policy groups and templates (the initial policy's shape is the vendor's whole model).
    note(
        "show_original_policy_info",
        app.get("/v1/{p}/policy-groups/actions/list-original-policy")
            .await,
    );
    let pg = note(
        "create_policy_group",
        app.post(
            "/v1/{p}/policy-groups",
            json!({"policy_group": {"policy_group_name": "shapes_pg", "priority": 1, "description": "d",
                "targets": [{"target_type": "ALL", "target_id": "default-apply-all-targets", "target_name": "All-Targets"}],
                "policies": {"session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}}}}}),
        )
        .await,
    );
    let pg = format!(
        "/v1/{{p}}/policy-groups/{}",
        pg.body["id"].as_str().expect("policy group")
    );
    note(
        "update_policy_group",
        app.patch(
            &pg,
            json!({"policy_group": {"policy_group_name": "shapes_pg2"}}),
        )
        .await,
    );
    note("show_policy_group", app.get(&pg).await);
    note("list_policy_group", app.get("/v1/{p}/policy-groups").await);
    note(
        "list_policy_group_detail_info",
        app.get("/v1/{p}/policy-groups/show/detail").await,
    );
    note(
        "list_policy_of_policy_group",
        app.get(&format!("{pg}/policy?policy_type=session")).await,
    );
    note(
        "list_targets_of_policy_group",
        app.get(&format!("{pg}/target")).await,
    );
    note("delete_policy_group", app.delete(&pg).await);
    let pt = note(
        "create_policy_template",
        app.post(
            "/v1/{p}/policy-templates",
            json!({"policy_group": {"policy_group_name": "shapes template", "description": "t",
                "policies": {"audio": {"audio_redirection_enable": false}}}}),
        )
        .await,
    );
    let pt = format!(
        "/v1/{{p}}/policy-templates/{}",
        pt.body["id"].as_str().expect("template")
    );
    note(
        "list_policy_template",
        app.get("/v1/{p}/policy-templates").await,
    );
    note(
        "update_policy_template",
        app.patch(
            &pt,
            json!({"policy_group": {"policy_group_name": "shapes template 2", "policies": {}}}),
        )
        .await,
    );
    note("delete_policy_template", app.delete(&pt).await);
    note(
        "initialize_tenant",
        app.post(
            "/v1/{p}/tenant/action/active",
            json!({"service_status": "active"}),
        )
        .await,
    );
    note(
        "list_corp_config_info",
        app.post(
            "/v1/{p}/bundles/batch-query-config-info",
            json!({"items": ["region", "max_session"]}),
        )
        .await,
    );
    // Image servers and the app warehouse (the world's image server and package).
    let is = format!("/v1/{{p}}/image-servers/{}", w.images["server_id"]);
    note("show_image_server", app.get(&is).await);
    note(
        "update_image_server",
        app.patch(&is, json!({"name": "shapes-builder", "description": "x"}))
            .await,
    );
    let packages = n(app.get("/v1/{p}/app-warehouse/apps").await);
    let package = packages["items"][0]["id"]
        .as_str()
        .expect("a package")
        .to_string();
    note(
        "attach_image_server_app",
        app.post(
            &format!("{is}/actions/attach-app"),
            json!({"items": [package]}),
        )
        .await,
    );
    note(
        "show_app_warehouse_bucket",
        app.get("/v1/{p}/app-warehouse/bucket").await,
    );
    note(
        "bind_app_warehouse_bucket",
        app.post(
            "/v1/{p}/app-warehouse/bucket",
            json!({"bucket_name": "shapes-bucket"}),
        )
        .await,
    );
    note(
        "authorize_obs",
        app.post(
            "/v1/{p}/app-warehouse/action/authorize",
            json!({"app_file_name": "setup.exe"}),
        )
        .await,
    );
    note(
        "upload_warehouse_app_icon",
        crate::apps::upload_icon(app, "/v1/{p}/app-warehouse/apps/icon").await,
    );
    note(
        "update_warehouse_app",
        app.patch(
            &format!("/v1/{{p}}/app-warehouse/apps/{package}"),
            json!({"app_description": "shapes"}),
        )
        .await,
    );
    let deleting = note(
        "batch_delete_image_server",
        app.patch(
            "/v1/{p}/image-servers/actions/batch-delete",
            json!({"items": [w.images["server_id"]], "recursive": true}),
        )
        .await,
    );
    app.run_jobs().await;
    let sub = format!("{}-1", deleting.body["job_id"].as_str().expect("job"));
    note(
        "batch_delete_image_sub_jobs",
        app.patch(
            "/v1/{p}/image-server-sub-jobs/actions/batch-delete",
            json!({"items": [sub]}),
        )
        .await,
    );
    note(
        "delete_warehouse_app",
        app.delete(&format!("/v1/{{p}}/app-warehouse/apps/{package}"))
            .await,
    );
    note(
        "batch_delete_warehouse_app",
        app.post(
            "/v1/{p}/app-warehouse/actions/batch-delete",
            json!({"ids": [package]}),
        )
        .await,
    );
    // Storage (the world's storage, its personal and shared folder).
    let sid = w.values["storage_id"].clone();
    let claim = w.values["storage_claim_id"].clone();
    let ps = format!("/v1/{{p}}/persistent-storages/{sid}");
    note(
        "update_user_folder_assignment",
        app.post(
            &format!("{ps}/actions/assign-folder"),
            json!({"items": [{"attach": "shapes-user", "policy_statement_id": "DEFAULT_2"}]}),
        )
        .await,
    );
    note(
        "update_share_folder_assignment",
        app.post(
            &format!("{ps}/actions/assign-share-folder"),
            json!({"storage_claim_id": claim, "del_items": [{"attach": w.values["user_name"], "attach_type": "USER"}]}),
        )
        .await,
    );
    note(
        "delete_storage_claim",
        app.post(
            &format!("{ps}/actions/delete-storage-claim"),
            json!({"items": [claim]}),
        )
        .await,
    );
    note(
        "delete_user_storage_attachment",
        app.post(
            &format!("{ps}/actions/delete-user-attachment"),
            json!({"items": ["shapes-user", w.values["user_name"]]}),
        )
        .await,
    );
    note("delete_persistent_storage", app.delete(&ps).await);
    note(
        "batch_delete_persistent_storage",
        app.post(
            "/v1/{p}/persistent-storages/actions/batch-delete",
            json!({"items": [sid]}),
        )
        .await,
    );
    // Cloud storages (the world's, with the user's folder and a file).
    let cs = w.cloud["storage_id"].clone();
    note(
        "show_project_config",
        app.get(&format!(
            "/v1/{{p}}/cloud-storages/actions/project-config/{cs}"
        ))
        .await,
    );
    let folders = n(app
        .get(&format!(
            "/v1/{{p}}/cloud-storages/actions/list-folders?storage_id={cs}&claim_mode=USER"
        ))
        .await);
    let folder = folders["items"][0]["cloud_storage_assignment_id"]
        .as_str()
        .expect("a folder")
        .to_string();
    note(
        "update_cloud_user_folder_assignment",
        app.patch(
            &format!("/v1/{{p}}/cloud-storages/{cs}/actions/update-folder/{folder}"),
            json!({"update_user_assignment_info": {"action_get": false}}),
        )
        .await,
    );
    let user = w.cloud["user_name"].clone();
    let shared = note(
        "transfer_file",
        app.post(
            "/v1/{p}/cloud-storages/actions/transfer-file",
            json!({"transfer_type": 0, "user_name": user, "file_url": "My Files/report.txt"}),
        )
        .await,
    );
    note(
        "transfer_file_pre",
        app.post(
            "/v1/{p}/cloud-storages/actions/pre-transfer-file",
            json!({"user_name": user, "file_code": shared.body["file_code"],
                   "file_acc_code": shared.body["file_acc_code"],
                   "file_system_name": shared.body["file_system_name"]}),
        )
        .await,
    );
    note(
        "reset_user_profile",
        app.post(
            "/v1/{p}/cloud-storages/actions/reset-userprofile",
            json!({"cloud_storage_assignment_id": folder}),
        )
        .await,
    );
    note(
        "create_cloud_storage",
        app.post(
            "/v1/{p}/cloud-storages",
            json!({"project_config_cluster_group_id_list": [{"project_config_id": "standby_project_config", "cluster_group_id": "standby_cluster_group"}]}),
        )
        .await,
    );
    let standby = n(app.get("/v1/{p}/cloud-storages?name=standby").await)["items"][0]["id"]
        .as_str()
        .expect("standby")
        .to_string();
    note(
        "change_cluster",
        app.post(
            &format!("/v1/{{p}}/cloud-storages/{cs}/actions/change-cluster"),
            json!({"cloud_storage_assignment_ids": [folder], "target_cluster_group_id": "standby_cluster_group",
                   "target_project_config_id": "standby_project_config"}),
        )
        .await,
    );
    note(
        "delete_cloud_storage_attachment",
        app.post(
            &format!("/v1/{{p}}/cloud-storages/{standby}/actions/delete-folder"),
            json!({"items": ["conf-user-id"]}),
        )
        .await,
    );
    note(
        "delete_cloud_storage",
        app.delete(&format!("/v1/{{p}}/cloud-storages/{cs}")).await,
    );
    note(
        "batch_delete_cloud_storage",
        app.post(
            "/v1/{p}/cloud-storages/actions/batch-delete-cloud-storages",
            json!({"items": [standby]}),
        )
        .await,
    );
    // Authorizations, mails, sessions.
    let records = n(app.get("/v1/{p}/mails").await);
    let rid = records["records"][0]["id"]
        .as_str()
        .expect("a mail record")
        .to_string();
    note(
        "send_authorization_mail",
        app.post(
            "/v1/{p}/mails/actions/send",
            json!({"records": [{"id": rid}]}),
        )
        .await,
    );
    let auths = n(app
        .get(&format!(
            "/v1/{{p}}/app-groups/actions/list-authorizations?app_group_id={ag}"
        ))
        .await);
    let aid = auths["authorizations"][0]["id"]
        .as_str()
        .expect("an authorization")
        .to_string();
    note(
        "send_authorized_mail",
        app.post(
            "/v1/{p}/mails/actions/send-by-authorization",
            json!({"records": [aid]}),
        )
        .await,
    );
    let sessions = n(app.get("/v1/{p}/session/list-sessions?query_begin_time=2000-01-01T00:00:00Z&query_end_time=2100-01-01T00:00:00Z").await);
    let sid = sessions["items"][0]["id"]
        .as_str()
        .expect("a session")
        .to_string();
    note(
        "logoff_user_session",
        app.post(
            "/v1/{p}/session/logoff",
            json!({"session_ids": [sid], "delay_time": 0, "message_type": 0}),
        )
        .await,
    );
    note("batch_delete_app_group_authorization", app.post("/v1/{p}/app-groups/actions/batch-delete-authorization", json!({"app_group_ids": [ag], "accounts": [{"account": "conf-user", "account_type": "USER"}]})).await);
    note(
        "unpublish_app",
        app.post(&format!("{apps}/batch-unpublish"), json!({"ids": [app_id]}))
            .await,
    );
    note(
        "disassociate_app_group",
        app.post(
            &format!("/v1/{{p}}/app-groups/actions/disassociate-app-group?server_group_id={sg}"),
            json!({}),
        )
        .await,
    );
    // Deletes.
    let subs = n(app
        .get("/v1/{p}/app-server-sub-jobs?job_type=CREATE_SERVER")
        .await);
    let sub = subs["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a sub-job: {subs}"))
        .to_string();
    note(
        "batch_delete_app_sub_jobs",
        app.post(
            "/v1/{p}/app-server-sub-jobs/actions/batch-delete",
            json!({"items": [sub]}),
        )
        .await,
    );
    let servers = n(app
        .get(&format!("/v1/{{p}}/app-servers?server_group_id={sg}"))
        .await);
    let ids: Vec<String> = servers["items"]
        .as_array()
        .expect("servers")
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    note(
        "delete_server",
        app.delete(&format!("/v1/{{p}}/app-servers/{}", ids[0]))
            .await,
    );
    note(
        "batch_delete_server",
        app.post(
            "/v1/{p}/app-servers/actions/batch-delete",
            json!({"items": [ids[1]]}),
        )
        .await,
    );
    app.run_jobs().await;
    let second = n(app
        .post("/v1/{p}/app-groups", json!({"name": "shapes-ag2"}))
        .await)["id"]
        .as_str()
        .expect("ag2")
        .to_string();
    note(
        "delete_app_group",
        app.delete(&format!("/v1/{{p}}/app-groups/{ag}")).await,
    );
    note(
        "batch_delete_app_group",
        app.post("/v1/{p}/app-groups/batch-delete", json!({"ids": [second]}))
            .await,
    );
    note(
        "delete_server_groups",
        app.delete(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await,
    );
    let called: Vec<&str> = seen.iter().map(|(op, _)| *op).collect();
    assert_eq!(
        called, OPERATIONS,
        "the order of OPERATIONS is the order of the calls"
    );
    for (op, v) in &seen {
        insta::assert_json_snapshot!(*op, v);
    }
}

/// A host in `server`'s zone, other than its own, that holds no other server of its group.
async fn another_host(app: &crate::harness::TestApp, server: &str) -> String {
    let s = app
        .get(&format!("/v1/{{p}}/app-servers/{server}"))
        .await
        .body;
    let group = app
        .get(&format!(
            "/v1/{{p}}/app-servers?server_group_id={}",
            s["server_group_id"].as_str().unwrap_or("")
        ))
        .await
        .body;
    let taken: Vec<&str> = group["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["host_id"].as_str())
        .collect();
    let hosts = app.get("/openwks/v1/hosts").await.body;
    hosts["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| {
            h["availability_zone"] == s["availability_zone"]
                && h["id"].as_str().is_some_and(|id| !taken.contains(&id))
        })
        .and_then(|h| h["id"].as_str())
        .expect("a free host in the zone")
        .to_string()
}

/// Every SDK operation of the route table has a snapshot: here, or in the conformance test
/// (named after the vendor's operation).
#[test]
fn every_sdk_operation_has_a_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    let snake = |s: &str| {
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    let mut have: std::collections::HashSet<String> =
        OPERATIONS.iter().map(|s| s.to_string()).collect();
    for e in std::fs::read_dir(&dir).expect("snapshots").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(op) = name
            .strip_prefix("it__conformance__")
            .and_then(|n| n.strip_suffix(".snap"))
        {
            if let Some((_, vendor)) = op.split_once('.') {
                have.insert(snake(vendor));
            }
        }
    }
    let missing: Vec<&str> = openwks_server::routes::implemented_sdk_operations()
        .filter(|op| !have.contains(*op))
        .collect();
    assert!(
        missing.is_empty(),
        "SDK operations without a snapshot: {missing:?}"
    );
}
