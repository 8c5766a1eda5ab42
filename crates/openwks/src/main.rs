//! `openwks`: the binary. `openwks serve` runs the control plane; `openwks iam` manages its
//! IAM users, keys and policies.

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Iam(args) => iam_cli::run(args),
    }
}
