//! Server groups: the 9 operations, every rule of the seeds' parameter tables.

use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp, GOLD, GPU_PRODUCT, UBUNTU, WIN2022};

fn is_wire_time(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    // 2023-06-06T14:14:36.416Z
    s.len() == 24
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

const GROUP_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "image_id",
    "os_type",
    "product_id",
    "subnet_id",
    "system_disk_type",
    "system_disk_size",
    "is_vdi",
    "app_type",
    "create_time",
    "update_time",
    "storage_mount_policy",
    "enterprise_project_id",
    "primary_server_group_ids",
    "secondary_server_group_ids",
    "server_group_status",
    "site_type",
    "site_id",
    "app_server_flavor_count",
    "app_server_count",
    "app_group_count",
    "image_name",
    "product_info",
    "subnet_name",
    "scaling_policy",
    "tags",
    "ou_name",
];
const SHOW_EXTRA: &[&str] = &[
    "flavors",
    "project_name",
    "image_min_disk",
    "route_policy",
    "image_product_id",
    "image_type",
    "ip_virtual",
];

#[tokio::test]
async fn create_show_list_update_delete_round_trip() {
    let clock = std::sync::Arc::new(openwks_core::clock::VirtualClock::at(
        chrono::Utc::now().timestamp_millis(),
    ));
    let app = TestApp::with(
        std::sync::Arc::new(tempfile::tempdir().expect("dir")),
        openwks_server::Settings {
            clock: clock.clone(),
            ..TestApp::settings()
        },
    )
    .await;
    let mut body = app.group_body("sg-round_trip");
    body["description"] = json!("CAD apps");
    body["route_policy"] = json!({"max_session": 5, "cpu_threshold": 80, "mem_threshold": 0});
    body["extra_session_type"] = json!("CPU");
    body["extra_session_size"] = json!(2);
    body["tags"] = json!([{"key": "team", "value": "cad"}]);
    let r = app.post("/v1/{p}/app-server-groups", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for f in GROUP_FIELDS {
        assert!(r.body.get(*f).is_some(), "create lacks {f}: {}", r.text);
    }
    assert!(
        is_wire_time(&r.body["create_time"]),
        "{}",
        r.body["create_time"]
    );
    assert_eq!(r.body["create_time"], r.body["update_time"]);
    assert_eq!(r.body["app_type"], "COMMON_APP");
    assert_eq!(r.body["server_group_status"], true);
    assert_eq!(r.body["enterprise_project_id"], "0");
    assert_eq!(r.body["extra_session_type"], "CPU");
    assert_eq!(r.body["subnet_name"], "subnet-default");
    assert_eq!(r.body["image_name"], "Windows Server 2019 Datacenter 64bit");
    assert_eq!(
        r.body["product_info"]["product_id"],
        "workspace.appstream.general.xlarge.2"
    );
    assert_eq!(
        r.body["product_info"]["system_disk_size"], "80",
        "a string per the table"
    );
    assert_eq!(r.body["tags"], json!([{"key": "team", "value": "cad"}]));
    let id = r.body["id"].as_str().expect("id").to_string();

    let s = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(s.status, 200, "{}", s.text);
    for f in GROUP_FIELDS.iter().chain(SHOW_EXTRA) {
        assert!(s.body.get(*f).is_some(), "show lacks {f}");
    }
    // The seed's show example quotes integers ("app_server_count": "1", "image_min_disk": "10");
    // its table types them Integer. The table wins.
    assert!(s.body["app_server_count"].is_i64() && s.body["image_min_disk"].is_i64());
    assert_eq!(s.body["image_min_disk"], 40);
    assert_eq!(
        s.body["route_policy"],
        json!({"max_session": 5, "cpu_threshold": 80}),
        "0 means not set"
    );
    assert_eq!(s.body["ip_virtual"], json!({"enable": false}));
    assert_eq!(s.body["flavors"][0]["id"], "s6.xlarge.2");
    assert_eq!(s.body["project_name"], "cn-north-4");
    assert_eq!(s.body["image_type"], "public");

    let l = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(l.body["count"], 1);
    assert_eq!(l.body["items"][0]["id"], id.as_str());

    // A minute later, on the server's clock: the update stamps that time.
    clock.advance(60_000);
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{id}"),
            json!({"description": "new"}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert!(u.text.is_empty(), "update answers an empty body");
    let s2 = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(s2.body["description"], "new");
    assert_eq!(s2.body["name"], "sg-round_trip", "only fields sent change");
    assert_eq!(s2.body["route_policy"], s.body["route_policy"]);
    assert_ne!(s2.body["update_time"], s.body["update_time"]);
    assert_eq!(
        s2.body["update_time"],
        openwks_core::time::format_ms(openwks_core::clock::Clock::now_ms(clock.as_ref())),
        "the update's time is the server's clock"
    );
    assert_eq!(s2.body["create_time"], s.body["create_time"]);

    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{id}"))
            .await
            .status,
        200
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await,
        404,
        "WKS.00211902",
    );
    // Deleting again succeeds, like the vendor's (the Terraform provider relies on it).
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{id}"))
            .await
            .status,
        200
    );
}

/// The seed's example request has spaces in its name; the seed's parameter table says
/// "Spaces are not allowed". The table wins: 400, and the message says why.
#[tokio::test]
async fn the_seed_example_request_is_refused_because_its_name_has_spaces() {
    let app = TestApp::new().await;
    let seed = json!({
      "name" : "APIExplore Test Application Server Group", "image_id" : "", "os_type" : "Windows",
      "image_type" : "private", "image_product_id" : "00301-2019002-0--0", "description" : "",
      "route_policy" : { "max_session" : 1 }, "product_id" : "workspace.appstream.general.xlarge.2",
      "subnet_id" : "a5842cb4-5718-4b0a-8b27-3a3e9c74f977", "system_disk_type" : "SATA", "system_disk_size" : 60,
      "vpc_id" : "59785ba5-e5d5-4836-b9de-19f22ac15175", "ip_virtual" : { "enable" : false }, "is_vdi" : false,
      "availability_zone" : "", "app_type" : "COMMON_APP", "extra_session_type" : "GPU", "extra_session_size" : 1,
      "primary_server_group_id" : "e5d5-4836-b9de-19f22ac15175", "server_group_status" : false
    });
    let r = app.post("/v1/{p}/app-server-groups", seed).await;
    assert_error(&r, 400, "WKS.00211105");
    assert!(r.msg().contains("spaces are not allowed"), "{}", r.text);
}

/// Every rule of the create table, each with its own code; none of them writes anything.
#[tokio::test]
async fn every_create_rule_is_enforced_with_its_code() {
    let app = TestApp::new().await;
    let primary = app.create_group(app.group_body("primary")).await;
    let mut standby = app.group_body("standby");
    standby["primary_server_group_id"] = json!(primary);
    let standby_id = app.create_group(standby).await;
    let other_vpc = app
        .post(
            "/v1/{p}/vpcs",
            json!({"vpc": {"name": "other", "cidr": "10.0.0.0/16"}}),
        )
        .await;
    let other_vpc = other_vpc.body["vpc"]["id"]
        .as_str()
        .expect("vpc")
        .to_string();

    type Edit = Box<dyn Fn(&mut Value)>;
    let set =
        |k: &'static str, v: Value| -> Edit { Box::new(move |b: &mut Value| b[k] = v.clone()) };
    let del = |k: &'static str| -> Edit {
        Box::new(move |b: &mut Value| {
            b.as_object_mut().map(|o| o.remove(k));
        })
    };
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("missing name", del("name"), "WKS.00211104"),
        ("empty name", set("name", json!("")), "WKS.00211105"),
        (
            "65-character name",
            set("name", json!("a".repeat(65))),
            "WKS.00211105",
        ),
        ("dot in name", set("name", json!("a.b")), "WKS.00211105"),
        ("missing image_id", del("image_id"), "WKS.00211104"),
        (
            "bad image_type",
            set("image_type", json!("PUBLIC")),
            "WKS.00211106",
        ),
        ("missing os_type", del("os_type"), "WKS.00211104"),
        (
            "bad os_type",
            set("os_type", json!("windows")),
            "WKS.00211106",
        ),
        ("missing product_id", del("product_id"), "WKS.00211104"),
        ("missing vpc_id", del("vpc_id"), "WKS.00211104"),
        ("missing subnet_id", del("subnet_id"), "WKS.00211104"),
        (
            "bad system_disk_type",
            set("system_disk_type", json!("NVME")),
            "WKS.00211106",
        ),
        (
            "missing system_disk_size",
            del("system_disk_size"),
            "WKS.00211104",
        ),
        (
            "disk under image min",
            set("system_disk_size", json!(30)),
            "WKS.00211113",
        ),
        (
            "disk over 32768",
            set("system_disk_size", json!(32769)),
            "WKS.00211113",
        ),
        (
            "unknown image",
            set("image_id", json!("no-such-image")),
            "WKS.00211109",
        ),
        (
            "image of another OS",
            set("image_id", json!(UBUNTU)),
            "WKS.00211109",
        ),
        (
            "unknown product",
            set("product_id", json!("workspace.nope")),
            "WKS.00211110",
        ),
        (
            "flavor not the product's",
            set("flavor_id", json!("s6.large.2")),
            "WKS.00211110",
        ),
        (
            "unknown AZ",
            set("availability_zone", json!("mars-1a")),
            "WKS.00211112",
        ),
        (
            "unknown VPC",
            set("vpc_id", json!("no-such-vpc")),
            "WKS.00211111",
        ),
        (
            "unknown subnet",
            set("subnet_id", json!("no-such-subnet")),
            "WKS.00211111",
        ),
        (
            "subnet of another VPC",
            set("vpc_id", json!(other_vpc.clone())),
            "WKS.00211111",
        ),
        (
            "ip_virtual without enable",
            set("ip_virtual", json!({})),
            "WKS.00211104",
        ),
        (
            "cpu_threshold 101",
            set("route_policy", json!({"cpu_threshold": 101})),
            "WKS.00211107",
        ),
        (
            "mem_threshold -1",
            set("route_policy", json!({"mem_threshold": -1})),
            "WKS.00211107",
        ),
        (
            "gpu_threshold 101",
            set("route_policy", json!({"gpu_threshold": 101})),
            "WKS.00211107",
        ),
        (
            "max_session 0",
            set("route_policy", json!({"max_session": 0})),
            "WKS.00211107",
        ),
        (
            "max_session 1025",
            set("route_policy", json!({"max_session": 1025})),
            "WKS.00211107",
        ),
        (
            "bad app_type",
            set("app_type", json!("DESKTOP")),
            "WKS.00211106",
        ),
        (
            "bad extra_session_type",
            set("extra_session_type", json!("TPU")),
            "WKS.00211106",
        ),
        (
            "no extra sessions (the vendor's minimum is 1)",
            set("extra_session_size", json!(0)),
            "WKS.00211107",
        ),
        (
            "os_type Linux (the seed: only Windows is supported)",
            set("os_type", json!("Linux")),
            "WKS.00211106",
        ),
        (
            "a name in a script the vendor's pattern lacks",
            set("name", json!("Grüße")),
            "WKS.00211105",
        ),
        (
            "an enterprise project id that is not one",
            set("enterprise_project_id", json!("abc")),
            "WKS.00211102",
        ),
        (
            "21 tags",
            set(
                "tags",
                json!((0..21)
                    .map(|i| json!({"key": format!("k{i}")}))
                    .collect::<Vec<_>>()),
            ),
            "WKS.00211108",
        ),
        (
            "duplicate tag keys",
            set("tags", json!([{"key": "a"}, {"key": "a", "value": "b"}])),
            "WKS.00211108",
        ),
        (
            "tag key with leading space",
            set("tags", json!([{"key": " a"}])),
            "WKS.00211108",
        ),
        (
            "tag key of 129",
            set("tags", json!([{"key": "k".repeat(129)}])),
            "WKS.00211108",
        ),
        (
            "tag value of 256",
            set("tags", json!([{"key": "k", "value": "v".repeat(256)}])),
            "WKS.00211108",
        ),
        (
            "tag value with #",
            set("tags", json!([{"key": "k", "value": "a#b"}])),
            "WKS.00211108",
        ),
        (
            "tag without key",
            set("tags", json!([{"value": "v"}])),
            "WKS.00211108",
        ),
        (
            "unknown primary",
            set("primary_server_group_id", json!("no-such-group")),
            "WKS.00211115",
        ),
        (
            "standby as primary",
            set("primary_server_group_id", json!(standby_id.clone())),
            "WKS.00211115",
        ),
        (
            "malformed enterprise project",
            set("enterprise_project_id", json!("a b")),
            "WKS.00211102",
        ),
        (
            "wrong JSON type",
            set("is_vdi", json!("yes")),
            "WKS.00211116",
        ),
    ];
    for (what, edit, code) in &cases {
        let mut b = app.group_body("rule-case");
        edit(&mut b);
        let r = app.post("/v1/{p}/app-server-groups", b).await;
        assert_eq!(r.code(), *code, "{what}: {}", r.text);
        assert_error(&r, 400, code);
    }
    // A Linux image (only Windows is supported, virtual IP or not); a gold image without its
    // product id; a standby that does not match its primary; a product not sold in the AZ.
    let mut b = app.group_body("rule-case");
    b["image_id"] = json!(UBUNTU);
    b["os_type"] = json!("Linux");
    b["ip_virtual"] = json!({"enable": true});
    assert_error(
        &app.post("/v1/{p}/app-server-groups", b).await,
        400,
        "WKS.00211106",
    );
    let mut b = app.group_body("rule-case");
    b["image_id"] = json!(GOLD);
    b["image_type"] = json!("gold");
    assert_error(
        &app.post("/v1/{p}/app-server-groups", b).await,
        400,
        "WKS.00211104",
    );
    let mut b = app.group_body("rule-case");
    b["primary_server_group_id"] = json!(primary);
    b["app_type"] = json!("SESSION_DESKTOP_APP");
    assert_error(
        &app.post("/v1/{p}/app-server-groups", b).await,
        400,
        "WKS.00211115",
    );
    let mut b = app.group_body("rule-case");
    b["product_id"] = json!(GPU_PRODUCT);
    b["availability_zone"] = json!("cn-north-4a");
    assert_error(
        &app.post("/v1/{p}/app-server-groups", b).await,
        400,
        "WKS.00211110",
    );
    // Nothing was written by any refused request.
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.body["count"], 2);
}

#[tokio::test]
async fn what_the_table_allows_is_accepted() {
    let app = TestApp::new().await;
    let mut b = app.group_body("服务器组-Gruppe_1");
    b["image_id"] = json!(GOLD);
    b["image_type"] = json!("gold");
    b["image_product_id"] = json!("00301-2019002-0--0");
    b["ip_virtual"] = json!({"enable": true});
    b["route_policy"] = json!({"max_session": 1024, "cpu_threshold": 0, "mem_threshold": 0});
    b["tags"] = json!((0..20)
        .map(|i| json!({"key": format!("k {i}:=+-@_."), "value": "v x/y"}))
        .collect::<Vec<_>>());
    b["product_id"] = json!(GPU_PRODUCT);
    b["system_disk_size"] = json!(100);
    b["server_group_status"] = json!(false);
    b["storage_mount_policy"] = json!("USER");
    b["enterprise_project_id"] = json!("");
    b["extra_session_type"] = json!("GPU");
    // The vendor sets no maximum on paid sessions (the old cap was 10 x vCPUs).
    b["extra_session_size"] = json!(100);
    let id = app.create_group(b).await;
    let s = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(s.body["ip_virtual"]["enable"], true);
    assert_eq!(
        s.body["site_id"], "cn-north-4c",
        "the only AZ selling the GPU product"
    );
    assert_eq!(s.body["server_group_status"], false);
    assert_eq!(s.body["storage_mount_policy"], "USER");
    assert_eq!(s.body["tags"].as_array().map(Vec::len), Some(20));
}

#[tokio::test]
async fn names_are_unique_per_project() {
    let app = TestApp::new().await;
    app.create_group(app.group_body("same")).await;
    assert_error(
        &app.post("/v1/{p}/app-server-groups", app.group_body("same"))
            .await,
        409,
        "WKS.00211119",
    );
    let v = app
        .post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "same"}),
        )
        .await;
    assert_eq!(
        v.body,
        json!({"result": false, "validate_rule": "duplicate"})
    );
    let v = app
        .post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "has space"}),
        )
        .await;
    assert_eq!(v.body, json!({"result": false, "validate_rule": "naming"}));
    let v = app
        .post(
            "/v1/{p}/app-server-groups/rules/validate",
            json!({"name": "free"}),
        )
        .await;
    assert_eq!(v.body, json!({"result": true}));
    assert_error(
        &app.post("/v1/{p}/app-server-groups/rules/validate", json!({}))
            .await,
        400,
        "WKS.00211104",
    );
}

#[tokio::test]
async fn standby_groups_link_both_ways_follow_the_primary_and_block_its_delete() {
    let app = TestApp::new().await;
    let p = app.create_group(app.group_body("prim")).await;
    let mut b = app.group_body("stby");
    b["primary_server_group_id"] = json!(p);
    let s = app.create_group(b).await;
    let ps = app.get(&format!("/v1/{{p}}/app-server-groups/{p}")).await;
    assert_eq!(ps.body["secondary_server_group_ids"], json!([s]));
    assert_eq!(ps.body["primary_server_group_ids"], json!([]));
    let ss = app.get(&format!("/v1/{{p}}/app-server-groups/{s}")).await;
    assert_eq!(ss.body["primary_server_group_ids"], json!([p]));
    // Changing the primary's app type and mount policy carries over to the standby.
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{p}"),
            json!({"app_type": "SESSION_DESKTOP_APP", "storage_mount_policy": "SHARE"}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    let ss = app.get(&format!("/v1/{{p}}/app-server-groups/{s}")).await;
    assert_eq!(ss.body["app_type"], "SESSION_DESKTOP_APP");
    assert_eq!(ss.body["storage_mount_policy"], "SHARE");
    // A standby may not diverge from its primary.
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{s}"),
            json!({"app_type": "COMMON_APP"}),
        )
        .await;
    assert_error(&u, 400, "WKS.00211115");
    // Filters.
    let sec = app
        .get("/v1/{p}/app-server-groups?is_secondary_server_group=true")
        .await;
    assert_eq!(sec.body["count"], 1);
    assert_eq!(sec.body["items"][0]["id"], s.as_str());
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?is_secondary_server_group=false")
            .await
            .body["count"],
        1
    );
    assert_error(
        &app.get("/v1/{p}/app-server-groups?is_secondary_server_group=maybe")
            .await,
        400,
        "WKS.00211117",
    );
    // The primary cannot go while it has a standby.
    assert_error(
        &app.delete(&format!("/v1/{{p}}/app-server-groups/{p}"))
            .await,
        409,
        "WKS.00211120",
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{s}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{p}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn update_rules() {
    let app = TestApp::new().await;
    let id = app.create_group(app.group_body("upd")).await;
    app.create_group(app.group_body("taken")).await;
    let path = format!("/v1/{{p}}/app-server-groups/{id}");
    assert_error(
        &app.patch(&path, json!({"ip_virtual": {"enable": true}}))
            .await,
        400,
        "WKS.00211114",
    );
    assert_error(&app.patch(&path, json!({})).await, 400, "WKS.0001");
    assert_error(
        &app.patch(&path, json!({"name": "taken"})).await,
        409,
        "WKS.00211119",
    );
    assert_error(
        &app.patch(&path, json!({"name": "bad name"})).await,
        400,
        "WKS.00211105",
    );
    assert_error(
        &app.patch(&path, json!({"route_policy": {"max_session": 2000}}))
            .await,
        400,
        "WKS.00211107",
    );
    // The new image needs 60 GB; the group's disk is 80: fine. With 50 GB it is not.
    assert_error(
        &app.patch(&path, json!({"image_id": WIN2022, "system_disk_size": 50}))
            .await,
        400,
        "WKS.00211113",
    );
    assert_error(
        &app.patch(&path, json!({"image_id": "nope"})).await,
        400,
        "WKS.00211109",
    );
    assert_eq!(
        app.patch(&path, json!({"image_id": WIN2022})).await.status,
        200
    );
    // Terraform sends every route field, 0 for thresholds left out.
    let r = app.patch(&path, json!({"route_policy": {"max_session": 3, "cpu_threshold": 0, "mem_threshold": 85}, "server_group_status": false, "ou_name": "OU=apps"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = app.get(&path).await;
    assert_eq!(s.body["image_id"], WIN2022);
    assert_eq!(s.body["image_min_disk"], 60);
    assert_eq!(
        s.body["route_policy"],
        json!({"max_session": 3, "mem_threshold": 85})
    );
    assert_eq!(s.body["server_group_status"], false);
    assert_eq!(s.body["ou_name"], "OU=apps");
    assert_eq!(s.body["name"], "upd");
    assert_error(
        &app.patch("/v1/{p}/app-server-groups/no-such", json!({"name": "x"}))
            .await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn list_paginates_and_filters() {
    let app = TestApp::new().await;
    for i in 0..15 {
        let mut b = app.group_body(&format!("Grp-{i:02}"));
        if i % 3 == 0 {
            b["app_type"] = json!("SESSION_DESKTOP_APP");
            b["tags"] = json!([{"key": "team", "value": "cad"}]);
        }
        app.create_group(b).await;
    }
    let l = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(l.body["count"], 15);
    assert_eq!(
        l.body["items"].as_array().map(Vec::len),
        Some(10),
        "default limit 10"
    );
    assert_eq!(l.body["items"][0]["name"], "Grp-14", "newest first");
    let l = app
        .get("/v1/{p}/app-server-groups?offset=10&limit=10")
        .await;
    assert_eq!(l.body["items"].as_array().map(Vec::len), Some(5));
    assert_error(
        &app.get("/v1/{p}/app-server-groups?limit=0").await,
        400,
        "WKS.00211117",
    );
    assert_error(
        &app.get("/v1/{p}/app-server-groups?limit=101").await,
        400,
        "WKS.00211117",
    );
    assert_error(
        &app.get("/v1/{p}/app-server-groups?offset=-1").await,
        400,
        "WKS.00211117",
    );
    // Name filter: substring, case-insensitive.
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?server_group_name=grp-1")
            .await
            .body["count"],
        5
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?app_type=SESSION_DESKTOP_APP")
            .await
            .body["count"],
        5
    );
    assert_error(
        &app.get("/v1/{p}/app-server-groups?app_type=X").await,
        400,
        "WKS.00211106",
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?tags=team%3Dcad")
            .await
            .body["count"],
        5
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?tags=team%3Dother")
            .await
            .body["count"],
        0
    );
    assert_eq!(
        app.get("/v1/{p}/app-server-groups?enterprise_project_id=0")
            .await
            .body["count"],
        15
    );
    let one = app.get("/v1/{p}/app-server-groups?limit=1").await;
    let id = one.body["items"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups?server_group_id={id}"))
            .await
            .body["count"],
        1
    );
    // The tenant list: ServerGroupDto items, `sever_group_name` (sic) filter.
    let t = app
        .get("/v1/{p}/app-server-groups/actions/list?sever_group_name=GRP-0&limit=100")
        .await;
    assert_eq!(t.body["count"], 10);
    assert!(
        t.body["items"][0].get("product_info").is_none(),
        "ServerGroupDto has no product_info"
    );
    assert!(t.body["items"][0].get("app_group_count").is_some());
}

#[tokio::test]
async fn restrict_and_state() {
    let app = TestApp::new().await;
    let r = app
        .get("/v1/{p}/app-server-groups/resources/restrict")
        .await;
    assert_eq!(
        r.body,
        json!({"max_session": 1024, "max_group_count": 10000})
    );
    let id = app.create_group(app.group_body("st")).await;
    let s = app
        .get(&format!("/v1/{{p}}/app-server-groups/{id}/state"))
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.body["aps_status"]["REGISTERED"], 0);
    assert_eq!(s.body["aps_status"].as_object().map(|o| o.len()), Some(6));
    assert_error(
        &app.get("/v1/{p}/app-server-groups/nope/state").await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let app = TestApp::new().await;
    let id = app.create_group(app.group_body("durable")).await;
    let before = app
        .get(&format!("/v1/{{p}}/app-server-groups/{id}"))
        .await
        .body;
    let app = app.restart().await;
    let after = app
        .get(&format!("/v1/{{p}}/app-server-groups/{id}"))
        .await
        .body;
    assert_eq!(before, after);
}

/// Concurrent creates of one name: exactly one wins; the others get 409, nothing is half
/// written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_of_one_name_make_one_group() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let app = std::sync::Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            app.post("/v1/{p}/app-server-groups", app.group_body("race"))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("join"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    assert_eq!(app.get("/v1/{p}/app-server-groups").await.body["count"], 1);
}
