//! Hotspot session migration (issue #18, the vendor's `hotspot-session-config`): a server
//! running more sessions than its group now allows, or whose expected load is over a threshold
//! of the group's route policy, is hot; the scaling controller moves up to
//! `hotspot_exit_session_num` of its sessions a round to servers with room, never the sessions
//! of the project's non-migration users, and never into nowhere (a session that no other
//! server can take stays where it is).

use serde::{Deserialize, Serialize};

use crate::routing::{over_threshold, Exclusion, Policy};

/// A user the migration leaves alone (the vendor's `UserInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    /// Id (as given).
    pub user_id: String,
    /// Name: what sessions are matched on.
    pub user_name: String,
}

/// A project's hotspot configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotspotConfig {
    /// Id.
    pub id: String,
    /// Project (one configuration each).
    pub project_id: String,
    /// Whether hot servers shed sessions.
    pub enabled: bool,
    /// How many sessions a hot server sheds a round (0–100).
    pub exit_session_num: u32,
    /// Users whose sessions never move (at most 1,000).
    pub non_migrate_users: Vec<UserRef>,
}

/// The most non-migration users a configuration holds.
pub const MAX_NON_MIGRATE_USERS: usize = 1000;

impl HotspotConfig {
    /// Whether `user` is one whose sessions stay (by name, or by id where a name was not
    /// given).
    pub fn keeps(&self, user: &str) -> bool {
        self.non_migrate_users
            .iter()
            .any(|u| u.user_name == user || (u.user_name.is_empty() && u.user_id == user))
    }
}

/// Why a server with `sessions` sessions is hot under `policy`, if it is.
pub fn hot(policy: &Policy, sessions: u32) -> Option<String> {
    if sessions > policy.max_session {
        return Some(format!(
            "it holds {sessions} sessions, more than max_session {}",
            policy.max_session
        ));
    }
    match over_threshold(policy, sessions) {
        Some(e @ Exclusion::OverThreshold { .. }) => Some(e.reason()),
        _ => None,
    }
}

/// How many sessions a hot server must shed to cool down (at least one while it is hot).
pub fn relief(policy: &Policy, sessions: u32) -> u32 {
    (1..=sessions)
        .find(|k| hot(policy, sessions - k).is_none())
        .unwrap_or(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Strategy;

    fn policy(max_session: u32, cpu: Option<u32>) -> Policy {
        Policy {
            enabled: true,
            max_session,
            cpu_threshold: cpu,
            mem_threshold: None,
            gpu_threshold: None,
            gpus: 0,
            strategy: Strategy::BreadthFirst,
        }
    }

    #[test]
    fn a_server_is_hot_over_max_session_or_over_a_threshold() {
        let p = policy(4, None);
        assert_eq!(hot(&p, 4), None, "full is not hot");
        assert!(hot(&p, 6).is_some_and(|r| r.contains("6 sessions")));
        assert_eq!(relief(&p, 6), 2);
        // Expected CPU is 4 + 11 per session: 5 sessions are 59 %, 6 are 70 %.
        let p = policy(10, Some(60));
        assert_eq!(hot(&p, 5), None);
        assert!(
            hot(&p, 6).is_some_and(|r| r.contains("cpu")),
            "{:?}",
            hot(&p, 6)
        );
        assert_eq!(relief(&p, 8), 3);
        assert_eq!(
            relief(&p, 5),
            1,
            "a cool server sheds nothing more than one if asked"
        );
    }

    #[test]
    fn non_migration_users_are_matched_by_name_or_id() {
        let c = HotspotConfig {
            id: "c".into(),
            project_id: "p".into(),
            enabled: true,
            exit_session_num: 1,
            non_migrate_users: vec![
                UserRef {
                    user_id: "u1".into(),
                    user_name: "alice".into(),
                },
                UserRef {
                    user_id: "bob".into(),
                    user_name: String::new(),
                },
            ],
        };
        assert!(c.keeps("alice") && c.keeps("bob"));
        assert!(!c.keeps("u1") && !c.keeps("carol"));
    }
}
