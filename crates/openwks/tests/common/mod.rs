//! What the binary suites share: spawning `openwks serve`, and signed calls to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

pub const PID: &str = "00112233445566778899aabbccddeeff";
pub const AK: &str = "AKBINARYTEST0000001";
pub const SK: &str = "SKbinarytest00000000000000000000000000001";

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub stdout: Vec<String>,
}

pub fn start(data: &Path, fixed: bool) -> Server {
    start_with(data, fixed, &[])
}

pub fn start_with(data: &Path, fixed: bool, extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend(openwks_store::testing::serve_flags(data));
    spawn(data, fixed, &args)
}

/// `openwks serve` on `data` with exactly `args` after the data dir (no backend flags added).
pub fn spawn(data: &Path, fixed: bool, args: &[String]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openwks"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(args)
        .env("OPENWKS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if fixed {
        cmd.env("OPENWKS_PROJECT_ID", PID)
            .env("OPENWKS_ACCESS_KEY", AK)
            .env("OPENWKS_SECRET_KEY", SK);
    }
    let mut child = cmd.spawn().expect("spawn openwks");
    let out = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    let mut reader = BufReader::new(out);
    let mut addr = String::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).expect("read stdout") == 0 {
            panic!("openwks exited early: {lines:?}");
        }
        let l = l.trim_end().to_string();
        if let Some(a) = l.strip_prefix("openwks listening on http://") {
            addr = a.to_string();
        }
        let done = l.starts_with("credentials:");
        lines.push(l);
        if done {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    Server {
        child,
        addr,
        stdout: lines,
    }
}

pub async fn call(
    client: &reqwest::Client,
    addr: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<(u16, Value), reqwest::Error> {
    call_raw(client, addr, method, path, body)
        .await
        .map(|(status, _, body)| (status, body))
}

/// A signed call (the shared client of `openwks-testkit`); status, headers and the JSON body.
pub async fn call_raw(
    client: &reqwest::Client,
    addr: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<(u16, reqwest::header::HeaderMap, Value), reqwest::Error> {
    let caller = openwks_testkit::Caller {
        ak: AK,
        sk: SK,
        host: addr,
        project_id: None,
    };
    let date = openwks_testkit::sdk_date();
    let r = openwks_testkit::call(client, &caller, &date, method, path, body.as_ref()).await?;
    Ok((r.status, r.headers, r.body))
}

impl Server {
    /// `kill -9`, and reap it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `GET /health` (no auth).
    pub async fn health(&self, client: &reqwest::Client) -> Option<Value> {
        let r = client
            .get(format!("http://{}/health", self.addr))
            .send()
            .await
            .ok()?;
        r.json().await.ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub async fn default_network(client: &reqwest::Client, addr: &str) -> (String, String) {
    let (_, s) = call(client, addr, "GET", &format!("/v1/{PID}/subnets"), None)
        .await
        .expect("subnets");
    let sn = &s["subnets"][0];
    (
        sn["vpc_id"].as_str().expect("vpc").to_string(),
        sn["id"].as_str().expect("subnet").to_string(),
    )
}

pub fn group(name: &str, vpc: &str, subnet: &str) -> Value {
    json!({
        "name": name, "image_id": "6f4d1f2a-2019-4b6e-9c0d-000000000001", "image_type": "public",
        "os_type": "Windows", "product_id": "workspace.appstream.general.xlarge.2", "vpc_id": vpc,
        "subnet_id": subnet, "system_disk_type": "SAS", "system_disk_size": 80
    })
}

/// Wait until `acked` holds at least `n` ids (at most 20 s), then a little longer, so that a
/// kill lands in the middle of the load on a fast or a slow machine alike.
pub async fn wait_for_acks(acked: &std::sync::Mutex<Vec<String>>, n: usize) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while acked.lock().map(|a| a.len()).unwrap_or(0) < n && std::time::Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
}

/// Server-group creates from `clients` tasks until `stop` is set (or 30 s pass), every
/// acknowledged id in `acked`. Client `t`'s `i`-th create goes to `addrs[(t + i) % len]`; a
/// failed connection (a killed server) ends that client when `stop_on_error`, else it goes on
/// with the next server. Any answer but 200 is a failure of the test.
pub struct CreateLoad {
    pub acked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl CreateLoad {
    pub fn start(
        client: &reqwest::Client,
        addrs: &[String],
        (vpc, subnet): (&str, &str),
        clients: usize,
        stop_on_error: bool,
    ) -> CreateLoad {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let tasks = (0..clients)
            .map(|t| {
                let (client, addrs, acked, stop) = (
                    client.clone(),
                    addrs.to_vec(),
                    Arc::clone(&acked),
                    Arc::clone(&stop),
                );
                let (vpc, subnet) = (vpc.to_string(), subnet.to_string());
                tokio::spawn(async move {
                    let mut i = 0usize;
                    while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                        let addr = &addrs[(t + i) % addrs.len()];
                        let name = format!("load-{t}-{i}");
                        i += 1;
                        match call(
                            &client,
                            addr,
                            "POST",
                            &format!("/v1/{PID}/app-server-groups"),
                            Some(group(&name, &vpc, &subnet)),
                        )
                        .await
                        {
                            Ok((200, b)) => acked
                                .lock()
                                .expect("lock")
                                .push(b["id"].as_str().unwrap_or_default().to_string()),
                            Ok((status, b)) => panic!("unexpected {status} from {addr}: {b}"),
                            Err(_) if stop_on_error => break,
                            Err(_) => continue,
                        }
                    }
                })
            })
            .collect();
        CreateLoad { acked, stop, tasks }
    }

    /// Stop the clients, wait for them; every acknowledged id.
    pub async fn finish(self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in self.tasks {
            t.await.expect("client task");
        }
        let acked = self.acked.lock().expect("lock").clone();
        acked
    }
}
