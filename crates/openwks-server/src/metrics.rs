//! Prometheus metrics: request counts by operation and status, latency histograms by
//! operation. Lock-free on the hot path once an operation has been seen.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Histogram bucket upper bounds in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct OpStats {
    buckets: [AtomicU64; 13],
    count: AtomicU64,
    sum_micros: AtomicU64,
    by_status: RwLock<HashMap<u16, Arc<AtomicU64>>>,
}

/// `(metric, label name, label value)`.
type EventKey = (&'static str, &'static str, String);

/// All request metrics of the process.
#[derive(Default)]
pub struct Metrics {
    ops: RwLock<HashMap<String, Arc<OpStats>>>,
    /// Event counters: `(metric, label name, label value)` → count.
    events: RwLock<HashMap<EventKey, Arc<AtomicU64>>>,
}

impl Metrics {
    fn op(&self, op: &str) -> Option<Arc<OpStats>> {
        if let Some(s) = self.ops.read().ok()?.get(op) {
            return Some(Arc::clone(s));
        }
        let mut w = self.ops.write().ok()?;
        Some(Arc::clone(w.entry(op.to_string()).or_default()))
    }

    /// Record one request.
    pub fn observe(&self, op: &str, status: u16, elapsed: Duration) {
        let Some(s) = self.op(op) else { return };
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        s.count.fetch_add(1, Ordering::Relaxed);
        s.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        let counter = s
            .by_status
            .read()
            .ok()
            .and_then(|m| m.get(&status).cloned());
        let counter = match counter {
            Some(c) => c,
            None => match s.by_status.write() {
                Ok(mut m) => Arc::clone(m.entry(status).or_default()),
                Err(_) => return,
            },
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Count one event of `metric` with one label (launches by outcome, refusals by reason,
    /// scaling actions by action).
    pub fn count(&self, metric: &'static str, label: &'static str, value: &str) {
        let key = (metric, label, value.to_string());
        let c = self.events.read().ok().and_then(|m| m.get(&key).cloned());
        let c = match c {
            Some(c) => c,
            None => match self.events.write() {
                Ok(mut m) => Arc::clone(m.entry(key).or_default()),
                Err(_) => return,
            },
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(events) = self.events.read() {
            let mut rows: Vec<_> = events.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            let mut last = "";
            for ((metric, label, value), c) in rows {
                if *metric != last {
                    let _ = writeln!(out, "# TYPE {metric} counter");
                    last = metric;
                }
                let _ = writeln!(
                    out,
                    "{metric}{{{label}=\"{}\"}} {}",
                    esc(value),
                    c.load(Ordering::Relaxed)
                );
            }
        }
        let Ok(ops) = self.ops.read() else { return out };
        let mut names: Vec<&String> = ops.keys().collect();
        names.sort();
        out.push_str("# HELP openwks_requests_total Requests by operation and HTTP status.\n# TYPE openwks_requests_total counter\n");
        for name in &names {
            if let Some(s) = ops.get(*name) {
                if let Ok(m) = s.by_status.read() {
                    let mut sts: Vec<_> = m.iter().collect();
                    sts.sort_by_key(|(k, _)| **k);
                    for (st, c) in sts {
                        let _ = writeln!(
                            out,
                            "openwks_requests_total{{op=\"{}\",status=\"{st}\"}} {}",
                            esc(name),
                            c.load(Ordering::Relaxed)
                        );
                    }
                }
            }
        }
        out.push_str("# HELP openwks_request_duration_seconds Request latency by operation.\n# TYPE openwks_request_duration_seconds histogram\n");
        for name in &names {
            if let Some(s) = ops.get(*name) {
                let op = esc(name);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "openwks_request_duration_seconds_bucket{{op=\"{op}\",le=\"{b}\"}} {}",
                        s.buckets[i].load(Ordering::Relaxed)
                    );
                }
                let count = s.count.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "openwks_request_duration_seconds_bucket{{op=\"{op}\",le=\"+Inf\"}} {count}"
                );
                let _ = writeln!(
                    out,
                    "openwks_request_duration_seconds_sum{{op=\"{op}\"}} {}",
                    s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
                );
                let _ = writeln!(
                    out,
                    "openwks_request_duration_seconds_count{{op=\"{op}\"}} {count}"
                );
            }
        }
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_counts_and_histograms() {
        let m = super::Metrics::default();
        m.observe("GET /x", 200, std::time::Duration::from_micros(300));
        m.observe("GET /x", 404, std::time::Duration::from_millis(30));
        let t = m.render();
        assert!(t.contains("openwks_requests_total{op=\"GET /x\",status=\"200\"} 1"));
        assert!(
            t.contains("openwks_request_duration_seconds_bucket{op=\"GET /x\",le=\"0.0005\"} 1")
        );
        assert!(t.contains("openwks_request_duration_seconds_count{op=\"GET /x\"} 2"));
    }
}
