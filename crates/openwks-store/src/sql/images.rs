//! The app warehouse, image servers, image jobs and private images (issue 17): the operations
//! and the `Images` trait; how their rows are written and jobs settled is `image_rows`.
//!
//! An image job follows a compute job of its image server's app server (`server_job_id`) and is
//! settled in the write that finishes that job (`image_rows::job_finished`, called by
//! `servers::finish_job`): the image server becomes `ACTIVE`, its image `active` and the server
//! `BUILT`, or the image servers (and with `recursive` their groups) go.

use std::sync::{Arc, Mutex};

use openwks_core::error::{ErrorKind, Reason};
use openwks_core::image::{ImageJob, ImageServer, ImageSubJob, PrivateImage, WarehouseApp};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::engine::SqlStore;
use super::fleet::FleetState;
use super::image_rows::{doc, save_image, save_job, save_server, server, settle};
use super::rows::{self, json_err};
use super::tx::WriteTx;
use crate::db::{db_err, params, Connection, OptionalExtension};
use crate::{Deleted, ImageJobFilter, WarehouseAppFilter};

// ---- the warehouse ----

fn find_app(conn: &Connection, project_id: &str, id: &str) -> Result<Option<WarehouseApp>> {
    let d: Option<String> = conn
        .prepare_cached(
            "SELECT doc FROM warehouse_apps WHERE project_id = ?1 AND (id = ?2 OR app_id = ?2) \
             ORDER BY seq LIMIT 1",
        )
        .map_err(db_err)?
        .query_row([project_id, id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    d.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

fn app_taken(conn: &Connection, a: &WarehouseApp) -> Result<()> {
    let other: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM warehouse_apps WHERE project_id = ?1 AND name = ?2 AND version_id = ?3 \
             AND id != ?4",
        )
        .map_err(db_err)?
        .query_row([&a.project_id, &a.app_name, &a.version_id, &a.id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db_err)?;
    match other {
        Some(o) => Err(Error::conflict(
            Reason::DuplicateName,
            format!(
                "the warehouse already has {} version {} ({o})",
                a.app_name, a.version_id
            ),
        )),
        None => Ok(()),
    }
}

fn save_app(conn: &Connection, a: &WarehouseApp, new: bool) -> Result<()> {
    app_taken(conn, a)?;
    let sql = if new {
        "INSERT INTO warehouse_apps (id, app_id, project_id, name, version_id, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    } else {
        "UPDATE warehouse_apps SET app_id = ?2, project_id = ?3, name = ?4, version_id = ?5, \
         doc = ?6 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            a.id,
            a.app_id,
            a.project_id,
            a.app_name,
            a.version_id,
            doc(a)?
        ])
        .map_err(db_err)?;
    Ok(())
}

fn list_apps(
    conn: &Connection,
    project_id: &str,
    f: &WarehouseAppFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<WarehouseApp>)> {
    let all: Vec<WarehouseApp> = rows::docs(
        conn,
        "SELECT doc FROM warehouse_apps WHERE project_id = ?1 ORDER BY seq",
        [project_id],
    )?;
    let matching: Vec<WarehouseApp> = all
        .into_iter()
        .filter(|a| f.app_id.as_deref().is_none_or(|i| a.named_by(i)))
        .filter(|a| {
            f.name_contains
                .as_deref()
                .is_none_or(|n| a.app_name.contains(n))
        })
        .filter(|a| f.category.as_deref().is_none_or(|c| a.app_category == c))
        .filter(|a| {
            f.verify_status
                .as_deref()
                .is_none_or(|s| a.verify_status == s)
        })
        .collect();
    Ok(openwks_core::paging::page(matching, offset, limit))
}

fn delete_apps(conn: &Connection, project_id: &str, ids: &[String]) -> Result<usize> {
    let mut n = 0;
    for id in ids {
        n += conn
            .prepare_cached(
                "DELETE FROM warehouse_apps WHERE project_id = ?1 AND (id = ?2 OR app_id = ?2)",
            )
            .map_err(db_err)?
            .execute([project_id, id])
            .map_err(db_err)?;
    }
    Ok(n)
}

// ---- image servers ----

fn create_server(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    a: crate::CreateImageServerArgs,
) -> Result<ImageJob> {
    let project_id = a.server.project_id.clone();
    super::server_groups::create(tx, &a.server_group, a.max_server_groups)?;
    super::app_groups::create(tx, &a.app_group)?;
    super::authorizations::add(
        tx,
        &project_id,
        std::slice::from_ref(&a.app_group.id),
        &a.accounts,
        a.servers.now,
    )?;
    let (job, servers) = super::servers::create_app(tx, fleet, a.servers)?;
    if job.status != "RUNNING" {
        // Rolled back with everything above: nothing half-made stays.
        return Err(Error::new(
            ErrorKind::Conflict,
            Reason::NoCapacity,
            format!(
                "the image server's server could not be placed: {}",
                job.fail_reason
            ),
        ));
    }
    let mut s = a.server;
    s.server_id = servers
        .first()
        .map(|x| x.id.clone())
        .ok_or_else(|| Error::internal("no server created"))?;
    save_server(tx.db(), &s, true)?;
    save_job(tx.db(), &a.job)?;
    Ok(a.job)
}

fn create_image(
    tx: &WriteTx,
    id: &str,
    image: &PrivateImage,
    job_id: &str,
    server_job_id: &str,
    now: Timestamp,
) -> Result<ImageJob> {
    let conn = tx.db();
    let project_id = &image.project_id;
    let mut s = server(conn, project_id, id)?;
    if !matches!(s.status.as_str(), "ACTIVE" | "BUILT") {
        return Err(Error::conflict(
            Reason::Conflict,
            format!(
                "image server {id} is {}; an image is made from an ACTIVE or BUILT image server",
                s.status
            ),
        ));
    }
    let app_server = rows::server(conn, project_id, &s.server_id)?
        .ok_or_else(|| Error::not_found("app server", &s.server_id))?;
    if app_server.status != "ACTIVE" {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            format!(
                "the image server's server {} is {}; it must be running (ACTIVE)",
                app_server.id, app_server.status
            ),
        ));
    }
    save_image(conn, image, true)?;
    let sj = super::servers::running_job(
        project_id,
        server_job_id,
        "createServerImage",
        std::slice::from_ref(&s.server_id),
        now,
    );
    super::servers::write_job(conn, &sj)?;
    s.status = "BUILDING".into();
    s.image_id = image.image.id.clone();
    s.update_time = now.wire();
    save_server(conn, &s, false)?;
    let job = ImageJob::one(
        job_id,
        project_id,
        "CREATE_SERVER_IMAGE",
        (&image.image.id, &image.image.name),
        &now.wire(),
        server_job_id,
    );
    save_job(conn, &job)?;
    Ok(job)
}

fn delete_servers(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    recursive: bool,
    job_id: &str,
    server_job_id: &str,
    now: Timestamp,
) -> Result<ImageJob> {
    let conn = tx.db();
    let mut found = Vec::new();
    for id in ids {
        // The vendor answers a deleted (or never made) image server with success.
        let Some(s) = rows::by_id::<ImageServer>(conn, "image_servers", project_id, id)? else {
            continue;
        };
        if matches!(s.status.as_str(), "CREATING" | "BUILDING" | "DELETING") {
            return Err(Error::conflict(
                Reason::Conflict,
                format!("image server {id} is {}; wait for its job to end", s.status),
            ));
        }
        found.push(s);
    }
    let app_servers: Vec<String> = found
        .iter()
        .filter(|s| rows::server(conn, project_id, &s.server_id).is_ok_and(|x| x.is_some()))
        .map(|s| s.server_id.clone())
        .collect();
    let follows = if app_servers.is_empty() {
        ""
    } else {
        super::servers::delete(tx, project_id, &app_servers, server_job_id, now)?;
        server_job_id
    };
    let mut job = ImageJob {
        id: job_id.to_string(),
        project_id: project_id.to_string(),
        job_type: "DELETE_SERVER".into(),
        status: "RUNNING".into(),
        begin_time: now.wire(),
        end_time: String::new(),
        server_job_id: follows.to_string(),
        recursive,
        sub_jobs: found
            .iter()
            .enumerate()
            .map(|(n, s)| {
                ImageSubJob::new(
                    job_id,
                    n + 1,
                    "DELETE_SERVER",
                    (&s.id, &s.name),
                    &now.wire(),
                )
            })
            .collect(),
    };
    for s in &mut found {
        s.status = "DELETING".into();
        s.update_time = now.wire();
        save_server(conn, s, false)?;
    }
    if follows.is_empty() {
        // Nothing to tear down: the image servers go now.
        settle(tx, &mut job, now)?;
    }
    save_job(conn, &job)?;
    Ok(job)
}

fn list_jobs(
    conn: &Connection,
    project_id: &str,
    f: &ImageJobFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<ImageJob>)> {
    let all: Vec<ImageJob> = rows::docs(
        conn,
        "SELECT doc FROM image_jobs WHERE project_id = ?1 ORDER BY seq DESC",
        [project_id],
    )?;
    let matching: Vec<ImageJob> = all
        .into_iter()
        .filter(|j| f.job_type.as_deref().is_none_or(|t| j.job_type == t))
        .filter(|j| f.status.as_deref().is_none_or(|s| j.status == s))
        .filter(|j| f.job_id.as_deref().is_none_or(|i| j.id == i))
        .collect();
    Ok(openwks_core::paging::page(matching, offset, limit))
}

fn delete_sub_jobs(conn: &Connection, project_id: &str, ids: &[String]) -> Result<usize> {
    let mut jobs: Vec<ImageJob> = rows::docs(
        conn,
        "SELECT doc FROM image_jobs WHERE project_id = ?1 ORDER BY seq",
        [project_id],
    )?;
    for id in ids {
        let sub = jobs
            .iter()
            .flat_map(|j| &j.sub_jobs)
            .find(|s| &s.id == id)
            .ok_or_else(|| Error::not_found("image sub-job", id))?;
        if sub.status == "RUNNING" || sub.status == "WAITING" {
            return Err(Error::conflict(
                Reason::Conflict,
                format!("image sub-job {id} is {}; wait for it to end", sub.status),
            ));
        }
    }
    let mut n = 0;
    for j in &mut jobs {
        let before = j.sub_jobs.len();
        j.sub_jobs.retain(|s| !ids.contains(&s.id));
        if j.sub_jobs.len() == before {
            continue;
        }
        n += before - j.sub_jobs.len();
        if j.sub_jobs.is_empty() {
            conn.prepare_cached("DELETE FROM image_jobs WHERE id = ?1")
                .map_err(db_err)?
                .execute([&j.id])
                .map_err(db_err)?;
        } else {
            save_job(conn, j)?;
        }
    }
    Ok(n)
}

fn delete_image(conn: &Connection, project_id: &str, id: &str) -> Result<Deleted> {
    let Some(i) = rows::by_id::<PrivateImage>(conn, "private_images", project_id, id)? else {
        return Ok(Deleted::NotFound);
    };
    if i.status != "active" {
        return Err(Error::conflict(
            Reason::InUse,
            format!("image {id} is {}; wait for its job to end", i.status),
        ));
    }
    let users = rows::strings(
        conn,
        "SELECT id FROM server_groups WHERE project_id = ?1",
        [project_id],
    )?
    .into_iter()
    .filter_map(|g| rows::server_group(conn, project_id, &g).ok().flatten())
    .filter(|g| g.image_id == id)
    .map(|g| g.name)
    .collect::<Vec<_>>();
    if !users.is_empty() {
        return Err(Error::conflict(
            Reason::InUse,
            format!("image {id} is used by server group(s) {}", users.join(", ")),
        ));
    }
    conn.prepare_cached("DELETE FROM private_images WHERE id = ?1")
        .map_err(db_err)?
        .execute([id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

#[async_trait::async_trait]
impl crate::Images for SqlStore {
    async fn create_warehouse_app(&self, app: WarehouseApp) -> Result<WarehouseApp> {
        self.write(move |c| {
            save_app(c.db(), &app, true)?;
            Ok(app)
        })
        .await
    }

    async fn list_warehouse_apps(
        &self,
        project_id: String,
        filter: WarehouseAppFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<WarehouseApp>)> {
        self.read(move |c| list_apps(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn update_warehouse_app(
        &self,
        project_id: String,
        id: String,
        update: crate::WarehouseAppUpdate,
    ) -> Result<WarehouseApp> {
        self.write(move |c| {
            let mut a = find_app(c.db(), &project_id, &id)?
                .ok_or_else(|| Error::not_found("warehouse app", &id))?;
            update(&mut a)?;
            save_app(c.db(), &a, false)?;
            Ok(a)
        })
        .await
    }

    async fn delete_warehouse_apps(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| delete_apps(c.db(), &project_id, &ids))
            .await
    }

    async fn warehouse_bucket(
        &self,
        project_id: String,
    ) -> Result<Option<openwks_core::image::WarehouseBucket>> {
        self.read(move |c| {
            let d: Vec<openwks_core::image::WarehouseBucket> = rows::docs(
                c,
                "SELECT doc FROM warehouse_buckets WHERE project_id = ?1",
                [&project_id],
            )?;
            Ok(d.into_iter().next())
        })
        .await
    }

    async fn put_warehouse_bucket(
        &self,
        bucket: openwks_core::image::WarehouseBucket,
    ) -> Result<openwks_core::image::WarehouseBucket> {
        self.write(move |c| {
            c.db()
                .prepare_cached(
                    "INSERT INTO warehouse_buckets (id, project_id, doc) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (project_id) DO UPDATE SET id = excluded.id, doc = excluded.doc",
                )
                .map_err(db_err)?
                .execute(params![bucket.id, bucket.project_id, doc(&bucket)?])
                .map_err(db_err)?;
            Ok(bucket)
        })
        .await
    }

    async fn put_icon(&self, project_id: String, icon: openwks_core::app::Icon) -> Result<()> {
        self.write(move |c| super::apps::put_icon(c.db(), &project_id, &icon))
            .await
    }

    async fn create_image_server(&self, args: crate::CreateImageServerArgs) -> Result<ImageJob> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| create_server(c, &fleet, args)).await
    }

    async fn list_image_servers(
        &self,
        project_id: String,
        name_contains: Option<String>,
        id: Option<String>,
        enterprise_project_id: Option<String>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ImageServer>)> {
        self.read(move |c| {
            let all: Vec<ImageServer> = rows::docs(
                c,
                "SELECT doc FROM image_servers WHERE project_id = ?1 ORDER BY seq",
                [&project_id],
            )?;
            let matching: Vec<ImageServer> = all
                .into_iter()
                .filter(|s| name_contains.as_deref().is_none_or(|n| s.name.contains(n)))
                .filter(|s| id.as_deref().is_none_or(|i| s.id == i))
                .filter(|s| {
                    enterprise_project_id
                        .as_deref()
                        .is_none_or(|e| s.enterprise_project_id == e)
                })
                .collect();
            Ok(openwks_core::paging::page(matching, offset, limit))
        })
        .await
    }

    async fn image_server(&self, project_id: String, id: String) -> Result<Option<ImageServer>> {
        self.read(move |c| rows::by_id(c, "image_servers", &project_id, &id))
            .await
    }

    async fn update_image_server(
        &self,
        project_id: String,
        id: String,
        update: crate::ImageServerUpdate,
    ) -> Result<ImageServer> {
        self.write(move |c| {
            let mut s = server(c.db(), &project_id, &id)?;
            update(&mut s)?;
            save_server(c.db(), &s, false)?;
            Ok(s)
        })
        .await
    }

    async fn create_server_image(
        &self,
        id: String,
        image: PrivateImage,
        job_id: String,
        server_job_id: String,
        now: Timestamp,
    ) -> Result<ImageJob> {
        self.write(move |c| create_image(c, &id, &image, &job_id, &server_job_id, now))
            .await
    }

    async fn delete_image_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        recursive: bool,
        job_id: String,
        server_job_id: String,
        now: Timestamp,
    ) -> Result<ImageJob> {
        self.write(move |c| {
            delete_servers(
                c,
                &project_id,
                &ids,
                recursive,
                &job_id,
                &server_job_id,
                now,
            )
        })
        .await
    }

    async fn put_image_job(&self, job: ImageJob) -> Result<()> {
        self.write(move |c| save_job(c.db(), &job)).await
    }

    async fn list_image_jobs(
        &self,
        project_id: String,
        filter: ImageJobFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ImageJob>)> {
        self.read(move |c| list_jobs(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn image_job(&self, project_id: String, id: String) -> Result<Option<ImageJob>> {
        self.read(move |c| rows::by_id(c, "image_jobs", &project_id, &id))
            .await
    }

    async fn delete_image_sub_jobs(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| delete_sub_jobs(c.db(), &project_id, &ids))
            .await
    }

    async fn private_images(&self, project_id: String) -> Result<Vec<PrivateImage>> {
        self.read(move |c| {
            rows::docs(
                c,
                "SELECT doc FROM private_images WHERE project_id = ?1 ORDER BY seq",
                [&project_id],
            )
        })
        .await
    }

    async fn delete_private_image(&self, project_id: String, id: String) -> Result<Deleted> {
        self.write(move |c| delete_image(c.db(), &project_id, &id))
            .await
    }
}
