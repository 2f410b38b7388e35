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

/// Formats milliseconds since the epoch as Python's `str(datetime)` of a UTC naive datetime
/// (`2026-11-23 16:30:00`, with `.ffffff` only when there is a fraction): how pyos shows a
/// stored document's `date`.
pub fn python_datetime(millis: i64) -> String {
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000) else {
        return String::new();
    };
    let whole = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    match at.microsecond() {
        0 => whole,
        micros => format!("{whole}.{micros:06}"),
    }
}

/// Reads `YYYY-MM-DD HH:MM:SS` (UTC), the form the datastore route's date filters take.
pub fn parse_python_datetime(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|at| at.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_datetimes_both_ways() {
        assert_eq!(super::python_datetime(1_795_451_400_000), "2026-11-23 16:30:00");
        assert_eq!(super::python_datetime(1_795_451_400_250), "2026-11-23 16:30:00.250000");
        assert_eq!(super::parse_python_datetime("2026-11-23 16:30:00"), Some(1_795_451_400));
        for bad in ["2026-11-23", "2026-13-01 00:00:00", "yesterday", "2026-11-23T16:30:00"] {
            assert_eq!(super::parse_python_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(1_795_451_400), "2026-11-23T16:30:00Z");
    }
}
