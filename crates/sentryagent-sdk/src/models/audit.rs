//! Audit events: the hash-chained record of every change and security event.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};

use super::{AgentId, EventId, TenantId};

/// Whether the audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused or failed.
    Failure,
}

/// An audit event as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Event id.
    pub event_id: EventId,
    /// The tenant whose chain it belongs to.
    pub tenant_id: TenantId,
    /// Position in the tenant's chain (increasing).
    pub seq: i64,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Who acted: an agent id, `system`, `operator`, `signup`, or a presented client id.
    pub actor: String,
    /// The agent acted upon.
    #[serde(default)]
    pub agent_id: Option<AgentId>,
    /// What happened, e.g. `agent.created`.
    pub action: String,
    /// Whether it succeeded.
    pub outcome: Outcome,
    /// The caller's IP address.
    #[serde(default)]
    pub ip: Option<String>,
    /// The caller's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Action-specific details.
    pub metadata: serde_json::Value,
    /// The previous event's hash.
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and this event's canonical encoding.
    pub hash: String,
}

/// Filters and paging of `GET /v1/audit/events` (newest first).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventFilter {
    /// Only events about this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    /// Only events by this actor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Only this action, e.g. `token.issued`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only this outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Only events at or after this time.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339")]
    pub from: Option<DateTime<Utc>>,
    /// Only events at or before this time.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339")]
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Times in queries go out with microseconds and `Z`, the precision the server stores.
fn rfc3339<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true)),
        None => s.serialize_none(),
    }
}
