//! `openwks`: the binary. `openwks serve` runs the control plane; `openwks iam` manages its
//! IAM users, keys and policies; `openwks reset`, `clock`, `jobs`, `requests`, `faults` and
//! `hosts fail|recover` drive a server from a test suite; `hosts`, `groups`, `sessions`,
//! `launch`, `explain` and `scaling` read it (tables, or `--json`).

mod admin_cli;
mod client;
mod iam_cli;
mod logging;
mod reads_cli;
mod serve;

use clap::{Parser, Subcommand};

/// mimalloc: the server allocates many small short-lived buffers per request; measured
/// faster than glibc malloc under load (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// openwks: a self-hostable, API-compatible Workspace Application Streaming control plane.
#[derive(Parser)]
#[command(name = "openwks", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (embedded SQLite store in --data-dir, or PostgreSQL with --database).
    Serve(Box<serve::ServeArgs>),
    /// Manage IAM users, keys and policies of a running openwks (docs/authorization.md).
    Iam(iam_cli::IamArgs),
    /// Empty every resource of a running openwks and keep its identity (users, keys, IAM).
    Reset(admin_cli::ResetArgs),
    /// Read or move a running openwks's clock (moving needs `serve --time-control`).
    Clock(admin_cli::ClockArgs),
    /// Drive a running openwks's job queue.
    Jobs(admin_cli::JobsArgs),
    /// Read a running openwks's recorded requests (`serve --record-requests N`).
    Requests(admin_cli::RequestsArgs),
    /// Make a running openwks's operations fail or answer late (fault injection).
    Faults(admin_cli::FaultsArgs),
    /// Save a running openwks's whole state to a file, or load one into an empty openwks.
    Snapshot(admin_cli::SnapshotArgs),
    /// The simulated hosts (usage, servers, state); make one fail or recover.
    Hosts(reads_cli::HostsArgs),
    /// The server groups.
    Groups(reads_cli::GroupsArgs),
    /// Sessions (`list_sessions`).
    Sessions(reads_cli::SessionsArgs),
    /// Open an app for a user: a session, with routing's explanation.
    Launch(reads_cli::LaunchArgs),
    /// Where a launch would go and why (a dry run: nothing is assigned).
    Explain(reads_cli::LaunchArgs),
    /// The scaling controller's preview and activities of a group.
    Scaling(reads_cli::ScalingArgs),
    /// Drain an app server: no new sessions until the drain ends (by itself at its expiry).
    Drain(reads_cli::DrainArgs),
    /// End an app server's drain.
    Undrain(reads_cli::DrainArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Iam(args) => iam_cli::run(args),
        Command::Reset(args) => admin_cli::reset(args),
        Command::Clock(args) => admin_cli::clock(args),
        Command::Jobs(args) => admin_cli::jobs(args),
        Command::Requests(args) => admin_cli::requests(args),
        Command::Faults(args) => admin_cli::faults(args),
        Command::Snapshot(args) => admin_cli::snapshot(args),
        Command::Hosts(args) => reads_cli::hosts(args),
        Command::Groups(args) => reads_cli::groups(args),
        Command::Sessions(args) => reads_cli::sessions(args),
        Command::Launch(args) => reads_cli::launch(args),
        Command::Explain(args) => reads_cli::explain(args),
        Command::Scaling(args) => reads_cli::scaling(args),
        Command::Drain(args) => reads_cli::drain(args, false),
        Command::Undrain(args) => reads_cli::drain(args, true),
    }
}
