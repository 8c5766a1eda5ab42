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
use openwks_core::server_group::{CreateContext, CreateSpec, ServerGroupView};

struct Fixture {
    cat: Catalogue,
    view: ServerGroupView,
}

/// A server group as openwks would store it (same catalogue, same rules).
fn sample_view(cat: &Catalogue) -> anyhow::Result<ServerGroupView> {
    let spec = CreateSpec {
        name: Some("bench-baseline".into()),
        image_id: Some("6f4d1f2a-2019-4b6e-9c0d-000000000001".into()),
        image_type: Some("public".into()),
        os_type: Some("Windows".into()),
        product_id: Some("workspace.appstream.general.xlarge.2".into()),
        vpc_id: Some("vpc".into()),
        subnet_id: Some("subnet".into()),
        system_disk_type: Some("SAS".into()),
        system_disk_size: Some(80),
        ..CreateSpec::default()
    };
    let vpc = openwks_core::network::Vpc {
        id: "vpc".into(),
        project_id: "p".into(),
        name: "vpc-default".into(),
        cidr: "192.168.0.0/16".into(),
        description: String::new(),
        enterprise_project_id: "0".into(),
        created_at: String::new(),
    };
    let subnet = openwks_core::network::Subnet {
        id: "subnet".into(),
        project_id: "p".into(),
        vpc_id: "vpc".into(),
        name: "subnet-default".into(),
        cidr: "192.168.0.0/24".into(),
        gateway_ip: "192.168.0.1".into(),
        description: String::new(),
        dhcp_enable: true,
        primary_dns: String::new(),
        secondary_dns: String::new(),
        availability_zone: String::new(),
        created_at: String::new(),
    };
    let ctx = CreateContext {
        catalogue: cat,
        vpc: Some(&vpc),
        subnet: Some(&subnet),
        id: "00000000-0000-4000-8000-000000000000".into(),
        project_id: "p".into(),
        now: openwks_core::time::now_rfc3339(),
        az_pick: 0,
    };
    let group = spec.validate(&ctx).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(ServerGroupView {
        group,
        secondary_ids: vec![],
        subnet_name: "subnet-default".into(),
        app_group_count: 0,
        app_server_count: 0,
    })
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

/// The baseline router.
pub fn router() -> anyhow::Result<Router> {
    let cat = Catalogue::default_for("cn-north-4").map_err(|e| anyhow::anyhow!("{e}"))?;
    let view = sample_view(&cat)?;
    let f = Arc::new(Fixture { cat, view });
    Ok(Router::new()
        .route("/v1/{project_id}/app-server-groups", get(list).post(create))
        .route(
            "/v1/{project_id}/app-server-groups/{id}",
            get(show).patch(update),
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
