//! Hotspot session migration configurations (issue 18): one per project.

use openwks_core::error::Reason;
use openwks_core::hotspot::HotspotConfig;
use openwks_core::{Error, Result};

use super::engine::SqlStore;
use super::rows::{self, json_err};
use crate::db::{db_err, params, Connection, Value};

fn save(conn: &Connection, c: &HotspotConfig, new: bool) -> Result<()> {
    let doc = serde_json::to_string(c).map_err(json_err)?;
    let sql = if new {
        "INSERT INTO hotspot_configs (enabled, doc, id, project_id) VALUES (?1, ?2, ?3, ?4)"
    } else {
        "UPDATE hotspot_configs SET enabled = ?1, doc = ?2 WHERE id = ?3 AND project_id = ?4"
    };
    conn.prepare_cached(sql)
        .map_err(db_err)?
        .execute(params![i64::from(c.enabled), doc, c.id, c.project_id])
        .map_err(db_err)?;
    Ok(())
}

fn create(conn: &Connection, c: &HotspotConfig) -> Result<()> {
    let (n, _) = list(conn, &c.project_id, 0, 1)?;
    if n > 0 {
        return Err(Error::conflict(
            Reason::Conflict,
            "the project already has a hotspot session configuration: update it",
        ));
    }
    save(conn, c, true)
}

fn list(
    conn: &Connection,
    project_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<HotspotConfig>)> {
    let (count, docs) = rows::page(
        conn,
        ("doc", "hotspot_configs", "project_id = ?", "seq"),
        vec![Value::Text(project_id.to_string())],
        offset,
        limit,
    )?;
    Ok((count, rows::decode(&docs)?))
}

fn update(
    conn: &Connection,
    project_id: &str,
    id: &str,
    f: crate::HotspotConfigUpdate,
) -> Result<HotspotConfig> {
    let mut c: HotspotConfig = rows::by_id(conn, "hotspot_configs", project_id, id)?
        .ok_or_else(|| Error::not_found("hotspot session configuration", id))?;
    f(&mut c)?;
    save(conn, &c, false)?;
    Ok(c)
}

fn enabled(conn: &Connection) -> Result<Vec<HotspotConfig>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM hotspot_configs WHERE enabled = 1 ORDER BY seq",
        [],
    )?;
    rows::decode(&docs)
}

#[async_trait::async_trait]
impl crate::Hotspots for SqlStore {
    async fn create_hotspot_config(&self, config: HotspotConfig) -> Result<HotspotConfig> {
        self.write(move |c| {
            create(c.db(), &config)?;
            Ok(config)
        })
        .await
    }

    async fn hotspot_configs(
        &self,
        project_id: String,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<HotspotConfig>)> {
        self.read(move |c| list(c, &project_id, offset, limit))
            .await
    }

    async fn hotspot_config(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<HotspotConfig>> {
        self.read(move |c| rows::by_id(c, "hotspot_configs", &project_id, &id))
            .await
    }

    async fn update_hotspot_config(
        &self,
        project_id: String,
        id: String,
        update: crate::HotspotConfigUpdate,
    ) -> Result<HotspotConfig> {
        self.write(move |c| self::update(c.db(), &project_id, &id, update))
            .await
    }

    async fn enabled_hotspot_configs(&self) -> Result<Vec<HotspotConfig>> {
        self.read(enabled).await
    }
}
