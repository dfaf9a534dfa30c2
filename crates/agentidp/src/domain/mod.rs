//! The rules of the identity provider: no HTTP and no SQL here.
//!
//! [`Idp`] is the domain service; its methods are spread over one file per resource.

pub mod agent;
pub mod agents;
pub mod audit;
pub mod audit_log;
mod auth;
pub mod chain_heads;
pub mod chain_key;
pub mod chain_verify;
pub mod chain_watch;
pub mod credential;
pub mod credentials;
pub mod ids;
pub mod keys;
pub mod last_use;
mod quota;
pub mod scope;
pub mod signing;
pub mod tenant;
pub mod tenants;
pub mod time;
pub mod token;
pub mod tokens;
pub mod usage;

use std::sync::Arc;

pub use quota::QuotaCounter;

impl DomainError {
    /// Whether the failure is transient unavailability (answered with 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            Self::Store(e) => e.is_unavailable(),
            _ => false,
        }
    }
}

use crate::store::{Db, StoreError};
use keys::KeyRing;

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

/// Settings the domain rules depend on (a slice of the full configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `iss` of every token and the default audience of management tokens.
    pub issuer: String,
    /// Access-token lifetime in seconds.
    pub token_ttl_secs: i64,
    /// Live agents a tenant may have; 0 means no limit.
    pub max_agents_per_tenant: u32,
    /// Tokens a tenant may obtain per calendar month; 0 means no limit.
    pub max_tokens_per_month: u64,
    /// Days the audit log keeps events (older ones are purged and hidden).
    pub audit_retention_days: u32,
    /// Whether `POST /v1/tenants` self-service sign-up is open.
    pub signup_enabled: bool,
    /// Optional server-side key mixed into secret digests.
    pub secret_pepper: Option<secrecy::SecretString>,
}

/// The domain service: every use case of the product is a method on it.
#[derive(Debug, Clone)]
pub struct Idp {
    /// The storage port.
    pub db: Db,
    /// Signing and verification keys.
    pub keys: Arc<KeyRing>,
    /// Rule settings.
    pub settings: Arc<Settings>,
    /// Monthly token counters per tenant.
    pub quota: Arc<QuotaCounter>,
    /// Group-commit writer of audit events.
    pub audit: audit_log::AuditWriter,
    /// The periodic verification of the audit chains and what it last found.
    pub chain_watch: Arc<chain_watch::ChainWatch>,
    /// Where signing keys come from (for reloads).
    pub key_settings: Arc<signing::KeySettings>,
    /// Credential and agent uses not yet written.
    pub last_use: Arc<last_use::LastUse>,
    /// Where the periodic writes go (on SQLite, the audit writer's own connection).
    pub background_db: Db,
}

/// Everything that can go wrong in a use case; the HTTP layer maps each to a status.
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
    /// No agent with that id in the caller's tenant.
    #[error("agent not found")]
    AgentNotFound,
    /// No credential with that id on that agent.
    #[error("credential not found")]
    CredentialNotFound,
    /// The email is already used by another agent of the tenant.
    #[error("an agent with this email already exists in the tenant")]
    EmailTaken,
    /// The tenant name is taken.
    #[error("a tenant with this name already exists")]
    TenantExists,
    /// The tenant already has as many agents as its plan allows.
    #[error("the tenant has reached its limit of {limit} agents")]
    AgentLimitReached {
        /// The configured limit.
        limit: u32,
    },
    /// The tenant used its monthly token allowance.
    #[error("the tenant has used its {limit} tokens for this month")]
    TokenQuotaExceeded {
        /// The configured limit.
        limit: u64,
    },
    /// A status change that the lifecycle does not allow.
    #[error("cannot change status from {from} to {to}")]
    InvalidStatusTransition {
        /// Current status.
        from: &'static str,
        /// Requested status.
        to: &'static str,
    },
    /// The agent is not active, so it cannot get new credentials or tokens.
    #[error("agent is {0}")]
    AgentNotActive(&'static str),
    /// The agent already holds as many active credentials as it may.
    #[error("the agent already holds {limit} active credentials; revoke one first")]
    CredentialLimitReached {
        /// The limit.
        limit: usize,
    },
    /// The change would leave the tenant with no active agent holding `agents:write`, and so
    /// with no way to manage its agents again.
    #[error(
        "this change would leave the tenant without an active agent holding agents:write; give another agent that scope first"
    )]
    LastAdmin,
    /// The credential is revoked and cannot be rotated.
    #[error("credential is revoked")]
    CredentialRevoked,
    /// The record changed between reading and writing it (another request won the race).
    #[error("the record was changed by another request meanwhile; read it again and retry")]
    ConcurrentUpdate,
    /// The target agent holds a management scope the caller does not, so the caller may not
    /// manage it.
    #[error(
        "the agent holds scope {0:?}, which this caller does not; only a caller holding every management scope of an agent may manage it"
    )]
    AgentMorePrivileged(String),
    /// The caller tried to grant a management scope it does not hold itself.
    #[error("scope {0:?} cannot be granted by this caller")]
    ScopeNotGrantable(String),
    /// The token request asked for scopes the agent is not allowed.
    #[error("requested scope is not allowed for this client: {0}")]
    ScopeNotAllowed(String),
    /// Client authentication failed (unknown client, wrong or expired secret, inactive agent).
    #[error("client authentication failed")]
    InvalidClient,
    /// A bearer token is not acceptable; the reason is for logs, not for the client.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token lacks the scope a route needs.
    #[error("the token lacks scope {0}")]
    InsufficientScope(&'static str),
    /// The caller may not act on this token (RFC 7009 ownership check).
    #[error("the client may not revoke this token")]
    NotTokenOwner,
    /// No audit event with that id in the caller's tenant and retention window.
    #[error("audit event not found")]
    EventNotFound,
    /// The audit log could not record an event, so the action was not confirmed.
    #[error("audit log unavailable: {0}")]
    Audit(String),
    /// Self-service sign-up is turned off.
    #[error("sign-up is disabled on this server")]
    SignupDisabled,
    /// A dependency (the database) is temporarily unreachable; the request may be retried.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// Storage failed.
    #[error("storage error")]
    Store(#[from] StoreError),
    /// The configured audit chain key does not fit the stored chains (a start-up check).
    #[error("audit chain key: {0}")]
    ChainKey(String),
    /// A cryptographic operation failed (key generation, signing).
    #[error("cryptographic failure: {0}")]
    Crypto(String),
}

/// Result alias for domain operations.
pub type DomainResult<T> = Result<T, DomainError>;

/// Maps a guarded write that found its row changed to [`DomainError::ConcurrentUpdate`].
pub(crate) fn stale_is_conflict(e: StoreError) -> DomainError {
    match e {
        StoreError::Stale => DomainError::ConcurrentUpdate,
        e => e.into(),
    }
}

/// How often a write that must win (a decommissioning, a revocation) is retried after losing a
/// race against another change of the same record.
pub(crate) const RETRIES_ON_RACE: usize = 3;
