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

    /// Stop this clock where it stands (`true`) or let it run on from there (`false`); `false`
    /// when it cannot be pinned (the wall clock).
    fn pin(&self, _pinned: bool) -> bool {
        false
    }

    /// Whether it stands still until moved.
    fn pinned(&self) -> bool {
        false
    }
}

/// The wall clock plus an offset that only grows: what `openwks serve --time-control` runs
/// on, so a test suite can move the server's time forward (boot delays, leases, timeouts,
/// scaling rounds follow) while it keeps running in real time otherwise.
/// Pinned, it stands still (moving only when advanced) until unpinned, then runs on from
/// where it stood.
#[derive(Debug, Default)]
pub struct OffsetClock {
    /// Added to the wall clock while it runs.
    offset_ms: AtomicI64,
    /// Where it stands while pinned.
    pinned: std::sync::Mutex<Option<i64>>,
}

impl Clock for OffsetClock {
    fn now_ms(&self) -> i64 {
        match self.pinned.lock().ok().and_then(|p| *p) {
            Some(t) => t,
            None => SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst),
        }
    }

    fn advance(&self, ms: i64) -> bool {
        let ms = ms.max(0);
        match self.pinned.lock() {
            Ok(mut p) => match p.as_mut() {
                Some(t) => *t += ms,
                None => {
                    self.offset_ms.fetch_add(ms, Ordering::SeqCst);
                }
            },
            Err(_) => return false,
        }
        true
    }

    fn pin(&self, pinned: bool) -> bool {
        let Ok(mut p) = self.pinned.lock() else {
            return false;
        };
        match (pinned, *p) {
            (true, None) => {
                *p = Some(SystemClock.now_ms() + self.offset_ms.load(Ordering::SeqCst));
            }
            (false, Some(t)) => {
                // Run on from where it stood: never back.
                self.offset_ms
                    .store(t - SystemClock.now_ms(), Ordering::SeqCst);
                *p = None;
            }
            _ => {}
        }
        true
    }

    fn pinned(&self) -> bool {
        self.pinned.lock().is_ok_and(|p| p.is_some())
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

    fn pin(&self, _pinned: bool) -> bool {
        true
    }

    fn pinned(&self) -> bool {
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
    fn a_pinned_offset_clock_stands_still_until_moved_and_runs_on_from_there() {
        let c = OffsetClock::default();
        assert!(c.pin(true) && c.pinned());
        let t = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(c.now_ms(), t, "pinned: it stands still");
        assert!(c.advance(1_000));
        assert_eq!(c.now_ms(), t + 1_000);
        assert!(c.pin(false) && !c.pinned());
        let after = c.now_ms();
        assert!(
            after >= t + 1_000 && after < t + 2_000,
            "runs on from where it stood"
        );
        assert!(!SystemClock.pin(true));
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
