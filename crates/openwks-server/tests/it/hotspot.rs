//! Hotspot session migration (issue #18): the configuration's five operations with their rules,
//! and the controller moving sessions off servers that a lowered `max_session` left hot — the
//! newest first, never a non-migration user's, and never into nowhere.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp};
use crate::sessions::{launch, session_counts, setup, users};
use openwks_server::scaler;

const CONFIGS: &str = "/v1/{p}/hotspot-session-config";

#[tokio::test]
async fn the_configuration_is_one_per_project_with_the_vendors_rules() {
    let app = TestApp::new().await;
    for (body, status, code) in [
        (
            json!({"hotspot_session_migration_enable": true}),
            400,
            "WKS.00211104",
        ),
        (json!({"hotspot_exit_session_num": 1}), 400, "WKS.00211104"),
        (
            json!({"hotspot_exit_session_num": 101, "hotspot_session_migration_enable": true}),
            400,
            "WKS.00211107",
        ),
        (
            json!({"hotspot_exit_session_num": 1, "hotspot_session_migration_enable": true,
                   "non_migrate_users": [{}]}),
            400,
            "WKS.00211104",
        ),
        (
            json!({"hotspot_exit_session_num": 1, "hotspot_session_migration_enable": true,
                   "non_migrate_users": [{"user_name": "x".repeat(129)}]}),
            400,
            "WKS.00211102",
        ),
    ] {
        assert_error(&app.post(CONFIGS, body).await, status, code);
    }
    let r = app
        .post(
            CONFIGS,
            json!({"hotspot_exit_session_num": 2, "hotspot_session_migration_enable": false,
                   "non_migrate_users": [{"user_id": "u-1", "user_name": "alice"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        r.body["non_migrate_users"],
        json!([{"user_id": "u-1", "user_name": "alice"}])
    );
    assert_error(
        &app.post(
            CONFIGS,
            json!({"hotspot_exit_session_num": 1, "hotspot_session_migration_enable": true}),
        )
        .await,
        409,
        "WKS.00211103",
    );
    let l = app.get(CONFIGS).await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(l.body["items"].as_array().map(Vec::len), Some(1));
    assert!(l.body["items"][0]["project_id"].is_string(), "{}", l.text);

    let one = format!("{CONFIGS}/{id}");
    let u = app
        .patch(&one, json!({"hotspot_session_migration_enable": true}))
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        u.body,
        json!({"id": id, "hotspot_session_migration_enable": true, "hotspot_exit_session_num": 2})
    );
    assert_error(&app.patch(&one, json!({})).await, 400, "WKS.0001");
    assert_error(
        &app.patch(&one, json!({"hotspot_exit_session_num": -1}))
            .await,
        400,
        "WKS.00211107",
    );
    assert_error(
        &app.patch(
            &format!("{CONFIGS}/nope"),
            json!({"hotspot_exit_session_num": 1}),
        )
        .await,
        404,
        "WKS.00211902",
    );

    // Non-migration users: add (duplicates once), list with a name filter and pages, delete by
    // name or id.
    let users_path = format!("{one}/non-migration-users");
    let add = app
        .patch(
            &users_path,
            json!({"update_type": "ADD", "non_migrate_users": [
                {"user_id": "u-2", "user_name": "bob"}, {"user_id": "u-1", "user_name": "alice"},
                {"user_id": "u-3", "user_name": "bobby"}]}),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    let l = app.get(&format!("{users_path}?user_name=bob")).await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(l.body["total_count"], 2, "{}", l.text);
    let l = app.get(&format!("{users_path}?limit=1&offset=2")).await;
    assert_eq!(
        (&l.body["total_count"], &l.body["non_migrate_users"]),
        (
            &json!(3),
            &json!([{"user_id": "u-3", "user_name": "bobby"}])
        ),
        "{}",
        l.text
    );
    let del = app
        .patch(
            &users_path,
            json!({"update_type": "DELETE", "non_migrate_users": [{"user_name": "alice"}, {"user_id": "u-3"}]}),
        )
        .await;
    assert_eq!(del.status, 200, "{}", del.text);
    let l = app.get(&users_path).await;
    assert_eq!(
        l.body["non_migrate_users"],
        json!([{"user_id": "u-2", "user_name": "bob"}])
    );
    for (body, code) in [
        (
            json!({"update_type": "MOVE", "non_migrate_users": [{"user_name": "x"}]}),
            "WKS.00211106",
        ),
        (json!({"update_type": "ADD"}), "WKS.00211104"),
        (
            json!({"update_type": "ADD", "non_migrate_users": []}),
            "WKS.00211107",
        ),
    ] {
        assert_error(&app.patch(&users_path, body).await, 400, code);
    }
    let many: Vec<Value> = (0..1000)
        .map(|i| json!({"user_name": format!("many-{i}")}))
        .collect();
    assert_error(
        &app.patch(
            &users_path,
            json!({"update_type": "ADD", "non_migrate_users": many}),
        )
        .await,
        400,
        "WKS.00211107",
    );
    assert_eq!(
        app.get(&users_path).await.body["total_count"],
        1,
        "nothing added"
    );
}

#[tokio::test]
async fn hot_servers_shed_their_newest_sessions_where_there_is_room() {
    let app = TestApp::new().await;
    let team = users("hs", 4);
    let (sg, ag, app_id) = setup(&app, "hotspot", json!({"max_session": 4}), 2, &team).await;
    let mut on: HashMap<String, String> = HashMap::new();
    for u in &team {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        on.insert(
            u.clone(),
            r.body["server_id"].as_str().expect("server").into(),
        );
    }
    // Breadth first: two sessions on each server, the later user of each pair is the newest.
    let mut by_server: HashMap<String, Vec<String>> = HashMap::new();
    for u in &team {
        by_server.entry(on[u].clone()).or_default().push(u.clone());
    }
    assert_eq!(by_server.len(), 2);
    assert!(by_server.values().all(|v| v.len() == 2), "{by_server:?}");
    let spare = app.app_servers(&sg, 1).await[0].clone();
    let (first, second): (Vec<String>, Vec<String>) = {
        let mut v: Vec<&Vec<String>> = by_server.values().collect();
        v.sort();
        (v[0].clone(), v[1].clone())
    };
    // The second server's newest user never moves.
    let r = app
        .post(
            CONFIGS,
            json!({"hotspot_exit_session_num": 5, "hotspot_session_migration_enable": false,
                   "non_migrate_users": [{"user_id": "x", "user_name": second[1]}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_string();

    // One session a server from now on: both servers are hot.
    let p = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"route_policy": {"max_session": 1}}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    // Disabled: nothing moves.
    scaler::tick(&app.state).await.expect("tick");
    let before = session_counts(&app, &sg).await;
    assert_eq!(before.get(&spare).copied().unwrap_or(0), 0, "{before:?}");

    let u = app
        .patch(
            &format!("{CONFIGS}/{id}"),
            json!({"hotspot_session_migration_enable": true}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    let acts = scaler::tick(&app.state).await.expect("tick");
    let moves: Vec<_> = acts
        .iter()
        .filter(|a| a.action == "HOTSPOT_MIGRATION")
        .collect();
    assert_eq!(moves.len(), 2, "{acts:?}");
    let of = |server: &str| {
        moves
            .iter()
            .find(|a| a.server_ids == [server.to_string()])
            .map(|a| a.reason.clone())
            .expect("an activity for the server")
    };
    // The first server's newest session went to the spare server.
    let r1 = of(&on[&first[1]]);
    assert!(
        r1.contains("moved 1 session(s)") && r1.contains(&first[1]) && r1.contains("max_session 1"),
        "{r1}"
    );
    // The second's newest user stays (non-migration); its other session has nowhere to go (the
    // spare is full now), so it stays too.
    let r2 = of(&on[&second[1]]);
    assert!(r2.contains("moved 0 session(s)"), "{r2}");
    assert!(
        r2.contains(&format!("kept non-migration users {}", second[1])),
        "{r2}"
    );
    assert!(
        r2.contains(&format!("could not move {}", second[0])),
        "{r2}"
    );
    let counts = session_counts(&app, &sg).await;
    assert_eq!(counts.get(&spare).copied(), Some(1), "{counts:?}");
    assert_eq!(counts.get(&on[&first[0]]).copied(), Some(1), "{counts:?}");
    assert_eq!(counts.get(&on[&second[0]]).copied(), Some(2), "{counts:?}");
    assert_eq!(
        counts.values().sum::<i64>(),
        4,
        "no session lost: {counts:?}"
    );
    // The moved user's launch finds its new session.
    let again = launch(&app, &first[1], &ag, &app_id).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["reused"], true, "{}", again.text);
    assert_eq!(again.body["server_id"], spare.as_str());
    // Recorded in the group's scaling activities.
    let log = app
        .get(&format!(
            "/openwks/v1/{{p}}/scaling-activities?server_group_id={sg}&limit=100"
        ))
        .await;
    let n = log.body["items"].as_array().map(|v| {
        v.iter()
            .filter(|a| a["action"] == "HOTSPOT_MIGRATION")
            .count()
    });
    assert_eq!(n, Some(2), "{}", log.text);
}
