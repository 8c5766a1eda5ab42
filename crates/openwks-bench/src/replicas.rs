//! `openwks-bench replicas`: the same scenarios on the embedded SQLite store (one process) and
//! on PostgreSQL with several replicas behind a round-robin spread of the connections, in one
//! run, alternating; the PostgreSQL figures as ratios of the SQLite ones (issue 8).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::load::Target;
use crate::procs::{self, Proc};
use crate::report::{self, Pair, ReplicasReport};
use crate::scenarios::{self, Common};

/// Flags of `openwks-bench replicas`.
#[derive(Args, Debug, Clone)]
pub struct ReplicasArgs {
    /// The PostgreSQL server (a schema of its own is created and dropped afterwards).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub database: String,
    /// openwks replicas on PostgreSQL.
    #[arg(long, default_value_t = 2)]
    pub replicas: usize,
    /// Connections per replica to PostgreSQL (`--database-pool`).
    #[arg(long, default_value_t = 16)]
    pub pool: u32,
    /// Comma-separated scenarios.
    #[arg(long, default_value = "show,create,mixed")]
    pub scenarios: String,
    /// Seconds per run.
    #[arg(long, default_value_t = 5)]
    pub duration: u64,
    /// Rounds per scenario and backend.
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Server groups preloaded on each backend.
    #[arg(long, default_value_t = 5_000)]
    pub groups: u64,
    /// Seconds of warm-up per scenario and backend (both keep a view cache: measured warm).
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    #[command(flatten)]
    pub common: Common,
}

fn psql(url: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([url, "-Atqc", sql])
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "psql failed: {sql}");
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn start_replica(
    cfg: &procs::OpenwksCfg,
    data: PathBuf,
    url: &str,
    schema: &str,
    pool: u32,
) -> anyhow::Result<Proc> {
    std::fs::create_dir_all(&data)?;
    procs::start_openwks_with(
        &procs::OpenwksCfg {
            data,
            ..cfg.clone()
        },
        &[
            "--database",
            url,
            "--database-schema",
            schema,
            "--database-pool",
            &pool.to_string(),
        ],
    )
}

/// `openwks-bench replicas`.
pub async fn run(args: ReplicasArgs) -> anyhow::Result<()> {
    let dir = scenarios::work_dir(&args.common.work_dir)?;
    let cfg = scenarios::cfg(&dir, &args.common.openwks, &args.common.server_log)?;
    let schema = format!("bench_{}", std::process::id());
    let postgres_version = psql(&args.database, "SHOW server_version")?;
    let conns = args.common.connections;

    let single = procs::start_openwks(&procs::OpenwksCfg {
        data: dir.join("sqlite"),
        ..cfg.clone()
    })?;
    let mut reps = Vec::new();
    for i in 0..args.replicas.max(1) {
        reps.push(start_replica(
            &cfg,
            dir.join(format!("pg-{i}")),
            &args.database,
            &schema,
            args.pool,
        )?);
        // The first creates the schema; the others join it.
        if i == 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let st = vec![scenarios::target(&single.addr)];
    let pt: Vec<Target> = reps.iter().map(|r| scenarios::target(&r.addr)).collect();
    let mut sw = scenarios::discover(&st[0]).await?;
    let mut pw = scenarios::discover(&pt[0]).await?;
    eprintln!(
        "preloading {} server groups on each backend...",
        args.groups
    );
    let (ids, preload_sqlite) = scenarios::preload(&st, &sw, args.groups, conns, "s").await?;
    sw.ids = Arc::new(ids);
    let (ids, preload_postgres) = scenarios::preload(&pt, &pw, args.groups, conns, "p").await?;
    pw.ids = Arc::new(ids);
    eprintln!(
        "preload: sqlite {:.0} creates/s, postgres x{} {:.0} creates/s",
        preload_sqlite.rps,
        reps.len(),
        preload_postgres.rps
    );
    let d = Duration::from_secs(args.duration);
    let mut pairs = Vec::new();
    for name in args
        .scenarios
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (sm, pm) = (scenarios::maker(name, &sw)?, scenarios::maker(name, &pw)?);
        let pg = format!("postgres x{}", reps.len());
        let (s_runs, p_runs) = scenarios::alternate(
            name,
            ("sqlite", &st, &sm),
            (&pg, &pt, &pm),
            conns,
            Duration::from_secs(args.warmup),
            d,
            args.rounds,
        )
        .await?;
        let (sqlite, postgres) = (scenarios::merge(&s_runs), scenarios::merge(&p_runs));
        let ratio = if sqlite.rps > 0.0 {
            postgres.rps / sqlite.rps
        } else {
            0.0
        };
        pairs.push(Pair {
            scenario: name.to_string(),
            sqlite,
            postgres,
            ratio,
        });
    }
    single.stop();
    for r in reps {
        r.stop();
    }
    let _ = psql(
        &args.database,
        &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
    );
    let rep = ReplicasReport {
        env: report::env(),
        replicas: args.replicas.max(1),
        pool: args.pool,
        connections: conns,
        duration_s: args.duration,
        rounds: args.rounds,
        warmup_s: args.warmup,
        groups: args.groups,
        preload_sqlite,
        preload_postgres,
        scenarios: pairs,
        postgres_version,
    };
    report::emit_replicas(
        &rep,
        args.common.json.as_deref(),
        args.common.markdown.as_deref(),
    )?;
    if args.common.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
