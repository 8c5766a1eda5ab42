//! `openwks-bench`: measures openwks against the ceiling of the machine, side by side in one run.
//!
//! - `openwks-bench baseline`: the baseline server, the same HTTP stack (axum on tokio)
//!   answering the same JSON with no authentication and no store.
//! - `openwks-bench run`: starts openwks and the baseline, preloads server groups, runs each
//!   scenario against both alternately, reports req/s, latency percentiles, errors and the
//!   ratio, idle and loaded RSS, and cold start (table, JSON, Markdown).
//! - `openwks-bench scale`: RSS and show/list latency with 100,000 server groups next to the
//!   figures of an empty store.
//! - `openwks-bench replicas`: the scenarios on SQLite and on PostgreSQL with several replicas.
//! - `openwks-bench storage`: storage folders' file listing and transfer against the plain
//!   filesystem.

mod baseline;
mod launch;
mod load;
mod procs;
mod replicas;
mod report;
mod scenarios;
mod storage;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "openwks-bench",
    about = "Benchmarks openwks against a baseline server in the same run"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the baseline (same HTTP stack and JSON, no auth, no store).
    Baseline {
        /// Address to listen on; the bound address is printed.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Run the scenarios against openwks and the baseline, alternating.
    Run(scenarios::RunArgs),
    /// Load a large store and measure memory and latency at that size.
    Scale(scenarios::ScaleArgs),
    /// End-to-end launches (routing + durable session) against the baseline's launch route.
    Launch(launch::LaunchArgs),
    /// The scenarios on SQLite (one process) and on PostgreSQL (several replicas), alternating.
    Replicas(replicas::ReplicasArgs),
    /// Storage folders: file listing and transfer over HTTP against the plain filesystem.
    Storage(storage::StorageArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Baseline { listen } => rt.block_on(baseline::serve(&listen)),
        Command::Run(args) => rt.block_on(scenarios::run(args)),
        Command::Scale(args) => rt.block_on(scenarios::scale(args)),
        Command::Launch(args) => rt.block_on(launch::run(args)),
        Command::Replicas(args) => rt.block_on(replicas::run(args)),
        Command::Storage(args) => rt.block_on(storage::run(args)),
    }
}
