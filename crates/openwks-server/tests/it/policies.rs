//! Policy groups and templates (issue #18): the thirteen operations with the vendor's rules —
//! the policy model checked field by field, names, priorities, targets that must exist — and the
//! effective policy a launch gets, with who set each field.

use serde_json::{json, Value};

use crate::harness::{assert_error, TestApp};

const GROUPS: &str = "/v1/{p}/policy-groups";

fn group(name: &str, extra: Value) -> Value {
    let mut g = json!({"policy_group_name": name});
    if let (Some(o), Some(e)) = (g.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    json!({"policy_group": g})
}

#[tokio::test]
async fn policy_groups_and_templates_follow_the_vendors_model() {
    let app = TestApp::new().await;
    let ag = app
        .post("/v1/{p}/app-groups", json!({"name": "pol-ag"}))
        .await
        .body["id"]
        .as_str()
        .expect("ag")
        .to_string();

    // The initial policy: the vendor's defaults.
    let o = app
        .get("/v1/{p}/policy-groups/actions/list-original-policy")
        .await;
    assert_eq!(o.status, 200, "{}", o.text);
    assert_eq!(
        o.body["policies"]["session"]["sbc"]["sbc_automatic_disconnection"],
        "AUTO_DISCONNECT"
    );

    let r = app
        .post(
            GROUPS,
            group(
                "office",
                json!({"description": "office users", "priority": 3,
                       "targets": [{"target_type": "APPGROUP", "target_id": ag, "target_name": "pol-ag"}],
                       "policies": {"session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}},
                                    "audio": {"audio_redirection_enable": false}}}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_string();
    // Without a priority, the next one.
    let r = app.post(GROUPS, group("labs", json!({}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let labs = r.body["id"].as_str().expect("id").to_string();

    for (body, status, code) in [
        (json!({}), 400, "WKS.00211104"),
        (group("bad name", json!({})), 400, "WKS.00211105"),
        (group("office", json!({})), 409, "WKS.00211119"),
        (group("p0", json!({"priority": 0})), 400, "WKS.00211107"),
        (
            group("p1", json!({"description": "d".repeat(256)})),
            400,
            "WKS.00211102",
        ),
        (
            group(
                "p2",
                json!({"policies": {"audio": {"audio_redirection_enable": "yes"}}}),
            ),
            400,
            "WKS.00211102",
        ),
        (
            group(
                "p3",
                json!({"policies": {"session": {"sbc": {"sbc_automatic_disconnection": "NEVER"}}}}),
            ),
            400,
            "WKS.00211106",
        ),
        (
            group("p4", json!({"policies": {"volume": 11}})),
            400,
            "WKS.00211102",
        ),
        (
            group(
                "p5",
                json!({"targets": [{"target_type": "ALL", "target_id": "x", "target_name": "All-Targets"}]}),
            ),
            400,
            "WKS.00211102",
        ),
        (
            group(
                "p6",
                json!({"targets": [{"target_type": "APPGROUP", "target_id": "nope", "target_name": "n"}]}),
            ),
            404,
            "WKS.00211902",
        ),
        (
            group(
                "p7",
                json!({"targets": [{"target_type": "PLANET", "target_id": "x", "target_name": "x"}]}),
            ),
            400,
            "WKS.00211106",
        ),
        (
            group(
                "p8",
                json!({"targets": [{"target_type": "USER", "target_id": "x"}]}),
            ),
            400,
            "WKS.00211104",
        ),
    ] {
        let r = app.post(GROUPS, body.clone()).await;
        assert_error(&r, status, code);
    }

    // Reads.
    let l = app.get(&format!("{GROUPS}?policy_group_name=OFF")).await;
    assert_eq!(l.status, 200, "{}", l.text);
    assert_eq!(
        (&l.body["count"], &l.body["total_count"]),
        (&json!(1), &json!(2))
    );
    assert_eq!(l.body["items"][0]["priority"], 3);
    let l = app.get(GROUPS).await;
    let names: Vec<&str> = l.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(names, ["office", "labs"], "by priority (labs got 4)");
    assert_error(
        &app.get(&format!("{GROUPS}?policy_group_type=5")).await,
        400,
        "WKS.00211117",
    );
    let d = app.get(&format!("{GROUPS}/show/detail?limit=1")).await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert!(d.body.get("total_count").is_none());
    let s = app.get(&format!("{GROUPS}/{id}")).await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.body["policy_group"]["name"], "office");
    assert_eq!(
        s.body["policy_group"]["targets"][0]["target_type"],
        "APPGROUP"
    );
    let p = app
        .get(&format!("{GROUPS}/{id}/policy?policy_type=audio"))
        .await;
    assert_eq!(
        p.body,
        json!({"policies": {"audio": {"audio_redirection_enable": false}}})
    );
    assert_error(
        &app.get(&format!("{GROUPS}/{id}/policy?policy_type=weather"))
            .await,
        400,
        "WKS.00211117",
    );
    let t = app
        .get(&format!("{GROUPS}/{id}/target?target_type=USER"))
        .await;
    assert_eq!(t.body, json!({"targets": []}));
    let t = app.get(&format!("{GROUPS}/{id}/target")).await;
    assert_eq!(t.body["targets"].as_array().map(Vec::len), Some(1));

    // Update: the name is required; what is given replaces.
    assert_error(
        &app.patch(
            &format!("{GROUPS}/{id}"),
            json!({"policy_group": {"priority": 1}}),
        )
        .await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.patch(&format!("{GROUPS}/{id}"), group("labs", json!({})))
            .await,
        409,
        "WKS.00211119",
    );
    let u = app
        .patch(
            &format!("{GROUPS}/{id}"),
            group("office_2", json!({"priority": 1, "targets": [{"target_type": "ALL", "target_id": "default-apply-all-targets", "target_name": "All-Targets"}]})),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body, json!({"id": id}));
    let s = app.get(&format!("{GROUPS}/{id}")).await;
    assert_eq!(s.body["policy_group"]["name"], "office_2");
    assert_eq!(s.body["policy_group"]["targets"][0]["target_type"], "ALL");
    assert_eq!(
        s.body["policy_group"]["policies"]["audio"]["audio_redirection_enable"], false,
        "policies not given stay"
    );

    // Templates.
    let tb = |name: &str, policies: Value| json!({"policy_group": {"policy_group_name": name, "description": "t", "policies": policies}});
    let r = app
        .post(
            "/v1/{p}/policy-templates",
            tb(
                "办公 模板 (v1)",
                json!({"audio": {"audio_redirection_enable": true}}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let tid = r.body["id"].as_str().expect("template").to_string();
    assert_error(
        &app.post(
            "/v1/{p}/policy-templates",
            json!({"policy_group": {"policy_group_name": "no-policies"}}),
        )
        .await,
        400,
        "WKS.00211104",
    );
    assert_error(
        &app.post("/v1/{p}/policy-templates", tb(" leading", json!({})))
            .await,
        400,
        "WKS.00211105",
    );
    let l = app
        .get("/v1/{p}/policy-templates?policy_group_name=模板")
        .await;
    assert_eq!(l.body["count"], 1, "{}", l.text);
    assert!(l.body["items"][0].get("policies").is_none(), "{}", l.text);
    let u = app
        .patch(
            &format!("/v1/{{p}}/policy-templates/{tid}"),
            tb("renamed", json!({})),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        app.delete(&format!("/v1/{{p}}/policy-templates/{tid}"))
            .await
            .status,
        200
    );
    assert_error(
        &app.delete(&format!("/v1/{{p}}/policy-templates/{tid}"))
            .await,
        404,
        "WKS.00211902",
    );

    // Delete.
    assert_eq!(app.delete(&format!("{GROUPS}/{labs}")).await.status, 200);
    assert_error(
        &app.delete(&format!("{GROUPS}/{labs}")).await,
        404,
        "WKS.00211902",
    );
    assert_error(
        &app.get(&format!("{GROUPS}/{labs}")).await,
        404,
        "WKS.00211902",
    );
}

#[tokio::test]
async fn a_session_gets_its_effective_policy_and_its_timeouts() {
    use std::sync::Arc;

    use openwks_core::clock::VirtualClock;
    use openwks_server::scaler;

    use crate::sessions::{session_counts, setup, users};

    let clock = Arc::new(VirtualClock::at(1_780_000_000_000));
    let settings = openwks_server::Settings {
        clock: clock.clone(),
        ..TestApp::settings()
    };
    let app = TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await;
    let team = users("pe", 2);
    let (sg, ag, app_id) = setup(&app, "pol-eff", json!({"max_session": 4}), 1, &team).await;
    let ug = app
        .post(
            "/openwks/v1/{p}/user-groups",
            json!({"name": "night-shift", "members": [team[1]]}),
        )
        .await;
    assert_eq!(ug.status, 201, "{}", ug.text);
    let ug = ug.body["id"].as_str().expect("user group").to_string();
    let sbc = |v: Value| json!({"session": {"sbc": v}});
    for (name, priority, target, policies) in [
        (
            "everyone",
            10,
            json!({"target_type": "ALL", "target_id": "default-apply-all-targets", "target_name": "All-Targets"}),
            sbc(
                json!({"sbc_automatic_disconnection_options": {"auto_logout_options": {"sbc_logout_waiting_time": 30}}}),
            ),
        ),
        (
            "night",
            10,
            json!({"target_type": "USERGROUP", "target_id": ug, "target_name": "night-shift"}),
            sbc(json!({"sbc_automatic_disconnection": "AUTO_LOCK"})),
        ),
        (
            "keep_pe001",
            20,
            json!({"target_type": "USER", "target_id": team[1], "target_name": team[1]}),
            sbc(
                json!({"sbc_automatic_disconnection": "DISABLED", "sbc_automatic_disconnection_options": {"sbc_auto_logout": false}}),
            ),
        ),
    ] {
        let r = app
            .post(
                GROUPS,
                group(
                    name,
                    json!({"priority": priority, "targets": [target], "policies": policies}),
                ),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let launch = |user: &str, extra: Value| {
        let mut b = json!({"user_name": user, "app_group_id": ag, "app_id": app_id});
        if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        b
    };
    // pe000: only ALL applies.
    let r = app
        .post(
            "/openwks/v1/{p}/app-launches",
            launch(&team[0], json!({"explain": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s0 = r.body["session_id"].as_str().expect("session").to_string();
    let opts = "session.sbc.sbc_automatic_disconnection_options";
    assert_eq!(
        r.body["policies"]["session"]["sbc"]["sbc_automatic_disconnection"],
        "AUTO_DISCONNECT"
    );
    assert_eq!(
        r.body["policy_sources"]["session.sbc.sbc_automatic_disconnection"]["policy_group_name"],
        "default"
    );
    assert_eq!(
        r.body["policy_sources"][format!("{opts}.auto_logout_options.sbc_logout_waiting_time")]
            ["policy_group_name"],
        "everyone"
    );
    // pe001: in the user group and named by a USER group of a worse priority. The field both
    // set goes to the better priority; the field only the USER group sets is its own.
    let r = app
        .post(
            "/openwks/v1/{p}/app-launches",
            launch(&team[1], json!({"explain": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s1 = r.body["session_id"].as_str().expect("session").to_string();
    let src = &r.body["policy_sources"];
    assert_eq!(
        r.body["policies"]["session"]["sbc"]["sbc_automatic_disconnection"],
        "AUTO_LOCK"
    );
    assert_eq!(
        src["session.sbc.sbc_automatic_disconnection"]["policy_group_name"],
        "night"
    );
    assert_eq!(
        src["session.sbc.sbc_automatic_disconnection"]["target_type"],
        "USERGROUP"
    );
    assert_eq!(
        src[format!("{opts}.sbc_auto_logout")]["policy_group_name"],
        "keep_pe001"
    );
    assert_eq!(
        src[format!("{opts}.sbc_auto_logout")]["target_type"],
        "USER"
    );
    // `policy` alone: the policy without its sources; neither by default.
    let r = app
        .post(
            "/openwks/v1/{p}/app-launches",
            launch(&team[1], json!({"policy": true})),
        )
        .await;
    assert!(
        r.body["policies"].is_object() && r.body.get("policy_sources").is_none(),
        "{}",
        r.text
    );
    let r = app
        .post("/openwks/v1/{p}/app-launches", launch(&team[1], json!({})))
        .await;
    assert!(r.body.get("policies").is_none(), "{}", r.text);

    // The timeouts: pe000's disconnected session is logged off after 30 minutes (not the
    // default 15); pe001's is kept.
    for s in [&s0, &s1] {
        let r = app
            .post(
                &format!("/openwks/v1/{{p}}/app-launches/{s}/disconnect"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    clock.advance(29 * 60_000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(session_counts(&app, &sg).await.values().sum::<i64>(), 2);
    clock.advance(2 * 60_000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(session_counts(&app, &sg).await.values().sum::<i64>(), 1);
    clock.advance(24 * 3_600_000);
    scaler::tick(&app.state).await.expect("tick");
    assert_eq!(
        session_counts(&app, &sg).await.values().sum::<i64>(),
        1,
        "pe001's policy keeps it"
    );
}
