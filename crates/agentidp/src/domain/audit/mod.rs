//! Audit events: what happened, by whom, to whom, with what outcome, chained per tenant.
//!
//! Each event's hash is SHA-256 (or, with a chain key, HMAC-SHA-256: see [`chain_key`])
//! over the previous event's hash and a canonical JSON encoding of the event (fixed field
//! order, sorted metadata keys), so any edit, deletion or reordering of stored events breaks
//! the chain from that point on.

pub mod chain_key;
pub mod heads;

use aws_lc_rs::digest;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::ids::{AgentId, TenantId};
use crate::domain::time::Timestamp;
use crate::domain::{DomainError, DomainResult};
use chain_key::ChainKey;

/// The hash that precedes the first event of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of events that belong to no tenant (unknown clients, key rotation).
pub const SYSTEM_TENANT: TenantId = TenantId::nil();

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $text:literal),+ $(,)?) => {
        /// Everything the audit log records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[$doc])* $variant),+ }

        impl Action {
            /// Every action, for validation messages and documentation.
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            /// The stored and wire spelling, e.g. `agent.created`.
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $text),+ }
            }

            /// Parses the wire spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Action::$variant),)+ _ => None }
            }
        }
    };
}

actions! {
    /// A tenant was created (first start, bootstrap or sign-up).
    TenantCreated = "tenant.created",
    /// An operator issued a new admin credential with `agentidp bootstrap`.
    TenantBootstrapped = "tenant.bootstrapped",
    /// An agent was registered.
    AgentCreated = "agent.created",
    /// An agent's fields changed.
    AgentUpdated = "agent.updated",
    /// An agent's status changed (suspended, reactivated, revoked).
    AgentStatusChanged = "agent.status_changed",
    /// An agent was decommissioned.
    AgentDecommissioned = "agent.decommissioned",
    /// A credential was issued.
    CredentialCreated = "credential.created",
    /// A credential's secret was rotated.
    CredentialRotated = "credential.rotated",
    /// A credential was revoked.
    CredentialRevoked = "credential.revoked",
    /// An access token was issued.
    TokenIssued = "token.issued",
    /// An access token was revoked.
    TokenRevoked = "token.revoked",
    /// The signing key was rotated.
    KeyRotated = "key.rotated",
    /// A signing key's private half was encrypted under the key-encryption key.
    KeyEncrypted = "key.encrypted",
    /// Authentication failed: bad client secret, bad, expired or revoked token.
    AuthFailed = "auth.failed",
    /// An authenticated caller lacked the scope a route needs.
    AccessDenied = "access.denied",
    /// A tenant hit a limit: its agents, its tokens this month, its API calls today.
    LimitExceeded = "limit.exceeded",
    /// A tenant's plan or subscription changed (a Stripe event).
    PlanChanged = "plan.changed",
    /// A tenant started a Stripe Checkout to subscribe.
    CheckoutStarted = "billing.checkout_started",
    /// A trust policy (workload federation) was created.
    TrustPolicyCreated = "trust_policy.created",
    /// A trust policy changed.
    TrustPolicyUpdated = "trust_policy.updated",
    /// A trust policy was deleted.
    TrustPolicyDeleted = "trust_policy.deleted",
}

/// Whether the recorded action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused.
    Failure,
}

impl Outcome {
    /// Stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

/// Where a request came from, recorded with every event it causes.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client IP address.
    pub ip: Option<String>,
    /// `User-Agent` header (truncated to 256 characters).
    pub user_agent: Option<String>,
}

/// An event to append: everything but its place in the chain.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Event id (UUID v7, so ids sort by time).
    pub id: uuid::Uuid,
    /// The chain it belongs to ([`SYSTEM_TENANT`] for events without a tenant).
    pub tenant_id: TenantId,
    /// Who acted: an agent id, `system`, `operator`, or the client id that was presented.
    pub actor: String,
    /// The agent acted upon.
    pub agent_id: Option<AgentId>,
    /// What happened.
    pub action: Action,
    /// Whether it succeeded.
    pub outcome: Outcome,
    /// Request origin.
    pub meta: RequestMeta,
    /// Action-specific details (never secrets or tokens).
    pub metadata: Map<String, Value>,
    /// When it happened.
    pub occurred_at: Timestamp,
}

impl NewEvent {
    /// A successful event by `actor` in `tenant`, occurring at `at`.
    pub fn new(
        tenant_id: TenantId,
        actor: impl Into<String>,
        action: Action,
        meta: &RequestMeta,
        at: Timestamp,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            tenant_id,
            actor: actor.into(),
            agent_id: None,
            action,
            outcome: Outcome::Success,
            meta: meta.clone(),
            metadata: Map::new(),
            occurred_at: at,
        }
    }

    /// Sets the subject agent.
    pub fn subject(mut self, agent: AgentId) -> Self {
        self.agent_id = Some(agent);
        self
    }

    /// Marks the event as a refusal.
    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }

    /// Adds one metadata entry.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.to_owned(), value.into());
        self
    }

    /// The event's unkeyed hash at position `seq` after `prev_hash`.
    pub fn chain_hash(&self, seq: i64, prev_hash: &str) -> String {
        self.link_hash(seq, prev_hash, None)
    }

    /// The event's hash at position `seq` after `prev_hash`: keyed with `key`, or plain
    /// SHA-256 over the previous hash, a newline and the canonical encoding without one.
    pub fn link_hash(&self, seq: i64, prev_hash: &str, key: Option<&ChainKey>) -> String {
        let canonical = self.canonical(seq);
        if let Some(key) = key {
            return key.link_hash(prev_hash, &canonical);
        }
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(prev_hash.as_bytes());
        ctx.update(b"\n");
        ctx.update(canonical.as_bytes());
        hex::encode(ctx.finish())
    }

    /// The canonical encoding the chain hashes: JSON with a fixed field order and sorted
    /// metadata keys.
    fn canonical(&self, seq: i64) -> String {
        #[derive(Serialize)]
        struct Canonical<'a> {
            id: String,
            tenant_id: String,
            seq: i64,
            occurred_at: i64,
            actor: &'a str,
            agent_id: Option<String>,
            action: &'a str,
            outcome: &'a str,
            ip: Option<&'a str>,
            user_agent: Option<&'a str>,
            metadata: &'a Map<String, Value>,
        }
        let canonical = Canonical {
            id: self.id.to_string(),
            tenant_id: self.tenant_id.to_string(),
            seq,
            occurred_at: self.occurred_at.micros(),
            actor: &self.actor,
            agent_id: self.agent_id.map(|a| a.to_string()),
            action: self.action.as_str(),
            outcome: self.outcome.as_str(),
            ip: self.meta.ip.as_deref(),
            user_agent: self.meta.user_agent.as_deref(),
            metadata: &self.metadata,
        };
        serde_json::to_string(&canonical).unwrap_or_default()
    }
}

/// Where a chain's verification resumes after the retention purge removed its beginning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last removed event's position.
    pub seq: i64,
    /// Its hash, which the first remaining event's `prev_hash` must equal.
    pub hash: String,
    /// The checkpoint's MAC under the chain key the purge held, if any.
    pub mac: Option<String>,
}

/// A stored event with its place in the chain.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The event.
    pub event: NewEvent,
    /// Position in the tenant's chain (1-based).
    pub seq: i64,
    /// Hash of the previous event (or [`GENESIS_HASH`], or a retention checkpoint).
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// Filters and page position of an audit query.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events about this agent.
    pub agent_id: Option<AgentId>,
    /// Only events by this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<Action>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only events at or after this time.
    pub from: Option<Timestamp>,
    /// Only events before or at this time.
    pub to: Option<Timestamp>,
}

impl EventFilter {
    /// Checks the actor and the time range.
    pub fn validate(&self) -> DomainResult<()> {
        crate::domain::check_filter_text("actor", self.actor.as_deref())?;
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(DomainError::Validation {
                field: "from",
                message: "must not be after `to`".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// The first break found when re-computing a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The tenant whose chain is broken.
    pub tenant_id: TenantId,
    /// The first event that does not verify.
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let base = NewEvent::new(
            TenantId::new(),
            "actor",
            Action::AgentCreated,
            &RequestMeta::default(),
            Timestamp::from_micros(1_700_000_000_000_000),
        );
        let h = base.chain_hash(1, GENESIS_HASH);
        assert_eq!(h.len(), 64);
        assert_eq!(h, base.chain_hash(1, GENESIS_HASH), "deterministic");
        assert_ne!(h, base.chain_hash(2, GENESIS_HASH));
        assert_ne!(h, base.chain_hash(1, &"1".repeat(64)));
        assert_ne!(h, base.clone().failed().chain_hash(1, GENESIS_HASH));
        assert_ne!(h, base.clone().with("k", "v").chain_hash(1, GENESIS_HASH));
        let mut other_actor = base.clone();
        other_actor.actor = "someone".into();
        assert_ne!(h, other_actor.chain_hash(1, GENESIS_HASH));
    }

    #[test]
    fn actions_round_trip_through_their_spelling() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Action::parse("agent.exploded"), None);
    }
}
