//! The command line's common reads and the launch (`docs/extensions.md`): `openwks hosts`,
//! `groups`, `sessions`, `launch`, `explain`, `scaling preview|activities`, as tables or
//! `--json`; and `openwks hosts fail|recover` (host failures).

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::{self, cell, table, Target};

/// Percent-encode a query value.
fn enc(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `openwks hosts`.
#[derive(Args, Debug)]
pub struct HostsArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON answer instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<HostsCommand>,
}

#[derive(Subcommand, Debug)]
enum HostsCommand {
    /// The hosts with their usage, servers and state (the default).
    List {
        /// Only those of this availability zone.
        #[arg(long)]
        availability_zone: Option<String>,
    },
    /// Make a host fail: its servers go to ERROR, their sessions end, the scaling controller
    /// replaces them.
    Fail {
        /// The host (`cn-north-4a-host-003`).
        host: String,
        /// Why (shown on the host and in the servers' fault).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Bring a host back up (it takes servers again).
    Recover {
        /// The host.
        host: String,
    },
}

fn hosts_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            vec![
                cell(&h["id"]),
                cell(&h["availability_zone"]),
                cell(&h["state"]),
                format!("{}/{}", cell(&h["vcpus_used"]), cell(&h["vcpus"])),
                format!(
                    "{}/{}",
                    h["memory_mb_used"].as_u64().unwrap_or(0) / 1024,
                    h["memory_mb"].as_u64().unwrap_or(0) / 1024
                ),
                format!("{}/{}", cell(&h["gpus_used"]), cell(&h["gpus"])),
                h["servers"].as_array().map_or(0, Vec::len).to_string(),
                cell(&h["down_reason"]),
            ]
        })
        .collect();
    table(
        &[
            "HOST", "AZ", "STATE", "VCPUS", "MEM_GB", "GPUS", "SERVERS", "DOWN",
        ],
        &rows,
    )
}

fn host_change(v: &Value) -> String {
    let servers = v["servers"]
        .as_array()
        .map(|s| s.iter().map(cell).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    if servers.is_empty() {
        format!("{} is {}\n", cell(&v["host_id"]), cell(&v["state"]))
    } else {
        format!(
            "{} is {}; in ERROR now: {servers}\n",
            cell(&v["host_id"]),
            cell(&v["state"])
        )
    }
}

/// Run `openwks hosts ...`.
pub fn hosts(args: HostsArgs) -> std::process::ExitCode {
    let (show, json): (fn(&Value) -> String, bool) = match &args.command {
        None | Some(HostsCommand::List { .. }) => (hosts_table, args.json),
        Some(_) => (host_change, args.json),
    };
    client::run_shown(
        "hosts",
        async move {
            let t = &args.target;
            match args.command {
                None => t.call("GET", "/openwks/v1/hosts", None).await,
                Some(HostsCommand::List { availability_zone }) => {
                    let q = availability_zone
                        .map(|z| format!("?availability_zone={}", enc(&z)))
                        .unwrap_or_default();
                    t.call("GET", &format!("/openwks/v1/hosts{q}"), None).await
                }
                Some(HostsCommand::Fail { host, reason }) => {
                    t.call(
                        "POST",
                        &format!("/openwks/v1/_admin/hosts/{}/fail", enc(&host)),
                        Some(json!({ "reason": reason })),
                    )
                    .await
                }
                Some(HostsCommand::Recover { host }) => {
                    t.call(
                        "POST",
                        &format!("/openwks/v1/_admin/hosts/{}/recover", enc(&host)),
                        None,
                    )
                    .await
                }
            }
        },
        (!json).then_some(show),
    )
}

/// `openwks drain` / `openwks undrain`: an app server takes no new sessions until the drain
/// ends (`docs/extensions.md`, "Drain").
#[derive(Args, Debug)]
pub struct DrainArgs {
    #[command(flatten)]
    target: Target,
    /// The app server.
    server: String,
    /// Why (drain only; required there).
    #[arg(long)]
    reason: Option<String>,
    /// Who (drain only; the caller's user name by default).
    #[arg(long)]
    owner: Option<String>,
    /// For how long, in minutes (drain only; 60 by default, at most a week).
    #[arg(long)]
    minutes: Option<i64>,
    /// Print the JSON answer.
    #[arg(long)]
    json: bool,
}

fn drain_line(v: &Value) -> String {
    match v["drain"].as_object() {
        Some(d) => format!(
            "{} drained by {} until {}: {}\n",
            cell(&v["server_id"]),
            cell(&d["owner"]),
            cell(&d["until"]),
            cell(&d["reason"])
        ),
        None => format!("{} takes sessions\n", cell(&v["server_id"])),
    }
}

/// Run `openwks drain` (`undrain: false`) or `openwks undrain`.
pub fn drain(args: DrainArgs, undrain: bool) -> std::process::ExitCode {
    let json = args.json;
    client::run_shown(
        if undrain { "undrain" } else { "drain" },
        async move {
            let p = args.target.project()?;
            let path = format!("/openwks/v1/{p}/app-servers/{}/drain", enc(&args.server));
            if undrain {
                args.target.call("DELETE", &path, None).await
            } else {
                let body =
                    json!({"reason": args.reason, "owner": args.owner, "minutes": args.minutes});
                let body: serde_json::Map<String, Value> = body
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                args.target
                    .call("POST", &path, Some(Value::Object(body)))
                    .await
            }
        },
        (!json).then_some(drain_line as fn(&Value) -> String),
    )
}

/// `openwks groups`: the server groups.
#[derive(Args, Debug)]
pub struct GroupsArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON answer instead of a table.
    #[arg(long)]
    json: bool,
    /// Only groups whose name contains this.
    #[arg(long)]
    name: Option<String>,
}

fn groups_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            vec![
                cell(&g["id"]),
                cell(&g["name"]),
                cell(&g["os_type"]),
                cell(&g["product_id"]),
                cell(&g["app_server_count"]),
                cell(&g["app_group_count"]),
                cell(&g["route_policy"]["max_session"]),
                cell(&g["storage_mount_policy"]),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "OS",
            "PRODUCT",
            "SERVERS",
            "APP_GROUPS",
            "MAX_SESSION",
            "STORAGE",
        ],
        &rows,
    )
}

/// Run `openwks groups`.
pub fn groups(args: GroupsArgs) -> std::process::ExitCode {
    let json = args.json;
    client::run_shown(
        "groups",
        async move {
            let p = args.target.project()?;
            let mut q = String::from("?limit=100");
            if let Some(n) = &args.name {
                q.push_str(&format!("&name={}", enc(n)));
            }
            let mut all = args
                .target
                .call("GET", &format!("/v1/{p}/app-server-groups{q}"), None)
                .await?;
            // Every page, so that the table is the whole list.
            let total = all["count"].as_u64().unwrap_or(0) as usize;
            let mut items = all["items"].as_array().cloned().unwrap_or_default();
            while items.len() < total {
                let page = args
                    .target
                    .call(
                        "GET",
                        &format!("/v1/{p}/app-server-groups{q}&offset={}", items.len()),
                        None,
                    )
                    .await?;
                let more = page["items"].as_array().cloned().unwrap_or_default();
                if more.is_empty() {
                    break;
                }
                items.extend(more);
            }
            all["items"] = Value::Array(items);
            Ok(all)
        },
        (!json).then_some(groups_table as fn(&Value) -> String),
    )
}

/// `openwks sessions`: live and recent sessions (`list_sessions`).
#[derive(Args, Debug)]
pub struct SessionsArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON answer instead of a table.
    #[arg(long)]
    json: bool,
    /// Only this user's.
    #[arg(long)]
    user: Option<String>,
    /// Only those on this server group.
    #[arg(long)]
    group: Option<String>,
    /// How many (1–100).
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Sessions started from (RFC 3339, as the operation takes it).
    #[arg(long, default_value = "2000-01-01T00:00:00.000Z")]
    since: String,
    /// Sessions started until.
    #[arg(long, default_value = "2100-01-01T00:00:00.000Z")]
    until: String,
}

fn sessions_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            vec![
                cell(&s["id"]),
                cell(&s["login_user"]),
                cell(&s["session_state"]),
                cell(&s["app_name"]),
                cell(&s["machine_name"]),
                cell(&s["app_server_group_name"]),
                cell(&s["start_time"]),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "SESSION", "USER", "STATE", "APP", "SERVER", "GROUP", "STARTED",
        ],
        &rows,
    );
    out.push_str(&format!("{} of {}\n", rows.len(), cell(&v["count"])));
    out
}

/// Run `openwks sessions`.
pub fn sessions(args: SessionsArgs) -> std::process::ExitCode {
    let json = args.json;
    client::run_shown(
        "sessions",
        async move {
            let p = args.target.project()?;
            let mut q = format!(
                "?limit={}&query_begin_time={}&query_end_time={}",
                args.limit,
                enc(&args.since),
                enc(&args.until)
            );
            if let Some(u) = &args.user {
                q.push_str(&format!("&user_name={}", enc(u)));
            }
            if let Some(g) = &args.group {
                q.push_str(&format!("&app_server_group_id={}", enc(g)));
            }
            args.target
                .call("GET", &format!("/v1/{p}/session/list-sessions{q}"), None)
                .await
        },
        (!json).then_some(sessions_table as fn(&Value) -> String),
    )
}

/// `openwks launch` / `openwks explain`: who opens which app.
#[derive(Args, Debug)]
pub struct LaunchArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON answer instead of a table.
    #[arg(long)]
    json: bool,
    /// The user.
    #[arg(long)]
    user: String,
    /// The app group.
    #[arg(long)]
    app_group: String,
    /// The app.
    #[arg(long)]
    app: String,
    /// The client's address.
    #[arg(long, default_value = "127.0.0.1")]
    client_ip: String,
}

fn launch_table(v: &Value) -> String {
    let mut out = String::new();
    if v["dry_run"] == json!(true) {
        out.push_str(&format!(
            "would route to {} (group {})\n",
            cell(&v["server_id"]),
            cell(&v["server_group_id"])
        ));
    } else {
        out.push_str(&format!(
            "session {} on {} ({}, {}) in group {}{}\n",
            cell(&v["session_id"]),
            cell(&v["machine_name"]),
            cell(&v["server_id"]),
            cell(&v["vm_ip"]),
            cell(&v["server_group_id"]),
            if v["reused"] == json!(true) {
                ", reused"
            } else {
                ""
            }
        ));
    }
    let mut rows = Vec::new();
    for g in v["explanation"].as_array().into_iter().flatten() {
        if let Some(chosen) = g["chosen_server_id"].as_str() {
            rows.push(vec![
                cell(&g["server_group_name"]),
                chosen.to_string(),
                "chosen".into(),
                String::new(),
            ]);
        }
        for p in g["passed_over"].as_array().into_iter().flatten() {
            rows.push(vec![
                cell(&g["server_group_name"]),
                cell(&p["server_id"]),
                cell(&p["rule"]),
                cell(&p["reason"]),
            ]);
        }
    }
    if !rows.is_empty() {
        out.push_str(&table(&["GROUP", "SERVER", "RULE", "REASON"], &rows));
    }
    out
}

async fn launch_call(args: &LaunchArgs, dry_run: bool) -> anyhow::Result<Value> {
    let p = args.target.project()?;
    args.target
        .call(
            "POST",
            &format!("/openwks/v1/{p}/app-launches"),
            Some(json!({
                "user_name": args.user,
                "app_group_id": args.app_group,
                "app_id": args.app,
                "client_ip": args.client_ip,
                "dry_run": dry_run,
                "explain": true,
            })),
        )
        .await
}

/// Run `openwks launch`: open a session (with routing's explanation).
pub fn launch(args: LaunchArgs) -> std::process::ExitCode {
    let json = args.json;
    client::run_shown(
        "launch",
        async move { launch_call(&args, false).await },
        (!json).then_some(launch_table as fn(&Value) -> String),
    )
}

/// Run `openwks explain`: where a launch would go and why, assigning nothing.
pub fn explain(args: LaunchArgs) -> std::process::ExitCode {
    let json = args.json;
    client::run_shown(
        "explain",
        async move { launch_call(&args, true).await },
        (!json).then_some(launch_table as fn(&Value) -> String),
    )
}

/// `openwks scaling`: the controller's view of a group.
#[derive(Args, Debug)]
pub struct ScalingArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON answer instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: ScalingCommand,
}

#[derive(Subcommand, Debug)]
enum ScalingCommand {
    /// What the controller would do for a group now, and why.
    Preview {
        /// The server group.
        group: String,
    },
    /// What it did (newest first).
    Activities {
        /// The server group.
        group: String,
    },
    /// Run one round of the controller now (administrator; every group).
    Round,
}

fn preview_text(v: &Value) -> String {
    let mut out = format!(
        "{}: {} ({} sessions on {} serving servers, {} auto-created)\n",
        cell(&v["action"]),
        cell(&v["reason"]),
        cell(&v["sessions"]),
        cell(&v["servers"]),
        cell(&v["auto_created"])
    );
    if v["add_servers"].as_u64().unwrap_or(0) > 0 {
        out.push_str(&format!(
            "would add {} server(s)\n",
            cell(&v["add_servers"])
        ));
    }
    if let Some(r) = v["release_server_ids"].as_array().filter(|r| !r.is_empty()) {
        let ids: Vec<String> = r.iter().map(cell).collect();
        out.push_str(&format!("would release {}\n", ids.join(", ")));
    }
    out
}

fn activities_table(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            vec![
                cell(&a["time"]),
                cell(&a["action"]),
                cell(&a["sessions"]),
                cell(&a["servers"]),
                cell(&a["reason"]),
            ]
        })
        .collect();
    table(&["TIME", "ACTION", "SESSIONS", "SERVERS", "REASON"], &rows)
}

/// Run `openwks scaling ...`.
pub fn scaling(args: ScalingArgs) -> std::process::ExitCode {
    let show: fn(&Value) -> String = match args.command {
        ScalingCommand::Preview { .. } => preview_text,
        ScalingCommand::Activities { .. } | ScalingCommand::Round => activities_table,
    };
    let json = args.json;
    client::run_shown(
        "scaling",
        async move {
            let p = args.target.project()?;
            let (what, group) = match &args.command {
                ScalingCommand::Preview { group } => ("scaling-preview", group),
                ScalingCommand::Activities { group } => ("scaling-activities", group),
                ScalingCommand::Round => {
                    let mut v = args
                        .target
                        .call("POST", "/openwks/v1/_admin/scaling/round", None)
                        .await?;
                    // The table reads `items`, as of the activities.
                    if let Some(o) = v.as_object_mut() {
                        let a = o.remove("activities").unwrap_or_default();
                        o.insert("items".into(), a);
                    }
                    return Ok(v);
                }
            };
            args.target
                .call(
                    "GET",
                    &format!("/openwks/v1/{p}/{what}?server_group_id={}", enc(group)),
                    None,
                )
                .await
        },
        (!json).then_some(show),
    )
}
