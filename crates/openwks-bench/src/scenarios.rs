//! The scenarios (`show`, `list`, `create`, `update`, `mixed`; launches are `launch.rs`),
//! the alternating comparison run, and the scale run.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use rand::Rng;
use serde_json::{json, Value};

use crate::load::{self, Call, CallMaker, Stats, Target};
use crate::procs::{self, OpenwksCfg};
use crate::report::{self, Comparison, RunReport, ScaleReport};

pub(crate) const PID: &str = "be0c4a1d2e3f40516273849a5b6c7d8e";
const AK: &str = "AKBENCH000000000001";
const SK: &str = "SKbench0000000000000000000000000000000001";

/// Flags shared by `run` and `scale`.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// The openwks binary (default: next to this one).
    #[arg(long)]
    pub openwks: Option<PathBuf>,
    /// Work directory for data (default: a new directory under /tmp, removed afterwards).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// `--log` of openwks (the default `info` writes one access-log line per request, as a
    /// user runs it).
    #[arg(long, default_value = "info")]
    pub server_log: String,
    /// Write the results as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the results as a Markdown section here.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// Flags of `openwks-bench run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Comma-separated scenarios.
    #[arg(long, default_value = "show,list,create,update,mixed")]
    pub scenarios: String,
    /// Seconds per run (each scenario runs `rounds` times on each server, alternating).
    #[arg(long, default_value_t = 5)]
    pub duration: u64,
    /// Rounds per scenario and server.
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Server groups preloaded before the scenarios run (`list` pages through them).
    #[arg(long, default_value_t = 10_000)]
    pub groups: u64,
    #[command(flatten)]
    pub common: Common,
}

/// Flags of `openwks-bench scale`.
#[derive(Args, Debug, Clone)]
pub struct ScaleArgs {
    /// Server groups to load.
    #[arg(long, default_value_t = 100_000)]
    pub groups: u64,
    /// Seconds per latency run.
    #[arg(long, default_value_t = 3)]
    pub duration: u64,
    #[command(flatten)]
    pub common: Common,
}

/// What the scenarios need to know about the loaded store.
#[derive(Clone)]
pub(crate) struct World {
    pub(crate) vpc: String,
    pub(crate) subnet: String,
    pub(crate) ids: Arc<Vec<String>>,
    run_tag: String,
}

fn group_body(w: &World, name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "name": name, "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public",
        "os_type": "Windows", "product_id": "workspace.appstream.general.xlarge.2", "vpc_id": w.vpc,
        "subnet_id": w.subnet, "system_disk_type": "SAS", "system_disk_size": 80,
        "route_policy": {"max_session": 4, "cpu_threshold": 80, "mem_threshold": 80},
        "tags": [{"key": "bench", "value": "yes"}]
    }))
    .unwrap_or_default()
}

fn base() -> String {
    format!("/v1/{PID}/app-server-groups")
}

fn pick<'a>(w: &'a World, rng: &mut rand::rngs::StdRng) -> &'a str {
    if w.ids.is_empty() {
        "none"
    } else {
        &w.ids[rng.random_range(0..w.ids.len())]
    }
}

fn show_call(w: &World, rng: &mut rand::rngs::StdRng) -> Call {
    Call {
        method: "GET",
        path: format!("{}/{}", base(), pick(w, rng)),
        query: String::new(),
        body: vec![],
    }
}

fn list_call(w: &World, rng: &mut rand::rngs::StdRng, limit: usize) -> Call {
    let max_off = w.ids.len().saturating_sub(limit).max(1);
    Call {
        method: "GET",
        path: base(),
        query: format!("limit={limit}&offset={}", rng.random_range(0..max_off)),
        body: vec![],
    }
}

fn create_call(w: &World, n: u64) -> Call {
    Call {
        method: "POST",
        path: base(),
        query: String::new(),
        body: group_body(w, &format!("b{}-{n}", w.run_tag)),
    }
}

fn update_call(w: &World, rng: &mut rand::rngs::StdRng, n: u64) -> Call {
    let body =
        serde_json::to_vec(&json!({"description": format!("update {n}")})).unwrap_or_default();
    Call {
        method: "PATCH",
        path: format!("{}/{}", base(), pick(w, rng)),
        query: String::new(),
        body,
    }
}

/// `show`, then `list`, each for `d` at `conns` connections (the scale scenario's pair).
async fn show_then_list(
    t: &Target,
    world: &World,
    conns: usize,
    d: Duration,
) -> anyhow::Result<(Stats, Stats)> {
    let (show, _) = load::run(t, maker("show", world)?, conns, d, None, false).await?;
    let (list, _) = load::run(t, maker("list", world)?, conns, d, None, false).await?;
    Ok((show, list))
}

pub(crate) fn maker(name: &str, w: &World) -> anyhow::Result<CallMaker> {
    let w = w.clone();
    Ok(match name {
        "show" => Arc::new(move |_, rng| show_call(&w, rng)),
        "list" => Arc::new(move |_, rng| list_call(&w, rng, 100)),
        "create" => Arc::new(move |n, _| create_call(&w, n)),
        "update" => Arc::new(move |n, rng| update_call(&w, rng, n)),
        // A realistic control-plane mix: mostly reads, some writes.
        "mixed" => Arc::new(move |n, rng| match rng.random_range(0..100) {
            0..80 => show_call(&w, rng),
            80..90 => list_call(&w, rng, 10),
            90..95 => create_call(&w, n),
            _ => update_call(&w, rng, n),
        }),
        "launch" => anyhow::bail!("launches have their own command: openwks-bench launch"),
        other => anyhow::bail!("unknown scenario {other}"),
    })
}

pub(crate) fn target(addr: &str) -> Target {
    Target {
        addr: addr.to_string(),
        project_id: PID.into(),
        ak: AK.into(),
        sk: SK.into(),
    }
}

pub(crate) fn work_dir(given: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let d = match given {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("openwks-bench-{}", std::process::id())),
    };
    if d.exists() {
        std::fs::remove_dir_all(&d)?;
    }
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

pub(crate) fn cfg(
    dir: &std::path::Path,
    bin: &Option<PathBuf>,
    log: &str,
) -> anyhow::Result<OpenwksCfg> {
    // The embedded catalogue with a quota large enough for the benchmark's groups.
    let cat = openwks_core::catalogue::DEFAULT_CATALOG_TOML
        .replace("max_server_groups = 10000", "max_server_groups = 100000000");
    let catalog = dir.join("catalog.toml");
    std::fs::write(&catalog, cat)?;
    Ok(OpenwksCfg {
        bin: bin
            .clone()
            .unwrap_or_else(|| procs::bin_dir().join("openwks")),
        data: dir.join("data"),
        catalog,
        project_id: PID.into(),
        ak: AK.into(),
        sk: SK.into(),
        log: log.to_string(),
    })
}

pub(crate) async fn discover(t: &Target) -> anyhow::Result<World> {
    let mk: CallMaker = Arc::new(|_, _| Call {
        method: "GET",
        path: format!("/v1/{PID}/subnets"),
        query: String::new(),
        body: vec![],
    });
    let (_, bodies) = load::run(t, mk, 1, Duration::from_secs(10), Some(1), true).await?;
    let v: Value = serde_json::from_slice(
        bodies
            .first()
            .ok_or_else(|| anyhow::anyhow!("no subnets answer"))?,
    )?;
    Ok(World {
        vpc: v["subnets"][0]["vpc_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        subnet: v["subnets"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ids: Arc::new(Vec::new()),
        run_tag: format!("{}", std::process::id()),
    })
}

/// Create `n` groups through the API (64 connections); returns their ids and the create stats.
pub(crate) async fn preload(
    t: &[Target],
    w: &World,
    n: u64,
    conns: usize,
    tag: &str,
) -> anyhow::Result<(Vec<String>, Stats)> {
    let mut pw = w.clone();
    pw.run_tag = format!("{}-pre{tag}", w.run_tag);
    let mk: CallMaker = Arc::new(move |i, _| create_call(&pw, i));
    let (stats, bodies) =
        load::run_spread(t, mk, conns, Duration::from_secs(3600), Some(n), true).await?;
    let ids = bodies
        .iter()
        .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect();
    Ok((ids, stats))
}

/// One side of a comparison: its name, its servers, its calls.
pub(crate) type Side<'a> = (&'a str, &'a [Target], &'a CallMaker);

/// Warm both sides up for `warm`, then run `rounds` runs of `d` on each, alternating (so that
/// drift of the machine hits both alike); every run of each side.
pub(crate) async fn alternate(
    scenario: &str,
    a: Side<'_>,
    b: Side<'_>,
    conns: usize,
    warm: Duration,
    d: Duration,
    rounds: usize,
) -> anyhow::Result<(Vec<Stats>, Vec<Stats>)> {
    for (_, t, mk) in [a, b] {
        load::run_spread(t, Arc::clone(mk), conns, warm, None, false).await?;
    }
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (sa, _) = load::run_spread(a.1, Arc::clone(a.2), conns, d, None, false).await?;
        let (sb, _) = load::run_spread(b.1, Arc::clone(b.2), conns, d, None, false).await?;
        eprintln!(
            "{scenario}: {} {:.0} req/s, {} {:.0} req/s",
            a.0, sa.rps, b.0, sb.rps
        );
        ra.push(sa);
        rb.push(sb);
    }
    Ok((ra, rb))
}

pub(crate) fn merge(runs: &[Stats]) -> Stats {
    let n = runs.len().max(1) as f64;
    let requests: u64 = runs.iter().map(|r| r.requests).sum();
    let seconds: f64 = runs.iter().map(|r| r.seconds).sum();
    Stats {
        requests,
        errors: runs.iter().map(|r| r.errors).sum(),
        seconds,
        rps: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        p50_ms: runs.iter().map(|r| r.p50_ms).sum::<f64>() / n,
        p90_ms: runs.iter().map(|r| r.p90_ms).sum::<f64>() / n,
        p99_ms: runs.iter().map(|r| r.p99_ms).sum::<f64>() / n,
        max_ms: runs.iter().map(|r| r.max_ms).fold(0.0, f64::max),
    }
}

/// `openwks-bench run`.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let dir = work_dir(&args.common.work_dir)?;
    let cfg = cfg(&dir, &args.common.openwks, &args.common.server_log)?;
    let ow = procs::start_openwks(&cfg)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_rss_kib = ow.rss_kib();
    let t = target(&ow.addr);
    let mut world = discover(&t).await?;
    eprintln!("preloading {} server groups...", args.groups);
    let (ids, preload) = preload(
        std::slice::from_ref(&t),
        &world,
        args.groups,
        args.common.connections,
        "",
    )
    .await?;
    world.ids = Arc::new(ids);
    let bl = procs::start_baseline()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline_idle_rss_kib = bl.rss_kib();
    let bt = target(&bl.addr);
    let d = Duration::from_secs(args.duration);
    let mut scenarios = Vec::new();
    for name in args
        .scenarios
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let mk = maker(name, &world)?;
        let (o, b) = alternate(
            name,
            ("openwks", std::slice::from_ref(&t), &mk),
            ("baseline", std::slice::from_ref(&bt), &mk),
            args.common.connections,
            Duration::from_millis(500),
            d,
            args.rounds,
        )
        .await?;
        let rounds = o
            .iter()
            .zip(&b)
            .flat_map(|(so, sb)| {
                [
                    ("openwks".to_string(), so.clone()),
                    ("baseline".to_string(), sb.clone()),
                ]
            })
            .collect();
        let (openwks, baseline) = (merge(&o), merge(&b));
        let ratio = if baseline.rps > 0.0 {
            openwks.rps / baseline.rps
        } else {
            0.0
        };
        scenarios.push(Comparison {
            scenario: name.to_string(),
            openwks,
            baseline,
            ratio,
            rounds,
        });
    }
    let loaded_rss_kib = ow.rss_kib();
    ow.stop();
    bl.stop();
    let (cold, restarted) = procs::cold_start(&cfg).await?;
    restarted.stop();
    let rep = RunReport {
        env: report::env(),
        connections: args.common.connections,
        duration_s: args.duration,
        rounds: args.rounds,
        groups: args.groups,
        preload,
        idle_rss_kib,
        baseline_idle_rss_kib,
        loaded_rss_kib,
        cold_start_ms: cold.as_secs_f64() * 1000.0,
        scenarios,
    };
    report::emit_run(
        &rep,
        args.common.json.as_deref(),
        args.common.markdown.as_deref(),
    )?;
    if args.common.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// `openwks-bench scale`.
pub async fn scale(args: ScaleArgs) -> anyhow::Result<()> {
    let dir = work_dir(&args.common.work_dir)?;
    let cfg = cfg(&dir, &args.common.openwks, &args.common.server_log)?;
    let ow = procs::start_openwks(&cfg)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let empty_rss_kib = ow.rss_kib();
    let t = target(&ow.addr);
    let mut world = discover(&t).await?;
    let d = Duration::from_secs(args.duration);
    let (ids, _) = preload(
        std::slice::from_ref(&t),
        &world,
        100,
        args.common.connections,
        "small",
    )
    .await?;
    world.ids = Arc::new(ids);
    let (small_show, small_list) = show_then_list(&t, &world, args.common.connections, d).await?;
    eprintln!("loading {} server groups...", args.groups);
    let (more, load) = preload(
        std::slice::from_ref(&t),
        &world,
        args.groups.saturating_sub(100),
        args.common.connections,
        "large",
    )
    .await?;
    let mut all = (*world.ids).clone();
    all.extend(more);
    world.ids = Arc::new(all);
    let loaded_rss_kib = ow.rss_kib();
    let (large_show, large_list) = show_then_list(&t, &world, args.common.connections, d).await?;
    ow.stop();
    let (cold, restarted) = procs::cold_start(&cfg).await?;
    restarted.stop();
    let rep = ScaleReport {
        env: report::env(),
        groups: args.groups,
        empty_rss_kib,
        small_show,
        small_list,
        load,
        loaded_rss_kib,
        large_show,
        large_list,
        cold_start_ms: cold.as_secs_f64() * 1000.0,
        data_bytes: dir_size(&cfg.data),
    };
    report::emit_scale(
        &rep,
        args.common.json.as_deref(),
        args.common.markdown.as_deref(),
    )?;
    if args.common.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
