//! What real clients found (issue 15): the official SDK, a second signer and the Terraform
//! provider's HTTP sequences against openwks. One test per finding, through HTTP (the SDK
//! side is in `tests/sdk/test_client_findings.py`).

use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp};
use crate::sessions::{app_group_for, launch, users};

/// Item 3: an update of `app_type` keeps the rules create keeps: no bound app group of the
/// other type (`WKS.00131108`), one app group at most in shared-desktop mode (`WKS.00131105`).
#[tokio::test]
async fn updating_app_type_keeps_the_app_group_rules() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("type-sg")).await;
    let base = format!("/v1/{{p}}/app-server-groups/{sg}");
    let ag = |name: &str| json!({"name": name, "app_server_group_id": sg});
    let r = app.post("/v1/{p}/app-groups", ag("type-ag-1")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let first = r.body["id"].as_str().expect("id").to_string();
    // One COMMON_APP app group bound: the group cannot become SESSION_DESKTOP_APP.
    assert_error(
        &app.patch(&base, json!({"app_type": "SESSION_DESKTOP_APP"}))
            .await,
        400,
        "WKS.00131108",
    );
    let r = app.post("/v1/{p}/app-groups", ag("type-ag-2")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Two bound: shared desktop mode takes one app group only.
    assert_error(
        &app.patch(&base, json!({"app_type": "SESSION_DESKTOP_APP"}))
            .await,
        400,
        "WKS.00131105",
    );
    assert_eq!(
        app.get(&base).await.body["app_type"],
        "COMMON_APP",
        "nothing written"
    );
    // Unbound, the type may change; the same value is not a change.
    assert_eq!(
        app.patch(&base, json!({"app_type": "COMMON_APP"}))
            .await
            .status,
        200
    );
    let r = app
        .post("/v1/{p}/app-groups/batch-delete", json!({"ids": [first]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .get(&format!("/v1/{{p}}/app-groups?app_server_group_id={sg}"))
        .await;
    let rest: Vec<String> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|g| g["id"].as_str().unwrap_or("").to_string())
        .collect();
    let r = app
        .post("/v1/{p}/app-groups/batch-delete", json!({"ids": rest}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .patch(&base, json!({"app_type": "SESSION_DESKTOP_APP"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get(&base).await.body["app_type"], "SESSION_DESKTOP_APP");
}

/// Item 4: a VDI (`is_vdi: true`) server takes one session: four users on a group of two
/// servers get two sessions, on two servers, and two 503s.
#[tokio::test]
async fn a_vdi_server_takes_one_session() {
    let app = TestApp::new().await;
    let mut body = app.group_body("vdi-sg");
    body["is_vdi"] = json!(true);
    let sg = app.create_group(body).await;
    app.app_servers(&sg, 2).await;
    let people = users("vdi-user-", 4);
    let (ag, app_id) = app_group_for(&app, &sg, "vdi-ag", &people).await;
    let mut servers = Vec::new();
    let mut refused = 0;
    for u in &people {
        let r = launch(&app, u, &ag, &app_id).await;
        match r.status {
            200 | 201 => servers.push(r.body["server_id"].as_str().unwrap_or("").to_string()),
            503 => refused += 1,
            s => panic!("launch answered {s}: {}", r.text),
        }
    }
    servers.sort();
    servers.dedup();
    assert_eq!(
        (servers.len(), refused),
        (2, 2),
        "one session per VDI server"
    );
}

/// Item 5: a standby created without `storage_mount_policy` (the Terraform provider's POST)
/// inherits its primary's; one that names another policy is still refused.
#[tokio::test]
async fn a_standby_without_storage_mount_policy_inherits_the_primarys() {
    let app = TestApp::new().await;
    for policy in ["USER", "SHARE"] {
        let mut p = app.group_body(&format!("primary-{policy}"));
        p["storage_mount_policy"] = json!(policy);
        let primary = app.create_group(p).await;
        let mut s = app.group_body(&format!("standby-{policy}"));
        s["primary_server_group_id"] = json!(primary);
        let r = app.post("/v1/{p}/app-server-groups", s).await;
        assert_eq!(r.status, 200, "{policy}: {}", r.text);
        assert_eq!(r.body["storage_mount_policy"], policy, "{}", r.text);
        let id = r.body["id"].as_str().expect("id");
        let shown = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
        assert_eq!(shown.body["storage_mount_policy"], policy);
        let mut other = app.group_body(&format!("standby-any-{policy}"));
        other["primary_server_group_id"] = json!(primary);
        other["storage_mount_policy"] = json!("ANY");
        assert_error(
            &app.post("/v1/{p}/app-server-groups", other).await,
            400,
            "WKS.00211115",
        );
    }
    // A primary that omits it gets ANY, as before.
    let r = app
        .post("/v1/{p}/app-server-groups", app.group_body("plain-primary"))
        .await;
    assert_eq!(r.body["storage_mount_policy"], "ANY", "{}", r.text);
}

/// A catalogue with one host per pool: AZs a and b have one host, c two (one of them GPU).
fn one_host_per_az() -> openwks_core::catalogue::Catalogue {
    let text = include_str!("../../../openwks-core/src/default-catalog.toml")
        .replace("count = 24", "count = 1")
        .replace("count = 16", "count = 1")
        .replace("count = 4", "count = 1");
    openwks_core::catalogue::Catalogue::parse_file("one-host.toml", &text, "cn-north-4")
        .expect("catalogue")
}

/// Item 2: v1 `show_job` speaks the vendor's `JobDetail`: `job_type` 1, `job_status` 0
/// failed, 1 success, 2 processing; `sub_jobs` are `SubJobInfo` (type 2, entities naming the
/// server); `end_time` absent while running. The sub-job list names the server; an app
/// server shows its last job's vendor type, state and time.
#[tokio::test]
async fn v1_jobs_use_the_vendors_codes_and_shapes() {
    // Running: servers take an hour to boot.
    let slow = TestApp::with(
        std::sync::Arc::new(tempfile::tempdir().expect("tempdir")),
        openwks_server::Settings {
            boot_delay: std::time::Duration::from_secs(3600),
            ..TestApp::settings()
        },
    )
    .await;
    let sg = slow.create_group(slow.group_body("slow-sg")).await;
    let r = slow
        .post(
            "/v1/{p}/app-servers/actions/create",
            slow.app_servers_body(&sg, 1),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    let j = slow.get(&format!("/v1/{{p}}/job/{job}")).await;
    assert_eq!(j.status, 200, "{}", j.text);
    let d = &j.body["job"];
    assert_eq!(
        (d["job_type"].clone(), d["job_status"].clone()),
        (json!(1), json!(2)),
        "{}",
        j.text
    );
    assert!(
        d.get("end_time").is_none(),
        "running: no end_time: {}",
        j.text
    );
    let sub = &d["sub_jobs"][0];
    assert_eq!(
        (sub["job_type"].clone(), sub["job_status"].clone()),
        (json!(2), json!(2)),
        "{}",
        j.text
    );
    assert!(sub["job_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        sub.get("sub_job_id").is_none() && sub.get("server_id").is_none(),
        "{sub}"
    );
    let server = sub["entities"][0]["resource_id"]
        .as_str()
        .expect("entity")
        .to_string();
    let shown = slow.get(&format!("/v1/{{p}}/app-servers/{server}")).await;
    assert_eq!(
        (
            shown.body["job_id"].as_str(),
            shown.body["job_type"].as_str(),
            shown.body["job_status"].as_str()
        ),
        (Some(job.as_str()), Some("CREATE_SERVER"), Some("RUNNING")),
        "{}",
        shown.text
    );
    assert_eq!(shown.body["task_status"], "spawning");

    // Success.
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("ok-sg")).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 1),
        )
        .await;
    let job = r.body["job_id"].as_str().expect("job").to_string();
    app.wait_job(&job).await;
    let j = app.get(&format!("/v1/{{p}}/job/{job}")).await;
    let d = &j.body["job"];
    assert_eq!(
        (d["job_type"].clone(), d["job_status"].clone()),
        (json!(1), json!(1)),
        "{}",
        j.text
    );
    assert!(
        d["end_time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{}",
        j.text
    );
    assert_eq!(d["sub_jobs"][0]["job_status"], 1);
    let server = d["sub_jobs"][0]["entities"][0]["resource_id"]
        .as_str()
        .expect("id")
        .to_string();
    let name = app.get(&format!("/v1/{{p}}/app-servers/{server}")).await;
    assert_eq!(
        d["sub_jobs"][0]["entities"][0]["resource_name"],
        name.body["name"]
    );
    assert_eq!(name.body["job_status"], "SUCCESS", "{}", name.text);
    assert!(name.body["job_time"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    // Item 13: an idle server's task_status is the SDK's "null", not "".
    assert_eq!(name.body["task_status"], "null");
    let subs = app
        .get(&format!(
            "/v1/{{p}}/app-server-sub-jobs?job_type=CREATE_SERVER&job_id={job}"
        ))
        .await;
    assert_eq!(
        subs.body["items"][0]["job_resource_info"]["resource_name"], name.body["name"],
        "{}",
        subs.text
    );
    assert!(subs.body["items"][0]["end_time"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    // Failed: three servers of one anti-affinity group, and no AZ has three hosts.
    let tight = TestApp::with_catalogue(
        std::sync::Arc::new(tempfile::tempdir().expect("tempdir")),
        TestApp::settings(),
        one_host_per_az(),
    )
    .await;
    let sg = tight.create_group(tight.group_body("tight-sg")).await;
    let r = tight
        .post(
            "/v1/{p}/app-servers/actions/create",
            tight.app_servers_body(&sg, 3),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    tight.wait_job(&job).await;
    let j = tight.get(&format!("/v1/{{p}}/job/{job}")).await;
    let d = &j.body["job"];
    assert_eq!(d["job_status"], 0, "failed: {}", j.text);
    let states: Vec<i64> = d["sub_jobs"]
        .as_array()
        .expect("subs")
        .iter()
        .filter_map(|s| s["job_status"].as_i64())
        .collect();
    assert!(states.contains(&0), "{}", j.text);
}

/// Item 7: `ip_addr` of `list_servers` matches part of the address.
#[tokio::test]
async fn list_servers_matches_part_of_the_ip() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("ip-sg")).await;
    let ids = app.app_servers(&sg, 2).await;
    let ip_of = |v: &Value| {
        v["host_address"][0]["addr"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let first = app.get(&format!("/v1/{{p}}/app-servers/{}", ids[0])).await;
    let ip = ip_of(&first.body);
    let prefix = ip
        .rsplit_once('.')
        .map(|(p, _)| p.to_string())
        .expect("dotted");
    let all = app
        .get(&format!("/v1/{{p}}/app-servers?ip_addr={prefix}."))
        .await;
    assert_eq!(all.body["count"], 2, "{}", all.text);
    let one = app
        .get(&format!("/v1/{{p}}/app-servers?ip_addr={ip}"))
        .await;
    assert_eq!(one.body["count"], 1, "{}", one.text);
    let none = app.get("/v1/{p}/app-servers?ip_addr=203.0.113.").await;
    assert_eq!(none.body["count"], 0, "{}", none.text);
}

/// Item 10: switching from a Marketplace image to a public one drops `image_product_id`.
#[tokio::test]
async fn a_public_image_drops_the_marketplace_product() {
    let app = TestApp::new().await;
    let mut b = app.group_body("gold-sg");
    b["image_id"] = json!(crate::harness::GOLD);
    b["image_type"] = json!("gold");
    b["image_product_id"] = json!("00301-2019002-0--0");
    b["system_disk_size"] = json!(100);
    let sg = app.create_group(b).await;
    let base = format!("/v1/{{p}}/app-server-groups/{sg}");
    assert_eq!(
        app.get(&base).await.body["image_product_id"],
        "00301-2019002-0--0"
    );
    let r = app
        .patch(
            &base,
            json!({"image_id": crate::harness::WIN2022, "image_type": "public"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shown = app.get(&base).await;
    assert_eq!(shown.body["image_type"], "public");
    assert_eq!(shown.body["image_product_id"], "", "{}", shown.text);
    // A product id sent with a public image at create is not kept either.
    let mut b = app.group_body("public-sg");
    b["image_product_id"] = json!("00301-2019002-0--0");
    let id = app.create_group(b).await;
    let shown = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(shown.body["image_product_id"], "", "{}", shown.text);
}

/// Items 11 and 12: the vendor's definitions bound what the seed's text does not. Update
/// `max_session` 1–100 (create: up to the quota, 1024); `extra_session_size` at least 1,
/// no maximum; tag values take `/`; names are ASCII or Chinese letters, digits, `_`, `-`;
/// `enterprise_project_id` is "0", empty or a UUID; only Windows is supported.
#[tokio::test]
async fn the_vendors_definitions_bound_what_the_seed_leaves_open() {
    let app = TestApp::new().await;
    let mut b = app.group_body("bounds-sg");
    b["route_policy"] = json!({"max_session": 500});
    let sg = app.create_group(b).await;
    let base = format!("/v1/{{p}}/app-server-groups/{sg}");
    assert_error(
        &app.patch(&base, json!({"route_policy": {"max_session": 101}}))
            .await,
        400,
        "WKS.00211107",
    );
    let r = app
        .patch(&base, json!({"route_policy": {"max_session": 100}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get(&base).await.body["route_policy"]["max_session"],
        100
    );
    // Thresholds: 1–100; 0 is "not set" (the Terraform provider sends it for an omitted one).
    assert_error(
        &app.patch(&base, json!({"route_policy": {"cpu_threshold": -1}}))
            .await,
        400,
        "WKS.00211107",
    );
    assert_eq!(
        app.patch(&base, json!({"route_policy": {"cpu_threshold": 0}}))
            .await
            .status,
        200
    );
    // Tags: '/' in values, not in keys.
    let r = app
        .post(
            &format!("/v1/{{p}}/server-group/{sg}/tags/create"),
            json!({"tags": [{"key": "path", "value": "dept/cad/2026"}]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let mut b = app.group_body("tag-key-slash");
    b["tags"] = json!([{"key": "a/b", "value": "v"}]);
    assert_error(
        &app.post("/v1/{p}/app-server-groups", b).await,
        400,
        "WKS.00211108",
    );
    for (field, value, code) in [
        ("extra_session_size", json!(0), "WKS.00211107"),
        ("name", json!("Ωmega"), "WKS.00211105"),
        ("enterprise_project_id", json!("abc"), "WKS.00211102"),
        ("os_type", json!("Other"), "WKS.00211106"),
    ] {
        let mut b = app.group_body("bounds-case");
        b[field] = value;
        assert_error(&app.post("/v1/{p}/app-server-groups", b).await, 400, code);
    }
    let mut b = app.group_body("组-paid");
    b["extra_session_type"] = json!("CPU");
    b["extra_session_size"] = json!(80);
    b["enterprise_project_id"] = json!("6d3f2a1b-0c4e-4b5a-9f87-1e2d3c4b5a61");
    let r = app.post("/v1/{p}/app-server-groups", b).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["extra_session_size"], 80, "{}", r.text);
}

/// The response fields a real registered server has, derived by the simulation: the app
/// server's SID, domain, OS version, NIC MAC and port id; the ECS server's security group and
/// system volume.
#[tokio::test]
async fn servers_carry_what_a_real_registered_server_has() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("real-sg")).await;
    let ids = app.app_servers(&sg, 2).await;
    let a = app.get(&format!("/v1/{{p}}/app-servers/{}", ids[0])).await;
    let b = app.get(&format!("/v1/{{p}}/app-servers/{}", ids[1])).await;
    let s = &a.body;
    assert!(
        s["sid"]
            .as_str()
            .is_some_and(|x| x.starts_with("S-1-5-21-")),
        "{}",
        a.text
    );
    assert_eq!(s["domain"], "openwks.local");
    assert!(
        s["os_version"]
            .as_str()
            .is_some_and(|v| v.contains("Windows")),
        "{}",
        a.text
    );
    let nic = &s["host_address"][0];
    assert!(nic["OS-EXT-IPS-MAC:mac_addr"]
        .as_str()
        .is_some_and(|m| m.starts_with("fa:16:3e:")));
    assert_eq!(nic["OS-EXT-IPS:port_id"].as_str().map(str::len), Some(36));
    assert_ne!(s["sid"], b.body["sid"], "each server its own SID");
    assert_ne!(
        nic["OS-EXT-IPS-MAC:mac_addr"],
        b.body["host_address"][0]["OS-EXT-IPS-MAC:mac_addr"]
    );
    // The same answer on every read.
    let again = app.get(&format!("/v1/{{p}}/app-servers/{}", ids[0])).await;
    assert_eq!(again.body["sid"], s["sid"]);
    let ecs = app.get(&format!("/v1/{{p}}/cloudservers/{}", ids[0])).await;
    assert_eq!(ecs.status, 200, "{}", ecs.text);
    let e = &ecs.body["server"];
    assert_eq!(e["security_groups"][0]["name"], "default", "{}", ecs.text);
    assert_eq!(
        e["os-extended-volumes:volumes_attached"][0]["bootIndex"],
        "0"
    );
    assert_eq!(
        e["addresses"][app.vpc_id.as_str()][0]["OS-EXT-IPS-MAC:mac_addr"],
        nic["OS-EXT-IPS-MAC:mac_addr"],
        "one NIC, one MAC in both views"
    );
}
