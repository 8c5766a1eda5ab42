//! Where openwks's ids come from.
//!
//! - [`Snowflake`]: decimal ids, as the vendor's app groups have (`"575772274859184144"`):
//!   milliseconds since 2020-01-01 in the high bits, a node number, a sequence. Unique and
//!   time-ordered within a node; the node number keeps replicas apart.
//! - [`IdSource`]: UUIDs and hex ids of every other resource: random, or with `serve --seed`
//!   a deterministic stream (the same requests on a fresh data dir get the same ids).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rand::{RngCore, SeedableRng};

/// The ids of resources: random (v4 UUIDs from the OS's generator), or seeded.
#[derive(Debug)]
pub struct IdSource {
    seeded: Option<Mutex<rand::rngs::StdRng>>,
}

impl Default for IdSource {
    fn default() -> Self {
        Self::random()
    }
}

impl IdSource {
    /// Random ids.
    pub fn random() -> Self {
        Self { seeded: None }
    }

    /// A deterministic stream from `seed`; `stream` tells apart the starts of one data dir
    /// (each start continues with another stream, so a restart never mints an id again).
    pub fn seeded(seed: u64, stream: u64) -> Self {
        let mixed = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self {
            seeded: Some(Mutex::new(rand::rngs::StdRng::seed_from_u64(mixed))),
        }
    }

    /// Whether the ids are deterministic.
    pub fn is_seeded(&self) -> bool {
        self.seeded.is_some()
    }

    fn fill(&self, b: &mut [u8]) {
        match &self.seeded {
            Some(m) => match m.lock() {
                Ok(mut r) => r.fill_bytes(b),
                Err(poisoned) => poisoned.into_inner().fill_bytes(b),
            },
            None => rand::rng().fill_bytes(b),
        }
    }

    /// A v4 UUID, hyphenated (`6f4d1f2a-…`).
    pub fn uuid(&self) -> String {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid::Builder::from_random_bytes(b)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A v4 UUID without hyphens (32 hex digits).
    pub fn simple(&self) -> String {
        self.uuid().replace('-', "")
    }

    /// `n` bytes as lower-case hex.
    pub fn hex(&self, n: usize) -> String {
        let mut b = vec![0u8; n];
        self.fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// 2020-01-01T00:00:00Z in unix milliseconds.
pub const EPOCH_MS: u64 = 1_577_836_800_000;

/// A generator for one node.
#[derive(Debug)]
pub struct Snowflake {
    node: u64,
    last: AtomicU64,
    /// Seeded: every id is taken at this time (so ids count up from it, whatever the clock).
    fixed_ms: Option<u64>,
}

impl Snowflake {
    /// A generator for node `node` (0–1023).
    pub fn new(node: u64) -> Self {
        Self {
            node: node & 0x3ff,
            last: AtomicU64::new(0),
            fixed_ms: None,
        }
    }

    /// A deterministic generator for node `node`: ids count up from one fixed time (in the
    /// days after 2025-01-01, by `seed`), so the same requests get the same ids whenever they
    /// run.
    pub fn deterministic(node: u64, seed: u64) -> Self {
        Self {
            fixed_ms: Some(1_735_689_600_000 + seed % 1_000_000_000),
            ..Self::new(node)
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
        if let Some(t) = self.fixed_ms {
            return self.next_at(t).to_string();
        }
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
    fn seeded_sources_repeat_and_streams_differ() {
        let take = |s: &IdSource| (s.uuid(), s.simple(), s.hex(4));
        let (a, b) = (IdSource::seeded(7, 1), IdSource::seeded(7, 1));
        assert_eq!(take(&a), take(&b));
        assert_eq!(take(&a), take(&b), "and the next ones too");
        assert_ne!(take(&IdSource::seeded(7, 2)), take(&IdSource::seeded(7, 1)));
        assert_ne!(take(&IdSource::seeded(8, 1)), take(&IdSource::seeded(7, 1)));
        let u = a.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4', "a v4 UUID: {u}");
        assert_eq!(a.simple().len(), 32);
        assert_ne!(IdSource::random().uuid(), IdSource::random().uuid());
        let (x, y) = (
            Snowflake::deterministic(1, 7),
            Snowflake::deterministic(1, 7),
        );
        assert_eq!((x.next(), x.next()), (y.next(), y.next()));
        assert_ne!(
            Snowflake::deterministic(2, 7).next(),
            Snowflake::deterministic(1, 7).next()
        );
        assert_ne!(
            Snowflake::deterministic(1, 8).next(),
            Snowflake::deterministic(1, 7).next()
        );
    }

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
