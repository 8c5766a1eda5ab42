//! Rendering of [`openwks_core::Error`] in the WorkspaceApp dialect:
//! `{"error_code","error_msg","request_id"}` with the status of its kind. The `X-Request-Id`
//! header is added to every response by the outer middleware.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openwks_api::error_body::WksErrorBody;
use openwks_core::{Error, ErrorKind};

use crate::request::current_request_id;

/// An error answered in the WorkspaceApp dialect.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = e.retry_after_secs();
        let message = if e.kind == ErrorKind::Internal {
            tracing::error!(code = e.code, cause = %e.message, "internal error");
            "The requested operation failed. Please try again later.".to_string()
        } else {
            e.message
        };
        let body = WksErrorBody {
            error_code: e.code.to_string(),
            error_msg: message,
            request_id: current_request_id(),
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if e.kind == ErrorKind::Unavailable {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
        }
        if let Some(secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        resp
    }
}

/// An error answered in the ECS (Nova) dialect: `{"error":{"code","message"}}`. Codes that are
/// not `Ecs.` codes fall back to the ECS code of their kind (`docs/errors.md`).
#[derive(Debug)]
pub struct EcsApiError(pub Error);

impl From<Error> for EcsApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// Handler result on ECS routes.
pub type EcsResult<T> = Result<T, EcsApiError>;

impl IntoResponse for EcsApiError {
    fn into_response(self) -> Response {
        use openwks_core::error::codes;
        let e = self.0;
        let status =
            StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = if e.code.starts_with("Ecs.") {
            e.code
        } else {
            match e.kind {
                ErrorKind::Invalid => codes::ECS_INVALID,
                ErrorKind::Internal => codes::ECS_INTERNAL,
                _ => e.code,
            }
        };
        let message = if e.kind == ErrorKind::Internal {
            tracing::error!(code = e.code, cause = %e.message, "internal error");
            "The requested operation failed. Please try again later.".to_string()
        } else {
            e.message
        };
        let body = openwks_api::error_body::EcsErrorBody {
            error: openwks_api::error_body::EcsError {
                code: code.to_string(),
                message,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

/// The answer of a delete: `204` when something was deleted, the vendor's 404 for `kind` `id`
/// when there was nothing.
pub fn deleted_or_not_found(
    d: openwks_store::Deleted,
    kind: &str,
    id: &str,
) -> ApiResult<Response> {
    match d {
        openwks_store::Deleted::Yes => Ok(StatusCode::NO_CONTENT.into_response()),
        openwks_store::Deleted::NotFound => Err(Error::not_found(kind, id).into()),
    }
}
