//! Output: a table on stdout, JSON and Markdown files.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::load::Stats;

/// Where and when the figures were taken.
#[derive(Debug, Clone, Serialize)]
pub struct Env {
    /// UTC date and time.
    pub date: String,
    /// CPU cores.
    pub cores: usize,
    /// Memory in GiB.
    pub memory_gib: f64,
    /// `git rev-parse --short HEAD`, if available.
    pub commit: String,
}

/// Read the environment.
pub fn env() -> Env {
    let mem_kib: f64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
            })
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Env {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        memory_gib: (mem_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        commit,
    }
}

pub(crate) fn row(name: &str, who: &str, s: &Stats) -> String {
    format!(
        "| {name} | {who} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {} / {} |",
        s.rps, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms, s.errors, s.requests
    )
}

fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

pub(crate) fn write_out(
    json: Option<&Path>,
    md: Option<&Path>,
    value: &impl Serialize,
    text: &str,
) -> anyhow::Result<()> {
    println!("{text}");
    if let Some(p) = json {
        std::fs::write(p, serde_json::to_string_pretty(value)?)?;
    }
    if let Some(p) = md {
        std::fs::write(p, text)?;
    }
    Ok(())
}

/// Print and write the results of `run`.
pub fn emit_run(r: &RunReport, json: Option<&Path>, md: Option<&Path>) -> anyhow::Result<()> {
    let mut t = String::new();
    let e = &r.env;
    let _ = writeln!(
        t,
        "Run {} on {} cores / {} GiB, commit {}: {} connections, {} round(s) of {} s per server and scenario, alternating; {} server groups preloaded.\n",
        e.date, e.cores, e.memory_gib, e.commit, r.connections, r.rounds, r.duration_s, r.groups
    );
    let _ = writeln!(
        t,
        "| scenario | server | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / requests |"
    );
    let _ = writeln!(t, "|---|---|---|---|---|---|---|---|");
    for c in &r.scenarios {
        let _ = writeln!(t, "{}", row(&c.scenario, "openwks", &c.openwks));
        let _ = writeln!(t, "{}", row(&c.scenario, "baseline", &c.baseline));
        let _ = writeln!(
            t,
            "| {} | **ratio** | **{:.0}%** | | | | | |",
            c.scenario,
            c.ratio * 100.0
        );
    }
    let _ = writeln!(t);
    let _ = writeln!(t, "| measure | openwks | baseline |");
    let _ = writeln!(t, "|---|---|---|");
    let _ = writeln!(
        t,
        "| preload: durable creates/s (64 connections) | {:.0} (p99 {:.2} ms, {} errors) | |",
        r.preload.rps, r.preload.p99_ms, r.preload.errors
    );
    let _ = writeln!(
        t,
        "| idle RSS, empty store | {} MiB | {} MiB |",
        mib(r.idle_rss_kib),
        mib(r.baseline_idle_rss_kib)
    );
    let _ = writeln!(
        t,
        "| RSS after the scenarios | {} MiB | |",
        mib(r.loaded_rss_kib)
    );
    let _ = writeln!(
        t,
        "| cold start to first answered request (existing data dir) | {:.1} ms | |",
        r.cold_start_ms
    );
    write_out(json, md, r, &t)
}

/// Print and write the results of `scale`.
pub fn emit_scale(r: &ScaleReport, json: Option<&Path>, md: Option<&Path>) -> anyhow::Result<()> {
    let mut t = String::new();
    let e = &r.env;
    let _ = writeln!(
        t,
        "Scale run {} on {} cores / {} GiB, commit {}.\n",
        e.date, e.cores, e.memory_gib, e.commit
    );
    let _ = writeln!(t, "| measure | 100 groups | {} groups |", r.groups);
    let _ = writeln!(t, "|---|---|---|");
    let _ = writeln!(
        t,
        "| RSS | {} MiB (empty store) | {} MiB |",
        mib(r.empty_rss_kib),
        mib(r.loaded_rss_kib)
    );
    let _ = writeln!(
        t,
        "| show req/s (p50 / p99 ms) | {:.0} ({:.2} / {:.2}) | {:.0} ({:.2} / {:.2}) |",
        r.small_show.rps,
        r.small_show.p50_ms,
        r.small_show.p99_ms,
        r.large_show.rps,
        r.large_show.p50_ms,
        r.large_show.p99_ms
    );
    let _ = writeln!(
        t,
        "| list 100 req/s (p50 / p99 ms) | {:.0} ({:.2} / {:.2}) | {:.0} ({:.2} / {:.2}) |",
        r.small_list.rps,
        r.small_list.p50_ms,
        r.small_list.p99_ms,
        r.large_list.rps,
        r.large_list.p50_ms,
        r.large_list.p99_ms
    );
    let _ = writeln!(
        t,
        "| loading: durable creates/s | | {:.0} (p99 {:.2} ms, {} errors) |",
        r.load.rps, r.load.p99_ms, r.load.errors
    );
    let _ = writeln!(
        t,
        "| cold start to first answered request | | {:.1} ms |",
        r.cold_start_ms
    );
    let _ = writeln!(
        t,
        "| data dir on disk | | {:.1} MiB |",
        r.data_bytes as f64 / 1024.0 / 1024.0
    );
    let _ = writeln!(
        t,
        "| 1,000,000 sessions | not measured: sessions arrive with their own issue | |"
    );
    write_out(json, md, r, &t)
}

/// Print and write the results of `replicas`.
pub fn emit_replicas(
    r: &ReplicasReport,
    json: Option<&Path>,
    md: Option<&Path>,
) -> anyhow::Result<()> {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Run {} on {} cores / {} GiB, commit `{}`, PostgreSQL {}: one openwks on SQLite vs {} \
         replicas on PostgreSQL (pool {} each), {} connections (spread round-robin over the \
         replicas), {} s warm-up, {} rounds x {} s, {} groups preloaded on each.\n",
        r.env.date,
        r.env.cores,
        r.env.memory_gib,
        r.env.commit,
        r.postgres_version,
        r.replicas,
        r.pool,
        r.connections,
        r.warmup_s,
        r.rounds,
        r.duration_s,
        r.groups
    );
    let _ = writeln!(
        t,
        "| scenario | backend | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / requests |"
    );
    let _ = writeln!(t, "|---|---|---|---|---|---|---|---|");
    let pg = format!("postgres x{}", r.replicas);
    let _ = writeln!(
        t,
        "{}",
        row("preload (create)", "sqlite", &r.preload_sqlite)
    );
    let _ = writeln!(t, "{}", row("preload (create)", &pg, &r.preload_postgres));
    for p in &r.scenarios {
        let _ = writeln!(t, "{}", row(&p.scenario, "sqlite", &p.sqlite));
        let _ = writeln!(t, "{}", row(&p.scenario, &pg, &p.postgres));
        let _ = writeln!(
            t,
            "| {} | **postgres / sqlite** | **{:.0}%** | | | | | |",
            p.scenario,
            p.ratio * 100.0
        );
    }
    write_out(json, md, r, &t)
}

/// Everything `run` measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Machine, date, commit.
    pub env: Env,
    /// Connections.
    pub connections: usize,
    /// Seconds per run.
    pub duration_s: u64,
    /// Rounds.
    pub rounds: usize,
    /// Preloaded groups.
    pub groups: u64,
    /// Preload (durable creates at full speed, 64 connections).
    pub preload: Stats,
    /// openwks RSS right after start, empty store (KiB).
    pub idle_rss_kib: u64,
    /// Baseline RSS right after start (KiB).
    pub baseline_idle_rss_kib: u64,
    /// openwks RSS after all scenarios (KiB).
    pub loaded_rss_kib: u64,
    /// Cold start to first answered request on the loaded data dir (ms).
    pub cold_start_ms: f64,
    /// The scenarios.
    pub scenarios: Vec<Comparison>,
}

/// Everything `scale` measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// Machine, date, commit.
    pub env: Env,
    /// Groups loaded.
    pub groups: u64,
    /// RSS of the empty store (KiB).
    pub empty_rss_kib: u64,
    /// show/list with 100 groups.
    pub small_show: Stats,
    /// List (limit 100) with 100 groups.
    pub small_list: Stats,
    /// Loading the groups.
    pub load: Stats,
    /// RSS at size (KiB).
    pub loaded_rss_kib: u64,
    /// show at size.
    pub large_show: Stats,
    /// list (limit 100, random offset) at size.
    pub large_list: Stats,
    /// Cold start at size (ms).
    pub cold_start_ms: f64,
    /// Data dir size at size (bytes).
    pub data_bytes: u64,
}

/// Everything `replicas` measured.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicasReport {
    /// Machine, date, commit.
    pub env: Env,
    /// Replicas on PostgreSQL.
    pub replicas: usize,
    /// Pool per replica.
    pub pool: u32,
    /// Connections of the load generator (spread over the replicas).
    pub connections: usize,
    /// Seconds per run.
    pub duration_s: u64,
    /// Rounds.
    pub rounds: usize,
    /// Warm-up seconds per scenario and backend.
    pub warmup_s: u64,
    /// Preloaded groups per backend.
    pub groups: u64,
    /// The preload (durable creates at full speed) on SQLite.
    pub preload_sqlite: Stats,
    /// The preload on the PostgreSQL replicas.
    pub preload_postgres: Stats,
    /// The scenarios.
    pub scenarios: Vec<Pair>,
    /// PostgreSQL server version.
    pub postgres_version: String,
}

/// Results of one scenario on both servers.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Scenario name.
    pub scenario: String,
    /// openwks, rounds merged.
    pub openwks: Stats,
    /// Baseline, rounds merged.
    pub baseline: Stats,
    /// openwks req/s ÷ baseline req/s.
    pub ratio: f64,
    /// Every round, in the order run.
    pub rounds: Vec<(String, Stats)>,
}

/// One scenario on both backends.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// Scenario.
    pub scenario: String,
    /// One openwks on SQLite, rounds merged.
    pub sqlite: Stats,
    /// The replicas on PostgreSQL, rounds merged.
    pub postgres: Stats,
    /// PostgreSQL req/s ÷ SQLite req/s.
    pub ratio: f64,
}
