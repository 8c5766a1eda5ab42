//! Schedule tasks (issue #18): the nine operations over HTTP, their rules and errors, the
//! future runs across a daylight-saving change, and runs that act on the fleet on a virtual
//! clock — a restart of a group whose users hold sessions, refused while the task is not
//! enforced, carried out (sessions logged off, servers back) once it is.

use std::sync::Arc;

use openwks_core::clock::VirtualClock;
use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp};
use crate::sessions::{launch, session_counts, setup, users};
use openwks_server::scaler;

/// 2026-03-06T12:00:00Z, a Friday: two days before New York springs forward.
const T0: i64 = 1_772_798_400_000;

async fn on_clock(start: i64) -> (Arc<VirtualClock>, TestApp) {
    let clock = Arc::new(VirtualClock::at(start));
    let settings = openwks_server::Settings {
        clock: clock.clone(),
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    (clock, app)
}

fn weekly(sg: &str) -> Value {
    json!({
        "task_name": "weekly-stop", "task_type": "STOP_SERVER", "scheduled_type": "WEEK",
        "week_list": "1,3", "scheduled_time": "22:00:00", "time_zone": "Asia/Shanghai",
        "description": "stop on Sundays and Tuesdays",
        "target_infos": [{"target_type": "SERVER_GROUP", "target_id": sg}]
    })
}

#[tokio::test]
async fn schedule_tasks_are_written_read_and_refused_as_the_vendor_does() {
    let (_clock, app) = on_clock(T0).await;
    let sg = app.create_group(app.group_body("sched-sg")).await;
    let servers = app.app_servers(&sg, 1).await;

    // Create: the vendor's ScheduleTask (table over example: `scheduled_type` is upper case,
    // although the vendor's example answers "day").
    let r = app.post("/v1/{p}/schedule-task", weekly(&sg)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = r.body.clone();
    let id = t["id"].as_str().expect("id").to_string();
    assert_eq!(t["scheduled_type"], "WEEK");
    assert_eq!(t["task_type"], "STOP_SERVER");
    assert_eq!(t["is_enable"], true);
    assert_eq!(t["last_status"], "WAITING");
    assert_eq!(
        t["schedule_task_policy"],
        json!({"enforcement_enable": false})
    );
    assert_eq!(t["task_cron"], "0 0 22 ? * 1,3");
    // 6 March 2026 is a Friday; the first Sunday is the 8th, 22:00 in Shanghai.
    assert_eq!(t["next_execution_time"], "2026-03-08 22:00:00");
    for k in ["create_time", "update_time"] {
        assert!(t[k].as_str().is_some_and(|s| s.ends_with('Z')), "{k}: {t}");
    }

    // Show carries the targets with their names (and, as the vendor's, no is_enable).
    let s = app.get(&format!("/v1/{{p}}/schedule-task/{id}")).await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(
        s.body["target_infos"],
        json!([{"target_type": "SERVER_GROUP", "target_id": sg, "target_name": "sched-sg"}])
    );
    assert!(s.body.get("is_enable").is_none(), "{}", s.text);

    // Refusals.
    let mut bad = Vec::new();
    for (k, v, code) in [
        ("task_name", json!("a b"), "WKS.00211102"),
        ("task_name", json!("x".repeat(65)), "WKS.00211102"),
        ("task_type", json!("DANCE"), "WKS.00211106"),
        ("scheduled_type", json!("HOURLY"), "WKS.00211106"),
        ("week_list", json!("0,8"), "WKS.00211102"),
        ("scheduled_time", json!("25:00:00"), "WKS.00211102"),
        ("time_zone", json!("Mars/Olympus"), "WKS.00211102"),
        ("expire_time", json!("2020-01-01T00:00:00Z"), "WKS.00211102"),
        ("description", json!("d".repeat(256)), "WKS.00211102"),
        ("target_infos", json!([]), "WKS.00211107"),
        (
            "target_infos",
            json!([{"target_type": "DESKTOP", "target_id": "x"}]),
            "WKS.00211106",
        ),
        (
            "target_infos",
            json!([{"target_type": "SERVER"}]),
            "WKS.00211104",
        ),
    ] {
        let mut b = weekly(&sg);
        b[k] = v;
        bad.push((b, 400, code));
    }
    for k in [
        "task_name",
        "task_type",
        "scheduled_type",
        "target_infos",
        "scheduled_time",
    ] {
        let mut b = weekly(&sg);
        b.as_object_mut().expect("object").remove(k);
        bad.push((b, 400, "WKS.00211104"));
    }
    let mut b = weekly(&sg);
    b["target_infos"] = json!([{"target_type": "SERVER_GROUP", "target_id": "no-such-group"}]);
    bad.push((b, 404, "WKS.00211902"));
    let mut b = weekly(&sg);
    b["target_infos"] = json!([{"target_type": "SERVER", "target_id": sg}]);
    bad.push((b, 404, "WKS.00211902"));
    let mut b = weekly(&sg);
    b["scheduled_type"] = json!("MONTH");
    b["month_list"] = json!("2");
    b["date_list"] = json!("1,L");
    bad.push((b, 400, "WKS.00211102"));
    for (b, status, code) in bad {
        let r = app.post("/v1/{p}/schedule-task", b.clone()).await;
        assert_error(&r, status, code);
    }
    let (n, _) = list(&app, "").await;
    assert_eq!(n, 1, "nothing refused was written");

    // A second task on one server, by day; the list filters by name and type.
    let r = app
        .post(
            "/v1/{p}/schedule-task",
            json!({"task_name": "定时重启", "task_type": "RESTART_SERVER", "scheduled_type": "DAY",
                   "day_interval": 2, "scheduled_time": "03:00:00",
                   "target_infos": [{"target_type": "SERVER", "target_id": servers[0]}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let daily = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        r.body["time_zone"], "Asia/Shanghai",
        "the vendor's default zone"
    );
    assert_eq!(list(&app, "").await.0, 2);
    assert_eq!(list(&app, "&task_name=weekly").await.0, 1);
    assert_eq!(list(&app, "&task_type=RESTART_SERVER").await.0, 1);
    assert_eq!(list(&app, "&task_type=UPGRADE_ACCESS_AGENT").await.0, 0);
    assert_error(
        &app.get("/v1/{p}/schedule-task?task_type=DANCE").await,
        400,
        "WKS.00211117",
    );
    assert_error(
        &app.get("/v1/{p}/schedule-task?limit=101").await,
        400,
        "WKS.00211117",
    );

    // Update: what the vendor's Terraform provider does after creating a disabled task…
    let u = app
        .patch(
            &format!("/v1/{{p}}/schedule-task/{id}"),
            json!({"is_enable": false}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["is_enable"], false);
    assert!(u.body.get("next_execution_time").is_none(), "{}", u.text);
    assert_eq!(u.body["week_list"], "1,3", "the rest stays");
    // …and a full update with the empty strings it sends for unset fields.
    let u = app
        .patch(
            &format!("/v1/{{p}}/schedule-task/{id}"),
            json!({"task_name": "monthly-stop", "task_type": "STOP_SERVER", "scheduled_type": "MONTH",
                   "scheduled_time": "01:00:00", "month_list": "4", "date_list": "L", "week_list": "",
                   "scheduled_date": "", "expire_time": "", "description": "", "time_zone": "Europe/Berlin",
                   "is_enable": true,
                   "target_infos": [{"target_type": "SERVER_GROUP", "target_id": sg}],
                   "schedule_task_policy": {"enforcement_enable": true}}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["scheduled_type"], "MONTH");
    assert_eq!(u.body["next_execution_time"], "2026-04-30 01:00:00");
    assert_eq!(u.body["schedule_task_policy"]["enforcement_enable"], true);
    assert!(u.body["week_list"].is_null(), "{}", u.text);
    assert_error(
        &app.patch(
            &format!("/v1/{{p}}/schedule-task/{id}"),
            json!({"day_interval": 40, "scheduled_type": "DAY"}),
        )
        .await,
        400,
        "WKS.00211107",
    );
    assert_error(
        &app.patch("/v1/{p}/schedule-task/nope", json!({"is_enable": true}))
            .await,
        404,
        "WKS.00211902",
    );

    // Batch delete: all or nothing.
    for (items, status, code) in [
        (json!([]), 400, "WKS.00211107"),
        (json!([id, id]), 400, "WKS.00211102"),
        (json!([id, "nope"]), 404, "WKS.00211902"),
    ] {
        let r = app
            .post(
                "/v1/{p}/schedule-task/actions/batch-delete",
                json!({"items": items}),
            )
            .await;
        assert_error(&r, status, code);
    }
    assert_eq!(list(&app, "").await.0, 2);
    let r = app
        .post(
            "/v1/{p}/schedule-task/actions/batch-delete",
            json!({"items": [id]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .delete(&format!("/v1/{{p}}/schedule-task/{daily}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_error(
        &app.delete(&format!("/v1/{{p}}/schedule-task/{daily}"))
            .await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get(&format!("/v1/{{p}}/schedule-task/{id}")).await,
        404,
        "WKS.00211902",
    );
    assert_eq!(list(&app, "").await.0, 0);
}

async fn list(app: &TestApp, q: &str) -> (i64, Vec<Value>) {
    let r = app
        .get(&format!("/v1/{{p}}/schedule-task?limit=100{q}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (
        r.body["count"].as_i64().expect("count"),
        r.body["items"].as_array().expect("items").clone(),
    )
}

#[tokio::test]
async fn future_executions_cross_daylight_saving_time() {
    let (_clock, app) = on_clock(T0).await;
    let r = app
        .post(
            "/v1/{p}/schedule-task/future-executions",
            json!({"scheduled_type": "DAY", "day_interval": 1, "scheduled_time": "02:30:00",
                   "time_zone": "America/New_York"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["time_zone"], "America/New_York");
    // 8 March 2026 has no 02:30 in New York (02:00 EST → 03:00 EDT): that run is at 03:30.
    assert_eq!(
        r.body["future_executions"],
        json!([
            "2026-03-07 02:30:00",
            "2026-03-08 03:30:00",
            "2026-03-09 02:30:00",
            "2026-03-10 02:30:00",
            "2026-03-11 02:30:00"
        ])
    );
    let r = app
        .post(
            "/v1/{p}/schedule-task/future-executions",
            json!({"scheduled_type": "FIXED_TIME", "scheduled_date": "2026-03-07", "scheduled_time": "08:00:00"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["future_executions"], json!(["2026-03-07 08:00:00"]));
    assert_eq!(r.body["time_zone"], "Asia/Shanghai");
    assert_error(
        &app.post(
            "/v1/{p}/schedule-task/future-executions",
            json!({"scheduled_type": "WEEK", "scheduled_time": "08:00:00"}),
        )
        .await,
        400,
        "WKS.00211104",
    );
}

#[tokio::test]
async fn a_scheduled_restart_spares_sessions_until_enforced_and_then_loses_nothing() {
    let (clock, app) = on_clock(T0).await;
    let team = users("sr", 2);
    let (sg, ag, app_id) = setup(&app, "sched-run", json!({"max_session": 1}), 2, &team).await;
    let mut on = Vec::new();
    for u in &team {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        on.push(r.body["server_id"].as_str().expect("server").to_string());
    }
    on.sort();
    // Every day at 21:00 in Shanghai: 13:00Z, an hour after T0.
    let r = app
        .post(
            "/v1/{p}/schedule-task",
            json!({"task_name": "nightly", "task_type": "RESTART_SERVER", "scheduled_type": "DAY",
                   "day_interval": 1, "scheduled_time": "21:00:00",
                   "target_infos": [{"target_type": "SERVER_GROUP", "target_id": sg}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(r.body["next_execution_time"], "2026-03-06 21:00:00");

    // Not yet due: nothing runs.
    clock.advance(59 * 60_000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(history(&app, &id).await.len(), 0);

    // Due, not enforced: both servers hold a session, so neither restarts.
    clock.advance(60_000);
    scaler::tick(&app.state).await.expect("tick");
    // A second round at the same time (another replica) does not run it again.
    scaler::tick(&app.state).await.expect("tick");
    let h = history(&app, &id).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(
        (&h[0]["status"], &h[0]["total_count"], &h[0]["failed_count"]),
        (&json!("FAILED"), &json!(2), &json!(2)),
        "{h:?}"
    );
    let details = detail(&app, h[0]["id"].as_str().expect("run")).await;
    let mut ids: Vec<String> = details
        .iter()
        .map(|d| d["server_id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, on);
    for d in &details {
        assert_eq!(d["status"], "FAILED", "{d}");
        assert_eq!(d["result_code"], "WKS.00211123", "{d}");
        assert!(
            d["result_message"]
                .as_str()
                .is_some_and(|m| m.contains("1 live session")),
            "{d}"
        );
        assert_eq!(d["task_type"], "RESTART_SERVER");
    }
    let counts = session_counts(&app, &sg).await;
    assert_eq!(
        counts.values().sum::<i64>(),
        2,
        "sessions untouched: {counts:?}"
    );
    let t = app.get("/v1/{p}/schedule-task?limit=10").await;
    assert_eq!(t.body["items"][0]["last_status"], "FAILED", "{}", t.text);
    assert_eq!(
        t.body["items"][0]["next_execution_time"],
        "2026-03-07 21:00:00"
    );

    // Enforced: the next night both restart, their sessions are logged off, nothing else is
    // lost, and the users get in again once the servers are back.
    let u = app
        .patch(
            &format!("/v1/{{p}}/schedule-task/{id}"),
            json!({"schedule_task_policy": {"enforcement_enable": true}}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["next_execution_time"], "2026-03-07 21:00:00");
    clock.advance(24 * 3_600_000);
    scaler::tick(&app.state).await.expect("tick");
    let counts = session_counts(&app, &sg).await;
    assert_eq!(counts.values().sum::<i64>(), 0, "logged off: {counts:?}");
    app.run_jobs().await;
    let h = history(&app, &id).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(
        (&h[0]["status"], &h[0]["success_count"]),
        (&json!("SUCCESS"), &json!(2)),
        "{h:?}"
    );
    assert!(h[0]["end_time"].is_string(), "{h:?}");
    for d in detail(&app, h[0]["id"].as_str().expect("run")).await {
        assert_eq!(d["status"], "SUCCESS", "{d}");
        assert!(
            d["result_message"]
                .as_str()
                .is_some_and(|m| m.contains("logged off")),
            "{d}"
        );
    }
    for s in &on {
        let v = app.get(&format!("/v1/{{p}}/app-servers/{s}")).await;
        assert_eq!(v.body["status"], "REGISTERED", "{}", v.text);
    }
    for u in &team {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["reused"], false, "a new session: {}", r.text);
    }
    // The history pages, newest first; an unknown run is a 404.
    let r = app
        .get(&format!(
            "/v1/{{p}}/schedule-task/{id}/execute-history?limit=1&offset=1"
        ))
        .await;
    assert_eq!(r.body["count"], 2, "{}", r.text);
    assert_eq!(r.body["items"][0]["status"], "FAILED", "{}", r.text);
    assert_error(
        &app.get("/v1/{p}/schedule-task/nope/execute-detail").await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get("/v1/{p}/schedule-task/nope/execute-history").await,
        404,
        "WKS.00211902",
    );
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/v1/{{p}}/schedule-task/{id}/execute-history?limit=100"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().expect("items").clone()
}

async fn detail(app: &TestApp, run: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/v1/{{p}}/schedule-task/{run}/execute-detail?limit=100"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["count"].as_i64(),
        Some(r.body["items"].as_array().map_or(0, Vec::len) as i64)
    );
    r.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn an_iam_user_schedules_only_the_groups_it_may_touch() {
    let (_clock, app) = on_clock(T0).await;
    let mine = app.create_group(app.group_body("sched-mine")).await;
    let theirs = app.create_group(app.group_body("sched-theirs")).await;
    let u = crate::iam::user(&app, "scheduler").await;
    let p = crate::iam::policy(
        &app,
        "schedule-mine",
        json!([
            {"Effect": "Allow", "Action": ["workspace:scheduleTask:*"],
             "Resource": [format!("workspace:*:*:serverGroup:{mine}")]}
        ]),
    )
    .await;
    crate::iam::attach(&app, &u.id, &p).await;
    let body = |sg: &str| {
        let mut b = weekly(sg);
        b["target_infos"] = json!([{"target_type": "SERVER_GROUP", "target_id": sg}]);
        b
    };
    let r = app
        .call_as(u.key(), "POST", "/v1/{p}/schedule-task", Some(body(&mine)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut both = body(&mine);
    both["target_infos"] = json!([
        {"target_type": "SERVER_GROUP", "target_id": mine},
        {"target_type": "SERVER_GROUP", "target_id": theirs}
    ]);
    for b in [body(&theirs), both] {
        let r = app
            .call_as(u.key(), "POST", "/v1/{p}/schedule-task", Some(b))
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
    assert_eq!(list(&app, "").await.0, 1);
}
