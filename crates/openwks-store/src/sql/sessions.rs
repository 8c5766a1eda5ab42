//! Sessions, routing state and scaling activities.
//!
//! Routing is decided on the writer thread, inside the write job that records the session: the
//! choice of a server and the count of its new session are one atomic step, so racing launches
//! can never put more than `max_session` sessions on a server. The writer keeps one
//! [`Router`] per server group in memory (O(log n) per decision). A router is built from the
//! database (servers and their live sessions) when first needed and is dropped whenever a write
//! touches its group (`WriteTx::touch`: a server created, started, stopped, put in maintenance or
//! deleted; the group updated; a standby added): within the batch that touched it, a launch
//! rebuilds it from the transaction's own view, and after the commit it is forgotten. A failed
//! commit forgets every router. Ending a session adjusts the router in place.

use super::engine::SqlStore;
use super::rows;
use std::collections::HashMap;
use std::sync::Arc;

use crate::db::{params, Connection, OptionalExtension};
use openwks_core::catalogue::Catalogue;
use openwks_core::error::{ErrorKind, Reason};
use openwks_core::routing::{self, Candidate, Policy, Router};
use openwks_core::scaling::ServerLoad;
use openwks_core::server_group::ServerGroup;
use openwks_core::session::{
    check_launch, AppConnection, ConnectionFilter, LaunchSpec, LaunchTarget, Session,
    SessionFilter, SessionState,
};
use openwks_core::time::Timestamp;
use openwks_core::{Error, Result};

use super::rows::{docs, json_err};
use super::tx::{Routed, WriteTx};
use crate::db::db_err;
use crate::{GroupDecision, LaunchArgs, LaunchOutcome, ScalingActivity};

/// What routing needs of a group, read from the database.
pub(crate) struct GroupState {
    pub(crate) group: ServerGroup,
    pub(crate) standbys: Vec<String>,
    pub(crate) candidates: Vec<Candidate>,
    pub(crate) places: HashMap<String, (String, String)>,
    pub(crate) policy: Policy,
    /// Per server: created by scaling, and since when it has had no session.
    pub(crate) loads: Vec<ServerLoad>,
    /// The drains of its drained servers (what `explain` says of them).
    pub(crate) drains: HashMap<String, openwks_core::compute::Drain>,
}

fn live_count(conn: &Connection, server_id: &str) -> Result<u32> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM sessions WHERE server_id = ?1 AND state IN ('Active', 'Disconnected')",
    )
    .map_err(db_err)?
    .query_row([server_id], |r| r.get::<_, u32>(0))
    .map_err(db_err)
}

/// Live sessions per server id.
pub(crate) fn live_counts(conn: &Connection, ids: &[&str]) -> Result<HashMap<String, u32>> {
    ids.iter()
        .map(|id| Ok((id.to_string(), live_count(conn, id)?)))
        .collect()
}

fn ms_of(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).map_or(0, |t| t.timestamp_millis())
}

/// Read a group's routing state (in the caller's transaction).
pub(crate) fn group_state(
    conn: &Connection,
    project_id: &str,
    id: &str,
    catalogue: &Catalogue,
) -> Result<Option<GroupState>> {
    let Some(group) = rows::server_group(conn, project_id, id)? else {
        return Ok(None);
    };
    let standbys = rows::strings(
        conn,
        "SELECT id FROM server_groups WHERE primary_id = ?1 ORDER BY seq",
        [id],
    )?;
    let rows: Vec<(i64, String)> = conn
        .prepare_cached("SELECT seq, doc FROM servers WHERE app_server_group_id = ?1 ORDER BY seq")
        .map_err(db_err)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut candidates = Vec::with_capacity(rows.len());
    let mut places = HashMap::with_capacity(rows.len());
    let mut loads = Vec::with_capacity(rows.len());
    let mut drains = HashMap::new();
    let mut gpus = 0;
    for (seq, doc) in rows {
        let s: openwks_core::compute::Server = serde_json::from_str(&doc).map_err(json_err)?;
        let sessions = live_count(conn, &s.id)?;
        let app = s.app.as_ref();
        let maintain = app.is_some_and(|a| a.maintain_status);
        let upgrading = app.is_some_and(|a| a.upgrading());
        let drain = app.and_then(|a| a.drain.clone());
        let drained = drain.is_some();
        if let Some(d) = drain {
            drains.insert(s.id.clone(), d);
        }
        gpus = gpus.max(s.gpus);
        let idle_since_ms = if sessions > 0 {
            None
        } else {
            let last_end: Option<i64> = conn
                .prepare_cached("SELECT MAX(end_ms) FROM sessions WHERE server_id = ?1")
                .map_err(db_err)?
                .query_row([&s.id], |r| r.get(0))
                .map_err(db_err)?;
            Some(last_end.unwrap_or(0).max(ms_of(&s.created)))
        };
        loads.push(ServerLoad {
            id: s.id.clone(),
            auto_created: app.is_some_and(|a| a.scaling_auto_create),
            vm_status: s.status.clone(),
            // An upgrading server is no capacity and is never released mid-upgrade.
            maintain: maintain || upgrading,
            drained,
            sessions,
            idle_since_ms,
        });
        places.insert(s.id.clone(), (s.name.clone(), s.ip.clone()));
        candidates.push(Candidate {
            id: s.id,
            order: u64::try_from(seq).unwrap_or(0),
            vm_status: s.status,
            maintain,
            drained,
            upgrading,
            sessions,
        });
    }
    let policy = Policy::for_group(&group, catalogue.product(&group.product_id), gpus);
    Ok(Some(GroupState {
        group,
        standbys,
        candidates,
        places,
        policy,
        loads,
        drains,
    }))
}

/// Run `f` on the writer's router of group `id`, building it first when it is missing or its
/// group was touched since it was built. `None` when the group does not exist.
fn with_router<R>(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    catalogue: &Catalogue,
    f: impl FnOnce(&mut Routed) -> R,
) -> Result<Option<R>> {
    if !tx.has_router(id) {
        let Some(gs) = group_state(tx.db(), project_id, id, catalogue)? else {
            tx.drop_router(id);
            return Ok(None);
        };
        let mut router = Router::new(gs.policy);
        for c in gs.candidates {
            router.set(c);
        }
        tx.put_router(
            id,
            Routed::new(router, gs.standbys, gs.group.name, gs.places),
        );
    }
    Ok(tx.with_router(id, f))
}

pub(crate) fn write_session(conn: &Connection, s: &Session, insert: bool) -> Result<()> {
    let doc = serde_json::to_string(s).map_err(json_err)?;
    let sql = if insert {
        "INSERT INTO sessions (id, project_id, user_name, primary_server_group_id, server_group_id, \
         server_id, state, start_ms, end_ms, deadline_ms, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    } else {
        "UPDATE sessions SET project_id = ?2, user_name = ?3, primary_server_group_id = ?4, \
         server_group_id = ?5, server_id = ?6, state = ?7, start_ms = ?8, end_ms = ?9, \
         deadline_ms = ?10, doc = ?11 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            s.id,
            s.project_id,
            s.user_name,
            s.primary_server_group_id,
            s.server_group_id,
            s.server_id,
            s.state.as_str(),
            s.start_ms,
            s.end_ms,
            s.deadline_ms(),
            doc
        ])
        .map_err(db_err)?;
    Ok(())
}

fn record_connection(conn: &Connection, c: &AppConnection) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO app_connections (id, project_id, session_id, doc) VALUES (?1, ?2, ?3, ?4)",
    )
    .map_err(db_err)?
    .execute(params![
        c.id,
        c.project_id,
        c.session_id,
        serde_json::to_string(c).map_err(json_err)?
    ])
    .map_err(db_err)?;
    Ok(())
}

/// A session of the project.
pub(crate) fn load(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Session>> {
    rows::by_id(conn, "sessions", project_id, id)
}

fn live_of_user(
    conn: &Connection,
    project_id: &str,
    user: &str,
    primary: &str,
) -> Result<Option<Session>> {
    let doc: Option<String> = conn
        .prepare_cached(
            "SELECT doc FROM sessions WHERE project_id = ?1 AND user_name = ?2 \
             AND primary_server_group_id = ?3 AND state IN ('Active', 'Disconnected')",
        )
        .map_err(db_err)?
        .query_row([project_id, user, primary], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    doc.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

/// The decision for every group a launch may use (primary first, then its standbys), with the
/// rule that passed over each server; read-only.
pub(crate) fn explain(
    conn: &Connection,
    project_id: &str,
    primary: &str,
    catalogue: &Catalogue,
) -> Result<Vec<GroupDecision>> {
    let Some(first) = group_state(conn, project_id, primary, catalogue)? else {
        return Err(Error::not_found("server group", primary));
    };
    let standbys = first.standbys.clone();
    let mut out = vec![decision_of(first)];
    for sid in standbys {
        if let Some(gs) = group_state(conn, project_id, &sid, catalogue)? {
            out.push(decision_of(gs));
        }
    }
    Ok(out)
}

fn decision_of(mut gs: GroupState) -> GroupDecision {
    let d = routing::explain(&gs.policy, &gs.candidates);
    let passed_over = d
        .passed_over
        .into_iter()
        .map(|(id, e)| match e {
            routing::Exclusion::Drained(None) => {
                let by = gs.drains.remove(&id).map(Box::new);
                (id, routing::Exclusion::Drained(by))
            }
            e => (id, e),
        })
        .collect();
    GroupDecision {
        server_group_id: gs.group.id,
        server_group_name: gs.group.name,
        chosen: d.chosen,
        passed_over,
    }
}

/// Why nobody could take the session, one clause per group.
fn no_capacity(decisions: &[GroupDecision]) -> Error {
    let parts: Vec<String> = decisions
        .iter()
        .map(|d| {
            if d.passed_over.is_empty() {
                return format!("server group {} has no servers", d.server_group_id);
            }
            let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
            for (_, e) in &d.passed_over {
                *by.entry(e.code()).or_default() += 1;
            }
            let reasons: Vec<String> = by.iter().map(|(k, n)| format!("{n} {k}")).collect();
            format!(
                "server group {}: {} servers passed over ({})",
                d.server_group_id,
                d.passed_over.len(),
                reasons.join(", ")
            )
        })
        .collect();
    Error::new(
        ErrorKind::Unavailable,
        Reason::NoCapacity,
        format!("no server can take a new session now: {}", parts.join("; ")),
    )
}

/// Route and record a launch (see the module comment).
/// The preconditions of a launch, read and checked on `conn`: in the launch's own write
/// (so what a revoke, a disable or an unbind acknowledged before it changed is what it sees),
/// or on a read snapshot for a dry run.
pub(crate) fn launch_target(
    conn: &Connection,
    project_id: &str,
    spec: &LaunchSpec,
) -> Result<LaunchTarget> {
    let group = super::app_groups::get(conn, project_id, &spec.app_group_id)?;
    let app = match &group {
        Some(_) => super::apps::get(conn, project_id, &spec.app_group_id, &spec.app_id)?,
        None => None,
    };
    let (auths, user_groups) = if group.is_some() && app.is_some() {
        super::authorizations::access_facts(conn, project_id, &spec.app_group_id, &spec.user_name)?
    } else {
        (Vec::new(), Vec::new())
    };
    check_launch(
        spec,
        group.as_ref().map(|g| &g.group),
        app.as_ref(),
        &auths,
        &user_groups,
    )
}

/// The effective policy of `spec`'s launch whose app group is served by `primary`
/// (`openwks_core::policy::effective`, `docs/policies.md`), with who set each field; `None`
/// when the project has no policy group (the initial policy applies; nothing more is read).
/// The launch's write and the launch route's answer both read it here.
pub(crate) fn effective_policy(
    conn: &Connection,
    project_id: &str,
    spec: &LaunchSpec,
    primary: &str,
) -> Result<Option<openwks_core::policy::Effective>> {
    let docs: Vec<String> = conn
        .prepare_cached("SELECT doc FROM policy_groups WHERE project_id = ?1 ORDER BY seq")
        .map_err(db_err)?
        .query_map([project_id], |r| r.get(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    if docs.is_empty() {
        return Ok(None);
    }
    let groups: Vec<openwks_core::policy::PolicyGroup> = rows::decode(&docs)?;
    let (_, user_groups) =
        super::authorizations::access_facts(conn, project_id, &spec.app_group_id, &spec.user_name)?;
    let subject = openwks_core::policy::Subject {
        user_name: spec.user_name.clone(),
        user_groups,
        app_group_id: spec.app_group_id.clone(),
        ou_name: rows::server_group(conn, project_id, primary)?
            .map(|g| g.ou_name)
            .unwrap_or_default(),
    };
    Ok(Some(openwks_core::policy::effective(&groups, &subject)))
}

/// The disconnect timeout a new session keeps: its effective policy's (`None`, the default,
/// without policy groups).
fn disconnect_timeout(
    conn: &Connection,
    project_id: &str,
    spec: &LaunchSpec,
    primary: &str,
) -> Result<Option<i64>> {
    Ok(effective_policy(conn, project_id, spec, primary)?
        .and_then(|e| openwks_core::policy::disconnect_timeout_ms(&e.policies)))
}

pub(crate) fn launch(tx: &WriteTx, a: &LaunchArgs) -> Result<LaunchOutcome> {
    let conn = tx.db();
    let target = launch_target(conn, &a.project_id, &a.spec)?;
    let primary = target.primary_server_group_id.as_str();
    if let Some(mut s) = live_of_user(conn, &a.project_id, &a.spec.user_name, primary)? {
        // Reconnect: the user's session on this group is reused (apps share it).
        if s.state == SessionState::Disconnected {
            s.set_state(SessionState::Active, a.now);
        }
        if !a.spec.client_ip.is_empty() {
            s.client_ip = a.spec.client_ip.clone();
        }
        write_session(conn, &s, false)?;
        record_connection(conn, &connection_of(a, &target, &s))?;
        return Ok(LaunchOutcome {
            session: s,
            reused: true,
        });
    }
    let mut tried = vec![primary.to_string()];
    let mut chosen: Option<(String, String, String, String, String)> = None;
    let mut i = 0;
    while i < tried.len() {
        let gid = tried[i].clone();
        let pick = with_router(tx, &a.project_id, &gid, &a.catalogue, |r| {
            let pick = r.router.choose().and_then(|id| {
                r.places
                    .get(id)
                    .map(|(n, ip)| (id.to_string(), n.clone(), ip.clone()))
            });
            (pick, r.standbys.clone(), r.name.clone())
        })?;
        let Some((pick, standbys, name)) = pick else {
            if i == 0 {
                return Err(Error::not_found("server group", &gid));
            }
            i += 1;
            continue;
        };
        if i == 0 {
            tried.extend(standbys);
        }
        if let Some((sid, machine, ip)) = pick {
            chosen = Some((gid, name, sid, machine, ip));
            break;
        }
        i += 1;
    }
    let Some((gid, gname, server_id, machine_name, vm_ip)) = chosen else {
        return Err(no_capacity(&explain(
            conn,
            &a.project_id,
            primary,
            &a.catalogue,
        )?));
    };
    let secondary = (gid != primary).then(|| gid.clone());
    let s = Session {
        id: a.session_id.clone(),
        project_id: a.project_id.clone(),
        user_name: a.spec.user_name.clone(),
        app_group_id: a.spec.app_group_id.clone(),
        app_id: a.spec.app_id.clone(),
        app_name: target.app_name.clone(),
        server_id: server_id.clone(),
        machine_name,
        vm_ip,
        server_group_id: gid.clone(),
        server_group_name: gname,
        primary_server_group_id: primary.to_string(),
        secondary_server_group_id: secondary,
        session_type: target.session_type,
        state: SessionState::Active,
        client_ip: a.spec.client_ip.clone(),
        client_type: a.spec.client_type.clone(),
        start_time: a.now.wire(),
        start_ms: a.now.ms(),
        end_time: String::new(),
        end_ms: None,
        last_update_status_time: a.now.wire(),
        last_update_ms: a.now.ms(),
        logoff_at_ms: None,
        disconnect_timeout_ms: disconnect_timeout(conn, &a.project_id, &a.spec, primary)?,
    };
    write_session(conn, &s, true)?;
    record_connection(conn, &connection_of(a, &target, &s))?;
    // Count it last: nothing after this can fail and roll the job back.
    tx.with_router(&gid, |r| r.router.adjust(&server_id, 1));
    Ok(LaunchOutcome {
        session: s,
        reused: false,
    })
}

fn connection_of(a: &LaunchArgs, t: &LaunchTarget, s: &Session) -> AppConnection {
    AppConnection {
        id: a.connection_id.clone(),
        session_id: s.id.clone(),
        project_id: s.project_id.clone(),
        user_name: s.user_name.clone(),
        app_group_id: a.spec.app_group_id.clone(),
        app_group_name: t.app_group_name.clone(),
        app_id: a.spec.app_id.clone(),
        app_name: t.app_name.clone(),
        server_id: s.server_id.clone(),
        machine_name: s.machine_name.clone(),
        vm_ip: s.vm_ip.clone(),
        primary_server_group_id: s.primary_server_group_id.clone(),
        secondary_server_group_id: s.secondary_server_group_id.clone(),
        client_ip: a.spec.client_ip.clone(),
        client_type: a.spec.client_type.clone(),
        brokering_time: a.now.wire(),
        brokering_ms: a.now.ms(),
    }
}

/// End a live session (it frees its slot): the router of its group counts one fewer.
fn end(tx: &WriteTx, s: &mut Session, now: Timestamp) -> Result<()> {
    let conn = tx.db();
    let was_live = s.is_live();
    s.set_state(SessionState::SignedOut, now);
    write_session(conn, s, false)?;
    if was_live {
        tx.with_router(&s.server_group_id, |r| r.router.adjust(&s.server_id, -1));
    }
    Ok(())
}

/// Log off a session now (the launch route's `DELETE`); ending an ended session is a no-op.
pub(crate) fn logoff_now(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<Session> {
    let conn = tx.db();
    let mut s = load(conn, project_id, id)?.ok_or_else(|| Error::not_found("session", id))?;
    if s.is_live() {
        end(tx, &mut s, now)?;
    }
    Ok(s)
}

/// Move live session `id` to another server (a hotspot migration): in this one write it ends
/// and its user's app is launched again, routed as any launch (the server it leaves is passed
/// over by routing's own rules while it is hot). `Conflict`, and nothing written, when it is
/// not live or routing would put it back on the same server; `NoCapacity` when no server can
/// take it.
pub(crate) fn migrate(tx: &WriteTx, a: &LaunchArgs, id: &str) -> Result<LaunchOutcome> {
    let old = load(tx.db(), &a.project_id, id)?.ok_or_else(|| Error::not_found("session", id))?;
    if !old.is_live() {
        return Err(Error::conflict(
            Reason::Conflict,
            format!("session {id} is over: there is nothing to move"),
        ));
    }
    logoff_now(tx, &a.project_id, id, a.now)?;
    let out = launch(tx, a)?;
    if out.session.server_id == old.server_id {
        return Err(Error::conflict(
            Reason::Conflict,
            format!(
                "routing would put session {id} back on server {}",
                old.server_id
            ),
        ));
    }
    Ok(out)
}

/// The user disconnected: the session keeps its slot until the disconnect timeout.
pub(crate) fn disconnect(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<Session> {
    let conn = tx.db();
    let mut s = load(conn, project_id, id)?.ok_or_else(|| Error::not_found("session", id))?;
    if !s.is_live() {
        return Err(Error::conflict(
            Reason::Conflict,
            format!(
                "session {id} is {}: only a live session can disconnect",
                s.state
            ),
        ));
    }
    if s.state == SessionState::Active {
        s.set_state(SessionState::Disconnected, now);
        write_session(conn, &s, false)?;
    }
    Ok(s)
}

/// `logoff_user_session`: every id must name a session of the project (all or nothing); live
/// ones end now (`delay_secs` 0) or get a pending logoff; ended ones are left alone.
pub(crate) fn logoff(
    tx: &WriteTx,
    project_id: &str,
    ids: &[String],
    delay_secs: i64,
    now: Timestamp,
) -> Result<()> {
    let conn = tx.db();
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.push(load(conn, project_id, id)?.ok_or_else(|| Error::not_found("session", id))?);
    }
    for mut s in found.into_iter().filter(Session::is_live) {
        if delay_secs == 0 {
            end(tx, &mut s, now)?;
        } else {
            let at = now.ms() + delay_secs * 1000;
            s.logoff_at_ms = Some(s.logoff_at_ms.map_or(at, |x| x.min(at)));
            write_session(conn, &s, false)?;
        }
    }
    Ok(())
}

/// End every session whose deadline (pending logoff, disconnect timeout) has passed; returns
/// how many ended.
/// Whether a session's logoff or disconnect deadline has passed.
pub(crate) fn any_due(conn: &Connection, now_ms: i64) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE deadline_ms IS NOT NULL AND deadline_ms <= ?1)",
        [now_ms],
        |r| r.get(0),
    )
    .map_err(db_err)
}

pub(crate) fn expire(tx: &WriteTx, now: Timestamp) -> Result<usize> {
    let conn = tx.db();
    let due: Vec<Session> = docs(
        conn,
        "SELECT doc FROM sessions WHERE deadline_ms IS NOT NULL AND deadline_ms <= ?1",
        [now.ms()],
    )?;
    let n = due.len();
    for mut s in due {
        end(tx, &mut s, now)?;
    }
    Ok(n)
}

/// End the live sessions of a server that stops serving (stopped, deleted, rebuilt).
pub(crate) fn end_on_server(tx: &WriteTx, server_id: &str, now: Timestamp) -> Result<()> {
    let conn = tx.db();
    let live: Vec<Session> = docs(
        conn,
        "SELECT doc FROM sessions WHERE server_id = ?1 AND state IN ('Active', 'Disconnected')",
        [server_id],
    )?;
    for mut s in live {
        end(tx, &mut s, now)?;
    }
    Ok(())
}

/// Sessions of a project, newest first (by start), filtered; `(count, page)`.
pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    f: &SessionFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Session>)> {
    use crate::db::Value;
    // The filter runs in SQL (indexed columns, JSON fields of the document for the rest), so a
    // page costs the page, not the history; a store test checks it against
    // `SessionFilter::matches`.
    if f.is_success == Some(false) {
        return Ok((0, Vec::new()));
    }
    let mut sql = String::from(" FROM sessions WHERE project_id = ?");
    let mut ps: Vec<Value> = vec![Value::Text(project_id.to_string())];
    let mut eq = |col: &str, v: &Option<String>, sql: &mut String| {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            ps.push(Value::Text(v.clone()));
        }
    };
    eq("user_name", &f.user_name, &mut sql);
    eq("server_group_id", &f.server_group_id, &mut sql);
    eq("json_extract(doc, '$.vm_ip')", &f.vm_ip, &mut sql);
    eq("json_extract(doc, '$.client_ip')", &f.public_ip, &mut sql);
    eq(
        "json_extract(doc, '$.machine_name')",
        &f.machine_name,
        &mut sql,
    );
    if let Some(b) = f.begin_ms {
        sql.push_str(" AND start_ms >= ?");
        ps.push(Value::Integer(b));
    }
    if let Some(e) = f.end_ms {
        sql.push_str(" AND start_ms <= ?");
        ps.push(Value::Integer(e));
    }
    if let Some(states) = &f.states {
        if states.is_empty() {
            return Ok((0, Vec::new()));
        }
        sql.push_str(&format!(
            " AND state IN ({})",
            vec!["?"; states.len()].join(", ")
        ));
        ps.extend(states.iter().map(|s| Value::Text(s.as_str().to_string())));
    }
    let count: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*){sql}"))
        .map_err(db_err)?
        .query_row(crate::db::params_from_iter(ps.iter()), |r| r.get(0))
        .map_err(db_err)?;
    ps.push(Value::Integer(limit.max(0)));
    ps.push(Value::Integer(offset.max(0)));
    let page = docs(
        conn,
        &format!("SELECT doc{sql} ORDER BY start_ms DESC, seq DESC LIMIT ? OFFSET ?"),
        crate::db::params_from_iter(ps.iter()),
    )?;
    Ok((count, page))
}

/// App connections of a project, newest first, filtered in SQL, each with the session it
/// ran in; `(count, page)`.
pub(crate) fn connections(
    conn: &Connection,
    project_id: &str,
    f: &ConnectionFilter,
    offset: i64,
    limit: i64,
) -> Result<crate::ConnectionPage> {
    use crate::db::Value;
    if f.nothing {
        return Ok((0, Vec::new()));
    }
    let mut sql = String::from(" FROM app_connections c WHERE c.project_id = ?");
    let mut ps: Vec<Value> = vec![Value::Text(project_id.to_string())];
    for (field, v) in &f.exact {
        // Field names come from a fixed list, never from the request.
        if !openwks_core::session::CONNECTION_FIELDS.contains(field) {
            return Err(Error::internal(format!("unknown connection field {field}")));
        }
        sql.push_str(&format!(" AND json_extract(c.doc, '$.{field}') = ?"));
        ps.push(Value::Text(v.clone()));
    }
    if let Some(from) = f.from_ms {
        sql.push_str(" AND CAST(json_extract(c.doc, '$.brokering_ms') AS BIGINT) >= ?");
        ps.push(Value::Integer(from));
    }
    if let Some(to) = f.to_ms {
        sql.push_str(" AND CAST(json_extract(c.doc, '$.brokering_ms') AS BIGINT) <= ?");
        ps.push(Value::Integer(to));
    }
    let count: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*){sql}"))
        .map_err(db_err)?
        .query_row(crate::db::params_from_iter(ps.iter()), |r| r.get(0))
        .map_err(db_err)?;
    ps.push(Value::Integer(limit.max(0)));
    ps.push(Value::Integer(offset.max(0)));
    let rows: Vec<(String, Option<String>)> = conn
        .prepare_cached(&format!(
            "SELECT c.doc, (SELECT s.doc FROM sessions s WHERE s.id = c.session_id){sql} \
             ORDER BY c.seq DESC LIMIT ? OFFSET ?"
        ))
        .map_err(db_err)?
        .query_map(crate::db::params_from_iter(ps.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let page = rows
        .into_iter()
        .map(|(c, s)| {
            Ok((
                serde_json::from_str(&c).map_err(json_err)?,
                s.map(|s| serde_json::from_str(&s).map_err(json_err))
                    .transpose()?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((count, page))
}

/// Scaling activities kept per group (older ones are dropped as new ones arrive).
pub(crate) const ACTIVITIES_KEPT: i64 = 1000;

/// Record a scaling decision (keeping the newest [`ACTIVITIES_KEPT`] of the group).
pub(crate) fn record_activity(conn: &Connection, a: &ScalingActivity) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO scaling_activities (id, project_id, server_group_id, doc) VALUES (?1, ?2, ?3, ?4)",
    )
    .map_err(db_err)?
    .execute(params![
        a.id,
        a.project_id,
        a.server_group_id,
        serde_json::to_string(a).map_err(json_err)?
    ])
    .map_err(db_err)?;
    conn.prepare_cached(
        "DELETE FROM scaling_activities WHERE project_id = ?1 AND server_group_id = ?2 AND seq <= \
         (SELECT seq FROM scaling_activities WHERE project_id = ?1 AND server_group_id = ?2 \
          ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
    )
    .map_err(db_err)?
    .execute(params![a.project_id, a.server_group_id, ACTIVITIES_KEPT])
    .map_err(db_err)?;
    Ok(())
}

/// Scaling activities of a group, newest first.
pub(crate) fn activities(
    conn: &Connection,
    project_id: &str,
    server_group_id: &str,
    limit: i64,
) -> Result<Vec<ScalingActivity>> {
    docs(
        conn,
        "SELECT doc FROM scaling_activities WHERE project_id = ?1 AND server_group_id = ?2 \
         ORDER BY seq DESC LIMIT ?3",
        params![project_id, server_group_id, limit],
    )
}

/// Take idle servers out of service for a scale-in, race-free: each server is taken out of
/// routing first, its live sessions are counted again, and only a server still without a
/// session goes on to be deleted (the caller's delete job). All of it in one write job, so no
/// launch can land on it in between. Returns the ids to delete.
pub(crate) fn release_idle(
    tx: &WriteTx,
    project_id: &str,
    server_group_id: &str,
    ids: &[String],
) -> Result<Vec<String>> {
    let conn = tx.db();
    let mut out = Vec::new();
    for id in ids {
        let Some(s) = rows::server(conn, project_id, id)? else {
            continue;
        };
        let ours = s
            .app
            .as_ref()
            .is_some_and(|a| a.server_group_id == server_group_id && a.scaling_auto_create);
        if !ours || s.status == "DELETING" {
            continue;
        }
        tx.with_router(server_group_id, |r| r.router.remove(id));
        if live_count(conn, id)? == 0 {
            out.push(id.clone());
        } else {
            // A session got there first: it stays in service. The group is touched so
            // its router is rebuilt with the server back in it.
            tx.touch(server_group_id);
        }
    }
    Ok(out)
}

/// Live sessions per `(server group, server)`.
pub(crate) fn live_by_server(conn: &Connection) -> Result<Vec<(String, String, u64)>> {
    conn.prepare_cached(
        "SELECT server_group_id, server_id, COUNT(*) FROM sessions \
         WHERE state IN ('Active', 'Disconnected') GROUP BY server_group_id, server_id \
         ORDER BY server_group_id, server_id",
    )
    .map_err(db_err)?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .map_err(db_err)?
    .collect::<crate::db::DbResult<Vec<_>>>()
    .map_err(db_err)
}

/// Store an export's result.
pub(crate) fn save_export(conn: &Connection, project_id: &str, id: &str, doc: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO export_tasks (id, project_id, doc) VALUES (?1, ?2, ?3)")
        .map_err(db_err)?
        .execute(params![id, project_id, doc])
        .map_err(db_err)?;
    Ok(())
}

/// An export's result.
pub(crate) fn export(conn: &Connection, project_id: &str, id: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT doc FROM export_tasks WHERE id = ?1 AND project_id = ?2")
        .map_err(db_err)?
        .query_row([id, project_id], |r| r.get(0))
        .optional()
        .map_err(db_err)
}

/// Groups with an enabled scaling policy: `(project, id)` (an indexed column kept with the
/// group's document).
pub(crate) fn scaling_groups(conn: &Connection) -> Result<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT project_id, id FROM server_groups WHERE scaling_enabled = 1 ORDER BY seq",
    )
    .map_err(db_err)?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .map_err(db_err)?
    .collect::<crate::db::DbResult<Vec<_>>>()
    .map_err(db_err)
}

#[async_trait::async_trait]
impl crate::Sessions for SqlStore {
    async fn launch(&self, args: crate::LaunchArgs) -> Result<crate::LaunchOutcome> {
        self.write(move |c| launch(c, &args)).await
    }

    async fn launch_target(
        &self,
        project_id: String,
        spec: openwks_core::session::LaunchSpec,
    ) -> Result<openwks_core::session::LaunchTarget> {
        self.read(move |c| launch_target(c, &project_id, &spec))
            .await
    }

    async fn explain_routing(
        &self,
        project_id: String,
        server_group_id: String,
        catalogue: Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Vec<crate::GroupDecision>> {
        self.read(move |c| explain(c, &project_id, &server_group_id, &catalogue))
            .await
    }

    async fn session(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::session::Session>> {
        self.read(move |c| load(c, &project_id, &id)).await
    }

    async fn end_session(
        &self,
        project_id: String,
        id: String,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session> {
        self.write(move |c| logoff_now(c, &project_id, &id, now))
            .await
    }

    async fn migrate_session(
        &self,
        args: crate::LaunchArgs,
        session_id: String,
    ) -> Result<crate::LaunchOutcome> {
        self.write(move |c| migrate(c, &args, &session_id)).await
    }

    async fn disconnect_session(
        &self,
        project_id: String,
        id: String,
        now: Timestamp,
    ) -> Result<openwks_core::session::Session> {
        self.write(move |c| disconnect(c, &project_id, &id, now))
            .await
    }

    async fn logoff_sessions(
        &self,
        project_id: String,
        ids: Vec<String>,
        delay_secs: i64,
        now: Timestamp,
    ) -> Result<()> {
        self.write(move |c| logoff(c, &project_id, &ids, delay_secs, now))
            .await
    }

    async fn expire_sessions(&self, now: Timestamp) -> Result<usize> {
        // Most rounds find nothing due: then no write (which on PostgreSQL would also retire
        // every replica's cached views).
        if !self.read_one(move |c| any_due(c, now.ms())).await? {
            return Ok(0);
        }
        self.write(move |c| expire(c, now)).await
    }

    async fn list_sessions(
        &self,
        project_id: String,
        filter: openwks_core::session::SessionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::session::Session>)> {
        self.read(move |c| list(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn app_connections(
        &self,
        project_id: String,
        filter: openwks_core::session::ConnectionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<crate::ConnectionPage> {
        self.read(move |c| connections(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn live_session_counts(
        &self,
        server_ids: Vec<String>,
    ) -> Result<std::collections::HashMap<String, u32>> {
        self.read(move |c| {
            let ids: Vec<&str> = server_ids.iter().map(String::as_str).collect();
            live_counts(c, &ids)
        })
        .await
    }

    async fn live_sessions_by_server(&self) -> Result<Vec<(String, String, u64)>> {
        self.read(live_by_server).await
    }

    async fn save_export(&self, project_id: String, id: String, doc: String) -> Result<()> {
        self.write(move |c| save_export(c.db(), &project_id, &id, &doc))
            .await
    }

    async fn export(&self, project_id: String, id: String) -> Result<Option<String>> {
        self.read(move |c| export(c, &project_id, &id)).await
    }
}
