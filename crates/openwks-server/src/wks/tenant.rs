//! The tenant's service (issue #17): `initialize_tenant` (`POST …/tenant/action/active`) and
//! the enterprise configuration `list_corp_config_info` (`POST …/bundles/batch-query-config-info`).
//!
//! What openwks decides where the vendor is silent (`docs/compatibility.md`): a project is
//! active from its creation (there is no sales order to wait for), so activating it is
//! idempotent and `active` is the only state it can be put in. The enterprise configuration
//! is what this openwks runs with, by documented key ([`CONFIG_KEYS`]); keys it does not know
//! are left out of the answer.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_core::error::Reason;
use openwks_core::validate::check_text;
use openwks_core::Error;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiResult;
use crate::request::{json_body, P};
use crate::AppState;

/// `InitializeTenantReq`.
#[derive(Debug, Default, Deserialize)]
struct InitializeTenantReq {
    service_status: Option<String>,
}

/// `ListConfigInfoReq`.
#[derive(Debug, Default, Deserialize)]
struct ListConfigInfoReq {
    items: Option<Vec<String>>,
}

/// The enterprise configuration keys openwks answers, and what each is.
pub const CONFIG_KEYS: &[(&str, &str)] = &[
    ("region", "the region the project is in (its name)"),
    ("max_server_groups", "server groups a project may have"),
    ("max_session", "the highest route_policy.max_session"),
    ("max_instances", "app servers a project may have"),
    (
        "access_agent_latest_version",
        "the access agent servers upgrade to",
    ),
    (
        "access_agent_shipped_version",
        "the access agent new servers run",
    ),
    (
        "server_boot_seconds",
        "how long a simulated server takes to boot or be torn down",
    ),
    (
        "scaling_interval_seconds",
        "how often the scaling controller runs (0: by hand)",
    ),
];

/// `initialize_tenant`: `{service_status}` → `{project_id, service_status}`. Only `active` is
/// accepted (a project is active from its creation; activating it again changes nothing).
pub async fn initialize_tenant(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: InitializeTenantReq = json_body(&body)?;
    let status = r
        .service_status
        .ok_or_else(|| Error::missing("service_status"))?;
    check_text("service_status", &status, 0, 32, Reason::InvalidParameter)?;
    if status != "active" {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!("service_status {status:?} cannot be set: an openwks project is active from its creation, and active is the only state it can be put in"),
        )
        .into());
    }
    let p = st
        .directory
        .project(&project_id)
        .ok_or_else(|| Error::not_found("project", &project_id))?;
    Ok(Json(json!({"project_id": p.id, "service_status": "active"})).into_response())
}

/// `list_corp_config_info`: `{items: [0..100 unique keys of 1–255 characters]}` →
/// `{config_infos: [{config_key, config_value}]}` for the keys openwks knows (at most 20).
pub async fn list_corp_config_info(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ListConfigInfoReq = json_body(&body)?;
    let keys = r.items.ok_or_else(|| Error::missing("items"))?;
    if keys.len() > 100 {
        return Err(Error::invalid(Reason::OutOfRange, "items holds at most 100 keys").into());
    }
    for (i, k) in keys.iter().enumerate() {
        check_text("items", k, 1, 255, Reason::InvalidParameter)?;
        if keys[..i].contains(k) {
            return Err(
                Error::invalid(Reason::InvalidParameter, format!("items names {k} twice")).into(),
            );
        }
    }
    let region = st
        .directory
        .project(&project_id)
        .map(|p| p.name)
        .unwrap_or_default();
    let q = &st.catalogue.quotas;
    let agent = &st.catalogue.access_agent;
    let value = |k: &str| -> Option<String> {
        Some(match k {
            "region" => region.clone(),
            "max_server_groups" => q.max_server_groups.to_string(),
            "max_session" => q.max_session.to_string(),
            "max_instances" => q.instances.to_string(),
            "access_agent_latest_version" => agent.latest_version.clone(),
            "access_agent_shipped_version" => agent.shipped_version.clone(),
            "server_boot_seconds" => st.settings.boot_delay.as_secs().to_string(),
            "scaling_interval_seconds" => st
                .settings
                .scaling_interval
                .map_or(0, |d| d.as_secs())
                .to_string(),
            _ => return None,
        })
    };
    let infos: Vec<_> = keys
        .iter()
        .filter_map(|k| value(k).map(|v| json!({"config_key": k, "config_value": v})))
        .take(20)
        .collect();
    Ok(Json(json!({ "config_infos": infos })).into_response())
}

#[cfg(test)]
mod tests {
    /// Every documented key is answered by the match above (no key documented and forgotten).
    #[test]
    fn every_documented_key_is_answered() {
        let src = include_str!("tenant.rs");
        for (k, _) in super::CONFIG_KEYS {
            assert!(src.contains(&format!("\"{k}\" =>")), "{k}");
        }
        let doc = include_str!("../../../../docs/compatibility.md");
        for (k, _) in super::CONFIG_KEYS {
            assert!(
                doc.contains(&format!("`{k}`")),
                "docs/compatibility.md lacks {k}"
            );
        }
    }
}
