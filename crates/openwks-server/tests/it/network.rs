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
