//! Resource ids: UUIDs with a type, so an agent id cannot be passed where a credential id is
//! meant.

use serde::{Deserialize, Serialize};

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
    /// A trust policy's id.
    TrustPolicyId,
);
