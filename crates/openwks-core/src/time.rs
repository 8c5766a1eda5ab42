//! Timestamps: UTC, millisecond precision, trailing `Z` (the SDK cannot parse `+08:00`).

use chrono::{DateTime, SecondsFormat, Utc};

/// Now, as the wire format `2023-06-06T14:14:36.416Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339(Utc::now())
}

/// Format a time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Format epoch milliseconds (a [`crate::clock::Clock`] reading) as wire time.
pub fn format_ms(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(now_rfc3339, format_rfc3339)
}

/// An instant read from the injected [`crate::clock::Clock`]: epoch milliseconds, shown on the
/// wire as `YYYY-MM-DDTHH:MM:SS.mmmZ`. One value carries both, so a write never holds two
/// readings of "now" that could disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `ms` milliseconds after the Unix epoch.
    pub const fn from_ms(ms: i64) -> Self {
        Self(ms)
    }

    /// Epoch milliseconds.
    pub const fn ms(self) -> i64 {
        self.0
    }

    /// The wire form (`2023-06-06T14:14:36.416Z`).
    pub fn wire(self) -> String {
        DateTime::from_timestamp_millis(self.0)
            .map(format_rfc3339)
            .unwrap_or_default()
    }

    /// `ms` milliseconds later (earlier when negative), saturating.
    pub const fn plus_ms(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Parse the wire form (any RFC 3339 time); `None` when it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| Self(t.timestamp_millis()))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.wire())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_timestamp_carries_both_forms() {
        let t = super::Timestamp::from_ms(1_686_060_876_416);
        assert_eq!(t.wire(), "2023-06-06T14:14:36.416Z");
        assert_eq!(super::Timestamp::parse(&t.wire()), Some(t));
        assert_eq!(t.plus_ms(584).wire(), "2023-06-06T14:14:37.000Z");
        assert_eq!(super::Timestamp::parse("yesterday"), None);
    }

    #[test]
    fn format_has_millis_and_z() {
        let t = chrono::DateTime::from_timestamp(1_686_060_876, 416_000_000).expect("valid");
        assert_eq!(super::format_rfc3339(t), "2023-06-06T14:14:36.416Z");
    }
}
