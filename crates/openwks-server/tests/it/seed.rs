//! `serve --seed`: the same requests on a fresh data dir get the same ids — the default
//! network's, server groups', servers', jobs', app groups' (snowflake), apps', authorizations',
//! sessions' — and another seed other ids; a restart continues with ids never minted before.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::harness::TestApp;

async fn seeded(seed: Option<u64>) -> TestApp {
    let settings = openwks_server::Settings {
        seed,
        ..TestApp::settings()
    };
    TestApp::with(Arc::new(tempfile::tempdir().expect("dir")), settings).await
}

/// A fixed sequence of requests; every id the answers carry, in order.
async fn script(app: &TestApp) -> Vec<String> {
    let mut ids = vec![app.vpc_id.clone(), app.subnet_id.clone()];
    let sg = app.create_group(app.group_body("seed-sg")).await;
    ids.push(sg.clone());
    let r = app
        .post(
            "/v1/{p}/app-servers/actions/create",
            app.app_servers_body(&sg, 2),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = r.body["job_id"].as_str().expect("job").to_string();
    ids.push(job.clone());
    let j = app.wait_job(&job).await;
    ids.extend(crate::harness::job_servers(&j));
    let (ag, app_id) =
        crate::sessions::app_group_for(app, &sg, "seed-ag", &["seed-user".to_string()]).await;
    ids.extend([ag.clone(), app_id.clone()]);
    let auths = app
        .get(&format!(
            "/v1/{{p}}/app-groups/actions/list-authorizations?app_group_id={ag}"
        ))
        .await;
    ids.push(
        auths.body["authorizations"][0]["id"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    );
    let s = crate::sessions::launch(app, "seed-user", &ag, &app_id).await;
    assert_eq!(s.status, 200, "{}", s.text);
    ids.push(s.body["session_id"].as_str().unwrap_or("").to_string());
    let ug = app
        .post("/openwks/v1/{p}/user-groups", json!({"name": "seed-ug"}))
        .await;
    ids.push(ug.body["id"].as_str().unwrap_or("").to_string());
    assert!(ids.iter().all(|i| !i.is_empty()), "{ids:?}");
    ids
}

#[tokio::test]
async fn a_seed_gives_the_same_ids_to_the_same_requests() {
    let (a, b) = (seeded(Some(42)).await, seeded(Some(42)).await);
    let (ia, ib) = (script(&a).await, script(&b).await);
    assert_eq!(ia, ib, "same seed, same requests, same ids");
    let other = script(&seeded(Some(43)).await).await;
    let random = script(&seeded(None).await).await;
    for (i, id) in ia.iter().enumerate() {
        assert_ne!(Some(id), other.get(i), "another seed: {i}");
        assert_ne!(Some(id), random.get(i), "no seed: {i}");
    }
    // A restart continues on another stream: nothing minted before comes again.
    let a = a.restart().await;
    let sg = a.create_group(a.group_body("after-restart")).await;
    assert!(!ia.contains(&sg), "{sg} again after a restart");
    let groups: Value = a.get("/v1/{p}/app-server-groups").await.body;
    assert_eq!(groups["count"], 2, "{groups}");
}
