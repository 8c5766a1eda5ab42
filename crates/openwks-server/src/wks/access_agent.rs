//! Access agents (the vendor's HDA, issue #17): `/v1/{project_id}/app-servers/access-agent…`,
//! six operations. Every app server runs an agent version (the catalogue's `shipped_version` when
//! it is built); an upgrade is an `UPGRADE_ACCESS_AGENT` job over running servers, each of which
//! takes no new sessions until the job ends and then runs the catalogue's `latest_version`; each
//! server keeps its last upgrade as its upgrade record.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_core::compute::{server_status, Server};
use openwks_core::error::Reason;
use openwks_core::Error;
use openwks_store::AppServerFilter;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::jobs::start_job;
use crate::request::{json_body, Query, P};
use crate::AppState;

/// `BatchUpgradeHdaVersionReq` (`StringSet`).
#[derive(Debug, Default, Deserialize)]
struct UpgradeReq {
    items: Option<Vec<String>>,
}

/// Every app server of a project that `f` selects, oldest first.
async fn servers(
    st: &AppState,
    project_id: &str,
    f: AppServerFilter,
) -> openwks_core::Result<Vec<Server>> {
    Ok(st
        .store
        .list_app_servers(project_id.to_string(), f, 0, i64::MAX)
        .await?
        .1)
}

/// Group names by id, for the servers' views.
async fn group_names(
    st: &AppState,
    project_id: &str,
    servers: &[Server],
) -> openwks_core::Result<std::collections::HashMap<String, String>> {
    let ids: std::collections::BTreeSet<String> = servers
        .iter()
        .filter_map(|s| s.app.as_ref().map(|a| a.server_group_id.clone()))
        .collect();
    let mut names = std::collections::HashMap::new();
    for g in ids {
        let name = st
            .store
            .server_group(project_id.to_string(), g.clone())
            .await?
            .map(|v| v.group.name)
            .unwrap_or_default();
        names.insert(g, name);
    }
    Ok(names)
}

/// `list_access_agent_latest_version`: `GET …/access-agent/actions/show-latest-version`.
pub async fn list_access_agent_latest_version(
    P(_p): P<String>,
    State(st): State<AppState>,
) -> ApiResult<Response> {
    let a = &st.catalogue.access_agent;
    Ok(
        Json(json!({"items": [{"hda_type": a.hda_type, "latest_version": a.latest_version}]}))
            .into_response(),
    )
}

/// `show_access_agent_latest_version`: `GET …/access-agent/latest-version`.
pub async fn show_access_agent_latest_version(
    P(_p): P<String>,
    State(st): State<AppState>,
) -> ApiResult<Response> {
    Ok(Json(json!({"latest_version": st.catalogue.access_agent.latest_version})).into_response())
}

/// `show_hda_upgrade_flag`: `GET …/access-agent/upgrade-flag`: `1` when some app server of the
/// project runs an older agent than the latest (an upgrade is available), else `0`.
pub async fn show_hda_upgrade_flag(
    State(st): State<AppState>,
    P(project_id): P<String>,
) -> ApiResult<Response> {
    let latest = st.catalogue.access_agent.latest_version.clone();
    let older = servers(&st, &project_id, AppServerFilter::default())
        .await?
        .iter()
        .filter_map(|s| s.app.as_ref())
        .any(|a| a.agent_version != latest);
    Ok(Json(json!({"upgrade_flag": i32::from(older)})).into_response())
}

/// `list_server_hda_details`: `GET …/access-agent/list?offset&limit&server_group_id&server_name`
/// (`server_name`: part of the name).
pub async fn list_server_hda_details(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    for k in ["server_group_id", "server_name"] {
        if q.str(k).is_some_and(|v| v.chars().count() > 128) {
            return Err(Error::invalid(
                Reason::InvalidQuery,
                format!("{k} is at most 128 characters"),
            )
            .into());
        }
    }
    let f = AppServerFilter {
        server_group_id: q.string("server_group_id"),
        name_contains: q.string("server_name"),
        ..AppServerFilter::default()
    };
    let all = servers(&st, &project_id, f).await?;
    let (count, page) = openwks_core::paging::page(all, offset, limit);
    let names = group_names(&st, &project_id, &page).await?;
    let counts = st
        .store
        .live_session_counts(page.iter().map(|s| s.id.clone()).collect())
        .await?;
    let items: Vec<Value> = page
        .iter()
        .filter_map(|s| s.app.as_ref().map(|a| (s, a)))
        .map(|(s, a)| {
            json!({
                "server_id": s.id, "server_name": s.name, "machine_name": s.name.to_uppercase(),
                "maintain_status": a.maintain_status, "server_group_id": a.server_group_id,
                "server_group_name": names.get(&a.server_group_id).cloned().unwrap_or_default(),
                "sid": crate::simulated::identity(&s.id, &s.vpc_id).sid,
                "session_count": counts.get(&s.id).copied().unwrap_or(0),
                "status": server_status(s), "current_version": a.agent_version,
            })
        })
        .collect();
    Ok(Json(json!({"count": count, "items": items})).into_response())
}

/// `list_server_hda_upgrade_records`: `GET …/access-agent/upgrade-record?offset&limit`: each
/// server's last upgrade, the most recent first (`upgrade_time` `yyyy-MM-dd HH:mm:ss`, UTC).
pub async fn list_server_hda_upgrade_records(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let mut upgraded: Vec<Server> = servers(&st, &project_id, AppServerFilter::default())
        .await?
        .into_iter()
        .filter(|s| s.app.as_ref().is_some_and(|a| a.agent_upgrade.is_some()))
        .collect();
    let time = |s: &Server| {
        s.app
            .as_ref()
            .and_then(|a| a.agent_upgrade.as_ref())
            .map(|u| u.time.clone())
            .unwrap_or_default()
    };
    upgraded.sort_by_key(|s| std::cmp::Reverse(time(s)));
    let (count, page) = openwks_core::paging::page(upgraded, offset, limit);
    let names = group_names(&st, &project_id, &page).await?;
    let items: Vec<Value> = page
        .iter()
        .filter_map(|s| {
            s.app
                .as_ref()
                .and_then(|a| a.agent_upgrade.as_ref().map(|u| (s, a, u)))
        })
        .map(|(s, a, u)| {
            let at = openwks_core::time::Timestamp::parse(&u.time)
                .and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t.ms()))
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default();
            json!({
                "server_id": s.id, "server_name": s.name, "machine_name": s.name.to_uppercase(),
                "server_group_name": names.get(&a.server_group_id).cloned().unwrap_or_default(),
                "sid": crate::simulated::identity(&s.id, &s.vpc_id).sid,
                "current_version": a.agent_version, "target_version": u.to,
                "upgrade_status": u.status, "upgrade_time": at,
            })
        })
        .collect();
    Ok(Json(json!({"count": count, "items": items})).into_response())
}

/// `batch_upgrade_hda_version`: `PATCH …/access-agent/actions/upgrade` `{items: [1..20 server
/// ids, unique]}` → `{job_id}`: running servers on another version upgrade to the latest, all
/// or nothing.
pub async fn batch_upgrade_hda_version(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpgradeReq = json_body(&body)?;
    let ids = super::string_set(r.items)?;
    let target = st.catalogue.access_agent.latest_version.clone();
    let job_id = start_job(&st, &project_id, |job, now| {
        st.store
            .upgrade_access_agents(project_id.clone(), ids, target, job, now)
    })
    .await?;
    Ok(Json(json!({"job_id": job_id})).into_response())
}
