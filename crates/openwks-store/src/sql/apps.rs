//! Published apps and icons.

use super::engine::SqlStore;
use super::rows;
use crate::db::Value;
use crate::db::{params, Connection, OptionalExtension};
use openwks_core::app::{App, Icon};
use openwks_core::error::Reason;
use openwks_core::{Error, Result};

use super::rows::json_err;
use crate::db::db_err;
use crate::{AppFilter, AppUpdate};

fn require_group(conn: &Connection, project_id: &str, app_group_id: &str) -> Result<()> {
    rows::app_group(conn, project_id, app_group_id)?
        .ok_or_else(|| Error::not_found("app group", app_group_id))?;
    Ok(())
}

pub(crate) fn load(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    id: &str,
) -> Result<Option<App>> {
    let doc: Option<String> = conn
        .prepare_cached(
            "SELECT doc FROM apps WHERE id = ?1 AND project_id = ?2 AND app_group_id = ?3",
        )
        .map_err(db_err)?
        .query_row([id, project_id, app_group_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    doc.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

fn name_taken(
    conn: &Connection,
    app_group_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<bool> {
    rows::name_taken(conn, "apps", "app_group_id", app_group_id, name, except)
}

fn write(conn: &Connection, a: &App, insert: bool) -> Result<()> {
    let doc = serde_json::to_string(a).map_err(json_err)?;
    let sql = if insert {
        "INSERT INTO apps (id, project_id, app_group_id, name, state, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    } else {
        "UPDATE apps SET project_id = ?2, app_group_id = ?3, name = ?4, state = ?5, doc = ?6 WHERE id = ?1"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![
            a.id,
            a.project_id,
            a.app_group_id,
            a.name,
            a.state,
            doc
        ])
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn put_icon(conn: &Connection, project_id: &str, icon: &Icon) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO icons (id, project_id, content_type, data) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, \
         content_type = excluded.content_type, data = excluded.data",
    )
    .map_err(db_err)?
    .execute(params![icon.id, project_id, icon.content_type, icon.data])
    .map_err(db_err)?;
    Ok(())
}

fn drop_icon(conn: &Connection, id: Option<&str>) -> Result<()> {
    if let Some(id) = id {
        conn.prepare_cached("DELETE FROM icons WHERE id = ?1")
            .map_err(db_err)?
            .execute([id])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Publish apps into a group: the group must exist, names must be unique in the group and in
/// the batch; all or nothing.
pub(crate) fn publish(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    apps: &[(App, Option<Icon>)],
) -> Result<Vec<App>> {
    require_group(conn, project_id, app_group_id)?;
    for (i, (a, _)) in apps.iter().enumerate() {
        if apps[..i].iter().any(|(b, _)| b.name == a.name)
            || name_taken(conn, app_group_id, &a.name, None)?
        {
            return Err(Error::conflict(
                Reason::DuplicateAppName,
                format!(
                    "an app named {} is already published in the app group",
                    a.name
                ),
            ));
        }
    }
    for (a, icon) in apps {
        if let Some(icon) = icon {
            put_icon(conn, project_id, icon)?;
        }
        write(conn, a, true)?;
    }
    Ok(apps.iter().map(|(a, _)| a.clone()).collect())
}

pub(crate) fn get(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    id: &str,
) -> Result<Option<App>> {
    require_group(conn, project_id, app_group_id)?;
    load(conn, project_id, app_group_id, id)
}

pub(crate) fn list(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    f: &AppFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<App>)> {
    require_group(conn, project_id, app_group_id)?;
    let mut wh = String::from("app_group_id = ? AND project_id = ?");
    let mut args = vec![
        Value::Text(app_group_id.to_string()),
        Value::Text(project_id.to_string()),
    ];
    if let Some(s) = &f.state {
        wh.push_str(" AND state = ?");
        args.push(Value::Text(s.clone()));
    }
    if let Some(id) = &f.app_id {
        wh.push_str(" AND id = ?");
        args.push(Value::Text(id.clone()));
    }
    if let Some(n) = &f.name_contains {
        wh.push_str(" AND instr(lower(name), lower(?)) > 0");
        args.push(Value::Text(n.clone()));
    }
    let (count, docs) = rows::page(conn, ("doc", "apps", &wh, "seq"), args, offset, limit)?;
    Ok((count, rows::decode(&docs)?))
}

/// Names of the apps published in a group.
pub(crate) fn names(conn: &Connection, app_group_id: &str) -> Result<Vec<String>> {
    conn.prepare_cached("SELECT name FROM apps WHERE app_group_id = ?1")
        .map_err(db_err)?
        .query_map([app_group_id], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)
}

/// Apply `f` to each app of `ids` (all must exist in the group, else nothing changes).
pub(crate) fn update_many(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    ids: &[String],
    f: AppUpdate,
) -> Result<Vec<App>> {
    require_group(conn, project_id, app_group_id)?;
    let mut apps = Vec::with_capacity(ids.len());
    for id in ids {
        apps.push(
            load(conn, project_id, app_group_id, id)?.ok_or_else(|| Error::not_found("app", id))?,
        );
    }
    let mut out = Vec::with_capacity(apps.len());
    for mut a in apps {
        let before = a.clone();
        let new_icon = f(&mut a)?;
        if a.name != before.name && name_taken(conn, app_group_id, &a.name, Some(&a.id))? {
            return Err(Error::conflict(
                Reason::DuplicateAppName,
                format!(
                    "an app named {} is already published in the app group",
                    a.name
                ),
            ));
        }
        if a.icon_id != before.icon_id {
            drop_icon(conn, before.icon_id.as_deref())?;
        }
        if let Some(icon) = new_icon {
            put_icon(conn, project_id, &icon)?;
        }
        write(conn, &a, false)?;
        out.push(a);
    }
    Ok(out)
}

/// Unpublish the apps of `ids` that exist (missing ones are fine), with their icons.
pub(crate) fn unpublish(
    conn: &Connection,
    project_id: &str,
    app_group_id: &str,
    ids: &[String],
) -> Result<usize> {
    require_group(conn, project_id, app_group_id)?;
    let mut n = 0;
    for id in ids {
        if let Some(a) = load(conn, project_id, app_group_id, id)? {
            drop_icon(conn, a.icon_id.as_deref())?;
            conn.prepare_cached("DELETE FROM apps WHERE id = ?1")
                .map_err(db_err)?
                .execute([id])
                .map_err(db_err)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Remove every app (and icon) of an app group (it is being deleted).
pub(crate) fn remove_all_of_app_group(conn: &Connection, app_group_id: &str) -> Result<()> {
    let docs = conn
        .prepare_cached("SELECT doc FROM apps WHERE app_group_id = ?1")
        .map_err(db_err)?
        .query_map([app_group_id], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    for d in docs {
        let a: App = serde_json::from_str(&d).map_err(json_err)?;
        drop_icon(conn, a.icon_id.as_deref())?;
    }
    conn.prepare_cached("DELETE FROM apps WHERE app_group_id = ?1")
        .map_err(db_err)?
        .execute([app_group_id])
        .map_err(db_err)?;
    Ok(())
}

/// An icon by id.
pub(crate) fn icon(conn: &Connection, id: &str) -> Result<Option<Icon>> {
    conn.prepare_cached("SELECT content_type, data FROM icons WHERE id = ?1")
        .map_err(db_err)?
        .query_row([id], |r| {
            Ok(Icon {
                id: id.to_string(),
                content_type: r.get(0)?,
                data: r.get(1)?,
            })
        })
        .optional()
        .map_err(db_err)
}

#[async_trait::async_trait]
impl crate::Apps for SqlStore {
    async fn publish_apps(
        &self,
        project_id: String,
        app_group_id: String,
        apps: Vec<(openwks_core::app::App, Option<openwks_core::app::Icon>)>,
    ) -> Result<Vec<openwks_core::app::App>> {
        self.write(move |c| publish(c.db(), &project_id, &app_group_id, &apps))
            .await
    }

    async fn app(
        &self,
        project_id: String,
        app_group_id: String,
        id: String,
    ) -> Result<Option<openwks_core::app::App>> {
        self.read(move |c| get(c, &project_id, &app_group_id, &id))
            .await
    }

    async fn list_apps(
        &self,
        project_id: String,
        app_group_id: String,
        filter: crate::AppFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<openwks_core::app::App>)> {
        self.read(move |c| list(c, &project_id, &app_group_id, &filter, offset, limit))
            .await
    }

    async fn app_names(&self, project_id: String, app_group_id: String) -> Result<Vec<String>> {
        self.read(move |c| {
            rows::app_group(c, &project_id, &app_group_id)?
                .ok_or_else(|| Error::not_found("app group", &app_group_id))?;
            names(c, &app_group_id)
        })
        .await
    }

    async fn update_apps(
        &self,
        project_id: String,
        app_group_id: String,
        ids: Vec<String>,
        update: crate::AppUpdate,
    ) -> Result<Vec<openwks_core::app::App>> {
        self.write(move |c| update_many(c.db(), &project_id, &app_group_id, &ids, update))
            .await
    }

    async fn unpublish_apps(
        &self,
        project_id: String,
        app_group_id: String,
        ids: Vec<String>,
    ) -> Result<usize> {
        self.write(move |c| unpublish(c.db(), &project_id, &app_group_id, &ids))
            .await
    }

    async fn icon(&self, id: String) -> Result<Option<openwks_core::app::Icon>> {
        self.read(move |c| icon(c, &id)).await
    }
}
