//! App servers: create (into the server group's own anti-affinity ECS group), list, show,
//! update, delete, batch delete; and the WKS job views.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::app_server::{
    BatchDeleteServerReq, BatchDeleteSubJobsReq, BatchMigrateServerReq, BatchRejoinDomainReq,
    CreateAppServerReq, CreateAppServersResponse, CreateOrderReq, JobDetailInfo, JobIdResponse,
    JobResourceInfo, RebuildServerReq, ShowJobDetailResponse, UpdateServerReq, UpdateTsviReq,
};
use openwks_api::wks::convert;
use openwks_api::wks::server_group::ListResponse;
use openwks_core::compute::{server_status, Job, Server};
use openwks_core::error::Reason;
use openwks_core::validate::check_range;
use openwks_core::Error;
use openwks_store::AppServerFilter;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::jobs::start_job;
use crate::request::{json_body, Query, P};
use crate::service::app_server::NewServers;
use crate::AppState;

use super::empty_ok;

fn wks_job_type(t: &str) -> &'static str {
    match t {
        "deleteServer" => "DELETE_SERVER",
        "rebuildServer" => "REINSTALL_OS",
        "changeImage" => "CHANGE_SERVER_IMAGE",
        "rejoinDomain" => "REJOIN_DOMAIN",
        "updateTsvi" => "UPDATE_SERVER_TSVI",
        "migrateServer" => "MIGRATE_SERVER",
        "createServer" => "CREATE_SERVER",
        "upgradeAccessAgent" => "UPGRADE_ACCESS_AGENT",
        _ => "SCHEDULED_TASK",
    }
}

fn wks_status(s: &str) -> &'static str {
    match s {
        "SUCCESS" => "SUCCESS",
        "FAIL" => "FAILED",
        _ => "RUNNING",
    }
}

/// The `AppServer` of a server with its live sessions.
fn app_server(
    st: &AppState,
    cat: &openwks_core::catalogue::Catalogue,
    s: &Server,
    group_name: &str,
    sessions: u32,
    job: Option<&Job>,
) -> Value {
    let app = s.app.clone();
    let product = app
        .as_ref()
        .and_then(|a| st.catalogue.product(&a.product_id))
        .map(|p| convert::product_info(&st.catalogue, p));
    let nic = crate::simulated::identity(&s.id, &s.vpc_id);
    let os_version = cat
        .image(&s.image_id)
        .map(|i| i.os_version.clone())
        .unwrap_or_default();
    // The domain a registered server joined: its OU's, under the simulated directory.
    let domain = "openwks.local";
    let mut out = json!({
        "id": s.id, "name": s.name, "machine_name": s.name.to_uppercase(), "description": app.as_ref().map(|a| a.description.clone()).unwrap_or_default(),
        "server_group_id": app.as_ref().map(|a| a.server_group_id.clone()).unwrap_or_default(),
        "flavor": {"id": s.flavor_id, "links": []},
        "status": server_status(s), "vm_status": s.status, "task_status": if s.status == "BUILD" { "spawning" } else { "null" },
        "create_time": s.created, "update_time": s.updated, "image_id": s.image_id, "availability_zone": s.availability_zone,
        "ou_name": app.as_ref().map(|a| a.ou_name.clone()).unwrap_or_default(), "instance_id": s.id,
        "os_type": app.as_ref().map(|a| a.os_type.clone()).unwrap_or_default(),
        "maintain_status": app.as_ref().is_some_and(|a| a.maintain_status),
        "scaling_auto_create": app.as_ref().is_some_and(|a| a.scaling_auto_create),
        "job_id": s.job_id, "host_id": s.host_id.clone().unwrap_or_default(), "server_group_name": group_name,
        "product_info": product, "metadata": {}, "session_count": sessions, "freeze": [], "enterprise_project_id": "0", "tags": [],
        "host_address": [{"addr": s.ip, "version": 4, "vpc_id": s.vpc_id, "subnet_id": s.subnet_id, "OS-EXT-IPS:type": "fixed",
                          "OS-EXT-IPS-MAC:mac_addr": nic.mac, "OS-EXT-IPS:port_id": nic.port_id, "tenant_type": "tenant"}],

        "addresses": {s.vpc_id.clone(): [{"addr": s.ip, "version": "4", "OS-EXT-IPS:type": "fixed"}]},
        "root_volume": {"type": s.root_volume_type, "size": s.root_volume_size},
    });
    for (k, v) in [
        ("sid", json!(nic.sid)),
        ("domain", json!(domain)),
        ("os_version", json!(os_version)),
        ("order_id", json!("")),
        ("resource_pool_id", json!("")),
        ("resource_pool_type", json!("public")),
    ] {
        out[k] = v;
    }
    // openwks extension: a drain in force (`docs/extensions.md`); absent otherwise.
    if let Some(d) = app.as_ref().and_then(|a| a.drain.as_ref()) {
        out["drain"] = json!(crate::ext::drain::drain_view(d));
    }
    // The server's last job (`job_id`): its vendor type, state and time. A job deleted since
    // leaves only the id.
    if let Some(j) = job {
        out["job_type"] = json!(wks_job_type(&j.job_type));
        out["job_status"] = json!(wks_status(&j.status));
        out["job_time"] = json!(if j.end_time.is_empty() {
            &j.begin_time
        } else {
            &j.end_time
        });
    }
    out
}

/// The last job of a server, when it is still there.
async fn last_job(st: &AppState, s: &Server) -> openwks_core::Result<Option<Job>> {
    if s.job_id.is_empty() {
        return Ok(None);
    }
    st.store.job(s.project_id.clone(), s.job_id.clone()).await
}

/// `create_app_servers`: `POST /v1/{project_id}/app-servers/actions/create` → `{job_id}`.
pub async fn create_app_servers(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateAppServerReq = json_body(&body)?;
    match req.type_.as_deref() {
        Some("createApps") => {}
        Some(t) => {
            return Err(Error::invalid(
                Reason::InvalidEnum,
                format!("type must be createApps, got {t:?}"),
            )
            .into())
        }
        None => return Err(Error::missing("type").into()),
    }
    let job = create_from(&st, &project_id, req).await?;
    Ok(Json(CreateAppServersResponse {
        job_id: job.id,
        order_id: None,
    })
    .into_response())
}

/// `create_order`: `POST /v1/{project_id}/bundles/subscribe/order` `{type: "createApps",
/// resources: [{create_services, subscription_num, period_type?, period_num?, is_auto_renew?}]}`
/// → `{order_id}`: a period order of app servers. openwks bills nothing: the order counts as
/// paid at once and its servers are created as `create_app_servers` creates them (a job; the
/// servers appear in their group).
pub async fn create_order(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateOrderReq = json_body(&body)?;
    match r.type_.as_deref() {
        Some("createApps") => {}
        Some(t) => {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("type must be createApps, got {t:?}"),
            )
            .into())
        }
        None => return Err(Error::missing("type").into()),
    }
    let mut resources = r.resources.ok_or_else(|| Error::missing("resources"))?;
    if resources.len() != 1 {
        return Err(Error::invalid(Reason::OutOfRange, "resources must hold one resource").into());
    }
    let res = resources.remove(0);
    for (field, v, lo, hi) in [
        ("period_type", res.period_type, 0, 6),
        ("period_num", res.period_num, 1, i64::from(i32::MAX)),
        ("is_auto_renew", res.is_auto_renew, 0, 1),
    ] {
        if let Some(v) = v {
            check_range(field, v, lo, hi)?;
        }
    }
    let count = res
        .subscription_num
        .ok_or_else(|| Error::missing("subscription_num"))?;
    let cs = res
        .create_services
        .ok_or_else(|| Error::missing("create_services"))?;
    let job = create_from(
        &st,
        &project_id,
        CreateAppServerReq {
            type_: Some("createApps".into()),
            server_group_id: cs.server_group_id,
            availability_zone: cs.availability_zone,
            subscription_num: Some(count),
            nics: cs.nics,
            ou_name: cs.ou_name,
            product_id: cs.product_id,
            flavor_id: cs.flavor_id,
            os_type: cs.os_type,
            root_volume: cs.root_volume,
            subnet_id: cs.subnet_id,
            vpc_id: cs.vpc_id,
        },
    )
    .await?;
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(st.now_ms())
        .unwrap_or_default()
        .format("%y%m%d%H%M%S");
    let tail: String = st.new_hex_id(3).chars().take(5).collect();
    let order_id = format!("CS{at}{}", tail.to_uppercase());
    tracing::info!(order = %order_id, job = %job.id, "order paid at once: servers created");
    Ok(Json(serde_json::json!({"order_id": order_id})).into_response())
}

/// App servers of a `createApps` request (`create_app_servers`, and an order's
/// `create_services`): checked like the vendor does, created by `service::app_server::create`.
pub(crate) async fn create_from(
    st: &AppState,
    project_id: &str,
    req: CreateAppServerReq,
) -> openwks_core::Result<Job> {
    let project_id = project_id.to_string();
    let sg_id = req
        .server_group_id
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing("server_group_id"))?;
    let sg = st
        .store
        .server_group(project_id.clone(), sg_id.clone())
        .await?
        .ok_or_else(|| Error::not_found("server group", &sg_id))?
        .group;
    let product_id = req
        .product_id
        .clone()
        .ok_or_else(|| Error::missing("product_id"))?;
    st.catalogue.product(&product_id).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidProduct,
            format!("product {product_id} does not exist"),
        )
    })?;
    let count = check_range(
        "subscription_num",
        req.subscription_num
            .ok_or_else(|| Error::missing("subscription_num"))?,
        1,
        100,
    )?;
    let vpc_id = req.vpc_id.clone().ok_or_else(|| Error::missing("vpc_id"))?;
    let subnet_id = req
        .subnet_id
        .clone()
        .ok_or_else(|| Error::missing("subnet_id"))?;
    let root = req
        .root_volume
        .clone()
        .ok_or_else(|| Error::missing("root_volume"))?;
    let az = req
        .availability_zone
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| sg.availability_zone.clone());
    if let Some(a) = st.catalogue.az(&az) {
        if !st.catalogue.sold_in(a, &product_id) {
            return Err(Error::invalid(
                Reason::InvalidProduct,
                format!("product {product_id} is not sold in availability zone {az}"),
            ));
        }
    } else {
        return Err(Error::invalid(
            Reason::InvalidAz,
            format!("availability zone {az} does not exist"),
        ));
    }
    let (job, _) = crate::service::app_server::create(
        st,
        &project_id,
        &sg,
        NewServers {
            product_id,
            vpc_id,
            subnet_id,
            root_type: root.type_,
            root_size: root.size,
            az,
            count,
            ou_name: req.ou_name,
            scaling_auto_create: false,
        },
    )
    .await?;
    Ok(job)
}

/// `list_servers`: `GET /v1/{project_id}/app-servers` with its filters.
pub async fn list_servers(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = AppServerFilter {
        server_group_id: q.str("server_group_id").map(str::to_string),
        name_contains: q
            .str("server_name")
            .or(q.str("machine_name"))
            .map(str::to_string),
        server_id: q.str("server_id").map(str::to_string),
        ip: q.str("ip_addr").map(str::to_string),
        maintain_status: q.bool("maintain_status")?,
        scaling_auto_create: q.bool("scaling_auto_create")?,
    };
    let (count, servers) = st
        .store
        .list_app_servers(project_id.clone(), f, offset, limit)
        .await?;
    let counts = st
        .store
        .live_session_counts(servers.iter().map(|s| s.id.clone()).collect())
        .await?;
    let images: Vec<&str> = servers.iter().map(|s| s.image_id.as_str()).collect();
    let cat = st.catalogue_for(&project_id, &images).await?;
    let mut items = Vec::with_capacity(servers.len());
    for s in &servers {
        let name = match &s.app {
            Some(a) => st
                .store
                .server_group(project_id.clone(), a.server_group_id.clone())
                .await?
                .map(|v| v.group.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let n = counts.get(&s.id).copied().unwrap_or(0);
        let job = last_job(&st, s).await?;
        items.push(app_server(&st, &cat, s, &name, n, job.as_ref()));
    }
    Ok(Json(ListResponse { count, items }).into_response())
}

/// Live sessions on a server.
pub(crate) async fn sessions_on(st: &AppState, id: &str) -> openwks_core::Result<u32> {
    let counts = st.store.live_session_counts(vec![id.to_string()]).await?;
    Ok(counts.get(id).copied().unwrap_or(0))
}

pub(crate) async fn load(st: &AppState, project_id: &str, id: &str) -> ApiResult<Server> {
    Ok(st
        .store
        .server(project_id.to_string(), id.to_string())
        .await?
        .filter(|s| s.app.is_some())
        .ok_or_else(|| Error::not_found("app server", id))?)
}

/// `show_server`: `GET /v1/{project_id}/app-servers/{server_id}`.
pub async fn show_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = load(&st, &project_id, &id).await?;
    let cat = st.catalogue_for(&project_id, &[&s.image_id]).await?;
    let name = match &s.app {
        Some(a) => st
            .store
            .server_group(project_id.clone(), a.server_group_id.clone())
            .await?
            .map(|v| v.group.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let n = sessions_on(&st, &s.id).await?;
    let job = last_job(&st, &s).await?;
    Ok(Json(app_server(&st, &cat, &s, &name, n, job.as_ref())).into_response())
}

/// `update_server`: `PATCH /v1/{project_id}/app-servers/{server_id}` `{name, description,
/// maintain_status}` → 200, empty body.
pub async fn update_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateServerReq = json_body(&body)?;
    if req.name.is_none() && req.description.is_none() && req.maintain_status.is_none() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request changes nothing: send at least one field",
        )
        .into());
    }
    if let Some(n) = &req.name {
        openwks_core::validate::check_text("name", n, 1, 64, Reason::InvalidName)?;
    }
    let now = st.now();
    st.store
        .update_app_server(
            project_id,
            id,
            Box::new(move |s: &mut Server| {
                if let Some(n) = req.name {
                    s.name = n;
                }
                if let Some(app) = s.app.as_mut() {
                    if let Some(d) = req.description {
                        app.description = d;
                    }
                    if let Some(m) = req.maintain_status {
                        app.maintain_status = m;
                    }
                }
                s.updated = now;
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}

async fn delete_many(st: &AppState, project_id: &str, ids: Vec<String>) -> ApiResult<Response> {
    // Deleting a server that is gone succeeds (the vendor's DeleteServer ignores missing ones).
    let mut present = Vec::new();
    for id in ids {
        if st
            .store
            .server(project_id.to_string(), id.clone())
            .await?
            .is_some_and(|s| s.app.is_some())
        {
            present.push(id);
        }
    }
    let job_id = start_job(st, project_id, |job, now| {
        st.store
            .delete_servers(project_id.to_string(), present, job, now)
    })
    .await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

/// `delete_server`: `DELETE /v1/{project_id}/app-servers/{server_id}` → `{job_id}`.
pub async fn delete_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    delete_many(&st, &project_id, vec![id]).await
}

/// `batch_delete_server`: `POST /v1/{project_id}/app-servers/actions/batch-delete` `{items}`.
pub async fn batch_delete_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: BatchDeleteServerReq = json_body(&body)?;
    let ids = req.items.ok_or_else(|| Error::missing("items"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("items must hold 1 to 100 ids, got {}", ids.len()),
        )
        .into());
    }
    delete_many(&st, &project_id, ids).await
}

fn job_detail(j: &Job, names: &std::collections::HashMap<String, String>) -> ShowJobDetailResponse {
    ShowJobDetailResponse {
        id: j.id.clone(),
        job_type: wks_job_type(&j.job_type).into(),
        begin_time: j.begin_time.clone(),
        end_time: j.end_time.clone(),
        status: wks_status(&j.status).into(),
        sub_jobs_total: j.sub_jobs.len() as i64,
        sub_jobs: j
            .sub_jobs
            .iter()
            .map(|s| JobDetailInfo {
                id: s.job_id.clone(),
                job_type: wks_job_type(&j.job_type).into(),
                job_resource_info: JobResourceInfo {
                    resource_id: s.server_id.clone(),
                    resource_name: names.get(&s.server_id).cloned().unwrap_or_default(),
                },
                begin_time: s.begin_time.clone(),
                end_time: s.end_time.clone(),
                status: wks_status(&s.status).into(),
                error_code: s.error_code.clone(),
                error_message: s.fail_reason.clone(),
                project_id: j.project_id.clone(),
                job_id: j.id.clone(),
            })
            .collect(),
    }
}

/// `show_job_detail`: `GET /v2/{project_id}/job/{job_id}` (what the vendor's Terraform provider
/// polls: `RUNNING` until `SUCCESS`; the server id at `sub_jobs[i].job_resource_info.resource_id`).
pub async fn show_job_detail(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let j = st
        .store
        .job(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("job", &id))?;
    let mut names = std::collections::HashMap::new();
    for s in &j.sub_jobs {
        if let Some(server) = st
            .store
            .server(project_id.clone(), s.server_id.clone())
            .await?
        {
            names.insert(server.id.clone(), server.name.clone());
        }
    }
    Ok(Json(job_detail(&j, &names)).into_response())
}

/// The v1 `job_status` of a job or sub-job status (the vendor's `JobDetail`/`SubJobInfo`:
/// 0 failed, 1 success, 2 processing, 3 initialising).
fn v1_job_status(status: &str) -> i64 {
    match status {
        "FAIL" => 0,
        "SUCCESS" => 1,
        "WAITING" | "INIT" => 3,
        _ => 2,
    }
}

/// A non-empty time, or nothing (the vendor's `end_time` is absent or a time, never `""`).
fn time_or_absent(t: &str) -> Option<&str> {
    (!t.is_empty()).then_some(t)
}

/// `show_job`: `GET /v1/{project_id}/job/{job_id}` → `{job: JobDetail}`: `job_type` is the
/// vendor's fixed 1 (2 for sub-jobs), `job_status` 0 failed, 1 success, 2 processing, 3
/// initialising; each sub-job a `SubJobInfo` whose `entities` name its server.
pub async fn show_job(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let j = st
        .store
        .job(project_id.clone(), id.clone())
        .await?
        .ok_or_else(|| Error::not_found("job", &id))?;
    let mut sub_jobs = Vec::with_capacity(j.sub_jobs.len());
    for s in &j.sub_jobs {
        let name = st
            .store
            .server(project_id.clone(), s.server_id.clone())
            .await?
            .map(|v| v.name)
            .unwrap_or_default();
        let mut sub = json!({
            "job_id": s.job_id, "job_type": 2, "job_status": v1_job_status(&s.status),
            "begin_time": s.begin_time, "execute_code": s.error_code, "execute_message": s.fail_reason,
            "entities": [{"resource_id": s.server_id, "resource_name": name,
                          "resource_type": "hws.resource.type.vm", "cloud_service_type": "hws.service.type.ec2"}],
        });
        if let Some(t) = time_or_absent(&s.end_time) {
            sub["end_time"] = json!(t);
        }
        sub_jobs.push(sub);
    }
    let mut job = json!({
        "job_id": j.id, "job_type": 1, "job_status": v1_job_status(&j.status), "begin_time": j.begin_time,
        "execute_code": if j.status == "SUCCESS" && j.error_code.is_empty() { "0" } else { j.error_code.as_str() },
        "execute_message": if j.status == "SUCCESS" && j.fail_reason.is_empty() { "success" } else { j.fail_reason.as_str() },
        "sub_jobs": sub_jobs,
    });
    if let Some(t) = time_or_absent(&j.end_time) {
        job["end_time"] = json!(t);
    }
    Ok(Json(json!({ "job": job })).into_response())
}

/// `{items, type}` of the WKS batch power operations (`ServerHaltReq`, `BatchStartServerReq`).
#[derive(Debug, Default, serde::Deserialize)]
struct PowerReq {
    items: Option<Vec<String>>,
    #[serde(rename = "type")]
    type_: Option<String>,
    maintain_status: Option<bool>,
}

async fn app_ids(
    st: &AppState,
    project_id: &str,
    body: &Bytes,
) -> ApiResult<(Vec<String>, PowerReq)> {
    let req: PowerReq = json_body(body)?;
    let ids = req.items.clone().ok_or_else(|| Error::missing("items"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("items must hold 1 to 100 ids, got {}", ids.len()),
        )
        .into());
    }
    for id in &ids {
        load(st, project_id, id).await?;
    }
    Ok((ids, req))
}

async fn power(
    st: &AppState,
    project_id: &str,
    body: &Bytes,
    action: impl FnOnce(bool) -> openwks_store::PowerAction,
) -> ApiResult<Response> {
    let (ids, req) = app_ids(st, project_id, body).await?;
    let hard = match req.type_.as_deref() {
        None | Some("SOFT") => false,
        Some("HARD") => true,
        Some(t) => {
            return Err(Error::invalid(
                Reason::InvalidEnum,
                format!("type must be SOFT or HARD, got {t:?}"),
            )
            .into())
        }
    };
    start_job(st, project_id, |job, now| {
        st.store
            .power_servers(project_id.to_string(), ids, action(hard), job, now)
    })
    .await
    .map_err(|mut e| {
        if e.code == Reason::EcsBadStatus {
            e.code = Reason::InvalidParameter;
        }
        e
    })?;
    Ok(empty_ok())
}

/// `batch_start_server`: `PATCH /v1/{project_id}/app-servers/actions/batch-start` `{items}`.
pub async fn batch_start_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    power(&st, &project_id, &body, |_| {
        openwks_store::PowerAction::Start
    })
    .await
}

/// `batch_stop_server`: `PATCH .../batch-stop` `{items, type: SOFT|HARD}`.
pub async fn batch_stop_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    power(&st, &project_id, &body, |_| {
        openwks_store::PowerAction::Stop
    })
    .await
}

/// `batch_reboot_server`: `PATCH .../batch-reboot` `{items, type: SOFT|HARD}`.
pub async fn batch_reboot_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    power(&st, &project_id, &body, |hard| {
        openwks_store::PowerAction::Reboot { hard }
    })
    .await
}

/// `batch_change_server_maintain_mode`: `PATCH .../batch-maint` `{items, maintain_status}`.
pub async fn batch_change_server_maintain_mode(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let (ids, req) = app_ids(&st, &project_id, &body).await?;
    let m = req
        .maintain_status
        .ok_or_else(|| Error::missing("maintain_status"))?;
    for id in ids {
        st.store
            .update_app_server(
                project_id.clone(),
                id,
                Box::new(move |s: &mut Server| {
                    if let Some(a) = s.app.as_mut() {
                        a.maintain_status = m;
                    }
                    Ok(())
                }),
            )
            .await?;
    }
    Ok(empty_ok())
}

/// Check a change-image request against the catalogue: the image exists, is of `image_type`
/// and `os_type`, and a Marketplace image comes with its product id.
async fn check_image(st: &AppState, project_id: &str, req: &RebuildServerReq) -> ApiResult<String> {
    let id = req
        .image_id
        .clone()
        .ok_or_else(|| Error::missing("image_id"))?;
    let t = req
        .image_type
        .clone()
        .ok_or_else(|| Error::missing("image_type"))?;
    let os = req
        .os_type
        .clone()
        .ok_or_else(|| Error::missing("os_type"))?;
    let cat = st.catalogue_for(project_id, &[&id]).await?;
    let img = cat.image(&id).ok_or_else(|| {
        Error::invalid(Reason::InvalidImage, format!("image {id} does not exist"))
    })?;
    if img.image_type != t || img.os_type != os {
        return Err(Error::invalid(
            Reason::InvalidImage,
            format!(
                "image {id} is a {} {} image, not {t} {os}",
                img.image_type, img.os_type
            ),
        )
        .into());
    }
    if t == "gold" && req.image_product_id.as_deref() != Some(img.product_code.as_str()) {
        return Err(Error::invalid(
            Reason::InvalidImage,
            "a Marketplace (gold) image needs its image_product_id",
        )
        .into());
    }
    Ok(id)
}

async fn rebuild_one(
    st: &AppState,
    project_id: &str,
    id: String,
    image: Option<String>,
) -> ApiResult<String> {
    Ok(start_job(st, project_id, |job, now| {
        st.store
            .rebuild_app_servers(project_id.to_string(), vec![id], image, job, now)
    })
    .await?)
}

/// `reinstall_server`: `POST .../app-servers/{server_id}/actions/reinstall` → `{job_id}`: the
/// server is rebuilt from its server group's *current* image, disk and OU.
pub async fn reinstall_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let job_id = rebuild_one(&st, &project_id, id, None).await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

/// `change_server_image`: `POST .../app-servers/{server_id}/actions/change-image`.
pub async fn change_server_image(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: RebuildServerReq = json_body(&body)?;
    let image = check_image(&st, &project_id, &req).await?;
    let job_id = rebuild_one(&st, &project_id, id, Some(image)).await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

async fn rebuild_batch(
    st: &AppState,
    project_id: &str,
    req: RebuildServerReq,
    image: Option<String>,
) -> ApiResult<Response> {
    let ids = req.server_ids.ok_or_else(|| Error::missing("server_ids"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("server_ids must hold 1 to 100 ids, got {}", ids.len()),
        )
        .into());
    }
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        match rebuild_one(st, project_id, id.clone(), image.clone()).await {
            Ok(job_id) => items.push(json!({"server_id": id, "job_id": job_id})),
            Err(e) => items.push(
                json!({"server_id": id, "error_code": e.0.wks_code(), "error_message": e.0.public_message()}),
            ),
        }
    }
    Ok(Json(json!({"items": items})).into_response())
}

/// `batch_reinstall_server`: `POST .../app-servers/actions/batch-reinstall` `{server_ids}` →
/// `{items: [{server_id, job_id | error_code, error_message}]}`.
pub async fn batch_reinstall_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: RebuildServerReq = json_body(&body)?;
    rebuild_batch(&st, &project_id, req, None).await
}

/// `batch_change_server_image`: `POST .../app-servers/actions/batch-change-image`.
pub async fn batch_change_server_image(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: RebuildServerReq = json_body(&body)?;
    let image = check_image(&st, &project_id, &req).await?;
    rebuild_batch(&st, &project_id, req, Some(image)).await
}

/// `batch_migrate_hosts_server`: `PATCH .../app-servers/hosts/batch-migrate` `{server_ids,
/// host_id}` → `{job_id}`: all or nothing; the host must keep anti-affinity and have room.
pub async fn batch_migrate_hosts_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: BatchMigrateServerReq = json_body(&body)?;
    let ids = req.server_ids.ok_or_else(|| Error::missing("server_ids"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(Reason::OutOfRange, "server_ids must hold 1 to 100 ids").into());
    }
    let host = req
        .host_id
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::missing("host_id"))?;
    let job_id = start_job(&st, &project_id, |job, now| {
        st.store
            .migrate_app_servers(project_id.clone(), ids, host, job, now)
    })
    .await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

async fn reconfigure(
    st: &AppState,
    project_id: String,
    ids: Vec<String>,
    kind: &'static str,
) -> ApiResult<Response> {
    if ids.is_empty() || ids.len() > 20 {
        return Err(Error::invalid(Reason::OutOfRange, "items must hold 1 to 20 servers").into());
    }
    let job_id = start_job(st, &project_id, |job, now| {
        st.store
            .reconfigure_app_servers(project_id.clone(), ids, kind, job, now)
    })
    .await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

/// `batch_rejoin_domain`: `PATCH .../app-servers/actions/batch-rejoin-domain` `{items: [id]}` →
/// `{job_id}`: running servers rejoin the domain and take their server group's current OU.
pub async fn batch_rejoin_domain(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: BatchRejoinDomainReq = json_body(&body)?;
    let ids = req.items.ok_or_else(|| Error::missing("items"))?;
    reconfigure(&st, project_id, ids, "rejoinDomain").await
}

/// `batch_update_tsvi`: `PATCH .../app-servers/actions/batch-update-tsvi` `{items: [{id,
/// enable}]}` → `{job_id}`. `enable` is reserved by the vendor (the setting follows the server
/// group), so it is accepted and ignored.
pub async fn batch_update_tsvi(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: UpdateTsviReq = json_body(&body)?;
    let ids = req
        .items
        .ok_or_else(|| Error::missing("items"))?
        .into_iter()
        .map(|i| {
            i.id.filter(|x| !x.is_empty())
                .ok_or_else(|| Error::missing("items[].id"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    reconfigure(&st, project_id, ids, "updateTsvi").await
}

/// `show_server_vnc`: `GET .../app-servers/{server_id}/actions/vnc`. A simulated server has no
/// console: the URL is a stable, documented placeholder (docs/compatibility.md).
pub async fn show_server_vnc(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = load(&st, &project_id, &id).await?;
    Ok(Json(json!({"type": "novnc", "protocol": "vnc", "url": format!("https://console.openwks.invalid/vnc/{}?host={}", s.id, s.host_id.unwrap_or_default())})).into_response())
}

fn sub_job_out(j: &Job, s: &openwks_core::compute::SubJob, name: &str) -> Value {
    let mut out = json!({"id": s.job_id, "job_id": j.id, "job_type": wks_job_type(&j.job_type), "status": wks_status(&s.status),
           "begin_time": s.begin_time,
           "error_code": s.error_code, "error_message": s.fail_reason, "project_id": j.project_id,
           "job_resource_info": {"resource_id": s.server_id, "resource_name": name}});
    if let Some(t) = time_or_absent(&s.end_time) {
        out["end_time"] = json!(t);
    }
    out
}

/// Sub-jobs matching the query. `job_type` is required by the vendor's `ListSubJobs` and optional
/// in its `CountSubJobs`; `require_type` says which.
async fn filtered_sub_jobs(
    st: &AppState,
    project_id: &str,
    q: &Query,
    require_type: bool,
) -> ApiResult<Vec<Value>> {
    let job_type = q.str("job_type").map(str::to_string);
    if require_type && job_type.is_none() {
        return Err(Error::missing("job_type").into());
    }
    let status = q.str("status").map(str::to_string);
    let job_id = q.str("job_id").map(str::to_string);
    let all = st.store.sub_jobs(project_id.to_string()).await?;
    let mut out = Vec::new();
    for (j, s) in all.iter().filter(|(j, s)| {
        job_type
            .as_deref()
            .is_none_or(|x| x == wks_job_type(&j.job_type))
            && status.as_deref().is_none_or(|x| x == wks_status(&s.status))
            && job_id.as_deref().is_none_or(|x| x == j.id)
    }) {
        // A deleted server's sub-job keeps its id; its name is gone with it.
        let name = st
            .store
            .server(project_id.to_string(), s.server_id.clone())
            .await?
            .map(|v| v.name)
            .unwrap_or_default();
        out.push(sub_job_out(j, s, &name));
    }
    Ok(out)
}

/// `list_sub_jobs`: `GET /v1/{project_id}/app-server-sub-jobs?job_type=&status=&job_id=`.
pub async fn list_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let all = filtered_sub_jobs(&st, &project_id, &q, true).await?;
    let count = all.len() as i64;
    let items: Vec<Value> = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok(Json(ListResponse { count, items }).into_response())
}

/// `count_sub_jobs`: `GET /v1/{project_id}/app-server-sub-jobs/actions/count`.
pub async fn count_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let n = filtered_sub_jobs(&st, &project_id, &q, false).await?.len();
    Ok(Json(json!({"count": n})).into_response())
}

/// `batch_delete_app_sub_jobs`: `POST /v1/{project_id}/app-server-sub-jobs/actions/batch-delete`
/// `{items}`: finished sub-jobs are deleted (running ones are kept).
pub async fn batch_delete_app_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: BatchDeleteSubJobsReq = json_body(&body)?;
    let ids = req.items.ok_or_else(|| Error::missing("items"))?;
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::invalid(Reason::OutOfRange, "items must hold 1 to 100 ids").into());
    }
    st.store.delete_sub_jobs(project_id, ids).await?;
    Ok(empty_ok())
}
