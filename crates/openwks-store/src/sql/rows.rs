//! Plain row access shared by the resource modules: decoding stored documents, and the loads
//! and counts one resource needs of another (a server's group, an app group's apps). Nothing
//! here writes or knows a rule; it imports no other module of the store, so the resource
//! modules above it form no circle.

use crate::db::Value;
use crate::db::{db_err, params_from_iter, Connection, OptionalExtension};
use openwks_core::app_group::AppGroup;
use openwks_core::compute::Server;
use openwks_core::server_group::ServerGroup;
use openwks_core::{Error, Result};

pub(crate) fn json_err(e: serde_json::Error) -> Error {
    Error::internal_from("stored document", e)
}

/// The JSON documents in the first column of every row of `sql`, decoded.
pub(crate) fn docs<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl crate::db::Params,
) -> Result<Vec<T>> {
    row_docs(&conn.fetch(sql, params.into_values()).map_err(db_err)?)
}

/// The JSON documents in the first column of `rows`, decoded (also for rows fetched
/// together, by [`Db::fetch_all`]).
pub(crate) fn row_docs<T: serde::de::DeserializeOwned>(rows: &[crate::db::Row]) -> Result<Vec<T>> {
    rows.iter()
        .map(|r| {
            let d: String = r.get(0).map_err(db_err)?;
            serde_json::from_str(&d).map_err(json_err)
        })
        .collect()
}

/// Whether a row of `table` other than `except` has `name` where `scope_column` is `scope`:
/// group names are unique per project, app names per app group.
pub(crate) fn name_taken(
    conn: &Connection,
    table: &str,
    scope_column: &str,
    scope: &str,
    name: &str,
    except: Option<&str>,
) -> Result<bool> {
    use crate::db::OptionalExtension;
    let other: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT id FROM {table} WHERE {scope_column} = ?1 AND name = ?2"
        ))
        .map_err(db_err)?
        .query_row([scope, name], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    Ok(matches!(other, Some(o) if Some(o.as_str()) != except))
}

/// The first column (text) of every row of `sql` run with `params`.
pub(crate) fn strings(
    conn: &Connection,
    sql: &str,
    params: impl crate::db::Params,
) -> Result<Vec<String>> {
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .query_map(params, |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)
}

/// The document of row `id` of `table` in a project, decoded (`None` when there is none).
pub(crate) fn by_id<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    table: &str,
    project_id: &str,
    id: &str,
) -> Result<Option<T>> {
    let doc: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT doc FROM {table} WHERE id = ?1 AND project_id = ?2"
        ))
        .map_err(db_err)?
        .query_row([id, project_id], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    doc.map(|d| serde_json::from_str(&d).map_err(json_err))
        .transpose()
}

pub(crate) fn server_group(
    conn: &Connection,
    project_id: &str,
    id: &str,
) -> Result<Option<ServerGroup>> {
    by_id(conn, "server_groups", project_id, id)
}

pub(crate) fn app_group(conn: &Connection, project_id: &str, id: &str) -> Result<Option<AppGroup>> {
    by_id(conn, "app_groups", project_id, id)
}

/// App groups bound to a server group, other than `except`.
pub(crate) fn app_groups_bound(
    conn: &Connection,
    server_group_id: &str,
    except: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM app_groups WHERE app_server_group_id = ?1 AND id != ?2",
    )
    .map_err(db_err)?
    .query_row([server_group_id, except.unwrap_or("")], |r| r.get(0))
    .map_err(db_err)
}

/// App counts of app groups.
pub(crate) fn app_counts(
    conn: &Connection,
    app_group_ids: &[Value],
) -> Result<std::collections::HashMap<String, i64>> {
    let mut out = std::collections::HashMap::new();
    if app_group_ids.is_empty() {
        return Ok(out);
    }
    let marks = vec!["?"; app_group_ids.len()].join(",");
    let rows = conn
        .prepare_cached(&format!("SELECT app_group_id, COUNT(*) FROM apps WHERE app_group_id IN ({marks}) GROUP BY app_group_id"))
        .map_err(db_err)?
        .query_map(params_from_iter(app_group_ids.iter()), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    out.extend(rows);
    Ok(out)
}

pub(crate) fn server(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Server>> {
    by_id(conn, "servers", project_id, id)
}

/// Servers per server group, for views.
/// Servers per server group, for `n` group ids.
pub(crate) fn server_counts_by_group_sql(n: usize) -> String {
    let marks = vec!["?"; n].join(",");
    format!(
        "SELECT app_server_group_id, COUNT(*) FROM servers WHERE app_server_group_id IN ({marks}) GROUP BY app_server_group_id"
    )
}

/// One page of a filtered list and how many rows the filter matches: the first column of
/// `SELECT {column} FROM {from} WHERE {wh} ORDER BY {order} LIMIT ? OFFSET ?` (`args` bind the
/// `?` of `wh`), and `SELECT COUNT(*)` over the same filter.
pub(crate) fn page(
    conn: &Connection,
    (column, from, wh, order): (&str, &str, &str, &str),
    mut args: Vec<Value>,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<String>)> {
    let count: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {from} WHERE {wh}"))
        .map_err(db_err)?
        .query_row(params_from_iter(args.iter()), |r| r.get(0))
        .map_err(db_err)?;
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let firsts = conn
        .prepare_cached(&format!(
            "SELECT {column} FROM {from} WHERE {wh} ORDER BY {order} LIMIT ? OFFSET ?"
        ))
        .map_err(db_err)?
        .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<crate::db::DbResult<Vec<_>>>()
        .map_err(db_err)?;
    Ok((count, firsts))
}

/// Stored documents, decoded.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(docs: &[String]) -> Result<Vec<T>> {
    docs.iter()
        .map(|d| serde_json::from_str(d).map_err(json_err))
        .collect()
}
