//! Handlers of the WorkspaceApp v1 API, one module per resource.

pub mod access_agent;
pub mod app;
pub mod app_group;
pub mod app_server;
pub mod authorization;
pub mod catalogue;
pub mod cloud_storage;
pub mod hotspot;
pub mod image_server;
pub mod metrics;
pub mod operations;
pub mod policy_group;
pub mod scaling_policy;
pub mod schedule_task;
pub mod server_group;
pub mod session;
pub mod storage;
pub mod tags;
pub mod tenant;
pub mod warehouse;

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::server_group::{ValidateNameReq, ValidateResponse};
use openwks_core::Error;

use crate::error::ApiResult;
use crate::request::json_body;

/// `200` with an empty body: what the vendor answers for operations whose SDK response has no
/// fields (update, delete).
pub fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// The vendor's `StringSet` (`items`): 1–20 ids of 1–128 characters, none twice.
pub fn string_set(items: Option<Vec<String>>) -> openwks_core::Result<Vec<String>> {
    string_set_of("items", items, 20)
}

/// A `StringSet` under another key or bound: 1 to `max` ids of 1–128 characters, none twice.
pub fn string_set_of(
    field: &str,
    items: Option<Vec<String>>,
    max: usize,
) -> openwks_core::Result<Vec<String>> {
    use openwks_core::error::Reason;
    let ids = items.ok_or_else(|| Error::missing(field))?;
    if ids.is_empty() || ids.len() > max {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("{field} must hold 1 to {max} ids"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        openwks_core::validate::check_text(field, id, 1, 128, Reason::InvalidParameter)?;
        if ids[..i].contains(id) {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("{field} names {id} twice"),
            ));
        }
    }
    Ok(ids)
}

/// `204 No Content` (tag writes: the vendor's Terraform provider accepts only 204).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The answer of a name check (`rules/validate` of server groups and app groups, `actions/check`
/// of apps): `result` is true when the name may be used; otherwise `validate_rule` says why —
/// `naming` (`valid` refuses it) or `duplicate` (`taken` says it is used, by a resource the
/// caller can see).
pub async fn validate_name<F, Fut>(
    body: &Bytes,
    valid: fn(&str) -> bool,
    taken: F,
) -> ApiResult<Response>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = openwks_core::Result<bool>>,
{
    let req: ValidateNameReq = json_body(body)?;
    let name = req.name.ok_or_else(|| Error::missing("name"))?;
    let rule = if !valid(&name) {
        Some("naming")
    } else if taken(name).await? {
        Some("duplicate")
    } else {
        None
    };
    Ok(Json(ValidateResponse {
        result: rule.is_none(),
        validate_rule: rule.map(str::to_string),
    })
    .into_response())
}
