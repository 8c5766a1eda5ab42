//! The command line's client of a running openwks: where it is, whose key signs (the
//! administrator's from `<data-dir>/credentials.json`, or `--access-key`/`--secret-key`), one
//! signed call that answers the JSON or fails with the status and the body, and how a command
//! runs and prints.

use std::future::Future;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::Value;

/// Which openwks, and whose key.
#[derive(Args, Debug)]
pub struct Target {
    /// The running openwks (`http://127.0.0.1:8080`).
    #[arg(
        long,
        env = "OPENWKS_ENDPOINT",
        default_value = "http://127.0.0.1:8080"
    )]
    endpoint: String,
    /// Data directory whose credentials.json holds the administrator's key.
    #[arg(long, env = "OPENWKS_DATA_DIR", default_value = "./openwks-data")]
    data_dir: PathBuf,
    /// AK to sign with instead of the administrator's.
    #[arg(long, env = "OPENWKS_ACCESS_KEY")]
    access_key: Option<String>,
    /// SK to sign with.
    #[arg(long, env = "OPENWKS_SECRET_KEY")]
    secret_key: Option<String>,
}

impl Target {
    fn keys(&self) -> anyhow::Result<(String, String)> {
        if let (Some(a), Some(s)) = (&self.access_key, &self.secret_key) {
            return Ok((a.clone(), s.clone()));
        }
        let path = self.data_dir.join("credentials.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (or pass --access-key/--secret-key)",
                path.display()
            )
        })?;
        let v: Value = serde_json::from_str(&text)?;
        match (v["access_key"].as_str(), v["secret_key"].as_str()) {
            (Some(a), Some(s)) => Ok((a.to_string(), s.to_string())),
            _ => bail!("{} has no access_key/secret_key", path.display()),
        }
    }

    /// One signed call; its JSON answer (`Null` when it has none), or the status and body of a
    /// failure.
    pub async fn call(
        &self,
        method: &str,
        path_query: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let (ak, sk) = self.keys()?;
        let base = self.endpoint.trim_end_matches('/');
        let host = base
            .split("://")
            .nth(1)
            .unwrap_or(base)
            .split('/')
            .next()
            .unwrap_or("");
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
        let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let headers = openwks_api::signer::sign_request(
            openwks_api::signer::KeyPair {
                access_key: &ak,
                secret_key: &sk,
            },
            &date,
            openwks_api::signer::ClientRequest {
                method,
                raw_path: path,
                raw_query: query,
                headers: &[("Content-Type", "application/json"), ("Host", host)],
                body: &bytes,
            },
        );
        let client = reqwest::Client::new();
        let mut rb = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes())?,
                format!("{base}{path_query}"),
            )
            .body(bytes);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        let resp = rb.send().await.with_context(|| format!("calling {base}"))?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("{status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// Run a command of `openwks <name>`: print its JSON answer (pretty) and succeed, or print the
/// error and fail.
pub fn run(
    name: &str,
    work: impl Future<Output = anyhow::Result<Value>>,
) -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("openwks {name}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(work) {
        Ok(v) => {
            if !v.is_null() {
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("openwks {name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
