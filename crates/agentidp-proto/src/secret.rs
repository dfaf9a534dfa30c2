//! Secrets on the wire: a client secret or an access token is written in clear exactly where
//! the API hands it out, and is a `SecretString` everywhere else (redacted in `Debug`, zeroed
//! on drop).

use secrecy::{ExposeSecret, SecretString};
use serde::Serializer;

/// Serializes a secret in clear (`serialize_with`).
pub(crate) fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

/// Serializes an optional secret in clear (`serialize_with`).
pub(crate) fn expose_option<S: Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => expose(secret, s),
        None => s.serialize_none(),
    }
}
