//! Failed sign-ins, counted per user name: after [`MAX_FAILURES`] wrong passwords within
//! [`WINDOW_MS`], the name is locked for [`LOCK_MS`] (the vendor IAM's default lockout policy:
//! 5 attempts in 15 minutes, locked 15 minutes). Names that do not exist are counted the same
//! way, so the answer tells nothing of which users exist. Per replica, in memory.

use std::collections::HashMap;
use std::sync::Mutex;

/// Wrong passwords tolerated within the window.
pub const MAX_FAILURES: usize = 5;
/// The window failures are counted in, milliseconds.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a name stays locked, milliseconds.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// Names tracked at most; beyond it, entries with nothing current are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
struct Entry {
    /// Times of the failures inside the window, oldest first.
    failures: Vec<i64>,
    locked_until: i64,
}

/// The failed sign-ins of this replica.
#[derive(Debug, Default)]
pub struct SignInGuard {
    names: Mutex<HashMap<String, Entry>>,
}

fn key(domain: &str, name: &str) -> String {
    format!("{}\u{0}{}", domain.to_lowercase(), name.to_lowercase())
}

impl SignInGuard {
    /// `Err(seconds)` while the name is locked: how long until it may try again.
    pub fn check(&self, domain: &str, name: &str, now_ms: i64) -> Result<(), i64> {
        let Ok(names) = self.names.lock() else {
            return Ok(());
        };
        match names.get(&key(domain, name)) {
            Some(e) if e.locked_until > now_ms => Err((e.locked_until - now_ms + 999) / 1000),
            _ => Ok(()),
        }
    }

    /// Record a wrong password (or an unknown name); locks the name at the limit.
    pub fn failed(&self, domain: &str, name: &str, now_ms: i64) {
        let Ok(mut names) = self.names.lock() else {
            return;
        };
        if names.len() >= MAX_TRACKED {
            names.retain(|_, e| {
                e.locked_until > now_ms || e.failures.last().is_some_and(|t| now_ms - t < WINDOW_MS)
            });
            if names.len() >= MAX_TRACKED {
                // Everything is current: a flood of names. Start over rather than grow.
                names.clear();
            }
        }
        let e = names.entry(key(domain, name)).or_default();
        e.failures.retain(|t| now_ms - t < WINDOW_MS);
        e.failures.push(now_ms);
        if e.failures.len() >= MAX_FAILURES {
            e.locked_until = now_ms + LOCK_MS;
            e.failures.clear();
        }
    }

    /// A successful sign-in forgets the name's failures.
    pub fn succeeded(&self, domain: &str, name: &str) {
        if let Ok(mut names) = self.names.lock() {
            names.remove(&key(domain, name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_the_window_lock_the_name_for_fifteen_minutes() {
        let g = SignInGuard::default();
        let t0 = 1_000_000;
        for i in 0..4 {
            g.failed("acc", "alice", t0 + i);
            assert_eq!(g.check("acc", "alice", t0 + i), Ok(()));
        }
        g.failed("acc", "Alice", t0 + 10);
        assert_eq!(g.check("ACC", "alice", t0 + 10), Err(900));
        assert_eq!(g.check("acc", "bob", t0 + 10), Ok(()), "per name");
        assert!(g.check("acc", "alice", t0 + 10 + LOCK_MS - 1).is_err());
        assert_eq!(g.check("acc", "alice", t0 + 10 + LOCK_MS), Ok(()));
    }

    #[test]
    fn failures_outside_the_window_and_before_a_success_do_not_count() {
        let g = SignInGuard::default();
        for i in 0..4 {
            g.failed("acc", "carol", i);
        }
        g.failed("acc", "carol", WINDOW_MS + 10);
        assert_eq!(g.check("acc", "carol", WINDOW_MS + 10), Ok(()));
        for i in 0..4 {
            g.failed("acc", "dave", i);
        }
        g.succeeded("acc", "dave");
        g.failed("acc", "dave", 5);
        assert_eq!(g.check("acc", "dave", 5), Ok(()));
    }
}
