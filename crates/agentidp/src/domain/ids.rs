//! Typed identifiers so that a tenant id can never be passed where an agent id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUID v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The all-zero id, reserved for system-wide records.
            pub const fn nil() -> Self {
                Self(Uuid::nil())
            }

            /// Wraps an existing UUID read from storage or a token.
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID, for storage.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// Identifies a tenant (a developer account or organisation).
    TenantId
);
uuid_id!(
    /// Identifies an agent; it is also the agent's OAuth `client_id`.
    AgentId
);
uuid_id!(
    /// Identifies one credential (client secret) of an agent.
    CredentialId
);
uuid_id!(
    /// Identifies one issued access token (the JWT `jti`).
    TokenId
);
uuid_id!(
    /// Identifies one trust policy (workload federation).
    TrustPolicyId
);
