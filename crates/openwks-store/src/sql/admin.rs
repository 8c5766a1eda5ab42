//! Reset: every resource of every project goes; the identity stays (accounts, projects, users,
//! access keys, IAM users, keys, policies and groups, settings), and so do the audit trail and
//! each project's default network (re-created where it was deleted), as at a first start.

use std::collections::BTreeMap;

use crate::db::{db_err, Connection};
use openwks_core::catalogue::Catalogue;
use openwks_core::ids::IdSource;
use openwks_core::network::{Subnet, Vpc};
use openwks_core::time::Timestamp;
use openwks_core::Result;

use super::engine::SqlStore;
use super::fleet::FleetState;
use super::network;
use super::rows;
use super::tx::WriteTx;

/// The description that marks the default VPC and subnet a first start creates.
pub(crate) const DEFAULT_VPC: &str = "default VPC created by openwks";
/// See [`DEFAULT_VPC`].
pub(crate) const DEFAULT_SUBNET: &str = "default subnet created by openwks";

/// The tables that hold resources, children before parents.
pub(crate) const RESOURCE_TABLES: &[&str] = &[
    "cloud_folders",
    "cloud_storages",
    "storage_assignments",
    "storage_claims",
    "persistent_storages",
    "storage_policies",
    "image_jobs",
    "image_servers",
    "private_images",
    "warehouse_apps",
    "warehouse_buckets",
    "policy_groups",
    "policy_templates",
    "hotspot_configs",
    "schedule_runs",
    "schedule_tasks",
    "app_connections",
    "sessions",
    "export_tasks",
    "scaling_activities",
    "jobs",
    "ecs_group_members",
    "servers",
    "ecs_server_groups",
    "authorizations",
    "mail_records",
    "user_group_members",
    "user_groups",
    "icons",
    "apps",
    "app_groups",
    "server_group_tags",
    "server_groups",
    "host_states",
];

/// The default network of a project (`now` as its creation time).
pub(crate) fn default_network(
    ids: &IdSource,
    cat: &Catalogue,
    project_id: &str,
    now: &str,
) -> (Vpc, Subnet) {
    let dn = &cat.default_network;
    let vpc_id = ids.uuid();
    let vpc = Vpc {
        id: vpc_id.clone(),
        project_id: project_id.to_string(),
        name: dn.vpc_name.clone(),
        cidr: dn.vpc_cidr.clone(),
        description: DEFAULT_VPC.into(),
        enterprise_project_id: "0".into(),
        created_at: now.to_string(),
    };
    let subnet = Subnet {
        id: ids.uuid(),
        project_id: project_id.to_string(),
        vpc_id,
        name: dn.subnet_name.clone(),
        cidr: dn.subnet_cidr.clone(),
        gateway_ip: dn.subnet_gateway.clone(),
        description: DEFAULT_SUBNET.into(),
        dhcp_enable: true,
        primary_dns: "100.125.1.250".into(),
        secondary_dns: "100.125.21.250".into(),
        availability_zone: String::new(),
        created_at: now.to_string(),
    };
    (vpc, subnet)
}

fn count(conn: &Connection, table: &str) -> Result<i64> {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .map_err(db_err)
}

/// Empty every resource table; the rows removed per table (the network's under `vpcs` and
/// `subnets`).
pub(crate) fn reset(
    tx: &WriteTx,
    cat: &Catalogue,
    now: Timestamp,
) -> Result<BTreeMap<String, i64>> {
    let conn = tx.db();
    // Every cached view and router goes with its group.
    for id in rows::strings(conn, "SELECT id FROM server_groups", [])? {
        tx.touch(&id);
    }
    let mut removed = BTreeMap::new();
    for table in RESOURCE_TABLES {
        let n = count(conn, table)?;
        conn.execute(&format!("DELETE FROM {table}"), [])
            .map_err(db_err)?;
        removed.insert((*table).to_string(), n);
    }
    // The count `list_server_groups` answers unfiltered, kept beside the project.
    conn.execute("UPDATE projects SET server_group_count = 0", [])
        .map_err(db_err)?;
    let subnets = conn
        .execute(
            "DELETE FROM subnets WHERE json_extract(doc, '$.description') <> ?1",
            [DEFAULT_SUBNET],
        )
        .map_err(db_err)?;
    let vpcs = conn
        .execute(
            "DELETE FROM vpcs WHERE json_extract(doc, '$.description') <> ?1 AND id NOT IN (SELECT vpc_id FROM subnets)",
            [DEFAULT_VPC],
        )
        .map_err(db_err)?;
    removed.insert("subnets".into(), subnets as i64);
    removed.insert("vpcs".into(), vpcs as i64);
    // A project whose default network was deleted gets it back, as at a first start.
    let bare = rows::strings(
        conn,
        "SELECT id FROM projects WHERE id NOT IN (SELECT project_id FROM subnets WHERE json_extract(doc, '$.description') = ?1)",
        [DEFAULT_SUBNET],
    )?;
    for project_id in bare {
        let (vpc, subnet) = default_network(&tx.ids(), cat, &project_id, &now.wire());
        network::insert_vpc(conn, &vpc)?;
        network::insert_subnet(conn, &subnet)?;
    }
    Ok(removed)
}

#[async_trait::async_trait]
impl crate::Admin for SqlStore {
    async fn reset(&self, catalogue: &Catalogue, now: Timestamp) -> Result<BTreeMap<String, i64>> {
        let cat = catalogue.clone();
        let fleet = std::sync::Arc::clone(&self.fleet);
        let removed = self
            .write(move |tx| {
                let removed = reset(tx, &cat, now)?;
                // The fleet's claims went with the servers: reload it from the transaction
                // (a batch that does not commit marks it stale; other replicas reload theirs
                // on seeing a foreign write).
                let mut f = fleet
                    .lock()
                    .map_err(|_| openwks_core::Error::internal("fleet lock poisoned"))?;
                if let Some(state) = f.as_mut() {
                    *state = FleetState::load(tx.db(), state.specs.clone())?;
                }
                Ok(removed)
            })
            .await?;
        self.views.clear();
        Ok(removed)
    }
}
