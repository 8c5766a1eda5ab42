//! Host failures (`/openwks/v1/_admin/hosts/{id}/fail|recover`): a host that goes down takes
//! no new servers, its servers go to ERROR and their sessions end, the scaling controller
//! replaces them on hosts that are up, and the state survives a restart.

use serde_json::json;

use crate::harness::TestApp;
use crate::sessions::{launch, session_counts, setup};
use openwks_server::scaler;

async fn server(app: &TestApp, id: &str) -> serde_json::Value {
    let r = app.get(&format!("/v1/{{p}}/app-servers/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn host_of(app: &TestApp, id: &str) -> String {
    let s = server(app, id).await;
    s["host_id"].as_str().expect("host").to_string()
}

async fn host_view(app: &TestApp, host: &str) -> serde_json::Value {
    let r = app.get("/openwks/v1/hosts").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| h["id"] == host)
        .cloned()
        .expect("the host")
}

#[tokio::test]
async fn a_failed_host_ends_its_sessions_and_the_controller_replaces_its_servers() {
    let app = TestApp::new().await;
    let users: Vec<String> = (0..4).map(|i| format!("hf-user-{i}")).collect();
    let (sg, ag, app_id) = setup(&app, "hf", json!({"max_session": 2}), 2, &users).await;
    let mut on = std::collections::HashMap::new();
    for u in &users {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        on.insert(
            u.clone(),
            r.body["server_id"].as_str().expect("server").to_string(),
        );
    }
    let counts = session_counts(&app, &sg).await;
    assert_eq!(counts.values().sum::<i64>(), 4, "{counts:?}");
    let (victim, survivor) = {
        let mut ids: Vec<&String> = counts.keys().collect();
        ids.sort();
        (ids[0].clone(), ids[1].clone())
    };
    let host = host_of(&app, &victim).await;
    assert_ne!(host, host_of(&app, &survivor).await, "anti-affinity");

    // Refused: an IAM user allowed everything, an unknown host, a reason too long.
    let who = crate::iam::user(&app, "host-failer").await;
    let p = crate::iam::policy(
        &app,
        "everything-hosts",
        json!([{"Effect": "Allow", "Action": ["*:*:*"]}]),
    )
    .await;
    crate::iam::attach(&app, &who.id, &p).await;
    let fail = format!("/openwks/v1/_admin/hosts/{host}/fail");
    let r = app.call_as(who.key(), "POST", &fail, Some(json!({}))).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app
        .post("/openwks/v1/_admin/hosts/no-such-host/fail", json!({}))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app.post(&fail, json!({"reason": "x".repeat(256)})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(host_view(&app, &host).await["state"], "up");

    // Down: the victim goes to ERROR and its two sessions end; the survivor keeps its own.
    let r = app.post(&fail, json!({"reason": "power supply"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["servers"], json!([victim]), "{}", r.text);
    let v = server(&app, &victim).await;
    assert_eq!(v["vm_status"], "ERROR", "{v}");
    let counts = session_counts(&app, &sg).await;
    assert_eq!(counts.get(&victim).copied().unwrap_or(0), 0, "{counts:?}");
    assert_eq!(counts.get(&survivor).copied(), Some(2), "{counts:?}");
    let h = host_view(&app, &host).await;
    assert_eq!(
        (&h["state"], &h["down_reason"]),
        (&json!("down"), &json!("power supply")),
        "{h}"
    );
    // A user whose session ended launches again: never onto the ERROR server, and the
    // survivor is full (max_session 2), so there is no capacity until the replacement.
    let cut_off = users
        .iter()
        .find(|u| on[*u] == victim)
        .expect("a user of the victim");
    let r = launch(&app, cut_off, &ag, &app_id).await;
    crate::harness::assert_error(&r, 503, "WKS.00131114");

    // The controller replaces the failed server on a host that is up.
    let activities = scaler::tick(&app.state).await.expect("tick");
    let replace = activities
        .iter()
        .find(|a| a.action == "REPLACE")
        .expect("a REPLACE activity");
    assert_eq!(replace.server_group_id, sg);
    assert!(
        replace.reason.contains(&victim) && replace.reason.contains(&host),
        "{}",
        replace.reason
    );
    let new = replace.server_ids[0].clone();
    assert_ne!(host_of(&app, &new).await, host, "placed off the down host");
    // Replaced once: the next round has nothing to replace.
    let again = scaler::tick(&app.state).await.expect("tick");
    assert!(again.iter().all(|a| a.action != "REPLACE"), "{again:?}");
    app.run_jobs().await;
    let list = app
        .get(&format!("/v1/{{p}}/app-servers?server_group_id={sg}"))
        .await;
    let mut ids: Vec<String> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.sort();
    let mut want = vec![survivor.clone(), new.clone()];
    want.sort();
    assert_eq!(ids, want, "{}", list.text);
    assert_eq!(server(&app, &new).await["vm_status"], "ACTIVE");

    // Down survives a restart; recovering makes it placeable again; a reset brings it up too.
    let app = app.restart().await;
    assert_eq!(host_view(&app, &host).await["state"], "down");
    let r = app
        .post(
            &format!("/openwks/v1/_admin/hosts/{host}/recover"),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["state"]),
        (200, &json!("up")),
        "{}",
        r.text
    );
    let h = host_view(&app, &host).await;
    assert_eq!(h["state"], "up", "{h}");
    assert!(h.get("down_reason").is_none(), "{h}");
    let r = app.post(&fail, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post("/openwks/v1/_admin/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(host_view(&app, &host).await["state"], "up");
}
