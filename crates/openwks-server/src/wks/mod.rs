//! Handlers of the WorkspaceApp v1 API, one module per resource.

pub mod app;
pub mod app_group;
pub mod app_server;
pub mod authorization;
pub mod catalogue;
pub mod metrics;
pub mod operations;
pub mod scaling_policy;
pub mod server_group;
pub mod session;
pub mod tags;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `200` with an empty body: what the vendor answers for operations whose SDK response has no
/// fields (update, delete).
pub fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// `204 No Content` (tag writes: the vendor's Terraform provider accepts only 204).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
