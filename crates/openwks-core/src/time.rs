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

#[cfg(test)]
mod tests {
    #[test]
    fn format_has_millis_and_z() {
        let t = chrono::DateTime::from_timestamp(1_686_060_876, 416_000_000).expect("valid");
        assert_eq!(super::format_rfc3339(t), "2023-06-06T14:14:36.416Z");
    }
}
