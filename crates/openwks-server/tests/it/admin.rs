//! The administrator's routes for test suites (`/openwks/v1/_admin/…`): run due jobs, read
//! and move the clock, beat, reset. Each is refused to an IAM user, whatever its policies.

use std::sync::Arc;
use std::time::Duration;

use openwks_core::clock::VirtualClock;
use serde_json::json;

use crate::harness::TestApp;

/// An app on a virtual clock (at 1_780_000_000_000 ms) whose servers take `boot_delay` to
/// boot, with a group `name` and the job creating one app server in it: `(clock, app, job)`.
async fn booting(boot_delay: Duration, name: &str) -> (Arc<VirtualClock>, TestApp, String) {
    let clock = Arc::new(VirtualClock::at(1_780_000_000_000));
    let settings = openwks_server::Settings {
        boot_delay,
        clock: clock.clone(),
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    let sg = app.create_group(app.group_body(name)).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 1),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    (clock, app, job)
}

/// An IAM user `name` whose policy allows every action: the administrator's routes refuse it
/// all the same.
async fn allowed_everything(app: &TestApp, name: &str) -> crate::iam::Who {
    let who = crate::iam::user(app, name).await;
    let p = crate::iam::policy(
        app,
        &format!("everything-{name}"),
        json!([{"Effect": "Allow", "Action": ["*:*:*"]}]),
    )
    .await;
    crate::iam::attach(app, &who.id, &p).await;
    who
}

/// `POST /openwks/v1/_admin/jobs/run-due`: the administrator finishes every due job at once (what
/// the SDK suite calls instead of polling); an IAM user, even one allowed every action, is
/// refused; a job whose time has not come stays running.
#[tokio::test]
async fn the_administrator_runs_due_jobs_over_http() {
    let (clock, app, job) = booting(Duration::from_secs(300), "sg-run-due").await;
    let status = |body: &serde_json::Value| body["status"].as_str().unwrap_or("").to_string();
    // An IAM user allowed everything: driving the queue is the administrator's alone.
    let who = allowed_everything(&app, "not-admin").await;
    let refused = app
        .call_as(who.key(), "POST", "/openwks/v1/_admin/jobs/run-due", None)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    // Not due yet: nothing is finished.
    let early = app.post("/openwks/v1/_admin/jobs/run-due", json!({})).await;
    assert_eq!(
        (early.status, &early.body["finished"]),
        (200, &json!(0)),
        "{}",
        early.text
    );
    let j = app.get(&format!("/v2/{{p}}/job/{job}")).await;
    assert_eq!(status(&j.body), "RUNNING", "{}", j.text);
    // Due: finished when the answer arrives (by this call, or by the worker just before it).
    clock.advance(300_000);
    let ran = app.post("/openwks/v1/_admin/jobs/run-due", json!({})).await;
    assert_eq!(ran.status, 200, "{}", ran.text);
    assert!(
        ran.body["finished"].as_u64().is_some_and(|n| n <= 1),
        "{}",
        ran.text
    );
    let j = app.get(&format!("/v2/{{p}}/job/{job}")).await;
    assert_eq!(status(&j.body), "SUCCESS", "{}", j.text);
}

/// `/openwks/v1/_admin/clock` and `/cluster/beat`: the administrator reads and moves a clock
/// that can be moved (a job's boot delay then passes at once), a wall clock answers 409, bad
/// input 400, and an IAM user allowed everything 403.
#[tokio::test]
async fn the_administrator_moves_the_clock_and_beats_over_http() {
    let (clock, app, job) = booting(Duration::from_secs(600), "sg-clock").await;
    let shown = app.get("/openwks/v1/_admin/clock").await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["now_ms"], 1_780_000_000_000_i64);
    for bad in [
        json!({}),
        json!({"advance_ms": 0}),
        json!({"advance_ms": "soon"}),
    ] {
        let r = app.post("/openwks/v1/_admin/clock", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    let moved = app
        .post("/openwks/v1/_admin/clock", json!({"advance_ms": 600_000}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["now_ms"], 1_780_000_600_000_i64);
    assert_eq!(
        openwks_core::clock::Clock::now_ms(clock.as_ref()),
        1_780_000_600_000
    );
    let ran = app.post("/openwks/v1/_admin/jobs/run-due", json!({})).await;
    assert!(
        ran.body["finished"].as_u64().is_some_and(|n| n <= 1),
        "{}",
        ran.text
    );
    let j = app.get(&format!("/v2/{{p}}/job/{job}")).await;
    assert_eq!(j.body["status"], "SUCCESS", "{}", j.text);
    // The embedded store: this process is always the lease holder.
    let beat = app.post("/openwks/v1/_admin/cluster/beat", json!({})).await;
    assert_eq!(beat.status, 200, "{}", beat.text);
    if !app.state.store.shared() {
        assert_eq!(beat.body["leader"], true, "{}", beat.text);
    }
    // Not the administrator's: refused.
    let who = allowed_everything(&app, "clock-user").await;
    for (method, path) in [
        ("GET", "/openwks/v1/_admin/clock"),
        ("POST", "/openwks/v1/_admin/clock"),
        ("POST", "/openwks/v1/_admin/cluster/beat"),
    ] {
        let r = app
            .call_as(who.key(), method, path, Some(json!({"advance_ms": 1})))
            .await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
    }
    // A wall clock cannot be moved.
    let wall = TestApp::new().await;
    let r = wall
        .post("/openwks/v1/_admin/clock", json!({"advance_ms": 1000}))
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("--time-control"), "{}", r.text);
}

/// `POST /openwks/v1/_admin/reset`: every resource goes (groups, servers, jobs, sessions, app
/// groups, networks but the default one), the identity stays (the administrator's key, IAM
/// users and their keys), names are free again, and an IAM user is refused.
#[tokio::test]
async fn the_administrator_resets_every_resource_and_keeps_the_identity() {
    let app = TestApp::new().await;
    let sg = app.create_group(app.group_body("sg-reset")).await;
    let servers = app.app_servers(&sg, 2).await;
    assert_eq!(servers.len(), 2);
    let ag = app
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "ag-reset", "app_server_group_id": sg}),
        )
        .await;
    assert_eq!(ag.status, 200, "{}", ag.text);
    let vpc = app
        .post(
            "/v1/{p}/vpcs",
            json!({"vpc": {"name": "extra", "cidr": "10.20.0.0/16"}}),
        )
        .await;
    assert_eq!(vpc.status, 200, "{}", vpc.text);
    let who = allowed_everything(&app, "reset-user").await;
    let refused = app
        .call_as(who.key(), "POST", "/openwks/v1/_admin/reset", None)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let r = app.post("/openwks/v1/_admin/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["removed"]["server_groups"], 1, "{}", r.text);
    assert_eq!(r.body["removed"]["servers"], 2, "{}", r.text);
    assert_eq!(r.body["removed"]["app_groups"], 1, "{}", r.text);
    assert_eq!(r.body["removed"]["vpcs"], 1, "{}", r.text);
    for (path, key) in [
        ("/v1/{p}/app-server-groups", "count"),
        ("/v1/{p}/app-groups", "count"),
        ("/v1/{p}/app-servers", "count"),
    ] {
        let l = app.get(path).await;
        assert_eq!(
            (l.status, &l.body[key]),
            (200, &json!(0)),
            "{path}: {}",
            l.text
        );
    }
    // The default network and the identity are as they were.
    let subnets = app.get("/v1/{p}/subnets").await;
    assert_eq!(
        subnets.body["subnets"].as_array().map(Vec::len),
        Some(1),
        "{}",
        subnets.text
    );
    assert_eq!(subnets.body["subnets"][0]["id"], app.subnet_id.as_str());
    let users = app.get("/openwks/v1/iam/users").await;
    assert!(users.text.contains("reset-user"), "{}", users.text);
    let mine = app
        .call_as(who.key(), "GET", "/v1/{p}/app-server-groups", None)
        .await;
    assert_eq!(
        mine.status, 200,
        "the IAM user's key still works: {}",
        mine.text
    );
    // Names are free again and the fleet places new servers.
    let again = app.create_group(app.group_body("sg-reset")).await;
    assert_ne!(again, sg);
    assert_eq!(app.app_servers(&again, 2).await.len(), 2);
}

/// `GET /openwks/v1/_admin/requests` (`--record-requests N`): the last requests, newest first,
/// with method, path, status, operation, caller and both bodies — passwords and secret keys
/// redacted; off by default; refused to an IAM user.
#[tokio::test]
async fn the_administrator_reads_the_recorded_requests_with_secrets_redacted() {
    let settings = openwks_server::Settings {
        record_requests: 10,
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    let u = app
        .post(
            "/openwks/v1/iam/users",
            json!({"name": "recorded", "password": "pass-word-1"}),
        )
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let id = u.body["id"].as_str().expect("id").to_string();
    let k = app
        .post(
            &format!("/openwks/v1/iam/users/{id}/access-keys"),
            json!({}),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    let secret = k.body["secret_key"].as_str().expect("sk").to_string();
    let bad = app
        .post("/v1/{p}/app-server-groups", json!({"name": "x y"}))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    let r = app.get("/openwks/v1/_admin/requests?limit=3").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["enabled"].as_bool(), r.body["count"].as_u64()),
        (Some(true), Some(3))
    );
    assert!(
        !r.text.contains("pass-word-1"),
        "a password was kept: {}",
        r.text
    );
    assert!(
        !r.text.contains(&secret),
        "a secret key was kept: {}",
        r.text
    );
    let newest = &r.body["requests"][0];
    assert_eq!(newest["status"], 400);
    assert_eq!(newest["method"], "POST");
    assert_eq!(
        newest["operation"],
        "POST /v1/{project_id}/app-server-groups"
    );
    assert_eq!(newest["request"]["name"], "x y");
    assert_eq!(newest["response"]["error_code"], bad.body["error_code"]);
    assert_eq!(newest["request_id"], bad.request_id().unwrap_or_default());
    let key = &r.body["requests"][1];
    assert_eq!(key["response"]["secret_key"], "[redacted]");
    assert_eq!(r.body["requests"][2]["request"]["password"], "[redacted]");
    // An IAM user is refused; a server without the recorder says so.
    let who = allowed_everything(&app, "peeker").await;
    let refused = app
        .call_as(who.key(), "GET", "/openwks/v1/_admin/requests", None)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let off = TestApp::new().await;
    let r = off.get("/openwks/v1/_admin/requests").await;
    assert_eq!(
        (r.body["enabled"].as_bool(), r.body["count"].as_u64()),
        (Some(false), Some(0)),
        "{}",
        r.text
    );
}

/// `/openwks/v1/_admin/faults`: a rule fails the next N calls of an operation with the chosen
/// code and status, in the route's dialect (ECS routes in the Nova shape), or delays them;
/// `*` faults everything but the administrator's own routes; faults are counted in the
/// metrics; bad rules are 400; an IAM user is refused.
#[tokio::test]
async fn the_administrator_injects_faults_and_latency() {
    let app = TestApp::new().await;
    let add = |rule: serde_json::Value| {
        let app = &app;
        async move { app.post("/openwks/v1/_admin/faults", rule).await }
    };
    let r = add(
        json!({"operation": "create_server_group", "error_code": "WKS.00050902",
        "status": 503, "error_msg": "the service is busy", "count": 1}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["id"], "fault-1");
    let failed = app
        .post("/v1/{p}/app-server-groups", app.group_body("faulted"))
        .await;
    assert_eq!(failed.status, 503, "{}", failed.text);
    assert_eq!(failed.body["error_code"], "WKS.00050902");
    assert_eq!(failed.body["error_msg"], "the service is busy");
    let ok = app
        .post("/v1/{p}/app-server-groups", app.group_body("faulted"))
        .await;
    assert_eq!(ok.status, 200, "the rule was used up: {}", ok.text);
    // ECS routes answer in their dialect; the rule matches the route.
    add(
        json!({"operation": "GET /v1/{project_id}/cloudservers/os-server-groups",
        "error_code": "Ecs.0001", "status": 500, "count": 1}),
    )
    .await;
    let ecs = app.get("/v1/{p}/cloudservers/os-server-groups").await;
    assert_eq!(ecs.status, 500, "{}", ecs.text);
    assert_eq!(ecs.body["error"]["code"], "Ecs.0001", "{}", ecs.text);
    // Latency only: the operation runs, later.
    add(json!({"operation": "list_server_groups", "latency_ms": 50, "count": 1})).await;
    let t = std::time::Instant::now();
    let slow = app.get("/v1/{p}/app-server-groups").await;
    assert_eq!(slow.status, 200, "{}", slow.text);
    assert!(t.elapsed() >= Duration::from_millis(50));
    // Everything: but the administrator's routes still answer, so the rule can be cleared.
    add(json!({"operation": "*", "error_code": "WKS.00211401", "status": 500})).await;
    assert_eq!(app.get("/v1/{p}/app-groups").await.status, 500);
    let listed = app.get("/openwks/v1/_admin/faults").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["faults"][0]["operation"], "*");
    assert_eq!(listed.body["faults"][0]["hits"], 1);
    let cleared = app.delete("/openwks/v1/_admin/faults").await;
    assert_eq!(cleared.body["cleared"], 1, "{}", cleared.text);
    assert_eq!(app.get("/v1/{p}/app-groups").await.status, 200);
    let m = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        m.contains("openwks_injected_faults_total{operation=\"create_server_group\"} 1"),
        "{m}"
    );
    for bad in [
        json!({"operation": "x"}),
        json!({"operation": "", "error_code": "E"}),
        json!({"operation": "x", "error_code": "E", "status": 200}),
        json!({"operation": "x", "error_code": "E", "rate": 2.0}),
        json!({"operation": "x", "error_code": "E", "count": 0}),
    ] {
        assert_eq!(add(bad.clone()).await.status, 400, "{bad}");
    }
    let who = allowed_everything(&app, "faulty").await;
    let refused = app
        .call_as(
            who.key(),
            "POST",
            "/openwks/v1/_admin/faults",
            Some(json!({"operation": "*", "latency_ms": 1})),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
}

/// `POST /openwks/v1/_admin/scaling/round`: one controller round now, with what it did; an IAM
/// user allowed everything is refused.
#[tokio::test]
async fn the_administrator_runs_a_scaling_round() {
    let app = TestApp::new().await;
    let who = allowed_everything(&app, "rounder").await;
    let r = app
        .call_as(who.key(), "POST", "/openwks/v1/_admin/scaling/round", None)
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let sg = app.create_group(app.group_body("sg-round")).await;
    let r = app
        .put(
            "/v1/{p}/scaling-policy",
            json!({"server_group_id": sg, "enable": true, "scaling_policy_by_session": {
                "session_usage_threshold": 80, "shrink_after_session_idle_minutes": 10},
                "max_scaling_amount": 2, "single_expansion_count": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post("/openwks/v1/_admin/scaling/round", json!({}))
        .await;
    assert_eq!(
        (r.status, &r.body["leader"]),
        (200, &json!(true)),
        "{}",
        r.text
    );
    // No server, so no capacity: usage counts as 100% and the group scales out by one.
    let a = &r.body["activities"][0];
    assert_eq!(
        (&a["server_group_id"], &a["action"]),
        (&json!(sg), &json!("SCALE_OUT")),
        "{}",
        r.text
    );
    assert_eq!(
        a["server_ids"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
}

/// `GET/POST /openwks/v1/_admin/snapshot`: an IAM user allowed everything is refused both; the
/// administrator saves (secrets and all), a malformed file is 400, a load into a server with
/// resources 409, a load after a reset brings everything back; the recorder keeps no body of
/// either.
#[tokio::test]
async fn the_administrator_saves_and_loads_snapshots() {
    let settings = openwks_server::Settings {
        record_requests: 50,
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    let who = allowed_everything(&app, "snapshotter").await;
    for (m, body) in [("GET", None), ("POST", Some(json!({})))] {
        let r = app
            .call_as(who.key(), m, "/openwks/v1/_admin/snapshot", body)
            .await;
        assert_eq!(r.status, 403, "{m}: {}", r.text);
    }
    let sg = app.create_group(app.group_body("sg-snap")).await;
    app.app_servers(&sg, 2).await;
    let snap = app.get("/openwks/v1/_admin/snapshot").await;
    assert_eq!(snap.status, 200, "{}", snap.text);
    assert_eq!(snap.body["format"], "openwks-snapshot");
    assert_eq!(
        snap.body["tables"]["servers"]["rows"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let r = app
        .post("/openwks/v1/_admin/snapshot", snap.body.clone())
        .await;
    crate::harness::assert_error(&r, 409, "WKS.00211103");
    let r = app
        .post("/openwks/v1/_admin/snapshot", json!({"format": "x"}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app.post("/openwks/v1/_admin/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post("/openwks/v1/_admin/snapshot", snap.body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["loaded"]["servers"], 2, "{}", r.text);
    assert_eq!(r.body["identity"]["access_key"], crate::harness::AK);
    let g = app.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
    assert_eq!(
        (g.status, &g.body["app_server_count"]),
        (200, &json!(2)),
        "{}",
        g.text
    );
    // The recorder saw the calls, not their bodies.
    let rec = app.get("/openwks/v1/_admin/requests?limit=50").await;
    let snaps: Vec<&serde_json::Value> = rec.body["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["path"] == "/openwks/v1/_admin/snapshot")
        .collect();
    assert!(snaps.len() >= 4, "{}", rec.text);
    assert!(
        snaps
            .iter()
            .all(|r| r["request"].is_null() && r["response"].is_null()),
        "{}",
        rec.text
    );
}
