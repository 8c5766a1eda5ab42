//! Server-group tags: the 6 operations.

use serde_json::json;

use crate::harness::{assert_error, TestApp};

#[tokio::test]
async fn create_show_overwrite_delete_are_idempotent_and_answer_204() {
    let app = TestApp::new().await;
    let id = app.create_group(app.group_body("tagged")).await;
    let base = format!("/v1/{{p}}/server-group/{id}/tags");
    let r = app
        .post(
            &format!("{base}/create"),
            json!({"tags": [{"key": "team", "value": "cad"}, {"key": "env"}]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let s = app.get(&base).await;
    assert_eq!(
        s.body["tags"],
        json!([{"key": "team", "value": "cad"}, {"key": "env", "value": ""}])
    );
    assert_eq!(
        s.body["sys_tags"],
        json!([{"key": "_sys_enterprise_project_id", "value": "0"}])
    );
    // Re-creating a key overwrites its value.
    assert_eq!(
        app.post(
            &format!("{base}/create"),
            json!({"tags": [{"key": "team", "value": "gis"}]})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.get(&base).await.body["tags"][0],
        json!({"key": "team", "value": "gis"})
    );
    // Deleting a missing tag succeeds.
    assert_eq!(
        app.call(
            "DELETE",
            &format!("{base}/delete"),
            Some(json!({"tags": [{"key": "nope"}]}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("{base}/delete"),
            Some(json!({"tags": [{"key": "team"}]}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.get(&base).await.body["tags"],
        json!([{"key": "env", "value": ""}])
    );
    // The group shows its tags too.
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
    assert_eq!(g.body["tags"], json!([{"key": "env", "value": ""}]));
    // Rules.
    assert_error(
        &app.post(
            &format!("{base}/create"),
            json!({"tags": [{"key": " bad"}]}),
        )
        .await,
        400,
        "WKS.00211108",
    );
    assert_error(
        &app.post(&format!("{base}/create"), json!({})).await,
        400,
        "WKS.00211104",
    );
    let twenty: Vec<_> = (0..20).map(|i| json!({"key": format!("k{i}")})).collect();
    assert_error(
        &app.post(&format!("{base}/create"), json!({"tags": twenty}))
            .await,
        400,
        "WKS.00211108",
    );
    assert_error(
        &app.post(
            "/v1/{p}/server-group/nope/tags/create",
            json!({"tags": [{"key": "a"}]}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get("/v1/{p}/server-group/nope/tags").await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn batches_are_all_or_nothing_and_list_aggregates_keys() {
    let app = TestApp::new().await;
    let a = app.create_group(app.group_body("ga")).await;
    let b = app.create_group(app.group_body("gb")).await;
    let ok = app
        .post(
            "/v1/{p}/server-group/tags/batch-create",
            json!({"items": [
                {"server_group_id": a, "tags": [{"key": "team", "value": "cad"}]},
                {"server_group_id": b, "tags": [{"key": "team", "value": "gis"}, {"key": "tier", "value": "1"}]}
            ]}),
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    let l = app.get("/v1/{p}/server-group/tags").await;
    assert_eq!(
        l.body,
        json!({"tags": [{"key": "team", "values": ["cad", "gis"]}, {"key": "tier", "values": ["1"]}]})
    );
    // One missing group: 404, and the other group's tags are untouched.
    let bad = app
        .post(
            "/v1/{p}/server-group/tags/batch-create",
            json!({"items": [
                {"server_group_id": a, "tags": [{"key": "new", "value": "x"}]},
                {"server_group_id": "missing", "tags": [{"key": "new", "value": "x"}]}
            ]}),
        )
        .await;
    assert_error(&bad, 404, "WKS.00211902");
    assert_eq!(
        app.get(&format!("/v1/{{p}}/server-group/{a}/tags"))
            .await
            .body["tags"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Batch delete, with a JSON body on DELETE.
    let d = app
        .call(
            "DELETE",
            "/v1/{p}/server-group/tags/batch-delete",
            Some(json!({"items": [{"server_group_id": b, "tags": [{"key": "tier"}]}]})),
        )
        .await;
    assert_eq!(d.status, 204, "{}", d.text);
    assert_eq!(
        app.get(&format!("/v1/{{p}}/server-group/{b}/tags"))
            .await
            .body["tags"],
        json!([{"key": "team", "value": "gis"}])
    );
    assert_error(
        &app.post(
            "/v1/{p}/server-group/tags/batch-create",
            json!({"items": []}),
        )
        .await,
        400,
        "WKS.00211107",
    );
    assert_error(
        &app.post(
            "/v1/{p}/server-group/tags/batch-create",
            json!({"items": [{"tags": [{"key": "a"}]}]}),
        )
        .await,
        400,
        "WKS.00211104",
    );
}
