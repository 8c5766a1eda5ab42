//! VPC v1: VPCs and subnets, and how server groups depend on them.

use serde_json::json;

use crate::harness::{assert_error, TestApp};

#[tokio::test]
async fn vpcs_and_subnets_round_trip_and_guard_their_users() {
    let app = TestApp::new().await;
    let v = app
        .post(
            "/v1/{p}/vpcs",
            json!({"vpc": {"name": "lab", "cidr": "10.1.0.0/16"}}),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    let vpc = v.body["vpc"]["id"].as_str().expect("vpc").to_string();
    assert_eq!(v.body["vpc"]["status"], "OK");
    let s = app.post("/v1/{p}/subnets", json!({"subnet": {"name": "lab-a", "cidr": "10.1.1.0/24", "gateway_ip": "10.1.1.1", "vpc_id": vpc}})).await;
    assert_eq!(s.status, 200, "{}", s.text);
    let subnet = s.body["subnet"]["id"].as_str().expect("subnet").to_string();
    assert_eq!(s.body["subnet"]["vpc_id"], vpc.as_str());
    assert_error(&app.post("/v1/{p}/subnets", json!({"subnet": {"name": "x", "cidr": "10.2.0.0/24", "gateway_ip": "10.2.0.1", "vpc_id": vpc}})).await, 400, "WKS.00211111");
    assert_error(&app.post("/v1/{p}/subnets", json!({"subnet": {"name": "x", "cidr": "10.1.2.0/24", "gateway_ip": "10.1.3.1", "vpc_id": vpc}})).await, 400, "WKS.00211111");
    assert_error(&app.post("/v1/{p}/subnets", json!({"subnet": {"name": "x", "cidr": "10.1.2.0/24", "gateway_ip": "10.1.2.1", "vpc_id": "nope"}})).await, 400, "WKS.00211111");
    assert_error(
        &app.post(
            "/v1/{p}/vpcs",
            json!({"vpc": {"name": "bad", "cidr": "10.1.0.0/33"}}),
        )
        .await,
        400,
        "WKS.00211111",
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/subnets?vpc_id={vpc}"))
            .await
            .body["subnets"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get("/v1/{p}/vpcs").await.body["vpcs"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/vpcs/{vpc}")).await.body["vpc"]["cidr"],
        "10.1.0.0/16"
    );
    // A group on the new subnet shows its name; the subnet and VPC cannot go while in use.
    let mut b = app.group_body("on-lab");
    b["vpc_id"] = json!(vpc);
    b["subnet_id"] = json!(subnet);
    let g = app.create_group(b).await;
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{g}"))
            .await
            .body["subnet_name"],
        "lab-a"
    );
    assert_error(
        &app.delete(&format!("/v1/{{p}}/vpcs/{vpc}/subnets/{subnet}"))
            .await,
        409,
        "WKS.00211123",
    );
    assert_error(
        &app.delete(&format!("/v1/{{p}}/vpcs/{vpc}")).await,
        409,
        "WKS.00211123",
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-server-groups/{g}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/vpcs/{vpc}/subnets/{subnet}"))
            .await
            .status,
        204
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/vpcs/{vpc}")).await.status,
        204
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/vpcs/{vpc}")).await,
        404,
        "WKS.00211902",
    );
}

/// `update_vpc` and `update_subnet` (what Terraform's `huaweicloud_vpc` and
/// `huaweicloud_vpc_subnet` send on a change, issue #17).
#[tokio::test]
async fn vpcs_and_subnets_are_updated_in_place() {
    let app = crate::harness::TestApp::new().await;
    let r = app
        .post(
            "/v1/{p}/vpcs",
            serde_json::json!({"vpc": {"name": "tf-vpc", "cidr": "10.8.0.0/16"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let vpc = r.body["vpc"]["id"].as_str().expect("vpc").to_string();
    let r = app
        .post(
            "/v1/{p}/subnets",
            serde_json::json!({"subnet": {"name": "tf-sn", "cidr": "10.8.1.0/24",
                "gateway_ip": "10.8.1.1", "vpc_id": vpc}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sn = r.body["subnet"]["id"].as_str().expect("subnet").to_string();

    let r = app
        .put(
            &format!("/v1/{{p}}/vpcs/{vpc}"),
            serde_json::json!({"vpc": {"name": "tf-vpc-2", "description": "edited", "cidr": "10.0.0.0/8"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            &r.body["vpc"]["name"],
            &r.body["vpc"]["cidr"],
            &r.body["vpc"]["description"]
        ),
        (
            &serde_json::json!("tf-vpc-2"),
            &serde_json::json!("10.0.0.0/8"),
            &serde_json::json!("edited")
        )
    );
    for (body, status, code) in [
        (
            serde_json::json!({"vpc": {"cidr": "192.168.0.0/16"}}),
            409,
            "WKS.00211123",
        ),
        (
            serde_json::json!({"vpc": {"cidr": "nope"}}),
            400,
            "WKS.00211111",
        ),
        (
            serde_json::json!({"vpc": {"name": "bad name"}}),
            400,
            "WKS.00211105",
        ),
        (
            serde_json::json!({"vpc": {"description": "<x>"}}),
            400,
            "WKS.00211102",
        ),
        (serde_json::json!({}), 400, "WKS.00211104"),
    ] {
        crate::harness::assert_error(
            &app.put(&format!("/v1/{{p}}/vpcs/{vpc}"), body).await,
            status,
            code,
        );
    }
    let path = format!("/v1/{{p}}/vpcs/{vpc}/subnets/{sn}");
    let r = app
        .put(
            &path,
            serde_json::json!({"subnet": {"name": "tf-sn-2", "description": "x", "primary_dns": "100.125.1.250", "dhcp_enable": false}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        serde_json::json!({"subnet": {"id": sn, "status": "ACTIVE"}})
    );
    let s = app.get(&format!("/v1/{{p}}/subnets/{sn}")).await.body;
    assert_eq!(
        (
            &s["subnet"]["name"],
            &s["subnet"]["dhcp_enable"],
            &s["subnet"]["primary_dns"]
        ),
        (
            &serde_json::json!("tf-sn-2"),
            &serde_json::json!(false),
            &serde_json::json!("100.125.1.250")
        )
    );
    for (body, status, code) in [
        (serde_json::json!({"subnet": {}}), 400, "WKS.00211104"),
        (
            serde_json::json!({"subnet": {"name": ""}}),
            400,
            "WKS.00211105",
        ),
        (
            serde_json::json!({"subnet": {"name": "ok", "primary_dns": "1.2.3"}}),
            400,
            "WKS.00211111",
        ),
    ] {
        crate::harness::assert_error(&app.put(&path, body).await, status, code);
    }
    crate::harness::assert_error(
        &app.put(
            &format!(
                "/v1/{{p}}/vpcs/{}/subnets/{sn}",
                "00000000-0000-0000-0000-000000000000"
            ),
            serde_json::json!({"subnet": {"name": "x"}}),
        )
        .await,
        404,
        "WKS.00211902",
    );
}
