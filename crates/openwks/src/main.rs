//! `openwks`: the binary. `openwks serve` runs the control plane; `openwks iam` manages its
//! IAM users, keys and policies; `openwks reset`, `clock` and `jobs` drive a server from a test
//! suite.

mod admin_cli;
mod client;
mod iam_cli;
mod logging;
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
    }
}
