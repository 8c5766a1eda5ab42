//! Session routing: which server of a server group a user's new session goes to (issue #5).
//!
//! Pure, no I/O. Two views of the same rules:
//! - [`explain`] evaluates every server and says, for each one passed over, the rule that
//!   excluded it (the launch route's explanation and `dry_run`); linear in the servers.
//! - [`Router`] keeps the eligible servers of a group ordered by session count and answers the
//!   same choice in O(log n) (the hot path); a test checks both agree.
//!
//! The rules (docs/routing.md):
//! 1. The group must be enabled (`server_group_status`).
//! 2. The server must be `ACTIVE` and registered, and not in maintenance.
//! 3. It holds fewer than `max_session` sessions.
//! 4. Its expected CPU / memory / GPU usage at its current session count is not above the
//!    group's threshold (usage follows the session count; see [`crate::metrics::expected`]).
//! 5. Among the rest: breadth-first (fewest sessions) or depth-first (most sessions that still
//!    fit); ties go to the server created first (`order` is unique: the creation sequence).

use std::collections::{BTreeSet, HashMap};

use crate::metrics;

/// How to choose among eligible servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Fewest sessions first: spreads users (the default).
    #[default]
    BreadthFirst,
    /// Most sessions first (among those with room): fills servers so idle ones can scale in.
    DepthFirst,
}

/// A group's routing policy, resolved (defaults applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Whether the group takes new sessions.
    pub enabled: bool,
    /// Sessions per server.
    pub max_session: u32,
    /// CPU threshold, percent (none: no limit).
    pub cpu_threshold: Option<u32>,
    /// Memory threshold, percent.
    pub mem_threshold: Option<u32>,
    /// GPU threshold, percent (only for servers with GPUs).
    pub gpu_threshold: Option<u32>,
    /// GPUs per server (from the product's flavor).
    pub gpus: u32,
    /// The choice among eligible servers.
    pub strategy: Strategy,
}

impl Strategy {
    /// The `route_policy.strategy` extension value (`None`: the default, breadth-first).
    pub fn parse(v: Option<&str>) -> Self {
        match v {
            Some("DEPTH_FIRST") => Self::DepthFirst,
            _ => Self::BreadthFirst,
        }
    }
}

impl Policy {
    /// The policy of a server group: `max_session` defaults to the product's `sessions` plus
    /// the group's paid `extra_session_size` (1 when the product is unknown) and is 1 in a VDI
    /// (`is_vdi`, single-session) group; thresholds as set, enabled as `server_group_status`.
    pub fn for_group(
        group: &crate::server_group::ServerGroup,
        product: Option<&crate::catalogue::Product>,
        gpus: u32,
    ) -> Self {
        let strategy = Strategy::parse(group.route_policy.strategy.as_deref());
        let to_u32 = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        let rp = &group.route_policy;
        Self {
            enabled: group.server_group_status,
            // A VDI group's servers are single-session desktops: one session each, whatever
            // the route policy or the product say.
            max_session: if group.is_vdi {
                1
            } else {
                to_u32(
                    rp.max_session
                        .or(product.map(|p| p.sessions + group.extra_session_size.unwrap_or(0)))
                        .unwrap_or(1)
                        .max(1),
                )
            },
            cpu_threshold: rp.cpu_threshold.map(to_u32),
            mem_threshold: rp.mem_threshold.map(to_u32),
            gpu_threshold: rp.gpu_threshold.map(to_u32),
            gpus,
            strategy,
        }
    }
}

/// What routing needs of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Server id.
    pub id: String,
    /// Creation order (tie-break): smaller is older.
    pub order: u64,
    /// `ACTIVE`, `BUILD`, `SHUTOFF`, ...
    pub vm_status: String,
    /// In maintenance mode.
    pub maintain: bool,
    /// Drained by an operator (openwks extension).
    pub drained: bool,
    /// Its access agent is being upgraded.
    pub upgrading: bool,
    /// Live sessions on it.
    pub sessions: u32,
}

/// Why a server was passed over.
#[derive(Debug, Clone, PartialEq)]
pub enum Exclusion {
    /// The group is disabled.
    GroupDisabled,
    /// The server is not running and registered (its `vm_status`).
    Unregistered(String),
    /// In maintenance mode.
    Maintenance,
    /// Its access agent is being upgraded.
    Upgrading,
    /// Drained by an operator (who, why, until when, where the reader knows it).
    Drained(Option<Box<crate::compute::Drain>>),
    /// At `max_session`.
    Full {
        /// Sessions on it.
        sessions: u32,
        /// The limit.
        max_session: u32,
    },
    /// A resource is over its threshold.
    OverThreshold {
        /// `cpu`, `memory` or `gpu`.
        resource: &'static str,
        /// Expected usage, percent.
        usage: f64,
        /// The threshold, percent.
        threshold: u32,
    },
    /// Eligible, but another server came first by the strategy.
    NotChosen,
}

impl Exclusion {
    /// A stable, machine-readable name (`full`, `over_threshold`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::GroupDisabled => "group_disabled",
            Self::Unregistered(_) => "unregistered",
            Self::Maintenance => "maintenance",
            Self::Upgrading => "upgrading",
            Self::Drained(_) => "drained",
            Self::Full { .. } => "full",
            Self::OverThreshold { .. } => "over_threshold",
            Self::NotChosen => "not_chosen",
        }
    }

    /// A sentence for people.
    pub fn reason(&self) -> String {
        match self {
            Self::GroupDisabled => "the server group is disabled".into(),
            Self::Unregistered(s) => format!("the server is {s}, not running and registered"),
            Self::Maintenance => "the server is in maintenance mode".into(),
            Self::Upgrading => "the server's access agent is being upgraded".into(),
            Self::Drained(None) => "the server is drained: it takes no new sessions".into(),
            Self::Drained(Some(d)) => format!(
                "the server is drained by {} until {}: {}",
                d.owner, d.until, d.reason
            ),
            Self::Full {
                sessions,
                max_session,
            } => format!("the server holds {sessions} of {max_session} sessions"),
            Self::OverThreshold {
                resource,
                usage,
                threshold,
            } => format!("{resource} usage {usage:.1}% is above the threshold of {threshold}%"),
            Self::NotChosen => "eligible, but another server came first".into(),
        }
    }
}

/// The first rule that keeps `c` from taking a new session, if any.
pub fn exclusion(policy: &Policy, c: &Candidate) -> Option<Exclusion> {
    if !policy.enabled {
        return Some(Exclusion::GroupDisabled);
    }
    if c.vm_status != "ACTIVE" {
        return Some(Exclusion::Unregistered(c.vm_status.clone()));
    }
    if c.maintain {
        return Some(Exclusion::Maintenance);
    }
    if c.upgrading {
        return Some(Exclusion::Upgrading);
    }
    if c.drained {
        return Some(Exclusion::Drained(None));
    }
    if c.sessions >= policy.max_session {
        return Some(Exclusion::Full {
            sessions: c.sessions,
            max_session: policy.max_session,
        });
    }
    over_threshold(policy, c.sessions)
}

pub(crate) fn over_threshold(policy: &Policy, sessions: u32) -> Option<Exclusion> {
    let checks = [
        ("cpu", "cpu_util", policy.cpu_threshold),
        ("memory", "mem_util", policy.mem_threshold),
        ("gpu", "gpu_usage_gpu", policy.gpu_threshold),
    ];
    for (resource, metric, threshold) in checks {
        let Some(threshold) = threshold else { continue };
        let Some(usage) = metrics::expected(metric, sessions, policy.gpus) else {
            continue;
        };
        if usage > f64::from(threshold) {
            return Some(Exclusion::OverThreshold {
                resource,
                usage,
                threshold,
            });
        }
    }
    None
}

/// The session count at which a server stops taking sessions: `max_session`, or fewer when a
/// threshold is crossed first (usage grows with the session count).
pub fn effective_cap(policy: &Policy) -> u32 {
    (0..policy.max_session)
        .find(|&n| over_threshold(policy, n).is_some())
        .unwrap_or(policy.max_session)
}

/// The result of [`explain`].
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The chosen server, if any is eligible.
    pub chosen: Option<String>,
    /// Every other server with the rule that passed it over, in the candidates' order.
    pub passed_over: Vec<(String, Exclusion)>,
}

/// Strategy order key: smaller is preferred.
fn key(strategy: Strategy, sessions: u32, order: u64) -> (i64, u64) {
    match strategy {
        Strategy::BreadthFirst => (i64::from(sessions), order),
        Strategy::DepthFirst => (-i64::from(sessions), order),
    }
}

/// Evaluate every candidate: the choice and why each other server was passed over.
pub fn explain(policy: &Policy, candidates: &[Candidate]) -> Decision {
    let chosen = candidates
        .iter()
        .filter(|c| exclusion(policy, c).is_none())
        .min_by(|a, b| {
            key(policy.strategy, a.sessions, a.order)
                .cmp(&key(policy.strategy, b.sessions, b.order))
                .then_with(|| a.id.cmp(&b.id))
        })
        .map(|c| c.id.clone());
    let passed_over = candidates
        .iter()
        .filter(|c| Some(&c.id) != chosen.as_ref())
        .map(|c| {
            (
                c.id.clone(),
                exclusion(policy, c).unwrap_or(Exclusion::NotChosen),
            )
        })
        .collect();
    Decision {
        chosen,
        passed_over,
    }
}

/// The eligible servers of one group ordered for the strategy: `choose` is O(log n).
/// Servers that cannot take a session (not running, maintenance, at the cap) are kept aside
/// and come back when [`Router::set`] says they can. Servers live in slots so the hot path
/// (`assign`, `adjust`) hashes at most one id and clones none.
#[derive(Debug, Clone)]
pub struct Router {
    policy: Policy,
    cap: u32,
    /// (strategy key, slot) of the servers that can take a session now.
    open: BTreeSet<((i64, u64), u32)>,
    slots: Vec<Option<Candidate>>,
    free: Vec<u32>,
    by_id: HashMap<String, u32>,
}

impl Router {
    /// An empty router for a group.
    pub fn new(policy: Policy) -> Self {
        Self {
            cap: effective_cap(&policy),
            policy,
            open: BTreeSet::new(),
            slots: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
        }
    }

    /// The group's policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replace the policy (an update of `route_policy` or `server_group_status`): every server
    /// is evaluated again ("modifying max_session resets the routing calculation").
    pub fn set_policy(&mut self, policy: Policy) {
        self.cap = effective_cap(&policy);
        self.policy = policy;
        self.open.clear();
        for slot in 0..self.slots.len() {
            self.open_slot(slot as u32);
        }
    }

    fn takes_sessions(&self, c: &Candidate) -> bool {
        self.policy.enabled
            && c.vm_status == "ACTIVE"
            && !c.maintain
            && !c.drained
            && !c.upgrading
            && c.sessions < self.cap
    }

    fn entry(&self, slot: u32) -> Option<((i64, u64), u32)> {
        let c = self.slots.get(slot as usize)?.as_ref()?;
        self.takes_sessions(c)
            .then(|| (key(self.policy.strategy, c.sessions, c.order), slot))
    }

    fn close_slot(&mut self, slot: u32) {
        if let Some(e) = self.entry(slot) {
            self.open.remove(&e);
        }
    }

    fn open_slot(&mut self, slot: u32) {
        if let Some(e) = self.entry(slot) {
            self.open.insert(e);
        }
    }

    /// Add or update a server.
    pub fn set(&mut self, c: Candidate) {
        let slot = match self.by_id.get(&c.id) {
            Some(&s) => {
                self.close_slot(s);
                s
            }
            None => {
                let s = match self.free.pop() {
                    Some(s) => s,
                    None => {
                        self.slots.push(None);
                        u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
                    }
                };
                self.by_id.insert(c.id.clone(), s);
                s
            }
        };
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(c);
        }
        self.open_slot(slot);
    }

    /// Forget a server (deleted, or taken out of routing before a scale-in).
    pub fn remove(&mut self, id: &str) -> Option<Candidate> {
        let slot = self.by_id.remove(id)?;
        self.close_slot(slot);
        self.free.push(slot);
        self.slots.get_mut(slot as usize)?.take()
    }

    /// The server a new session goes to, without assigning it.
    pub fn choose(&self) -> Option<&str> {
        let (_, slot) = self.open.first()?;
        self.slots
            .get(*slot as usize)?
            .as_ref()
            .map(|c| c.id.as_str())
    }

    fn bump(&mut self, slot: u32, delta: i64) {
        self.close_slot(slot);
        if let Some(Some(c)) = self.slots.get_mut(slot as usize) {
            let n = (i64::from(c.sessions) + delta).clamp(0, i64::from(u32::MAX));
            c.sessions = u32::try_from(n).unwrap_or(u32::MAX);
        }
        self.open_slot(slot);
    }

    /// Choose a server and count the new session on it, atomically for this router.
    pub fn assign(&mut self) -> Option<String> {
        let (_, slot) = *self.open.first()?;
        self.bump(slot, 1);
        self.slots
            .get(slot as usize)?
            .as_ref()
            .map(|c| c.id.clone())
    }

    /// Count `delta` sessions on a server (a session ended: -1).
    pub fn adjust(&mut self, id: &str, delta: i64) {
        if let Some(&slot) = self.by_id.get(id) {
            self.bump(slot, delta);
        }
    }

    /// The servers, in no particular order.
    pub fn servers(&self) -> impl Iterator<Item = &Candidate> {
        self.slots.iter().flatten()
    }

    /// A server's state.
    pub fn server(&self, id: &str) -> Option<&Candidate> {
        let slot = *self.by_id.get(id)?;
        self.slots.get(slot as usize)?.as_ref()
    }

    /// Sessions on a server.
    pub fn sessions(&self, id: &str) -> Option<u32> {
        self.server(id).map(|c| c.sessions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_session: u32, strategy: Strategy) -> Policy {
        Policy {
            enabled: true,
            max_session,
            cpu_threshold: None,
            mem_threshold: None,
            gpu_threshold: None,
            gpus: 0,
            strategy,
        }
    }

    fn cand(id: &str, order: u64, sessions: u32) -> Candidate {
        Candidate {
            id: id.into(),
            order,
            vm_status: "ACTIVE".into(),
            maintain: false,
            drained: false,
            upgrading: false,
            sessions,
        }
    }

    #[test]
    fn breadth_first_spreads_and_depth_first_fills() {
        let servers = [cand("a", 1, 2), cand("b", 2, 0), cand("c", 3, 3)];
        let bf = explain(&policy(4, Strategy::BreadthFirst), &servers);
        assert_eq!(bf.chosen.as_deref(), Some("b"));
        let df = explain(&policy(4, Strategy::DepthFirst), &servers);
        assert_eq!(df.chosen.as_deref(), Some("c"));
        // c is full at 3: depth-first takes the next fullest.
        let df3 = explain(&policy(3, Strategy::DepthFirst), &servers);
        assert_eq!(df3.chosen.as_deref(), Some("a"));
        assert!(df3.passed_over.contains(&(
            "c".into(),
            Exclusion::Full {
                sessions: 3,
                max_session: 3
            }
        )));
    }

    #[test]
    fn ties_go_to_the_oldest_server() {
        let servers = [cand("z", 2, 1), cand("y", 1, 1), cand("x", 3, 1)];
        let d = explain(&policy(4, Strategy::BreadthFirst), &servers);
        assert_eq!(d.chosen.as_deref(), Some("y"));
        assert_eq!(d.passed_over.len(), 2);
        assert!(d
            .passed_over
            .iter()
            .all(|(_, e)| *e == Exclusion::NotChosen));
    }

    #[test]
    fn every_rule_is_named() {
        let mut stopped = cand("stopped", 1, 0);
        stopped.vm_status = "SHUTOFF".into();
        let mut maint = cand("maint", 2, 0);
        maint.maintain = true;
        let mut p = policy(10, Strategy::BreadthFirst);
        p.cpu_threshold = Some(50);
        let busy = cand("busy", 3, 5); // expected cpu 2 + 11*5 + 2 = 59 %
        let d = explain(&p, &[stopped, maint, busy.clone()]);
        assert_eq!(d.chosen, None);
        let codes: Vec<&str> = d.passed_over.iter().map(|(_, e)| e.code()).collect();
        assert_eq!(codes, ["unregistered", "maintenance", "over_threshold"]);
        assert!(d.passed_over[2].1.reason().contains("cpu usage"));
        p.enabled = false;
        let d = explain(&p, &[busy]);
        assert_eq!(d.passed_over[0].1, Exclusion::GroupDisabled);
    }

    #[test]
    fn thresholds_become_a_session_cap() {
        let mut p = policy(10, Strategy::BreadthFirst);
        assert_eq!(effective_cap(&p), 10);
        p.cpu_threshold = Some(50); // 2 + 11n + 2 <= 50 up to n = 4
        assert_eq!(effective_cap(&p), 5);
        p.mem_threshold = Some(30); // 18 + 6n + 1 <= 30 up to n = 1
        assert_eq!(effective_cap(&p), 2);
        p.gpu_threshold = Some(1); // no GPUs: no GPU rule
        assert_eq!(effective_cap(&p), 2);
    }

    /// The index answers exactly what the full evaluation answers, over a random walk of
    /// assignments, releases, state changes and policy changes.
    #[test]
    fn the_router_agrees_with_explain() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for strategy in [Strategy::BreadthFirst, Strategy::DepthFirst] {
            let mut p = policy(6, strategy);
            let mut r = Router::new(p.clone());
            for i in 0..40u64 {
                r.set(cand(&format!("s{i:02}"), 40 - i, 0));
            }
            for step in 0..5_000 {
                match next(10) {
                    0..=5 => {
                        r.assign();
                    }
                    6 | 7 => {
                        let id = format!("s{:02}", next(40));
                        r.adjust(&id, -1);
                    }
                    8 => {
                        let id = format!("s{:02}", next(40));
                        if let Some(mut c) = r.server(&id).cloned() {
                            match next(5) {
                                0 => c.maintain = !c.maintain,
                                2 => c.drained = !c.drained,
                                3 => c.upgrading = !c.upgrading,
                                1 => {
                                    c.vm_status = if c.vm_status == "ACTIVE" {
                                        "SHUTOFF".into()
                                    } else {
                                        "ACTIVE".into()
                                    }
                                }
                                _ => c.sessions = 0,
                            }
                            r.set(c);
                        }
                    }
                    _ => {
                        p.max_session = 1 + next(8) as u32;
                        p.cpu_threshold = [None, Some(40), Some(70)][next(3) as usize];
                        p.enabled = next(10) != 0;
                        r.set_policy(p.clone());
                    }
                }
                let mut all: Vec<Candidate> = r.servers().cloned().collect();
                all.sort_by(|a, b| a.id.cmp(&b.id));
                let want = explain(&p, &all).chosen;
                assert_eq!(r.choose().map(str::to_string), want, "step {step}");
                assert!(r.servers().all(|c| c.sessions <= p.max_session.max(8)));
            }
        }
    }

    #[test]
    fn a_groups_policy_defaults_to_its_products_sessions() {
        let cat = crate::catalogue::Catalogue::default_for("cn-north-4").expect("catalogue");
        let mut g = crate::fixtures::view(&cat, crate::fixtures::create_spec("sg"))
            .expect("valid")
            .group;
        let product = cat.product(&g.product_id);
        let want = product.map(|p| p.sessions).expect("product");
        g.route_policy.max_session = None;
        let p = Policy::for_group(&g, product, 0);
        assert_eq!(i64::from(p.max_session), want);
        assert!(p.enabled);
        g.route_policy.max_session = Some(3);
        g.route_policy.cpu_threshold = Some(70);
        g.server_group_status = false;
        g.route_policy.strategy = Some("DEPTH_FIRST".into());
        let p = Policy::for_group(&g, product, 0);
        assert_eq!(
            (p.max_session, p.cpu_threshold, p.enabled),
            (3, Some(70), false)
        );
        assert_eq!(p.strategy, Strategy::DepthFirst);
        assert_eq!(Policy::for_group(&g, None, 0).max_session, 3);
        // Paid sessions add to the product's default when max_session is not set.
        g.route_policy.max_session = None;
        g.extra_session_size = Some(2);
        assert_eq!(
            i64::from(Policy::for_group(&g, product, 0).max_session),
            want + 2
        );
    }

    #[test]
    fn assign_never_exceeds_the_cap() {
        let mut r = Router::new(policy(3, Strategy::DepthFirst));
        r.set(cand("a", 1, 0));
        r.set(cand("b", 2, 0));
        let got: Vec<String> = std::iter::from_fn(|| r.assign()).collect();
        assert_eq!(got, ["a", "a", "a", "b", "b", "b"]);
        assert_eq!(r.assign(), None);
        r.adjust("b", -1);
        assert_eq!(r.assign().as_deref(), Some("b"));
    }
}
