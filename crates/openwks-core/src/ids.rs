//! Snowflake-style decimal ids, as the vendor's app groups have (`"575772274859184144"`):
//! milliseconds since 2020-01-01 in the high bits, a node number, a sequence. Unique and
//! time-ordered within a node; the node number keeps replicas apart.

use std::sync::atomic::{AtomicU64, Ordering};

/// 2020-01-01T00:00:00Z in unix milliseconds.
pub const EPOCH_MS: u64 = 1_577_836_800_000;

/// A generator for one node.
#[derive(Debug)]
pub struct Snowflake {
    node: u64,
    last: AtomicU64,
}

impl Snowflake {
    /// A generator for node `node` (0–1023).
    pub fn new(node: u64) -> Self {
        Self {
            node: node & 0x3ff,
            last: AtomicU64::new(0),
        }
    }

    /// The next id at time `now_ms` (unix milliseconds): never smaller than or equal to the
    /// previous one, even if the clock goes back.
    pub fn next_at(&self, now_ms: u64) -> u64 {
        let base = (now_ms.saturating_sub(EPOCH_MS) << 22) | (self.node << 12);
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = base.max(prev + 1);
            match self.last.compare_exchange_weak(
                prev,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return candidate,
                Err(p) => prev = p,
            }
        }
    }

    /// The next id now, as a decimal string.
    pub fn next(&self) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(EPOCH_MS);
        self.next_at(now).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_increasing_and_decimal() {
        let s = Snowflake::new(1);
        let a = s.next_at(EPOCH_MS + 1000);
        let b = s.next_at(EPOCH_MS + 1000);
        let c = s.next_at(EPOCH_MS + 999);
        assert!(a < b && b < c, "monotonic even when the clock goes back");
        let id = s.next();
        assert!(
            id.len() >= 17 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
        let many: std::collections::HashSet<u64> =
            (0..10_000).map(|_| s.next_at(EPOCH_MS + 5)).collect();
        assert_eq!(many.len(), 10_000);
    }
}
