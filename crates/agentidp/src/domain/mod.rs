//! The rules of the identity provider: pure types and checks, no I/O (no SQL, no HTTP, no
//! Redis, no clock: the current time is passed in). Everything here can be tested without a
//! database; the use cases that sequence these rules with storage live in `crate::service`.

pub mod a2a;
pub mod agent;
pub mod assertion;
pub mod audit;
pub mod billing;
pub mod card;
pub mod client_key;
pub mod credential;
pub mod delegation;
pub mod did;
pub mod envelope;
pub mod federation;
pub mod ids;
pub mod jcs;
pub mod jws;
pub mod keys;
pub mod last_use;
pub mod marketplace;
pub mod scope;
pub mod stripe;
pub mod tenant;
pub mod time;
pub mod token;

/// What a rule can refuse or fail at; the use cases wrap it in their own error.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A field failed validation.
    #[error("{field}: {message}")]
    Validation {
        /// The JSON name of the field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A scope token is not valid RFC 6749 syntax.
    #[error("invalid scope {0:?}")]
    InvalidScope(String),
    /// A PATCH tried to change a field that never changes.
    #[error("field `{0}` is immutable")]
    ImmutableField(String),
    /// A status change that the lifecycle does not allow.
    #[error("cannot change status from {from} to {to}")]
    InvalidStatusTransition {
        /// Current status.
        from: &'static str,
        /// Requested status.
        to: &'static str,
    },
    /// A cryptographic operation failed (key generation, signing, key parsing).
    #[error("cryptographic failure: {0}")]
    Crypto(String),
}

/// Result alias for the rules.
pub type DomainResult<T> = Result<T, DomainError>;

/// The control characters no stored free text may hold: all but tab and newline.
pub(crate) fn is_forbidden_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Longest text a list filter may match on.
const FILTER_MAX_CHARS: usize = 256;

/// Checks a free-text filter value before it reaches a query: bounded, and free of the
/// control characters that no stored text may hold either (PostgreSQL refuses a NUL in text
/// outright, which would otherwise surface as a 500 for the client's own input).
pub(crate) fn check_filter_text(field: &'static str, value: Option<&str>) -> DomainResult<()> {
    let Some(value) = value else {
        return Ok(());
    };
    let message = if value.chars().count() > FILTER_MAX_CHARS {
        format!("must be at most {FILTER_MAX_CHARS} characters")
    } else if value.chars().any(is_forbidden_control) {
        "must not contain control characters".to_owned()
    } else {
        return Ok(());
    };
    Err(DomainError::Validation { field, message })
}
