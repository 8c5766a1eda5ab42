//! The baseline server: axum on tokio like openwks, the same routes and the same JSON bodies
//! (rendered by the same converters from the same domain values), but no authentication, no
//! store, no validation beyond parsing. What openwks reaches of its throughput is the cost of
//! signing checks, rules and durable storage.

use std::io::Write;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use openwks_api::wks::convert;
use openwks_api::wks::server_group::{CreateServerGroupReq, ListResponse, UpdateServerGroupReq};
use openwks_core::catalogue::Catalogue;
use openwks_core::server_group::ServerGroupView;

struct Fixture {
    cat: Catalogue,
    view: ServerGroupView,
}

async fn show(
    State(f): State<Arc<Fixture>>,
    Path((_p, id)): Path<(String, String)>,
) -> impl IntoResponse {
    let mut v = f.view.clone();
    v.group.id = id;
    Json(convert::show_server_group(&f.cat, &v, "cn-north-4"))
}

async fn list(State(f): State<Arc<Fixture>>, Path(_p): Path<String>) -> impl IntoResponse {
    let items = (0..100)
        .map(|_| convert::server_group(&f.cat, &f.view))
        .collect();
    Json(ListResponse {
        count: 10_000,
        items,
    })
}

async fn create(
    State(f): State<Arc<Fixture>>,
    Path(_p): Path<String>,
    body: Bytes,
) -> axum::response::Response {
    match serde_json::from_slice::<CreateServerGroupReq>(&body) {
        Ok(req) => {
            let mut v = f.view.clone();
            v.group.name = req.name.unwrap_or_default();
            Json(convert::server_group(&f.cat, &v)).into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn update(Path((_p, _id)): Path<(String, String)>, body: Bytes) -> StatusCode {
    match serde_json::from_slice::<UpdateServerGroupReq>(&body) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// A launch answered from the request alone: the same response type, no routing, no store.
async fn launch(Path(_p): Path<String>, body: Bytes) -> axum::response::Response {
    match serde_json::from_slice::<openwks_api::ext::LaunchReq>(&body) {
        Ok(req) => Json(openwks_api::ext::LaunchResponse {
            session_id: Some(uuid::Uuid::new_v4().simple().to_string()),
            server_id: Some("00000000-0000-0000-0000-000000000000".into()),
            machine_name: Some("bench-000000".into()),
            vm_ip: Some("192.168.0.10".into()),
            server_group_id: Some("00000000-0000-0000-0000-000000000001".into()),
            app_group_id: req.app_group_id.unwrap_or_default(),
            app_id: req.app_id.unwrap_or_default(),
            session_state: Some("Active".into()),
            primary_server_group_id: "00000000-0000-0000-0000-000000000001".into(),
            secondary_server_group_id: None,
            reused: false,
            dry_run: false,
            explanation: None,
            policies: None,
            policy_sources: None,
            mounts: Vec::new(),
        })
        .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The baseline router.
pub fn router() -> anyhow::Result<Router> {
    let cat = Catalogue::default_for("cn-north-4").map_err(|e| anyhow::anyhow!("{e}"))?;
    let view =
        openwks_core::fixtures::view(&cat, openwks_core::fixtures::create_spec("bench-baseline"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let f = Arc::new(Fixture { cat, view });
    Ok(Router::new()
        .route("/v1/{project_id}/app-server-groups", get(list).post(create))
        .route(
            "/v1/{project_id}/app-server-groups/{id}",
            get(show).patch(update),
        )
        .route(
            "/openwks/v1/{project_id}/app-launches",
            axum::routing::post(launch),
        )
        .route("/health", get(|| async { "ok" }))
        .with_state(f))
}

/// Serve the baseline until killed.
pub async fn serve(listen: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("baseline listening on http://{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    axum::serve(listener, router()?).await?;
    Ok(())
}
