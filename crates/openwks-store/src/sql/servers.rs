//! Servers, jobs and the fleet.
//!
//! The fleet (`openwks_sched::Fleet`) lives in memory and is only touched on the writer thread,
//! inside write jobs: placement and the rows that record it are one atomic step, so capacity
//! and anti-affinity cannot be over-committed by racing creates. The database holds the same
//! facts (servers with their hosts; one member per host and group, enforced by a unique
//! index), and the fleet is rebuilt from it at start and after a failed commit.

use super::engine::SqlStore;
use super::fleet::{demand_of, fresh, FleetState};
use super::rows;
use super::tx::WriteTx;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;

use crate::db::{params, Connection, OptionalExtension};
use openwks_core::compute::{Job, Server, SubJob};
use openwks_core::ecs::invalid;
use openwks_core::error::{ErrorKind, Reason};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};
use openwks_sched::{Demand, HostIdx};

use super::ecs;
use super::rows::json_err;
use crate::db::db_err;

fn write_server(tx: &WriteTx, s: &Server, insert: bool) -> Result<()> {
    let conn = tx.db();
    let doc = serde_json::to_string(s).map_err(json_err)?;
    let sql = if insert {
        "INSERT INTO servers (id, project_id, host_id, subnet_id, status, doc, app_server_group_id, \
         drain_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    } else {
        "UPDATE servers SET project_id = ?2, host_id = ?3, subnet_id = ?4, status = ?5, doc = ?6, \
         app_server_group_id = ?7, drain_until_ms = ?8 WHERE id = ?1"
    };
    let sg = s.app.as_ref().map(|a| a.server_group_id.clone());
    let drain_until = s
        .app
        .as_ref()
        .and_then(|a| a.drain.as_ref())
        .map(|d| d.until_ms);
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            s.id,
            s.project_id,
            s.host_id,
            s.subnet_id,
            s.status,
            doc,
            sg,
            drain_until
        ])
        .map_err(db_err)?;
    // The server group's view counts its servers.
    if let Some(sg) = &sg {
        tx.touch(sg);
    }
    Ok(())
}

pub(crate) fn write_job(conn: &Connection, j: &Job) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO jobs (id, project_id, status, doc) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, \
         status = excluded.status, doc = excluded.doc",
    )
    .map_err(db_err)?
    .execute(params![
        j.id,
        j.project_id,
        j.status,
        serde_json::to_string(j).map_err(json_err)?
    ])
    .map_err(db_err)?;
    Ok(())
}

/// The cascade of a status change, called where the status changes: a server that stops
/// serving (stopped, rebuilding, migrating, deleting) ends its live sessions at `now`.
/// Maintenance does not (it drains), and neither does a write that leaves it `ACTIVE`.
pub(crate) fn leave_service(tx: &WriteTx, s: &Server, now: Timestamp) -> Result<()> {
    if s.status == "ACTIVE" {
        return Ok(());
    }
    super::sessions::end_on_server(tx, &s.id, now)
}

/// Store a changed server.
pub(crate) fn rewrite(tx: &WriteTx, s: &Server) -> Result<()> {
    write_server(tx, s, false)
}

pub(crate) fn load_job(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Job>> {
    rows::by_id(conn, "jobs", project_id, id)
}

fn ip_for(conn: &Connection, subnet_cidr: &str, subnet_id: &str) -> Result<String> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM servers WHERE subnet_id = ?1")
        .map_err(db_err)?
        .query_row([subnet_id], |r| r.get(0))
        .map_err(db_err)?;
    let base = openwks_core::network::parse_cidr(subnet_cidr).map_or(0xC0A8_0000, |(ip, _)| ip);
    Ok(std::net::Ipv4Addr::from(base + 10 + n as u32).to_string())
}

/// Create servers: check the group and its member quota, place every server (all or
/// nothing), and record servers, memberships and the job. Placement failure is not an error
/// of the request: the servers go to `ERROR` with the reason and the job fails.
pub(crate) fn create(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    a: &crate::CreateServersArgs,
) -> Result<(Job, Vec<Server>)> {
    let conn = tx.db();
    let r = &a.request;
    let mut avoid: HashSet<HostIdx> = HashSet::new();
    let mut guard = fleet
        .lock()
        .map_err(|_| Error::internal("fleet lock poisoned"))?;
    let state = fresh(conn, &mut guard)?;
    if let Some(g) = &r.group {
        ecs::require(conn, &a.project_id, g)?;
        let members: Vec<String> = conn
            .prepare_cached("SELECT host_id FROM ecs_group_members WHERE group_id = ?1")
            .map_err(db_err)?
            .query_map([g], |row| row.get::<_, String>(0))
            .map_err(db_err)?
            .collect::<crate::db::DbResult<Vec<_>>>()
            .map_err(db_err)?;
        if members.len() as i64 + r.count as i64 > a.max_members {
            return Err(Error::new(
                ErrorKind::Invalid,
                Reason::EcsGroupFull,
                format!("Insufficient ECS group quota: group {g} has {} of maxServerGroupMembers {} members", members.len(), a.max_members),
            ));
        }
        avoid.extend(members.iter().filter_map(|h| state.hosts.get(h)));
    }
    let az = match &r.availability_zone {
        Some(z) => Some(
            *state
                .zones
                .get(z)
                .ok_or_else(|| invalid(format!("availability zone {z} has no hosts")))?,
        ),
        None => None,
    };
    let demand = Demand {
        vcpus: r.vcpus,
        memory_mb: r.memory_mb,
        gpus: r.gpus,
        az,
    };
    let placed = state
        .fleet
        .place_many(&demand, r.count, &avoid, a.weigher, r.group.is_some());
    let fail_reason = placed.as_ref().err().map(ToString::to_string);
    let picks: Vec<Option<HostIdx>> = match &placed {
        Ok(p) => p.iter().copied().map(Some).collect(),
        Err(_) => vec![None; r.count],
    };
    let result = (|| {
        let mut servers = Vec::with_capacity(r.count);
        let mut subs = Vec::with_capacity(r.count);
        for (n, (id, pick)) in a.server_ids.iter().zip(&picks).enumerate() {
            let host = pick.map(|i| state.fleet.hosts()[i as usize].clone());
            let name = if r.count > 1 {
                format!("{}-{:04}", r.name, n + 1)
            } else {
                r.name.clone()
            };
            let s = Server {
                id: id.clone(),
                project_id: a.project_id.clone(),
                name,
                flavor_id: r.flavor_id.clone(),
                vcpus: r.vcpus,
                memory_mb: r.memory_mb,
                gpus: r.gpus,
                image_id: r.image_id.clone(),
                availability_zone: host.as_ref().map_or_else(
                    || r.availability_zone.clone().unwrap_or_default(),
                    |h| {
                        state.specs[state.hosts[&h.id] as usize]
                            .availability_zone
                            .clone()
                    },
                ),
                host_id: host.as_ref().map(|h| h.id.clone()),
                status: if host.is_some() {
                    "BUILD".into()
                } else {
                    "ERROR".into()
                },
                fault: fail_reason.clone(),
                ecs_group_id: r.group.clone(),
                vpc_id: r.vpc_id.clone(),
                subnet_id: r.subnet_id.clone(),
                ip: ip_for(conn, &a.subnet_cidr, &r.subnet_id)?,
                root_volume_type: r.root_volume_type.clone(),
                root_volume_size: r.root_volume_size,
                job_id: a.job_id.clone(),
                created: a.now.wire(),
                updated: a.now.wire(),
                app: a.app.clone(),
                description: String::new(),
                hostname: String::new(),
                user_data: String::new(),
            };
            write_server(tx, &s, true)?;
            if let (Some(g), Some(h)) = (&r.group, &s.host_id) {
                conn.prepare_cached("INSERT INTO ecs_group_members (group_id, server_id, host_id) VALUES (?1, ?2, ?3)")
                    .map_err(db_err)?
                    .execute([g, &s.id, h])
                    .map_err(db_err)?;
            }
            subs.push(SubJob {
                job_id: format!("{}-{}", a.job_id, n + 1),
                job_type: "createSingleServer".into(),
                status: if s.host_id.is_some() {
                    "RUNNING".into()
                } else {
                    "FAIL".into()
                },
                server_id: s.id.clone(),
                begin_time: a.now.wire(),
                end_time: if s.host_id.is_some() {
                    String::new()
                } else {
                    a.now.wire()
                },
                error_code: if s.host_id.is_some() {
                    String::new()
                } else {
                    "Ecs.0319".into()
                },
                fail_reason: s.fault.clone().unwrap_or_default(),
            });
            servers.push(s);
        }
        let failed = fail_reason.is_some();
        let job = Job {
            id: a.job_id.clone(),
            project_id: a.project_id.clone(),
            job_type: "createServer".into(),
            status: if failed {
                "FAIL".into()
            } else {
                "RUNNING".into()
            },
            sub_jobs: subs,
            begin_time: a.now.wire(),
            end_time: if failed { a.now.wire() } else { String::new() },
            error_code: if failed {
                "Ecs.0319".into()
            } else {
                String::new()
            },
            fail_reason: fail_reason.clone().unwrap_or_default(),
        };
        write_job(conn, &job)?;
        Ok((job, servers))
    })();
    if result.is_err() {
        if let Ok(picks) = &placed {
            for i in picks {
                state.fleet.release(*i, &demand);
            }
        }
    }
    result
}

/// The state a server settles in when a job of `job_type` finishes, if that job moves a server
/// in state `status` (a server changed meanwhile, e.g. stopped during a reboot, is left alone).
fn settled_status(job_type: &str, status: &str) -> Option<&'static str> {
    match (job_type, status) {
        ("createServer", "BUILD") => Some("ACTIVE"),
        ("stopServer", "ACTIVE") => Some("SHUTOFF"),
        ("startServer" | "rebootServer", "SHUTOFF" | "REBOOT" | "HARD_REBOOT") => Some("ACTIVE"),
        ("rebuildServer" | "changeImage" | "migrateServer", "REBUILD" | "MIGRATING") => {
            Some("ACTIVE")
        }
        _ => None,
    }
}

/// Finish a running job (the simulated boot or teardown is over): a create's servers become
/// `ACTIVE`; a delete's servers are removed, their claims and memberships released.
pub(crate) fn finish_job(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    project_id: &str,
    job_id: &str,
    now: Timestamp,
) -> Result<Option<Job>> {
    let conn = tx.db();
    let Some(mut job) = load_job(conn, project_id, job_id)? else {
        return Ok(None);
    };
    if job.status != "RUNNING" {
        return Ok(Some(job));
    }
    let mut guard = fleet
        .lock()
        .map_err(|_| Error::internal("fleet lock poisoned"))?;
    for sub in job.sub_jobs.iter_mut().filter(|s| s.status == "RUNNING") {
        if let Some(mut s) = rows::server(conn, project_id, &sub.server_id)? {
            if let Some(next) = settled_status(&job.job_type, &s.status) {
                s.status = next.into();
                s.updated = now.wire();
                write_server(tx, &s, false)?;
                leave_service(tx, &s, now)?;
            }
            match job.job_type.as_str() {
                "upgradeAccessAgent" => {
                    if let Some(a) = s.app.as_mut() {
                        if let Some(u) = a.agent_upgrade.as_mut().filter(|u| u.status == "RUNNING")
                        {
                            u.status = "SUCCESS".into();
                            u.time = now.wire();
                            a.agent_version = u.to.clone();
                            s.updated = now.wire();
                            write_server(tx, &s, false)?;
                        }
                    }
                }
                "rejoinDomain" => {
                    let group = match &s.app {
                        Some(a) => rows::server_group(conn, project_id, &a.server_group_id)?,
                        None => None,
                    };
                    if let (Some(g), Some(a)) = (group, s.app.as_mut()) {
                        if a.ou_name != g.ou_name {
                            a.ou_name = g.ou_name.clone();
                            s.updated = now.wire();
                            write_server(tx, &s, false)?;
                        }
                    }
                }
                "deleteServer" => {
                    if let (Some(state), Some(h)) = (guard.as_mut(), &s.host_id) {
                        if let Some(i) = state.hosts.get(h).copied() {
                            let d = demand_of(&s, &state.zones);
                            state.fleet.release(i, &d);
                        }
                    }
                    conn.execute(
                        "DELETE FROM ecs_group_members WHERE server_id = ?1",
                        [&s.id],
                    )
                    .map_err(db_err)?;
                    conn.execute("DELETE FROM servers WHERE id = ?1", [&s.id])
                        .map_err(db_err)?;
                    // The server group's view counts its servers.
                    if let Some(a) = &s.app {
                        tx.touch(&a.server_group_id);
                    }
                    s.status = "DELETED".into();
                }
                _ => {}
            }
        }
        sub.status = "SUCCESS".into();
        sub.end_time = now.wire();
    }
    job.status = "SUCCESS".into();
    job.end_time = now.wire();
    write_job(conn, &job)?;
    // Image jobs that follow this one settle in the same write.
    super::image_rows::job_finished(tx, &job, now)?;
    Ok(Some(job))
}

/// Start deleting servers (all must exist in the project): they go to `DELETING` and a
/// running `deleteServer` job is returned; [`finish_job`] removes them.
pub(crate) fn delete(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    let conn = tx.db();
    let mut servers = Vec::with_capacity(ids.len());
    for id in ids {
        servers.push(rows::server(conn, project_id, id)?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Reason::EcsServerNotFound,
                format!("ECS {id} does not exist"),
            )
        })?);
    }
    let mut subs = Vec::with_capacity(servers.len());
    for (n, mut s) in servers.into_iter().enumerate() {
        s.status = "DELETING".into();
        s.updated = now.wire();
        write_server(tx, &s, false)?;
        leave_service(tx, &s, now)?;
        subs.push(SubJob {
            job_id: format!("{job_id}-{}", n + 1),
            job_type: "deleteSingleServer".into(),
            status: "RUNNING".into(),
            server_id: s.id,
            begin_time: now.wire(),
            end_time: String::new(),
            error_code: String::new(),
            fail_reason: String::new(),
        });
    }
    let job = Job {
        id: job_id.to_string(),
        project_id: project_id.to_string(),
        job_type: "deleteServer".into(),
        status: "RUNNING".into(),
        sub_jobs: subs,
        begin_time: now.wire(),
        end_time: String::new(),
        error_code: String::new(),
        fail_reason: String::new(),
    };
    write_job(conn, &job)?;
    Ok(job)
}

/// `(project, job)` of every running job (to resume after a restart).
pub(crate) fn running_jobs(conn: &Connection) -> Result<Vec<Job>> {
    rows::docs(conn, "SELECT doc FROM jobs WHERE status = 'RUNNING'", [])
}

pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Server>)> {
    let (count, docs) = rows::page(
        conn,
        ("doc", "servers", "project_id = ?", "seq"),
        vec![crate::db::Value::Text(project_id.to_string())],
        offset,
        limit,
    )?;
    Ok((count, rows::decode(&docs)?))
}

/// Servers per host id (for the hosts view).
pub(crate) fn by_host(conn: &Connection) -> Result<HashMap<String, Vec<String>>> {
    let rows = conn
        .prepare_cached("SELECT host_id, id FROM servers WHERE host_id IS NOT NULL ORDER BY seq")
        .map_err(db_err)?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (h, s) in rows {
        out.entry(h).or_default().push(s);
    }
    Ok(out)
}

/// Create app servers in a server group: the group's own anti-affinity ECS group is created
/// with its first servers (outside the ECS-group quota), then [`create`] places them.
pub(crate) fn create_app(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    mut a: crate::CreateServersArgs,
) -> Result<(Job, Vec<Server>)> {
    let conn = tx.db();
    let sg_id = a
        .app
        .as_ref()
        .map(|x| x.server_group_id.clone())
        .ok_or_else(|| Error::internal("app info missing"))?;
    let mut sg = rows::server_group(conn, &a.project_id, &sg_id)?
        .ok_or_else(|| Error::not_found("server group", &sg_id))?;
    let ecs_group = match &sg.ecs_group_id {
        Some(g) => g.clone(),
        None => {
            let g = openwks_core::ecs::EcsServerGroup {
                id: tx.ids().uuid(),
                project_id: a.project_id.clone(),
                name: format!("wks-{}", sg.name),
                policies: vec![openwks_core::ecs::ANTI_AFFINITY.to_string()],
                metadata: [("openwks:server_group_id".to_string(), sg.id.clone())]
                    .into_iter()
                    .collect(),
                created_at: a.now.wire(),
            };
            super::ecs::create(tx.db(), &g, i64::MAX)?;
            sg.ecs_group_id = Some(g.id.clone());
            super::server_groups::replace_doc(tx, &sg)?;
            g.id
        }
    };
    if let Some(app) = a.app.as_mut() {
        app.config_version = sg.config_version;
    }
    a.request.group = Some(ecs_group);
    a.max_members = i64::MAX;
    create(tx, fleet, &a)
}

/// App servers of a project, filtered.
pub(crate) fn list_app(
    conn: &Connection,
    project_id: &str,
    f: &crate::AppServerFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Server>)> {
    let docs = conn
        .prepare_cached(
            "SELECT doc FROM servers WHERE project_id = ?1 AND app_server_group_id IS NOT NULL \
             AND (app_server_group_id = ?2 OR ?2 IS NULL) AND (id = ?3 OR ?3 IS NULL) ORDER BY seq",
        )
        .map_err(db_err)?
        .query_map(params![project_id, f.server_group_id, f.server_id], |r| {
            r.get::<_, String>(0)
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut all = Vec::new();
    for d in docs {
        let s: Server = serde_json::from_str(&d).map_err(json_err)?;
        let app = s.app.as_ref();
        if f.name_contains
            .as_ref()
            .is_some_and(|n| !s.name.to_lowercase().contains(&n.to_lowercase()))
            || f.maintain_status
                .is_some_and(|m| app.is_none_or(|a| a.maintain_status != m))
            || f.scaling_auto_create
                .is_some_and(|m| app.is_none_or(|a| a.scaling_auto_create != m))
            || f.ip.as_ref().is_some_and(|ip| !s.ip.contains(ip.as_str()))
        {
            continue;
        }
        all.push(s);
    }
    let count = all.len() as i64;
    Ok((
        count,
        all.into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect(),
    ))
}

/// Apply `f` to an app server.
pub(crate) fn update_app(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    f: crate::ServerUpdate,
) -> Result<Server> {
    let conn = tx.db();
    let mut s = rows::server(conn, project_id, id)?
        .filter(|s| s.app.is_some())
        .ok_or_else(|| Error::not_found("app server", id))?;
    f(&mut s)?;
    write_server(tx, &s, false)?;
    Ok(s)
}

/// Apply `f` to any server (ECS `update_server`).
pub(crate) fn update_any(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    f: crate::ServerUpdate,
) -> Result<Server> {
    let mut s = rows::server(tx.db(), project_id, id)?.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            Reason::EcsServerNotFound,
            format!("ECS {id} does not exist"),
        )
    })?;
    f(&mut s)?;
    write_server(tx, &s, false)?;
    Ok(s)
}

/// App servers that are drained (openwks extension), oldest first.
fn drained_app(conn: &Connection) -> Result<Vec<Server>> {
    // A drain is the only `"drain":{` in a server's document: a quote inside a name or a
    // description is escaped there.
    let docs = rows::strings(
        conn,
        "SELECT doc FROM servers WHERE app_server_group_id IS NOT NULL AND doc LIKE '%\"drain\":{%' ORDER BY seq",
        [],
    )?;
    docs.iter()
        .map(|d| serde_json::from_str::<Server>(d).map_err(json_err))
        .filter(|s| {
            s.as_ref()
                .map_or(true, |s| s.app.as_ref().is_some_and(|a| a.drain.is_some()))
        })
        .collect()
}

/// App servers of a server group counted by `ServerStatus`.
pub(crate) fn group_states(
    conn: &Connection,
    server_group_id: &str,
) -> Result<std::collections::BTreeMap<String, i64>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM servers WHERE app_server_group_id = ?1",
        [server_group_id],
    )?;
    let mut out: std::collections::BTreeMap<String, i64> =
        openwks_core::server_group::SERVER_STATUSES
            .iter()
            .map(|s| ((*s).to_string(), 0))
            .collect();
    for d in docs {
        let s: Server = serde_json::from_str(&d).map_err(json_err)?;
        *out.entry(openwks_core::compute::server_status(&s).to_string())
            .or_default() += 1;
    }
    Ok(out)
}

/// The power actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    /// SHUTOFF → ACTIVE.
    Start,
    /// ACTIVE → SHUTOFF.
    Stop,
    /// ACTIVE → REBOOT (or HARD_REBOOT) → ACTIVE.
    Reboot {
        /// `HARD` reboot.
        hard: bool,
    },
}

/// Start a power action on servers (all must exist and be in the state the action needs, else
/// nothing changes): a running job that [`finish_job`] completes.
pub(crate) fn power(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    action: PowerAction,
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    let conn = tx.db();
    let (job_type, need) = match action {
        PowerAction::Start => ("startServer", "SHUTOFF"),
        PowerAction::Stop => ("stopServer", "ACTIVE"),
        PowerAction::Reboot { .. } => ("rebootServer", "ACTIVE"),
    };
    let mut servers = Vec::with_capacity(ids.len());
    for id in ids {
        let s = rows::server(conn, project_id, id)?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                Reason::EcsServerNotFound,
                format!("ECS {id} does not exist"),
            )
        })?;
        if s.status != need {
            return Err(Error::new(
                ErrorKind::Invalid,
                Reason::EcsBadStatus,
                format!("server {id} is {}; {job_type} needs it {need}", s.status),
            ));
        }
        servers.push(s);
    }
    let mut subs = Vec::with_capacity(servers.len());
    for (n, mut s) in servers.into_iter().enumerate() {
        if let PowerAction::Reboot { hard } = action {
            s.status = if hard {
                "HARD_REBOOT".into()
            } else {
                "REBOOT".into()
            };
            s.updated = now.wire();
            write_server(tx, &s, false)?;
            leave_service(tx, &s, now)?;
        }
        subs.push(SubJob {
            job_id: format!("{job_id}-{}", n + 1),
            job_type: job_type.into(),
            status: "RUNNING".into(),
            server_id: s.id,
            begin_time: now.wire(),
            end_time: String::new(),
            error_code: String::new(),
            fail_reason: String::new(),
        });
    }
    let job = Job {
        id: job_id.to_string(),
        project_id: project_id.to_string(),
        job_type: job_type.into(),
        status: "RUNNING".into(),
        sub_jobs: subs,
        begin_time: now.wire(),
        end_time: String::new(),
        error_code: String::new(),
        fail_reason: String::new(),
    };
    write_job(conn, &job)?;
    Ok(job)
}

/// Add a stopped server to an ECS group: it stays on its host if no member is there, else it
/// moves to a host that keeps the policy and has room; if there is none, nothing changes and
/// the answer says why.
pub(crate) fn add_to_group(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    s: &mut Server,
    group_id: &str,
) -> Result<()> {
    let conn = tx.db();
    let members: Vec<String> = rows::strings(
        conn,
        "SELECT host_id FROM ecs_group_members WHERE group_id = ?1",
        [group_id],
    )?;
    let mut guard = fleet
        .lock()
        .map_err(|_| Error::internal("fleet lock poisoned"))?;
    let state = fresh(conn, &mut guard)?;
    let on_member_host = s.host_id.as_ref().is_some_and(|h| members.contains(h));
    if on_member_host || s.host_id.is_none() {
        let avoid: HashSet<HostIdx> = members
            .iter()
            .filter_map(|h| state.hosts.get(h).copied())
            .collect();
        let d = demand_of(s, &state.zones);
        let az_free = Demand {
            az: state.zones.get(&s.availability_zone).copied(),
            ..d
        };
        let new = state
            .fleet
            .place(&az_free, &avoid, openwks_sched::Weigher::Spread)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Invalid,
                    Reason::EcsNoCapacity,
                    format!("the ECS cannot join the group: {e}"),
                )
            })?;
        if let Some(old) = s.host_id.as_ref().and_then(|h| state.hosts.get(h).copied()) {
            state.fleet.release(old, &d);
        }
        s.host_id = Some(state.fleet.hosts()[new as usize].id.clone());
    }
    let host = s.host_id.clone().unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO ecs_group_members (group_id, server_id, host_id) VALUES (?1, ?2, ?3)",
    )
    .map_err(db_err)?
    .execute([group_id, &s.id, &host])
    .map_err(db_err)?;
    s.ecs_group_id = Some(group_id.to_string());
    write_server(tx, s, false)
}

pub(crate) fn running_job(
    project_id: &str,
    job_id: &str,
    job_type: &str,
    ids: &[String],
    now: Timestamp,
) -> Job {
    Job {
        id: job_id.to_string(),
        project_id: project_id.to_string(),
        job_type: job_type.to_string(),
        status: "RUNNING".into(),
        sub_jobs: ids
            .iter()
            .enumerate()
            .map(|(n, id)| SubJob {
                job_id: format!("{job_id}-{}", n + 1),
                job_type: job_type.to_string(),
                status: "RUNNING".into(),
                server_id: id.clone(),
                begin_time: now.wire(),
                end_time: String::new(),
                error_code: String::new(),
                fail_reason: String::new(),
            })
            .collect(),
        begin_time: now.wire(),
        end_time: String::new(),
        error_code: String::new(),
        fail_reason: String::new(),
    }
}

fn app_server(conn: &Connection, project_id: &str, id: &str) -> Result<Server> {
    rows::server(conn, project_id, id)?
        .filter(|s| s.app.is_some())
        .ok_or_else(|| Error::not_found("app server", id))
}

/// Rebuild app servers (reinstall or change image): with `image = None` each takes its server
/// group's *current* image and configuration version (so an image change of the group reaches
/// existing servers only now); with `Some`, that image. Servers must be `ACTIVE` or `SHUTOFF`;
/// all or nothing.
pub(crate) fn rebuild(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    image: Option<&str>,
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    let conn = tx.db();
    let mut servers = Vec::with_capacity(ids.len());
    for id in ids {
        let s = app_server(conn, project_id, id)?;
        if !matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF") {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!(
                    "server {id} is {}; it can be rebuilt when ACTIVE or SHUTOFF",
                    s.status
                ),
            ));
        }
        servers.push(s);
    }
    for mut s in servers {
        let Some(app) = s.app.clone() else { continue };
        let sg = rows::server_group(conn, project_id, &app.server_group_id)?;
        match image {
            Some(i) => s.image_id = i.to_string(),
            None => {
                if let Some(sg) = &sg {
                    s.image_id = sg.image_id.clone();
                    s.root_volume_type = sg.system_disk_type.clone();
                    s.root_volume_size = sg.system_disk_size;
                    if let Some(a) = s.app.as_mut() {
                        a.config_version = sg.config_version;
                        a.ou_name = sg.ou_name.clone();
                    }
                }
            }
        }
        s.status = "REBUILD".into();
        s.updated = now.wire();
        write_server(tx, &s, false)?;
        leave_service(tx, &s, now)?;
    }
    let kind = if image.is_some() {
        "changeImage"
    } else {
        "rebuildServer"
    };
    let job = running_job(project_id, job_id, kind, ids, now);
    write_job(conn, &job)?;
    Ok(job)
}

/// Start a job that re-applies a part of the server group's configuration to running app
/// servers: `rejoinDomain` (on completion each server takes the group's current OU) or
/// `updateTsvi` (the virtual-IP setting, which follows the group). Servers must be `ACTIVE`;
/// all or nothing.
pub(crate) fn reconfigure(
    conn: &Connection,
    project_id: &str,
    ids: &[String],
    kind: &str,
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    if !matches!(kind, "rejoinDomain" | "updateTsvi") {
        return Err(Error::internal(format!("unknown reconfiguration {kind}")));
    }
    for id in ids {
        let s = app_server(conn, project_id, id)?;
        if s.status != "ACTIVE" {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("server {id} is {}; it must be running (ACTIVE)", s.status),
            ));
        }
    }
    let job = running_job(project_id, job_id, kind, ids, now);
    write_job(conn, &job)?;
    Ok(job)
}

/// Start upgrading the access agent of app servers to `target` (all or nothing): each must be
/// running and run another version; each takes no new sessions until the job ends, when it
/// runs `target` (`finish_job`).
pub(crate) fn upgrade_agents(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    target: &str,
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    let conn = tx.db();
    for id in ids {
        let mut s = app_server(conn, project_id, id)?;
        if s.status != "ACTIVE" {
            return Err(Error::invalid(
                Reason::InvalidParameter,
                format!("server {id} is {}; it must be running (ACTIVE)", s.status),
            ));
        }
        let Some(a) = s.app.as_mut() else { continue };
        if a.upgrading() {
            return Err(Error::conflict(
                Reason::Conflict,
                format!("server {id} is already upgrading its access agent"),
            ));
        }
        if a.agent_version == target {
            return Err(Error::conflict(
                Reason::Conflict,
                format!("server {id} already runs access agent {target}"),
            ));
        }
        a.agent_upgrade = Some(openwks_core::compute::AgentUpgrade {
            from: a.agent_version.clone(),
            to: target.to_string(),
            status: "RUNNING".into(),
            time: now.wire(),
        });
        s.updated = now.wire();
        write_server(tx, &s, false)?;
    }
    let job = running_job(project_id, job_id, "upgradeAccessAgent", ids, now);
    write_job(conn, &job)?;
    Ok(job)
}

/// Migrate servers to `host_id`: all or nothing; the host must be in the server's AZ, have room
/// and run no other member of the server's anti-affinity group.
pub(crate) fn migrate(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    project_id: &str,
    ids: &[String],
    host_id: &str,
    job_id: &str,
    now: Timestamp,
) -> Result<Job> {
    let conn = tx.db();
    let mut guard = fleet
        .lock()
        .map_err(|_| Error::internal("fleet lock poisoned"))?;
    let state = fresh(conn, &mut guard)?;
    let target = *state.hosts.get(host_id).ok_or_else(|| {
        Error::invalid(
            Reason::InvalidParameter,
            format!("host {host_id} does not exist"),
        )
    })?;
    let target_az = state.specs[target as usize].availability_zone.clone();
    let mut moved: Vec<(Server, Option<HostIdx>)> = Vec::new();
    let undo = |state: &mut FleetState, moved: &[(Server, Option<HostIdx>)]| {
        for (s, old) in moved {
            let d = demand_of(s, &state.zones);
            state.fleet.release(target, &d);
            if let Some(o) = old {
                state.fleet.claim(*o, &d);
            }
        }
    };
    for id in ids {
        let s = match app_server(conn, project_id, id) {
            Ok(s) => s,
            Err(e) => {
                undo(state, &moved);
                return Err(e);
            }
        };
        let fail = |why: String| {
            Error::invalid(
                Reason::InvalidParameter,
                format!("server {id} cannot migrate to {host_id}: {why}"),
            )
        };
        let check = (|| {
            if s.status != "ACTIVE" && s.status != "SHUTOFF" {
                return Err(fail(format!("it is {}", s.status)));
            }
            if s.host_id.as_deref() == Some(host_id) {
                return Err(fail("it already runs there".into()));
            }
            if s.availability_zone != target_az {
                return Err(fail(format!(
                    "the host is in {target_az}, the server in {}",
                    s.availability_zone
                )));
            }
            if let Some(g) = &s.ecs_group_id {
                let taken: Option<String> = conn
                    .prepare_cached("SELECT server_id FROM ecs_group_members WHERE group_id = ?1 AND host_id = ?2")
                    .map_err(db_err)?
                    .query_row([g, host_id], |r| r.get(0))
                    .optional()
                    .map_err(db_err)?;
                if taken.is_some()
                    || moved
                        .iter()
                        .any(|(m, _)| m.ecs_group_id.as_deref() == Some(g))
                {
                    return Err(fail(
                        "another member of its anti-affinity group runs there".into(),
                    ));
                }
            }
            Ok(())
        })();
        if let Err(e) = check {
            undo(state, &moved);
            return Err(e);
        }
        let d = demand_of(&s, &state.zones);
        let h = &state.fleet.hosts()[target as usize];
        if h.vcpus - h.used_vcpus < d.vcpus
            || h.memory_mb - h.used_memory_mb < d.memory_mb
            || h.gpus - h.used_gpus < d.gpus
        {
            undo(state, &moved);
            return Err(fail("the host has no room for it".into()));
        }
        let old = s.host_id.as_ref().and_then(|h| state.hosts.get(h).copied());
        if let Some(o) = old {
            state.fleet.release(o, &d);
        }
        state.fleet.claim(target, &d);
        moved.push((s, old));
    }
    let write_all = (|| {
        for (s, _) in &moved {
            let mut s = s.clone();
            s.host_id = Some(host_id.to_string());
            s.status = "MIGRATING".into();
            s.updated = now.wire();
            write_server(tx, &s, false)?;
            leave_service(tx, &s, now)?;
            conn.execute(
                "UPDATE ecs_group_members SET host_id = ?1 WHERE server_id = ?2",
                [host_id, &s.id],
            )
            .map_err(db_err)?;
        }
        let job = running_job(project_id, job_id, "migrateServer", ids, now);
        write_job(conn, &job)?;
        Ok(job)
    })();
    if write_all.is_err() {
        undo(state, &moved);
    }
    write_all
}

/// Every sub-job of a project's jobs, newest job first, with its job's type.
pub(crate) fn sub_jobs(conn: &Connection, project_id: &str) -> Result<Vec<(Job, SubJob)>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM jobs WHERE project_id = ?1 ORDER BY rowid DESC",
        [project_id],
    )?;
    let mut out = Vec::new();
    for d in docs {
        let j: Job = serde_json::from_str(&d).map_err(json_err)?;
        for s in j.sub_jobs.clone() {
            out.push((j.clone(), s));
        }
    }
    Ok(out)
}

/// Delete sub-jobs by id (finished ones only; a job left with none is deleted).
pub(crate) fn delete_sub_jobs(
    conn: &Connection,
    project_id: &str,
    ids: &[String],
) -> Result<usize> {
    let mut n = 0;
    for (job, _) in sub_jobs(conn, project_id)? {
        let mut j = job.clone();
        let before = j.sub_jobs.len();
        j.sub_jobs
            .retain(|s| !(ids.contains(&s.job_id) && s.status != "RUNNING"));
        if j.sub_jobs.len() != before {
            n += before - j.sub_jobs.len();
            if j.sub_jobs.is_empty() {
                conn.execute("DELETE FROM jobs WHERE id = ?1", [&j.id])
                    .map_err(db_err)?;
            } else {
                write_job(conn, &j)?;
            }
        }
    }
    Ok(n)
}

/// Apply a member operation to existing servers: `remove` drops the membership (the policy no
/// longer applies to the ECS); `add` needs a stopped ECS (vendor rule) and is refused otherwise.
/// Returns, per server, `None` on success or the failure.
pub(crate) fn change_ecs_members(
    tx: &WriteTx,
    fleet: &Mutex<Option<FleetState>>,
    project_id: &str,
    group_id: &str,
    ids: &[String],
    change: crate::Change,
) -> Result<Vec<Option<Error>>> {
    let conn = tx.db();
    ecs::require(conn, project_id, group_id)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(mut s) = rows::server(conn, project_id, id)? else {
            out.push(Some(Error::new(
                ErrorKind::NotFound,
                Reason::EcsServerNotFound,
                format!("ECS {id} does not exist"),
            )));
            continue;
        };
        if change == crate::Change::Add {
            if s.status != "SHUTOFF" {
                out.push(Some(Error::new(
                    ErrorKind::Invalid,
                    Reason::EcsBadStatus,
                    format!(
                        "ECS {id} is {}: only a stopped ECS can be added to an ECS group",
                        s.status
                    ),
                )));
            } else if s.ecs_group_id.is_some() {
                out.push(Some(invalid(format!(
                    "ECS {id} is already a member of an ECS group"
                ))));
            } else {
                // Failure (no host keeps the policy) changes nothing.
                out.push(add_to_group(tx, fleet, &mut s, group_id).err());
            }
            continue;
        }
        let n = conn
            .execute(
                "DELETE FROM ecs_group_members WHERE group_id = ?1 AND server_id = ?2",
                [group_id, id],
            )
            .map_err(db_err)?;
        if n == 0 {
            out.push(Some(invalid(format!(
                "ECS {id} is not a member of ECS group {group_id}"
            ))));
            continue;
        }
        s.ecs_group_id = None;
        rewrite(tx, &s)?;
        out.push(None);
    }
    Ok(out)
}

#[async_trait::async_trait]
impl crate::Compute for SqlStore {
    async fn load_hosts(&self, hosts: Vec<openwks_core::catalogue::HostSpec>) -> Result<()> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| {
            let state = FleetState::load(c.db(), hosts)?;
            *fleet
                .lock()
                .map_err(|_| Error::internal("fleet lock poisoned"))? = Some(state);
            Ok(())
        })
        .await
    }

    async fn host_usage(&self) -> Result<crate::HostUsage> {
        let (usage, specs) = match self
            .fleet
            .lock()
            .map_err(|_| Error::internal("fleet lock poisoned"))?
            .as_ref()
        {
            Some(f) => (f.usage(), f.specs()),
            None => Default::default(),
        };
        // Another replica may have placed servers since this one's last write: count afresh.
        let usage = if self.shared() && !specs.is_empty() {
            self.read(move |c| FleetState::load(c, specs).map(|f| f.usage()))
                .await?
        } else {
            usage
        };
        let by_host = self.read(by_host).await?;
        Ok(usage
            .into_iter()
            .map(|(h, u)| {
                let s = by_host.get(&h).cloned().unwrap_or_default();
                (h, (u, s))
            })
            .collect())
    }

    async fn create_servers(
        &self,
        args: crate::CreateServersArgs,
    ) -> Result<(
        openwks_core::compute::Job,
        Vec<openwks_core::compute::Server>,
    )> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| create(c, &fleet, &args)).await
    }

    async fn finish_job(
        &self,
        project_id: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<Option<openwks_core::compute::Job>> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| finish_job(c, &fleet, &project_id, &job_id, now))
            .await
    }

    async fn delete_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        self.write(move |c| delete(c, &project_id, &ids, &job_id, now))
            .await
    }

    async fn job(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::compute::Job>> {
        self.read_one(move |c| load_job(c, &project_id, &id)).await
    }

    async fn running_jobs(&self) -> Result<Vec<openwks_core::compute::Job>> {
        self.read(running_jobs).await
    }

    async fn server(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::compute::Server>> {
        self.read_one(move |c| rows::server(c, &project_id, &id))
            .await
    }

    async fn list_servers(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::compute::Server>)> {
        self.read(move |c| list(c, &project_id, offset, limit))
            .await
    }

    async fn change_ecs_members(
        &self,
        project_id: String,
        group_id: String,
        server_ids: Vec<String>,
        change: crate::Change,
    ) -> Result<Vec<Option<Error>>> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| {
            change_ecs_members(c, &fleet, &project_id, &group_id, &server_ids, change)
        })
        .await
    }

    async fn create_app_servers(
        &self,
        args: crate::CreateServersArgs,
    ) -> Result<(
        openwks_core::compute::Job,
        Vec<openwks_core::compute::Server>,
    )> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| create_app(c, &fleet, args)).await
    }

    async fn list_app_servers(
        &self,
        project_id: String,
        filter: crate::AppServerFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::compute::Server>)> {
        self.read(move |c| list_app(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn update_app_server(
        &self,
        project_id: String,
        id: String,
        update: crate::ServerUpdate,
    ) -> Result<openwks_core::compute::Server> {
        self.write(move |c| update_app(c, &project_id, &id, update))
            .await
    }

    async fn update_server(
        &self,
        project_id: String,
        id: String,
        update: crate::ServerUpdate,
    ) -> Result<openwks_core::compute::Server> {
        self.write(move |c| update_any(c, &project_id, &id, update))
            .await
    }

    async fn drained_app_servers(&self) -> Result<Vec<openwks_core::compute::Server>> {
        self.read(drained_app).await
    }

    async fn server_group_states(
        &self,
        project_id: String,
        server_group_id: String,
    ) -> Result<std::collections::BTreeMap<String, i64>> {
        self.read(move |c| {
            rows::server_group(c, &project_id, &server_group_id)?
                .ok_or_else(|| Error::not_found("server group", &server_group_id))?;
            group_states(c, &server_group_id)
        })
        .await
    }

    async fn power_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        action: crate::PowerAction,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        self.write(move |c| power(c, &project_id, &ids, action, &job_id, now))
            .await
    }

    async fn rebuild_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        image: Option<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        self.write(move |c| rebuild(c, &project_id, &ids, image.as_deref(), &job_id, now))
            .await
    }

    async fn reconfigure_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        kind: &'static str,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        self.write(move |c| reconfigure(c.db(), &project_id, &ids, kind, &job_id, now))
            .await
    }

    async fn upgrade_access_agents(
        &self,
        project_id: String,
        ids: Vec<String>,
        target_version: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        self.write(move |c| upgrade_agents(c, &project_id, &ids, &target_version, &job_id, now))
            .await
    }

    async fn migrate_app_servers(
        &self,
        project_id: String,
        ids: Vec<String>,
        host_id: String,
        job_id: String,
        now: Timestamp,
    ) -> Result<openwks_core::compute::Job> {
        let fleet = Arc::clone(&self.fleet);
        self.write(move |c| migrate(c, &fleet, &project_id, &ids, &host_id, &job_id, now))
            .await
    }

    async fn sub_jobs(
        &self,
        project_id: String,
    ) -> Result<Vec<(openwks_core::compute::Job, openwks_core::compute::SubJob)>> {
        self.read(move |c| sub_jobs(c, &project_id)).await
    }

    async fn delete_sub_jobs(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| delete_sub_jobs(c.db(), &project_id, &ids))
            .await
    }
}
