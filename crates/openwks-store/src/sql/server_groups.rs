//! Server groups and their tags. The group's document (JSON) is the source of truth; the
//! indexed columns and the tag table are kept in step with it in the same transaction.

use super::engine::snapshot_stamp;
use super::engine::SqlStore;
use super::rows;
use super::tx::WriteTx;
use crate::db::Value;
use crate::db::{params, params_from_iter, Connection, OptionalExtension};
use openwks_core::app_group::check_binding;
use openwks_core::error::Reason;
use openwks_core::server_group::{check_standby, ServerGroup, ServerGroupView};
use openwks_core::{Error, Result};
use std::sync::Arc;

use super::rows::{json_err, row_docs};
use crate::db::db_err;
use crate::{Deleted, ServerGroupFilter, ServerGroupUpdate, TagUpdate};

/// Group `id` of `project_id` and its standbys in order, in one round trip.
fn load_with_standbys(
    conn: &Connection,
    project_id: &str,
    id: &str,
) -> Result<Option<(ServerGroup, Vec<ServerGroup>)>> {
    let answers = conn
        .fetch_all(vec![
            (
                "SELECT doc FROM server_groups WHERE id = ?1 AND project_id = ?2".to_string(),
                vec![Value::Text(id.into()), Value::Text(project_id.into())],
            ),
            (
                "SELECT doc FROM server_groups WHERE primary_id = ?1 ORDER BY seq".to_string(),
                vec![Value::Text(id.into())],
            ),
        ])
        .map_err(db_err)?;
    let [group, standbys] = <[Vec<crate::db::Row>; 2]>::try_from(answers)
        .map_err(|_| Error::internal("two queries, not two answers"))?;
    let Some(g) = row_docs::<ServerGroup>(&group)?.pop() else {
        return Ok(None);
    };
    Ok(Some((g, row_docs(&standbys)?)))
}

fn standby_ids(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut st = conn
        .prepare_cached("SELECT id FROM server_groups WHERE primary_id = ?1 ORDER BY seq")
        .map_err(db_err)?;
    let ids = st
        .query_map([id], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    Ok(ids)
}

pub(crate) fn view(conn: &Connection, group: ServerGroup) -> Result<ServerGroupView> {
    views(conn, vec![group])?
        .pop()
        .ok_or_else(|| Error::internal("view of one group came back empty"))
}

fn name_taken(
    conn: &Connection,
    project_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<bool> {
    rows::name_taken(
        conn,
        "server_groups",
        "project_id",
        project_id,
        name,
        except,
    )
}

pub(crate) fn name_is_taken(conn: &Connection, project_id: &str, name: &str) -> Result<bool> {
    name_taken(conn, project_id, name, None)
}

fn write_tags(conn: &Connection, g: &ServerGroup, fresh: bool) -> Result<()> {
    if !fresh {
        conn.execute_later(
            "DELETE FROM server_group_tags WHERE server_group_id = ?1",
            [&g.id],
        )
        .map_err(db_err)?;
    }
    for t in &g.tags {
        conn.execute_later(
            "INSERT INTO server_group_tags (server_group_id, project_id, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)",
            params![g.id, g.project_id, t.key, t.value],
        )
        .map_err(db_err)?;
    }
    Ok(())
}

fn insert(tx: &WriteTx, g: &ServerGroup) -> Result<()> {
    let conn = tx.db();
    let doc = serde_json::to_string(g).map_err(json_err)?;
    // Sent with the write's next round trip (a clash of ids or names fails the write there).
    conn.execute_later(
        "INSERT INTO server_groups (id, project_id, name, app_type, enterprise_project_id, primary_id, subnet_id, doc, \
         scaling_enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
        g.id,
        g.project_id,
        g.name,
        g.app_type,
        g.enterprise_project_id,
        g.primary_server_group_id,
        g.subnet_id,
        doc,
        g.scaling_policy.enable
    ],
    )
    .map_err(db_err)?;
    if !g.tags.is_empty() {
        write_tags(conn, g, true)?;
    }
    // The new group itself needs no touch: no cache can hold a view of an id that did not
    // exist (a miss is not cached), and a list read before the commit does not contain it.
    // Its primary's view changes (its standby list).
    if let Some(p) = &g.primary_server_group_id {
        tx.touch(p);
    }
    Ok(())
}

/// Store a changed group document (no tag changes).
pub(crate) fn replace_doc(tx: &WriteTx, g: &ServerGroup) -> Result<()> {
    replace(tx, g, false)
}

fn replace(tx: &WriteTx, g: &ServerGroup, tags_changed: bool) -> Result<()> {
    let conn = tx.db();
    let doc = serde_json::to_string(g).map_err(json_err)?;
    // Sent with the write's next round trip, like the tag changes.
    conn.execute_later(
        "UPDATE server_groups SET name = ?2, app_type = ?3, enterprise_project_id = ?4, primary_id = ?5, \
         subnet_id = ?6, doc = ?7, scaling_enabled = ?8 WHERE id = ?1",
        params![
        g.id,
        g.name,
        g.app_type,
        g.enterprise_project_id,
        g.primary_server_group_id,
        g.subnet_id,
        doc,
        g.scaling_policy.enable
    ])
    .map_err(db_err)?;
    if tags_changed {
        write_tags(conn, g, false)?;
    }
    tx.touch(&g.id);
    if let Some(p) = &g.primary_server_group_id {
        tx.touch(p);
    }
    Ok(())
}

pub(crate) fn create(tx: &WriteTx, g: &ServerGroup, max_groups: i64) -> Result<ServerGroupView> {
    let conn = tx.db();
    // The quota and the name in one statement (each round trip counts on a networked
    // database): quota first, then the name.
    // ... and the subnet: everything the rules read, in one round trip.
    type Facts = (i64, bool, Option<String>, Option<String>);
    let (count, taken, subnet_vpc, subnet_name): Facts = conn
        .prepare_cached(
            "SELECT p.server_group_count, EXISTS (SELECT 1 FROM server_groups s \
             WHERE s.project_id = p.id AND s.name = ?2), \
             (SELECT n.vpc_id FROM subnets n WHERE n.id = ?3 AND n.project_id = p.id), \
             (SELECT n.name FROM subnets n WHERE n.id = ?3 AND n.project_id = p.id) \
             FROM projects p WHERE p.id = ?1",
        )
        .map_err(db_err)?
        .query_row([&g.project_id, &g.name, &g.subnet_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| Error::not_found("project", &g.project_id))?;
    if count >= max_groups {
        return Err(Error::invalid(
            Reason::QuotaExceeded,
            format!("the project already has {count} server groups, the quota is {max_groups}"),
        ));
    }
    if taken {
        return Err(Error::conflict(
            Reason::DuplicateName,
            format!("a server group named {} already exists", g.name),
        ));
    }
    if subnet_vpc.as_deref() != Some(g.vpc_id.as_str()) {
        return Err(Error::invalid(
            Reason::InvalidNetwork,
            format!("subnet {} is not a subnet of VPC {}", g.subnet_id, g.vpc_id),
        ));
    }
    // A standby that does not say its storage_mount_policy inherits its primary's (what the
    // Terraform provider sends: it sets the policy with a PATCH after the POST), read here,
    // in the write.
    let standby;
    let g = match &g.primary_server_group_id {
        Some(pid) => {
            let primary = rows::server_group(conn, &g.project_id, pid)?;
            let mut s = g.clone();
            if s.storage_mount_policy.is_empty() {
                s.storage_mount_policy = primary
                    .as_ref()
                    .map_or_else(|| "ANY".to_string(), |p| p.storage_mount_policy.clone());
            }
            check_standby(primary.as_ref(), &s)?;
            standby = s;
            &standby
        }
        None => g,
    };
    insert(tx, g)?;
    conn.execute_later(
        "UPDATE projects SET server_group_count = server_group_count + 1 WHERE id = ?1",
        [&g.project_id],
    )
    .map_err(db_err)?;
    // A new id: nothing is bound to it, no standby names it, no server is in it yet.
    Ok(ServerGroupView {
        group: g.clone(),
        secondary_ids: Vec::new(),
        subnet_name: subnet_name.unwrap_or_default(),
        app_group_count: 0,
        app_server_count: 0,
    })
}

pub(crate) fn update(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    f: ServerGroupUpdate,
) -> Result<ServerGroupView> {
    let conn = tx.db();
    let (mut g, mut subs) = load_with_standbys(conn, project_id, id)?
        .ok_or_else(|| Error::not_found("server group", id))?;
    let before = g.clone();
    let primary = match &g.primary_server_group_id {
        Some(p) => rows::server_group(conn, project_id, p)?,
        None => None,
    };
    let subs_before = subs.clone();
    f(&mut g, primary.as_ref(), &mut subs)?;
    if g.name != before.name && name_taken(conn, project_id, &g.name, Some(id))? {
        return Err(Error::conflict(
            Reason::DuplicateName,
            format!("a server group named {} already exists", g.name),
        ));
    }
    // A change of app_type keeps the app-group rules create enforces: every bound app group
    // has the group's app type (WKS.00131108), and a shared desktop group has one app group
    // at most (WKS.00131105). Checked here, inside the write: a binding made meanwhile counts.
    let changed_type = std::iter::once((&g, &before))
        .chain(subs.iter().zip(&subs_before))
        .filter(|(now, was)| now.app_type != was.app_type);
    for (now, _) in changed_type {
        let bound = rows::app_groups_bound(conn, &now.id, None)?;
        check_binding(Some(now), bound - 1)?;
        let other: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM app_groups WHERE app_server_group_id = ?1 AND app_type != ?2",
            )
            .map_err(db_err)?
            .query_row([now.id.as_str(), now.app_type.as_str()], |r| r.get(0))
            .map_err(db_err)?;
        if other > 0 {
            return Err(Error::invalid(
                Reason::AppTypeMismatch,
                format!(
                    "server group {} has {other} app group(s) of another app_type bound; app_type cannot become {} while they are",
                    now.id, now.app_type
                ),
            ));
        }
    }
    replace(tx, &g, g.tags != before.tags)?;
    for (s, b) in subs.iter().zip(&subs_before) {
        if s != b {
            replace(tx, s, s.tags != b.tags)?;
        }
    }
    view(conn, g)
}

pub(crate) fn delete(tx: &WriteTx, project_id: &str, id: &str) -> Result<Deleted> {
    let conn = tx.db();
    let Some(existing) = rows::server_group(conn, project_id, id)? else {
        return Ok(Deleted::NotFound);
    };
    let servers: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM servers WHERE app_server_group_id = ?1")
        .map_err(db_err)?
        .query_row([id], |r| r.get(0))
        .map_err(db_err)?;
    if servers > 0 {
        return Err(Error::conflict(
            Reason::HasServers,
            format!("server group {id} still has {servers} server(s); delete them first"),
        ));
    }
    let bound = rows::app_groups_bound(conn, id, None)?;
    if bound > 0 {
        return Err(Error::conflict(
            Reason::HasAppGroups,
            format!("server group {id} still has {bound} app group(s) bound; delete or disassociate them first"),
        ));
    }
    let subs = standby_ids(conn, id)?;
    if !subs.is_empty() {
        return Err(Error::conflict(
            Reason::HasStandbyGroups,
            format!(
                "server group {id} still has standby group(s) {}; delete them first",
                subs.join(", ")
            ),
        ));
    }
    tx.touch(id);
    if let Some(p) = &existing.primary_server_group_id {
        tx.touch(p);
    }
    if let Some(g) = &existing.ecs_group_id {
        super::ecs::delete(tx.db(), project_id, g)?;
    }
    conn.execute(
        "DELETE FROM server_group_tags WHERE server_group_id = ?1",
        [id],
    )
    .map_err(db_err)?;
    conn.execute("DELETE FROM server_groups WHERE id = ?1", [id])
        .map_err(db_err)?;
    conn.execute(
        "UPDATE projects SET server_group_count = server_group_count - 1 WHERE id = ?1",
        [project_id],
    )
    .map_err(db_err)?;
    Ok(Deleted::Yes)
}

pub(crate) fn update_tags(
    tx: &WriteTx,
    project_id: &str,
    changes: Vec<(String, TagUpdate)>,
) -> Result<()> {
    let conn = tx.db();
    for (id, f) in changes {
        let mut g = rows::server_group(conn, project_id, &id)?
            .ok_or_else(|| Error::not_found("server group", &id))?;
        let before = g.tags.clone();
        f(&mut g.tags)?;
        if g.tags != before {
            replace(tx, &g, true)?;
        }
    }
    Ok(())
}

pub(crate) fn tag_keys(conn: &Connection, project_id: &str) -> Result<Vec<(String, Vec<String>)>> {
    let mut st = conn
        .prepare("SELECT DISTINCT tag_key, tag_value FROM server_group_tags WHERE project_id = ?1 ORDER BY tag_key, tag_value")
        .map_err(db_err)?;
    let rows = st
        .query_map([project_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in rows {
        match out.last_mut() {
            Some((lk, vs)) if *lk == k => vs.push(v),
            _ => out.push((k, vec![v])),
        }
    }
    Ok(out)
}

fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The WHERE clause of a server-group list and its arguments (the table is aliased `g`).
pub(crate) fn where_clause(project_id: &str, f: &ServerGroupFilter) -> (String, Vec<Value>) {
    let mut wh = String::from("g.project_id = ?");
    let mut args: Vec<Value> = vec![Value::Text(project_id.to_string())];
    if let Some(n) = &f.name_contains {
        wh.push_str(" AND g.name LIKE ? ESCAPE '\\'");
        args.push(Value::Text(like_pattern(n)));
    }
    if let Some(id) = &f.id {
        wh.push_str(" AND g.id = ?");
        args.push(Value::Text(id.clone()));
    }
    if let Some(a) = &f.app_type {
        wh.push_str(" AND g.app_type = ?");
        args.push(Value::Text(a.clone()));
    }
    if let Some(e) = &f.enterprise_project_id {
        wh.push_str(" AND g.enterprise_project_id = ?");
        args.push(Value::Text(e.clone()));
    }
    match f.is_secondary {
        Some(true) => wh.push_str(" AND g.primary_id IS NOT NULL"),
        Some(false) => wh.push_str(" AND g.primary_id IS NULL"),
        None => {}
    }
    for (k, v) in &f.tags {
        wh.push_str(" AND EXISTS (SELECT 1 FROM server_group_tags t WHERE t.server_group_id = g.id AND t.tag_key = ?");
        args.push(Value::Text(k.clone()));
        if let Some(v) = v {
            wh.push_str(" AND t.tag_value = ?");
            args.push(Value::Text(v.clone()));
        }
        wh.push(')');
    }
    (wh, args)
}

/// Views of several groups: their derived fields in four batched queries, sent together
/// (one round trip on PostgreSQL).
fn views(conn: &Connection, groups: Vec<ServerGroup>) -> Result<Vec<ServerGroupView>> {
    use std::collections::HashMap;
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Value> = groups.iter().map(|g| Value::Text(g.id.clone())).collect();
    let subnet_ids: Vec<Value> = groups
        .iter()
        .map(|g| Value::Text(g.subnet_id.clone()))
        .collect();
    let marks = vec!["?"; ids.len()].join(",");
    let answers = conn
        .fetch_all(vec![
            (
                format!("SELECT primary_id, id FROM server_groups WHERE primary_id IN ({marks}) ORDER BY seq"),
                ids.clone(),
            ),
            (
                format!("SELECT id, name FROM subnets WHERE id IN ({marks})"),
                subnet_ids,
            ),
            (
                format!("SELECT app_server_group_id, COUNT(*) FROM app_groups WHERE app_server_group_id IN ({marks}) GROUP BY app_server_group_id"),
                ids.clone(),
            ),
            (rows::server_counts_by_group_sql(ids.len()), ids),
        ])
        .map_err(db_err)?;
    let pairs = |rows: &[crate::db::Row]| -> Result<Vec<(String, crate::db::Value)>> {
        rows.iter()
            .map(|r| Ok((r.get(0).map_err(db_err)?, r.get(1).map_err(db_err)?)))
            .collect()
    };
    let [standby_rows, subnet_rows, app_group_rows, server_rows] =
        <[Vec<crate::db::Row>; 4]>::try_from(answers)
            .map_err(|_| Error::internal("four queries, not four answers"))?;
    let mut standbys: HashMap<String, Vec<String>> = HashMap::new();
    for (p, id) in pairs(&standby_rows)? {
        standbys
            .entry(p)
            .or_default()
            .push(crate::db::FromValue::from_value(&id).map_err(db_err)?);
    }
    let mut subnet_names: HashMap<String, String> = HashMap::new();
    for (id, name) in pairs(&subnet_rows)? {
        subnet_names.insert(id, crate::db::FromValue::from_value(&name).map_err(db_err)?);
    }
    let count = |rows: &[crate::db::Row]| -> Result<HashMap<String, i64>> {
        pairs(rows)?
            .into_iter()
            .map(|(id, n)| Ok((id, crate::db::FromValue::from_value(&n).map_err(db_err)?)))
            .collect()
    };
    let app_groups = count(&app_group_rows)?;
    let servers = count(&server_rows)?;
    Ok(groups
        .into_iter()
        .map(|g| ServerGroupView {
            secondary_ids: standbys.remove(&g.id).unwrap_or_default(),
            subnet_name: subnet_names.get(&g.subnet_id).cloned().unwrap_or_default(),
            app_group_count: app_groups.get(&g.id).copied().unwrap_or(0),
            app_server_count: servers.get(&g.id).copied().unwrap_or(0),
            group: g,
        })
        .collect())
}

/// A page of a list: the total, the views in order, and the views that were loaded from the
/// database (for the caller to offer to the cache).
pub(crate) struct Page {
    pub(crate) count: i64,
    pub(crate) items: Vec<ServerGroupView>,
    pub(crate) loaded: Vec<ServerGroupView>,
}

/// A page of server groups, newest first. Pages over ids only (the index covers the order);
/// views come from `cached` when it has them, the rest are loaded in one batch.
pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    f: &ServerGroupFilter,
    offset: i64,
    limit: i64,
    cached: &dyn Fn(&str) -> Option<ServerGroupView>,
) -> Result<Page> {
    let (wh, args) = where_clause(project_id, f);
    let count: i64 = if f.is_unfiltered() {
        // Kept in step with every create and delete, in the same transaction.
        conn.prepare_cached("SELECT server_group_count FROM projects WHERE id = ?1")
            .map_err(db_err)?
            .query_row([project_id], |r| r.get(0))
            .optional()
            .map_err(db_err)?
            .unwrap_or(0)
    } else {
        conn.prepare_cached(&format!("SELECT COUNT(*) FROM server_groups g WHERE {wh}"))
            .map_err(db_err)?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))
            .map_err(db_err)?
    };
    let mut page_args = args;
    page_args.push(Value::Integer(limit));
    page_args.push(Value::Integer(offset));
    let ids = conn
        .prepare_cached(&format!(
            "SELECT g.id FROM server_groups g WHERE {wh} ORDER BY g.seq DESC LIMIT ? OFFSET ?"
        ))
        .map_err(db_err)?
        .query_map(params_from_iter(page_args.iter()), |r| {
            r.get::<_, String>(0)
        })
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let mut slots: Vec<Option<ServerGroupView>> = ids.iter().map(|id| cached(id)).collect();
    let missing: Vec<Value> = ids
        .iter()
        .zip(&slots)
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| Value::Text(id.clone()))
        .collect();
    let mut loaded = Vec::new();
    if !missing.is_empty() {
        let marks = vec!["?"; missing.len()].join(",");
        let docs = conn
            .prepare_cached(&format!(
                "SELECT doc FROM server_groups WHERE id IN ({marks})"
            ))
            .map_err(db_err)?
            .query_map(params_from_iter(missing.iter()), |r| r.get::<_, String>(0))
            .map_err(db_err)?
            .collect::<crate::db::DbResult<Vec<_>>>()
            .map_err(db_err)?;
        let groups = docs
            .iter()
            .map(|d| serde_json::from_str::<ServerGroup>(d).map_err(json_err))
            .collect::<Result<Vec<_>>>()?;
        loaded = views(conn, groups)?;
        for v in &loaded {
            if let Some(i) = ids.iter().position(|id| *id == v.group.id) {
                slots[i] = Some(v.clone());
            }
        }
    }
    Ok(Page {
        count,
        items: slots.into_iter().flatten().collect(),
        loaded,
    })
}

#[async_trait::async_trait]
impl crate::ServerGroups for SqlStore {
    async fn create_server_group(
        &self,
        group: openwks_core::server_group::ServerGroup,
        max_groups: i64,
    ) -> Result<openwks_core::server_group::ServerGroupView> {
        self.write(move |c| create(c, &group, max_groups)).await
    }

    async fn server_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::server_group::ServerGroupView>> {
        let stamp = self.view_stamp().await?;
        if let Some(v) = self.views.lookup(stamp, &project_id, &id) {
            return Ok(Some(v));
        }
        let shared = self.shared();
        let (stamp, v) = self
            .read(move |c| {
                let stamp = snapshot_stamp(c, shared, stamp)?;
                let v = rows::server_group(c, &project_id, &id)?
                    .map(|g| view(c, g))
                    .transpose()?;
                Ok((stamp, v))
            })
            .await?;
        if let Some(v) = &v {
            self.views.store(stamp, v);
        }
        Ok(v)
    }

    async fn server_group_name_taken(&self, project_id: String, name: String) -> Result<bool> {
        self.read_one(move |c| name_is_taken(c, &project_id, &name))
            .await
    }

    async fn list_server_groups(
        &self,
        project_id: String,
        filter: crate::ServerGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::server_group::ServerGroupView>)> {
        // On a shared database this also brings the cache up to the database's generation,
        // so that the page's views can come from it.
        let generation = self.view_stamp().await?;
        let shared = self.shared();
        let views = Arc::clone(&self.views);
        let (stamp, page) = self
            .read(move |c| {
                let stamp = snapshot_stamp(c, shared, generation)?;
                let cached = |id: &str| views.lookup(stamp, &project_id, id);
                Ok((
                    stamp,
                    list(c, &project_id, &filter, offset, limit, &cached)?,
                ))
            })
            .await?;
        for v in &page.loaded {
            self.views.store(stamp, v);
        }
        Ok((page.count, page.items))
    }

    async fn update_server_group(
        &self,
        project_id: String,
        id: String,
        update: crate::ServerGroupUpdate,
    ) -> Result<openwks_core::server_group::ServerGroupView> {
        self.write(move |c| self::update(c, &project_id, &id, update))
            .await
    }

    async fn delete_server_group(&self, project_id: String, id: String) -> Result<crate::Deleted> {
        self.write(move |c| delete(c, &project_id, &id)).await
    }

    async fn update_server_group_tags(
        &self,
        project_id: String,
        changes: Vec<(String, crate::TagUpdate)>,
    ) -> Result<()> {
        self.write(move |c| update_tags(c, &project_id, changes))
            .await
    }

    async fn server_group_tag_keys(
        &self,
        project_id: String,
    ) -> Result<Vec<(String, Vec<String>)>> {
        self.read(move |c| tag_keys(c, &project_id)).await
    }
}
