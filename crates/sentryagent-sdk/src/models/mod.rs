//! The API's request and response types, as the server's OpenAPI document describes them.

mod agent;
mod audit;
mod credential;
mod oauth;

pub use agent::{Agent, AgentFilter, AgentStatus, AgentUpdate, DeploymentEnv, NewAgent};
pub use audit::{AuditEvent, EventFilter, Outcome};
pub use credential::{Credential, CredentialWithSecret, RotateOptions};
pub use oauth::{
    Health, Introspection, Metered, ServerMetadata, TenantAdmin, TenantCreated, TokenRequest,
    TokenResponse, Usage,
};

use serde::{Deserialize, Serialize};

/// One page of a list endpoint; pass `next_cursor` back as the filter's `cursor` for the next.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// The cursor of the next page; `None` on the last one.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Declares a UUID newtype id that serializes as the bare UUID.
macro_rules! uuid_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s.trim()).map(Self)
            }
        }
    )*};
}

uuid_id!(
    /// An agent's id, which is also its OAuth `client_id`.
    AgentId,
    /// A credential's id.
    CredentialId,
    /// An audit event's id.
    EventId,
    /// A tenant's id.
    TenantId,
);
