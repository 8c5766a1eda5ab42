//! App servers: created into the server group's own anti-affinity ECS group, listed, shown,
//! updated, deleted; WKS job views; the server group's live counts and delete refusal.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use crate::harness::{assert_error, TestApp};

#[tokio::test]
async fn app_servers_spread_over_hosts_and_count_in_their_group() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-servers")).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 3),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    let j = app.wait_job(&job).await;
    assert_eq!(
        (
            j["status"].as_str(),
            j["job_type"].as_str(),
            j["sub_jobs_total"].as_i64()
        ),
        (Some("SUCCESS"), Some("CREATE_SERVER"), Some(3))
    );
    let ids: Vec<String> = j["sub_jobs"]
        .as_array()
        .expect("subs")
        .iter()
        .map(|s| {
            s["job_resource_info"]["resource_id"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let mut hosts = HashSet::new();
    for id in &ids {
        let s = app.get(&format!("/v1/{{p}}/app-servers/{id}")).await;
        assert_eq!(s.status, 200, "{}", s.text);
        assert_eq!(
            (s.body["status"].as_str(), s.body["vm_status"].as_str()),
            (Some("REGISTERED"), Some("ACTIVE"))
        );
        assert_eq!(s.body["server_group_name"], "sg-servers");
        assert_eq!(
            s.body["product_info"]["product_id"],
            "workspace.appstream.general.xlarge.2"
        );
        hosts.insert(s.body["host_id"].as_str().expect("host").to_string());
    }
    assert_eq!(
        hosts.len(),
        3,
        "the server group's anti-affinity group spreads its servers"
    );
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
    assert_eq!(g.body["app_server_count"], 3);
    let st = app
        .get(&format!("/v1/{{p}}/app-server-groups/{sg}/state"))
        .await;
    assert_eq!(st.body["aps_status"]["REGISTERED"], 3);
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-servers?server_group_id={sg}"))
            .await
            .body["count"],
        3
    );
    // Maintenance mode and rename.
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-servers/{}", ids[0]),
            json!({"maintain_status": true, "description": "patching"}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        app.get("/v1/{p}/app-servers?maintain_status=true")
            .await
            .body["count"],
        1
    );
    // Maintenance is `maintain_status`; the server stays REGISTERED (issue 15, item 6).
    let state = app
        .get(&format!("/v1/{{p}}/app-server-groups/{sg}/state"))
        .await;
    assert_eq!(state.body["aps_status"]["MAINTAINING"], 0, "{}", state.text);
    let maint = app.get("/v1/{p}/app-servers?maintain_status=true").await;
    assert_eq!(
        maint.body["items"][0]["status"], "REGISTERED",
        "{}",
        maint.text
    );
    assert_eq!(maint.body["items"][0]["maintain_status"], true);
    // The group cannot go while it has servers.
    assert_error(
        &app.delete(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await,
        409,
        "WKS.00211122",
    );
    let d = app
        .post(
            "/v1/{p}/app-servers/actions/batch-delete",
            json!({"items": ids}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(
        app.wait_job(d.body["job_id"].as_str().expect("job")).await["status"],
        "SUCCESS"
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .body["app_server_count"],
        0
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/app-servers/{}", ids[0])).await,
        404,
        "WKS.00211902",
    );
    // Deleting a server that is gone still answers a job.
    let again = app
        .delete(&format!("/v1/{{p}}/app-servers/{}", ids[0]))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn create_rules() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-rules")).await;
    let mut no_type = app.app_servers_body(&sg, 1);
    no_type.as_object_mut().map(|o| o.remove("type"));
    let mut bad_type = app.app_servers_body(&sg, 1);
    bad_type["type"] = json!("createDesktops");
    let mut too_many = app.app_servers_body(&sg, 1);
    too_many["subscription_num"] = json!(101);
    let mut bad_product = app.app_servers_body(&sg, 1);
    bad_product["product_id"] = json!("nope");
    let mut gpu_in_a = app.app_servers_body(&sg, 1);
    gpu_in_a["product_id"] = json!("workspace.appstream.gpu.2xlarge.8.a40");
    gpu_in_a["availability_zone"] = json!("cn-north-4a");
    for (body, status, code) in [
        (no_type, 400, "WKS.00211104"),
        (bad_type, 400, "WKS.00211106"),
        (too_many, 400, "WKS.00211107"),
        (bad_product, 400, "WKS.00211110"),
        (gpu_in_a, 400, "WKS.00211110"),
        (
            app.app_servers_body("no-such-group", 1),
            404,
            "WKS.00211902",
        ),
    ] {
        assert_error(
            &app.post("/v1/{p}/app-servers/actions/create", body).await,
            status,
            code,
        );
    }
    assert_eq!(app.get("/v1/{p}/app-servers").await.body["count"], 0);
    assert_error(&app.get("/v2/{p}/job/nope").await, 404, "WKS.00211902");
}

/// A group view read (and cached) while a delete is running is not served stale once the
/// delete has finished: the finishing write evicts it.
#[tokio::test]
async fn the_group_view_follows_a_delete_that_finishes_later() {
    // Servers take five minutes to boot or tear down, on a clock the test moves.
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("dir"));
    let clock = std::sync::Arc::new(openwks_core::clock::VirtualClock::at(
        chrono::Utc::now().timestamp_millis(),
    ));
    let settings = openwks_server::Settings {
        boot_delay: Duration::from_secs(300),
        clock: clock.clone(),
        ..TestApp::settings()
    };
    let app = TestApp::with(dir, settings).await;
    let sg = app.create_group(app.group_body("sg-del")).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 1),
        )
        .await;
    clock.advance(300_000);
    let j = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    let id = j["sub_jobs"][0]["job_resource_info"]["resource_id"]
        .as_str()
        .expect("id")
        .to_string();
    let d = app.delete(&format!("/v1/{{p}}/app-servers/{id}")).await;
    assert_eq!(
        app.get(&format!(
            "/v2/{{p}}/job/{}",
            d.body["job_id"].as_str().expect("job")
        ))
        .await
        .body["status"],
        "RUNNING"
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .body["app_server_count"],
        1
    );
    // A second short of the delay the job still runs; at the delay it is done.
    clock.advance(299_000);
    assert_eq!(openwks_server::jobs::run_due(&app.state).await, 0);
    clock.advance(1_000);
    assert_eq!(
        app.wait_job(d.body["job_id"].as_str().expect("job")).await["status"],
        "SUCCESS"
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .body["app_server_count"],
        0
    );
}

#[tokio::test]
async fn batch_stop_start_reboot_and_maintenance() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-power")).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 2),
        )
        .await;
    let j = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    let ids: Vec<String> = j["sub_jobs"]
        .as_array()
        .expect("subs")
        .iter()
        .map(|s| {
            s["job_resource_info"]["resource_id"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let state = |k: &'static str| {
        let (app, sg) = (&app, sg.clone());
        async move {
            app.get(&format!("/v1/{{p}}/app-server-groups/{sg}/state"))
                .await
                .body["aps_status"][k]
                .as_i64()
        }
    };
    let stop = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-stop",
            Some(json!({"items": ids, "type": "SOFT"})),
        )
        .await;
    assert_eq!(stop.status, 200, "{}", stop.text);
    app.run_jobs().await;
    assert_eq!(state("STOPPED").await, Some(2));
    let again = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-stop",
            Some(json!({"items": ids})),
        )
        .await;
    assert_error(&again, 400, "WKS.00211102");
    assert_eq!(
        app.call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-start",
            Some(json!({"items": ids}))
        )
        .await
        .status,
        200
    );
    app.run_jobs().await;
    assert_eq!(state("REGISTERED").await, Some(2));
    assert_eq!(
        app.call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-reboot",
            Some(json!({"items": [ids[0]], "type": "HARD"}))
        )
        .await
        .status,
        200
    );
    let m = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-maint",
            Some(json!({"items": ids, "maintain_status": true})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(
        app.get("/v1/{p}/app-servers?maintain_status=true")
            .await
            .body["count"],
        2
    );
    assert_error(
        &app.call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-maint",
            Some(json!({"items": ids})),
        )
        .await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-stop",
            Some(json!({"items": ["nope"]})),
        )
        .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-reboot",
            Some(json!({"items": ids, "type": "GENTLE"})),
        )
        .await,
        400,
        "WKS.00211106",
    );
}

/// A text field of an app server as `show_server` answers it (it must be there).
async fn field_of(app: &TestApp, id: &str, field: &str) -> String {
    let r = app.get(&format!("/v1/{{p}}/app-servers/{id}")).await;
    r.body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} of {id}: {}", r.text))
        .to_string()
}

const WIN2022: &str = "6f4d1f2a-2022-4b6e-9c0d-000000000002";

/// The seed's update rule made visible: a group's image change reaches existing servers only
/// when they are reinstalled; new servers get it at once.
#[tokio::test]
async fn an_image_change_applies_to_new_servers_and_to_reinstalled_ones() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-image")).await;
    let old = app.app_servers(&sg, 1).await;
    assert_eq!(
        app.patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"image_id": WIN2022})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        field_of(&app, &old[0], "image_id").await,
        "6f4d1f2a-2019-4b6e-9c0d-000000000001",
        "existing servers keep theirs"
    );
    let new = app.app_servers(&sg, 1).await;
    assert_eq!(
        field_of(&app, &new[0], "image_id").await,
        WIN2022,
        "new servers use the new image"
    );
    let r = app
        .post(
            &format!("/v1/{{p}}/app-servers/{}/actions/reinstall", old[0]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.wait_job(r.body["job_id"].as_str().expect("job")).await["job_type"],
        "REINSTALL_OS"
    );
    assert_eq!(
        field_of(&app, &old[0], "image_id").await,
        WIN2022,
        "a reinstall takes the group's current image"
    );
    let c = app
        .post(&format!("/v1/{{p}}/app-servers/{}/actions/change-image", new[0]), json!({"image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public", "os_type": "Windows"}))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(
        app.wait_job(c.body["job_id"].as_str().expect("job")).await["job_type"],
        "CHANGE_SERVER_IMAGE"
    );
    assert_eq!(
        field_of(&app, &new[0], "image_id").await,
        "6f4d1f2a-2019-4b6e-9c0d-000000000001"
    );
    let bad = app
        .post(&format!("/v1/{{p}}/app-servers/{}/actions/change-image", new[0]), json!({"image_id": "c1b2e3d4-2204-4c5d-8e9f-000000000005", "image_type": "public", "os_type": "Windows"}))
        .await;
    assert_error(&bad, 400, "WKS.00211109");
    let b = app
        .post(
            "/v1/{p}/app-servers/actions/batch-reinstall",
            json!({"server_ids": [old[0], "nope"]}),
        )
        .await;
    assert_eq!(b.status, 200, "{}", b.text);
    assert!(b.body["items"][0]["job_id"].is_string());
    assert_eq!(b.body["items"][1]["error_code"], "WKS.00211902");
}

#[tokio::test]
async fn migrate_keeps_anti_affinity_or_refuses_and_vnc_and_sub_jobs() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-migrate")).await;
    let ids = app.app_servers(&sg, 2).await;
    let (h0, h1) = (
        field_of(&app, &ids[0], "host_id").await,
        field_of(&app, &ids[1], "host_id").await,
    );
    let az = app
        .get(&format!("/v1/{{p}}/app-servers/{}", ids[0]))
        .await
        .body["availability_zone"]
        .as_str()
        .expect("az")
        .to_string();
    // Onto the other member's host: refused, nothing moves.
    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/hosts/batch-migrate",
            Some(json!({"server_ids": [ids[0]], "host_id": h1})),
        )
        .await;
    assert_error(&r, 400, "WKS.00211102");
    assert!(r.msg().contains("anti-affinity"), "{}", r.text);
    assert_eq!(field_of(&app, &ids[0], "host_id").await, h0);
    // Onto a free host of the same AZ: moves.
    let hosts = app
        .get(&format!("/openwks/v1/hosts?availability_zone={az}"))
        .await;
    let free = hosts.body["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| h["id"].as_str().unwrap_or("").to_string())
        .find(|h| *h != h0 && *h != h1)
        .expect("a free host");
    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/hosts/batch-migrate",
            Some(json!({"server_ids": [ids[0]], "host_id": free})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.wait_job(r.body["job_id"].as_str().expect("job")).await["job_type"],
        "MIGRATE_SERVER"
    );
    assert_eq!(field_of(&app, &ids[0], "host_id").await, free);
    let after = app
        .get(&format!("/openwks/v1/hosts?availability_zone={az}"))
        .await;
    let used = |h: &str| {
        after.body["hosts"]
            .as_array()
            .expect("hosts")
            .iter()
            .find(|x| x["id"] == h)
            .map(|x| x["vcpus_used"].as_u64().unwrap_or(0))
    };
    assert_eq!(
        (used(&h0), used(&free)),
        (Some(0), Some(4)),
        "the claim moved with the server"
    );
    assert_error(
        &app.call(
            "PATCH",
            "/v1/{p}/app-servers/hosts/batch-migrate",
            Some(json!({"server_ids": [ids[0]], "host_id": "nope"})),
        )
        .await,
        400,
        "WKS.00211102",
    );
    let v = app
        .get(&format!("/v1/{{p}}/app-servers/{}/actions/vnc", ids[0]))
        .await;
    assert_eq!(v.body["protocol"], "vnc");
    assert!(v.body["url"].as_str().is_some_and(|u| u.contains(&ids[0])));
    let subs = app
        .get("/v1/{p}/app-server-sub-jobs?job_type=CREATE_SERVER")
        .await;
    assert_eq!(subs.body["count"], 2, "{}", subs.text);
    assert_eq!(
        app.get("/v1/{p}/app-server-sub-jobs/actions/count?job_type=MIGRATE_SERVER")
            .await
            .body["count"],
        1
    );
    // The vendor's ListSubJobs requires job_type; its CountSubJobs does not.
    assert_error(
        &app.get("/v1/{p}/app-server-sub-jobs").await,
        400,
        "WKS.00211104",
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-sub-jobs/actions/count")
            .await
            .body["count"],
        3
    );
    let first = subs.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        app.post(
            "/v1/{p}/app-server-sub-jobs/actions/batch-delete",
            json!({"items": [first]})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-sub-jobs/actions/count?job_type=CREATE_SERVER")
            .await
            .body["count"],
        1
    );
}

/// Monitoring data: five-minute points from the server's creation on, every SYS.ECS metric at
/// once or one by name, Cloud Eye-style aggregations; bad parameters are 400s.
#[tokio::test]
async fn metric_data_of_a_running_server() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-metrics")).await;
    let ids = app.app_servers(&sg, 1).await;
    let now = chrono::Utc::now();
    let start = (now - chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let end = (now + chrono::Duration::minutes(10)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let all = app
        .get(&format!(
            "/v1/{{p}}/app-servers/metric-data/{}?start_time={start}&end_time={end}",
            ids[0]
        ))
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let cpu = all.body["cpu_info"].as_array().expect("cpu_info");
    assert!(
        (1..=3).contains(&cpu.len()),
        "points only since the server was created: {cpu:?}"
    );
    let created = chrono::DateTime::parse_from_rfc3339(
        app.get(&format!("/v1/{{p}}/app-servers/{}", ids[0]))
            .await
            .body["create_time"]
            .as_str()
            .expect("create_time"),
    )
    .expect("rfc3339")
    .timestamp_millis();
    assert_eq!(cpu[0]["timestamp"], created / 300_000 * 300_000);
    let v = cpu[0]["average"].as_f64().expect("average");
    assert!((0.0..10.0).contains(&v), "an idle server: {v}");
    assert_eq!(all.body.as_object().map(|o| o.len()), Some(12));
    // The SDK sends naive isoformat() times; one metric by name.
    let naive = (now - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S%.6f");
    let one = app
        .get(&format!(
            "/v1/{{p}}/app-servers/metric-data/{}?start_time={naive}&end_time={end}&metric_name=mem_util",
            ids[0]
        ))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body.as_object().map(|o| o.len()), Some(1));
    assert!(one.body["memory_info"][0]["average"].as_f64().is_some());
    for (q, code) in [
        (format!("start_time={end}&end_time={start}"), "WKS.00211102"),
        (
            format!("start_time=yesterday&end_time={end}"),
            "WKS.00211102",
        ),
        (
            format!("start_time={start}&end_time={end}&metric_name=cpu"),
            "WKS.00211102",
        ),
        (format!("end_time={end}"), "WKS.00211104"),
    ] {
        let r = app
            .get(&format!("/v1/{{p}}/app-servers/metric-data/{}?{q}", ids[0]))
            .await;
        assert_error(&r, 400, code);
    }

    let (from, to) = (
        now.timestamp_millis() - 7_200_000,
        now.timestamp_millis() + 600_000,
    );
    let list = |q: String| {
        let app = &app;
        let id = ids[0].clone();
        async move {
            app.get(&format!(
                "/v1/{{p}}/app-servers/server-metric-data/{id}?{q}"
            ))
            .await
        }
    };
    let r = list(format!(
        "namespace=SYS.ECS&metric_name=cpu_util&from={from}&to={to}&period=1&filter=max"
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = &r.body["server_metrics"][0];
    assert_eq!(
        (&m["metric_name"], &m["dimension_value"]),
        (&json!("cpu_util"), &json!(ids[0]))
    );
    assert_eq!(m["datapoints"][0]["unit"], "%");
    assert!(m["datapoints"][0]["max"].as_f64().is_some(), "{}", r.text);
    assert!(m["datapoints"][0].get("average").is_none());
    // The flavor has no GPU: no GPU points.
    let gpu = list(format!(
        "namespace=AGT.ECS&metric_name=gpu_usage_gpu&from={from}&to={to}&period=300&filter=average"
    ))
    .await;
    assert_eq!(
        gpu.body["server_metrics"][0]["datapoints"],
        json!([]),
        "{}",
        gpu.text
    );
    for (q, code) in [
        (format!("namespace=SYS.FOO&metric_name=cpu_util&from={from}&to={to}&period=1&filter=max"), "WKS.00211102"),
        (format!("namespace=SYS.ECS&metric_name=gpu_usage_gpu&from={from}&to={to}&period=1&filter=max"), "WKS.00211102"),
        (format!("namespace=SYS.ECS&metric_name=cpu_util&from={from}&to={to}&period=7&filter=max"), "WKS.00211102"),
        (format!("namespace=SYS.ECS&metric_name=cpu_util&from={from}&to={to}&period=1&filter=median"), "WKS.00211102"),
        (format!("namespace=SYS.ECS&metric_name=cpu_util&from={to}&to={from}&period=1&filter=max"), "WKS.00211102"),
        (format!("namespace=SYS.ECS&metric_name=cpu_util&from=0&to={to}&period=1&filter=max"), "WKS.00211107"),
        (format!("namespace=SYS.ECS&metric_name=cpu_util&to={to}&period=1&filter=max"), "WKS.00211104"),
    ] {
        assert_error(&list(q).await, 400, code);
    }
    assert_error(
        &app.get(&format!(
            "/v1/{{p}}/app-servers/server-metric-data/nope?namespace=SYS.ECS&metric_name=cpu_util&from={from}&to={to}&period=1&filter=max"
        ))
        .await,
        404,
        "WKS.00211902",
    );
}

/// An OU change of the server group reaches existing servers when they rejoin the domain; the
/// virtual-IP update is a job too; both need running servers and take 1 to 20 of them.
#[tokio::test]
async fn rejoin_domain_applies_the_groups_ou_and_tsvi_update_runs_as_a_job() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-rejoin")).await;
    let ids = app.app_servers(&sg, 2).await;
    let before = field_of(&app, &ids[0], "ou_name").await;
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"ou_name": "OU=rejoined"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        field_of(&app, &ids[0], "ou_name").await,
        before,
        "existing servers keep their OU"
    );
    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-rejoin-domain",
            Some(json!({"items": [ids[0]]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let j = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(
        (&j["job_type"], &j["status"]),
        (&json!("REJOIN_DOMAIN"), &json!("SUCCESS"))
    );
    assert_eq!(field_of(&app, &ids[0], "ou_name").await, "OU=rejoined");
    assert_eq!(
        field_of(&app, &ids[1], "ou_name").await,
        before,
        "only the rejoined server changed"
    );

    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-update-tsvi",
            Some(json!({"items": [{"id": ids[1], "enable": true}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let j = app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    assert_eq!(j["job_type"], "UPDATE_SERVER_TSVI");

    // Bad input: nothing starts.
    let many: Vec<String> = (0..21).map(|_| ids[0].clone()).collect();
    for (path, body, status, code) in [
        (
            "batch-rejoin-domain",
            json!({"items": many}),
            400,
            "WKS.00211107",
        ),
        (
            "batch-rejoin-domain",
            json!({"items": []}),
            400,
            "WKS.00211107",
        ),
        ("batch-rejoin-domain", json!({}), 400, "WKS.00211104"),
        (
            "batch-rejoin-domain",
            json!({"items": [ids[0], "nope"]}),
            404,
            "WKS.00211902",
        ),
        (
            "batch-update-tsvi",
            json!({"items": [{"enable": true}]}),
            400,
            "WKS.00211104",
        ),
    ] {
        let r = app
            .call(
                "PATCH",
                &format!("/v1/{{p}}/app-servers/actions/{path}"),
                Some(body),
            )
            .await;
        assert_error(&r, status, code);
    }
    // A stopped server cannot rejoin.
    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-stop",
            Some(json!({"items": [ids[1]], "type": "SOFT"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.run_jobs().await;
    let s = app.get(&format!("/v1/{{p}}/app-servers/{}", ids[1])).await;
    assert_eq!(s.body["vm_status"], "SHUTOFF", "{}", s.text);
    let r = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-rejoin-domain",
            Some(json!({"items": [ids[0], ids[1]]})),
        )
        .await;
    assert_error(&r, 400, "WKS.00211102");
    assert_eq!(
        app.get("/v1/{p}/app-server-sub-jobs/actions/count?job_type=REJOIN_DOMAIN")
            .await
            .body["count"],
        1,
        "the refused batch left no job"
    );
}

/// `create_order` (issue #17): a period order of app servers is paid at once and creates them
/// as `create_app_servers` does; its rules and its authorization by the ordered group.
#[tokio::test]
async fn an_order_creates_app_servers() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("ordered")).await;
    let other = app.create_group(app.group_body("not-mine")).await;
    let services = |sg: &str| {
        let mut b = app.app_servers_body(sg, 2);
        b.as_object_mut().map(|o| o.remove("type"));
        b.as_object_mut().map(|o| o.remove("subscription_num"));
        b
    };
    let order = |sg: &str, count: i64| {
        json!({"type": "createApps", "resources": [{"create_services": services(sg),
            "subscription_num": count, "period_type": 2, "period_num": 1, "is_auto_renew": 0}]})
    };
    for (body, status, code) in [
        (json!({"resources": []}), 400, "WKS.00211104"),
        (
            json!({"type": "createDesktops", "resources": []}),
            400,
            "WKS.00211102",
        ),
        (
            json!({"type": "createApps", "resources": []}),
            400,
            "WKS.00211107",
        ),
        (
            json!({"type": "createApps", "resources": [{"create_services": services(&sg)}]}),
            400,
            "WKS.00211104",
        ),
        (
            json!({"type": "createApps", "resources": [{"subscription_num": 1}]}),
            400,
            "WKS.00211104",
        ),
        (
            json!({"type": "createApps", "resources": [{"create_services": services(&sg), "subscription_num": 1, "period_type": 7}]}),
            400,
            "WKS.00211107",
        ),
        (order(&sg, 101), 400, "WKS.00211107"),
        (order("no-such-group", 1), 404, "WKS.00211902"),
    ] {
        crate::harness::assert_error(
            &app.post("/v1/{p}/bundles/subscribe/order", body).await,
            status,
            code,
        );
    }
    let r = app
        .post("/v1/{p}/bundles/subscribe/order", order(&sg, 2))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["order_id"].as_str().expect("order").to_string();
    assert!(id.starts_with("CS") && id.len() == 19, "{id}");
    app.run_jobs().await;
    let l = app
        .get(&format!("/v1/{{p}}/app-servers?server_group_id={sg}"))
        .await;
    assert_eq!(l.body["count"], 2, "{}", l.text);

    // An IAM user allowed app-server creation in one group orders there only.
    let u = crate::iam::user(&app, "orderer").await;
    let p = crate::iam::policy(
        &app,
        "order-mine",
        json!([{"Effect": "Allow", "Action": ["workspace:appServer:create"],
                "Resource": [format!("workspace:*:*:serverGroup:{sg}")]}]),
    )
    .await;
    crate::iam::attach(&app, &u.id, &p).await;
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/bundles/subscribe/order",
            Some(order(&other, 1)),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app
        .call_as(
            u.key(),
            "POST",
            "/v1/{p}/bundles/subscribe/order",
            Some(order(&sg, 1)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
