//! ECS server groups.

use super::engine::SqlStore;
use super::rows;
use crate::db::{params, Connection, OptionalExtension};
use openwks_core::ecs::{invalid, EcsServerGroup};
use openwks_core::error::{ErrorKind, Reason};
use openwks_core::{Error, Result};

use super::rows::json_err;
use crate::db::db_err;
use crate::Deleted;

fn not_found(id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        Reason::EcsGroupNotFound,
        format!("ECS group {id} does not exist"),
    )
}

fn members(conn: &Connection, id: &str) -> Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT server_id FROM ecs_group_members WHERE group_id = ?1 ORDER BY rowid",
    )
    .map_err(db_err)?
    .query_map([id], |r| r.get::<_, String>(0))
    .map_err(db_err)?
    .collect::<crate::db::DbResult<Vec<_>>>()
    .map_err(db_err)
}

fn load(conn: &Connection, project_id: &str, id: &str) -> Result<Option<EcsServerGroup>> {
    rows::by_id(conn, "ecs_server_groups", project_id, id)
}

pub(crate) fn count(conn: &Connection, project_id: &str) -> Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM ecs_server_groups WHERE project_id = ?1")
        .map_err(db_err)?
        .query_row([project_id], |r| r.get(0))
        .map_err(db_err)
}

/// Create, keeping the project's quota (checked in the same transaction as the insert).
pub(crate) fn create(
    conn: &Connection,
    g: &EcsServerGroup,
    max_groups: i64,
) -> Result<crate::EcsGroupWithMembers> {
    let n = count(conn, &g.project_id)?;
    if n >= max_groups {
        return Err(invalid(format!(
            "ECS group quota exceeded: the project already has {n} of maxServerGroups {max_groups}"
        )));
    }
    conn.prepare_cached("INSERT INTO ecs_server_groups (id, project_id, doc) VALUES (?1, ?2, ?3)")
        .map_err(db_err)?
        .execute(params![
            g.id,
            g.project_id,
            serde_json::to_string(g).map_err(json_err)?
        ])
        .map_err(db_err)?;
    Ok((g.clone(), Vec::new()))
}

pub(crate) fn get(
    conn: &Connection,
    project_id: &str,
    id: &str,
) -> Result<Option<crate::EcsGroupWithMembers>> {
    match load(conn, project_id, id)? {
        Some(g) => Ok(Some((g, members(conn, id)?))),
        None => Ok(None),
    }
}

/// A page after `marker` (an id), at most `limit`; and whether more follow.
pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    marker: Option<&str>,
    limit: i64,
) -> Result<(Vec<crate::EcsGroupWithMembers>, bool)> {
    let after: i64 = match marker {
        None => 0,
        Some(m) => conn
            .prepare_cached("SELECT seq FROM ecs_server_groups WHERE id = ?1 AND project_id = ?2")
            .map_err(db_err)?
            .query_row([m, project_id], |r| r.get(0))
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| invalid(format!("marker {m} is not an ECS group of this project")))?,
    };
    let docs = conn
        .prepare_cached("SELECT doc FROM ecs_server_groups WHERE project_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
        .map_err(db_err)?
        .query_map(params![project_id, after, limit + 1], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    let more = docs.len() as i64 > limit;
    let mut out = Vec::new();
    for d in docs.iter().take(limit as usize) {
        let g: EcsServerGroup = serde_json::from_str(d).map_err(json_err)?;
        let m = members(conn, &g.id)?;
        out.push((g, m));
    }
    Ok((out, more))
}

/// Delete a group; its servers are not touched ("the policy does not apply to them any more").
pub(crate) fn delete(conn: &Connection, project_id: &str, id: &str) -> Result<Deleted> {
    if load(conn, project_id, id)?.is_none() {
        return Ok(Deleted::NotFound);
    }
    conn.execute("DELETE FROM ecs_group_members WHERE group_id = ?1", [id])
        .map_err(db_err)?;
    conn.execute("DELETE FROM ecs_server_groups WHERE id = ?1", [id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

/// Check a group exists (for member operations).
pub(crate) fn require(conn: &Connection, project_id: &str, id: &str) -> Result<()> {
    load(conn, project_id, id)?
        .ok_or_else(|| not_found(id))
        .map(|_| ())
}

#[async_trait::async_trait]
impl crate::EcsGroups for SqlStore {
    async fn create_ecs_group(
        &self,
        group: openwks_core::ecs::EcsServerGroup,
        max_groups: i64,
    ) -> Result<crate::EcsGroupWithMembers> {
        self.write(move |c| create(c.db(), &group, max_groups))
            .await
    }

    async fn ecs_group(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<crate::EcsGroupWithMembers>> {
        self.read(move |c| get(c, &project_id, &id)).await
    }

    async fn list_ecs_groups(
        &self,
        project_id: String,
        marker: Option<String>,
        limit: i64,
    ) -> Result<(Vec<crate::EcsGroupWithMembers>, bool)> {
        self.read(move |c| list(c, &project_id, marker.as_deref(), limit))
            .await
    }

    async fn ecs_group_count(&self, project_id: String) -> Result<i64> {
        self.read(move |c| count(c, &project_id)).await
    }

    async fn delete_ecs_group(&self, project_id: String, id: String) -> Result<crate::Deleted> {
        self.write(move |c| delete(c.db(), &project_id, &id)).await
    }
}
