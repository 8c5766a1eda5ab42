//! Several replicas on one PostgreSQL database (issue 8): each `TestApp::replica` has its own
//! store — writer, connection pool, caches — on the same schema, as separate `openwks serve`
//! processes have (the process-level tests, kill -9 and the lease among them, are in
//! `crates/openwks/tests/replicas.rs`). On the SQLite pass the multi-replica tests say they
//! are skipped (one SQLite file has one writer); the racing-reads test runs in one process.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use openwks_core::catalogue::{Catalogue, HostPool};
use serde_json::json;

use crate::harness::{TestApp, PRODUCT};
use crate::sessions::{launch, session_counts, setup, users};

/// `n` replicas: the first, then `n - 1` more on its database; `None` on the SQLite pass.
async fn replicas(first: TestApp, n: usize) -> Option<Vec<Arc<TestApp>>> {
    let mut all = vec![Arc::new(first)];
    for _ in 1..n {
        let Some(r) = all[0].replica().await else {
            eprintln!("skipped: replicas need the PostgreSQL pass (OPENWKS_TEST_DATABASE_URL)");
            return None;
        };
        all.push(Arc::new(r));
    }
    Some(all)
}

/// 200 app-server creates (two groups of 100) race over three replicas on a fleet of 80 hosts
/// that fit one server each: no group has two servers on one host (anti-affinity), no host
/// takes more than it holds, and exactly 80 creates succeed (every host used once).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_creates_over_three_replicas_keep_anti_affinity_and_capacity() {
    const HOSTS: u32 = 80;
    let mut cat = Catalogue::default_for("cn-north-4").expect("catalogue");
    let product = cat
        .products
        .iter()
        .find(|p| p.product_id == PRODUCT)
        .expect("product")
        .clone();
    cat.host_pools = vec![HostPool {
        availability_zone: "cn-north-4a".into(),
        count: HOSTS,
        vcpus: product.cpu as u32,
        memory_mb: product.memory_mb as u64,
        gpus: 0,
    }];
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let first = TestApp::with_catalogue(dir, TestApp::settings(), cat).await;
    let Some(apps) = replicas(first, 3).await else {
        return;
    };
    let groups = [
        apps[0].create_group(apps[0].group_body("sg-race-a")).await,
        apps[1].create_group(apps[1].group_body("sg-race-b")).await,
    ];
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let app = Arc::clone(&apps[i % 3]);
        let sg = groups[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut body = app.app_servers_body(&sg, 1);
            body["availability_zone"] = json!("cn-north-4a");
            let r = app.post("/v1/{p}/app-servers/actions/create", body).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let job = r.body["job_id"].as_str().expect("job").to_string();
            app.wait_job(&job).await
        }));
    }
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for t in tasks {
        let j = t.await.expect("task");
        *outcomes
            .entry(j["status"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    assert_eq!(
        outcomes.get("SUCCESS").copied().unwrap_or(0),
        HOSTS as usize,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.values().sum::<usize>(), 200, "{outcomes:?}");
    // Every placed server, read from a replica that placed only some of them.
    let mut per_host: HashMap<String, Vec<String>> = HashMap::new();
    for sg in &groups {
        let mut items = Vec::new();
        for offset in [0, 100] {
            let r = apps[2]
                .get(&format!(
                    "/v1/{{p}}/app-servers?server_group_id={sg}&limit=100&offset={offset}"
                ))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            items.extend(r.body["items"].as_array().expect("items").iter().cloned());
        }
        assert_eq!(items.len(), 100, "every create of {sg} recorded its server");
        let mut hosts = HashSet::new();
        for s in items.iter().filter(|s| s["vm_status"] == "ACTIVE") {
            let host = s["host_id"].as_str().expect("host").to_string();
            assert!(hosts.insert(host.clone()), "two servers of {sg} on {host}");
            per_host.entry(host).or_default().push(sg.clone());
        }
    }
    assert_eq!(
        per_host.len(),
        HOSTS as usize,
        "every host used: {per_host:?}"
    );
    assert!(per_host.values().all(|v| v.len() == 1), "{per_host:?}");
    // The fleet's own view agrees: no host over its capacity, from any replica.
    for app in &apps {
        let h = app.get("/openwks/v1/hosts").await;
        assert_eq!(h.status, 200, "{}", h.text);
        let hosts = h.body["hosts"].as_array().expect("hosts");
        assert_eq!(hosts.len(), HOSTS as usize);
        for host in hosts {
            let used = host["vcpus_used"].as_i64().expect("used");
            let total = host["vcpus"].as_i64().expect("vcpus");
            assert!(used <= total, "over-committed: {host}");
            assert_eq!(
                used,
                product.cpu * host["servers"].as_array().expect("servers").len() as i64,
                "usage agrees with the servers placed: {host}"
            );
        }
    }
}

/// 1,000 launches race over three replicas into eight servers of 100 sessions: exactly 800
/// are placed, 100 per server, and the other 200 are clean refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_launches_over_three_replicas_never_exceed_max_session() {
    let Some(apps) = replicas(TestApp::new().await, 3).await else {
        return;
    };
    let team = users("rep", 1000);
    let (sg, ag, app_id) = setup(&apps[0], "sg-rep", json!({"max_session": 100}), 8, &team).await;
    let mut tasks = Vec::new();
    for (i, u) in team.into_iter().enumerate() {
        let (app, ag, app_id) = (Arc::clone(&apps[i % 3]), ag.clone(), app_id.clone());
        tasks.push(tokio::spawn(
            async move { launch(&app, &u, &ag, &app_id).await },
        ));
    }
    let mut per_server: HashMap<String, i64> = HashMap::new();
    let mut refused = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            200 => {
                *per_server
                    .entry(r.body["server_id"].as_str().expect("server").to_string())
                    .or_default() += 1
            }
            503 => {
                assert_eq!(r.code(), "WKS.00131114", "{}", r.text);
                refused += 1;
            }
            s => panic!("unexpected {s}: {}", r.text),
        }
    }
    assert_eq!(refused, 200);
    assert_eq!(per_server.len(), 8);
    assert!(per_server.values().all(|n| *n == 100), "{per_server:?}");
    // Every replica's store agrees with what the clients were told.
    for app in &apps {
        assert_eq!(session_counts(app, &sg).await, per_server);
    }
}

/// What one replica writes, another reads at once: no cache serves an older view (groups,
/// IAM users and their keys, policies).
#[tokio::test]
async fn a_write_on_one_replica_is_read_on_another_at_once() {
    let Some(apps) = replicas(TestApp::new().await, 2).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    let sg = a.create_group(a.group_body("sg-seen")).await;
    // B reads the group (and may cache it), A changes it, B must see the change.
    assert_eq!(
        b.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .status,
        200
    );
    for i in 0..5 {
        let r = a
            .patch(
                &format!("/v1/{{p}}/app-server-groups/{sg}"),
                json!({"description": format!("rev {i}")}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let seen = b.get(&format!("/v1/{{p}}/app-server-groups/{sg}")).await;
        assert_eq!(
            seen.body["description"],
            format!("rev {i}"),
            "{}",
            seen.text
        );
    }
    // A write elsewhere changes the group's derived fields: an app group bound to it on A.
    let other = a.create_group(a.group_body("sg-other")).await;
    let other_path = format!("/v1/{{p}}/app-server-groups/{other}");
    assert_eq!(b.get(&other_path).await.body["app_group_count"], 0);
    let ag = a
        .post(
            "/v1/{p}/app-groups",
            json!({"name": "rep-ag", "app_server_group_id": other, "description": ""}),
        )
        .await;
    assert_eq!(ag.status, 200, "{}", ag.text);
    assert_eq!(b.get(&other_path).await.body["app_group_count"], 1);
    assert_eq!(
        b.get(&format!("/v1/{{p}}/app-server-groups/{sg}"))
            .await
            .body["description"],
        "rev 4",
        "the untouched group reads the same"
    );
    // An IAM user with a key made on A signs at once on B; its policy (made on A) applies on B.
    let u = a
        .post(
            "/openwks/v1/iam/users",
            json!({"name": "rep-viewer", "password": "pass-word-1"}),
        )
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let uid = u.body["id"].as_str().expect("user id").to_string();
    let k = a
        .post(
            &format!("/openwks/v1/iam/users/{uid}/access-keys"),
            json!({}),
        )
        .await;
    assert_eq!(k.status, 201, "{}", k.text);
    let (ak, sk) = (
        k.body["access_key"].as_str().expect("ak").to_string(),
        k.body["secret_key"].as_str().expect("sk").to_string(),
    );
    let show = format!("/v1/{{p}}/app-server-groups/{sg}");
    let denied = b.call_as((&ak, &sk), "GET", &show, None).await;
    assert_eq!(
        (denied.status, denied.code()),
        (403, "WKS.00081104"),
        "signed on B with a key made on A, no policy yet: {}",
        denied.text
    );
    let p = a
        .post(
            "/openwks/v1/iam/policies",
            json!({"name": "rep-get", "document": {"Version": "5.0", "Statement": [
                {"Effect": "Allow", "Action": ["workspace:serverGroup:get"]}]}}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let pid = p.body["id"].as_str().expect("policy id").to_string();
    let r = a
        .put(
            &format!("/openwks/v1/iam/users/{uid}/policies/{pid}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // B learns of the attachment at its next heartbeat (about a second; here, by hand).
    openwks_server::cluster::beat(&b.state, 2).await;
    let allowed = b.call_as((&ak, &sk), "GET", &show, None).await.status;
    assert_eq!(allowed, 200, "the policy attached on A applies on B");
}

/// Writes on one replica race reads on both while their caches fill and follow the writes:
/// a read never shows a group older than the last update acknowledged before the read began
/// (single reads and list pages, on the writing replica and on the other). On the SQLite pass
/// the same race runs in one process (its cache is evicted by its own writer).
#[tokio::test]
async fn racing_reads_never_see_a_view_older_than_an_acknowledged_write() {
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    let first = Arc::new(TestApp::new().await);
    let mut apps = vec![Arc::clone(&first)];
    if let Some(other) = first.replica().await {
        apps.push(Arc::new(other));
    }
    const GROUPS: usize = 12;
    const WRITERS: usize = 3;
    let mut ids = Vec::new();
    for i in 0..GROUPS {
        ids.push(
            apps[0]
                .create_group(apps[0].group_body(&format!("race-{i}")))
                .await,
        );
    }
    let ids = Arc::new(ids);
    // The newest revision of each group acknowledged so far (-1: none yet).
    let acked: Arc<Vec<AtomicI64>> = Arc::new((0..GROUPS).map(|_| AtomicI64::new(-1)).collect());
    let done = Arc::new(AtomicBool::new(false));
    let rev_of = |v: &serde_json::Value| -> i64 {
        v["description"]
            .as_str()
            .and_then(|d| d.strip_prefix("rev "))
            .and_then(|n| n.parse().ok())
            .unwrap_or(-1)
    };
    // Each writer owns some groups and moves each of them through revisions 0, 1, 2, ...
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (a, ids, acked) = (Arc::clone(&apps[0]), Arc::clone(&ids), Arc::clone(&acked));
            tokio::spawn(async move {
                for rev in 0..15i64 {
                    for g in (w..GROUPS).step_by(WRITERS) {
                        let r = a
                            .patch(
                                &format!("/v1/{{p}}/app-server-groups/{}", ids[g]),
                                json!({"description": format!("rev {rev}")}),
                            )
                            .await;
                        assert_eq!(r.status, 200, "{}", r.text);
                        acked[g].store(rev, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..4usize)
        .map(|k| {
            let (app, replica) = (Arc::clone(&apps[k % apps.len()]), k % apps.len());
            let (ids, acked, done) = (Arc::clone(&ids), Arc::clone(&acked), Arc::clone(&done));
            tokio::spawn(async move {
                let mut reads = 0usize;
                let mut i = k;
                while !done.load(Ordering::SeqCst) {
                    i += 1;
                    if i % 5 == 0 {
                        let before: Vec<i64> =
                            acked.iter().map(|a| a.load(Ordering::SeqCst)).collect();
                        let page = app.get("/v1/{p}/app-server-groups?limit=100").await;
                        assert_eq!(page.status, 200, "{}", page.text);
                        for item in page.body["items"].as_array().cloned().unwrap_or_default() {
                            if let Some(g) = ids.iter().position(|id| item["id"] == *id) {
                                assert!(
                                    rev_of(&item) >= before[g],
                                    "list on replica {replica}: group {g} at rev {} after rev {} was acknowledged",
                                    rev_of(&item),
                                    before[g]
                                );
                            }
                        }
                    } else {
                        let g = i % GROUPS;
                        let before = acked[g].load(Ordering::SeqCst);
                        let r = app
                            .get(&format!("/v1/{{p}}/app-server-groups/{}", ids[g]))
                            .await;
                        assert_eq!(r.status, 200, "{}", r.text);
                        assert!(
                            rev_of(&r.body) >= before,
                            "replica {replica}: group {g} at rev {} after rev {before} was acknowledged",
                            rev_of(&r.body)
                        );
                    }
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for w in writers {
        w.await.expect("writer");
    }
    done.store(true, Ordering::SeqCst);
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("reader");
    }
    assert!(reads > 100, "{reads} reads raced the writes");
    for (g, id) in ids.iter().enumerate() {
        for app in &apps {
            let r = app.get(&format!("/v1/{{p}}/app-server-groups/{id}")).await;
            assert_eq!(rev_of(&r.body), 14, "group {g} at the end");
        }
    }
}

/// Two replicas each run the scaling controller every 200 ms; only the holder of the
/// background lease acts, so a full group grows by one step (`single_expansion_count` 2), not
/// by one step per replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scaling_controller_acts_once_across_replicas() {
    let Some(apps) = replicas(TestApp::new().await, 2).await else {
        return;
    };
    let team = users("once", 2);
    let (sg, ag, app_id) = setup(&apps[0], "sg-once", json!({"max_session": 2}), 1, &team).await;
    for u in &team {
        let r = launch(&apps[1], u, &ag, &app_id).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = apps[0]
        .put(
            "/v1/{p}/scaling-policy",
            json!({"server_group_id": sg, "enable": true, "max_scaling_amount": 10, "single_expansion_count": 2,
                   "scaling_policy_by_session": {"session_usage_threshold": 50, "shrink_after_session_idle_minutes": 30}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Fifteen heartbeats and controller rounds on each replica, in turn.
    for beat in 1..=15 {
        for app in &apps {
            openwks_server::cluster::beat(&app.state, beat).await;
            openwks_server::scaler::round(&app.state).await;
            app.run_jobs().await;
        }
    }
    let leaders = apps.iter().filter(|a| a.state.cluster.is_leader()).count();
    assert_eq!(leaders, 1, "one replica holds the background lease");
    let acts = apps[1]
        .get(&format!(
            "/openwks/v1/{{p}}/scaling-activities?server_group_id={sg}&limit=100"
        ))
        .await;
    assert_eq!(acts.status, 200, "{}", acts.text);
    let outs: Vec<_> = acts.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|a| a["action"] == "SCALE_OUT")
        .collect();
    assert_eq!(
        outs.len(),
        1,
        "one scale-out, not one per replica: {}",
        acts.text
    );
    let servers = apps[0]
        .get(&format!(
            "/v1/{{p}}/app-servers?server_group_id={sg}&limit=100"
        ))
        .await;
    assert_eq!(servers.status, 200, "{}", servers.text);
    assert_eq!(
        servers.body["count"], 3,
        "1 + 2 auto-created: {}",
        servers.text
    );
}
