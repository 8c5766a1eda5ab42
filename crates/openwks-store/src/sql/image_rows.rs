//! Image rows (issue 17): how image servers, image jobs and private images are written, and
//! the settling of image jobs when the compute job they follow finishes ([`job_finished`],
//! called by `servers::finish_job` in its write). Below `servers` and `images`: it uses neither.

use openwks_core::compute::Job;
use openwks_core::image::{ImageJob, ImageServer, PrivateImage};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::rows::{self, json_err};
use super::tx::WriteTx;
use crate::db::{db_err, params, Connection};

pub(crate) fn doc<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(json_err)
}

pub(crate) fn save_server(conn: &Connection, s: &ImageServer, new: bool) -> Result<()> {
    let sql = if new {
        "INSERT INTO image_servers (id, project_id, name, doc) VALUES (?1, ?2, ?3, ?4)"
    } else {
        "UPDATE image_servers SET project_id = ?2, name = ?3, doc = ?4 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![s.id, s.project_id, s.name, doc(s)?])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn server(conn: &Connection, project_id: &str, id: &str) -> Result<ImageServer> {
    rows::by_id(conn, "image_servers", project_id, id)?
        .ok_or_else(|| Error::not_found("image server", id))
}

pub(crate) fn save_job(conn: &Connection, j: &ImageJob) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO image_jobs (id, project_id, server_job_id, status, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET \
         server_job_id = excluded.server_job_id, status = excluded.status, doc = excluded.doc",
    )
    .map_err(db_err)?
    .execute(params![
        j.id,
        j.project_id,
        j.server_job_id,
        j.status,
        doc(j)?
    ])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn save_image(conn: &Connection, i: &PrivateImage, new: bool) -> Result<()> {
    let sql = if new {
        "INSERT INTO private_images (id, project_id, status, doc) VALUES (?1, ?2, ?3, ?4)"
    } else {
        "UPDATE private_images SET project_id = ?2, status = ?3, doc = ?4 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![i.image.id, i.project_id, i.status, doc(i)?])
        .map_err(db_err)?;
    Ok(())
}

/// Settle a running image job whose compute job has finished.
pub(crate) fn settle(tx: &WriteTx, job: &mut ImageJob, now: Timestamp) -> Result<()> {
    let conn = tx.db();
    let project_id = job.project_id.clone();
    match job.job_type.as_str() {
        "CREATE_SERVER" => {
            for sub in &job.sub_jobs {
                if let Some(mut s) = rows::by_id::<ImageServer>(
                    conn,
                    "image_servers",
                    &project_id,
                    &sub.resource_id,
                )? {
                    let up = rows::server(conn, &project_id, &s.server_id)?
                        .is_some_and(|x| x.status == "ACTIVE");
                    s.status = if up { "ACTIVE" } else { "ERROR" }.into();
                    s.update_time = now.wire();
                    save_server(conn, &s, false)?;
                }
            }
            job.settle(Ok(()), &now.wire());
        }
        "CREATE_SERVER_IMAGE" => {
            for sub in &job.sub_jobs {
                if let Some(mut i) = rows::by_id::<PrivateImage>(
                    conn,
                    "private_images",
                    &project_id,
                    &sub.resource_id,
                )? {
                    i.status = "active".into();
                    i.updated_at = now.wire();
                    save_image(conn, &i, false)?;
                    let s: Option<ImageServer> =
                        rows::by_id(conn, "image_servers", &project_id, &i.image_server_id)?;
                    if let Some(mut s) = s.filter(|s| s.status == "BUILDING") {
                        s.status = "BUILT".into();
                        s.update_time = now.wire();
                        save_server(conn, &s, false)?;
                    }
                }
            }
            job.settle(Ok(()), &now.wire());
        }
        "DELETE_SERVER" => {
            for sub in job.sub_jobs.iter_mut().filter(|s| s.status == "RUNNING") {
                let Some(s) = rows::by_id::<ImageServer>(
                    conn,
                    "image_servers",
                    &project_id,
                    &sub.resource_id,
                )?
                else {
                    continue;
                };
                if job.recursive {
                    super::app_groups::delete(
                        tx,
                        &project_id,
                        std::slice::from_ref(&s.app_group_id),
                    )?;
                    // Checked before anything is written: a group the user has since given
                    // other servers or app groups stays, and the sub-job says so.
                    if let Err(e) =
                        super::server_groups::delete(tx, &project_id, &s.server_group_id)
                    {
                        sub.error_message =
                            format!("server group {} kept: {}", s.server_group_id, e.message);
                    }
                }
                conn.prepare_cached("DELETE FROM image_servers WHERE id = ?1")
                    .map_err(db_err)?
                    .execute([&s.id])
                    .map_err(db_err)?;
            }
            job.settle(Ok(()), &now.wire());
        }
        _ => {}
    }
    Ok(())
}

/// Settle the image jobs that follow compute job `job`, which has just finished.
pub(crate) fn job_finished(tx: &WriteTx, job: &Job, now: Timestamp) -> Result<()> {
    let waiting: Vec<ImageJob> = rows::docs(
        tx.db(),
        "SELECT doc FROM image_jobs WHERE server_job_id = ?1 AND status = 'RUNNING'",
        [&job.id],
    )?;
    for mut j in waiting {
        settle(tx, &mut j, now)?;
        save_job(tx.db(), &j)?;
    }
    Ok(())
}
