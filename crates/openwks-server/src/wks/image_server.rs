//! Image servers and image jobs (`/v1/{project_id}/image-servers…`, `…/image-server-jobs…`,
//! `…/image-server-sub-jobs…`, issue #17).
//!
//! An image server is a server group, an app group (its accounts authorized) and one app server
//! built from the base image, all made in one store write; the `CREATE_SERVER` job follows the
//! server's boot. Warehouse apps attached to it are installed; `recreate_server_image` makes a
//! private IMS image from it (the base image's OS, minimum disk and apps plus the installed
//! ones), `saving` until its `CREATE_SERVER_IMAGE` job ends. A server that cannot be placed,
//! or a base image deleted since, fails the job with the reason and leaves nothing half-made.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use openwks_api::wks::image::{
    job_out, sub_job_out, AttachedAppOut, BatchDeleteImageServerReq, CreateImageServerReq,
    CreateServerImageReq, ImageServerOut, ItemsReq, JobIdResponse, ListAttachedAppsResponse,
    ListImageJobsResponse, ListImageServersResponse, UpdateImageServerReq,
};
use openwks_api::wks::server_group::CreateServerGroupReq;
use openwks_core::app_group::CreateAppGroupSpec;
use openwks_core::authorization::Account as AuthAccount;
use openwks_core::catalogue::ImageApp;
use openwks_core::error::Reason;
use openwks_core::image::{
    check_image_name, check_server_name, install_path, Account, AttachedApp, ImageJob, ImageRef,
    ImageServer, PrivateImage, JOB_TYPES, SUB_JOB_STATUSES,
};
use openwks_core::server_group::CreateSpec;
use openwks_core::validate::{check_enum, check_text};
use openwks_core::Error;
use openwks_store::{CreateImageServerArgs, ImageJobFilter, WarehouseAppFilter};

use crate::error::{wks_code, ApiResult};
use crate::jobs::{finish_later, new_id};
use crate::request::{json_body, Query, P};
use crate::service::app_server::{create_args, NewServers};
use crate::AppState;

use super::empty_ok;

fn job_id(id: String) -> Response {
    Json(JobIdResponse { job_id: id }).into_response()
}

/// The warehouse apps `ids` names (record or application ids), each verified and for `os_type`,
/// as they install.
async fn installable(
    st: &AppState,
    project_id: &str,
    ids: &[String],
    os_type: &str,
) -> openwks_core::Result<Vec<AttachedApp>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One read of the project's packages, not one per id named.
    let (_, all) = st
        .store
        .list_warehouse_apps(
            project_id.to_string(),
            WarehouseAppFilter::default(),
            0,
            i64::MAX,
        )
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let a = all
            .iter()
            .find(|a| a.named_by(id))
            .cloned()
            .ok_or_else(|| Error::not_found("warehouse app", id))?;
        if a.verify_status != "VERIFY_PASS" {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "warehouse app {id} has not passed verification ({}): {}",
                    a.verify_status, a.verify_comment
                ),
            ));
        }
        if a.os_type != os_type && a.os_type != "Other" {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "warehouse app {id} is a {} app; the image server runs {os_type}",
                    a.os_type
                ),
            ));
        }
        out.push(AttachedApp {
            id: a.id.clone(),
            app_id: a.app_id.clone(),
            installed: ImageApp {
                execute_path: install_path(os_type, &a.app_name),
                name: a.app_name,
                version: a.version_name,
            },
        });
    }
    Ok(out)
}

fn account(a: openwks_api::wks::image::ImageAccountInfo) -> openwks_core::Result<Account> {
    let account = a
        .account
        .ok_or_else(|| Error::missing("authorize_accounts.account"))?;
    check_text(
        "authorize_accounts.account",
        &account,
        1,
        128,
        Reason::InvalidParameter,
    )?;
    let account_type = a
        .account_type
        .ok_or_else(|| Error::missing("authorize_accounts.account_type"))?;
    check_enum(
        "authorize_accounts.account_type",
        &account_type,
        &["USER", "USER_GROUP"],
    )?;
    let domain = a.domain.unwrap_or_default();
    check_text(
        "authorize_accounts.domain",
        &domain,
        0,
        64,
        Reason::InvalidParameter,
    )?;
    Ok(Account {
        account,
        account_type,
        domain,
    })
}

/// `create_image_server`: `POST /v1/{project_id}/image-servers` → `{job_id}` of a
/// `CREATE_SERVER` job whose sub-job names the image server.
pub async fn create_image_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateImageServerReq = json_body(&body)?;
    let name = r.name.clone().ok_or_else(|| Error::missing("name"))?;
    check_server_name(&name)?;
    let description = r.description.clone().unwrap_or_default();
    check_text(
        "description",
        &description,
        0,
        255,
        Reason::InvalidParameter,
    )?;
    let iref = r
        .image_ref
        .clone()
        .ok_or_else(|| Error::missing("image_ref"))?;
    let image_id = iref
        .id
        .clone()
        .ok_or_else(|| Error::missing("image_ref.id"))?;
    check_text("image_ref.id", &image_id, 1, 128, Reason::InvalidParameter)?;
    let image_type = iref
        .image_type
        .clone()
        .ok_or_else(|| Error::missing("image_ref.image_type"))?;
    check_enum(
        "image_ref.image_type",
        &image_type,
        &["gold", "public", "private", "shared", "other"],
    )?;
    for (k, v) in [
        ("image_ref.spce_code", &iref.spce_code),
        ("image_ref.product_id", &iref.product_id),
    ] {
        if v.as_deref()
            .is_some_and(|v| v.chars().count() > 100 || v.chars().any(char::is_whitespace))
        {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("{k} is at most 100 characters without white space"),
            )
            .into());
        }
    }
    let accounts = r
        .authorize_accounts
        .clone()
        .ok_or_else(|| Error::missing("authorize_accounts"))?;
    if accounts.len() != 1 {
        return Err(Error::invalid(
            Reason::OutOfRange,
            "authorize_accounts must hold exactly one account",
        )
        .into());
    }
    let accounts: Vec<Account> = accounts
        .into_iter()
        .map(account)
        .collect::<openwks_core::Result<_>>()?;
    if let Some(f) = &r.flavor_id {
        check_text("flavor_id", f, 1, 255, Reason::InvalidParameter)?;
    }
    let root = r
        .root_volume
        .clone()
        .ok_or_else(|| Error::missing("root_volume"))?;
    let product_id = r
        .product_id
        .clone()
        .ok_or_else(|| Error::missing("product_id"))?;
    let attach = match r.attach_apps.clone() {
        Some(ids) if ids.len() > 100 => {
            return Err(
                Error::invalid(Reason::OutOfRange, "attach_apps holds at most 100 ids").into(),
            )
        }
        Some(ids) => ids,
        None => Vec::new(),
    };
    let base_cat = st.catalogue_for(&project_id, &[&image_id]).await?;
    let os_type = base_cat
        .image(&image_id)
        .map(|i| i.os_type.clone())
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidImage,
                format!("image {image_id} does not exist"),
            )
        })?;
    let attached = installable(&st, &project_id, &attach, &os_type).await?;
    let sg_req = CreateServerGroupReq {
        name: Some(name.clone()),
        image_id: Some(image_id.clone()),
        image_product_id: iref.product_id.clone(),
        image_type: Some(image_type.clone()),
        os_type: Some(os_type.clone()),
        description: Some(description.clone()),
        route_policy: r.route_policy.clone(),
        product_id: Some(product_id.clone()),
        flavor_id: r.flavor_id.clone(),
        vpc_id: r.vpc_id.clone(),
        subnet_id: r.subnet_id.clone(),
        system_disk_type: root.type_.clone(),
        system_disk_size: root.size,
        ou_name: r.ou_name.clone(),
        availability_zone: r.availability_zone.clone().filter(|a| !a.is_empty()),
        is_vdi: r.is_vdi,
        extra_session_type: r.extra_session_type.clone(),
        extra_session_size: r.extra_session_size,
        tags: r.tags.clone(),
        enterprise_project_id: r.enterprise_project_id.clone(),
        ..CreateServerGroupReq::default()
    };
    let (group, _) =
        super::server_group::validate_create(&st, &project_id, CreateSpec::from(sg_req)).await?;
    let app_group = CreateAppGroupSpec {
        name: Some(name.clone()),
        app_server_group_id: Some(group.id.clone()),
        description: Some(description.clone()),
        authorization_type: None,
        app_type: None,
    }
    .validate(Some(&group), st.ids.next(), project_id.clone(), st.now())?;
    let auth_accounts = accounts
        .iter()
        .map(|a| AuthAccount {
            account: a.account.clone(),
            account_type: a.account_type.clone(),
            account_id: a.account.clone(),
            domain: a.domain.clone(),
            email: String::new(),
            telephone_number: String::new(),
            platform_type: if a.domain.is_empty() { "LOCAL" } else { "AD" }.into(),
        })
        .collect();
    let servers = create_args(
        &st,
        &project_id,
        &group,
        NewServers {
            product_id,
            vpc_id: group.vpc_id.clone(),
            subnet_id: group.subnet_id.clone(),
            root_type: root.type_.clone(),
            root_size: root.size,
            az: group.availability_zone.clone(),
            count: 1,
            ou_name: r.ou_name.clone(),
            scaling_auto_create: false,
        },
    )
    .await?;
    let now = st.now();
    let server = ImageServer {
        id: st.new_uuid(),
        project_id: project_id.clone(),
        name: name.clone(),
        description,
        image_ref: ImageRef {
            id: image_id,
            image_type,
            spce_code: iref.spce_code.unwrap_or_default(),
            product_id: iref.product_id.unwrap_or_default(),
        },
        server_group_id: group.id.clone(),
        app_group_id: app_group.id.clone(),
        server_id: String::new(),
        image_id: String::new(),
        status: "CREATING".into(),
        authorize_accounts: accounts,
        attached_apps: attached,
        os_type,
        enterprise_project_id: r.enterprise_project_id.unwrap_or_else(|| "0".into()),
        create_time: now.clone(),
        update_time: now.clone(),
    };
    let id = new_id(&st);
    let server_job = servers.job_id.clone();
    let job = ImageJob::one(
        &id,
        &project_id,
        "CREATE_SERVER",
        (&server.id, &name),
        &now,
        &server_job,
    );
    let args = CreateImageServerArgs {
        server,
        server_group: group,
        app_group,
        accounts: auth_accounts,
        servers,
        job: job.clone(),
        max_server_groups: st.catalogue.quotas.max_server_groups,
    };
    match st.store.create_image_server(args).await {
        Ok(_) => finish_later(&st, project_id, server_job),
        Err(e) if e.code == Reason::NoCapacity => {
            // Nothing was made: the job records why.
            let mut failed = job;
            failed.server_job_id = String::new();
            failed.settle(Err((wks_code(e.code), &e.message)), &st.now());
            st.store.put_image_job(failed).await?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(job_id(id))
}

/// `list_image_servers`: `GET …/image-servers?offset&limit&server_name&server_id&
/// enterprise_project_id` (`server_name`: part of the name).
pub async fn list_image_servers(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    for (k, max) in [
        ("server_name", 1024),
        ("server_id", 128),
        ("enterprise_project_id", 128),
    ] {
        if let Some(v) = q.str(k) {
            check_text(k, v, 0, max, Reason::InvalidQuery)?;
        }
    }
    let nonempty = |k: &str| q.string(k).filter(|v| !v.is_empty());
    let (count, servers) = st
        .store
        .list_image_servers(
            project_id,
            nonempty("server_name"),
            nonempty("server_id"),
            nonempty("enterprise_project_id"),
            offset,
            limit,
        )
        .await?;
    let items = servers.iter().map(ImageServerOut::from).collect();
    Ok(Json(ListImageServersResponse { count, items }).into_response())
}

async fn load(st: &AppState, project_id: &str, id: &str) -> openwks_core::Result<ImageServer> {
    st.store
        .image_server(project_id.to_string(), id.to_string())
        .await?
        .ok_or_else(|| Error::not_found("image server", id))
}

/// `show_image_server`: `GET …/image-servers/{server_id}`.
pub async fn show_image_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = load(&st, &project_id, &id).await?;
    Ok(Json(ImageServerOut::from(&s)).into_response())
}

/// `update_image_server`: `PATCH …/image-servers/{server_id}` `{name?, description?}`.
pub async fn update_image_server(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: UpdateImageServerReq = json_body(&body)?;
    if r.name.is_none() && r.description.is_none() {
        return Err(Error::invalid(
            Reason::EmptyRequest,
            "the request changes nothing: send name or description",
        )
        .into());
    }
    if let Some(n) = &r.name {
        check_server_name(n)?;
    }
    if let Some(d) = &r.description {
        check_text("description", d, 0, 255, Reason::InvalidParameter)?;
    }
    let now = st.now();
    st.store
        .update_image_server(
            project_id,
            id,
            Box::new(move |s: &mut ImageServer| {
                if let Some(n) = r.name {
                    s.name = n;
                }
                if let Some(d) = r.description {
                    s.description = d;
                }
                s.update_time = now;
                Ok(())
            }),
        )
        .await?;
    Ok(empty_ok())
}

/// `batch_delete_image_server`: `PATCH …/image-servers/actions/batch-delete` `{items,
/// recursive?}` → `{job_id}` of a `DELETE_SERVER` job; with `recursive` the image servers'
/// app groups and server groups go too. Image servers that are gone are skipped (the vendor
/// answers them with success).
pub async fn batch_delete_image_server(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: BatchDeleteImageServerReq = json_body(&body)?;
    let ids = super::string_set(r.items)?;
    let id = new_id(&st);
    let server_job = new_id(&st);
    let job = st
        .store
        .delete_image_servers(
            project_id.clone(),
            ids,
            r.recursive.unwrap_or(false),
            id.clone(),
            server_job,
            st.timestamp(),
        )
        .await?;
    if !job.server_job_id.is_empty() {
        finish_later(&st, project_id, job.server_job_id);
    }
    Ok(job_id(id))
}

/// `attach_image_server_app`: `POST …/image-servers/{server_id}/actions/attach-app` `{items:
/// [1..100 warehouse app ids]}` → `{uri}` of the distribution file on the server. The apps
/// (verified, of the server's OS) are installed and replace those attached before.
pub async fn attach_image_server_app(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let ids = super::string_set_of("items", r.items, 100)?;
    let s = load(&st, &project_id, &id).await?;
    let apps = installable(&st, &project_id, &ids, &s.os_type).await?;
    let now = st.now();
    let s = st
        .store
        .update_image_server(
            project_id,
            id.clone(),
            Box::new(move |s: &mut ImageServer| {
                if !matches!(s.status.as_str(), "ACTIVE" | "BUILT") {
                    return Err(Error::conflict(
                        Reason::Conflict,
                        format!(
                            "image server {} is {}; apps are attached to an ACTIVE or BUILT image server",
                            s.id, s.status
                        ),
                    ));
                }
                s.attached_apps = apps;
                s.update_time = now;
                Ok(())
            }),
        )
        .await?;
    let uri = if s.os_type == "Windows" {
        format!("file:///C:/temp/wks-apps-{id}.json")
    } else {
        format!("file:///tmp/wks-apps-{id}.json")
    };
    Ok(Json(serde_json::json!({ "uri": uri })).into_response())
}

/// `list_latest_attached_server_app`: `GET …/image-servers/{server_id}/actions/latest-attached-app`.
pub async fn list_latest_attached_server_app(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let s = load(&st, &project_id, &id).await?;
    let items = s
        .attached_apps
        .iter()
        .map(|a| AttachedAppOut {
            id: a.id.clone(),
            app_id: a.app_id.clone(),
        })
        .collect();
    Ok(Json(ListAttachedAppsResponse { items }).into_response())
}

/// `recreate_server_image`: `POST …/image-servers/{server_id}/actions/recreate-image` `{name,
/// description?, enterprise_project_id?, execute_sysprep?}` → `{job_id}` of a
/// `CREATE_SERVER_IMAGE` job whose sub-job names the new image.
pub async fn recreate_server_image(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: CreateServerImageReq = json_body(&body)?;
    let name = r.name.ok_or_else(|| Error::missing("name"))?;
    check_image_name(&name)?;
    let description = r.description.unwrap_or_default();
    check_text(
        "description",
        &description,
        0,
        1024,
        Reason::InvalidParameter,
    )?;
    if description.starts_with(' ') || description.contains(['<', '>']) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "description must not start with a space or contain '<' or '>'",
        )
        .into());
    }
    let eps = r.enterprise_project_id.unwrap_or_else(|| "0".into());
    check_text(
        "enterprise_project_id",
        &eps,
        0,
        64,
        Reason::InvalidParameter,
    )?;
    let s = load(&st, &project_id, &id).await?;
    let job = new_id(&st);
    let image_id = st.new_uuid();
    let now = st.now();
    let cat = st.catalogue_for(&project_id, &[&s.image_ref.id]).await?;
    let Some(base) = cat.image(&s.image_ref.id) else {
        // The base image was deleted since the image server was made: the job fails.
        let mut failed = ImageJob::one(
            &job,
            &project_id,
            "CREATE_SERVER_IMAGE",
            (&image_id, &name),
            &now,
            "",
        );
        let why = format!(
            "the image server's base image {} no longer exists",
            s.image_ref.id
        );
        failed.settle(Err((wks_code(Reason::InvalidImage), &why)), &now);
        st.store.put_image_job(failed).await?;
        return Ok(job_id(job));
    };
    let image = PrivateImage {
        image: s.image_from(base, &image_id, &name),
        project_id: project_id.clone(),
        status: "saving".into(),
        description,
        enterprise_project_id: eps,
        image_server_id: s.id.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    let server_job = new_id(&st);
    st.store
        .create_server_image(id, image, job.clone(), server_job.clone(), st.timestamp())
        .await?;
    finish_later(&st, project_id, server_job);
    Ok(job_id(job))
}

/// `job_type` of image-job lists: required, one of the job types or empty (no filter).
fn job_type_filter(q: &Query, required: bool) -> openwks_core::Result<Option<String>> {
    match q.string("job_type") {
        None if required && !q.has("job_type") => Err(Error::missing("job_type")),
        None => Ok(None),
        Some(t) => {
            check_enum("job_type", &t, JOB_TYPES)?;
            Ok(Some(t))
        }
    }
}

fn status_filter(q: &Query, allowed: &[&str]) -> openwks_core::Result<Option<String>> {
    match q.string("status").filter(|s| !s.is_empty()) {
        Some(s) => {
            check_enum("status", &s, allowed)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

/// `list_image_jobs`: `GET …/image-server-jobs?job_type&status&offset&limit`, newest first.
pub async fn list_image_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let f = ImageJobFilter {
        job_type: job_type_filter(&q, true)?,
        status: status_filter(&q, &SUB_JOB_STATUSES[..4])?,
        job_id: None,
    };
    let (count, jobs) = st
        .store
        .list_image_jobs(project_id, f, offset, limit)
        .await?;
    let items = jobs.iter().map(|j| job_out(j, false)).collect();
    Ok(Json(ListImageJobsResponse { count, items }).into_response())
}

/// `show_image_job`: `GET …/image-server-jobs/{job_id}` with its sub-jobs.
pub async fn show_image_job(
    State(st): State<AppState>,
    P((project_id, id)): P<(String, String)>,
) -> ApiResult<Response> {
    let j = st
        .store
        .image_job(project_id, id.clone())
        .await?
        .ok_or_else(|| Error::not_found("image job", &id))?;
    Ok(Json(job_out(&j, true)).into_response())
}

/// The sub-jobs `q` selects (`job_type`, `job_id`, sub-job `status`), newest job first.
async fn sub_jobs(
    st: &AppState,
    project_id: &str,
    q: &Query,
    job_type_required: bool,
) -> openwks_core::Result<Vec<openwks_api::wks::image::ImageSubJobOut>> {
    if let Some(j) = q.str("job_id") {
        check_text("job_id", j, 0, 128, Reason::InvalidQuery)?;
    }
    if let Some(t) = q.str("job_type") {
        check_text("job_type", t, 0, 128, Reason::InvalidQuery)?;
    }
    let status = status_filter(q, SUB_JOB_STATUSES)?;
    let f = ImageJobFilter {
        job_type: job_type_filter(q, job_type_required)?,
        status: None,
        job_id: q.string("job_id").filter(|j| !j.is_empty()),
    };
    let (_, jobs) = st
        .store
        .list_image_jobs(project_id.to_string(), f, 0, i64::MAX)
        .await?;
    Ok(jobs
        .iter()
        .flat_map(|j| {
            j.sub_jobs
                .iter()
                .filter(|s| status.as_deref().is_none_or(|x| s.status == x))
                .map(move |s| sub_job_out(j, s))
        })
        .collect())
}

/// `list_image_sub_jobs`: `GET …/image-server-sub-jobs?job_type&status&job_id&offset&limit`.
pub async fn list_image_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let (offset, limit) = q.page()?;
    let all = sub_jobs(&st, &project_id, &q, true).await?;
    let (count, items) = openwks_core::paging::page(all, offset, limit);
    Ok(Json(ListImageJobsResponse { count, items }).into_response())
}

/// `count_image_sub_jobs`: `GET …/image-server-sub-jobs/actions/count?job_type&status&job_id`.
pub async fn count_image_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    q: Query,
) -> ApiResult<Response> {
    let n = sub_jobs(&st, &project_id, &q, false).await?.len();
    Ok(Json(serde_json::json!({ "count": n })).into_response())
}

/// `batch_delete_image_sub_jobs`: `PATCH …/image-server-sub-jobs/actions/batch-delete`
/// `{items}`: finished sub-jobs go (a job left without any too); a running or unknown one is
/// refused, and then none goes.
pub async fn batch_delete_image_sub_jobs(
    State(st): State<AppState>,
    P(project_id): P<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let r: ItemsReq = json_body(&body)?;
    let ids = super::string_set(r.items)?;
    st.store.delete_image_sub_jobs(project_id, ids).await?;
    Ok(empty_ok())
}
