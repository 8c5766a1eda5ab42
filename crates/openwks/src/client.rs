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
    /// Project (default: the one in credentials.json).
    #[arg(long, env = "OPENWKS_PROJECT_ID")]
    project_id: Option<String>,
}

impl Target {
    /// `<data-dir>/credentials.json`.
    pub fn credentials_path(&self) -> PathBuf {
        self.data_dir.join("credentials.json")
    }
    /// The project the routes with `{project_id}` name.
    pub fn project(&self) -> anyhow::Result<String> {
        if let Some(p) = &self.project_id {
            return Ok(p.clone());
        }
        let path = self.data_dir.join("credentials.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (or pass --project-id)", path.display()))?;
        let v: Value = serde_json::from_str(&text)?;
        v["project_id"]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("{} has no project_id", path.display()))
    }

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
        let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let headers = openwks_api::signer::sign_json_call(
            openwks_api::signer::KeyPair {
                access_key: &ak,
                secret_key: &sk,
            },
            &date,
            host,
            None,
            method,
            path_query,
            &bytes,
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
    run_shown(name, work, None)
}

/// Like [`run`], printing the answer with `show` (a table) unless it is `None` (`--json`).
pub fn run_shown(
    name: &str,
    work: impl Future<Output = anyhow::Result<Value>>,
    show: Option<fn(&Value) -> String>,
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
            match show {
                Some(show) => print!("{}", show(&v)),
                None if !v.is_null() => {
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                }
                None => {}
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("openwks {name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Write `text` to `path` readable by its owner only (0600), atomically (a temporary file
/// renamed over it), durably.
pub fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    let tmp = std::path::PathBuf::from(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A table: a header row and rows, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                let pad = widths[i].saturating_sub(c.chars().count());
                out.push_str(c);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.iter().map(|h| (*h).to_string()).collect());
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

/// A JSON value as a table cell: strings bare, null empty, the rest as JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_to_the_widest_cell() {
        let t = table(
            &["ID", "NAME"],
            &[
                vec!["a".into(), "x".into()],
                vec!["long-id".into(), "y".into()],
            ],
        );
        assert_eq!(t, "ID       NAME\na        x\nlong-id  y\n");
        assert_eq!(cell(&serde_json::json!(null)), "");
        assert_eq!(cell(&serde_json::json!(3)), "3");
    }
}
