//! App groups: the 8 operations, their rules, and their ties to server groups.

use std::sync::Arc;

use serde_json::json;

use crate::harness::{assert_error, TestApp, PID};

async fn create_ag(app: &TestApp, body: serde_json::Value) -> String {
    let r = app.post("/v1/{p}/app-groups", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn round_trip_with_snowflake_ids_and_create_at() {
    let app = TestApp::new().await;
    let r = app.post("/v1/{p}/app-groups", json!({"name": "Open_Test-API", "app_server_group_id": "", "description": "Open test for APIs."})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert!(
        id.len() >= 17 && id.bytes().all(|b| b.is_ascii_digit()),
        "snowflake-style decimal id: {id}"
    );
    assert_eq!(r.body["authorization_type"], "APP_GROUP");
    assert_eq!(r.body["tenant_id"], PID);
    assert_eq!(r.body["app_server_group_id"], "");
    assert_eq!(r.body["app_type"], "COMMON_APP");
    assert_eq!(r.body["app_count"], 0);
    assert!(r.body["create_at"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z') && s.len() == 24));
    assert!(
        r.body.get("create_time").is_none(),
        "the field is create_at"
    );
    let id2 = create_ag(&app, json!({"name": "second"})).await;
    assert!(
        id2.parse::<u64>().expect("u64") > id.parse::<u64>().expect("u64"),
        "time-ordered"
    );
    let s = app.get(&format!("/v1/{{p}}/app-groups/{id}")).await;
    assert_eq!(s.body["description"], "Open test for APIs.");
    assert!(s.body.get("app_server_group_description").is_some());
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-groups/{id}"),
            json!({"description": "new"}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        (u.body["description"].as_str(), u.body["name"].as_str()),
        (Some("new"), Some("Open_Test-API"))
    );
    let l = app.get("/v1/{p}/app-groups").await;
    assert_eq!(l.body["count"], 2);
    assert_eq!(l.body["items"][0]["id"], id2.as_str(), "newest first");
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-groups/{id}"))
            .await
            .status,
        200
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/app-groups/{id}")).await,
        404,
        "WKS.00211902",
    );
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-groups/{id}"))
            .await
            .status,
        200,
        "idempotent"
    );
}

/// The seed's example request has spaces in its name; the table's charset (letters, digits,
/// `_`, `-`) has none. The table wins.
#[tokio::test]
async fn the_seed_example_request_is_refused_for_its_spaces() {
    let app = TestApp::new().await;
    let r = app
        .post("/v1/{p}/app-groups", json!({"name": "Open Test for the API for Creating an Application Group", "app_server_group_id": "", "description": "Open test for APIs."}))
        .await;
    assert_error(&r, 400, "WKS.00211105");
}

#[tokio::test]
async fn create_rules_and_validate() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-common")).await;
    for (body, status, code) in [
        (json!({}), 400, "WKS.00211104"),
        (json!({"name": "a".repeat(65)}), 400, "WKS.00211105"),
        (
            json!({"name": "ok", "authorization_type": "APP"}),
            400,
            "WKS.00131106",
        ),
        (
            json!({"name": "ok", "authorization_type": "USER"}),
            400,
            "WKS.00211106",
        ),
        (
            json!({"name": "ok", "app_type": "DESKTOP"}),
            400,
            "WKS.00211106",
        ),
        (
            json!({"name": "ok", "app_server_group_id": "no-such-group"}),
            400,
            "WKS.00131107",
        ),
        (
            json!({"name": "ok", "app_server_group_id": sg, "app_type": "SESSION_DESKTOP_APP"}),
            400,
            "WKS.00131108",
        ),
        (
            json!({"name": "ok", "description": "d".repeat(256)}),
            400,
            "WKS.00211107",
        ),
    ] {
        assert_error(&app.post("/v1/{p}/app-groups", body).await, status, code);
    }
    create_ag(&app, json!({"name": "taken"})).await;
    assert_error(
        &app.post("/v1/{p}/app-groups", json!({"name": "taken"}))
            .await,
        409,
        "WKS.00131109",
    );
    let v = |n: &str| json!({"name": n});
    assert_eq!(
        app.post("/v1/{p}/app-groups/rules/validate", v("taken"))
            .await
            .body,
        json!({"result": false, "validate_rule": "duplicate"})
    );
    assert_eq!(
        app.post("/v1/{p}/app-groups/rules/validate", v("a b"))
            .await
            .body,
        json!({"result": false, "validate_rule": "naming"})
    );
    assert_eq!(
        app.post("/v1/{p}/app-groups/rules/validate", v("free"))
            .await
            .body,
        json!({"result": true})
    );
    assert_eq!(
        app.get("/v1/{p}/app-groups").await.body["count"],
        1,
        "no refused request wrote anything"
    );
}

#[tokio::test]
async fn binding_counts_blocks_server_group_delete_and_disassociate_unbinds() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-apps")).await;
    let a = create_ag(&app, json!({"name": "ag-a", "app_server_group_id": sg})).await;
    let b = create_ag(&app, json!({"name": "ag-b", "app_server_group_id": sg})).await;
    let show = app.get(&format!("/v1/{{p}}/app-groups/{a}")).await;
    assert_eq!(show.body["app_server_group_name"], "sg-apps");
    let sgp = format!("/v1/{{p}}/app-server-groups/{sg}");
    assert_eq!(app.get(&sgp).await.body["app_group_count"], 2);
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups?app_server_group_id={sg}"))
            .await
            .body["count"],
        2
    );
    assert_error(&app.delete(&sgp).await, 409, "WKS.00211121");
    // Unbind one by update (empty id), then all by disassociate.
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-groups/{b}"),
            json!({"app_server_group_id": ""}),
        )
        .await;
    assert_eq!(u.body["app_server_group_id"], "", "{}", u.text);
    assert_eq!(app.get(&sgp).await.body["app_group_count"], 1);
    let d = app
        .post(
            &format!("/v1/{{p}}/app-groups/actions/disassociate-app-group?server_group_id={sg}"),
            json!({}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(app.get(&sgp).await.body["app_group_count"], 0);
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups/{a}")).await.body["app_server_group_id"],
        ""
    );
    assert_error(
        &app.post(
            "/v1/{p}/app-groups/actions/disassociate-app-group?server_group_id=nope",
            json!({}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    assert_eq!(app.delete(&sgp).await.status, 200, "nothing bound any more");
}

#[tokio::test]
async fn rebinding_takes_the_new_groups_app_type_and_shared_desktop_allows_one_app_group() {
    let app = TestApp::new().await;
    let common = app.create_group(app.group_body("sg-common")).await;
    let mut desk = app.group_body("sg-desktop");
    desk["app_type"] = json!("SESSION_DESKTOP_APP");
    let desk = app.create_group(desk).await;
    let a = create_ag(&app, json!({"name": "ag-a", "app_server_group_id": common})).await;
    let b = create_ag(&app, json!({"name": "ag-b", "app_server_group_id": desk})).await;
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-groups/{b}")).await.body["app_type"],
        "SESSION_DESKTOP_APP"
    );
    // A second app group on the shared-desktop server group: refused, by create and by update.
    assert_error(
        &app.post(
            "/v1/{p}/app-groups",
            json!({"name": "ag-c", "app_server_group_id": desk}),
        )
        .await,
        400,
        "WKS.00131105",
    );
    assert_error(
        &app.patch(
            &format!("/v1/{{p}}/app-groups/{a}"),
            json!({"app_server_group_id": desk}),
        )
        .await,
        400,
        "WKS.00131105",
    );
    // Free it, then move ag-a there: it takes the shared-desktop app type.
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/app-groups/{b}"))
            .await
            .status,
        200
    );
    let u = app
        .patch(
            &format!("/v1/{{p}}/app-groups/{a}"),
            json!({"app_server_group_id": desk}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["app_type"], "SESSION_DESKTOP_APP");
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{common}"))
            .await
            .body["app_group_count"],
        0
    );
    assert_eq!(
        app.get(&format!("/v1/{{p}}/app-server-groups/{desk}"))
            .await
            .body["app_group_count"],
        1
    );
    assert_error(
        &app.patch(
            &format!("/v1/{{p}}/app-groups/{a}"),
            json!({"app_server_group_id": "nope"}),
        )
        .await,
        400,
        "WKS.00131107",
    );
    assert_error(
        &app.patch(&format!("/v1/{{p}}/app-groups/{a}"), json!({}))
            .await,
        400,
        "WKS.0001",
    );
    assert_error(
        &app.patch("/v1/{p}/app-groups/404404", json!({"name": "x"}))
            .await,
        404,
        "WKS.00211902",
    );
    let l = app
        .get("/v1/{p}/app-groups?app_type=SESSION_DESKTOP_APP&name=AG-")
        .await;
    assert_eq!(l.body["count"], 1);
    assert_error(
        &app.get("/v1/{p}/app-groups?authorization_type=X").await,
        400,
        "WKS.00211106",
    );
}

#[tokio::test]
async fn batch_delete_removes_existing_ids_and_skips_missing_ones() {
    let app = TestApp::new().await;
    let a = create_ag(&app, json!({"name": "a1"})).await;
    let b = create_ag(&app, json!({"name": "b1"})).await;
    let keep = create_ag(&app, json!({"name": "keep"})).await;
    let r = app
        .post(
            "/v1/{p}/app-groups/batch-delete",
            json!({"ids": [a, b, "999"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let l = app.get("/v1/{p}/app-groups").await;
    assert_eq!(l.body["count"], 1);
    assert_eq!(l.body["items"][0]["id"], keep.as_str());
    assert_error(
        &app.post("/v1/{p}/app-groups/batch-delete", json!({"ids": []}))
            .await,
        400,
        "WKS.00211107",
    );
    assert_error(
        &app.post("/v1/{p}/app-groups/batch-delete", json!({})).await,
        400,
        "WKS.00211104",
    );
}

/// A bind and a delete of the same server group race: never both succeed, and no app group
/// is ever left bound to a server group that is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bind_racing_a_server_group_delete_never_leaves_a_dangling_binding() {
    let app = Arc::new(TestApp::new().await);
    let mut both = 0;
    for i in 0..30 {
        let sg = app.create_group(app.group_body(&format!("race-{i}"))).await;
        let (a1, a2) = (Arc::clone(&app), Arc::clone(&app));
        let (s1, s2) = (sg.clone(), sg.clone());
        let bind = tokio::spawn(async move {
            a1.post(
                "/v1/{p}/app-groups",
                json!({"name": format!("race-ag-{i}"), "app_server_group_id": s1}),
            )
            .await
        });
        let del = tokio::spawn(async move {
            a2.delete(&format!("/v1/{{p}}/app-server-groups/{s2}"))
                .await
        });
        let (bind, del) = (bind.await.expect("bind"), del.await.expect("delete"));
        match (bind.status, del.status) {
            (200, 409) => {
                assert_eq!(del.code(), "WKS.00211121");
                assert_eq!(
                    app.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
                        .await
                        .body["app_group_count"],
                    1
                );
            }
            (400, 200) => assert_eq!(bind.code(), "WKS.00131107"),
            (200, 200) => both += 1,
            other => panic!("unexpected outcome {other:?}: {} / {}", bind.text, del.text),
        }
    }
    assert_eq!(
        both, 0,
        "a bind and a delete of the same server group both succeeded"
    );
    let l = app.get("/v1/{p}/app-groups?limit=100").await;
    for ag in l.body["items"].as_array().expect("items") {
        let sid = ag["app_server_group_id"].as_str().unwrap_or("");
        if !sid.is_empty() {
            assert_eq!(
                app.get(&format!("/v1/{{p}}/app-server-groups/{sid}"))
                    .await
                    .status,
                200,
                "dangling binding to {sid}"
            );
        }
    }
}
