//! VPCs and subnets.

use super::engine::SqlStore;
use crate::db::{params, Connection, OptionalExtension};
use openwks_core::error::Reason;
use openwks_core::network::{Subnet, Vpc};
use openwks_core::{Error, Result};

use super::rows::{self, json_err};
use crate::db::db_err;
use crate::Deleted;

pub(crate) fn insert_vpc(conn: &Connection, v: &Vpc) -> Result<()> {
    let doc = serde_json::to_string(v).map_err(json_err)?;
    conn.execute(
        "INSERT INTO vpcs (id, project_id, doc) VALUES (?1, ?2, ?3)",
        params![v.id, v.project_id, doc],
    )
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn insert_subnet(conn: &Connection, s: &Subnet) -> Result<()> {
    let doc = serde_json::to_string(s).map_err(json_err)?;
    conn.execute(
        "INSERT INTO subnets (id, project_id, vpc_id, name, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id, s.project_id, s.vpc_id, s.name, doc],
    )
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn vpc(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Vpc>> {
    rows::by_id(conn, "vpcs", project_id, id)
}

pub(crate) fn subnet(conn: &Connection, project_id: &str, id: &str) -> Result<Option<Subnet>> {
    rows::by_id(conn, "subnets", project_id, id)
}

fn marker_seq(conn: &Connection, table: &str, marker: Option<&str>) -> Result<i64> {
    match marker {
        None => Ok(0),
        Some(m) => {
            let seq: Option<i64> = conn
                .query_row(
                    &format!("SELECT seq FROM {table} WHERE id = ?1"),
                    [m],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            seq.ok_or_else(|| {
                Error::invalid(Reason::InvalidQuery, format!("marker {m} does not exist"))
            })
        }
    }
}

pub(crate) fn list_vpcs(
    conn: &Connection,
    project_id: &str,
    id: Option<&str>,
    marker: Option<&str>,
    limit: i64,
) -> Result<Vec<Vpc>> {
    let after = marker_seq(conn, "vpcs", marker)?;
    rows::docs(
        conn,
        "SELECT doc FROM vpcs WHERE project_id = ?1 AND seq > ?2 AND (id = ?3 OR ?3 IS NULL) ORDER BY seq LIMIT ?4",
        params![project_id, after, id, limit],
    )
}

pub(crate) fn list_subnets(
    conn: &Connection,
    project_id: &str,
    vpc_id: Option<&str>,
    marker: Option<&str>,
    limit: i64,
) -> Result<Vec<Subnet>> {
    let after = marker_seq(conn, "subnets", marker)?;
    rows::docs(
        conn,
        "SELECT doc FROM subnets WHERE project_id = ?1 AND seq > ?2 AND (vpc_id = ?3 OR ?3 IS NULL) ORDER BY seq LIMIT ?4",
        params![project_id, after, vpc_id, limit],
    )
}

pub(crate) fn delete_vpc(conn: &Connection, project_id: &str, id: &str) -> Result<Deleted> {
    if vpc(conn, project_id, id)?.is_none() {
        return Ok(Deleted::NotFound);
    }
    let subnets: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM subnets WHERE vpc_id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if subnets > 0 {
        return Err(Error::conflict(
            Reason::InUse,
            format!("VPC {id} still has {subnets} subnet(s)"),
        ));
    }
    conn.execute("DELETE FROM vpcs WHERE id = ?1", [id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

pub(crate) fn delete_subnet(
    conn: &Connection,
    project_id: &str,
    vpc_id: Option<&str>,
    id: &str,
) -> Result<Deleted> {
    let Some(s) = subnet(conn, project_id, id)? else {
        return Ok(Deleted::NotFound);
    };
    if let Some(v) = vpc_id {
        if s.vpc_id != v {
            return Ok(Deleted::NotFound);
        }
    }
    let used: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM server_groups WHERE subnet_id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if used > 0 {
        return Err(Error::conflict(
            Reason::InUse,
            format!("subnet {id} is used by {used} server group(s)"),
        ));
    }
    conn.execute("DELETE FROM subnets WHERE id = ?1", [id])
        .map_err(db_err)?;
    Ok(Deleted::Yes)
}

fn replace_vpc(conn: &Connection, v: &Vpc) -> Result<()> {
    let doc = serde_json::to_string(v).map_err(json_err)?;
    conn.execute("UPDATE vpcs SET doc = ?2 WHERE id = ?1", params![v.id, doc])
        .map_err(db_err)?;
    Ok(())
}

fn update_vpc(conn: &Connection, project_id: &str, id: &str, f: crate::VpcUpdate) -> Result<Vpc> {
    let mut v = vpc(conn, project_id, id)?.ok_or_else(|| Error::not_found("VPC", id))?;
    let before = v.cidr.clone();
    f(&mut v)?;
    if v.cidr != before {
        // Every subnet must stay inside the new CIDR.
        for s in list_subnets(conn, project_id, Some(id), None, i64::MAX)? {
            openwks_core::network::check_subnet(&s.name, &s.cidr, &s.gateway_ip, &v).map_err(
                |_| {
                    Error::conflict(
                        Reason::InUse,
                        format!(
                            "vpc.cidr {} would not hold subnet {} ({})",
                            v.cidr, s.id, s.cidr
                        ),
                    )
                },
            )?;
        }
    }
    replace_vpc(conn, &v)?;
    Ok(v)
}

fn update_subnet(
    conn: &Connection,
    project_id: &str,
    vpc_id: &str,
    id: &str,
    f: crate::SubnetUpdate,
) -> Result<Subnet> {
    let mut s = subnet(conn, project_id, id)?
        .filter(|s| s.vpc_id == vpc_id)
        .ok_or_else(|| Error::not_found("subnet", id))?;
    f(&mut s)?;
    let doc = serde_json::to_string(&s).map_err(json_err)?;
    conn.execute(
        "UPDATE subnets SET name = ?2, doc = ?3 WHERE id = ?1",
        params![s.id, s.name, doc],
    )
    .map_err(db_err)?;
    Ok(s)
}

#[async_trait::async_trait]
impl crate::Network for SqlStore {
    async fn update_vpc(
        &self,
        project_id: String,
        id: String,
        update: crate::VpcUpdate,
    ) -> Result<Vpc> {
        self.write(move |c| update_vpc(c.db(), &project_id, &id, update))
            .await
    }

    async fn update_subnet(
        &self,
        project_id: String,
        vpc_id: String,
        id: String,
        update: crate::SubnetUpdate,
    ) -> Result<Subnet> {
        self.write(move |c| update_subnet(c.db(), &project_id, &vpc_id, &id, update))
            .await
    }

    async fn create_vpc(
        &self,
        vpc: openwks_core::network::Vpc,
    ) -> Result<openwks_core::network::Vpc> {
        self.write(move |c| insert_vpc(c.db(), &vpc).map(|()| vpc))
            .await
    }

    async fn vpc(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::network::Vpc>> {
        self.read_one(move |c| vpc(c, &project_id, &id)).await
    }

    async fn list_vpcs(
        &self,
        project_id: String,
        id: Option<String>,
        marker: Option<String>,
        limit: i64,
    ) -> Result<Vec<openwks_core::network::Vpc>> {
        self.read(move |c| list_vpcs(c, &project_id, id.as_deref(), marker.as_deref(), limit))
            .await
    }

    async fn delete_vpc(&self, project_id: String, id: String) -> Result<crate::Deleted> {
        self.write(move |c| delete_vpc(c.db(), &project_id, &id))
            .await
    }

    async fn create_subnet(
        &self,
        subnet: openwks_core::network::Subnet,
    ) -> Result<openwks_core::network::Subnet> {
        self.write(move |c| {
            if vpc(c.db(), &subnet.project_id, &subnet.vpc_id)?.is_none() {
                return Err(Error::invalid(
                    openwks_core::error::Reason::InvalidNetwork,
                    format!("VPC {} does not exist", subnet.vpc_id),
                ));
            }
            insert_subnet(c.db(), &subnet).map(|()| subnet)
        })
        .await
    }

    async fn subnet(
        &self,
        project_id: String,
        id: String,
    ) -> Result<Option<openwks_core::network::Subnet>> {
        self.read_one(move |c| subnet(c, &project_id, &id)).await
    }

    async fn list_subnets(
        &self,
        project_id: String,
        vpc_id: Option<String>,
        marker: Option<String>,
        limit: i64,
    ) -> Result<Vec<openwks_core::network::Subnet>> {
        self.read(move |c| {
            list_subnets(c, &project_id, vpc_id.as_deref(), marker.as_deref(), limit)
        })
        .await
    }

    async fn delete_subnet(
        &self,
        project_id: String,
        vpc_id: Option<String>,
        id: String,
    ) -> Result<crate::Deleted> {
        self.write(move |c| delete_subnet(c.db(), &project_id, vpc_id.as_deref(), &id))
            .await
    }
}
