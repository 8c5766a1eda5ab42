//! Simulated monitoring data of a server (the vendor's Cloud Eye metrics behind
//! `show_server_metric_data` and `list_server_metric_data`).
//!
//! Pure: a sample is a function of the server id, the metric, the server's load (its session
//! count and GPUs) and the time, so the same query answers the same numbers on every replica and
//! after a restart. Usage grows with the session count; a server without GPUs has no GPU metrics;
//! no data exists before the server was created or while it was not running.

/// The raw sampling interval of the basic (`SYS.ECS`) metrics: five minutes, like the vendor's.
pub const RAW_INTERVAL_MS: i64 = 300_000;

/// The most points one query may answer (the vendor's Cloud Eye refuses larger ranges too).
pub const MAX_POINTS: i64 = 3_000;

/// `SYS.ECS` metrics with their unit, as `show_server_metric_data` names them.
pub const SYS_ECS: &[(&str, &str)] = &[
    ("cpu_util", "%"),
    ("mem_util", "%"),
    ("disk_util_inband", "%"),
    ("disk_read_bytes_rate", "Byte/s"),
    ("disk_write_bytes_rate", "Byte/s"),
    ("disk_read_requests_rate", "Request/s"),
    ("disk_write_requests_rate", "Request/s"),
    ("network_incoming_bytes_rate_inband", "Byte/s"),
    ("network_outgoing_bytes_rate_inband", "Byte/s"),
    ("network_incoming_bytes_aggregate_rate", "Byte/s"),
    ("network_outgoing_bytes_aggregate_rate", "Byte/s"),
    ("network_vm_connections", "Count"),
];

/// `AGT.ECS` (agent) GPU metrics.
pub const AGT_ECS: &[(&str, &str)] = &[
    ("gpu_usage_gpu", "%"),
    ("gpu_usage_mem", "%"),
    ("gpu_usage_encoder", "%"),
    ("gpu_usage_decoder", "%"),
];

/// The aggregation periods `list_server_metric_data` accepts, seconds (1 = raw data).
pub const PERIODS: &[i64] = &[1, 300, 1200, 3600, 14400, 86400];

/// The aggregations `list_server_metric_data` accepts.
pub const FILTERS: &[&str] = &["average", "max", "min", "sum", "variance"];

/// What drives a server's numbers.
#[derive(Debug, Clone)]
pub struct Load<'a> {
    /// The server's id (seeds the noise).
    pub server_id: &'a str,
    /// Sessions on the server.
    pub sessions: u32,
    /// GPUs of its flavor.
    pub gpus: u32,
    /// The window in which the server ran, epoch ms (`to` exclusive).
    pub running_from_ms: i64,
    /// End of that window (now for a running server).
    pub running_to_ms: i64,
}

/// One aggregated point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Start of the period, epoch ms.
    pub timestamp: i64,
    /// Mean of the raw samples in the period.
    pub average: f64,
    /// Largest raw sample.
    pub max: f64,
    /// Smallest raw sample.
    pub min: f64,
    /// Sum of the raw samples.
    pub sum: f64,
    /// Population variance of the raw samples.
    pub variance: f64,
}

/// The unit of a metric, or `None` when the namespace has no such metric.
pub fn unit(namespace: &str, metric: &str) -> Option<&'static str> {
    let table = match namespace {
        "SYS.ECS" => SYS_ECS,
        "AGT.ECS" => AGT_ECS,
        _ => return None,
    };
    table.iter().find(|(m, _)| *m == metric).map(|(_, u)| *u)
}

/// Noise in [0, 1) from the server, the metric and the sample time (FNV-1a, then a mix).
fn noise(server_id: &str, metric: &str, t: i64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in server_id
        .bytes()
        .chain(metric.bytes())
        .chain(t.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// One raw sample at `t` (a multiple of [`RAW_INTERVAL_MS`]), or `None` for an unknown metric
/// or a GPU metric of a server without GPUs.
pub fn sample(load: &Load<'_>, metric: &str, t: i64) -> Option<f64> {
    let s = f64::from(load.sessions);
    let n = noise(load.server_id, metric, t);
    let pct = |v: f64| v.clamp(0.0, 100.0);
    let v = match metric {
        "cpu_util" => pct(2.0 + 11.0 * s + 4.0 * n),
        "mem_util" => pct(18.0 + 6.0 * s + 2.0 * n),
        "disk_util_inband" => pct(22.0 + 0.5 * s + noise(load.server_id, metric, 0) * 8.0),
        "disk_read_bytes_rate" => 8_000.0 + 120_000.0 * s + 4_000.0 * n,
        "disk_write_bytes_rate" => 12_000.0 + 90_000.0 * s + 6_000.0 * n,
        "disk_read_requests_rate" => 1.0 + 12.0 * s + 2.0 * n,
        "disk_write_requests_rate" => 2.0 + 9.0 * s + 2.0 * n,
        // Display traffic: a session mostly sends pixels out and receives input.
        "network_incoming_bytes_rate_inband" | "network_incoming_bytes_aggregate_rate" => {
            600.0 + 24_000.0 * s + 400.0 * n
        }
        "network_outgoing_bytes_rate_inband" | "network_outgoing_bytes_aggregate_rate" => {
            900.0 + 310_000.0 * s + 900.0 * n
        }
        "network_vm_connections" => (3.0 + 4.0 * s + (2.0 * n).floor()).round(),
        "gpu_usage_gpu" | "gpu_usage_mem" | "gpu_usage_encoder" | "gpu_usage_decoder"
            if load.gpus == 0 =>
        {
            return None
        }
        "gpu_usage_gpu" => pct(1.0 + 14.0 * s / f64::from(load.gpus) + 3.0 * n),
        "gpu_usage_mem" => pct(4.0 + 9.0 * s / f64::from(load.gpus) + 2.0 * n),
        "gpu_usage_encoder" => pct(10.0 * s / f64::from(load.gpus) + 2.0 * n),
        "gpu_usage_decoder" => pct(0.5 * s / f64::from(load.gpus) + n),
        _ => return None,
    };
    Some((v * 100.0).round() / 100.0)
}

/// The expected (noise-free mean) value of a usage metric at `sessions` sessions: what routing
/// compares with a group's thresholds. `None` for metrics routing does not use, and for GPU
/// usage of a server without GPUs.
pub fn expected(metric: &str, sessions: u32, gpus: u32) -> Option<f64> {
    let s = f64::from(sessions);
    let v = match metric {
        "cpu_util" => 2.0 + 11.0 * s + 2.0,
        "mem_util" => 18.0 + 6.0 * s + 1.0,
        "gpu_usage_gpu" if gpus > 0 => 1.0 + 14.0 * s / f64::from(gpus) + 1.5,
        _ => return None,
    };
    Some(v.clamp(0.0, 100.0))
}

/// Points of `metric` over `[from_ms, to_ms)`, one per `period_s` (1 = each raw sample),
/// aligned to the period; periods in which the server did not run are absent. `None` for an
/// unknown metric or a GPU metric of a server without GPUs.
pub fn series(
    load: &Load<'_>,
    metric: &str,
    from_ms: i64,
    to_ms: i64,
    period_s: i64,
) -> Option<Vec<Point>> {
    let step = (period_s * 1000).max(RAW_INTERVAL_MS);
    sample(load, metric, 0)?;
    let lo = from_ms.max(load.running_from_ms);
    let hi = to_ms.min(load.running_to_ms);
    let mut out = Vec::new();
    if lo >= hi {
        return Some(out);
    }
    // A raw point at `t` stands for [t, t + RAW_INTERVAL_MS): it exists when that interval
    // overlaps both the query and the running window (a server created a minute ago has one).
    let first = lo.div_euclid(RAW_INTERVAL_MS) * RAW_INTERVAL_MS;
    let mut bucket = first.div_euclid(step) * step;
    while bucket < hi {
        let mut raws = Vec::new();
        let mut t = bucket.max(first);
        while t < (bucket + step).min(hi) {
            if let Some(v) = sample(load, metric, t) {
                raws.push(v);
            }
            t += RAW_INTERVAL_MS;
        }
        if !raws.is_empty() {
            let n = raws.len() as f64;
            let sum: f64 = raws.iter().sum();
            let average = sum / n;
            let variance = raws.iter().map(|v| (v - average).powi(2)).sum::<f64>() / n;
            let r2 = |v: f64| (v * 100.0).round() / 100.0;
            out.push(Point {
                timestamp: bucket,
                average: r2(average),
                max: raws.iter().copied().fold(f64::MIN, f64::max),
                min: raws.iter().copied().fold(f64::MAX, f64::min),
                sum: r2(sum),
                variance: r2(variance),
            });
        }
        bucket += step;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(sessions: u32, gpus: u32) -> Load<'static> {
        Load {
            server_id: "srv-1",
            sessions,
            gpus,
            running_from_ms: 0,
            running_to_ms: 86_400_000,
        }
    }

    #[test]
    fn usage_follows_the_session_load() {
        let idle = series(&load(0, 0), "cpu_util", 0, 3_600_000, 3600).expect("known");
        let busy = series(&load(5, 0), "cpu_util", 0, 3_600_000, 3600).expect("known");
        assert_eq!((idle.len(), busy.len()), (1, 1));
        assert!(idle[0].average < 7.0, "{idle:?}");
        assert!(busy[0].average > 50.0, "{busy:?}");
        let full = series(&load(40, 0), "cpu_util", 0, 3_600_000, 3600).expect("known");
        assert_eq!(full[0].max, 100.0, "percentages are capped");
    }

    #[test]
    fn raw_points_every_five_minutes_and_aggregates_agree() {
        let l = load(2, 0);
        let raw = series(&l, "mem_util", 0, 3_600_000, 1).expect("known");
        assert_eq!(raw.len(), 12);
        assert!(raw
            .windows(2)
            .all(|w| w[1].timestamp - w[0].timestamp == 300_000));
        assert_eq!(raw[0].timestamp, 0);
        let hour = series(&l, "mem_util", 0, 3_600_000, 3600).expect("known");
        assert_eq!(hour.len(), 1);
        let sum: f64 = raw.iter().map(|p| p.average).sum();
        assert!((hour[0].sum - sum).abs() < 0.05, "{} vs {sum}", hour[0].sum);
        let max = raw.iter().map(|p| p.average).fold(f64::MIN, f64::max);
        assert_eq!(hour[0].max, max);
        assert!(hour[0].min <= hour[0].average && hour[0].average <= hour[0].max);
    }

    #[test]
    fn no_data_outside_the_running_window_and_deterministic() {
        let l = Load {
            running_from_ms: 1_800_000,
            running_to_ms: 2_700_000,
            ..load(1, 0)
        };
        let raw = series(&l, "cpu_util", 0, 3_600_000, 1).expect("known");
        assert_eq!(raw.len(), 3, "{raw:?}");
        assert!(raw
            .iter()
            .all(|p| (1_800_000..2_700_000).contains(&p.timestamp)));
        assert_eq!(raw, series(&l, "cpu_util", 0, 3_600_000, 1).expect("known"));
    }

    #[test]
    fn a_server_that_ran_part_of_an_interval_has_its_point() {
        let l = Load {
            running_from_ms: 1_000_000,
            running_to_ms: 1_060_000,
            ..load(0, 0)
        };
        let raw = series(&l, "cpu_util", 0, 3_600_000, 1).expect("known");
        assert_eq!(raw.len(), 1);
        assert_eq!(raw[0].timestamp, 900_000);
        let none = Load {
            running_to_ms: 1_000_000,
            ..l
        };
        assert!(series(&none, "cpu_util", 0, 3_600_000, 1)
            .expect("known")
            .is_empty());
    }

    #[test]
    fn samples_scatter_around_the_expected_value() {
        for (metric, gpus) in [("cpu_util", 0), ("mem_util", 0), ("gpu_usage_gpu", 2)] {
            let l = load(3, gpus);
            let pts = series(&l, metric, 0, 86_400_000, 1).expect("known");
            let mean = pts.iter().map(|p| p.average).sum::<f64>() / pts.len() as f64;
            let want = expected(metric, 3, gpus).expect("expected");
            assert!((mean - want).abs() < 0.3, "{metric}: {mean} vs {want}");
        }
        assert_eq!(expected("gpu_usage_gpu", 3, 0), None);
    }

    #[test]
    fn gpu_metrics_need_gpus_and_unknown_metrics_are_none() {
        assert!(series(&load(1, 0), "gpu_usage_gpu", 0, 600_000, 1).is_none());
        assert_eq!(
            series(&load(1, 1), "gpu_usage_gpu", 0, 600_000, 1)
                .expect("gpu")
                .len(),
            2
        );
        assert!(series(&load(1, 1), "nope", 0, 600_000, 1).is_none());
        assert_eq!(unit("SYS.ECS", "cpu_util"), Some("%"));
        assert_eq!(unit("AGT.ECS", "cpu_util"), None);
        assert_eq!(unit("SYS.FOO", "cpu_util"), None);
    }
}
