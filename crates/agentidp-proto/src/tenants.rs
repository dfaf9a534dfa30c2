//! Tenants: self-service sign-up (`/v1/tenants`) and the usage a plan meters
//! (`/v1/billing/usage`).

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CredentialId, TenantId};

/// Body of `POST /v1/tenants`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    /// Unique tenant name: 3–63 characters of a-z, 0-9 and '-'.
    #[cfg_attr(feature = "openapi", schema(example = "acme-robotics"))]
    pub name: String,
}

/// A new tenant's administrator agent and its one-time credentials.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AdminCredentials))]
#[serde(rename_all = "camelCase")]
pub struct TenantAdmin {
    /// The admin agent.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub agent_id: AgentId,
    /// Its OAuth client id (the agent id).
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub client_id: AgentId,
    /// Its credential.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub credential_id: CredentialId,
    /// Shown once; store it now.
    #[serde(serialize_with = "crate::secret::expose")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub client_secret: SecretString,
    /// Its management scopes.
    pub scopes: Vec<String>,
}

/// A new tenant with its administrator.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantCreated {
    /// Tenant id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub tenant_id: TenantId,
    /// Tenant name.
    pub name: String,
    /// `free` or `pro`.
    pub plan: String,
    /// Creation time.
    #[serde(with = "crate::time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: DateTime<Utc>,
    /// The administrator agent and its secret (shown once).
    pub admin: TenantAdmin,
}

/// One metric against its limit.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MeteredResponse))]
pub struct Metered {
    /// How much is used.
    pub used: u64,
    /// The limit; `null` when there is none.
    pub limit: Option<u64>,
}

/// A tenant's usage this month.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UsageResponse))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// The month counted, `YYYY-MM` (UTC).
    #[cfg_attr(feature = "openapi", schema(example = "2026-11"))]
    pub month: String,
    /// `free` or `pro`: the plan whose limits apply when billing is enabled.
    pub plan: String,
    /// Whether the plan's limits are enforced (`BILLING_ENABLED`); otherwise the limits
    /// shown are the server's own.
    #[serde(default)]
    pub billing_enabled: bool,
    /// The Stripe subscription's status (`active`, `past_due`, `canceled`…), if any.
    #[serde(default)]
    pub subscription_status: Option<String>,
    /// Access tokens issued this month (other nodes' counts arrive within 5 s).
    pub tokens: Metered,
    /// Live (not decommissioned) agents.
    pub agents: Metered,
    /// Authenticated API calls today (UTC).
    #[serde(default)]
    pub api_calls: Option<Metered>,
    /// This month's usage per day.
    #[serde(default)]
    pub days: Vec<DayUsage>,
}

/// One UTC day's usage.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DayUsage {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// Authenticated API calls.
    pub api_calls: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Live agents when sampled (hourly; the day's last sample stands).
    pub active_agents: u64,
}

/// Answer of `POST /v1/billing/checkout`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckoutSession {
    /// Stripe's hosted payment page: send the user there.
    pub checkout_url: String,
}

/// Answer of `POST /v1/billing/webhook`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAck {
    /// Always `true`: the event was verified and is recorded.
    pub received: bool,
    /// `true` when the event had been delivered before (nothing changed).
    pub duplicate: bool,
}
