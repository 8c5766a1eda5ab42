//! Access agents (issue #17): versions, the upgrade job — during which a server takes no new
//! sessions — and the upgrade records.

use serde_json::json;

use crate::harness::{assert_error, TestApp};
use crate::sessions::{launch, setup, users};

const BASE: &str = "/v1/{p}/app-servers/access-agent";

#[tokio::test]
async fn an_upgrade_takes_servers_out_of_routing_until_they_run_the_latest_agent() {
    // Jobs take a minute of a clock the test moves: the upgrade is seen while it runs.
    let (clock, app) = TestApp::with_minute_jobs().await;
    let team = users("ha", 2);
    let (sg, ag, app_id) = setup(&app, "agents", json!({"max_session": 2}), 0, &team).await;
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 2),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    clock.advance(60_000);
    app.wait_job(r.body["job_id"].as_str().expect("job")).await;
    let latest = app.get(&format!("{BASE}/latest-version")).await;
    assert_eq!(
        latest.body,
        json!({"latest_version": "24.6.0.1010"}),
        "{}",
        latest.text
    );
    let l = app
        .get(&format!("{BASE}/actions/show-latest-version"))
        .await;
    assert_eq!(
        l.body,
        json!({"items": [{"hda_type": "SBC", "latest_version": "24.6.0.1010"}]})
    );
    assert_eq!(
        app.get(&format!("{BASE}/upgrade-flag")).await.body,
        json!({"upgrade_flag": 1})
    );
    let d = app
        .get(&format!("{BASE}/list?server_group_id={sg}&limit=10"))
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["count"], 2);
    let items = d.body["items"].as_array().expect("items").clone();
    assert!(items.iter().all(|i| i["current_version"] == "23.12.0.1005"
        && i["status"] == "REGISTERED"
        && i["server_group_name"] == "agents"));
    let ids: Vec<String> = items
        .iter()
        .filter_map(|i| i["server_id"].as_str().map(str::to_string))
        .collect();
    let one = &ids[0];
    let name_part = items[0]["server_name"].as_str().expect("name")[..10].to_string();
    assert!(app
        .get(&format!("{BASE}/list?server_name={name_part}"))
        .await
        .body["count"]
        .as_i64()
        .is_some_and(|n| n >= 1));

    for (body, status, code) in [
        (json!({}), 400, "WKS.00211104"),
        (json!({"items": []}), 400, "WKS.00211107"),
        (json!({"items": [one, one]}), 400, "WKS.00211102"),
        (json!({"items": ["no-such-server"]}), 404, "WKS.00211902"),
    ] {
        assert_error(
            &app.patch(&format!("{BASE}/actions/upgrade"), body).await,
            status,
            code,
        );
    }

    // Upgrading: the job runs, the server is passed over, both users land on the other.
    let r = app
        .patch(&format!("{BASE}/actions/upgrade"), json!({"items": [one]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    let j = app.get(&format!("/v2/{{p}}/job/{job}")).await;
    assert_eq!(j.body["job_type"], "UPGRADE_ACCESS_AGENT", "{}", j.text);
    assert_error(
        &app.patch(&format!("{BASE}/actions/upgrade"), json!({"items": [one]}))
            .await,
        409,
        "WKS.00211103",
    );
    let dry = app
        .post(
            "/openwks/v1/{p}/app-launches",
            json!({"user_name": team[0], "app_group_id": ag, "app_id": app_id, "dry_run": true}),
        )
        .await;
    let passed = dry.body["explanation"][0]["passed_over"]
        .as_array()
        .expect("explained")
        .clone();
    assert!(
        passed
            .iter()
            .any(|p| p["server_id"] == one.as_str() && p["rule"] == "upgrading"),
        "{}",
        dry.text
    );
    for u in &team {
        let r = launch(&app, u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_ne!(r.body["server_id"], one.as_str(), "{}", r.text);
    }
    let rec = app.get(&format!("{BASE}/upgrade-record")).await;
    assert_eq!(
        rec.body["items"][0]["upgrade_status"], "RUNNING",
        "{}",
        rec.text
    );

    // Done: it runs the latest agent and takes sessions again.
    clock.advance(60_000);
    app.run_jobs().await;
    let rec = app.get(&format!("{BASE}/upgrade-record")).await;
    assert_eq!(rec.body["count"], 1, "{}", rec.text);
    let r0 = &rec.body["items"][0];
    assert_eq!(
        (
            &r0["server_id"],
            &r0["current_version"],
            &r0["target_version"],
            &r0["upgrade_status"]
        ),
        (
            &json!(one),
            &json!("24.6.0.1010"),
            &json!("24.6.0.1010"),
            &json!("SUCCESS")
        ),
        "{}",
        rec.text
    );
    assert_eq!(
        r0["upgrade_time"].as_str().map(str::len),
        Some(19),
        "{}",
        rec.text
    );
    let third = users("hb", 1);
    let r = app
        .post(
            "/v1/{p}/app-groups/authorizations",
            json!({"app_group_ids": [ag], "accounts": [{"account": third[0], "account_type": "USER"}]}),
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    let r = launch(&app, &third[0], &ag, &app_id).await;
    assert_eq!(
        r.body["server_id"],
        one.as_str(),
        "the other is full: {}",
        r.text
    );
    assert_error(
        &app.patch(&format!("{BASE}/actions/upgrade"), json!({"items": [one]}))
            .await,
        409,
        "WKS.00211103",
    );
    // The other server still runs the shipped agent: an upgrade is still available.
    assert_eq!(
        app.get(&format!("{BASE}/upgrade-flag")).await.body,
        json!({"upgrade_flag": 1})
    );
}
