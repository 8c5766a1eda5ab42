//! `openwks serve`: configuration, first-start bootstrap of the account, and the server.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use openwks_core::catalogue::Catalogue;
use openwks_core::identity::{is_project_id, AccessKey, Bootstrap, Project, User};
use openwks_server::{AppState, Settings};
use openwks_store::postgres::PgConfig;
use openwks_store::sql::SqlStore;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Flags of `openwks serve`; each has an environment variable.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (`127.0.0.1:0` picks a free port; the bound address is printed).
    #[arg(long, env = "OPENWKS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Directory of the embedded store and of credentials.json.
    #[arg(long, env = "OPENWKS_DATA_DIR", default_value = "./openwks-data")]
    data_dir: PathBuf,
    /// Region: the project's name and the AZ prefix (cn-north-4 gives cn-north-4a...).
    #[arg(long, env = "OPENWKS_REGION", default_value = "cn-north-4")]
    region: String,
    /// Catalogue file (TOML, or YAML by its .yaml/.yml extension) replacing the embedded one;
    /// see docs/catalog.example.toml.
    #[arg(long, env = "OPENWKS_CATALOG")]
    catalog: Option<PathBuf>,
    /// Mint resource ids (server groups, servers, jobs, sessions, app groups, apps, …) from
    /// this seed: the same requests on a fresh data dir get the same ids. Secrets, access keys
    /// and request ids stay random.
    #[arg(long, env = "OPENWKS_SEED")]
    seed: Option<u64>,
    /// Init file (YAML): IAM policies and users with keys, user groups, server groups with
    /// servers, app groups with apps and authorizations; what is missing is created at every
    /// start, matched by name (docs/testing-with-openwks.md).
    #[arg(long, env = "OPENWKS_INIT")]
    init: Option<PathBuf>,
    /// Project id to create on first start (32 lower-case hex); generated if unset.
    #[arg(long, env = "OPENWKS_PROJECT_ID", hide_env_values = true)]
    project_id: Option<String>,
    /// Access key to create on first start; generated if unset.
    #[arg(long, env = "OPENWKS_ACCESS_KEY", hide_env_values = true)]
    access_key: Option<String>,
    /// Secret key to create on first start; generated if unset.
    #[arg(long, env = "OPENWKS_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Password of the IAM user `admin` created on first start; generated if unset.
    #[arg(long, env = "OPENWKS_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Largest request body in bytes (over it: 413).
    #[arg(long, env = "OPENWKS_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Lifetime of X-Auth-Token tokens in seconds.
    #[arg(long, env = "OPENWKS_TOKEN_TTL_SECS", default_value_t = 24 * 3600)]
    token_ttl_secs: i64,
    /// Log format: `text` or `json` (one structured access-log line per request either way).
    #[arg(long, env = "OPENWKS_LOG_FORMAT", default_value = "text")]
    log_format: String,
    /// Log filter (tracing env-filter syntax), e.g. `info`, `warn`, `openwks::access=off,info`.
    #[arg(long, env = "OPENWKS_LOG", default_value = "info")]
    log: String,
    /// Simulated time a server takes to boot or to be torn down, in milliseconds (tests use 0).
    #[arg(long, env = "OPENWKS_BOOT_DELAY_MS", default_value_t = 2000)]
    boot_delay_ms: u64,
    /// The same as a duration: `2s`, `500ms`, `0` (a bare number is seconds). Wins over
    /// `--boot-delay-ms`.
    #[arg(long, value_parser = parse_delay)]
    boot_delay: Option<std::time::Duration>,
    /// Let the administrator move this server's clock forward
    /// (`POST /openwks/v1/_admin/clock`): boot delays, leases, session timeouts and scaling
    /// rounds follow it. For test suites; off by default.
    #[arg(long, env = "OPENWKS_TIME_CONTROL")]
    time_control: bool,
    /// Keep the last N requests (method, path, status, latency, caller, request and answer
    /// bodies with secrets redacted) for `GET /openwks/v1/_admin/requests` and
    /// `openwks requests tail`; 0 (default) records nothing.
    #[arg(long, env = "OPENWKS_RECORD_REQUESTS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    record_requests: u32,
    /// How the scheduler picks among the hosts that fit: `spread` (most free vCPUs first) or
    /// `pack` (fullest host that still fits).
    #[arg(long, env = "OPENWKS_PLACEMENT", default_value = "spread", value_parser = ["spread", "pack"])]
    placement: String,
    /// How often the scaling controller runs and logged-off or disconnected sessions expire:
    /// `5s` (default), `500ms`; `0` turns the controller off.
    #[arg(long, env = "OPENWKS_SCALING_INTERVAL", default_value = "5s", value_parser = parse_delay)]
    scaling_interval: std::time::Duration,
    /// How many days the audit trail keeps an event (older ones are deleted by the replica
    /// holding the background lease, once a minute); `0` keeps everything.
    #[arg(long, env = "OPENWKS_AUDIT_RETENTION_DAYS", default_value_t = 90)]
    audit_retention_days: u32,
    /// How long a connection may take to send a request's headers, and how long an idle
    /// keep-alive connection is kept: `10s`; then it is closed.
    #[arg(long, env = "OPENWKS_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_delay)]
    header_timeout: std::time::Duration,
    /// How long a request may take to send its body: `30s`; then 408.
    #[arg(long, env = "OPENWKS_BODY_TIMEOUT", default_value = "30s", value_parser = parse_delay)]
    body_timeout: std::time::Duration,
    /// Connections served at once (further ones wait in the listen backlog); lowered to fit
    /// the open-files limit, which openwks raises to its hard limit at start.
    #[arg(long, env = "OPENWKS_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Worker threads of the async runtime (default: one per core).
    #[arg(long, env = "OPENWKS_WORKERS")]
    workers: Option<usize>,
    /// Directory of the storage folders' files (WKS storages' SFS file systems,
    /// docs/storage.md); default `<data-dir>/storage`. Replicas on one PostgreSQL database
    /// must all see the same directory (a shared mount).
    #[arg(long, env = "OPENWKS_STORAGE_DIR")]
    storage_dir: Option<PathBuf>,
    /// PostgreSQL instead of the embedded SQLite store: `postgres://user@host:5432/db` (or
    /// the key=value form). Several replicas may share one database (docs/deployment.md).
    #[arg(long, env = "OPENWKS_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Schema of openwks's tables in that database (created when missing); default: the
    /// server's search path (`public`).
    #[arg(long, env = "OPENWKS_DATABASE_SCHEMA")]
    database_schema: Option<String>,
    /// Connections this replica opens to PostgreSQL: one writer and the rest for reads.
    #[arg(long, env = "OPENWKS_DATABASE_POOL", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=1000))]
    database_pool: u32,
    /// How long to wait for PostgreSQL (to connect, or for a free pooled connection) before
    /// answering 503 with Retry-After: `5s`, `500ms`.
    #[arg(long, env = "OPENWKS_DATABASE_TIMEOUT", default_value = "5s", value_parser = parse_delay)]
    database_timeout: std::time::Duration,
    /// Longest SQL statement on PostgreSQL.
    #[arg(long, env = "OPENWKS_DATABASE_STATEMENT_TIMEOUT", default_value = "30s", value_parser = parse_delay)]
    database_statement_timeout: std::time::Duration,
}

/// What `<data-dir>/credentials.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Credentials {
    account_name: String,
    project_id: String,
    region: String,
    access_key: String,
    secret_key: String,
    admin_user: String,
    admin_password: String,
}

fn random_alnum(n: usize, upper_only: bool) -> String {
    const UP: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const ALL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let set = if upper_only { UP } else { ALL };
    let mut rng = rand::rng();
    (0..n)
        .map(|_| set[rng.random_range(0..set.len())] as char)
        .collect()
}

use crate::client::write_private;

fn wanted(args: &ServeArgs) -> anyhow::Result<Credentials> {
    let project_id = match &args.project_id {
        Some(p) if !is_project_id(p) => {
            bail!("OPENWKS_PROJECT_ID must be 32 lower-case hex characters, got {p:?}")
        }
        Some(p) => p.clone(),
        None => hex::encode(rand::random::<[u8; 16]>()),
    };
    Ok(Credentials {
        account_name: "openwks".into(),
        project_id,
        region: args.region.clone(),
        access_key: args
            .access_key
            .clone()
            .unwrap_or_else(|| random_alnum(20, true)),
        secret_key: args
            .secret_key
            .clone()
            .unwrap_or_else(|| random_alnum(40, false)),
        admin_user: "admin".into(),
        admin_password: args
            .admin_password
            .clone()
            .unwrap_or_else(|| random_alnum(16, false)),
    })
}

fn init_logging(args: &ServeArgs) -> crate::logging::BufferedStderr {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let writer = crate::logging::BufferedStderr::new();
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone())
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if args.log_format == "json" {
        b.json().init();
    } else {
        b.init();
    }
    writer
}

/// Run `openwks serve`.
pub fn run(args: ServeArgs) -> ExitCode {
    let log = init_logging(&args);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(w) = args.workers {
        rt.worker_threads(w.max(1));
    }
    let rt = match rt.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("openwks: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(serve(args));
    log.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("openwks: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    // One openwks per data dir: the embedded store keeps a cache that only its own writes keep
    // coherent, so a second process on the same directory is refused.
    let lock_path = args.data_dir.join("openwks.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        bail!(
            "another openwks is already using the data dir {}",
            args.data_dir.display()
        );
    }
    // A broken init file fails the start before anything is opened.
    let init = match &args.init {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let parsed = openwks_server::init::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Some((path.clone(), parsed))
        }
        None => None,
    };
    let catalogue = match &args.catalog {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Catalogue::parse_file(&path.to_string_lossy(), &text, &args.region)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?
        }
        None => {
            Catalogue::default_for(&args.region).map_err(|e| anyhow::anyhow!("{}", e.message))?
        }
    };
    let cred_path = args.data_dir.join("credentials.json");
    let first_start = !cred_path.exists();
    let creds: Credentials = if first_start {
        wanted(&args)?
    } else {
        let text = std::fs::read_to_string(&cred_path)
            .with_context(|| format!("reading {}", cred_path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", cred_path.display()))?
    };
    let db_path = args.data_dir.join("openwks.db");
    if args.database.is_none() && !first_start {
        // credentials.json is written after the first start's store: beside it, a missing or
        // empty database is a store that was lost, not a first start. Re-seeding would
        // answer every earlier resource with 404 and mint a new administrator.
        let len = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
        if len == 0 {
            bail!(
                "{} is missing or empty but {} exists: the store of this data dir was lost. \
                 Restore openwks.db from a backup, or remove credentials.json to start afresh",
                db_path.display(),
                cred_path.display()
            );
        }
    }
    let store = match &args.database {
        None => SqlStore::open(&db_path),
        Some(url) => SqlStore::open_postgres(PgConfig {
            schema: args.database_schema.clone(),
            pool_size: args.database_pool as usize,
            connect_timeout: args.database_timeout,
            statement_timeout: args.database_statement_timeout,
            ..PgConfig::new(url.clone())
        }),
    }
    .map_err(|e| anyhow::anyhow!("opening the store: {}", e.message))?;
    let account_id = hex::encode(rand::random::<[u8; 16]>());
    let user_id = hex::encode(rand::random::<[u8; 16]>());
    let want = Bootstrap {
        account_name: creds.account_name.clone(),
        project: Project {
            id: creds.project_id.clone(),
            name: args.region.clone(),
            account_id: account_id.clone(),
            account_name: creds.account_name.clone(),
            created_at: String::new(),
        },
        admin: User {
            id: user_id.clone(),
            name: creds.admin_user.clone(),
            account_id: account_id.clone(),
            is_admin: true,
            password_hash: openwks_server::auth::password::hash(&creds.admin_password),
        },
        key: AccessKey {
            access_key: creds.access_key.clone(),
            secret_key: creds.secret_key.clone(),
            user_id,
            account_id,
            status: "active".into(),
        },
    };
    // Each connection is a descriptor: raise the soft open-files limit to the hard one, and
    // keep connections under it with room for the database, logs and the listener.
    let nofile = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let fit = usize::try_from(nofile.saturating_sub(256).max(64)).unwrap_or(usize::MAX);
    let max_connections = (args.max_connections as usize).min(fit);
    if max_connections < args.max_connections as usize {
        tracing::warn!(
            open_files = nofile,
            max_connections,
            "--max-connections lowered to fit the open-files limit"
        );
    }
    let settings = Settings {
        region: args.region.clone(),
        header_timeout: args.header_timeout.max(std::time::Duration::from_millis(1)),
        body_timeout: args.body_timeout.max(std::time::Duration::from_millis(1)),
        max_connections,
        max_body_bytes: args.max_body_bytes,
        token_ttl_secs: args.token_ttl_secs,
        boot_delay: args
            .boot_delay
            .unwrap_or(std::time::Duration::from_millis(args.boot_delay_ms)),
        weigher: if args.placement == "pack" {
            openwks_server::Weigher::Pack
        } else {
            openwks_server::Weigher::Spread
        },
        scaling_interval: (!args.scaling_interval.is_zero()).then_some(args.scaling_interval),
        record_requests: args.record_requests as usize,
        seed: args.seed,
        clock: if args.time_control {
            Arc::new(openwks_core::clock::OffsetClock::default())
        } else {
            Arc::new(openwks_core::clock::SystemClock)
        },
        audit_retention: (args.audit_retention_days > 0)
            .then(|| std::time::Duration::from_secs(u64::from(args.audit_retention_days) * 86_400)),
        storage_dir: Some(
            args.storage_dir
                .clone()
                .unwrap_or_else(|| args.data_dir.join("storage")),
        ),
        ..Settings::default()
    };
    let state = AppState::new(Arc::new(store), catalogue, want, settings)
        .await
        .map_err(|e| anyhow::anyhow!("bootstrap: {}", e.message))?;
    // The store is the truth: a credentials.json lost or edited is rewritten from it.
    let b = state.bootstrap();
    let actual = Credentials {
        account_name: b.account_name.clone(),
        project_id: b.project.id.clone(),
        region: b.project.name.clone(),
        access_key: b.key.access_key.clone(),
        secret_key: b.key.secret_key.clone(),
        admin_user: b.admin.name.clone(),
        // A replica joining a database another one created cannot know the admin password.
        admin_password: if b.key.access_key == creds.access_key {
            creds.admin_password.clone()
        } else {
            String::new()
        },
    };
    // First start; or the store's identity is another one than the file's (a snapshot was
    // loaded): the file follows the store.
    if first_start || actual.access_key != creds.access_key || actual.project_id != creds.project_id
    {
        write_private(&cred_path, &serde_json::to_string_pretty(&actual)?)?;
    }
    let init_summary = match &init {
        Some((path, parsed)) => {
            let applied = openwks_server::init::apply(&state, parsed)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            for what in &applied.created {
                tracing::info!(init = %path.display(), "created {what}");
            }
            Some(format!(
                "{}: {} created, {} already there",
                path.display(),
                applied.created.len(),
                applied.existing
            ))
        }
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "openwks listening on http://{addr}")?;
    writeln!(out, "region:       {}", actual.region)?;
    writeln!(out, "project id:   {}", actual.project_id)?;
    writeln!(out, "access key:   {}", actual.access_key)?;
    if first_start {
        writeln!(out, "secret key:   {}", actual.secret_key)?;
        if actual.admin_password.is_empty() {
            writeln!(
                out,
                "admin password (IAM user admin, account {}): (set where the database was created)",
                actual.account_name
            )?;
        } else {
            writeln!(
                out,
                "admin password (IAM user admin, account {}): {}",
                actual.account_name, actual.admin_password
            )?;
        }
    } else {
        writeln!(out, "secret key:   (in {})", cred_path.display())?;
    }
    if let Some(summary) = init_summary {
        writeln!(out, "init:         {summary}")?;
    }
    writeln!(out, "credentials:  {}", cred_path.display())?;
    out.flush()?;
    drop(out);
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    openwks_server::serve_with_listener(listener, state.clone(), shutdown).await?;
    openwks_server::cluster::resign(&state).await;
    drop(lock);
    Ok(())
}

/// `--boot-delay`: `<n>ms`, `<n>s` or a bare number of seconds (fractions allowed).
fn parse_delay(raw: &str) -> Result<std::time::Duration, String> {
    let raw = raw.trim();
    let (num, scale) = if let Some(n) = raw.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = raw.strip_suffix('s') {
        (n, 1.0)
    } else {
        (raw, 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration like 2s, 500ms or 0"))?;
    if !v.is_finite() || !(0.0..=3600.0).contains(&(v * scale)) {
        return Err(format!("{raw:?} must be between 0 and 3600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(v * scale))
}

#[cfg(test)]
mod delay_tests {
    use super::parse_delay;
    use std::time::Duration;

    #[test]
    fn boot_delay_takes_seconds_or_milliseconds() {
        assert_eq!(parse_delay("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_delay("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_delay("0"), Ok(Duration::ZERO));
        assert_eq!(parse_delay("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_delay("soon").is_err());
        assert!(parse_delay("-1s").is_err());
        assert!(parse_delay("2h").is_err());
    }
}
