//! Times on the wire: RFC 3339 in UTC with a `Z`, in the years 0000–9999 (the only ones RFC 3339
//! can write). Responses carry milliseconds; query filters send microseconds, the precision the
//! server stores.

use chrono::{DateTime, Datelike as _, SecondsFormat, Utc};
use serde::{Deserialize as _, Deserializer, Serializer};

/// What a time in a request must look like; part of the error a malformed one gets.
pub const EXPECTED: &str =
    "an RFC 3339 timestamp in the years 0000-9999, e.g. 2026-01-31T12:00:00Z";

/// Parses RFC 3339 with any offset; `None` unless the instant falls in the years 0000–9999 in
/// UTC (9999-12-31T23:00:00-05:00 is already in the year 10000 and could not be written back).
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    (0..=9999).contains(&t.year()).then_some(t)
}

fn parse<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    parse_rfc3339(text).ok_or_else(|| E::custom(format!("{text:?} is not {EXPECTED}")))
}

/// `serde(with)` for a time written with milliseconds.
pub mod millis {
    use super::*;

    /// Writes the time with milliseconds and `Z`.
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// Reads an RFC 3339 time in the years 0000–9999.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        parse(&String::deserialize(d)?)
    }
}

/// `serde(with)` for an optional time written with milliseconds (`null` when absent).
pub mod millis_option {
    use super::*;

    /// Writes the time with milliseconds and `Z`, or `null`.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::millis::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    /// Reads an RFC 3339 time in the years 0000–9999, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| parse(&t))
            .transpose()
    }
}

/// `serde(with)` for an optional time in a query string, written with microseconds.
pub mod micros_option {
    use super::*;

    /// Writes the time with microseconds and `Z`.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            None => s.serialize_none(),
        }
    }

    /// Reads an RFC 3339 time in the years 0000–9999.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        super::millis_option::deserialize(d)
    }
}
