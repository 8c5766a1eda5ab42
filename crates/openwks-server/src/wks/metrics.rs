//! App-server monitoring data: `show_server_metric_data` and `list_server_metric_data`, answered
//! from the simulation in `openwks_core::metrics` (usage follows the server's session load).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime};
use openwks_core::compute::Server;
use openwks_core::error::Reason;
use openwks_core::metrics::{self, Load, Point};
use openwks_core::Error;
use serde_json::{json, Map, Value};

use crate::error::ApiResult;
use crate::request::{Query, P};
use crate::AppState;

use super::app_server::load;

/// `show_server_metric_data`'s fields and the `SYS.ECS` metric each one carries.
const SHOW_FIELDS: &[(&str, &str)] = &[
    ("cpu_info", "cpu_util"),
    ("memory_info", "mem_util"),
    ("disk_util_inband", "disk_util_inband"),
    ("disk_read_bytes_rate", "disk_read_bytes_rate"),
    ("disk_write_bytes_rate", "disk_write_bytes_rate"),
    ("disk_read_requests_rate", "disk_read_requests_rate"),
    ("disk_write_requests_rate", "disk_write_requests_rate"),
    (
        "network_incoming_bytes_rate_inband",
        "network_incoming_bytes_rate_inband",
    ),
    (
        "network_outgoing_bytes_rate_inband",
        "network_outgoing_bytes_rate_inband",
    ),
    (
        "network_incoming_bytes_aggregate_rate",
        "network_incoming_bytes_aggregate_rate",
    ),
    (
        "network_outgoing_bytes_aggregate_rate",
        "network_outgoing_bytes_aggregate_rate",
    ),
    ("network_vm_connections", "network_vm_connections"),
];

fn epoch_ms(rfc3339: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A UTC time as the SDK sends it: RFC 3339, or Python's `isoformat()` of a naive datetime
/// (no offset, read as UTC).
fn parse_time(field: &str, raw: &str) -> Result<i64, Error> {
    if let Some(ms) = epoch_ms(raw) {
        return Ok(ms);
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidParameter,
                format!("{field} must be a UTC time like 2021-05-11T11:45:42.000Z, got {raw:?}"),
            )
        })
}

/// The window in which the server ran: from its creation to now while it runs, to its last
/// change when it stopped; none while it builds or after it failed.
fn running_window(s: &Server, now_ms: i64) -> (i64, i64) {
    let from = epoch_ms(&s.created).unwrap_or(now_ms);
    let to = match s.status.as_str() {
        "BUILD" | "ERROR" => from,
        "SHUTOFF" | "DELETING" => epoch_ms(&s.updated).unwrap_or(now_ms),
        _ => now_ms,
    };
    (from, to.max(from))
}

fn load_of(s: &Server, sessions: u32, now_ms: i64) -> Load<'_> {
    let (running_from_ms, running_to_ms) = running_window(s, now_ms);
    Load {
        server_id: &s.id,
        // The live session count now (the series is modelled on it).
        sessions,
        gpus: s.gpus,
        running_from_ms,
        running_to_ms,
    }
}

fn check_range(from: i64, to: i64, period_s: i64) -> Result<(), Error> {
    if from >= to {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "the start time must be before the end time",
        ));
    }
    let step = (period_s * 1000).max(metrics::RAW_INTERVAL_MS);
    if (to - from) / step > metrics::MAX_POINTS {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!(
                "the range holds more than {} points of {period_s} s; use a longer period",
                metrics::MAX_POINTS
            ),
        ));
    }
    Ok(())
}

/// `show_server_metric_data`: `GET /v1/{project_id}/app-servers/metric-data/{server_id}
/// ?start_time=&end_time=&metric_name=`: five-minute averages of one metric, or of all of them
/// when `metric_name` is empty.
pub async fn show_server_metric_data(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let start = q
        .str("start_time")
        .ok_or_else(|| Error::missing("start_time"))?;
    let end = q
        .str("end_time")
        .ok_or_else(|| Error::missing("end_time"))?;
    let (from, to) = (
        parse_time("start_time", start)?,
        parse_time("end_time", end)?,
    );
    check_range(from, to, 300)?;
    let wanted = q.str("metric_name").filter(|m| !m.is_empty());
    if let Some(m) = wanted {
        if !SHOW_FIELDS.iter().any(|(_, metric)| *metric == m) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("unknown metric_name {m:?}"),
            )
            .into());
        }
    }
    let s = load(&st, &project_id, &id).await?;
    let n = super::app_server::sessions_on(&st, &s.id).await?;
    let l = load_of(&s, n, st.now_ms());
    let mut out = Map::new();
    for (field, metric) in SHOW_FIELDS {
        if wanted.is_some_and(|m| m != *metric) {
            continue;
        }
        let points = metrics::series(&l, metric, from, to, 300).unwrap_or_default();
        let points: Vec<Value> = points
            .iter()
            .map(|p| json!({"average": p.average, "timestamp": p.timestamp}))
            .collect();
        out.insert((*field).to_string(), Value::Array(points));
    }
    Ok(Json(Value::Object(out)).into_response())
}

fn required<'a>(q: &'a Query, field: &str) -> Result<&'a str, Error> {
    q.str(field)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::missing(field))
}

fn filtered(p: &Point, filter: &str) -> f64 {
    match filter {
        "max" => p.max,
        "min" => p.min,
        "sum" => p.sum,
        "variance" => p.variance,
        _ => p.average,
    }
}

/// `list_server_metric_data`: `GET /v1/{project_id}/app-servers/server-metric-data/{server_id}
/// ?namespace=&metric_name=&from=&to=&period=&filter=` (all required; times in epoch ms):
/// Cloud Eye-style points carrying the asked aggregation and the unit. A GPU metric of a server
/// without GPUs has no points.
pub async fn list_server_metric_data(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    q: Query,
) -> ApiResult<Response> {
    let namespace = required(&q, "namespace")?;
    let metric = required(&q, "metric_name")?;
    let from = required(&q, "from")?;
    let to = required(&q, "to")?;
    let filter = required(&q, "filter")?;
    let period = q.i64("period")?.ok_or_else(|| Error::missing("period"))?;
    if !["SYS.ECS", "AGT.ECS"].contains(&namespace) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("namespace must be SYS.ECS or AGT.ECS, got {namespace:?}"),
        )
        .into());
    }
    let unit = metrics::unit(namespace, metric).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidParameter,
            format!("namespace {namespace} has no metric {metric:?}"),
        )
    })?;
    if !metrics::PERIODS.contains(&period) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "period must be one of 1, 300, 1200, 3600, 14400, 86400",
        )
        .into());
    }
    if !metrics::FILTERS.contains(&filter) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "filter must be one of average, max, min, sum, variance",
        )
        .into());
    }
    let ms = |field: &str, v: &str| {
        v.parse::<i64>().map_err(|_| {
            Error::invalid(
                Reason::InvalidParameter,
                format!("{field} must be a UNIX time in milliseconds, got {v:?}"),
            )
        })
    };
    let (from, to) = (ms("from", from)?, ms("to", to)?);
    check_range(from, to, period)?;
    let s = load(&st, &project_id, &id).await?;
    let n = super::app_server::sessions_on(&st, &s.id).await?;
    let l = load_of(&s, n, st.now_ms());
    let points: Vec<Value> = metrics::series(&l, metric, from, to, period)
        .unwrap_or_default()
        .iter()
        .map(|p| json!({filter: filtered(p, filter), "timestamp": p.timestamp, "unit": unit}))
        .collect();
    Ok(Json(json!({"server_metrics": [{
        "metric_name": metric, "datapoints": points, "dimension_value": s.id,
    }]}))
    .into_response())
}
