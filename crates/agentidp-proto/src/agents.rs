//! Agents: the registered identities (`/v1/agents`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{AgentId, TenantId};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// Where an agent runs.
    DeploymentEnv {
        /// A developer's machine or sandbox.
        Development = "development",
        /// Pre-production.
        Staging = "staging",
        /// Production.
        Production = "production",
    }
);

wire_enum!(
    /// An agent's lifecycle state; only `active` agents authenticate.
    AgentStatus {
        /// May authenticate and get tokens.
        Active = "active",
        /// Temporarily blocked; may be reactivated.
        Suspended = "suspended",
        /// Permanently blocked; credentials revoked; the record stays visible.
        Revoked = "revoked",
        /// Deleted through the API; kept only for the audit trail.
        Decommissioned = "decommissioned",
    }
);

fn is_false(b: &bool) -> bool {
    !b
}

/// A skill an agent offers, as its A2A agent card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentSkill {
    /// Unique among the agent's skills (1–128 characters).
    pub id: String,
    /// Display name (1–128 characters).
    pub name: String,
    /// What it does (1–1024 characters).
    pub description: String,
    /// Keywords, 1 to 20 (A2A requires at least one).
    pub tags: Vec<String>,
    /// Example requests, at most 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// Body of `POST /v1/agents`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateAgentRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAgent {
    /// Contact address, unique within the tenant; immutable.
    #[cfg_attr(feature = "openapi", schema(example = "search-bot@example.com"))]
    pub email: String,
    /// Display name (1–128 characters).
    #[cfg_attr(feature = "openapi", schema(example = "Search bot"))]
    pub name: String,
    /// Free text (up to 1024 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Lower-case type token, e.g. `retrieval`.
    #[cfg_attr(feature = "openapi", schema(example = "retrieval"))]
    pub agent_type: String,
    /// Semantic version.
    #[cfg_attr(feature = "openapi", schema(example = "1.0.0"))]
    pub version: String,
    /// Capability tokens matching `^[a-z0-9][a-z0-9._:-]*$` (at most 50).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// Responsible team or person.
    #[cfg_attr(feature = "openapi", schema(example = "search-team"))]
    pub owner: String,
    /// `development`, `staging` or `production`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "production"))]
    pub deployment_env: DeploymentEnv,
    /// List the agent in the public marketplace.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_public: bool,
    /// JSON object, at most 8 KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Option<Value>,
    /// Scopes the agent may request in tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_scopes: Vec<String>,
    /// Agents of the tenant that may act for this one (RFC 8693 delegation), at most 32.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_actors: Vec<String>,
    /// Where the agent serves A2A requests (https); its agent card's interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Its documentation (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Its icon (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Its skills (at most 50), as its agent card lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<AgentSkill>,
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
            description: String::new(),
            agent_type: agent_type.into(),
            version: version.into(),
            capabilities: Vec::new(),
            owner: owner.into(),
            deployment_env,
            is_public: false,
            metadata: None,
            allowed_scopes: Vec::new(),
            allowed_actors: Vec::new(),
            endpoint_url: None,
            documentation_url: None,
            icon_url: None,
            skills: Vec::new(),
        }
    }
}

/// Body of `PATCH /v1/agents/{agentId}`: every field optional; `id`, `email`, `tenantId`,
/// `createdAt`, `updatedAt` and `lastAuthAt` are immutable and rejected by name.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateAgentRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    /// New semantic version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Replaces the capabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// New owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// New environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub deployment_env: Option<DeploymentEnv>,
    /// `active`, `suspended` or `revoked` (terminal; revokes every credential).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub status: Option<AgentStatus>,
    /// Lists or unlists the agent in the marketplace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Replaces the metadata object.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
    /// Replaces the allowed scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_scopes: Option<Vec<String>>,
    /// Replaces the agents that may act for this one; `[]` allows none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actors: Option<Vec<String>>,
    /// New A2A endpoint (https); `""` removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// New documentation URL; `""` removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// New icon URL; `""` removes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Replaces the skills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<AgentSkill>>,
}

impl AgentUpdate {
    /// Whether the update changes nothing (the server refuses an empty update).
    pub fn is_empty(&self) -> bool {
        serde_json::to_value(self).is_ok_and(|v| v.as_object().is_some_and(Map::is_empty))
    }
}

/// An agent as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AgentResponse))]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Agent id; also its OAuth `client_id`.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// The tenant it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub tenant_id: TenantId,
    /// Contact address, unique within the tenant.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Lower-case type token.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// Capability tokens.
    pub capabilities: Vec<String>,
    /// Responsible team or person.
    pub owner: String,
    /// `development`, `staging` or `production`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub deployment_env: DeploymentEnv,
    /// `active`, `suspended`, `revoked` or `decommissioned`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: AgentStatus,
    /// Listed in the public marketplace.
    pub is_public: bool,
    /// Free-form JSON object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Map<String, Value>,
    /// Scopes it may request in tokens.
    pub allowed_scopes: Vec<String>,
    /// Agents that may act for it by delegation.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub allowed_actors: Vec<AgentId>,
    /// Creation time.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: DateTime<Utc>,
    /// Last successful authentication.
    #[serde(default, with = "crate::time::millis_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_auth_at: Option<DateTime<Utc>>,
    /// Where the agent serves A2A requests.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Its documentation.
    #[serde(default)]
    pub documentation_url: Option<String>,
    /// Its icon.
    #[serde(default)]
    pub icon_url: Option<String>,
    /// Its skills.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
}

/// One page of agents.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentList {
    /// The agents of this page.
    pub data: Vec<Agent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of `GET /v1/agents`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentFilter {
    /// Only agents in this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub status: Option<AgentStatus>,
    /// Only agents of this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// Only agents with this owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only agents in this environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub deployment_env: Option<DeploymentEnv>,
    /// Only agents declaring this capability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// Page size, 1–100 (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
