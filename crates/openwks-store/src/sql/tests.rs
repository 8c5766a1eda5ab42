//! Store tests on a temporary SQLite file.

use crate::prelude::*;
use openwks_core::session::SessionState;
use std::sync::Arc;

use openwks_core::catalogue::Catalogue;
use openwks_core::error::Reason;
use openwks_core::identity::{AccessKey, Bootstrap, Project, User};
use openwks_core::server_group::{CreateContext, CreateSpec, ServerGroup};

use super::SqliteStore;
use crate::{Deleted, ServerGroupFilter};

fn wanted() -> Bootstrap {
    Bootstrap {
        account_name: "acc".into(),
        project: Project {
            id: "0123456789abcdef0123456789abcdef".into(),
            name: "cn-north-4".into(),
            account_id: "a1".into(),
            account_name: "acc".into(),
            created_at: String::new(),
        },
        admin: User {
            id: "u1".into(),
            name: "admin".into(),
            account_id: "a1".into(),
            is_admin: true,
            password_hash: "x".into(),
        },
        key: AccessKey {
            access_key: "AK".into(),
            secret_key: "SK".into(),
            user_id: "u1".into(),
            account_id: "a1".into(),
            status: "active".into(),
        },
    }
}

/// A store on the backend of this pass (SQLite, or PostgreSQL on the PostgreSQL pass).
async fn setup() -> (tempfile::TempDir, Arc<SqliteStore>, Catalogue, Bootstrap) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(crate::testing::open(dir.path()).expect("open"));
    let cat = Catalogue::default_for("cn-north-4").expect("cat");
    let b = store.bootstrap(wanted(), &cat).await.expect("bootstrap");
    (dir, store, cat, b)
}

/// A store on SQLite at `db.sqlite` (for the tests that look into the SQLite file).
async fn setup_sqlite() -> (tempfile::TempDir, Arc<SqliteStore>, Catalogue, Bootstrap) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(dir.path().join("db.sqlite")).expect("open"));
    let cat = Catalogue::default_for("cn-north-4").expect("cat");
    let b = store.bootstrap(wanted(), &cat).await.expect("bootstrap");
    (dir, store, cat, b)
}

async fn group(
    store: &SqliteStore,
    cat: &Catalogue,
    b: &Bootstrap,
    name: &str,
    primary: Option<&str>,
) -> ServerGroup {
    let pid = &b.project.id;
    let subnets = store
        .list_subnets(pid.to_string(), None, None, 10)
        .await
        .expect("subnets");
    let subnet = subnets.first().expect("default subnet").clone();
    let vpc = store
        .vpc(pid.to_string(), subnet.vpc_id.clone())
        .await
        .expect("vpc")
        .expect("default vpc");
    let spec = CreateSpec {
        name: Some(name.into()),
        image_id: Some("6f4d1f2a-2019-4b6e-9c0d-000000000001".into()),
        image_type: Some("public".into()),
        os_type: Some("Windows".into()),
        product_id: Some("workspace.appstream.general.xlarge.2".into()),
        vpc_id: Some(vpc.id.clone()),
        subnet_id: Some(subnet.id.clone()),
        system_disk_type: Some("SAS".into()),
        system_disk_size: Some(80),
        primary_server_group_id: primary.map(str::to_string),
        ..CreateSpec::default()
    };
    let ctx = CreateContext {
        catalogue: cat,
        vpc: Some(&vpc),
        subnet: Some(&subnet),
        id: uuid::Uuid::new_v4().to_string(),
        project_id: pid.clone(),
        now: openwks_core::time::now_rfc3339(),
        az_pick: 0,
    };
    spec.validate(&ctx).expect("valid spec")
}

#[tokio::test]
async fn bootstrap_is_idempotent_and_seeds_the_default_network() {
    let (_d, store, cat, b) = setup().await;
    let mut other = wanted();
    other.key.access_key = "OTHER".into();
    let again = store.bootstrap(other, &cat).await.expect("again");
    assert_eq!(again, b, "later starts keep the first values");
    assert_eq!(
        store
            .list_vpcs(b.project.id, None, None, 10)
            .await
            .expect("vpcs")
            .len(),
        1
    );
}

#[tokio::test]
async fn names_are_unique_and_standbys_block_primary_delete() {
    let (_d, store, cat, b) = setup().await;
    let pid = b.project.id.clone();
    let g = group(&store, &cat, &b, "p1", None).await;
    let v = store
        .create_server_group(g.clone(), 100)
        .await
        .expect("create");
    assert_eq!(v.group.id, g.id);
    let dup = group(&store, &cat, &b, "p1", None).await;
    assert_eq!(
        store
            .create_server_group(dup, 100)
            .await
            .expect_err("dup")
            .code,
        Reason::DuplicateName
    );
    let s = group(&store, &cat, &b, "s1", Some(&g.id)).await;
    store
        .create_server_group(s.clone(), 100)
        .await
        .expect("standby");
    let pv = store
        .server_group(pid.clone(), g.id.clone())
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(pv.secondary_ids, vec![s.id.clone()]);
    assert_eq!(
        store
            .delete_server_group(pid.clone(), g.id.clone())
            .await
            .expect_err("has standby")
            .code,
        Reason::HasStandbyGroups
    );
    assert_eq!(
        store
            .delete_server_group(pid.clone(), s.id.clone())
            .await
            .expect("del"),
        Deleted::Yes
    );
    assert_eq!(
        store
            .delete_server_group(pid.clone(), s.id)
            .await
            .expect("again"),
        Deleted::NotFound
    );
    assert_eq!(
        store.delete_server_group(pid, g.id).await.expect("del p"),
        Deleted::Yes
    );
}

#[tokio::test]
async fn quota_is_enforced() {
    let (_d, store, cat, b) = setup().await;
    store
        .create_server_group(group(&store, &cat, &b, "q1", None).await, 1)
        .await
        .expect("first");
    let e = store
        .create_server_group(group(&store, &cat, &b, "q2", None).await, 1)
        .await
        .expect_err("over");
    assert_eq!(e.code, Reason::QuotaExceeded);
}

/// Many concurrent writes are committed in batches; a failing write in a batch does not undo
/// the others, and every acknowledged write is there after reopening the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_group_commit_and_survive_reopen() {
    let (dir, store, cat, b) = setup().await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (store, cat, b) = (Arc::clone(&store), cat.clone(), b.clone());
        tasks.push(tokio::spawn(async move {
            // Every 10th name repeats an earlier one: that write fails alone.
            let name = if i % 10 == 9 {
                format!("g{}", i - 1)
            } else {
                format!("g{i}")
            };
            let g = group(&store, &cat, &b, &name, None).await;
            store
                .create_server_group(g, 10_000)
                .await
                .map(|v| v.group.id)
        }));
    }
    let mut ok = Vec::new();
    let mut failed = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(id) => ok.push(id),
            Err(e) => {
                assert_eq!(e.code, Reason::DuplicateName);
                failed += 1;
            }
        }
    }
    assert_eq!(ok.len() + failed, 200);
    assert!(ok.len() >= 180);
    drop(store);
    let reopened = crate::testing::open(dir.path()).expect("reopen");
    let (count, _) = reopened
        .list_server_groups(b.project.id.clone(), ServerGroupFilter::default(), 0, 10)
        .await
        .expect("list");
    assert_eq!(count as usize, ok.len());
    for id in ok {
        assert!(reopened
            .server_group(b.project.id.clone(), id)
            .await
            .expect("read")
            .is_some());
    }
}

#[tokio::test]
async fn list_filters_by_substring_tags_and_secondary() {
    let (_d, store, cat, b) = setup().await;
    let pid = b.project.id.clone();
    let mut a = group(&store, &cat, &b, "alpha-team", None).await;
    a.tags = vec![openwks_core::validate::Tag {
        key: "team".into(),
        value: "cad".into(),
    }];
    store.create_server_group(a.clone(), 100).await.expect("a");
    let s = group(&store, &cat, &b, "beta", Some(&a.id)).await;
    store.create_server_group(s, 100).await.expect("b");
    let f = |n: &str| ServerGroupFilter {
        name_contains: Some(n.into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_server_groups(pid.clone(), f("HA-T"), 0, 10)
            .await
            .expect("l")
            .0,
        1
    );
    assert_eq!(
        store
            .list_server_groups(pid.clone(), f("%"), 0, 10)
            .await
            .expect("l")
            .0,
        0
    );
    let t = ServerGroupFilter {
        tags: vec![("team".into(), Some("cad".into()))],
        ..Default::default()
    };
    assert_eq!(
        store
            .list_server_groups(pid.clone(), t, 0, 10)
            .await
            .expect("l")
            .1[0]
            .group
            .id,
        a.id
    );
    let sec = ServerGroupFilter {
        is_secondary: Some(true),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_server_groups(pid.clone(), sec, 0, 10)
            .await
            .expect("l")
            .1[0]
            .group
            .name,
        "beta"
    );
    let (n, page) = store
        .list_server_groups(pid, ServerGroupFilter::default(), 1, 1)
        .await
        .expect("page");
    assert_eq!(
        (n, page.len(), page[0].group.name.as_str()),
        (2, 1, "alpha-team")
    );
}

/// The list queries are index searches for every filter: no full table scan per request.
#[tokio::test]
async fn list_queries_search_indexes_and_never_scan() {
    let (dir, _store, _cat, b) = setup_sqlite().await;
    let conn = rusqlite::Connection::open(dir.path().join("db.sqlite")).expect("open");
    let filters = [
        ServerGroupFilter::default(),
        ServerGroupFilter {
            name_contains: Some("x".into()),
            ..Default::default()
        },
        ServerGroupFilter {
            app_type: Some("COMMON_APP".into()),
            is_secondary: Some(true),
            ..Default::default()
        },
        ServerGroupFilter {
            tags: vec![("team".into(), Some("cad".into()))],
            ..Default::default()
        },
    ];
    for f in filters {
        let (wh, args) = super::server_groups::where_clause(&b.project.id, &f);
        for sql in [
            format!("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM server_groups g WHERE {wh}"),
            format!("EXPLAIN QUERY PLAN SELECT g.doc FROM server_groups g WHERE {wh} ORDER BY g.seq DESC LIMIT 10"),
        ] {
            let mut st = conn.prepare(&sql).expect("prepare");
            let plan: Vec<String> = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, String>(3))
                .expect("plan")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            let text = plan.join(" | ");
            assert!(plan.first().is_some_and(|l| l.starts_with("SEARCH g USING") && l.contains("(project_id=?")), "{sql}: {text}");
            assert!(!plan.iter().any(|l| l == "SCAN g"), "{sql} scans: {text}");
        }
    }
    // The scaling controller's drained-server query reads the partial index, not every server.
    let sql =
        "EXPLAIN QUERY PLAN SELECT doc FROM servers WHERE drain_until_ms IS NOT NULL ORDER BY drain_until_ms";
    let plan: Vec<String> = conn
        .prepare(sql)
        .expect("prepare")
        .query_map([], |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert!(
        plan.iter().any(|l| l.contains("servers_drain")),
        "{}",
        plan.join(" | ")
    );
}

/// A resource of another project is never visible: reads miss, writes find nothing.
#[tokio::test]
async fn other_projects_cannot_see_or_touch_a_group() {
    let (_d, store, cat, b) = setup().await;
    let g = group(&store, &cat, &b, "mine", None).await;
    store
        .create_server_group(g.clone(), 100)
        .await
        .expect("create");
    let other = "ffffffffffffffffffffffffffffffff";
    assert!(store
        .server_group(other.to_string(), g.id.clone())
        .await
        .expect("read")
        .is_none());
    assert_eq!(
        store
            .list_server_groups(other.to_string(), ServerGroupFilter::default(), 0, 10)
            .await
            .expect("list")
            .0,
        0
    );
    assert_eq!(
        store
            .delete_server_group(other.to_string(), g.id.clone())
            .await
            .expect("delete"),
        Deleted::NotFound
    );
    let e = store
        .update_server_group(other.to_string(), g.id.clone(), Box::new(|_, _, _| Ok(())))
        .await
        .expect_err("update");
    assert_eq!(e.code, Reason::NotFound);
    let e = store
        .update_server_group_tags(
            other.to_string(),
            vec![(g.id.clone(), Box::new(|_| Ok(())))],
        )
        .await
        .expect_err("tags");
    assert_eq!(e.code, Reason::NotFound);
    assert!(store
        .server_group(b.project.id, g.id)
        .await
        .expect("read")
        .is_some());
}

/// The view cache never serves a view older than the last acknowledged write: a read after
/// each acknowledged update sees it, while other tasks read the same group concurrently; and
/// the derived standby list follows creates and deletes of standbys.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_see_every_acknowledged_write_despite_the_cache() {
    let (_d, store, cat, b) = setup().await;
    let pid = b.project.id.clone();
    let g = group(&store, &cat, &b, "cached", None).await;
    store
        .create_server_group(g.clone(), 100)
        .await
        .expect("create");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (store, pid, id, stop) = (
            Arc::clone(&store),
            pid.clone(),
            g.id.clone(),
            Arc::clone(&stop),
        );
        readers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store
                    .server_group(pid.clone(), id.clone())
                    .await
                    .expect("read")
                    .expect("exists");
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        }));
    }
    for i in 0..200 {
        let desc = format!("d{i}");
        let d2 = desc.clone();
        store
            .update_server_group(
                pid.clone(),
                g.id.clone(),
                Box::new(move |g, _, _| {
                    g.description = d2;
                    Ok(())
                }),
            )
            .await
            .expect("update");
        let seen = store
            .server_group(pid.clone(), g.id.clone())
            .await
            .expect("read")
            .expect("exists");
        assert_eq!(
            seen.group.description, desc,
            "stale view after acknowledged update {i}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.await.expect("reader") > 0);
    }
    // Derived fields: the primary's standby list.
    assert!(store
        .server_group(pid.clone(), g.id.clone())
        .await
        .expect("read")
        .expect("exists")
        .secondary_ids
        .is_empty());
    let s = group(&store, &cat, &b, "standby-of-cached", Some(&g.id)).await;
    store
        .create_server_group(s.clone(), 100)
        .await
        .expect("standby");
    assert_eq!(
        store
            .server_group(pid.clone(), g.id.clone())
            .await
            .expect("read")
            .expect("exists")
            .secondary_ids,
        vec![s.id.clone()]
    );
    store
        .delete_server_group(pid.clone(), s.id)
        .await
        .expect("delete");
    assert!(store
        .server_group(pid.clone(), g.id.clone())
        .await
        .expect("read")
        .expect("exists")
        .secondary_ids
        .is_empty());
    // Tags.
    store
        .update_server_group_tags(
            pid.clone(),
            vec![(
                g.id.clone(),
                Box::new(|t: &mut Vec<openwks_core::validate::Tag>| {
                    t.push(openwks_core::validate::Tag {
                        key: "k".into(),
                        value: "v".into(),
                    });
                    Ok(())
                }),
            )],
        )
        .await
        .expect("tags");
    assert_eq!(
        store
            .server_group(pid.clone(), g.id.clone())
            .await
            .expect("read")
            .expect("exists")
            .group
            .tags
            .len(),
        1
    );
    store
        .delete_server_group(pid.clone(), g.id.clone())
        .await
        .expect("delete");
    assert!(store.server_group(pid, g.id).await.expect("read").is_none());
}

fn cached_view(id: &str) -> openwks_core::server_group::ServerGroupView {
    openwks_core::server_group::ServerGroupView {
        group: serde_json::from_value(serde_json::json!({
            "id": id, "project_id": "p", "name": "n", "description": "", "image_id": "", "image_type": "public",
            "image_product_id": "", "os_type": "Windows", "product_id": "", "flavor_id": "", "vpc_id": "", "subnet_id": "",
            "system_disk_type": "SAS", "system_disk_size": 80, "ou_name": "", "cluster_id": "", "availability_zone": "",
            "ip_virtual": false, "is_vdi": false, "app_type": "COMMON_APP", "extra_session_type": null,
            "extra_session_size": null, "enterprise_project_id": "0", "primary_server_group_id": null,
            "server_group_status": true, "storage_mount_policy": "ANY", "route_policy": {"max_session": null,
            "cpu_threshold": null, "gpu_threshold": null, "mem_threshold": null},
            "scaling_policy": {"enable": false, "max_scaling_amount": 1, "single_expansion_count": 1,
            "session_usage_threshold": null, "shrink_after_session_idle_minutes": 30, "cpu_usage_threshold": null,
            "mem_usage_threshold": null, "gpu_usage_threshold": null},
            "tags": [], "create_time": "", "update_time": "", "config_version": 1, "routing_epoch": 1
        }))
        .expect("group"),
        secondary_ids: vec![],
        subnet_name: String::new(),
        app_group_count: 0,
        app_server_count: 0,
    }
}

#[test]
fn the_cache_refuses_inserts_read_before_a_commit() {
    let c = super::cache::ViewCache::new(4);
    let v = cached_view("g");
    let gen = c.generation();
    c.evict(&["other".into()]);
    c.insert(gen, &v);
    assert!(
        c.get("p", "g").is_none(),
        "read before a commit: not cached"
    );
    let gen = c.generation();
    c.insert(gen, &v);
    assert!(c.get("p", "g").is_some());
    assert!(c.get("other-project", "g").is_none());
    c.evict(&["g".into()]);
    assert!(c.get("p", "g").is_none());
}

/// The cache of a replica (shared database): valid through one database generation; the
/// changes read with a newer generation evict just their groups; a view read in a snapshot
/// older than the cache's generation is not kept; a gap in the changes empties it.
#[test]
fn a_shared_cache_keeps_what_other_writes_did_not_change() {
    let c = super::cache::ViewCache::shared(8);
    let (a, b) = (cached_view("a"), cached_view("b"));
    c.advance(0, 10, None);
    assert_eq!(c.generation(), 10);
    c.store(10, &a);
    c.store(11, &b);
    assert!(c.lookup(10, "p", "a").is_some());
    assert!(
        c.lookup(10, "p", "b").is_some(),
        "read later than the cache: newer, kept"
    );
    assert!(
        c.lookup(12, "p", "a").is_none(),
        "a reader at 12 waits until the changes through 12 are applied"
    );

    // Generation 12 changed b (and a group not cached).
    c.advance(10, 12, Some(vec!["b".into(), "zzz".into()]));
    assert!(c.lookup(12, "p", "a").is_some(), "a unchanged: still valid");
    assert!(c.lookup(12, "p", "b").is_none(), "b changed: gone");
    c.store(11, &b);
    assert!(
        c.lookup(12, "p", "b").is_none(),
        "read at 11, older than the cache (12): generation 12's change may be missing"
    );
    c.store(12, &b);
    assert!(c.lookup(12, "p", "b").is_some());

    // An older answer arriving late changes nothing.
    c.advance(10, 11, Some(vec!["a".into()]));
    assert!(c.lookup(12, "p", "a").is_some());

    // The changes could not be read one by one (pruned, too many): start over.
    c.advance(12, 20, None);
    assert!(c.lookup(20, "p", "a").is_none() && c.lookup(20, "p", "b").is_none());
    assert_eq!(c.generation(), 20);
}

/// Migrations apply once each, in order; reopening changes nothing; a database from a newer
/// openwks is refused rather than misread.
#[tokio::test]
async fn migrations_are_versioned_and_applied_once() {
    let (dir, store, _cat, _b) = setup_sqlite().await;
    drop(store);
    let path = dir.path().join("db.sqlite");
    let versions = |p: &std::path::Path| -> Vec<i64> {
        let c = rusqlite::Connection::open(p).expect("open");
        let mut st = c
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .expect("prepare");
        st.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<Vec<i64>>>()
            .expect("rows")
    };
    assert_eq!(versions(&path), (1..=19).collect::<Vec<i64>>());
    drop(SqliteStore::open(&path).expect("reopen"));
    assert_eq!(versions(&path), (1..=19).collect::<Vec<i64>>());
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'x')",
            [],
        )
        .expect("insert");
    let e = SqliteStore::open(&path)
        .err()
        .expect("newer schema refused");
    assert!(e.message.contains("newer"), "{}", e.message);
}

#[tokio::test]
async fn scaling_activities_keep_the_newest_thousand_per_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::testing::open(dir.path()).expect("open");
    for i in 0..1005 {
        for g in ["g1", "g2"] {
            if g == "g2" && i >= 3 {
                continue;
            }
            store
                .record_scaling_activity(crate::ScalingActivity {
                    id: format!("{g}-{i}"),
                    project_id: "p".into(),
                    server_group_id: g.into(),
                    action: "HOLD".into(),
                    server_ids: vec![],
                    reason: format!("round {i}"),
                    job_id: None,
                    time: String::new(),
                    sessions: 0,
                    servers: 0,
                    auto_created: 0,
                })
                .await
                .expect("record");
        }
    }
    let g1 = store
        .scaling_activities("p".to_string(), "g1".to_string(), 5000)
        .await
        .expect("list");
    assert_eq!(g1.len(), 1000);
    assert_eq!(g1[0].id, "g1-1004");
    assert_eq!(g1[999].id, "g1-5");
    assert_eq!(
        store
            .scaling_activities("p".to_string(), "g2".to_string(), 5000)
            .await
            .expect("list")
            .len(),
        3
    );
}

/// `list_sessions` filters in SQL; it answers exactly what `SessionFilter::matches` says.
#[tokio::test]
async fn session_filters_in_sql_agree_with_the_domain_rule() {
    use openwks_core::session::{Session, SessionFilter};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::testing::open(dir.path()).expect("open");
    let mut all = Vec::new();
    for i in 0..60i64 {
        let s = Session {
            id: format!("s{i:02}"),
            project_id: if i % 11 == 0 { "other" } else { "p" }.into(),
            user_name: format!("u{}", i % 5),
            app_group_id: "ag".into(),
            app_id: "a".into(),
            app_name: "App".into(),
            server_id: format!("srv{}", i % 4),
            machine_name: format!("m{}", i % 4),
            vm_ip: format!("10.0.0.{}", i % 4),
            server_group_id: format!("g{}", i % 3),
            server_group_name: "g".into(),
            primary_server_group_id: "g0".into(),
            secondary_server_group_id: None,
            session_type: openwks_core::session::SessionType::Application,
            state: [
                SessionState::Active,
                SessionState::Disconnected,
                SessionState::SignedOut,
            ][(i % 3) as usize],
            client_ip: format!("1.1.1.{}", i % 2),
            client_type: "w".into(),
            start_time: String::new(),
            start_ms: 1_000 + i * 10,
            end_time: String::new(),
            end_ms: None,
            last_update_status_time: String::new(),
            last_update_ms: 0,
            logoff_at_ms: None,
            disconnect_timeout_ms: None,
        };
        all.push(s.clone());
        // Distinct users per primary group: the live-user index allows one live session each.
        let mut stored = s;
        stored.primary_server_group_id = format!("pg{i}");
        store
            .write(move |c| super::sessions::write_session(c.db(), &stored, true))
            .await
            .expect("insert");
    }
    let filters = [
        SessionFilter::default(),
        SessionFilter {
            user_name: Some("u2".into()),
            ..Default::default()
        },
        SessionFilter {
            server_group_id: Some("g1".into()),
            ..Default::default()
        },
        SessionFilter {
            vm_ip: Some("10.0.0.3".into()),
            public_ip: Some("1.1.1.1".into()),
            ..Default::default()
        },
        SessionFilter {
            machine_name: Some("m2".into()),
            begin_ms: Some(1_200),
            end_ms: Some(1_450),
            ..Default::default()
        },
        SessionFilter {
            states: Some(vec![SessionState::Active, SessionState::SignedOut]),
            ..Default::default()
        },
        SessionFilter {
            is_success: Some(true),
            user_name: Some("u1".into()),
            ..Default::default()
        },
        SessionFilter {
            is_success: Some(false),
            ..Default::default()
        },
        SessionFilter {
            states: Some(vec![]),
            ..Default::default()
        },
    ];
    for f in filters {
        let mut want: Vec<String> = all
            .iter()
            .filter(|s| s.project_id == "p" && f.matches(s))
            .map(|s| s.id.clone())
            .collect();
        want.reverse();
        let (count, page) = store
            .list_sessions("p".to_string(), f.clone(), 0, 1000)
            .await
            .expect("list");
        let got: Vec<String> = page.into_iter().map(|s| s.id).collect();
        assert_eq!(got, want, "{f:?}");
        assert_eq!(count, want.len() as i64);
        let (count2, page2) = store
            .list_sessions("p".to_string(), f, 1, 2)
            .await
            .expect("page");
        assert_eq!(count2, count);
        assert_eq!(page2.len(), want.len().saturating_sub(1).min(2));
    }
}

/// A write whose queued statement (`execute_later`, pipelined on PostgreSQL) fails, fails
/// alone: the writes committed with it in the same batch keep everything, it keeps nothing.
#[tokio::test]
async fn a_failing_queued_write_fails_alone_in_its_batch() {
    let (_dir, store, _cat, _b) = setup().await;
    let jobs = (0..20usize).map(|i| {
        let store = Arc::clone(&store);
        async move {
            store
                .write(move |c| {
                    c.db()
                        .execute_later(
                            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                            [format!("other{i}"), "x".to_string()],
                        )
                        .map_err(crate::db::db_err)?;
                    // Ten keys for twenty writes: every second one clashes.
                    c.db()
                        .execute_later(
                            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                            [format!("k{}", i % 10), i.to_string()],
                        )
                        .map_err(crate::db::db_err)?;
                    Ok(i)
                })
                .await
        }
    });
    let results = futures_util::future::join_all(jobs).await;
    let ok: Vec<usize> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(ok.len(), 10, "{results:?}");
    let rows: Vec<(String, String)> = store
        .read(|c| {
            c.prepare_cached(
                "SELECT key, value FROM settings WHERE key LIKE 'k%' OR key LIKE 'other%'",
            )
            .map_err(crate::db::db_err)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(crate::db::db_err)?
            .collect::<crate::db::DbResult<Vec<_>>>()
            .map_err(crate::db::db_err)
        })
        .await
        .expect("read");
    let rows: std::collections::HashMap<String, String> = rows.into_iter().collect();
    for i in 0..20 {
        let kept = ok.contains(&i);
        assert_eq!(
            rows.contains_key(&format!("other{i}")),
            kept,
            "write {i}: all or nothing"
        );
        if kept {
            assert_eq!(rows.get(&format!("k{}", i % 10)), Some(&i.to_string()));
        }
    }
}

/// What a batch records for the other replicas' view caches is read back by generation,
/// deduplicated per batch; old records are pruned, and a cache older than the pruning
/// starts over (PostgreSQL only: SQLite has one process and records nothing).
#[test]
fn view_changes_are_read_since_a_generation_and_pruned() {
    use super::generations::{log_view_changes, view_changes};
    use crate::db::Connection;
    let Some(url) = crate::testing::database_url() else {
        eprintln!("skipped: needs the PostgreSQL pass (OPENWKS_TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    drop(crate::testing::open(dir.path()).expect("migrate"));
    let db = super::postgres::connect(&crate::postgres::PgConfig {
        schema: Some(crate::testing::schema_for(dir.path())),
        ..crate::postgres::PgConfig::new(url)
    })
    .expect("connect");
    let c: &Connection = &db;
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let sorted = |r: (u64, Option<Vec<String>>)| {
        (
            r.0,
            r.1.map(|mut v| {
                v.sort();
                v
            }),
        )
    };
    c.execute_batch("BEGIN; UPDATE write_generation SET gen = 9216 WHERE id = 1")
        .expect("begin");
    log_view_changes(c, 5, &ids(&["a", "b", "a"])).expect("log 5");
    log_view_changes(c, 9000, &ids(&["c"])).expect("log 9000");
    c.execute_batch("COMMIT").expect("commit");
    assert_eq!(
        sorted(view_changes(c, 4).expect("read")),
        (9216, Some(ids(&["a", "b", "c"])))
    );
    assert_eq!(view_changes(c, 5).expect("read"), (9216, Some(ids(&["c"]))));
    assert_eq!(view_changes(c, 9000).expect("read"), (9216, Some(vec![])));
    assert_eq!(
        view_changes(c, 0).expect("read"),
        (9216, None),
        "nothing cached yet"
    );

    // Generation 9216 is a pruning one: what is 8,192 generations old goes.
    c.execute_batch("BEGIN").expect("begin");
    log_view_changes(c, 9216, &[]).expect("prune");
    c.execute_batch("COMMIT").expect("commit");
    assert_eq!(
        view_changes(c, 4).expect("read"),
        (9216, None),
        "older than the pruning: start over"
    );
    assert_eq!(
        view_changes(c, 2000).expect("read"),
        (9216, Some(ids(&["c"])))
    );
    let left: i64 = c
        .query_row("SELECT COUNT(*) FROM view_changes", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 1);
}

/// The audit trail is filtered and paged in SQL exactly as `AuditFilter::matches` says, and
/// retention deletes by time (both engines).
#[tokio::test]
async fn audit_events_filter_page_and_prune_in_the_database() {
    use openwks_core::iam_model::{AuditEvent, AuditFilter};
    let (_dir, store, _, _) = setup().await;
    let event = |i: i64| AuditEvent {
        id: format!("e{i}"),
        time: String::new(),
        time_ms: 1_000 * i,
        account_id: "acct".into(),
        user_id: format!("u{}", i % 3),
        user_name: format!("name{}", i % 3),
        action: if i % 2 == 0 { "a:b:get" } else { "a:b:put" }.into(),
        resource: format!("workspace:r:p:serverGroup:g{}", i % 5),
        method: "GET".into(),
        path: "/x".into(),
        status: if i % 4 == 0 { 403 } else { 200 },
        result: if i % 4 == 0 { "denied" } else { "allowed" }.into(),
        reason: String::new(),
        request_id: String::new(),
    };
    let all: Vec<AuditEvent> = (1..=60).map(event).collect();
    for e in &all {
        store.append_audit(e.clone()).await.expect("append");
    }
    let mut other = event(99);
    other.account_id = "other".into();
    store.append_audit(other).await.expect("append");
    let filters = [
        AuditFilter::default(),
        AuditFilter {
            user: Some("name1".into()),
            ..AuditFilter::default()
        },
        AuditFilter {
            user: Some("u2".into()),
            action: Some("a:b:get".into()),
            ..AuditFilter::default()
        },
        AuditFilter {
            resource: Some("serverGroup:g3".into()),
            result: Some("denied".into()),
            ..AuditFilter::default()
        },
        AuditFilter {
            from_ms: Some(10_000),
            to_ms: Some(30_000),
            result: Some("allowed".into()),
            ..AuditFilter::default()
        },
    ];
    for f in &filters {
        let want: Vec<&str> = all
            .iter()
            .rev()
            .filter(|e| f.matches(e))
            .map(|e| e.id.as_str())
            .collect();
        for (offset, limit) in [(0, 100), (0, 3), (2, 5), (50, 10)] {
            let (count, page) = store
                .audit_events("acct".to_string(), f.clone(), offset, limit)
                .await
                .expect("audit");
            assert_eq!(count, want.len() as i64, "{f:?}");
            let got: Vec<&str> = page.iter().map(|e| e.id.as_str()).collect();
            let expect: Vec<&str> = want
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .copied()
                .collect();
            assert_eq!(got, expect, "{f:?} offset {offset} limit {limit}");
        }
    }
    assert_eq!(store.prune_audit(21_000).await.expect("prune"), 20);
    let (count, _) = store
        .audit_events("acct".to_string(), AuditFilter::default(), 0, 1)
        .await
        .expect("audit");
    assert_eq!(count, 40);
}

/// A page of garbage in the middle of the file is found by the quick check at open and
/// refused with an error that names the file (it would otherwise be served with 500s while
/// the store accepts writes).
#[test]
fn a_damaged_database_is_refused_when_opened() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("openwks.db");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "PRAGMA page_size=4096; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); \
             CREATE INDEX t_v ON t(v);",
        )
        .expect("schema");
        let tx = conn.transaction().expect("tx");
        for i in 0..2000 {
            tx.execute(
                "INSERT INTO t (v) VALUES (?1)",
                [format!("value-{i}-{}", "x".repeat(40))],
            )
            .expect("row");
        }
        tx.commit().expect("commit");
    }
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 8 * 4096, "{} bytes", bytes.len());
    for b in &mut bytes[4 * 4096..6 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let e = match SqliteStore::open(&path) {
        Ok(_) => panic!("a damaged database opened"),
        Err(e) => e,
    };
    assert!(e.message.contains("is damaged"), "{}", e.message);
    assert!(e.message.contains("openwks.db"), "{}", e.message);
    // An intact database opens.
    let fresh = dir.path().join("fresh.db");
    assert!(SqliteStore::open(&fresh).is_ok());
}

mod conformance;
