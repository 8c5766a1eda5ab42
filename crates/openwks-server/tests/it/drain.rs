//! Drain (openwks extension, issue #18): an operator drains an app server with an owner, a
//! reason and an expiry; it takes no new sessions while its own run on, the autoscaler does not
//! count it, `explain` says who and why, and the drain ends by itself at expiry.

use std::sync::Arc;

use openwks_core::clock::VirtualClock;
use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp};
use crate::sessions::{launch, session_counts, setup, users};
use openwks_server::scaler;

const T0: i64 = 1_780_000_000_000;

async fn view(app: &TestApp, id: &str) -> Value {
    let r = app.get(&format!("/v1/{{p}}/app-servers/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn activities(app: &TestApp, sg: &str) -> Vec<Value> {
    let r = app
        .get(&format!(
            "/openwks/v1/{{p}}/scaling-activities?server_group_id={sg}"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().expect("activities").clone()
}

#[tokio::test]
async fn a_drained_server_takes_no_new_sessions_until_its_drain_ends() {
    let clock = Arc::new(VirtualClock::at(T0));
    let settings = openwks_server::Settings {
        clock: clock.clone(),
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    let team = users("dr", 4);
    let (sg, ag, app_id) = setup(&app, "drain", json!({"max_session": 2}), 2, &team).await;
    let first = launch(&app, &team[0], &ag, &app_id).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let a = first.body["server_id"]
        .as_str()
        .expect("server")
        .to_string();
    let path = format!("/openwks/v1/{{p}}/app-servers/{a}/drain");

    // Refused: no reason, a reason too long, minutes out of range, an unknown field, an
    // unknown server, and an IAM user without the action.
    for (body, code) in [
        (json!({}), "WKS.00211104"),
        (json!({"reason": "x".repeat(256)}), "WKS.00211102"),
        (json!({"reason": "r", "minutes": 0}), "WKS.00211107"),
        (json!({"reason": "r", "minutes": 10_081}), "WKS.00211107"),
        (json!({"reason": "r", "owner": ""}), "WKS.00211102"),
        (json!({"reason": "r", "until": "tomorrow"}), "WKS.00211116"),
    ] {
        assert_error(&app.post(&path, body).await, 400, code);
    }
    assert_error(
        &app.post(
            "/openwks/v1/{p}/app-servers/no-such-server/drain",
            json!({"reason": "r"}),
        )
        .await,
        404,
        "WKS.00211902",
    );
    let nobody = crate::iam::user(&app, "drain-nobody").await;
    let r = app
        .call_as(nobody.key(), "POST", &path, Some(json!({"reason": "r"})))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(view(&app, &a).await.get("drain").is_none());

    // Drained for 30 minutes, by the caller unless an owner is given.
    let r = app
        .post(&path, json!({"reason": "kernel patch", "minutes": 30}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let until = openwks_core::time::Timestamp::from_ms(T0 + 30 * 60_000).wire();
    assert_eq!(r.body["server_id"], a.as_str());
    assert_eq!(r.body["drain"]["reason"], "kernel patch");
    assert_eq!(r.body["drain"]["until"], until.as_str());
    assert!(
        r.body["drain"]["owner"]
            .as_str()
            .is_some_and(|o| !o.is_empty()),
        "{}",
        r.text
    );
    let r = app
        .post(
            &path,
            json!({"reason": "kernel patch", "owner": "ops-oncall", "minutes": 30}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = view(&app, &a).await;
    assert_eq!(
        v["drain"],
        json!({"owner": "ops-oncall", "reason": "kernel patch", "since": openwks_core::time::Timestamp::from_ms(T0).wire(), "until": until}),
        "{v}"
    );
    assert_eq!(v["status"], "REGISTERED", "a drained server still runs");

    // New sessions go elsewhere; the drained server keeps its session; once the other is
    // full there is no capacity, and the dry run says who drained the server and why.
    let mut elsewhere = Vec::new();
    for u in &team[1..3] {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_ne!(r.body["server_id"], a.as_str(), "{}", r.text);
        elsewhere.push(r.body["server_id"].as_str().expect("server").to_string());
    }
    let b = elsewhere[0].clone();
    assert!(view(&app, &b).await.get("drain").is_none());
    assert_error(
        &launch(&app, &team[3], &ag, &app_id).await,
        503,
        "WKS.00131114",
    );
    let dry = app
        .post(
            "/openwks/v1/{p}/app-launches",
            json!({"user_name": team[3], "app_group_id": ag, "app_id": app_id, "dry_run": true}),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    let passed = dry.body["explanation"][0]["passed_over"]
        .as_array()
        .expect("explained")
        .clone();
    let on_a = passed
        .iter()
        .find(|p| p["server_id"] == a.as_str())
        .expect("the drained server");
    assert_eq!(on_a["rule"], "drained", "{on_a}");
    let why = on_a["reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("ops-oncall") && why.contains("kernel patch") && why.contains(&until),
        "{why}"
    );
    let counts = session_counts(&app, &sg).await;
    assert_eq!(
        counts.get(&a).copied(),
        Some(1),
        "its session runs on: {counts:?}"
    );

    // The autoscaler does not count it: with scaling on, the preview says so.
    let policy = json!({
        "server_group_id": sg, "enable": true, "max_scaling_amount": 4, "single_expansion_count": 1,
        "scaling_policy_by_session": {"session_usage_threshold": 90, "shrink_after_session_idle_minutes": 30}
    });
    let p = app.put("/v1/{p}/scaling-policy", policy).await;
    assert_eq!(p.status, 200, "{}", p.text);
    let pre = app
        .get(&format!(
            "/openwks/v1/{{p}}/scaling-preview?server_group_id={sg}"
        ))
        .await;
    assert_eq!(pre.status, 200, "{}", pre.text);
    assert_eq!(
        pre.body["servers"], 1,
        "only the undrained server serves: {}",
        pre.text
    );
    assert_eq!(pre.body["sessions"], 3, "every live session: {}", pre.text);
    assert!(
        pre.body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("(2 of 2)")),
        "the usage counts the serving server's: {}",
        pre.text
    );
    assert_eq!(
        pre.body["action"], "SCALE_OUT",
        "2 of 2 is 100%: {}",
        pre.text
    );
    assert!(
        pre.body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("1 drained server(s) not counted as capacity")),
        "{}",
        pre.text
    );
    let p = app
        .delete(&format!("/v1/{{p}}/scaling-policy?server_group_id={sg}"))
        .await;
    assert_eq!(p.status, 200, "{}", p.text);

    // It survives a restart.
    let app = app
        .restart_with(openwks_server::Settings {
            clock: clock.clone(),
            ..TestApp::settings()
        })
        .await;
    assert_eq!(view(&app, &a).await["drain"]["owner"], "ops-oncall");

    // A round before the expiry keeps it; the first round from the expiry ends it, and the
    // waiting user gets the server.
    clock.advance(29 * 60_000);
    scaler::tick(&app.state).await.expect("tick");
    assert!(view(&app, &a).await.get("drain").is_some());
    clock.advance(60_000);
    scaler::tick(&app.state).await.expect("tick");
    assert!(view(&app, &a).await.get("drain").is_none());
    let r = launch(&app, &team[3], &ag, &app_id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["server_id"], a.as_str(), "{}", r.text);

    // Drain and undrain by hand; undraining an undrained server is fine and records nothing.
    let r = app.post(&path, json!({"reason": "swap disk"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.delete(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"server_id": a, "drain": null}));
    assert!(view(&app, &a).await.get("drain").is_none());
    let before = activities(&app, &sg).await.len();
    assert_eq!(app.delete(&path).await.status, 200);
    assert_eq!(activities(&app, &sg).await.len(), before);

    // Each start and end is in the group's scaling activities, newest first.
    let log: Vec<(String, String)> = activities(&app, &sg)
        .await
        .iter()
        .filter(|x| x["action"].as_str().is_some_and(|s| s.contains("DRAIN")))
        .map(|x| {
            (
                x["action"].as_str().unwrap_or_default().to_string(),
                x["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["UNDRAIN", "DRAIN", "DRAIN_EXPIRED", "DRAIN", "DRAIN"],
        "{log:?}"
    );
    assert!(
        log[2].1.contains("ops-oncall") && log[2].1.contains("kernel patch"),
        "{log:?}"
    );
}
