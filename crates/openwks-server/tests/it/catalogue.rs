//! Products, AZs, volume types, quota, tenant profile and IMS images.

use serde_json::json;

use crate::harness::{assert_error, TestApp, GOLD, GPU_PRODUCT, PID, WIN2019};

#[tokio::test]
async fn products_with_filters() {
    let app = TestApp::new().await;
    let all = app.get("/v1/{p}/product").await;
    assert_eq!(all.status, 200, "{}", all.text);
    let products = all.body["products"].as_array().expect("products");
    for id in [
        "workspace.appstream.general.xlarge.2",
        "workspace.appstream.general.2xlarge.4",
        "workspace.x86.general.xlarge2",
    ] {
        assert!(products.iter().any(|p| p["product_id"] == id), "{id}");
    }
    assert!(products.iter().any(|p| p["is_gpu"] == true));
    for f in [
        "product_id",
        "flavor_id",
        "type",
        "architecture",
        "cpu",
        "cpu_desc",
        "memory",
        "is_gpu",
        "system_disk_type",
        "system_disk_size",
        "gpu_desc",
        "descriptions",
        "charge_mode",
        "contain_data_disk",
        "resource_type",
        "cloud_service_type",
        "volume_product_type",
        "sessions",
        "status",
        "cond_operation_az",
        "sub_product_list",
        "domain_ids",
        "package_type",
        "series_type",
        "support_gpu_type",
    ] {
        assert!(products[0].get(f).is_some(), "ProductDetailInfo lacks {f}");
    }
    let gpu = app
        .get(&format!("/v1/{{p}}/product?product_id={GPU_PRODUCT}"))
        .await;
    assert_eq!(gpu.body["products"].as_array().map(Vec::len), Some(1));
    assert_eq!(gpu.body["products"][0]["support_gpu_type"], "A40");
    let a = app
        .get("/v1/{p}/product?availability_zone=cn-north-4a")
        .await;
    assert!(!a.body["products"]
        .as_array()
        .expect("p")
        .iter()
        .any(|p| p["product_id"] == GPU_PRODUCT));
    assert_eq!(a.body["availability_zone"], "cn-north-4a");
    let b = app.get("/v1/{p}/product?availability_zone=cn-north-4b&product_id=workspace.appstream.general.2xlarge.4").await;
    assert_eq!(b.body["products"][0]["status"], "sellout");
    assert_eq!(
        app.get("/v1/{p}/product?flavor_id=s6.xlarge.2").await.body["products"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_error(
        &app.get("/v1/{p}/product?availability_zone=nowhere").await,
        400,
        "WKS.00211112",
    );
    assert_error(
        &app.get("/v1/{p}/product?charge_mode=7").await,
        400,
        "WKS.00211106",
    );
    assert_error(
        &app.get("/v1/{p}/product?architecture=mips").await,
        400,
        "WKS.00211106",
    );
}

#[tokio::test]
async fn zones_volume_types_quota_and_profile() {
    let app = TestApp::new().await;
    let z = app.get("/v1/{p}/availability-zone").await;
    assert_eq!(z.body["total_count"], 3);
    assert_eq!(
        z.body["availability_zones"][0]["availability_zone"],
        "cn-north-4a"
    );
    assert_eq!(
        z.body["availability_zones"][0]["default_availability_zone"],
        true
    );
    assert_eq!(
        z.body["availability_zones"][1]["sold_out"]["products"],
        json!(["workspace.appstream.general.2xlarge.4"])
    );
    let s = app.get("/v1/{p}/availability-zone/summary").await;
    assert_eq!(s.body["default_type"], "CENTER");
    assert_eq!(s.body["azs"]["CENTER"].as_array().map(Vec::len), Some(3));
    let v = app.get("/v1/{p}/volume-type").await;
    let types: Vec<_> = v.body["volume_types"]
        .as_array()
        .expect("vt")
        .iter()
        .map(|t| t["volume_type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![
            json!("ESSD"),
            json!("SSD"),
            json!("GPSSD"),
            json!("SAS"),
            json!("SATA")
        ]
    );
    let q = app.get(&format!("/v1/{{p}}/check/quota?product_id={GPU_PRODUCT}&subscription_num=2&disk_size=100&disk_num=1")).await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["is_enough"], true);
    let rows = q.body["quota_remainder"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["type"] == "CORES" && r["need"] == 16));
    assert!(rows
        .iter()
        .any(|r| r["type"] == "GPU_INSTANCES" && r["need"] == 2));
    let q = app.get(&format!("/v1/{{p}}/check/quota?product_id={GPU_PRODUCT}&subscription_num=51&disk_size=100&disk_num=1")).await;
    assert_eq!(
        q.body["is_enough"], false,
        "51 GPU servers exceed the 50 GPU quota"
    );
    assert_error(
        &app.get("/v1/{p}/check/quota?product_id=x&subscription_num=1&disk_size=10&disk_num=1")
            .await,
        400,
        "WKS.00211110",
    );
    assert_error(
        &app.get("/v1/{p}/check/quota?product_id=x").await,
        400,
        "WKS.00211104",
    );
    let t = app.get("/v1/{p}/tenant/profile").await;
    assert_eq!(t.body["project_id"], PID);
    assert_eq!(t.body["tenant_domain_name"], "acme");
    assert_eq!(t.body["project_name"], "cn-north-4");
}

#[tokio::test]
async fn images_list_filter_and_show() {
    let app = TestApp::new().await;
    let all = app.get("/v2/cloudimages").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["images"].as_array().map(Vec::len), Some(5));
    let win = app
        .get("/v2/cloudimages?__os_type=Windows&__imagetype=gold")
        .await;
    let names: Vec<_> = win.body["images"]
        .as_array()
        .expect("i")
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(names.len(), 2, "public Windows images");
    assert!(names.contains(&json!(WIN2019)));
    let market = app.get("/v2/cloudimages?__imagetype=market").await;
    assert_eq!(market.body["images"][0]["id"], GOLD);
    assert_eq!(
        market.body["images"][0]["__productcode"],
        "00301-2019002-0--0"
    );
    assert_eq!(
        app.get("/v2/cloudimages?min_disk=60").await.body["images"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        app.get("/v2/cloudimages?limit=2").await.body["images"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_error(
        &app.get("/v2/cloudimages?__imagetype=weird").await,
        400,
        "WKS.00211106",
    );
    let one = app.get(&format!("/v2/images/{WIN2019}")).await;
    assert_eq!(one.body["min_disk"], 40);
    assert_eq!(one.body["__os_type"], "Windows");
    assert_error(&app.get("/v2/images/nope").await, 404, "WKS.00211902");
}

/// `initialize_tenant` (only `active`, which a project is from its creation) and
/// `list_corp_config_info` (the configuration openwks runs with, by documented key).
#[tokio::test]
async fn the_tenant_is_active_and_its_configuration_is_answered_by_key() {
    let app = crate::harness::TestApp::new().await;
    let r = app
        .post(
            "/v1/{p}/tenant/action/active",
            json!({"service_status": "active"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"project_id": crate::harness::PID, "service_status": "active"})
    );
    for (body, code) in [
        (json!({}), "WKS.00211104"),
        (json!({"service_status": "inactive"}), "WKS.00211102"),
        (json!({"service_status": "a".repeat(33)}), "WKS.00211102"),
    ] {
        crate::harness::assert_error(
            &app.post("/v1/{p}/tenant/action/active", body).await,
            400,
            code,
        );
    }
    assert_eq!(
        app.get("/v1/{p}/tenant/profile").await.body["service_status"],
        "active"
    );
    let r = app
        .post(
            "/v1/{p}/bundles/batch-query-config-info",
            json!({"items": ["max_server_groups", "no-such-key", "region", "access_agent_latest_version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"config_infos": [
            {"config_key": "max_server_groups", "config_value": app.state.catalogue.quotas.max_server_groups.to_string()},
            {"config_key": "region", "config_value": "cn-north-4"},
            {"config_key": "access_agent_latest_version", "config_value": "24.6.0.1010"},
        ]})
    );
    let none = app
        .post(
            "/v1/{p}/bundles/batch-query-config-info",
            json!({"items": []}),
        )
        .await;
    assert_eq!(none.body, json!({"config_infos": []}));
    let many: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
    for (body, code) in [
        (json!({}), "WKS.00211104"),
        (json!({"items": ["region", "region"]}), "WKS.00211102"),
        (json!({"items": [""]}), "WKS.00211102"),
        (json!({"items": many}), "WKS.00211107"),
    ] {
        crate::harness::assert_error(
            &app.post("/v1/{p}/bundles/batch-query-config-info", body)
                .await,
            400,
            code,
        );
    }
}
