//! The scaling policy: show (default when unset), create-or-update, delete (disables).

use serde_json::json;

use crate::harness::{assert_error, TestApp};

#[tokio::test]
async fn default_put_show_delete() {
    let app = TestApp::new().await;
    let id = app.create_group(app.group_body("scaled")).await;
    let q = format!("/v1/{{p}}/scaling-policy?server_group_id={id}");
    let d = app.get(&q).await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(
        d.body["enable"], false,
        "no policy yet: the default, disabled"
    );
    let body = json!({
        "server_group_id": id, "enable": true, "max_scaling_amount": 10, "single_expansion_count": 2,
        "scaling_policy_by_session": {"session_usage_threshold": 70, "shrink_after_session_idle_minutes": 30},
        "scaling_policy_by_resource": {"cpu_usage_threshold": 80, "mem_usage_threshold": 0}
    });
    let p = app.put("/v1/{p}/scaling-policy", body).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["max_scaling_amount"], 10);
    let s = app.get(&q).await;
    assert_eq!(s.body["enable"], true);
    assert_eq!(
        s.body["scaling_policy_by_session"],
        json!({"session_usage_threshold": 70, "shrink_after_session_idle_minutes": 30})
    );
    assert_eq!(
        s.body["scaling_policy_by_resource"]["cpu_usage_threshold"],
        80
    );
    assert!(s.body["scaling_policy_by_resource"]["mem_usage_threshold"].is_null());
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(g.body["scaling_policy"]["single_expansion_count"], 2);
    assert_eq!(app.delete(&q).await.status, 200);
    let s = app.get(&q).await;
    assert_eq!(s.body["enable"], false, "delete disables");
    assert_eq!(s.body["max_scaling_amount"], 10, "values are kept");
}

#[tokio::test]
async fn ranges_and_required_fields() {
    let app = TestApp::new().await;
    let id = app.create_group(app.group_body("scaled")).await;
    let ok = json!({
        "server_group_id": id, "max_scaling_amount": 10, "single_expansion_count": 2,
        "scaling_policy_by_session": {"session_usage_threshold": 70, "shrink_after_session_idle_minutes": 30}
    });
    for (field, value, code) in [
        ("max_scaling_amount", json!(101), "WKS.00211107"),
        ("single_expansion_count", json!(11), "WKS.00211107"),
        ("single_expansion_count", json!(20), "WKS.00211107"),
        (
            "scaling_policy_by_session",
            json!({"shrink_after_session_idle_minutes": 4}),
            "WKS.00211107",
        ),
        (
            "scaling_policy_by_session",
            json!({"session_usage_threshold": 101, "shrink_after_session_idle_minutes": 30}),
            "WKS.00211107",
        ),
        (
            "scaling_policy_by_session",
            json!({"session_usage_threshold": 70}),
            "WKS.00211104",
        ),
        (
            "max_scaling_amount",
            serde_json::Value::Null,
            "WKS.00211104",
        ),
        ("server_group_id", json!("nope"), "WKS.00211902"),
    ] {
        let mut b = ok.clone();
        b[field] = value;
        let r = app.put("/v1/{p}/scaling-policy", b).await;
        let status = if code == "WKS.00211902" { 404 } else { 400 };
        assert_error(&r, status, code);
    }
    assert_error(
        &app.get("/v1/{p}/scaling-policy").await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.get("/v1/{p}/scaling-policy?server_group_id=nope").await,
        404,
        "WKS.00211902",
    );
}
