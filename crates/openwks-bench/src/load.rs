//! The load generator: N keep-alive HTTP/1.1 connections (one task each, requests in sequence
//! on its connection, like a pool of SDK clients), every request signed exactly like the SDK.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Serialize;

/// Credentials and address of the server under load.
#[derive(Clone)]
pub struct Target {
    /// `host:port`.
    pub addr: String,
    /// Project id.
    pub project_id: String,
    /// AK.
    pub ak: String,
    /// SK.
    pub sk: String,
}

/// One request to send.
pub struct Call {
    /// Method.
    pub method: &'static str,
    /// Path (encoded).
    pub path: String,
    /// Query (encoded, no `?`).
    pub query: String,
    /// JSON body (may be empty).
    pub body: Vec<u8>,
}

/// Makes the calls of a scenario; `n` is a process-wide sequence number.
pub type CallMaker = Arc<dyn Fn(u64, &mut rand::rngs::StdRng) -> Call + Send + Sync>;

/// What a run measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Requests completed.
    pub requests: u64,
    /// Responses with status ≥ 400 or transport errors.
    pub errors: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Requests per second.
    pub rps: f64,
    /// Latency percentiles in milliseconds.
    pub p50_ms: f64,
    /// p90.
    pub p90_ms: f64,
    /// p99.
    pub p99_ms: f64,
    /// max.
    pub max_ms: f64,
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

/// Sign a call for `target`.
pub fn build(target: &Target, call: &Call) -> Request<Full<Bytes>> {
    let date = openwks_testkit::sdk_date();
    let uri = if call.query.is_empty() {
        call.path.clone()
    } else {
        format!("{}?{}", call.path, call.query)
    };
    let caller = openwks_testkit::Caller {
        ak: &target.ak,
        sk: &target.sk,
        host: &target.addr,
        project_id: Some(&target.project_id),
    };
    let headers = openwks_testkit::signed_headers(&caller, &date, call.method, &uri, &call.body);
    let mut b = Request::builder().method(call.method).uri(uri);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(Full::new(Bytes::from(call.body.clone())))
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
}

/// Run `maker` on `conns` connections until `duration` passes or `max_requests` complete.
/// Returns the stats and the bodies of successful responses when `keep_bodies`.
pub async fn run(
    target: &Target,
    maker: CallMaker,
    conns: usize,
    duration: Duration,
    max_requests: Option<u64>,
    keep_bodies: bool,
) -> anyhow::Result<(Stats, Vec<Bytes>)> {
    run_spread(
        std::slice::from_ref(target),
        maker,
        conns,
        duration,
        max_requests,
        keep_bodies,
    )
    .await
}

/// [`run`] with the connections spread round-robin over several servers (replicas behind a
/// load balancer): connection `i` talks to `targets[i % targets.len()]`.
pub async fn run_spread(
    targets: &[Target],
    maker: CallMaker,
    conns: usize,
    duration: Duration,
    max_requests: Option<u64>,
    keep_bodies: bool,
) -> anyhow::Result<(Stats, Vec<Bytes>)> {
    anyhow::ensure!(!targets.is_empty(), "no server to load");
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(conns);
    for i in 0..conns {
        let (target, maker, done) = (
            targets[i % targets.len()].clone(),
            Arc::clone(&maker),
            Arc::clone(&done),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let mut bodies = Vec::new();
            let stream = tokio::net::TcpStream::connect(&target.addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_rng(&mut rand::rng());
            while Instant::now() < deadline {
                if let Some(max) = max_requests {
                    if done.fetch_add(1, Ordering::Relaxed) >= max {
                        break;
                    }
                }
                let call = maker(SEQ.fetch_add(1, Ordering::Relaxed), &mut rng);
                let req = build(&target, &call);
                let t = Instant::now();
                if sender.ready().await.is_err() {
                    errors += 1;
                    break;
                }
                match sender.send_request(req).await {
                    Ok(resp) => {
                        let ok = resp.status().is_success();
                        let body = resp
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        if !ok {
                            errors += 1;
                        } else if keep_bodies {
                            bodies.push(body);
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            anyhow::Ok((lat, errors, bodies))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    let mut bodies = Vec::new();
    for t in tasks {
        let (lat, e, b) = t.await??;
        all.extend(lat);
        errors += e;
        bodies.extend(b);
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let requests = all.len() as u64;
    Ok((
        Stats {
            requests,
            errors,
            seconds,
            rps: requests as f64 / seconds,
            p50_ms: pct(&all, 0.50),
            p90_ms: pct(&all, 0.90),
            p99_ms: pct(&all, 0.99),
            max_ms: all.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
        },
        bodies,
    ))
}
