//! The use cases of the identity provider: [`Idp`] holds the storage port, keys and writers,
//! and each use-case area adds its methods in a file of its own (agents, credentials, tenants,
//! tokens and client authentication, usage, the audit log). Rules live in [`crate::domain`];
//! SQL in [`crate::store`]; this layer sequences them, reads the clock and writes the audit
//! events.

pub mod agents;
mod assertions;
pub mod audit;
mod auth;
pub mod billing;
pub mod clock;
pub mod credentials;
pub mod delegation;
pub mod federation;
pub mod identity;
pub mod marketplace;
pub mod metering;
pub mod replay;
pub mod signing;
pub mod tenants;
pub mod tokens;
pub mod usage;

use std::sync::Arc;

use crate::domain::DomainError;
use crate::domain::keys::KeyRing;
use crate::domain::last_use;
use crate::store::{Db, StoreError};

impl ServiceError {
    /// Whether the failure is transient unavailability (answered with 503, not 500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            Self::Store(e) => e.is_unavailable(),
            _ => false,
        }
    }
}

/// Settings the use cases depend on (a slice of the full configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `iss` of every token and the default audience of management tokens.
    pub issuer: String,
    /// Access-token lifetime in seconds.
    pub token_ttl_secs: i64,
    /// Days the audit log keeps events (older ones are purged and hidden).
    pub audit_retention_days: u32,
    /// Whether `POST /v1/tenants` self-service sign-up is open.
    pub signup_enabled: bool,
    /// Optional server-side key mixed into secret digests.
    pub secret_pepper: Option<secrecy::SecretString>,
}

/// The identity provider's use cases: every one is a method on it.
#[derive(Debug, Clone)]
pub struct Idp {
    /// The storage port.
    pub db: Db,
    /// Signing and verification keys.
    pub keys: Arc<KeyRing>,
    /// Rule settings.
    pub settings: Arc<Settings>,
    /// Usage counters per tenant, metric and day, and the limits checked on them.
    pub meter: Arc<metering::Meter>,
    /// The clock metering and plans read (tests move it forward).
    pub clock: Arc<clock::Clock>,
    /// Which limits apply (plans, billing).
    pub plans_settings: Arc<billing::PlanSettings>,
    /// Plans read recently.
    pub plan_cache: Arc<billing::PlanCache>,
    /// Stripe, when billing is configured to take payments.
    pub stripe: Option<Arc<crate::infra::stripe::StripeClient>>,
    /// What Checkout sells and where it returns, with Stripe.
    pub checkout: Option<Arc<billing::checkout::CheckoutSettings>>,
    /// The server's metrics (limit rejections are counted here).
    pub metrics: Arc<crate::infra::metrics::Metrics>,
    /// Group-commit writer of audit events.
    pub audit: audit::writer::AuditWriter,
    /// The periodic verification of the audit chains and what it last found.
    pub chain_watch: Arc<audit::watch::ChainWatch>,
    /// Where signing keys come from (for reloads).
    pub key_settings: Arc<signing::KeySettings>,
    /// The client assertions and subject tokens already used.
    pub replay: Arc<replay::ReplayGuard>,
    /// The signing keys of the issuers trust policies name.
    pub issuers: Arc<federation::IssuerKeys>,
    /// Credential and agent uses not yet written.
    pub last_use: Arc<last_use::LastUse>,
    /// Where the periodic writes go (on SQLite, the audit writer's own connection).
    pub background_db: Db,
}

/// Everything that can go wrong in a use case; the HTTP layer maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No agent with that id in the caller's tenant.
    #[error("agent not found")]
    AgentNotFound,
    /// The agent was public but is retired (revoked or decommissioned): its documents are gone.
    #[error("the agent is {0}; its public documents are withdrawn")]
    AgentGone(&'static str),
    /// A public agent lacks what its A2A card must hold.
    #[error("the agent publishes no agent card: it lacks {0}")]
    CardIncomplete(&'static str),
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
    /// A client assertion signed by the client's key breaks a rule; the reason is shown,
    /// since only the key's holder can have made it.
    #[error("{0}")]
    InvalidClientAssertion(&'static str),
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
    /// No trust policy with that id in the caller's tenant.
    #[error("trust policy not found")]
    TrustPolicyNotFound,
    /// A workload's identity token is malformed, badly signed, expired or already used; the
    /// reason is safe to show its presenter.
    #[error("{0}")]
    InvalidSubjectToken(&'static str),
    /// No trust policy admits the workload: the claims named did not match (never the
    /// values the policies expect).
    #[error("no trust policy admits this token; claims that did not match: {}", .0.join(", "))]
    TrustPolicyMismatch(Vec<String>),
    /// Policies of several agents admit the workload, and the request did not name one.
    #[error("trust policies of several agents admit this token; name the agent (agentId)")]
    AmbiguousTrustPolicy,
    /// A delegation (RFC 8693 with an actor token) breaks a rule; the reason is safe to
    /// show the actor, who holds both tokens.
    #[error("{0}")]
    DelegationRefused(crate::domain::delegation::Refusal),
    /// A limit of the tenant's plan is reached (billing enabled).
    #[error("the {plan} plan allows {limit} {limit_type}; upgrade the plan or wait for the limit to reset", plan = .plan.as_str())]
    PlanLimitExceeded {
        /// The tenant's plan.
        plan: crate::domain::billing::Plan,
        /// Which limit: `agents`, `api_calls_per_day` or `tokens_per_month`.
        limit_type: &'static str,
        /// The limit.
        limit: u64,
        /// Seconds until it resets (none for agents).
        retry_after: Option<u64>,
    },
    /// Billing is disabled, or Stripe is not configured, so there is nothing to pay for.
    #[error("billing is not enabled on this server")]
    BillingDisabled,
    /// A Stripe webhook's signature does not verify.
    #[error("{0}")]
    BadStripeSignature(crate::domain::stripe::SignatureError),
    /// A Stripe webhook's body is not an event this server can read.
    #[error("the webhook body is not a Stripe event: {0}")]
    BadStripeEvent(String),
    /// Stripe refused a call (a wrong price id or key: the operator's to fix).
    #[error("{0}")]
    Stripe(String),
    /// Stripe could not be reached.
    #[error("{0}")]
    StripeUnavailable(String),
    /// The issuer's keys could not be fetched, so its token cannot be checked now.
    #[error("the issuer's signing keys could not be fetched: {0}")]
    IssuerUnavailable(String),
    /// The audit log could not record an event, so the action was not confirmed.
    #[error("audit log unavailable: {0}")]
    Audit(String),
    /// The spent `jti` of a client assertion could not be recorded, so it was not accepted.
    #[error("recording a client assertion failed: {0}")]
    Replay(String),
    /// Self-service sign-up is turned off.
    #[error("sign-up is disabled on this server")]
    SignupDisabled,
    /// A dependency (the database) is temporarily unreachable; the request may be retried.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// A rule of the domain refused the input or failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Storage failed.
    #[error("storage error")]
    Store(#[from] StoreError),
    /// The configured audit chain key does not fit the stored chains (a start-up check).
    #[error("audit chain key: {0}")]
    ChainKey(String),
}

/// Result alias for use cases.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Cuts a list read with one row more than `limit` (to learn whether another page follows)
/// to one page; the keyset position of its last item when another page follows.
pub(crate) fn cut_page<T, K>(items: &mut Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> Option<K> {
    let limit = limit as usize;
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    }
}

/// Maps a guarded write that found its row changed to [`ServiceError::ConcurrentUpdate`].
pub(crate) fn stale_is_conflict(e: StoreError) -> ServiceError {
    match e {
        StoreError::Stale => ServiceError::ConcurrentUpdate,
        e => e.into(),
    }
}

/// How often a write that must win (a decommissioning, a revocation) is retried after losing a
/// race against another change of the same record.
pub(crate) const RETRIES_ON_RACE: usize = 3;
