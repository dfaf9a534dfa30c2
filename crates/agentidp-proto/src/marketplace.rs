//! The public marketplace: search parameters, an agent's public view and its page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{AgentId, AgentSkill};

/// Search and paging of `GET /v1/marketplace/agents`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarketplaceFilter {
    /// Words that must all appear (each also as a prefix) in the agent's name, description,
    /// type, capabilities or skills; at most 8 words, 256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only agents declaring this capability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// Only agents published by the tenant with this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Page size, 1–100 (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A public agent as the marketplace shows it: no e-mail, owner, scopes, credentials or
/// metadata.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceAgent {
    /// Agent id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Lower-case type token.
    pub agent_type: String,
    /// Semantic version.
    pub version: String,
    /// Capability tokens (the scopes its agent card offers).
    pub capabilities: Vec<String>,
    /// The name of the tenant that publishes it.
    pub publisher: String,
    /// Where it serves A2A requests.
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
    /// Its DID (`did:web`).
    pub did: String,
    /// Where its DID document is served.
    pub did_document_url: String,
    /// Where its signed agent card is served, when it has one.
    #[serde(default)]
    pub agent_card_url: Option<String>,
    /// When it was registered.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    /// Its last change.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: DateTime<Utc>,
}

/// One page of marketplace agents.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceList {
    /// The agents of this page, in registration order.
    pub data: Vec<MarketplaceAgent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One agent's marketplace page: its public view, DID document and signed agent card.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceAgentPage {
    /// The public view.
    #[serde(flatten)]
    pub agent: MarketplaceAgent,
    /// Its DID document (W3C DID Core), as served at `didDocumentUrl`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub did_document: Value,
    /// Its A2A agent card with this server's signature, as served at `agentCardUrl`; `null`
    /// while it lacks an endpoint, a skill or a capability.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub agent_card: Option<Value>,
}
