//! Autoscaling decisions (issue #5): what a server group's scaling policy asks for now.
//!
//! Pure: the controller gathers the group's servers and the time (from a clock it is given, so
//! tests run on a virtual clock), calls [`decide`], records the [`Decision`] with its reason and
//! carries it out. `scaling-preview` answers the same decision without carrying it out.
//!
//! Rules:
//! - Scale out when the group's session usage (sessions over the session capacity of its
//!   servers, servers still building counted as capacity so one surge is not answered twice)
//!   reaches `session_usage_threshold`, or its mean expected CPU / memory / GPU usage reaches a
//!   resource threshold; by at most `single_expansion_count` servers, and never past
//!   `max_scaling_amount` auto-created servers.
//! - Otherwise scale in: release auto-created (`scaling_auto_create`) servers that have had no
//!   session for `shrink_after_session_idle_minutes`, oldest idle first, never one with a
//!   session, and only while the usage after the release stays below the threshold (no
//!   flapping). Servers created by people are never released.

use crate::metrics;
use crate::server_group::ScalingPolicy;

/// What scaling needs of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLoad {
    /// Server id.
    pub id: String,
    /// Created by scaling (`scaling_auto_create`).
    pub auto_created: bool,
    /// `ACTIVE`, `BUILD`, ...
    pub vm_status: String,
    /// In maintenance mode (no capacity, never released by scaling).
    pub maintain: bool,
    /// Drained by an operator: no capacity, released by scaling only once it has no session
    /// (and is auto-created and idle like any other).
    pub drained: bool,
    /// Live sessions.
    pub sessions: u32,
    /// Since when it has had no session (epoch ms); `None` while it has one.
    pub idle_since_ms: Option<i64>,
}

/// One decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Add servers.
    ScaleOut {
        /// How many.
        count: u32,
        /// Why, for the activity log.
        reason: String,
    },
    /// Release these servers (take them out of routing first, then delete them).
    ScaleIn {
        /// Their ids.
        servers: Vec<String>,
        /// Why.
        reason: String,
    },
    /// Nothing to do.
    Hold {
        /// Why.
        reason: String,
    },
}

/// Whether a server counts as capacity: running or still building, not in maintenance, not
/// drained.
pub fn serves(s: &ServerLoad) -> bool {
    !s.maintain && !s.drained && matches!(s.vm_status.as_str(), "ACTIVE" | "BUILD")
}

/// The decision for a group with `cap` sessions per server (routing's effective cap), `gpus`
/// per server, at `now_ms`.
pub fn decide(
    policy: &ScalingPolicy,
    cap: u32,
    gpus: u32,
    servers: &[ServerLoad],
    now_ms: i64,
) -> Decision {
    if !policy.enable {
        return Decision::Hold {
            reason: "the scaling policy is disabled".into(),
        };
    }
    let drained = servers.iter().filter(|s| s.drained && !s.maintain).count();
    let note = |d: Decision| {
        if drained == 0 {
            return d;
        }
        let more = format!("; {drained} drained server(s) not counted as capacity");
        match d {
            Decision::ScaleOut { count, reason } => Decision::ScaleOut {
                count,
                reason: reason + &more,
            },
            Decision::ScaleIn { servers, reason } => Decision::ScaleIn {
                servers,
                reason: reason + &more,
            },
            Decision::Hold { reason } => Decision::Hold {
                reason: reason + &more,
            },
        }
    };
    note(decide_counted(policy, cap, gpus, servers, now_ms))
}

fn decide_counted(
    policy: &ScalingPolicy,
    cap: u32,
    gpus: u32,
    servers: &[ServerLoad],
    now_ms: i64,
) -> Decision {
    let serving: Vec<&ServerLoad> = servers.iter().filter(|s| serves(s)).collect();
    let sessions: u64 = serving.iter().map(|s| u64::from(s.sessions)).sum();
    let capacity = serving.len() as u64 * u64::from(cap.max(1));
    let usage = |capacity: u64| {
        if capacity == 0 {
            100.0
        } else {
            sessions as f64 * 100.0 / capacity as f64
        }
    };
    let session_threshold = policy.session_usage_threshold.unwrap_or(100) as f64;
    let now_usage = usage(capacity);
    let mut triggers = Vec::new();
    if now_usage >= session_threshold {
        triggers.push(format!(
            "session usage {now_usage:.0}% ({sessions} of {capacity}) reached the threshold of {session_threshold:.0}%"
        ));
    }
    let running: Vec<&&ServerLoad> = serving.iter().filter(|s| s.vm_status == "ACTIVE").collect();
    for (resource, metric, threshold) in [
        ("cpu", "cpu_util", policy.cpu_usage_threshold),
        ("memory", "mem_util", policy.mem_usage_threshold),
        ("gpu", "gpu_usage_gpu", policy.gpu_usage_threshold),
    ] {
        let Some(t) = threshold else { continue };
        if running.is_empty() {
            continue;
        }
        let mean = running
            .iter()
            .filter_map(|s| metrics::expected(metric, s.sessions, gpus))
            .sum::<f64>()
            / running.len() as f64;
        if mean >= t as f64 {
            triggers.push(format!(
                "mean {resource} usage {mean:.0}% reached the threshold of {t}%"
            ));
        }
    }
    let auto = servers.iter().filter(|s| s.auto_created).count() as i64;
    if !triggers.is_empty() {
        let room = (policy.max_scaling_amount - auto).max(0);
        let count = policy.single_expansion_count.min(room).max(0);
        if count == 0 {
            return Decision::Hold {
                reason: format!(
                    "{}, but the group already has {auto} auto-created servers (max_scaling_amount {})",
                    triggers.join("; "),
                    policy.max_scaling_amount
                ),
            };
        }
        return Decision::ScaleOut {
            count: u32::try_from(count).unwrap_or(0),
            reason: triggers.join("; "),
        };
    }
    let idle_ms = policy.shrink_after_session_idle_minutes * 60_000;
    // Idle auto-created servers, drained ones included once their sessions are gone (they are
    // no capacity, so releasing them leaves the usage as it is).
    let mut idle: Vec<&ServerLoad> = servers
        .iter()
        .filter(|s| serves(s) || (s.drained && !s.maintain))
        .filter(|s| {
            s.auto_created
                && s.sessions == 0
                && s.vm_status == "ACTIVE"
                && s.idle_since_ms.is_some_and(|t| now_ms - t >= idle_ms)
        })
        .collect();
    idle.sort_by(|a, b| a.idle_since_ms.cmp(&b.idle_since_ms).then(a.id.cmp(&b.id)));
    let mut released = Vec::new();
    let mut left = capacity;
    for s in idle {
        if s.drained {
            released.push(s.id.clone());
            continue;
        }
        let after = left.saturating_sub(u64::from(cap.max(1)));
        if usage(after) >= session_threshold {
            break;
        }
        left = after;
        released.push(s.id.clone());
    }
    if released.is_empty() {
        return Decision::Hold {
            reason: format!(
                "session usage {now_usage:.0}% is below the threshold of {session_threshold:.0}% and no auto-created server has been idle for {} minutes",
                policy.shrink_after_session_idle_minutes
            ),
        };
    }
    Decision::ScaleIn {
        reason: format!(
            "{} auto-created server(s) idle for {} minutes or more; session usage after release {:.0}%",
            released.len(),
            policy.shrink_after_session_idle_minutes,
            usage(left)
        ),
        servers: released,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ScalingPolicy {
        ScalingPolicy {
            enable: true,
            max_scaling_amount: 3,
            single_expansion_count: 2,
            session_usage_threshold: Some(80),
            shrink_after_session_idle_minutes: 10,
            cpu_usage_threshold: None,
            mem_usage_threshold: None,
            gpu_usage_threshold: None,
        }
    }

    fn server(id: &str, auto: bool, sessions: u32, idle_since: Option<i64>) -> ServerLoad {
        ServerLoad {
            id: id.into(),
            auto_created: auto,
            vm_status: "ACTIVE".into(),
            maintain: false,
            drained: false,
            sessions,
            idle_since_ms: idle_since,
        }
    }

    #[test]
    fn scale_out_at_the_session_threshold_within_the_limits() {
        let p = policy();
        let busy = [server("a", false, 4, None), server("b", false, 4, None)];
        match decide(&p, 5, 0, &busy, 0) {
            Decision::ScaleOut { count, reason } => {
                assert_eq!(count, 2);
                assert!(reason.contains("80%"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
        // Two auto-created already: one more at most.
        let mut more = busy.to_vec();
        more.push(server("c", true, 4, None));
        more.push(server("d", true, 4, None));
        assert!(matches!(
            decide(&p, 5, 0, &more, 0),
            Decision::ScaleOut { count: 1, .. }
        ));
        more.push(server("e", true, 4, None));
        match decide(&p, 5, 0, &more, 0) {
            Decision::Hold { reason } => {
                assert!(reason.contains("max_scaling_amount 3"), "{reason}")
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_drained_server_is_no_capacity_and_is_released_only_without_sessions() {
        let p = policy();
        let drained = |id: &str, auto: bool, sessions: u32, idle: Option<i64>| ServerLoad {
            drained: true,
            ..server(id, auto, sessions, idle)
        };
        // Counted, 5 sessions on 2 servers of 5 would be 50%; the drained one is no capacity and
        // its session does not count: 4 of 5 is 80%, scale out.
        let s = [server("a", false, 4, None), drained("b", true, 1, None)];
        match decide(&p, 5, 0, &s, 0) {
            Decision::ScaleOut { reason, .. } => {
                assert!(reason.contains("4 of 5"), "{reason}");
                assert!(reason.contains("1 drained server(s)"), "{reason}");
            }
            d => panic!("{d:?}"),
        }
        // A drained server with a session is never released, however long the others idle.
        let minutes = |m: i64| m * 60_000;
        let s = [
            server("a", false, 1, None),
            drained("b", true, 1, None),
            server("c", true, 0, Some(0)),
        ];
        match decide(&p, 5, 0, &s, minutes(30)) {
            Decision::ScaleIn { servers, .. } => assert_eq!(servers, vec!["c".to_string()]),
            d => panic!("{d:?}"),
        }
        // Once its sessions are gone and it idled long enough, it goes, even where releasing a
        // serving server would push the usage over the threshold.
        let s = [server("a", false, 3, None), drained("b", true, 0, Some(0))];
        match decide(&p, 5, 0, &s, minutes(30)) {
            Decision::ScaleIn { servers, .. } => assert_eq!(servers, vec!["b".to_string()]),
            d => panic!("{d:?}"),
        }
        // Not idle long enough yet: held.
        assert!(matches!(
            decide(&p, 5, 0, &s, minutes(5)),
            Decision::Hold { .. }
        ));
    }

    #[test]
    fn servers_still_building_count_as_capacity() {
        let p = policy();
        let mut s = vec![server("a", false, 5, None)];
        assert!(matches!(decide(&p, 5, 0, &s, 0), Decision::ScaleOut { .. }));
        s.push(ServerLoad {
            vm_status: "BUILD".into(),
            ..server("b", true, 0, None)
        });
        s.push(ServerLoad {
            vm_status: "BUILD".into(),
            ..server("c", true, 0, None)
        });
        assert!(
            matches!(decide(&p, 5, 0, &s, 0), Decision::Hold { .. }),
            "5 of 15 is 33%: the surge is already answered"
        );
    }

    #[test]
    fn resource_thresholds_trigger_too() {
        let mut p = policy();
        p.session_usage_threshold = Some(100);
        p.cpu_usage_threshold = Some(40);
        let s = [server("a", false, 4, None)]; // expected cpu 4 + 44 = 48 %
        match decide(&p, 10, 0, &s, 0) {
            Decision::ScaleOut { reason, .. } => assert!(reason.contains("cpu"), "{reason}"),
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn scale_in_only_idle_auto_created_servers_without_flapping() {
        let p = policy();
        let min = 60_000;
        let now = 100 * min;
        let s = [
            server("manual", false, 0, Some(0)),
            server("busy", true, 3, None),
            server("fresh", true, 0, Some(now - 5 * min)),
            server("old1", true, 0, Some(now - 30 * min)),
            server("old2", true, 0, Some(now - 20 * min)),
        ];
        match decide(&p, 5, 0, &s, now) {
            Decision::ScaleIn { servers, reason } => {
                assert_eq!(servers, ["old1", "old2"], "{reason}");
            }
            d => panic!("{d:?}"),
        }
        // 7 sessions on 5 servers of 5: releasing both idle ones leaves 7 of 15 (47%).
        let mut heavy = s.to_vec();
        heavy[0].sessions = 2;
        heavy[1].sessions = 5;
        heavy[0].idle_since_ms = None;
        match decide(&p, 5, 0, &heavy, now) {
            Decision::ScaleIn { servers, .. } => assert_eq!(servers, ["old1", "old2"]),
            d => panic!("{d:?}"),
        }
        // A release that would push usage to the threshold stops there.
        let tight = [
            server("m", false, 4, None),
            server("x", true, 0, Some(0)),
            server("y", true, 0, Some(0)),
        ];
        match decide(&p, 5, 0, &tight, now) {
            Decision::ScaleIn { servers, .. } => {
                assert_eq!(servers, ["x"], "4 of 10 ok, 4 of 5 not")
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn disabled_or_quiet_groups_hold() {
        let mut p = policy();
        let s = [server("a", false, 1, None)];
        assert!(matches!(decide(&p, 5, 0, &s, 0), Decision::Hold { .. }));
        p.enable = false;
        let full = [server("a", false, 5, None)];
        match decide(&p, 5, 0, &full, 0) {
            Decision::Hold { reason } => assert!(reason.contains("disabled")),
            d => panic!("{d:?}"),
        }
    }
}
