//! Agents: the registered identities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AgentId, TenantId};

/// Where an agent runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentEnv {
    /// A developer's machine or sandbox.
    Development,
    /// Pre-production.
    Staging,
    /// Production.
    Production,
}

/// An agent's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentStatus {
    /// May authenticate.
    Active,
    /// Temporarily may not authenticate.
    Suspended,
    /// Permanently barred (credentials revoked).
    Revoked,
    /// Retired through `DELETE`; kept for the audit trail.
    Decommissioned,
}

/// Parses the lower-case wire names (`production`, `active`…), e.g. from a command line.
macro_rules! wire_enum {
    ($ty:ident { $($name:literal => $variant:ident),* }) => {
        impl $ty {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Self::$variant),)*
                    _ => Err(format!("expected one of: {}", [$($name),*].join(", "))),
                }
            }
        }
    };
}

wire_enum!(DeploymentEnv { "development" => Development, "staging" => Staging, "production" => Production });
wire_enum!(AgentStatus {
    "active" => Active, "suspended" => Suspended, "revoked" => Revoked, "decommissioned" => Decommissioned
});

/// An agent as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// The agent id; also its OAuth `client_id`.
    pub agent_id: AgentId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Unique per tenant; immutable.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Lower-case type token, e.g. `retrieval`.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// Capability tokens.
    pub capabilities: Vec<String>,
    /// The owning team or person.
    pub owner: String,
    /// Where it runs.
    pub deployment_env: DeploymentEnv,
    /// Lifecycle state.
    pub status: AgentStatus,
    /// Listed in the public marketplace.
    pub is_public: bool,
    /// Free-form JSON object.
    pub metadata: serde_json::Value,
    /// Scopes it may request in tokens.
    pub allowed_scopes: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last successful authentication.
    #[serde(default)]
    pub last_auth_at: Option<DateTime<Utc>>,
}

/// The body of `POST /v1/agents`. `NewAgent::new` fills the required fields; the rest default.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAgent {
    /// Unique per tenant.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lower-case type token.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// The owning team or person.
    pub owner: String,
    /// Where it runs.
    pub deployment_env: DeploymentEnv,
    /// Capability tokens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// Scopes it may request in tokens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_scopes: Vec<String>,
    /// Listed in the public marketplace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Free-form JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

impl NewAgent {
    /// A new agent with the required fields; add the optional ones with struct update syntax.
    pub fn new(
        email: impl Into<String>,
        name: impl Into<String>,
        agent_type: impl Into<String>,
        version: impl Into<String>,
        owner: impl Into<String>,
        deployment_env: DeploymentEnv,
    ) -> Self {
        Self {
            email: email.into(),
            name: name.into(),
            description: None,
            agent_type: agent_type.into(),
            version: version.into(),
            owner: owner.into(),
            deployment_env,
            capabilities: Vec::new(),
            allowed_scopes: Vec::new(),
            is_public: None,
            metadata: None,
        }
    }
}

/// The body of `PATCH /v1/agents/{agentId}`: only the fields set are changed.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUpdate {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New type token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// New version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// New owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// New environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_env: Option<DeploymentEnv>,
    /// New status (`active`, `suspended`, `revoked`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AgentStatus>,
    /// Replaces the capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// Replaces the allowed scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_scopes: Option<Vec<String>>,
    /// Lists or unlists it in the marketplace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Replaces the metadata object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

impl AgentUpdate {
    /// Whether the update changes nothing (the server would refuse it).
    pub fn is_empty(&self) -> bool {
        serde_json::to_value(self).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
    }
}

/// Filters and paging of `GET /v1/agents`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentFilter {
    /// Only agents in this state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AgentStatus>,
    /// Only agents of this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// Only agents of this owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only agents in this environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_env: Option<DeploymentEnv>,
    /// Only agents with this capability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// Page size (the server caps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
