//! ECS servers (the subset needed to use server groups for real): create (a job), show, list
//! (detail), batch delete, flavors, and jobs.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::ecs::{
    CreateServersRequestBody, CreateServersResponse, DeleteServersRequestBody, JobEntities,
    JobIdResponse, ShowJobResponse, SubJob, SubJobEntities, UpdateServerRequestBody,
};
use openwks_core::compute::{CreateServersSpec, Job, Server};
use openwks_core::ecs::invalid;
use openwks_core::error::Reason;
use openwks_core::{Error, ErrorKind};
use openwks_store::CreateServersArgs;
use serde_json::{json, Value};

use crate::error::EcsResult;
use crate::jobs::{finish_later, new_id, start_job};
use crate::request::{json_body, Query, P};
use crate::AppState;

/// `ServerDetail` (the fields openwks knows; the SDK tolerates the others' absence).
pub fn server_detail(s: &Server) -> Value {
    let id = crate::simulated::identity(&s.id, &s.vpc_id);
    let mut v = json!({
        "id": s.id, "name": s.name, "status": s.status, "tenant_id": s.project_id,
        "flavor": {"id": s.flavor_id, "name": s.flavor_id, "vcpus": s.vcpus.to_string(), "ram": s.memory_mb.to_string(), "gpus": []},
        "image": {"id": s.image_id},
        "hostId": s.host_id.clone().unwrap_or_default(),
        "OS-EXT-SRV-ATTR:host": s.host_id.clone().unwrap_or_default(),
        "OS-EXT-SRV-ATTR:hypervisor_hostname": s.host_id.clone().unwrap_or_default(),
        "OS-EXT-AZ:availability_zone": s.availability_zone,
        "OS-EXT-STS:vm_state": s.status.to_lowercase(),
        "addresses": {s.vpc_id.clone(): [{"addr": s.ip, "version": "4", "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": id.mac, "OS-EXT-IPS:port_id": id.port_id, "primary": true}]},
        "os:scheduler_hints": {"group": s.ecs_group_id.iter().collect::<Vec<_>>()},
        "metadata": {"vpc_id": s.vpc_id},
        "created": s.created, "updated": s.updated,
    });
    v["security_groups"] = json!([{"name": "default", "id": id.security_group_id}]);
    v["os-extended-volumes:volumes_attached"] = json!([{"id": id.volume_id, "delete_on_termination": "true", "bootIndex": "0", "device": "/dev/vda"}]);
    if let Some(f) = &s.fault {
        v["fault"] = json!({"code": 500, "message": f, "created": s.updated});
    }
    v["description"] = json!(s.description);
    v["OS-EXT-SRV-ATTR:hostname"] = json!(if s.hostname.is_empty() {
        s.name.to_lowercase()
    } else {
        s.hostname.clone()
    });
    if !s.user_data.is_empty() {
        v["OS-EXT-SRV-ATTR:user_data"] = json!(s.user_data);
    }
    v
}

/// ECS host names: 1–64 ASCII letters, digits, `.` and `-`, neither first nor last a `.` or
/// `-`.
fn check_hostname(h: &str) -> openwks_core::Result<()> {
    let ok = (1..=64).contains(&h.len())
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !h.starts_with(['.', '-'])
        && !h.ends_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "server.hostname {h:?} must be 1 to 64 letters, digits, '.' and '-', not starting or ending with '.' or '-'"
        )))
    }
}

/// `update_server`: `PUT /v1/{project_id}/cloudservers/{server_id}` `{"server": {name?,
/// description?, hostname?, user_data?}}` → `{"server": ServerDetail}`. Name 1–64 characters
/// without control characters, description at most 85 without `<` or `>`, user data base64 of
/// at most 32 KB.
pub async fn update_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> EcsResult<Response> {
    use base64::Engine;
    let req: UpdateServerRequestBody = json_body(&body)?;
    let o = req.server.ok_or_else(|| invalid("server is required"))?;
    if o.name.is_none() && o.description.is_none() && o.hostname.is_none() && o.user_data.is_none()
    {
        return Err(invalid("server must change name, description, hostname or user_data").into());
    }
    if let Some(n) = &o.name {
        if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
            return Err(invalid(
                "server.name must be 1 to 64 characters, without control characters",
            )
            .into());
        }
    }
    if let Some(d) = &o.description {
        if d.chars().count() > 85 || d.contains(['<', '>']) || d.chars().any(char::is_control) {
            return Err(invalid(
                "server.description must be at most 85 characters, without '<', '>' or control characters",
            )
            .into());
        }
    }
    if let Some(h) = &o.hostname {
        check_hostname(h)?;
    }
    if let Some(u) = &o.user_data {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(u)
            .map_err(|_| invalid("server.user_data must be base64"))?;
        if raw.len() > 32 * 1024 {
            return Err(invalid("server.user_data must be at most 32 KB before encoding").into());
        }
    }
    let now = st.now();
    let s = st
        .store
        .update_server(
            project_id,
            id,
            Box::new(move |s: &mut Server| {
                if s.status == "DELETING" {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        Reason::EcsBadStatus,
                        format!("ECS {} is being deleted", s.id),
                    ));
                }
                if let Some(n) = o.name {
                    s.name = n;
                }
                if let Some(d) = o.description {
                    s.description = d;
                }
                if let Some(h) = o.hostname {
                    s.hostname = h;
                }
                if let Some(u) = o.user_data {
                    s.user_data = u;
                }
                s.updated = now;
                Ok(())
            }),
        )
        .await?;
    Ok(Json(json!({"server": server_detail(&s)})).into_response())
}

/// An ECS operation the vendor's Terraform provider may call that openwks does not simulate:
/// 501 in the ECS dialect, saying why (`docs/compatibility.md`).
fn not_simulated(what: &str, why: &str) -> EcsResult<Response> {
    Err(Error::new(
        ErrorKind::NotImplemented,
        Reason::EcsNotImplemented,
        format!("{what} is not implemented by openwks: {why}"),
    )
    .into())
}

/// `POST …/cloudservers/{id}/metadata`, `DELETE …/metadata/{key}`: 501.
pub async fn server_metadata() -> EcsResult<Response> {
    not_simulated("server metadata", "openwks servers carry no user metadata")
}

/// `POST /v1.1/…/cloudservers/{id}/resize`: 501.
pub async fn resize_server() -> EcsResult<Response> {
    not_simulated(
        "resize",
        "a server keeps the flavor it was placed with; create a server of the new flavor",
    )
}

/// `PUT …/cloudservers/{id}/os-reset-password`: 501.
pub async fn reset_password() -> EcsResult<Response> {
    not_simulated(
        "os-reset-password",
        "simulated servers have no guest operating system",
    )
}

/// `POST …/cloudservers/{id}/tags/action`: 501.
pub async fn server_tags() -> EcsResult<Response> {
    not_simulated("server tags", "only server groups carry tags in openwks")
}

/// `POST /v2.1/…/servers/{id}/action`: 501.
pub async fn nova_server_action() -> EcsResult<Response> {
    not_simulated(
        "the Nova v2.1 server action",
        "use POST /v1/{project_id}/cloudservers/action",
    )
}

/// `GET …/cloudservers/{id}/block_device/{volume_id}`: 501.
pub async fn block_device() -> EcsResult<Response> {
    not_simulated(
        "block devices",
        "a server's only disk is its system disk (in its detail)",
    )
}

/// `POST …/cloudservers/{id}/changevpc`: 501.
pub async fn change_vpc() -> EcsResult<Response> {
    not_simulated(
        "changevpc",
        "a server keeps the VPC and address it was created with",
    )
}

/// `POST …/cloudservers/{id}/migrate`: 501.
pub async fn migrate_server() -> EcsResult<Response> {
    not_simulated(
        "migrate",
        "move app servers with batch_migrate_hosts_server",
    )
}

/// `POST …/cloudservers/actions/change-charge-mode`: 501.
pub async fn change_charge_mode() -> EcsResult<Response> {
    not_simulated("change-charge-mode", "openwks bills nothing")
}

fn job_out(j: &Job) -> ShowJobResponse {
    ShowJobResponse {
        job_id: j.id.clone(),
        job_type: j.job_type.clone(),
        status: j.status.clone(),
        begin_time: j.begin_time.clone(),
        end_time: j.end_time.clone(),
        error_code: j.error_code.clone(),
        fail_reason: j.fail_reason.clone(),
        entities: JobEntities {
            sub_jobs_total: j.sub_jobs.len() as i64,
            sub_jobs: j
                .sub_jobs
                .iter()
                .map(|s| SubJob {
                    status: s.status.clone(),
                    entities: SubJobEntities {
                        server_id: s.server_id.clone(),
                    },
                    job_id: s.job_id.clone(),
                    job_type: s.job_type.clone(),
                    begin_time: s.begin_time.clone(),
                    end_time: s.end_time.clone(),
                    error_code: s.error_code.clone(),
                    fail_reason: s.fail_reason.clone(),
                })
                .collect(),
        },
    }
}

/// `create_post_paid_servers`: `POST /v1/{project_id}/cloudservers` → `{job_id, serverIds}`.
pub async fn create_post_paid_servers(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> EcsResult<Response> {
    let req: CreateServersRequestBody = json_body(&body)?;
    let s = req.server.ok_or_else(|| invalid("server is required"))?;
    let spec = CreateServersSpec {
        name: s.name,
        image_ref: s.image_ref,
        flavor_ref: s.flavor_ref,
        vpcid: s.vpcid,
        subnet_id: s
            .nics
            .and_then(|n| n.into_iter().next())
            .and_then(|n| n.subnet_id),
        root_volume_type: s.root_volume.as_ref().and_then(|r| r.volumetype.clone()),
        root_volume_size: s.root_volume.and_then(|r| r.size),
        availability_zone: s.availability_zone,
        count: s.count,
        group: s.scheduler_hints.and_then(|h| h.group),
    };
    let image = spec.image_ref.clone().unwrap_or_default();
    let cat = st.catalogue_for(&project_id, &[&image]).await?;
    let request = spec.validate(&cat)?;
    let subnet = st
        .store
        .subnet(project_id.clone(), request.subnet_id.clone())
        .await?
        .ok_or_else(|| invalid(format!("subnet {} does not exist", request.subnet_id)))?;
    if subnet.vpc_id != request.vpc_id {
        return Err(invalid(format!(
            "subnet {} does not belong to VPC {}",
            subnet.id, request.vpc_id
        ))
        .into());
    }
    let job_id = new_id(&st);
    let args = CreateServersArgs {
        project_id: project_id.clone(),
        server_ids: (0..request.count).map(|_| new_id(&st)).collect(),
        request,
        job_id: job_id.clone(),
        now: st.timestamp(),
        subnet_cidr: subnet.cidr,
        max_members: st.catalogue.quotas.ecs_server_group_members,
        weigher: st.settings.weigher,
        app: None,
    };
    let (job, servers) = st.store.create_servers(args).await?;
    if job.status == "RUNNING" {
        finish_later(&st, project_id, job_id.clone());
    }
    Ok(Json(CreateServersResponse {
        job_id,
        server_ids: servers.into_iter().map(|s| s.id).collect(),
    })
    .into_response())
}

/// `show_job`: `GET /v1/{project_id}/jobs/{job_id}`.
pub async fn show_job(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> EcsResult<Response> {
    let j = st.store.job(project_id, id.clone()).await?.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            Reason::EcsInvalid,
            format!("job {id} does not exist"),
        )
    })?;
    Ok(Json(job_out(&j)).into_response())
}

/// `show_server`: `GET /v1/{project_id}/cloudservers/{server_id}`.
pub async fn show_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> EcsResult<Response> {
    let s = st
        .store
        .server(project_id, id.clone())
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Reason::EcsServerNotFound,
                format!("ECS {id} does not exist"),
            )
        })?;
    Ok(Json(json!({"server": server_detail(&s)})).into_response())
}

/// `list_servers_details`: `GET /v1/{project_id}/cloudservers/detail?offset&limit`.
pub async fn list_servers_details(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> EcsResult<Response> {
    let limit = q
        .i64("limit")
        .map_err(|e| invalid(e.message))?
        .unwrap_or(25);
    let offset = q
        .i64("offset")
        .map_err(|e| invalid(e.message))?
        .unwrap_or(1);
    // `offset` is a page number from 1; 0 also means the first page (the vendor's
    // ListServersDetails: "0 returns the first page, as 1 does").
    if !(1..=1000).contains(&limit) || offset < 0 {
        return Err(
            invalid("limit must be 1 to 1000 and offset (a page number) at least 0").into(),
        );
    }
    let offset = offset.max(1);
    let (count, servers) = st
        .store
        .list_servers(project_id, (offset - 1) * limit, limit)
        .await?;
    Ok(Json(
        json!({"count": count, "servers": servers.iter().map(server_detail).collect::<Vec<_>>()}),
    )
    .into_response())
}

/// `delete_servers`: `POST /v1/{project_id}/cloudservers/delete` `{servers: [{id}]}` → `{job_id}`.
pub async fn delete_servers(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> EcsResult<Response> {
    let req: DeleteServersRequestBody = json_body(&body)?;
    let ids: Vec<String> = req
        .servers
        .ok_or_else(|| invalid("servers is required"))?
        .into_iter()
        .filter_map(|s| s.id)
        .collect();
    if ids.is_empty() || ids.len() > 1000 {
        return Err(invalid("servers must hold 1 to 1000 ids").into());
    }
    let job_id = start_job(&st, &project_id, |job, now| {
        st.store.delete_servers(project_id.clone(), ids, job, now)
    })
    .await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}

/// `list_flavors`: `GET /v1/{project_id}/cloudservers/flavors`: the flavors of the catalogue's
/// products.
pub async fn list_flavors(
    State(st): State<AppState>,
    P(_project_id): P<String>,
) -> EcsResult<Response> {
    let flavors: Vec<Value> = st
        .catalogue
        .products
        .iter()
        .map(|p| {
            json!({"id": p.flavor_id, "name": p.flavor_id, "vcpus": p.cpu.to_string(), "ram": p.memory_mb, "disk": "0",
                   "links": [], "os-flavor-access:is_public": true, "OS-FLV-DISABLED:disabled": false,
                   "os_extra_specs": {"ecs:performancetype": if p.is_gpu { "gpu" } else { "normal" }}})
        })
        .collect();
    Ok(Json(json!({"flavors": flavors})).into_response())
}

/// `batch_start_servers` / `batch_stop_servers` / `batch_reboot_servers`:
/// `POST /v1/{project_id}/cloudservers/action` with `os-start`, `os-stop` or `reboot`
/// (`{"servers": [{"id"}], "type": "SOFT"|"HARD"}`) → `{job_id}`. Every server must be in the
/// state the action needs (`Ecs.0100` otherwise; nothing changes).
pub async fn server_action(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> EcsResult<Response> {
    let v: Value = json_body(&body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("the body must be an object"))?;
    if obj.len() != 1 {
        return Err(
            invalid("the body must hold exactly one of os-start, os-stop and reboot").into(),
        );
    }
    let (name, inner) = obj.iter().next().ok_or_else(|| invalid("empty body"))?;
    let hard = match inner.get("type").and_then(Value::as_str) {
        None | Some("SOFT") => false,
        Some("HARD") => true,
        Some(t) => return Err(invalid(format!("type must be SOFT or HARD, got {t}")).into()),
    };
    let action = match name.as_str() {
        "os-start" => openwks_store::PowerAction::Start,
        "os-stop" => openwks_store::PowerAction::Stop,
        "reboot" => openwks_store::PowerAction::Reboot { hard },
        other => return Err(invalid(format!("unknown action {other}")).into()),
    };
    let ids: Vec<String> = inner
        .get("servers")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("servers is required"))?
        .iter()
        .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    if ids.is_empty() || ids.len() > 1000 {
        return Err(invalid("servers must hold 1 to 1000 ids").into());
    }
    let job_id = start_job(&st, &project_id, |job, now| {
        st.store
            .power_servers(project_id.clone(), ids, action, job, now)
    })
    .await?;
    Ok(Json(JobIdResponse { job_id }).into_response())
}
