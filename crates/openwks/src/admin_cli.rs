//! `openwks reset`, `openwks clock`, `openwks jobs`: the administrator's routes for test
//! suites (`docs/extensions.md`, "Driving a server from a test suite") from the command line.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::{self, Target};

/// `openwks reset`: empty every resource, keep the identity.
#[derive(Args, Debug)]
pub struct ResetArgs {
    #[command(flatten)]
    target: Target,
}

/// `openwks clock`: read or move the server's clock.
#[derive(Args, Debug)]
pub struct ClockArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: Option<ClockCommand>,
}

#[derive(Subcommand, Debug)]
enum ClockCommand {
    /// The server's time (the default).
    Show,
    /// Move it forward (the server runs with --time-control): `90s`, `15m`, `2h`, `1d`, `500ms`.
    Advance {
        /// How far.
        #[arg(value_parser = parse_span)]
        by: i64,
    },
    /// Stop it where it stands (it then moves only when advanced).
    Pin,
    /// Let it run on from where it stands.
    Unpin,
}

/// `openwks jobs`: the job queue.
#[derive(Args, Debug)]
pub struct JobsArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: JobsCommand,
}

#[derive(Subcommand, Debug)]
enum JobsCommand {
    /// Finish every job whose time has come, now.
    RunDue,
    /// Follow a job until it ends, printing its progress (sub-jobs done of all); fails when
    /// the job fails.
    Wait {
        /// The job (`job_id` of the operation that started it).
        job: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
}

/// `openwks requests`: the recorded requests.
#[derive(Args, Debug)]
pub struct RequestsArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: RequestsCommand,
}

#[derive(Subcommand, Debug)]
enum RequestsCommand {
    /// The newest requests, newest first (the server runs with --record-requests N).
    Tail {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// Run `openwks requests ...`.
pub fn requests(args: RequestsArgs) -> std::process::ExitCode {
    client::run("requests", async move {
        match args.command {
            RequestsCommand::Tail { limit } => {
                args.target
                    .call(
                        "GET",
                        &format!("/openwks/v1/_admin/requests?limit={limit}"),
                        None,
                    )
                    .await
            }
        }
    })
}

/// `openwks faults`: fault and latency injection.
#[derive(Args, Debug)]
pub struct FaultsArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: FaultsCommand,
}

#[derive(Subcommand, Debug)]
enum FaultsCommand {
    /// Fail (or delay) calls of an operation: an SDK operation, `METHOD /path/{template}`, or `*`.
    Add {
        /// The operation.
        operation: String,
        /// The error code to answer (`WKS.00050902`, `Ecs.0319`).
        #[arg(long)]
        error_code: Option<String>,
        /// Its HTTP status (default 500).
        #[arg(long)]
        status: Option<u16>,
        /// Its message.
        #[arg(long)]
        message: Option<String>,
        /// Only the next N calls.
        #[arg(long)]
        count: Option<u64>,
        /// Only this fraction of calls (0 < rate ≤ 1).
        #[arg(long)]
        rate: Option<f64>,
        /// Delay, in milliseconds.
        #[arg(long)]
        latency_ms: Option<u64>,
    },
    /// The rules in force and their hits.
    List,
    /// Remove every rule.
    Clear,
}

/// Run `openwks faults ...`.
pub fn faults(args: FaultsArgs) -> std::process::ExitCode {
    const PATH: &str = "/openwks/v1/_admin/faults";
    client::run("faults", async move {
        match args.command {
            FaultsCommand::Add {
                operation,
                error_code,
                status,
                message,
                count,
                rate,
                latency_ms,
            } => {
                let rule = json!({"operation": operation, "error_code": error_code, "status": status,
                    "error_msg": message, "count": count, "rate": rate, "latency_ms": latency_ms});
                args.target.call("POST", PATH, Some(rule)).await
            }
            FaultsCommand::List => args.target.call("GET", PATH, None).await,
            FaultsCommand::Clear => args.target.call("DELETE", PATH, None).await,
        }
    })
}

/// Milliseconds of a span like `500ms`, `90s`, `15m`, `2h`, `1d` (a bare number is seconds).
fn parse_span(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    let (num, unit_ms) = [
        ("ms", 1.0),
        ("s", 1e3),
        ("m", 60e3),
        ("h", 3600e3),
        ("d", 86400e3),
    ]
    .iter()
    .find_map(|(u, ms)| raw.strip_suffix(u).map(|n| (n, *ms)))
    .unwrap_or((raw, 1e3));
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a span like 90s, 15m, 2h or 1d"))?;
    let ms = v * unit_ms;
    if !ms.is_finite() || !(1.0..=10.0 * 365.0 * 86400e3).contains(&ms) {
        return Err(format!("{raw:?} must be between 1 ms and 10 years"));
    }
    Ok(ms.round() as i64)
}

/// Run `openwks reset`.
pub fn reset(args: ResetArgs) -> std::process::ExitCode {
    client::run("reset", async move {
        args.target
            .call("POST", "/openwks/v1/_admin/reset", Some(json!({})))
            .await
    })
}

/// `openwks snapshot`: the whole state to a file, or a file into an empty openwks.
#[derive(Args, Debug)]
pub struct SnapshotArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: SnapshotCommand,
}

#[derive(Subcommand, Debug)]
enum SnapshotCommand {
    /// Save the whole state (identity included: the file holds secret keys; written 0600).
    Save {
        /// Where.
        file: std::path::PathBuf,
    },
    /// Load a saved state into an openwks without resources (`openwks reset` first); its
    /// identity replaces the server's, and `<data-dir>/credentials.json` follows it.
    Load {
        /// The saved state.
        file: std::path::PathBuf,
    },
}

/// Run `openwks snapshot ...`.
pub fn snapshot(args: SnapshotArgs) -> std::process::ExitCode {
    client::run("snapshot", async move {
        match args.command {
            SnapshotCommand::Save { file } => {
                let v = args
                    .target
                    .call("GET", "/openwks/v1/_admin/snapshot", None)
                    .await?;
                let tables = v["tables"].as_object().map_or(0, |t| t.len());
                let rows: usize = v["tables"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, t)| t["rows"].as_array().map_or(0, Vec::len))
                    .sum();
                client::write_private(&file, &v.to_string())?;
                Ok(json!({"saved": file.display().to_string(), "tables": tables, "rows": rows}))
            }
            SnapshotCommand::Load { file } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let snapshot: Value = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not JSON", file.display()))?;
                let v = args
                    .target
                    .call("POST", "/openwks/v1/_admin/snapshot", Some(snapshot))
                    .await?;
                // The server's identity is the snapshot's now: so is the data dir's file (the
                // administrator's password is not in a snapshot, only its hash).
                let id = &v["identity"];
                let creds = json!({
                    "account_name": id["account_name"],
                    "project_id": id["project_id"],
                    "region": id["region"],
                    "access_key": id["access_key"],
                    "secret_key": id["secret_key"],
                    "admin_user": id["admin_user"],
                    "admin_password": "",
                });
                let path = args.target.credentials_path();
                if path.exists() {
                    client::write_private(&path, &serde_json::to_string_pretty(&creds)?)?;
                }
                Ok(
                    json!({"loaded": v["loaded"], "project_id": id["project_id"], "access_key": id["access_key"]}),
                )
            }
        }
    })
}

/// Run `openwks clock ...`.
pub fn clock(args: ClockArgs) -> std::process::ExitCode {
    client::run("clock", async move {
        match args.command.unwrap_or(ClockCommand::Show) {
            ClockCommand::Show => {
                args.target
                    .call("GET", "/openwks/v1/_admin/clock", None)
                    .await
            }
            ClockCommand::Advance { by } => {
                args.target
                    .call(
                        "POST",
                        "/openwks/v1/_admin/clock",
                        Some(json!({ "advance_ms": by })),
                    )
                    .await
            }
            ClockCommand::Pin => {
                args.target
                    .call(
                        "POST",
                        "/openwks/v1/_admin/clock",
                        Some(json!({ "pin": true })),
                    )
                    .await
            }
            ClockCommand::Unpin => {
                args.target
                    .call(
                        "POST",
                        "/openwks/v1/_admin/clock",
                        Some(json!({ "pin": false })),
                    )
                    .await
            }
        }
    })
}

/// Run `openwks jobs ...`.
pub fn jobs(args: JobsArgs) -> std::process::ExitCode {
    client::run("jobs", async move {
        let v: Value = match args.command {
            JobsCommand::RunDue => {
                args.target
                    .call("POST", "/openwks/v1/_admin/jobs/run-due", Some(json!({})))
                    .await?
            }
            JobsCommand::Wait { job, timeout } => wait_job(&args.target, &job, timeout).await?,
        };
        Ok(v)
    })
}

/// `done of all` sub-jobs of a job (`show_job_detail`'s answer).
fn progress(j: &Value) -> (usize, usize) {
    let subs = j["sub_jobs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let done = subs
        .iter()
        .filter(|s| matches!(s["status"].as_str(), Some("SUCCESS" | "FAIL" | "FAILED")))
        .count();
    (done, subs.len())
}

/// Poll a job until it ends (progress on stderr, one line per change); its last state.
async fn wait_job(
    target: &crate::client::Target,
    job: &str,
    timeout: u64,
) -> anyhow::Result<Value> {
    let p = target.project()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
    let mut last = None;
    loop {
        let j = target
            .call("GET", &format!("/v2/{p}/job/{job}"), None)
            .await?;
        let status = j["status"].as_str().unwrap_or("").to_string();
        let (done, all) = progress(&j);
        let line = format!("job {job}: {status}, {done}/{all} sub-jobs done");
        if last.as_ref() != Some(&line) {
            eprintln!("{line}");
            last = Some(line);
        }
        match status.as_str() {
            "SUCCESS" => return Ok(j),
            "FAIL" | "FAILED" => anyhow::bail!("job {job} failed: {j}"),
            _ => {}
        }
        if std::time::Instant::now() >= deadline {
            anyhow::bail!("job {job} still {status} after {timeout} s");
        }
        // A client's poll of a running server (not a test waiting for the server's timers).
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_span;

    #[test]
    fn job_progress_counts_finished_sub_jobs() {
        let j = serde_json::json!({"status": "RUNNING", "sub_jobs": [
            {"status": "SUCCESS"}, {"status": "RUNNING"}, {"status": "FAIL"}]});
        assert_eq!(super::progress(&j), (2, 3));
        assert_eq!(super::progress(&serde_json::json!({})), (0, 0));
    }

    #[test]
    fn spans_take_units() {
        assert_eq!(parse_span("500ms"), Ok(500));
        assert_eq!(parse_span("90s"), Ok(90_000));
        assert_eq!(parse_span("15m"), Ok(900_000));
        assert_eq!(parse_span("2h"), Ok(7_200_000));
        assert_eq!(parse_span("1d"), Ok(86_400_000));
        assert_eq!(parse_span("3"), Ok(3_000));
        assert!(parse_span("0s").is_err());
        assert!(parse_span("soon").is_err());
        assert!(parse_span("20y").is_err());
    }
}
