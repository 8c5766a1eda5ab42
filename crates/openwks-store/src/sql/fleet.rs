//! The fleet (`openwks_sched::Fleet`): hosts and what is placed on them, kept in memory by
//! the writer and only changed inside write jobs, so placement and the rows that record it are
//! one atomic step. Rebuilt from the database at start and whenever it may differ from it (a
//! failed commit, another replica's write).

use std::collections::HashMap;

use crate::db::Connection;
use openwks_core::catalogue::HostSpec;
use openwks_core::compute::Server;
use openwks_core::{Error, Result};
use openwks_sched::{Demand, Fleet, Host, HostIdx};

use super::rows::{self, json_err};

/// The fleet and how to find hosts and zones in it.
pub(crate) struct FleetState {
    /// The hosts as configured.
    pub(crate) specs: Vec<HostSpec>,
    /// What is placed where.
    pub(crate) fleet: Fleet,
    /// Availability zone → index.
    pub(crate) zones: HashMap<String, u16>,
    /// Host id → index.
    pub(crate) hosts: HashMap<String, HostIdx>,
    /// Set when a commit failed: the fleet may hold claims the database does not.
    pub(crate) stale: bool,
}

pub(crate) fn demand_of(s: &Server, zones: &HashMap<String, u16>) -> Demand {
    Demand {
        vcpus: s.vcpus,
        memory_mb: s.memory_mb,
        gpus: s.gpus,
        az: zones.get(&s.availability_zone).copied(),
    }
}

impl FleetState {
    /// A fleet of `specs` with the claims of every placed server in the database.
    pub(crate) fn load(conn: &Connection, specs: Vec<HostSpec>) -> Result<Self> {
        let mut zones: HashMap<String, u16> = HashMap::new();
        for h in &specs {
            let n = zones.len() as u16;
            zones.entry(h.availability_zone.clone()).or_insert(n);
        }
        let hosts_vec: Vec<Host> = specs
            .iter()
            .map(|h| Host {
                id: h.id.clone(),
                az: zones[&h.availability_zone],
                vcpus: h.vcpus,
                memory_mb: h.memory_mb,
                gpus: h.gpus,
                used_vcpus: 0,
                used_memory_mb: 0,
                used_gpus: 0,
                down: false,
            })
            .collect();
        let hosts: HashMap<String, HostIdx> = specs
            .iter()
            .enumerate()
            .map(|(i, h)| (h.id.clone(), i as HostIdx))
            .collect();
        let mut fleet = Fleet::new(hosts_vec);
        for h in rows::strings(conn, "SELECT host_id FROM host_states", [])? {
            if let Some(i) = hosts.get(&h) {
                fleet.set_down(*i, true);
            }
        }
        for s in all_placed(conn)? {
            if let Some(i) = s.host_id.as_ref().and_then(|h| hosts.get(h)) {
                fleet.claim(*i, &demand_of(&s, &zones));
            }
        }
        Ok(Self {
            specs,
            fleet,
            zones,
            hosts,
            stale: false,
        })
    }

    /// The specs of the fleet's hosts.
    pub(crate) fn specs(&self) -> Vec<HostSpec> {
        self.specs.clone()
    }

    /// Host usage for the admin view: (vcpus, memory, gpus) used per host id.
    pub(crate) fn usage(&self) -> HashMap<String, (u32, u64, u32)> {
        self.fleet
            .hosts()
            .iter()
            .map(|h| (h.id.clone(), (h.used_vcpus, h.used_memory_mb, h.used_gpus)))
            .collect()
    }
}

/// The loaded fleet, rebuilt from the database first when it may differ from it (a failed
/// commit, or another replica's write since this one's last batch).
pub(crate) fn fresh<'a>(
    conn: &Connection,
    fleet: &'a mut Option<FleetState>,
) -> Result<&'a mut FleetState> {
    let state = fleet
        .as_mut()
        .ok_or_else(|| Error::internal("the fleet is not loaded"))?;
    if state.stale {
        *state = FleetState::load(conn, state.specs.clone())?;
    }
    Ok(state)
}

fn all_placed(conn: &Connection) -> Result<Vec<Server>> {
    let docs = rows::strings(
        conn,
        "SELECT doc FROM servers WHERE host_id IS NOT NULL",
        [],
    )?;
    docs.iter()
        .map(|d| serde_json::from_str(d).map_err(json_err))
        .collect()
}
