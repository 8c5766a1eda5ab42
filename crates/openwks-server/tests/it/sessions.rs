//! Sessions: the launch route (routing, reuse, refusals, explanations, the 500-way race,
//! failover to standby groups), the session operations of the SDK, deadlines on a virtual
//! clock, and the scaling controller scaling out and back in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use openwks_core::clock::VirtualClock;
use openwks_server::scaler;
use serde_json::{json, Value};

use crate::harness::{assert_error, job_servers, Resp, TestApp};

const LAUNCH: &str = "/openwks/v1/{p}/app-launches";

/// A server group with `servers` running servers, its app group with one published app, and
/// `users` authorized; `(server group, app group, app id)`.
pub(crate) async fn setup(
    app: &TestApp,
    name: &str,
    route_policy: Value,
    servers: i64,
    users: &[String],
) -> (String, String, String) {
    let mut body = app.group_body(name);
    body["route_policy"] = route_policy;
    let sg = app.create_group(body).await;
    if servers > 0 {
        app.app_servers(&sg, servers).await;
    }
    let (ag, app_id) = app_group_for(app, &sg, &format!("ag-{name}"), users).await;
    (sg, ag, app_id)
}

pub(crate) async fn app_group_for(
    app: &TestApp,
    sg: &str,
    name: &str,
    users: &[String],
) -> (String, String) {
    let r = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": name, "app_server_group_id": sg}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ag = r.body["id"].as_str().expect("id").to_string();
    let r = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps"),
            json!({"items": [{"name": "Notepad", "execute_path": "C:\\notepad.exe", "source_type": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let app_id = r.body["items"][0]["id"].as_str().expect("app").to_string();
    for chunk in users.chunks(50) {
        let accounts: Vec<Value> = chunk
            .iter()
            .map(|u| json!({"account": u, "account_type": "USER"}))
            .collect();
        let r = app
            .post(
                "/v1/{p}/app-groups/authorizations",
                json!({"app_group_ids": [ag], "accounts": accounts}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    (ag, app_id)
}

/// Wait for a job and check it succeeded; its servers.
async fn wait_job(app: &TestApp, job: &str) -> Vec<String> {
    let j = app.wait_job(job).await;
    assert_eq!(j["status"], "SUCCESS", "{j}");
    job_servers(&j)
}

pub(crate) async fn launch(app: &TestApp, user: &str, ag: &str, app_id: &str) -> Resp {
    app.post(
        LAUNCH,
        json!({"user_name": user, "app_group_id": ag, "app_id": app_id, "client_ip": "203.0.113.7", "client_type": "Windows 10"}),
    )
    .await
}

/// Live sessions per server as `list_servers` reports them.
pub(crate) async fn session_counts(app: &TestApp, sg: &str) -> HashMap<String, i64> {
    let r = app
        .get(&format!(
            "/v1/{{p}}/app-servers?server_group_id={sg}&limit=100"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or("").to_string(),
                s["session_count"].as_i64().expect("session_count"),
            )
        })
        .collect()
}

pub(crate) fn users(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

const WINDOW: &str =
    "query_begin_time=2000-01-01T00:00:00.000Z&query_end_time=2100-01-01T00:00:00.000Z";

#[tokio::test]
async fn a_launch_is_routed_reused_refused_and_logged_off() {
    let app = TestApp::new().await;
    let team = users("u", 5);
    let (sg, ag, app_id) = setup(&app, "sg-launch", json!({"max_session": 2}), 2, &team).await;

    // Refusals, each with its own code; none creates a session.
    assert_error(
        &launch(&app, "mallory", &ag, &app_id).await,
        403,
        "WKS.00131112",
    );
    assert_error(
        &launch(&app, "u000", &ag, "no-such-app").await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &launch(&app, "u000", "404404", &app_id).await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.post(LAUNCH, json!({"app_group_id": ag, "app_id": app_id}))
            .await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.post(
            LAUNCH,
            json!({"user_name": "u000", "app_group_id": ag, "app_id": app_id, "client_ip": "not-an-ip"}),
        )
        .await,
        400,
        "WKS.00211102",
    );

    // Breadth-first: four users fill two servers two each.
    let mut on: HashMap<String, usize> = HashMap::new();
    let mut sessions = Vec::new();
    for u in &team[..4] {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for f in [
            "session_id",
            "server_id",
            "machine_name",
            "vm_ip",
            "server_group_id",
            "app_group_id",
            "app_id",
            "session_state",
        ] {
            assert!(r.body[f].is_string(), "{f} missing: {}", r.text);
        }
        assert_eq!(r.body["session_state"], "Active");
        assert_eq!(r.body["server_group_id"], sg.as_str());
        assert_eq!(r.body["reused"], false);
        *on.entry(r.body["server_id"].as_str().expect("server").to_string())
            .or_default() += 1;
        sessions.push(r.body["session_id"].as_str().expect("id").to_string());
    }
    assert_eq!(on.len(), 2, "breadth-first spreads: {on:?}");
    assert!(on.values().all(|n| *n == 2));
    let counts = session_counts(&app, &sg).await;
    assert_eq!(counts.values().sum::<i64>(), 4, "{counts:?}");

    // Full: a clear 503 with Retry-After that says why, and no session.
    let full = launch(&app, "u004", &ag, &app_id).await;
    assert_error(&full, 503, "WKS.00131114");
    assert!(full.headers.get("retry-after").is_some());
    assert!(full.msg().contains("2 full"), "{}", full.text);

    // The same user again shares the session.
    let again = launch(&app, "u000", &ag, &app_id).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["reused"], true);
    assert_eq!(again.body["session_id"], sessions[0].as_str());

    // A dry run explains and assigns nothing.
    let dry = app
        .post(
            LAUNCH,
            json!({"user_name": "u004", "app_group_id": ag, "app_id": app_id, "dry_run": true}),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["server_id"], Value::Null);
    let passed = dry.body["explanation"][0]["passed_over"]
        .as_array()
        .expect("explained");
    assert_eq!(passed.len(), 2);
    assert!(
        passed
            .iter()
            .all(|p| p["rule"] == "full"
                && p["reason"].as_str().is_some_and(|r| r.contains("2 of 2")))
    );

    // Logging one off frees its slot for the waiting user.
    let off = app
        .delete(&format!("/openwks/v1/{{p}}/app-launches/{}", sessions[1]))
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(off.body["session_state"], "SignedOut");
    let late = app
        .post(
            LAUNCH,
            json!({"user_name": "u004", "app_group_id": ag, "app_id": app_id, "explain": true}),
        )
        .await;
    assert_eq!(late.status, 200, "{}", late.text);
    assert_eq!(late.body["explanation"][0]["server_group_id"], sg.as_str());
    assert_error(
        &app.delete("/openwks/v1/{p}/app-launches/nope").await,
        404,
        "WKS.00211902",
    );

    // A disabled app cannot be opened.
    let dis = app
        .post(
            &format!("/v1/{{p}}/app-groups/{ag}/apps/actions/disable"),
            json!({"ids": [app_id]}),
        )
        .await;
    assert_eq!(dis.status, 200, "{}", dis.text);
    assert_error(
        &launch(&app, "u001", &ag, &app_id).await,
        400,
        "WKS.00131113",
    );

    // The SDK's views of the same sessions.
    let list = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&limit=100"
        ))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["count"], 5);
    let live = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&session_state=Active"
        ))
        .await;
    assert_eq!(live.body["count"], 4);
    let by_user = app
        .get("/v1/{p}/session/user-session-info?user_name=u000")
        .await;
    assert_eq!(by_user.status, 200, "{}", by_user.text);
    let infos = by_user.body["session_info_list"].as_array().expect("list");
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["app_group_id"], ag.as_str());
    assert_eq!(infos[0]["login_user"], "u000");
    // Two launches of u000 are two app connections of one session.
    let conns = app
        .post(
            "/v1/{p}/session/app-connection?limit=100",
            json!({"user_name": "u000"}),
        )
        .await;
    assert_eq!(conns.status, 200, "{}", conns.text);
    assert_eq!(conns.body["count"], 2);
    let logins = app
        .post(
            "/v1/{p}/session/user-connection",
            json!({"user_name": "u001"}),
        )
        .await;
    assert_eq!(logins.body["count"], 1, "{}", logins.text);

    // Metrics count launches, refusals and live sessions.
    let m = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("metrics");
    let text = m.text().await.expect("text");
    assert!(
        text.contains("openwks_launches_total{outcome=\"primary\"} 5"),
        "{text}"
    );
    // Each refusal under its own reason (the unknown app group and app refused above).
    for reason in [
        "no_capacity",
        "unknown_app_group",
        "unknown_app",
        "not_authorized",
    ] {
        assert!(
            text.contains(&format!(
                "openwks_launch_refusals_total{{reason=\"{reason}\"}} 1"
            )),
            "{reason}: {text}"
        );
    }
    // Launch latency: the request histogram of the launch route.
    assert!(
        text.contains("openwks_request_duration_seconds_count{op=\"POST /openwks/v1/{project_id}/app-launches\"}"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "openwks_group_sessions{{server_group_id=\"{sg}\"}} 4"
        )),
        "{text}"
    );
}

/// 500 users launch at once onto 8 servers of 50 sessions: exactly 400 get a session, no
/// server ever holds more than 50, no session is lost or duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_racing_launches_never_overfill_a_server() {
    let app = Arc::new(TestApp::new().await);
    let team = users("racer", 500);
    let (sg, ag, app_id) = setup(&app, "sg-race", json!({"max_session": 50}), 8, &team).await;
    let mut tasks = Vec::new();
    for u in team.clone() {
        let (app, ag, app_id) = (Arc::clone(&app), ag.clone(), app_id.clone());
        tasks.push(tokio::spawn(
            async move { launch(&app, &u, &ag, &app_id).await },
        ));
    }
    let mut placed: HashMap<String, String> = HashMap::new();
    let mut refused = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            200 => {
                let id = r.body["session_id"].as_str().expect("id").to_string();
                let server = r.body["server_id"].as_str().expect("server").to_string();
                assert!(placed.insert(id, server).is_none(), "duplicate session");
            }
            503 => {
                assert_eq!(r.code(), "WKS.00131114", "{}", r.text);
                refused += 1;
            }
            s => panic!("unexpected {s}: {}", r.text),
        }
    }
    assert_eq!((placed.len(), refused), (400, 100));
    let mut per_server: HashMap<&str, i64> = HashMap::new();
    for s in placed.values() {
        *per_server.entry(s).or_default() += 1;
    }
    assert_eq!(per_server.len(), 8);
    assert!(per_server.values().all(|n| *n == 50), "{per_server:?}");
    // The store agrees with what the clients were told.
    let counts = session_counts(&app, &sg).await;
    for (server, n) in &per_server {
        assert_eq!(counts.get(*server), Some(n), "{counts:?}");
    }
    let list = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&limit=100&app_server_group_id={sg}"
        ))
        .await;
    assert_eq!(list.body["count"], 400);
}

#[tokio::test]
async fn launches_fail_over_to_the_standby_group() {
    let app = TestApp::new().await;
    let team = users("f", 4);
    let (primary, ag, app_id) =
        setup(&app, "sg-primary", json!({"max_session": 1}), 1, &team).await;
    let mut body = app.group_body("sg-standby");
    body["primary_server_group_id"] = json!(primary);
    body["route_policy"] = json!({"max_session": 2});
    let standby = app.create_group(body).await;
    let standby_servers = app.app_servers(&standby, 1).await;

    let first = launch(&app, "f000", &ag, &app_id).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["server_group_id"], primary.as_str());
    assert_eq!(first.body["secondary_server_group_id"], Value::Null);

    // The primary is full: the standby takes the next user and says so.
    let second = app
        .post(
            LAUNCH,
            json!({"user_name": "f001", "app_group_id": ag, "app_id": app_id, "explain": true}),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.body["server_group_id"], standby.as_str());
    assert_eq!(second.body["primary_server_group_id"], primary.as_str());
    assert_eq!(second.body["secondary_server_group_id"], standby.as_str());
    assert_eq!(second.body["server_id"], standby_servers[0].as_str());
    let ex = second.body["explanation"].as_array().expect("explanation");
    assert_eq!(ex.len(), 2, "primary then standby: {}", second.text);

    // The primary is disabled: every new user goes to the standby even with room back.
    let off = app
        .delete(&format!(
            "/openwks/v1/{{p}}/app-launches/{}",
            first.body["session_id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(off.status, 200);
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{primary}"),
            json!({"server_group_status": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let third = launch(&app, "f002", &ag, &app_id).await;
    assert_eq!(third.status, 200, "{}", third.text);
    assert_eq!(third.body["server_group_id"], standby.as_str());
    let dry = app
        .post(
            LAUNCH,
            json!({"user_name": "f003", "app_group_id": ag, "app_id": app_id, "dry_run": true}),
        )
        .await;
    assert_eq!(
        dry.body["explanation"][0]["passed_over"][0]["rule"], "group_disabled",
        "{}",
        dry.text
    );
    assert_eq!(
        dry.body["explanation"][1]["passed_over"][0]["rule"], "full",
        "{}",
        dry.text
    );
    assert_error(
        &launch(&app, "f003", &ag, &app_id).await,
        503,
        "WKS.00131114",
    );

    // The session records carry both ids, as SessionInfo has them.
    let list = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&session_state=Active"
        ))
        .await;
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for s in items {
        assert_eq!(s["primary_server_group_id"], primary.as_str());
        assert_eq!(s["secondary_server_group_id"], standby.as_str());
        assert_eq!(s["app_server_group_id"], standby.as_str());
    }
}

async fn preview(app: &TestApp, sg: &str) -> Value {
    app.get(&format!(
        "/openwks/v1/{{p}}/scaling-preview?server_group_id={sg}"
    ))
    .await
    .body
}

async fn activities(app: &TestApp, sg: &str) -> Vec<Value> {
    app.get(&format!(
        "/openwks/v1/{{p}}/scaling-activities?server_group_id={sg}&limit=100"
    ))
    .await
    .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn virtual_app_settings(clock: &Arc<VirtualClock>) -> openwks_server::Settings {
    openwks_server::Settings {
        clock: clock.clone(),
        ..TestApp::settings()
    }
}

async fn virtual_app() -> (TestApp, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::at(chrono::Utc::now().timestamp_millis()));
    let app = TestApp::with(
        Arc::new(tempfile::tempdir().expect("tempdir")),
        virtual_app_settings(&clock),
    )
    .await;
    (app, clock)
}

async fn state_of(app: &TestApp, session: &str) -> String {
    let r = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&limit=100"
        ))
        .await;
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["id"] == session)
        .and_then(|s| s["session_state"].as_str())
        .unwrap_or_else(|| panic!("session {session} not listed: {}", r.text))
        .to_string()
}

#[tokio::test]
async fn logoffs_with_a_delay_and_disconnected_sessions_expire_on_the_clock() {
    let (app, clock) = virtual_app().await;
    let team = users("t", 3);
    let (_, ag, app_id) = setup(&app, "sg-clock", json!({"max_session": 5}), 1, &team).await;
    let ids: Vec<String> = {
        let mut v = Vec::new();
        for u in &team {
            let r = launch(&app, u, &ag, &app_id).await;
            assert_eq!(r.status, 200, "{}", r.text);
            v.push(r.body["session_id"].as_str().expect("id").to_string());
        }
        v
    };
    // Vendor rules of logoff_user_session.
    for (body, code) in [
        (
            json!({"session_ids": [ids[0]], "message_type": 0}),
            "WKS.00211104",
        ),
        (
            json!({"session_ids": [ids[0]], "delay_time": 0}),
            "WKS.00211104",
        ),
        (
            json!({"session_ids": [], "delay_time": 0, "message_type": 0}),
            "WKS.00211107",
        ),
        (
            json!({"session_ids": [ids[0]], "delay_time": 1_000_000, "message_type": 0}),
            "WKS.00211107",
        ),
        (
            json!({"session_ids": [ids[0]], "delay_time": 0, "message_type": 5}),
            "WKS.00211107",
        ),
    ] {
        assert_error(&app.post("/v1/{p}/session/logoff", body).await, 400, code);
    }
    // Unknown ids: nothing changes.
    assert_error(
        &app.post(
            "/v1/{p}/session/logoff",
            json!({"session_ids": [ids[0], "nope"], "delay_time": 0, "message_type": 0}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    assert_eq!(state_of(&app, &ids[0]).await, "Active");

    // Now, and in 60 s.
    let r = app
        .post(
            "/v1/{p}/session/logoff",
            json!({"session_ids": [ids[0]], "delay_time": 0, "message_type": 1, "message": "bye"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(state_of(&app, &ids[0]).await, "SignedOut");
    let r = app
        .post(
            "/v1/{p}/session/logoff",
            json!({"session_ids": [ids[1]], "delay_time": 60, "message_type": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The third user disconnects: the slot is kept until the disconnect timeout.
    let d = app
        .post(
            &format!("/openwks/v1/{{p}}/app-launches/{}/disconnect", ids[2]),
            json!({}),
        )
        .await;
    assert_eq!(d.body["session_state"], "Disconnected", "{}", d.text);

    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(state_of(&app, &ids[1]).await, "Active");
    clock.advance(61_000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(state_of(&app, &ids[1]).await, "SignedOut");
    assert_eq!(state_of(&app, &ids[2]).await, "Disconnected");

    // Reconnecting within the timeout takes the same session back.
    let back = launch(&app, &team[2], &ag, &app_id).await;
    assert_eq!(back.body["session_id"], ids[2].as_str());
    assert_eq!(back.body["session_state"], "Active");
    let d = app
        .post(
            &format!("/openwks/v1/{{p}}/app-launches/{}/disconnect", ids[2]),
            json!({}),
        )
        .await;
    assert_eq!(d.status, 200);
    clock.advance(15 * 60 * 1000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(state_of(&app, &ids[2]).await, "SignedOut");
    assert_error(
        &app.post(
            &format!("/openwks/v1/{{p}}/app-launches/{}/disconnect", ids[2]),
            json!({}),
        )
        .await,
        409,
        "WKS.00211103",
    );
}

#[tokio::test]
async fn list_sessions_filters_and_exports() {
    let app = TestApp::new().await;
    let team = users("e", 3);
    let (sg, ag, app_id) = setup(&app, "sg-export", json!({"max_session": 5}), 1, &team).await;
    for u in &team {
        assert_eq!(launch(&app, u, &ag, &app_id).await.status, 200);
    }
    // The vendor's table makes both times required.
    assert_error(
        &app.get("/v1/{p}/session/list-sessions").await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.get("/v1/{p}/session/list-sessions?query_begin_time=yesterday&query_end_time=2100-01-01T00:00:00Z")
            .await,
        400,
        "WKS.00211102",
    );
    assert_error(
        &app.get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&session_state=Sleeping"
        ))
        .await,
        400,
        "WKS.00211106",
    );
    let q = |extra: &str| format!("/v1/{{p}}/session/list-sessions?{WINDOW}&{extra}");
    assert_eq!(app.get(&q("user_name=e001")).await.body["count"], 1);
    assert_eq!(
        app.get(&q(&format!("app_server_group_id={sg}"))).await.body["count"],
        3
    );
    assert_eq!(app.get(&q("public_ip=203.0.113.7")).await.body["count"], 3);
    assert_eq!(app.get(&q("is_success=false")).await.body["count"], 0);
    assert_eq!(
        app.get(&q("session_state=SignedOut,Disconnected"))
            .await
            .body["count"],
        0
    );
    let page = app.get(&q("limit=2&offset=2")).await;
    assert_eq!(
        (
            page.body["count"].as_i64(),
            page.body["items"].as_array().map(Vec::len)
        ),
        (Some(3), Some(1))
    );
    let early = app
        .get("/v1/{p}/session/list-sessions?query_begin_time=2000-01-01T00:00:00Z&query_end_time=2000-01-02T00:00:00Z")
        .await;
    assert_eq!(early.body["count"], 0);

    // App connections filter in the store: recorded fields, the brokering window, the tenant.
    for (filter, n) in [
        (json!({"app_group_id": ag}), 3),
        (json!({"user_name": "e001", "app_name": "Notepad"}), 1),
        (
            json!({"public_ip": "203.0.113.7", "client_type": "Windows 10"}),
            3,
        ),
        (
            json!({"brokering_start_time": "2000-01-01T00:00:00Z", "brokering_end_time": "2100-01-01T00:00:00Z"}),
            3,
        ),
        (json!({"brokering_start_time": "2100-01-01T00:00:00Z"}), 0),
        (json!({"tenant_id": "someone-else"}), 0),
        (json!({"wi_ip": "10.1.1.1"}), 0),
    ] {
        let r = app
            .post("/v1/{p}/session/app-connection?limit=2", filter.clone())
            .await;
        assert_eq!(r.body["count"], n, "{filter}: {}", r.text);
        assert_eq!(
            r.body["items"].as_array().map(Vec::len),
            Some(n.min(2) as usize),
            "{filter}"
        );
    }
    assert_error(
        &app.post(
            "/v1/{p}/session/app-connection",
            json!({"brokering_start_time": "soon"}),
        )
        .await,
        400,
        "WKS.00211102",
    );

    // Exports: a task whose result can be fetched.
    let ex = app
        .post(
            "/v1/{p}/session/list-sessions/export",
            json!({"user_name": "e002"}),
        )
        .await;
    assert_eq!(ex.status, 200, "{}", ex.text);
    let task = ex.body["task_id"].as_str().expect("task").to_string();
    let got = app
        .get(&format!("/openwks/v1/{{p}}/export-tasks/{task}"))
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body["status"], "SUCCESS");
    assert_eq!(got.body["count"], 1);
    assert_eq!(got.body["items"][0]["login_user"], "e002");
    assert_error(
        &app.post(
            "/v1/{p}/session/list-sessions/export",
            json!({"query_begin_time": "2024-01-01T00:00:00Z"}),
        )
        .await,
        400,
        "WKS.00211102",
    );
    assert_error(
        &app.post("/v1/{p}/session/list-sessions/export",
            json!({"query_begin_time": "2024-01-01T00:00:00Z", "query_end_time": "2024-03-01T00:00:00Z"})).await,
        400,
        "WKS.00211102",
    );
    for (path, n) in [
        ("/v1/{p}/session/app-connection/export", 3),
        ("/v1/{p}/session/user-connection/export", 3),
    ] {
        let ex = app.post(path, json!({})).await;
        assert_eq!(ex.status, 200, "{}", ex.text);
        let t = ex.body["task_id"].as_str().expect("task").to_string();
        assert_eq!(
            app.get(&format!("/openwks/v1/{{p}}/export-tasks/{t}"))
                .await
                .body["count"],
            n
        );
    }
    assert_error(
        &app.get("/openwks/v1/{p}/export-tasks/nope").await,
        404,
        "WKS.00211902",
    );

    // Session types (the paid session packages).
    let types = app.get("/v1/{p}/session-type").await;
    assert_eq!(
        types.body["session_types"].as_array().map(Vec::len),
        Some(2)
    );
    let gpu = app
        .post("/v1/{p}/session-type", json!({"session_type": "GPU"}))
        .await;
    assert_eq!(
        gpu.body["session_types"][0]["resource_spec_code"],
        "workspace.appstreamsession.premium"
    );
}

/// A ramp of launches scales the group out step by step; after the idle period it scales back
/// in; each step is in the activity log with its reason. Launches racing the scale-in are never
/// lost: each either lands on a server that stays, or is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_group_scales_out_under_a_ramp_and_back_in_when_idle() {
    let (app, clock) = virtual_app().await;
    let app = Arc::new(app);
    let team = users("r", 12);
    let (sg, ag, app_id) = setup(&app, "sg-scale", json!({"max_session": 2}), 1, &team).await;
    let r = app
        .put(
            "/v1/{p}/scaling-policy",
            json!({"server_group_id": sg, "enable": true, "max_scaling_amount": 3, "single_expansion_count": 1,
                   "scaling_policy_by_session": {"session_usage_threshold": 75, "shrink_after_session_idle_minutes": 10}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Idle group: hold, and say why.
    assert_eq!(preview(&app, &sg).await["action"], "HOLD");
    let acts = scaler::tick(&app.state).await.expect("tick");
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].action, "HOLD");

    // The ramp: each step fills what there is, the controller adds one server at a time.
    let mut next = 0;
    let mut servers_seen = 1;
    for _ in 0..3 {
        // Fill the group's current capacity.
        loop {
            let r = launch(&app, &team[next], &ag, &app_id).await;
            if r.status == 503 {
                break;
            }
            assert_eq!(r.status, 200, "{}", r.text);
            next += 1;
        }
        let p = preview(&app, &sg).await;
        assert_eq!(p["action"], "SCALE_OUT", "{p}");
        assert_eq!(p["add_servers"], 1);
        assert!(
            p["reason"]
                .as_str()
                .is_some_and(|r| r.contains("session usage 100%")),
            "{p}"
        );
        let acts = scaler::tick(&app.state).await.expect("tick");
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].action, "SCALE_OUT");
        let job = acts[0].job_id.clone().expect("job");
        wait_job(&app, &job).await;
        servers_seen += 1;
    }
    assert_eq!(servers_seen, 4);
    // At max_scaling_amount: hold, and say so.
    loop {
        let r = launch(&app, &team[next], &ag, &app_id).await;
        if r.status == 503 {
            break;
        }
        next += 1;
    }
    assert_eq!(next, 8, "4 servers x 2 sessions");
    let p = preview(&app, &sg).await;
    assert_eq!(p["action"], "HOLD");
    assert!(
        p["reason"]
            .as_str()
            .is_some_and(|r| r.contains("max_scaling_amount")),
        "{p}"
    );
    let auto = app
        .get(&format!(
            "/v1/{{p}}/app-servers?server_group_id={sg}&scaling_auto_create=true"
        ))
        .await;
    assert_eq!(auto.body["count"], 3);

    // Everyone leaves. Before the idle period nothing is released.
    let list = app
        .get(&format!(
            "/v1/{{p}}/session/list-sessions?{WINDOW}&limit=100&session_state=Active"
        ))
        .await;
    for s in list.body["items"].as_array().expect("items") {
        let id = s["id"].as_str().expect("id");
        assert_eq!(
            app.delete(&format!("/openwks/v1/{{p}}/app-launches/{id}"))
                .await
                .status,
            200
        );
    }
    clock.advance(5 * 60 * 1000);
    assert_eq!(preview(&app, &sg).await["action"], "HOLD");
    clock.advance(6 * 60 * 1000);
    let p = preview(&app, &sg).await;
    assert_eq!(p["action"], "SCALE_IN", "{p}");

    // Launches race the scale-in: none is lost.
    let mut tasks = Vec::new();
    for u in &team[8..12] {
        let (app, ag, app_id, u) = (Arc::clone(&app), ag.clone(), app_id.clone(), u.clone());
        tasks.push(tokio::spawn(
            async move { launch(&app, &u, &ag, &app_id).await },
        ));
    }
    let acts = scaler::tick(&app.state).await.expect("tick");
    let mut landed = Vec::new();
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            200 => landed.push((
                r.body["session_id"].as_str().expect("id").to_string(),
                r.body["server_id"].as_str().expect("server").to_string(),
            )),
            // Refused cleanly when the release came first and the rest is full.
            503 => assert_eq!(r.code(), "WKS.00131114"),
            s => panic!("unexpected {s}: {}", r.text),
        }
    }
    assert!(
        landed.len() >= 2,
        "the manual server has room for two: {landed:?}"
    );
    // Whichever came first, nothing is lost: the scale-in released only servers that no
    // launch reached (maybe none, when every idle server gained a session in the race).
    assert_eq!(acts.len(), 1);
    let released: HashSet<String> = acts[0].server_ids.iter().cloned().collect();
    assert!(
        matches!(acts[0].action.as_str(), "SCALE_IN" | "HOLD"),
        "{:?}",
        acts[0]
    );
    assert!(acts[0].reason.contains("idle"), "{}", acts[0].reason);
    if let Some(job) = &acts[0].job_id {
        wait_job(&app, job).await;
    }
    for (session, server) in &landed {
        assert!(
            !released.contains(server),
            "session {session} landed on released {server}"
        );
        assert_eq!(state_of(&app, session).await, "Active");
    }
    let counts = session_counts(&app, &sg).await;
    assert_eq!(
        counts.values().sum::<i64>(),
        landed.len() as i64,
        "{counts:?}"
    );
    for s in &released {
        assert!(!counts.contains_key(s), "released server {s} still listed");
    }

    // Everyone leaves again: after the idle period every auto-created server goes.
    for (session, _) in &landed {
        let off = app
            .delete(&format!("/openwks/v1/{{p}}/app-launches/{session}"))
            .await;
        assert_eq!(off.status, 200);
    }
    clock.advance(11 * 60 * 1000);
    let acts = scaler::tick(&app.state).await.expect("tick");
    if released.len() < 3 {
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].action, "SCALE_IN", "{:?}", acts[0]);
        assert!(acts[0].reason.contains("idle"), "{}", acts[0].reason);
        wait_job(&app, acts[0].job_id.as_deref().expect("job")).await;
    }
    let auto = app
        .get(&format!(
            "/v1/{{p}}/app-servers?server_group_id={sg}&scaling_auto_create=true"
        ))
        .await;
    assert_eq!(auto.body["count"], 0, "{}", auto.text);
    let left = session_counts(&app, &sg).await;
    assert_eq!(left.len(), 1, "the server people created stays: {left:?}");

    // The log tells the story, newest first: the ramp, then the release(s).
    let log = activities(&app, &sg).await;
    let actions: Vec<&str> = log
        .iter()
        .rev()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(
        actions[..4],
        ["HOLD", "SCALE_OUT", "SCALE_OUT", "SCALE_OUT"]
    );
    assert!(actions[4..].contains(&"SCALE_IN"), "{actions:?}");
    let released_in_log: usize = log
        .iter()
        .filter(|a| a["action"] == "SCALE_IN")
        .map(|a| a["server_ids"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(released_in_log, 3);
    assert!(log
        .iter()
        .all(|a| a["reason"].as_str().is_some_and(|r| !r.is_empty())));
    assert_error(
        &app.get("/openwks/v1/{p}/scaling-activities").await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.get("/openwks/v1/{p}/scaling-preview?server_group_id=nope")
            .await,
        404,
        "WKS.00211902",
    );
}

/// Depth-first fills one server before the next; a threshold caps sessions below
/// `max_session`; a `max_session` change applies to the next launch; maintenance takes a server
/// out of routing without ending its sessions; stopping a server ends them.
#[tokio::test]
async fn strategy_thresholds_policy_changes_maintenance_and_stops() {
    let app = TestApp::new().await;
    let team = users("d", 12);
    let (sg, ag, app_id) = setup(
        &app,
        "sg-depth",
        json!({"max_session": 3, "strategy": "DEPTH_FIRST"}),
        2,
        &team,
    )
    .await;
    let shown = app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
    assert_eq!(
        shown.body["route_policy"]["strategy"], "DEPTH_FIRST",
        "{}",
        shown.text
    );
    let mut order = Vec::new();
    let mut ids = Vec::new();
    for u in &team[..4] {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        order.push(r.body["server_id"].as_str().expect("server").to_string());
        ids.push(r.body["session_id"].as_str().expect("id").to_string());
    }
    assert_eq!(order[0], order[1]);
    assert_eq!(
        order[1], order[2],
        "depth-first fills the first server: {order:?}"
    );
    assert_ne!(order[2], order[3]);
    let (first, second) = (order[0].clone(), order[3].clone());

    // max_session 3 -> 2: the full server (3) and the next launch obey at once.
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"route_policy": {"max_session": 2}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = launch(&app, &team[4], &ag, &app_id).await;
    assert_eq!(r.body["server_id"], second.as_str(), "{}", r.text);
    assert_error(
        &launch(&app, &team[5], &ag, &app_id).await,
        503,
        "WKS.00131114",
    );

    // A CPU threshold of 20 % caps a server at 2 sessions (expected usage 4 + 11 n % stays at
    // or under 20 only up to n = 1): with max_session 10 the explanation names the threshold.
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"route_policy": {"max_session": 10, "cpu_threshold": 20}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let dry = app
        .post(
            LAUNCH,
            json!({"user_name": team[5], "app_group_id": ag, "app_id": app_id, "dry_run": true}),
        )
        .await;
    let rules: Vec<&str> = dry.body["explanation"][0]["passed_over"]
        .as_array()
        .expect("passed over")
        .iter()
        .filter_map(|p| p["rule"].as_str())
        .collect();
    assert_eq!(rules, ["over_threshold", "over_threshold"], "{}", dry.text);

    // Lift the threshold; maintenance on the first server sends launches to the second only,
    // and its three sessions stay.
    let r = app
        .patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"route_policy": {"cpu_threshold": 0}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-maint",
            Some(json!({"items": [first], "maintain_status": true})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    for u in &team[5..8] {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.body["server_id"], second.as_str(), "{}", r.text);
    }
    let counts = session_counts(&app, &sg).await;
    assert_eq!((counts[&first], counts[&second]), (3, 5));

    // Stopping the first server ends its sessions.
    let stop = app
        .call(
            "PATCH",
            "/v1/{p}/app-servers/actions/batch-stop",
            Some(json!({"items": [first], "type": "SOFT"})),
        )
        .await;
    assert_eq!(stop.status, 200, "{}", stop.text);
    app.run_jobs().await;
    assert_eq!(session_counts(&app, &sg).await[&first], 0);
    assert_eq!(state_of(&app, &ids[0]).await, "SignedOut");
    assert_error(
        &app.patch(
            &format!("/v1/{{p}}/app-server-groups/{sg}"),
            json!({"route_policy": {"strategy": "RANDOM"}}),
        )
        .await,
        400,
        "WKS.00211106",
    );
}

/// Sessions are durable and routing after a restart counts them: a full server stays full.
#[tokio::test]
async fn sessions_survive_a_restart_and_still_count() {
    let app = TestApp::new().await;
    let team = users("s", 2);
    let (_, ag, app_id) = setup(&app, "sg-restart", json!({"max_session": 1}), 1, &team).await;
    let first = launch(&app, &team[0], &ag, &app_id).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let app = app.restart().await;
    assert_error(
        &launch(&app, &team[1], &ag, &app_id).await,
        503,
        "WKS.00131114",
    );
    let again = launch(&app, &team[0], &ag, &app_id).await;
    assert_eq!(again.body["session_id"], first.body["session_id"]);
    assert_eq!(again.body["reused"], true);
    // Filters on fields openwks does not record match nothing.
    let none = app
        .post(
            "/v1/{p}/session/app-connection",
            json!({"client_name": "laptop-7"}),
        )
        .await;
    assert_eq!(none.body["count"], 0, "{}", none.text);
    let all = app.post("/v1/{p}/session/app-connection", json!({})).await;
    assert_eq!(all.body["count"], 2, "{}", all.text);
}
