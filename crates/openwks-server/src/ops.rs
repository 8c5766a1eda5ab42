//! Operations routes, without authentication: `GET /health` and Prometheus `GET /metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::AppState;

/// `GET /health`.
pub async fn health(State(st): State<AppState>) -> Response {
    Json(serde_json::json!({
        "status": "ok",
        "region": st.settings.region,
        "replica": st.cluster.replica_id,
        "leader": st.cluster.is_leader(),
        "shared_database": st.store.shared(),
    }))
    .into_response()
}

/// `GET /metrics`: request metrics, event counters, and live sessions per group and server.
pub async fn metrics(State(st): State<AppState>) -> Response {
    use std::fmt::Write;
    let mut out = st.metrics.render();
    match st.store.live_sessions_by_server().await {
        Ok(rows) => {
            let mut groups: std::collections::BTreeMap<&str, u64> = Default::default();
            out.push_str("# HELP openwks_server_sessions Live sessions per server.\n# TYPE openwks_server_sessions gauge\n");
            for (g, s, n) in &rows {
                *groups.entry(g).or_default() += n;
                let _ = writeln!(
                    out,
                    "openwks_server_sessions{{server_group_id=\"{g}\",server_id=\"{s}\"}} {n}"
                );
            }
            out.push_str("# HELP openwks_group_sessions Live sessions per server group.\n# TYPE openwks_group_sessions gauge\n");
            for (g, n) in groups {
                let _ = writeln!(out, "openwks_group_sessions{{server_group_id=\"{g}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "session gauges unavailable"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
