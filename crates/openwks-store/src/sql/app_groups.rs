//! App groups. The document is the source of truth; `name`, `app_server_group_id`,
//! `authorization_type` and `app_type` are indexed copies kept in the same transaction.

use super::engine::SqlStore;
use super::rows;
use super::tx::WriteTx;
use std::collections::HashMap;

use crate::db::Value;
use crate::db::{params, params_from_iter, Connection};
use openwks_core::app_group::{check_binding, check_server_group, AppGroup, AppGroupView};
use openwks_core::error::Reason;
use openwks_core::server_group::ServerGroup;
use openwks_core::{Error, Result};

use super::rows::json_err;
use crate::db::db_err;
use crate::{AppGroupFilter, AppGroupUpdate};

/// Views with the bound server groups' names and descriptions, loaded in one batch.
pub(crate) fn views(conn: &Connection, groups: Vec<AppGroup>) -> Result<Vec<AppGroupView>> {
    let sg_ids: Vec<Value> = groups
        .iter()
        .filter_map(|g| g.app_server_group_id.clone())
        .map(Value::Text)
        .collect();
    let mut sgs: HashMap<String, ServerGroup> = HashMap::new();
    if !sg_ids.is_empty() {
        let marks = vec!["?"; sg_ids.len()].join(",");
        let docs = conn
            .prepare_cached(&format!(
                "SELECT doc FROM server_groups WHERE id IN ({marks})"
            ))
            .map_err(db_err)?
            .query_map(params_from_iter(sg_ids.iter()), |r| r.get::<_, String>(0))
            .map_err(db_err)?
            .collect::<crate::db::DbResult<Vec<_>>>()
            .map_err(db_err)?;
        for d in docs {
            let g: ServerGroup = serde_json::from_str(&d).map_err(json_err)?;
            sgs.insert(g.id.clone(), g);
        }
    }
    let ag_ids: Vec<Value> = groups.iter().map(|g| Value::Text(g.id.clone())).collect();
    let app_counts = rows::app_counts(conn, &ag_ids)?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let sg = g.app_server_group_id.as_ref().and_then(|id| sgs.get(id));
            AppGroupView {
                app_server_group_name: sg.map(|s| s.name.clone()).unwrap_or_default(),
                app_server_group_description: sg.map(|s| s.description.clone()).unwrap_or_default(),
                app_count: app_counts.get(&g.id).copied().unwrap_or(0),
                group: g,
            }
        })
        .collect())
}

fn view(conn: &Connection, g: AppGroup) -> Result<AppGroupView> {
    views(conn, vec![g])?
        .pop()
        .ok_or_else(|| Error::internal("view of one app group came back empty"))
}

pub(crate) fn get(conn: &Connection, project_id: &str, id: &str) -> Result<Option<AppGroupView>> {
    rows::app_group(conn, project_id, id)?
        .map(|g| view(conn, g))
        .transpose()
}

fn name_taken(
    conn: &Connection,
    project_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<bool> {
    rows::name_taken(conn, "app_groups", "project_id", project_id, name, except)
}

pub(crate) fn name_is_taken(conn: &Connection, project_id: &str, name: &str) -> Result<bool> {
    name_taken(conn, project_id, name, None)
}

/// The server group `g` binds to, with the binding rules checked.
fn check(conn: &Connection, g: &AppGroup) -> Result<()> {
    let sg = match &g.app_server_group_id {
        Some(sid) => rows::server_group(conn, &g.project_id, sid)?,
        None => None,
    };
    check_server_group(g, sg.as_ref())?;
    if let Some(sid) = &g.app_server_group_id {
        check_binding(sg.as_ref(), rows::app_groups_bound(conn, sid, Some(&g.id))?)?;
    }
    Ok(())
}

fn write(tx: &WriteTx, g: &AppGroup, insert: bool) -> Result<()> {
    let conn = tx.db();
    let doc = serde_json::to_string(g).map_err(json_err)?;
    let sql = if insert {
        "INSERT INTO app_groups (id, project_id, name, app_server_group_id, authorization_type, app_type, doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    } else {
        "UPDATE app_groups SET project_id = ?2, name = ?3, app_server_group_id = ?4, authorization_type = ?5, \
         app_type = ?6, doc = ?7 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            g.id,
            g.project_id,
            g.name,
            g.app_server_group_id,
            g.authorization_type,
            g.app_type,
            doc
        ])
        .map_err(db_err)?;
    // The server group's view shows how many app groups are bound to it.
    if let Some(sid) = &g.app_server_group_id {
        tx.touch(sid);
    }
    Ok(())
}

pub(crate) fn create(tx: &WriteTx, g: &AppGroup) -> Result<AppGroupView> {
    let conn = tx.db();
    if name_taken(conn, &g.project_id, &g.name, None)? {
        return Err(Error::conflict(
            Reason::DuplicateAppGroupName,
            format!("an app group named {} already exists", g.name),
        ));
    }
    check(conn, g)?;
    write(tx, g, true)?;
    view(conn, g.clone())
}

pub(crate) fn update(
    tx: &WriteTx,
    project_id: &str,
    id: &str,
    f: AppGroupUpdate,
) -> Result<AppGroupView> {
    let conn = tx.db();
    let mut g =
        rows::app_group(conn, project_id, id)?.ok_or_else(|| Error::not_found("app group", id))?;
    let before = g.clone();
    let lookup = |sid: &str| rows::server_group(conn, project_id, sid).ok().flatten();
    f(&mut g, &lookup)?;
    if g.name != before.name && name_taken(conn, project_id, &g.name, Some(id))? {
        return Err(Error::conflict(
            Reason::DuplicateAppGroupName,
            format!("an app group named {} already exists", g.name),
        ));
    }
    if g.app_server_group_id != before.app_server_group_id || g.app_type != before.app_type {
        check(conn, &g)?;
    }
    write(tx, &g, false)?;
    if let Some(old) = &before.app_server_group_id {
        tx.touch(old);
    }
    view(conn, g)
}

/// Delete the app groups of `ids` that exist (others are ignored); returns how many went.
pub(crate) fn delete(tx: &WriteTx, project_id: &str, ids: &[String]) -> Result<usize> {
    let conn = tx.db();
    let mut n = 0;
    for id in ids {
        if let Some(g) = rows::app_group(conn, project_id, id)? {
            if let Some(sid) = &g.app_server_group_id {
                tx.touch(sid);
            }
            // Deleting an app group removes its authorizations (issue 3).
            super::authorizations::remove_all_of_app_group(conn, id)?;
            super::apps::remove_all_of_app_group(conn, id)?;
            conn.prepare_cached("DELETE FROM app_groups WHERE id = ?1")
                .map_err(db_err)?
                .execute([id])
                .map_err(db_err)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Unbind every app group of a server group.
pub(crate) fn disassociate(tx: &WriteTx, project_id: &str, server_group_id: &str) -> Result<usize> {
    let conn = tx.db();
    if rows::server_group(conn, project_id, server_group_id)?.is_none() {
        return Err(Error::not_found("server group", server_group_id));
    }
    let docs = conn
        .prepare_cached("SELECT doc FROM app_groups WHERE app_server_group_id = ?1")
        .map_err(db_err)?
        .query_map([server_group_id], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    for d in &docs {
        let mut g: AppGroup = serde_json::from_str(d).map_err(json_err)?;
        g.app_server_group_id = None;
        write(tx, &g, false)?;
    }
    tx.touch(server_group_id);
    Ok(docs.len())
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

pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    f: &AppGroupFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<AppGroupView>)> {
    let mut wh = String::from("project_id = ?");
    let mut args: Vec<Value> = vec![Value::Text(project_id.to_string())];
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            wh.push_str(&format!(" AND {col} = ?"));
            args.push(Value::Text(v.clone()));
        }
    };
    eq("app_server_group_id", &f.app_server_group_id);
    eq("id", &f.app_group_id);
    eq("authorization_type", &f.authorization_type);
    eq("app_type", &f.app_type);
    if let Some(n) = &f.name_contains {
        wh.push_str(" AND name LIKE ? ESCAPE '\\'");
        args.push(Value::Text(like_pattern(n)));
    }
    let (count, docs) = rows::page(
        conn,
        ("doc", "app_groups", &wh, "seq DESC"),
        args,
        offset,
        limit,
    )?;
    Ok((count, views(conn, rows::decode(&docs)?)?))
}

#[async_trait::async_trait]
impl crate::AppGroups for SqlStore {
    async fn create_app_group(
        &self,
        group: openwks_core::app_group::AppGroup,
    ) -> Result<openwks_core::app_group::AppGroupView> {
        self.write(move |c| create(c, &group)).await
    }

    async fn app_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::app_group::AppGroupView>> {
        self.read(move |c| get(c, &project_id, &id)).await
    }

    async fn app_group_name_taken(&self, project_id: String, name: String) -> Result<bool> {
        self.read_one(move |c| name_is_taken(c, &project_id, &name))
            .await
    }

    async fn list_app_groups(
        &self,
        project_id: String,
        filter: crate::AppGroupFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::app_group::AppGroupView>)> {
        self.read(move |c| list(c, &project_id, &filter, offset, limit))
            .await
    }

    async fn update_app_group(
        &self,
        project_id: String,
        id: String,
        update: crate::AppGroupUpdate,
    ) -> Result<openwks_core::app_group::AppGroupView> {
        self.write(move |c| self::update(c, &project_id, &id, update))
            .await
    }

    async fn delete_app_groups(&self, project_id: String, ids: Vec<String>) -> Result<usize> {
        self.write(move |c| delete(c, &project_id, &ids)).await
    }

    async fn disassociate_app_groups(
        &self,
        project_id: String,
        server_group_id: String,
    ) -> Result<usize> {
        self.write(move |c| disassociate(c, &project_id, &server_group_id))
            .await
    }
}
