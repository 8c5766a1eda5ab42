//! ECS server groups (anti-affinity only), limits, the ECS error dialect, and the hosts view.

use serde_json::json;

use crate::harness::TestApp;

fn assert_ecs_error(r: &crate::harness::Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["error"]["code"], code, "{}", r.text);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        r.text
    );
    assert!(r.request_id().is_some());
}

const BASE: &str = "/v1/{p}/cloudservers/os-server-groups";

#[tokio::test]
async fn the_seed_example_creates_and_the_group_round_trips() {
    let app = TestApp::new().await;
    // The seed's example request and the shape of its example response.
    let r = app
        .post(
            BASE,
            json!({"server_group": {"name": "test", "policies": ["anti-affinity"]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let g = &r.body["server_group"];
    assert_eq!(
        (
            g["name"].as_str(),
            g["policies"].clone(),
            g["members"].clone(),
            g["metadata"].clone()
        ),
        (Some("test"), json!(["anti-affinity"]), json!([]), json!({}))
    );
    let id = g["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 36, "a UUID");
    let s = app.get(&format!("{BASE}/{id}")).await;
    assert_eq!(s.body["server_group"], *g);
    let l = app.get(BASE).await;
    assert_eq!(l.body["server_groups"].as_array().map(Vec::len), Some(1));
    assert!(l.body["page_info"].is_object());
    // Duplicate names are allowed (Nova semantics).
    assert_eq!(
        app.post(
            BASE,
            json!({"server_group": {"name": "test", "policies": ["anti-affinity"]}})
        )
        .await
        .status,
        200
    );
    assert_eq!(app.delete(&format!("{BASE}/{id}")).await.status, 204);
    assert_ecs_error(&app.get(&format!("{BASE}/{id}")).await, 404, "Ecs.0313");
    assert_ecs_error(&app.delete(&format!("{BASE}/{id}")).await, 404, "Ecs.0313");
}

#[tokio::test]
async fn only_anti_affinity_names_of_1_to_255_characters_and_the_group_quota() {
    let app = TestApp::new().await;
    // The seed's Range says "1 to 255 characters": 86 CJK characters (258 bytes) are a name.
    let cjk = app
        .post(
            BASE,
            json!({"server_group": {"name": "组".repeat(86), "policies": ["anti-affinity"]}}),
        )
        .await;
    assert_eq!(cjk.status, 200, "{}", cjk.text);
    let cjk_id = cjk.body["server_group"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(app.delete(&format!("{BASE}/{cjk_id}")).await.status, 204);
    for body in [
        json!({"server_group": {"name": "t", "policies": ["affinity"]}}),
        json!({"server_group": {"name": "t", "policies": ["soft-anti-affinity"]}}),
        json!({"server_group": {"name": "t", "policies": []}}),
        json!({"server_group": {"name": "", "policies": ["anti-affinity"]}}),
        json!({"server_group": {"name": "n".repeat(256), "policies": ["anti-affinity"]}}),
        json!({"server_group": {"name": "组".repeat(256), "policies": ["anti-affinity"]}}),
        json!({"server_group": {"name": "bell\u{7}", "policies": ["anti-affinity"]}}),
        json!({"server_group": {"policies": ["anti-affinity"]}}),
        json!({"server_group": {"name": "t"}}),
        json!({}),
        json!({"server_group": {"name": 5, "policies": ["anti-affinity"]}}),
    ] {
        assert_ecs_error(&app.post(BASE, body).await, 400, "Ecs.0005");
    }
    for i in 0..10 {
        assert_eq!(
            app.post(
                BASE,
                json!({"server_group": {"name": format!("g{i}"), "policies": ["anti-affinity"]}})
            )
            .await
            .status,
            200
        );
    }
    let over = app
        .post(
            BASE,
            json!({"server_group": {"name": "g10", "policies": ["anti-affinity"]}}),
        )
        .await;
    assert_ecs_error(&over, 400, "Ecs.0005");
    assert!(over.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("maxServerGroups")));
    let limits = app.get("/v1/{p}/cloudservers/limits").await;
    assert_eq!(limits.status, 200, "{}", limits.text);
    let a = &limits.body["absolute"];
    assert_eq!(
        (
            a["maxServerGroups"].as_i64(),
            a["maxServerGroupMembers"].as_i64(),
            a["totalServerGroupsUsed"].as_i64()
        ),
        (Some(10), Some(16), Some(10))
    );
    assert!(a.get("maxTotalRAMSize").is_some());
}

#[tokio::test]
async fn list_pages_with_limit_and_marker() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = app
            .post(
                BASE,
                json!({"server_group": {"name": format!("p{i}"), "policies": ["anti-affinity"]}}),
            )
            .await;
        ids.push(
            r.body["server_group"]["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let p1 = app.get(&format!("{BASE}?limit=2")).await;
    let got: Vec<_> = p1.body["server_groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, ids[..2].to_vec());
    assert_eq!(p1.body["page_info"]["next_marker"], ids[1].as_str());
    let p3 = app.get(&format!("{BASE}?limit=2&marker={}", ids[3])).await;
    assert_eq!(p3.body["server_groups"].as_array().map(Vec::len), Some(1));
    assert!(
        p3.body["page_info"].get("next_marker").is_none(),
        "last page"
    );
    assert_ecs_error(&app.get(&format!("{BASE}?limit=0")).await, 400, "Ecs.0005");
    assert_ecs_error(
        &app.get(&format!("{BASE}?limit=1001")).await,
        400,
        "Ecs.0005",
    );
    assert_ecs_error(
        &app.get(&format!("{BASE}?marker=nope")).await,
        400,
        "Ecs.0005",
    );
}

#[tokio::test]
async fn member_operations_name_unknown_ecss_and_groups_clearly() {
    let app = TestApp::new().await;
    let r = app
        .post(
            BASE,
            json!({"server_group": {"name": "m", "policies": ["anti-affinity"]}}),
        )
        .await;
    let id = r.body["server_group"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let ghost = "0b1c2d3e-0000-4000-8000-000000000000";
    assert_ecs_error(
        &app.post(
            &format!("{BASE}/{id}/action"),
            json!({"add_member": {"instance_uuid": ghost}}),
        )
        .await,
        404,
        "Ecs.0114",
    );
    assert_ecs_error(
        &app.post(
            &format!("{BASE}/{id}/action"),
            json!({"remove_member": {"instance_uuid": ghost}}),
        )
        .await,
        404,
        "Ecs.0114",
    );
    assert_ecs_error(
        &app.post(&format!("{BASE}/{id}/action"), json!({})).await,
        400,
        "Ecs.0005",
    );
    assert_ecs_error(
        &app.post(
            &format!("{BASE}/nope/action"),
            json!({"add_member": {"instance_uuid": ghost}}),
        )
        .await,
        404,
        "Ecs.0313",
    );
    let b = app
        .post(
            &format!("{BASE}/{id}/add_members"),
            json!({"server_ids": [ghost]}),
        )
        .await;
    assert_eq!(b.status, 200, "{}", b.text);
    assert_eq!(b.body["status"], "failed");
    assert_eq!(b.body["servers"][0]["server_id"], ghost);
    assert!(b.body["servers"][0]["fail_reason"]
        .as_str()
        .is_some_and(|f| f.contains("does not exist")));
    assert_ecs_error(
        &app.post(
            &format!("{BASE}/{id}/remove_members"),
            json!({"server_ids": []}),
        )
        .await,
        400,
        "Ecs.0005",
    );
}

#[tokio::test]
async fn the_hosts_view_lists_the_fleet() {
    let app = TestApp::new().await;
    let r = app.get("/openwks/v1/hosts").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["count"], 68);
    let first = &r.body["hosts"][0];
    assert_eq!(
        (
            first["id"].as_str(),
            first["vcpus"].as_u64(),
            first["vcpus_used"].as_u64()
        ),
        (Some("cn-north-4a-host-001"), Some(96), Some(0))
    );
    let c = app
        .get("/openwks/v1/hosts?availability_zone=cn-north-4c")
        .await;
    assert_eq!(c.body["count"], 20);
    assert!(c.body["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .any(|h| h["gpus"] == 4));
}

#[tokio::test]
async fn unknown_ecs_paths_and_methods_answer_in_the_ecs_shape() {
    let app = TestApp::new().await;
    let r = app
        .get("/v1/{p}/cloudservers/os-server-groups/x/nothing")
        .await;
    assert_ecs_error(&r, 404, "APIGW.0101");
    assert!(r.body.get("error_code").is_none(), "{}", r.text);
    let r = app
        .patch("/v1/{p}/cloudservers/some-server", json!({}))
        .await;
    assert_ecs_error(&r, 405, "WKS.00000405");
    // A WorkspaceApp path keeps the WorkspaceApp shape.
    let r = app.get("/v1/{p}/app-server-groups/x/y/z").await;
    assert_eq!(
        (r.status, r.body["error_code"].clone()),
        (404, json!("APIGW.0101"))
    );
}
