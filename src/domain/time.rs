//! Timestamp formatting used in wire documents.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats seconds since the epoch as ISO 8601 / RFC 3339 in UTC (`2026-11-22T16:30:00Z`).
pub fn iso8601(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(1_795_451_400), "2026-11-23T16:30:00Z");
    }
}
