//! Placement of servers on hosts: a pure domain module with no I/O, so that it can be
//! unit-tested, property-tested and benchmarked alone (STYLE.md §6).
//!
//! A [`Fleet`] holds every host's capacity and usage, indexed per availability zone by free
//! capacity. [`Fleet::place`] filters (AZ, vCPU, memory, GPU, anti-affinity group) and weighs
//! (spread: most free vCPUs first; pack: least free vCPUs that still fit), with deterministic
//! tie-breaks (then free memory, then host index). A placement is claimed on the fleet at once,
//! so a multi-create's later picks see its earlier ones. When no host fits, the answer says
//! why, host by host counts per reason (like Nova's "No valid host", but explained).
//!
//! Anti-affinity is checked against the set of hosts the group already uses: O(1) per
//! candidate, and the candidates are visited best-first, so a placement costs
//! O(log hosts + group size) in the common case instead of a scan of every host.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// Index of a host in its [`Fleet`].
pub type HostIdx = u32;

/// A hypervisor host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// Stable id.
    pub id: String,
    /// Availability zone index (the caller's numbering).
    pub az: u16,
    /// vCPUs in all.
    pub vcpus: u32,
    /// Memory in all, MB.
    pub memory_mb: u64,
    /// GPUs in all.
    pub gpus: u32,
    /// vCPUs in use.
    pub used_vcpus: u32,
    /// Memory in use, MB.
    pub used_memory_mb: u64,
    /// GPUs in use.
    pub used_gpus: u32,
    /// Down (failed): takes no new servers.
    #[serde(default)]
    pub down: bool,
}

impl Host {
    fn free_vcpus(&self) -> u32 {
        self.vcpus.saturating_sub(self.used_vcpus)
    }
    fn free_memory(&self) -> u64 {
        self.memory_mb.saturating_sub(self.used_memory_mb)
    }
    fn free_gpus(&self) -> u32 {
        self.gpus.saturating_sub(self.used_gpus)
    }
    fn fits(&self, d: &Demand) -> bool {
        !self.down
            && self.free_vcpus() >= d.vcpus
            && self.free_memory() >= d.memory_mb
            && self.free_gpus() >= d.gpus
    }
}

/// What one server needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, MB.
    pub memory_mb: u64,
    /// GPUs.
    pub gpus: u32,
    /// Required availability zone.
    pub az: Option<u16>,
}

/// How to choose among the hosts that pass the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weigher {
    /// Most free vCPUs first (the default: spreads load).
    #[default]
    Spread,
    /// Least free vCPUs that still fit (fills hosts up).
    Pack,
}

/// Why no host was found: how many hosts each filter excluded (a host counts once, for the
/// first filter it fails, in this order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoValidHost {
    /// Hosts considered.
    pub hosts: u32,
    /// In another availability zone.
    pub wrong_az: u32,
    /// Not enough free vCPUs.
    pub vcpus: u32,
    /// Not enough free memory.
    pub memory: u32,
    /// Not enough free GPUs.
    pub gpus: u32,
    /// Already running a member of the anti-affinity group.
    pub anti_affinity: u32,
    /// Down.
    pub down: u32,
}

impl fmt::Display for NoValidHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "No valid host was found: of {} hosts, {} are in another availability zone, {} lack vCPUs, {} lack memory, {} lack GPUs, {} already run a member of the anti-affinity group",
            self.hosts, self.wrong_az, self.vcpus, self.memory, self.gpus, self.anti_affinity
        )?;
        if self.down > 0 {
            write!(f, ", {} are down", self.down)?;
        }
        Ok(())
    }
}

/// Sort key of a host in its AZ index: free vCPUs, free memory, index.
type Key = (u32, u64, HostIdx);

/// All hosts, with a per-AZ index ordered by free capacity.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    hosts: Vec<Host>,
    by_az: Vec<BTreeSet<Key>>,
}

impl Fleet {
    /// Build a fleet; `usage` already counted in each host.
    pub fn new(hosts: Vec<Host>) -> Self {
        let zones = hosts
            .iter()
            .map(|h| usize::from(h.az) + 1)
            .max()
            .unwrap_or(0);
        let mut by_az = vec![BTreeSet::new(); zones];
        for (i, h) in hosts.iter().enumerate() {
            by_az[usize::from(h.az)].insert(Self::key(h, i as HostIdx));
        }
        Self { hosts, by_az }
    }

    fn key(h: &Host, i: HostIdx) -> Key {
        (h.free_vcpus(), h.free_memory(), i)
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Index of a host by id.
    pub fn index_of(&self, id: &str) -> Option<HostIdx> {
        self.hosts
            .iter()
            .position(|h| h.id == id)
            .map(|i| i as HostIdx)
    }

    fn candidate(&self, d: &Demand, avoid: &HashSet<HostIdx>, weigher: Weigher) -> Option<HostIdx> {
        let zones: Vec<usize> = match d.az {
            Some(az) => vec![usize::from(az)],
            None => (0..self.by_az.len()).collect(),
        };
        let mut best: Option<(Key, HostIdx)> = None;
        for z in zones {
            let Some(index) = self.by_az.get(z) else {
                continue;
            };
            let lower: Key = (d.vcpus, 0, 0);
            let pick = match weigher {
                Weigher::Spread => index.iter().rev().take_while(|k| k.0 >= d.vcpus).find(|k| {
                    let h = &self.hosts[k.2 as usize];
                    !avoid.contains(&k.2) && h.fits(d)
                }),
                Weigher::Pack => index.range(lower..).find(|k| {
                    let h = &self.hosts[k.2 as usize];
                    !avoid.contains(&k.2) && h.fits(d)
                }),
            };
            if let Some(k) = pick {
                let better = match (best, weigher) {
                    (None, _) => true,
                    (Some((b, _)), Weigher::Spread) => {
                        (k.0, k.1, std::cmp::Reverse(k.2)) > (b.0, b.1, std::cmp::Reverse(b.2))
                    }
                    (Some((b, _)), Weigher::Pack) => *k < b,
                };
                if better {
                    best = Some((*k, k.2));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    fn explain(&self, d: &Demand, avoid: &HashSet<HostIdx>) -> NoValidHost {
        let mut r = NoValidHost {
            hosts: self.hosts.len() as u32,
            ..NoValidHost::default()
        };
        for (i, h) in self.hosts.iter().enumerate() {
            if d.az.is_some_and(|az| az != h.az) {
                r.wrong_az += 1;
            } else if h.down {
                r.down += 1;
            } else if h.free_vcpus() < d.vcpus {
                r.vcpus += 1;
            } else if h.free_memory() < d.memory_mb {
                r.memory += 1;
            } else if h.free_gpus() < d.gpus {
                r.gpus += 1;
            } else if avoid.contains(&(i as HostIdx)) {
                r.anti_affinity += 1;
            }
        }
        r
    }

    /// Place one server: choose a host that passes every filter and is not in `avoid` (the
    /// hosts of the server's anti-affinity group), claim the demand on it, and return it.
    pub fn place(
        &mut self,
        d: &Demand,
        avoid: &HashSet<HostIdx>,
        weigher: Weigher,
    ) -> Result<HostIdx, NoValidHost> {
        let i = self
            .candidate(d, avoid, weigher)
            .ok_or_else(|| self.explain(d, avoid))?;
        self.claim(i, d);
        Ok(i)
    }

    /// Place `count` servers of one anti-affinity group at once (a multi-create): each pick
    /// sees the earlier ones. All or nothing: on failure nothing stays claimed.
    pub fn place_many(
        &mut self,
        d: &Demand,
        count: usize,
        group_hosts: &HashSet<HostIdx>,
        weigher: Weigher,
        anti_affinity: bool,
    ) -> Result<Vec<HostIdx>, NoValidHost> {
        let mut avoid = group_hosts.clone();
        let mut picked = Vec::with_capacity(count);
        for _ in 0..count {
            let none = HashSet::new();
            match self.place(d, if anti_affinity { &avoid } else { &none }, weigher) {
                Ok(i) => {
                    avoid.insert(i);
                    picked.push(i);
                }
                Err(e) => {
                    for i in picked {
                        self.release(i, d);
                    }
                    return Err(e);
                }
            }
        }
        Ok(picked)
    }

    fn reindex(&mut self, i: HostIdx, f: impl FnOnce(&mut Host)) {
        let (az, old) = {
            let h = &self.hosts[i as usize];
            (usize::from(h.az), Self::key(h, i))
        };
        self.by_az[az].remove(&old);
        f(&mut self.hosts[i as usize]);
        let new = Self::key(&self.hosts[i as usize], i);
        self.by_az[az].insert(new);
    }

    /// Mark host `i` down (it takes no new servers; what it holds stays claimed) or up.
    pub fn set_down(&mut self, i: HostIdx, down: bool) {
        if let Some(h) = self.hosts.get_mut(i as usize) {
            h.down = down;
        }
    }

    /// Claim `d` on host `i` (also used to replay existing servers at start).
    pub fn claim(&mut self, i: HostIdx, d: &Demand) {
        self.reindex(i, |h| {
            h.used_vcpus += d.vcpus;
            h.used_memory_mb += d.memory_mb;
            h.used_gpus += d.gpus;
        });
    }

    /// Release `d` from host `i` (a deleted server, or a failed create).
    pub fn release(&mut self, i: HostIdx, d: &Demand) {
        self.reindex(i, |h| {
            h.used_vcpus = h.used_vcpus.saturating_sub(d.vcpus);
            h.used_memory_mb = h.used_memory_mb.saturating_sub(d.memory_mb);
            h.used_gpus = h.used_gpus.saturating_sub(d.gpus);
        });
    }
}

#[cfg(test)]
mod tests;
