//! Time as a dependency: the scaling controller, session timeouts and delayed logoffs read a
//! [`Clock`], so tests and simulations run on a [`VirtualClock`] they advance by hand (no sleeps).

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, epoch milliseconds.
    fn now_ms(&self) -> i64;

    /// Now, as a [`crate::time::Timestamp`].
    fn now(&self) -> crate::time::Timestamp {
        crate::time::Timestamp::from_ms(self.now_ms())
    }

    /// Move this clock forward by `ms` (time control); `false` when it cannot be moved (the
    /// wall clock).
    fn advance(&self, _ms: i64) -> bool {
        false
    }
}

/// The wall clock plus an offset that only grows: what `openwks serve --time-control` runs
/// on, so a test suite can move the server's time forward (boot delays, leases, timeouts,
/// scaling rounds follow) while it keeps running in real time otherwise.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst)
    }

    fn advance(&self, ms: i64) -> bool {
        self.offset_ms.fetch_add(ms.max(0), Ordering::SeqCst);
        true
    }
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that moves only when told to; shareable (`Arc<VirtualClock>`) between a test and
/// the code under test.
#[derive(Debug, Default)]
pub struct VirtualClock {
    now: AtomicI64,
}

impl VirtualClock {
    /// A clock standing at `start_ms`.
    pub fn at(start_ms: i64) -> Self {
        Self {
            now: AtomicI64::new(start_ms),
        }
    }

    /// Move forward by `ms` (negative values are ignored: time does not go back).
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms.max(0), Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn advance(&self, ms: i64) -> bool {
        VirtualClock::advance(self, ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn an_offset_clock_runs_with_the_wall_clock_and_moves_forward_when_told() {
        let c = OffsetClock::default();
        let wall = SystemClock.now_ms();
        assert!((c.now_ms() - wall).abs() < 1_000);
        assert!(c.advance(3_600_000));
        assert!(c.now_ms() - SystemClock.now_ms() >= 3_599_000);
        assert!(c.advance(-5_000), "a move back is ignored, not refused");
        assert!(c.now_ms() - SystemClock.now_ms() >= 3_599_000);
        assert!(!SystemClock.advance(1), "the wall clock cannot be moved");
    }

    #[test]
    fn a_virtual_clock_moves_only_forward_and_only_when_told() {
        let c = Arc::new(VirtualClock::at(1_000));
        let shared: Arc<dyn Clock> = c.clone();
        assert_eq!(shared.now_ms(), 1_000);
        c.advance(60_000);
        assert_eq!(shared.now_ms(), 61_000);
        c.advance(-5);
        assert_eq!(shared.now_ms(), 61_000);
    }

    #[test]
    fn the_system_clock_is_close_to_chrono() {
        let a = SystemClock.now_ms();
        let b = chrono::Utc::now().timestamp_millis();
        assert!((b - a).abs() < 5_000 && a > 1_700_000_000_000);
    }
}
