//! `openwks-bench launch`: end-to-end launches over HTTP (signed like the SDK; the authorization
//! check, routing and the durable session write of openwks) against the baseline's launch route
//! (same stack and response type, no auth, no store), alternating, count-limited rounds.
//!
//! Setup through the API: `--groups` server groups of 24 servers each (one per host of the AZ,
//! anti-affinity) with `max_session` 1024, an app group with one app on each, and one user
//! group holding every user, authorized on every app group. Every launch is a new user, so
//! every launch routes and records a new session (no reuse).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};

use crate::load::{self, Call, CallMaker, Stats, Target};
use crate::procs;
use crate::report;
use crate::scenarios::{self, Common, PID};

/// Flags of `openwks-bench launch`.
#[derive(Args, Debug, Clone)]
pub struct LaunchArgs {
    /// Launches per round and server.
    #[arg(long, default_value_t = 15_000)]
    pub launches: u64,
    /// Rounds (each on openwks, then on the baseline).
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Server groups (24 servers x 1024 sessions each).
    #[arg(long, default_value_t = 2)]
    pub groups: usize,
    /// Launch on openwks only (the scale run: e.g. `--launches 1000000 --groups 42
    /// --rounds 1 --skip-baseline`).
    #[arg(long)]
    pub skip_baseline: bool,
    #[command(flatten)]
    pub common: Common,
}

/// What `launch` measured.
#[derive(Debug, Clone, Serialize)]
pub struct LaunchReport {
    /// Machine, date, commit.
    pub env: report::Env,
    /// Connections.
    pub connections: usize,
    /// Launches per round.
    pub launches: u64,
    /// Rounds.
    pub rounds: usize,
    /// Server groups and servers.
    pub groups: usize,
    /// Servers in all.
    pub servers: usize,
    /// openwks, rounds merged.
    pub openwks: Stats,
    /// Baseline, rounds merged.
    pub baseline: Stats,
    /// openwks ÷ baseline launches/s.
    pub ratio: f64,
    /// Sessions openwks lists afterwards (must equal its successful launches).
    pub sessions_listed: i64,
    /// The most sessions on one server afterwards (must not exceed 1024).
    pub max_sessions_on_a_server: i64,
    /// openwks RSS after the launches (KiB).
    pub rss_after_kib: u64,
    /// One `list_sessions` page (limit 100, count of all) afterwards, ms.
    pub list_sessions_ms: f64,
}

pub(crate) async fn call(
    t: &Target,
    method: &'static str,
    path: String,
    query: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let body = if body.is_null() {
        vec![]
    } else {
        serde_json::to_vec(&body)?
    };
    let query = query.to_string();
    let mk: CallMaker = Arc::new(move |_, _| Call {
        method,
        path: path.clone(),
        query: query.clone(),
        body: body.clone(),
    });
    let (stats, bodies) = load::run(t, mk, 1, Duration::from_secs(60), Some(1), true).await?;
    let raw = bodies.first().cloned().unwrap_or_default();
    if stats.errors > 0 {
        anyhow::bail!("{method} failed: {}", String::from_utf8_lossy(&raw));
    }
    Ok(serde_json::from_slice(&raw).unwrap_or(Value::Null))
}

async fn wait_job(t: &Target, job: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        let j = call(t, "GET", format!("/v2/{PID}/job/{job}"), "", Value::Null).await?;
        match j["status"].as_str() {
            Some("RUNNING") => tokio::time::sleep(Duration::from_millis(100)).await,
            Some("SUCCESS") => return Ok(()),
            other => anyhow::bail!("job {job} ended {other:?}: {j}"),
        }
    }
    anyhow::bail!("job {job} still running")
}

/// Groups, servers, apps and users; returns `[(app group, app)]`.
async fn setup(t: &Target, groups: usize, users: u64) -> anyhow::Result<Vec<(String, String)>> {
    let w = scenarios::discover(t).await?;
    let mut out = Vec::new();
    let ug = call(
        t,
        "POST",
        format!("/openwks/v1/{PID}/user-groups"),
        "",
        json!({"name": "bench-users"}),
    )
    .await?;
    let ug_id = ug["id"].as_str().unwrap_or_default().to_string();
    for g in 0..groups {
        // AZs a and b have 24 hosts each: one server per host (anti-affinity).
        let az = if g % 2 == 0 {
            "cn-north-4a"
        } else {
            "cn-north-4b"
        };
        let sg = call(t, "POST", format!("/v1/{PID}/app-server-groups"), "", json!({
            "name": format!("launch-{g}"), "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public",
            "os_type": "Windows", "product_id": "workspace.appstream.general.xlarge.2", "vpc_id": w.vpc,
            "subnet_id": w.subnet, "system_disk_type": "SAS", "system_disk_size": 80,
            "availability_zone": az, "route_policy": {"max_session": 1024}})).await?;
        let sg = sg["id"].as_str().unwrap_or_default().to_string();
        let job = call(t, "POST", format!("/v1/{PID}/app-servers/actions/create"), "", json!({
            "type": "createApps", "server_group_id": sg, "subscription_num": 24,
            "product_id": "workspace.appstream.general.xlarge.2", "root_volume": {"type": "SAS", "size": 80},
            "vpc_id": w.vpc, "subnet_id": w.subnet, "availability_zone": az})).await?;
        wait_job(t, job["job_id"].as_str().unwrap_or_default()).await?;
        let ag = call(
            t,
            "POST",
            format!("/v1/{PID}/app-groups"),
            "",
            json!({"name": format!("launch-{g}"), "app_server_group_id": sg}),
        )
        .await?;
        let ag = ag["id"].as_str().unwrap_or_default().to_string();
        let app = call(t, "POST", format!("/v1/{PID}/app-groups/{ag}/apps"), "",
            json!({"items": [{"name": "Notepad", "execute_path": "C:\\notepad.exe", "source_type": 1}]})).await?;
        let app = app["items"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        call(t, "POST", format!("/v1/{PID}/app-groups/authorizations"), "",
            json!({"app_group_ids": [ag], "accounts": [{"account": "bench-users", "account_type": "USER_GROUP"}]})).await?;
        out.push((ag, app));
    }
    // Members, 100 per call, 64 calls at a time.
    let calls = users.div_ceil(100);
    let path = format!("/openwks/v1/{PID}/user-groups/{ug_id}/members");
    let mk: CallMaker = Arc::new(move |n, _| {
        let batch = n % calls.max(1);
        let names: Vec<String> = (batch * 100..(batch + 1) * 100)
            .map(|i| format!("lu{i}"))
            .collect();
        Call {
            method: "POST",
            path: path.clone(),
            query: String::new(),
            body: serde_json::to_vec(&json!({"users": names})).unwrap_or_default(),
        }
    });
    // `n` is process-wide: run exactly `calls` calls whose n modulo `calls` covers every batch.
    let (stats, _) = load::run(t, mk, 1, Duration::from_secs(600), Some(calls), false).await?;
    if stats.errors > 0 {
        anyhow::bail!("{} member calls failed", stats.errors);
    }
    Ok(out)
}

fn launch_maker(apps: Arc<Vec<(String, String)>>, next: Arc<AtomicU64>) -> CallMaker {
    Arc::new(move |_, _| {
        let u = next.fetch_add(1, Ordering::Relaxed);
        let (ag, app) = &apps[(u % apps.len() as u64) as usize];
        Call {
            method: "POST",
            path: format!("/openwks/v1/{PID}/app-launches"),
            query: String::new(),
            body: serde_json::to_vec(
                &json!({"user_name": format!("lu{u}"), "app_group_id": ag, "app_id": app,
                "client_ip": "198.51.100.7", "client_type": "Windows 10"}),
            )
            .unwrap_or_default(),
        }
    })
}

/// `openwks-bench launch`.
pub async fn run(args: LaunchArgs) -> anyhow::Result<()> {
    let dir = scenarios::work_dir(&args.common.work_dir)?;
    let cfg = scenarios::cfg(&dir, &args.common.openwks, &args.common.server_log)?;
    let ow = procs::start_openwks(&cfg)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = scenarios::target(&ow.addr);
    let conns = args.common.connections;
    let warm = 2_000u64;
    // Each round's openwks launches are new users; the baseline's draw from the same counter.
    let per_server = if args.skip_baseline { 1 } else { 2 };
    let users = (args.launches * args.rounds as u64 + warm) * per_server + 1_000;
    let capacity = args.groups as u64 * 24 * 1024;
    if args.launches * args.rounds as u64 + warm > capacity {
        anyhow::bail!(
            "{} groups hold {capacity} sessions: fewer launches or more groups",
            args.groups
        );
    }
    eprintln!("setting up {} groups and {users} users...", args.groups);
    let apps = Arc::new(setup(&t, args.groups, users).await?);
    eprintln!("setup done; launching...");
    let bl = procs::start_baseline()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bt = scenarios::target(&bl.addr);
    let next = Arc::new(AtomicU64::new(0));
    let mk = launch_maker(apps, Arc::clone(&next));
    let long = Duration::from_secs(600);
    load::run(&t, Arc::clone(&mk), conns, long, Some(warm), false).await?;
    if !args.skip_baseline {
        load::run(&bt, Arc::clone(&mk), conns, long, Some(warm), false).await?;
    }
    let (mut o, mut b) = (Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let (so, _) =
            load::run(&t, Arc::clone(&mk), conns, long, Some(args.launches), false).await?;
        eprintln!("launch: openwks {:.0}/s (p99 {:.2} ms)", so.rps, so.p99_ms);
        o.push(so);
        if !args.skip_baseline {
            let (sb, _) = load::run(
                &bt,
                Arc::clone(&mk),
                conns,
                long,
                Some(args.launches),
                false,
            )
            .await?;
            eprintln!("launch: baseline {:.0}/s", sb.rps);
            b.push(sb);
        }
    }
    let rss_after_kib = ow.rss_kib();
    let (openwks, baseline) = (scenarios::merge(&o), scenarios::merge(&b));
    let listed_at = std::time::Instant::now();
    let listed = call(
        &t,
        "GET",
        format!("/v1/{PID}/session/list-sessions"),
        "query_begin_time=2000-01-01T00:00:00Z&query_end_time=2100-01-01T00:00:00Z&limit=100",
        Value::Null,
    )
    .await?;
    let list_sessions_ms = listed_at.elapsed().as_secs_f64() * 1000.0;
    let servers = call(
        &t,
        "GET",
        format!("/v1/{PID}/app-servers"),
        "limit=100",
        Value::Null,
    )
    .await?;
    let max_on = servers["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["session_count"].as_i64())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    ow.stop();
    bl.stop();
    let ratio = if baseline.rps > 0.0 {
        openwks.rps / baseline.rps
    } else {
        0.0
    };
    let rep = LaunchReport {
        env: report::env(),
        connections: conns,
        launches: args.launches,
        rounds: args.rounds,
        groups: args.groups,
        servers: args.groups * 24,
        openwks,
        baseline,
        ratio,
        sessions_listed: listed["count"].as_i64().unwrap_or(-1),
        max_sessions_on_a_server: max_on,
        rss_after_kib,
        list_sessions_ms,
    };
    let mut text = String::new();
    use std::fmt::Write as _;
    let e = &rep.env;
    let _ = writeln!(text, "Run {} on {} cores / {} GiB, commit {}: {} connections, {} round(s) of {} launches per server, alternating; {} server groups of 24 servers (max_session 1024), every launch a new user.\n",
        e.date, e.cores, e.memory_gib, e.commit, rep.connections, rep.rounds, rep.launches, rep.groups);
    let _ = writeln!(text, "| scenario | server | launches/s | p50 ms | p90 ms | p99 ms | max ms | errors / requests |");
    let _ = writeln!(text, "|---|---|---|---|---|---|---|---|");
    let _ = writeln!(text, "{}", report::row("launch", "openwks", &rep.openwks));
    let _ = writeln!(text, "{}", report::row("launch", "baseline", &rep.baseline));
    let _ = writeln!(
        text,
        "| launch | **ratio** | **{:.0}%** | | | | | |\n",
        rep.ratio * 100.0
    );
    let _ = writeln!(
        text,
        "Afterwards openwks lists {} sessions ({:.1} ms for a page of 100 with the count of all); the fullest of the first 100 servers holds {} (of 1024); openwks RSS {:.1} MiB.",
        rep.sessions_listed,
        rep.list_sessions_ms,
        rep.max_sessions_on_a_server,
        rep.rss_after_kib as f64 / 1024.0
    );
    report::write_out(
        args.common.json.as_deref(),
        args.common.markdown.as_deref(),
        &rep,
        &text,
    )?;
    if args.common.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
