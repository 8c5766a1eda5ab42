//! Child processes: openwks and the baseline, their addresses, RSS and cold start.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server process.
pub struct Proc {
    /// The child.
    pub child: Child,
    /// `host:port`.
    pub addr: String,
}

impl Proc {
    /// Resident set size in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Stop with SIGKILL and reap.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory of this executable (where cargo puts `openwks` too).
pub fn bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

fn wait_for_addr(child: &mut Child, prefix: &str) -> anyhow::Result<String> {
    let out = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            anyhow::bail!("the server exited before printing its address");
        }
        if let Some(a) = line.trim().strip_prefix(prefix) {
            let addr = a.to_string();
            std::thread::spawn(move || for _ in reader.lines() {});
            return Ok(addr);
        }
    }
}

/// Settings of the openwks under test.
#[derive(Clone)]
pub struct OpenwksCfg {
    /// Binary.
    pub bin: PathBuf,
    /// Data dir.
    pub data: PathBuf,
    /// Catalogue file.
    pub catalog: PathBuf,
    /// Project id.
    pub project_id: String,
    /// AK.
    pub ak: String,
    /// SK.
    pub sk: String,
    /// `--log` of the server.
    pub log: String,
}

/// Start openwks and wait for its address.
pub fn start_openwks(cfg: &OpenwksCfg) -> anyhow::Result<Proc> {
    start_openwks_with(cfg, &[])
}

/// Start openwks with extra flags (e.g. `--database`) and wait for its address.
pub fn start_openwks_with(cfg: &OpenwksCfg, extra: &[&str]) -> anyhow::Result<Proc> {
    let mut child = Command::new(&cfg.bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&cfg.data)
        .arg("--catalog")
        .arg(&cfg.catalog)
        .args(extra)
        .env("OPENWKS_PROJECT_ID", &cfg.project_id)
        .env("OPENWKS_ACCESS_KEY", &cfg.ak)
        .env("OPENWKS_SECRET_KEY", &cfg.sk)
        .env("OPENWKS_LOG", &cfg.log)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let addr = wait_for_addr(&mut child, "openwks listening on http://")?;
    Ok(Proc { child, addr })
}

/// Start the baseline (this executable, `baseline`).
pub fn start_baseline() -> anyhow::Result<Proc> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["baseline"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let addr = wait_for_addr(&mut child, "baseline listening on http://")?;
    Ok(Proc { child, addr })
}

/// Cold start: from spawning openwks on an existing data dir to the first answered request
/// (`GET /health` → 200). The listen address is fixed so that polling can start at once.
pub async fn cold_start(cfg: &OpenwksCfg) -> anyhow::Result<(Duration, Proc)> {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let addr = format!("127.0.0.1:{port}");
    let t0 = Instant::now();
    let mut child = Command::new(&cfg.bin)
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(&cfg.data)
        .arg("--catalog")
        .arg(&cfg.catalog)
        .env("OPENWKS_LOG", &cfg.log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    loop {
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            anyhow::bail!("openwks did not answer within 10 s");
        }
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let req = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).await.is_ok() {
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf).await;
                if buf.starts_with(b"HTTP/1.1 200") {
                    return Ok((t0.elapsed(), Proc { child, addr }));
                }
            }
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}
