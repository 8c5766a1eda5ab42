//! Operations routes, without authentication: `GET /health` and Prometheus `GET /metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::AppState;

/// `GET /health`.
pub async fn health(State(st): State<AppState>) -> Response {
    Json(serde_json::json!({"status": "ok", "region": st.settings.region})).into_response()
}

/// `GET /metrics`.
pub async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
        .into_response()
}
