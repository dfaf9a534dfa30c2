//! Audit events: the hash-chained record of every change and security event
//! (`/v1/audit/events`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{AgentId, EventId, TenantId};
use crate::wire_enum::wire_enum;

wire_enum!(
    /// Whether the audited action succeeded.
    Outcome {
        /// It happened.
        Success = "success",
        /// It was refused or failed.
        Failure = "failure",
    }
);

/// An audit event as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EventResponse))]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Event id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub event_id: EventId,
    /// The tenant whose chain it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub tenant_id: TenantId,
    /// Position in the tenant's hash chain.
    pub seq: i64,
    /// When it happened (RFC 3339, UTC).
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: DateTime<Utc>,
    /// Who acted: an agent id, `system`, `operator`, `signup`, or the presented client id.
    pub actor: String,
    /// The agent acted upon.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub agent_id: Option<AgentId>,
    /// What happened, e.g. `agent.created`.
    #[cfg_attr(feature = "openapi", schema(example = "agent.created"))]
    pub action: String,
    /// `success` or `failure`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub outcome: Outcome,
    /// The caller's IP address.
    #[serde(default)]
    pub ip: Option<String>,
    /// The caller's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Action-specific details.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Map<String, Value>,
    /// The previous event's `hash` (64 zeros before the first event).
    pub prev_hash: String,
    /// SHA-256 (hex) over `prevHash` and this event's canonical encoding; with an audit chain
    /// key, `hmac-sha256:<key id>:<hex>`, the HMAC-SHA-256 of the same under that key.
    pub hash: String,
}

/// One page of events.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    /// The events of this page, newest first.
    pub data: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of `GET /v1/audit/events` (newest first) and of the NDJSON export.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventFilter {
    /// Only events about this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<uuid::Uuid>))]
    pub agent_id: Option<AgentId>,
    /// Only events by this actor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Only this action, e.g. `token.issued`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `success` or `failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub outcome: Option<Outcome>,
    /// Only events at or after this time (RFC 3339).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::micros_option"
    )]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = DateTime))]
    pub from: Option<DateTime<Utc>>,
    /// Only events at or before this time (RFC 3339).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::micros_option"
    )]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = DateTime))]
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–100 (default 50). Ignored by NDJSON exports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
