//! UTC timestamps with microsecond precision, written as RFC 3339 on the wire. How they are
//! stored is the store's business (`store::codec`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, microsecond precision, always UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time, truncated to microseconds so that it round-trips through storage.
    pub fn now() -> Self {
        Self::from_micros(Utc::now().timestamp_micros())
    }

    /// Builds a timestamp from microseconds since the Unix epoch (saturating on overflow).
    pub fn from_micros(micros: i64) -> Self {
        Self(DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }

    /// The instant, truncated to microseconds.
    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Self::from_micros(t.timestamp_micros())
    }

    /// The instant as a `chrono` date-time.
    pub fn to_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Microseconds since the Unix epoch.
    pub fn micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    /// Whole seconds since the Unix epoch, as JWT NumericDate claims use.
    pub fn unix_seconds(self) -> i64 {
        self.0.timestamp()
    }

    /// This time shifted by a number of seconds (saturating).
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self::from_micros(
            self.micros()
                .saturating_add(seconds.saturating_mul(1_000_000)),
        )
    }

    /// The month this time falls in, as `YYYY-MM`, used for monthly quotas.
    pub fn month(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    /// RFC 3339 with millisecond precision and a `Z` suffix.
    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Parses RFC 3339 with any offset, keeping microseconds. The instant must fall in the
    /// years 0000–9999 in UTC, the only ones RFC 3339 can write, so that it can be written
    /// back (9999-12-31T23:00:00-05:00 is already in the year 10000).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        agentidp_proto::time::parse_rfc3339(text).map(Self::from_datetime)
    }
}

use agentidp_proto::time::EXPECTED;

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v)
                    .ok_or_else(|| E::custom(format!("{v:?} is not {EXPECTED}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rfc_3339_instants_in_the_years_0000_to_9999_parse() {
        let t = Timestamp::parse_rfc3339("2026-01-31T12:00:00.123456+01:00");
        assert_eq!(
            t.map(Timestamp::to_rfc3339).as_deref(),
            Some("2026-01-31T11:00:00.123Z")
        );
        assert!(Timestamp::parse_rfc3339("0000-01-01T00:00:00Z").is_some());
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:59:59Z").is_some());
        for bad in [
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00+01:00",
            "+10000-01-01T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "2026-01-31",
            "2026-01-31T12:00:00",
            "yesterday",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad}");
        }
        let parsed: Result<Timestamp, _> = serde_json::from_str("\"+10000-01-01T00:00:00Z\"");
        let refused = parsed.expect_err("a five-digit year is refused");
        assert!(refused.to_string().contains("0000-9999"));
    }
}
